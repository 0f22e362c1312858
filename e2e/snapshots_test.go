// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/e2e/harness"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/files"
)

// snapshotsSite has a share with snapshots that partners write and staff
// read, with a folder only partners open, a share that opts out, and home
// folders (which have snapshots too).
// STORAGE is the storage path; SHARE the path of Akten.
const snapshotsSite = `version: 1
site:
  name: "Snapshots Test"
  domain: snap.example
  workgroup: SNAP
directory:
  admin_password: ${secret:domain_admin}
groups:
  - name: partners
  - name: staff
users:
  - username: alice
    groups: [partners]
    password: ${secret:alice}
    must_change_password: false
  - username: bob
    groups: [staff]
    password: ${secret:bob}
    must_change_password: false
shares:
  - name: Akten
    path: SHARE
    read: [staff]
    write: [partners]
    folders:
      - path: Intern
        inherit: false
        write: [partners]
  - name: Scratch
    write: [partners]
    snapshots: false
homes: {enabled: true}
storage: {path: STORAGE, filesystem: btrfs}
snapshots:
  schedule: hourly
  keep: {hourly: 2}
backup:
  repository: /srv/posse/backup
  password: ${secret:backup}
  schedule: "*-*-* 03:00"
  keep: {daily: 1}
  include: [shares, homes]
`

var snapshotsPasswords = map[string]string{"alice": "Kanzlei-Akten-71!", "bob": "Lesezugriff-52!"}

func writeSnapshotsSite(t *testing.T, dir, name, storage, share string) (template, secrets string) {
	t.Helper()
	r := strings.NewReplacer("STORAGE", storage, "SHARE", share)
	template = filepath.Join(dir, name+".yaml")
	if err := os.WriteFile(template, []byte(r.Replace(snapshotsSite)), 0o600); err != nil {
		t.Fatal(err)
	}
	secrets = filepath.Join(dir, "snap.secrets.yaml")
	s := "domain_admin: \"Snap-Admin-Pw-2026!\"\nbackup: \"Snap-Backup-Repo-Pw-2026!\"\n"
	for u, pw := range snapshotsPasswords {
		s += fmt.Sprintf("%s: %q\n", u, pw)
	}
	if err := os.WriteFile(secrets, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return template, secrets
}

// smbSnap runs smbclient commands on //ip/Akten as user (password in an
// auth file, never in argv).
func smbSnap(t *testing.T, dir, ip, user, cmds string) (string, error) {
	t.Helper()
	return smbSnapShare(t, dir, ip, "Akten", user, cmds)
}

// smbSnapShare is smbSnap on another share (a home folder).
func smbSnapShare(t *testing.T, dir, ip, share, user, cmds string) (string, error) {
	t.Helper()
	auth := harness.SMBAuth(t, dir, "SNAP", user, snapshotsPasswords[user])
	return harness.Host("smbclient", "//"+ip+"/"+share, "-m", "SMB3", "-A", auth, "-c", cmds)
}

type boxSnapshot struct {
	Share string    `json:"share"`
	Name  string    `json:"name"`
	Time  time.Time `json:"time"`
}

// takeSnapshot runs possectl snapshots take and returns what it took and
// pruned of Akten.
func takeSnapshot(t *testing.T, tb *harness.TestBox) (taken, pruned []boxSnapshot) {
	t.Helper()
	start := time.Now()
	out := tb.MustRun(t, "possectl", "snapshots", "take", "--json")
	t.Logf("possectl snapshots take: %.2fs", time.Since(start).Seconds())
	var res struct{ Taken, Pruned []boxSnapshot }
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("snapshots take --json: %v\n%s", err, out)
	}
	homes := 0
	for _, s := range res.Taken {
		switch s.Share {
		case "Akten":
			taken = append(taken, s)
		case "alice", "bob":
			homes++
		default:
			t.Errorf("took a snapshot of %s", s.Share)
		}
	}
	if homes != 2 {
		t.Errorf("took %d snapshots of home folders, want 2: %+v", homes, res.Taken)
	}
	for _, s := range res.Pruned {
		if s.Share == "Akten" {
			pruned = append(pruned, s)
		}
	}
	return taken, pruned
}

func listSnapshots(t *testing.T, tb *harness.TestBox) []string {
	t.Helper()
	var l []boxSnapshot
	out := tb.MustRun(t, "possectl", "snapshots", "list", "Akten", "--json")
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatalf("snapshots list --json: %v\n%s", err, out)
	}
	var names []string
	for _, s := range l {
		names = append(names, s.Name)
	}
	return names
}

// TestSnapshots: a share with snapshots on a btrfs data disk shows its
// snapshots as previous versions to smbclient from outside, with the
// permissions of the time; retention prunes; plan refuses a file system
// that is not btrfs, naming it.
func TestSnapshots(t *testing.T) {
	if _, err := exec.LookPath("smbclient"); err != nil {
		t.Skip("smbclient is not installed on the host (scripts/deps.sh installs it for CI: apt-get install smbclient)")
	}
	tb := harness.Box(t, "snaps", harness.Options{Disk: 1 << 30})
	ip, dir := tb.IP(), t.TempDir()
	if fs := strings.TrimSpace(tb.MustRun(t, "stat", "-f", "-c", "%T", "/srv")); fs != "btrfs" {
		t.Fatalf("/srv in the box is %s, want the btrfs data disk", fs)
	}
	template, secrets := writeSnapshotsSite(t, dir, "snap", "/srv", "/srv/posse/shares/akten")
	tb.Apply(t, template, secrets)

	t.Run("shares are subvolumes, the timer is on", func(t *testing.T) {
		tb.MustRun(t, "btrfs", "subvolume", "show", "/srv/posse/shares/akten")
		if _, _, code := tb.Output(t, "btrfs", "subvolume", "show", "/srv/posse/shares/scratch"); code == 0 {
			t.Error("Scratch opted out but is a subvolume")
		}
		if st := strings.TrimSpace(tb.MustRun(t, "systemctl", "is-enabled", "posse-snapshots.timer")); st != "enabled" {
			t.Errorf("posse-snapshots.timer is %s", st)
		}
		if _, _, n := planUnits(t, tb, template, secrets); n != 0 {
			t.Errorf("plan after apply has %d steps", n)
		}
	})

	v1, v2 := filepath.Join(dir, "v1.txt"), filepath.Join(dir, "v2.txt")
	os.WriteFile(v1, []byte("version one\n"), 0o644)
	os.WriteFile(v2, []byte("version two, overwritten\n"), 0o644)
	harness.Eventually(t, 60*time.Second, func() error {
		out, err := smbSnap(t, dir, ip, "alice", "put "+v1+" report.txt; put "+v1+" Intern/secret.txt")
		if err != nil {
			return fmt.Errorf("%v: %s", err, out)
		}
		return nil
	})
	if out, err := smbSnapShare(t, dir, ip, "alice", "alice", "put "+v1+" mine.txt"); err != nil {
		t.Fatalf("put in alice's home: %v: %s", err, out)
	}
	taken, _ := takeSnapshot(t, tb)
	if len(taken) != 1 || taken[0].Share != "Akten" || !regexp.MustCompile(`^@GMT-\d{4}\.\d\d\.\d\d-\d\d\.\d\d\.\d\d$`).MatchString(taken[0].Name) {
		t.Fatalf("taken: %+v", taken)
	}
	first := taken[0].Name
	if d := time.Since(taken[0].Time); d < -2*time.Second || d > 2*time.Minute {
		t.Errorf("snapshot time %v is not now (UTC name %s)", taken[0].Time, first)
	}
	if out, err := smbSnap(t, dir, ip, "alice", "put "+v2+" report.txt"); err != nil {
		t.Fatalf("overwrite: %v: %s", err, out)
	}

	t.Run("allinfo lists the version", func(t *testing.T) {
		out, err := smbSnap(t, dir, ip, "alice", "allinfo report.txt")
		if err != nil || !strings.Contains(out, first) {
			t.Errorf("allinfo: %v\n%s", err, out)
		}
	})
	t.Run("get of the @GMT path returns the old content", func(t *testing.T) {
		got := filepath.Join(dir, "got.txt")
		out, err := smbSnap(t, dir, ip, "alice", "get "+first+"/report.txt "+got)
		if b, _ := os.ReadFile(got); err != nil || string(b) != "version one\n" {
			t.Errorf("get %s/report.txt: %q, %v: %s", first, b, err, out)
		}
		cur := filepath.Join(dir, "cur.txt")
		smbSnap(t, dir, ip, "alice", "get report.txt "+cur)
		if b, _ := os.ReadFile(cur); string(b) != "version two, overwritten\n" {
			t.Errorf("current file: %q", b)
		}
	})
	t.Run("home folders have versions", func(t *testing.T) {
		tb.MustRun(t, "btrfs", "subvolume", "show", "/srv/posse/homes/alice")
		out, err := smbSnapShare(t, dir, ip, "alice", "alice", "allinfo mine.txt")
		if err != nil || !strings.Contains(out, first) {
			t.Errorf("allinfo in alice's home: %v\n%s", err, out)
		}
	})
	t.Run("the snapshot folder is not listed", func(t *testing.T) {
		out, err := smbSnap(t, dir, ip, "alice", "ls")
		if err != nil || strings.Contains(out, ".snapshots") || !strings.Contains(out, "report.txt") {
			t.Errorf("ls: %v\n%s", err, out)
		}
	})
	t.Run("a reader gets versions of what they could read, no more", func(t *testing.T) {
		got := filepath.Join(dir, "bob.txt")
		if out, err := smbSnap(t, dir, ip, "bob", "get "+first+"/report.txt "+got); err != nil {
			t.Errorf("bob get of the version: %v: %s", err, out)
		}
		out, _ := smbSnap(t, dir, ip, "bob", "allinfo Intern/secret.txt")
		if strings.Contains(out, "@GMT-") || !strings.Contains(out, "NT_STATUS_ACCESS_DENIED") {
			t.Errorf("bob's allinfo of a partners-only file:\n%s", out)
		}
		// Samba refuses the folder bob may not open in the snapshot, so
		// the file in it is not even found.
		leak := filepath.Join(dir, "leak.txt")
		out, _ = smbSnap(t, dir, ip, "bob", "get "+first+"/Intern/secret.txt "+leak)
		if _, err := os.Stat(leak); err == nil || !(strings.Contains(out, "NT_STATUS_ACCESS_DENIED") || strings.Contains(out, "NT_STATUS_OBJECT_NAME_NOT_FOUND")) {
			t.Errorf("bob got a partners-only file from the snapshot: %s", out)
		}
		if out, _ := smbSnap(t, dir, ip, "bob", "allinfo report.txt"); !strings.Contains(out, first) {
			t.Errorf("bob's allinfo of a file he reads lacks the version:\n%s", out)
		}
	})
	t.Run("restore alongside and in place with possectl through possed", func(t *testing.T) {
		// The office manager (posse-office) lists and restores through
		// possed; a plain account is refused by polkit.
		installDaemon(t, tb)
		tb.MustRun(t, "groupadd", "--system", "posse-office")
		tb.MustRun(t, "useradd", "-m", "-s", "/bin/bash", "-G", "posse-office", "office1")
		tb.MustRun(t, "useradd", "-m", "-s", "/bin/bash", "plain1")
		office := func(args ...string) []string {
			return append([]string{"runuser", "-u", "office1", "--", "possectl"}, args...)
		}
		if _, errOut, code := tb.Output(t, "runuser", "-u", "plain1", "--", "possectl", "snapshots", "restore", "Akten", "report.txt"); code == 0 || !strings.Contains(errOut, "not allowed to restore earlier versions") {
			t.Errorf("a plain account's restore: exit %d, %s", code, errOut)
		}
		// The password sheet's facts, which office managers may read.
		var lg struct {
			Logon     string
			HomeDrive string `json:"home_drive"`
			Shares    []struct {
				Name  string
				Write bool
			}
		}
		out := tb.MustRun(t, office("users", "logon", "alice", "--json")...)
		if err := json.Unmarshal([]byte(out), &lg); err != nil || len(lg.Shares) != 2 || lg.Shares[0].Name != "Akten" || !lg.Shares[0].Write || lg.HomeDrive != "H:" || lg.Logon != `SNAP\alice` {
			t.Errorf("users logon alice as office manager: %v\n%s", err, out)
		}
		var vs []struct{ Snapshot string }
		out = tb.MustRun(t, office("snapshots", "list", "Akten", "report.txt", "--json")...)
		if err := json.Unmarshal([]byte(out), &vs); err != nil || len(vs) != 1 || vs[0].Snapshot != first {
			t.Errorf("versions of report.txt: %v\n%s", err, out)
		}
		meta := func() string {
			return tb.MustRun(t, "sh", "-c", "stat -c '%U %G %a' /srv/posse/shares/akten/report.txt; getfattr -d -m - --absolute-names /srv/posse/shares/akten/report.txt | grep -v '^#' | sort")
		}
		before := meta()
		var res struct{ Path, Snapshot string }
		out = tb.MustRun(t, office("snapshots", "restore", "Akten", "report.txt", "--alongside", "--json")...)
		if err := json.Unmarshal([]byte(out), &res); err != nil || !strings.HasPrefix(res.Path, "report (restored ") || res.Snapshot != first {
			t.Fatalf("restore --alongside: %v\n%s", err, out)
		}
		got := filepath.Join(dir, "alongside.txt")
		if out, err := smbSnap(t, dir, ip, "bob", "get \""+res.Path+"\" "+got); err != nil {
			t.Errorf("bob get of the restored copy: %v: %s", err, out)
		} else if b, _ := os.ReadFile(got); string(b) != "version one\n" {
			t.Errorf("the copy alongside holds %q", b)
		}
		cur := filepath.Join(dir, "cur2.txt")
		smbSnap(t, dir, ip, "alice", "get report.txt "+cur)
		if b, _ := os.ReadFile(cur); string(b) != "version two, overwritten\n" {
			t.Errorf("--alongside changed the current file: %q", b)
		}
		tb.MustRun(t, office("snapshots", "restore", "Akten", "report.txt", "--at", first)...)
		smbSnap(t, dir, ip, "alice", "get report.txt "+cur)
		if b, _ := os.ReadFile(cur); string(b) != "version one\n" {
			t.Errorf("after the restore in place report.txt holds %q", b)
		}
		if after := meta(); after != before {
			t.Errorf("owner, mode or attributes (NT ACL) changed by the restore:\nbefore %s\nafter  %s", before, after)
		}
		if _, errOut, code := tb.Output(t, office("snapshots", "restore", "Akten", "missing.txt")...); code == 0 || !strings.Contains(errOut, "is not in the snapshot") {
			t.Errorf("restore of a file no snapshot has: exit %d, %s", code, errOut)
		}
		if _, errOut, code := tb.Output(t, office("snapshots", "restore", "Akten", "../../../etc/passwd")...); code == 0 || !strings.Contains(errOut, "goes up") {
			t.Errorf("restore of a path out of the share: exit %d, %s", code, errOut)
		}
		if _, errOut, code := tb.Output(t, "possectl", "--direct", "snapshots", "restore", "Akten", "../etc/passwd"); code == 0 || !strings.Contains(errOut, "goes up") {
			t.Errorf("restore --direct of a path out of the share: exit %d, %s", code, errOut)
		}
		if out := tb.MustRun(t, "possectl", "--direct", "snapshots", "list", "Akten", "report.txt"); !strings.Contains(out, first) {
			t.Errorf("versions --direct of report.txt:\n%s", out)
		}
	})
	t.Run("retention prunes to the keep rules", func(t *testing.T) {
		// keep: {hourly: 2}: the expected list is the keep rule applied
		// to the times taken, in the box's zone (within one hour it keeps
		// the newest and, as restic does while counts are left, the
		// oldest).
		var all []string
		for range 3 {
			time.Sleep(1100 * time.Millisecond) // names are per second
			taken, _ := takeSnapshot(t, tb)
			if len(taken) == 1 {
				all = append(all, taken[0].Name)
			}
		}
		names := listSnapshots(t, tb)
		if len(all) != 3 {
			t.Fatalf("three more takes took %v", all)
		}
		loc := boxLocation(t, tb)
		var times []time.Time
		for _, n := range append([]string{first}, all...) {
			ts, ok := files.ParseSnapshotName(n)
			if !ok {
				t.Fatalf("snapshot name %q", n)
			}
			times = append(times, ts)
		}
		kept, gone := files.PruneSnapshots(times, site.SnapshotKeep{Hourly: 2}, loc)
		var want []string
		for i := len(kept) - 1; i >= 0; i-- {
			want = append(want, files.SnapshotName(kept[i]))
		}
		slices.Sort(want)
		slices.Reverse(want)
		if strings.Join(names, " ") != strings.Join(want, " ") {
			t.Errorf("after takes %s %v the list is %v, want %v", first, all, names, want)
		}
		for _, g := range gone {
			if _, _, code := tb.Output(t, "test", "-e", "/srv/posse/shares/akten/.snapshots/"+files.SnapshotName(g)); code == 0 {
				t.Errorf("pruned %s still on disk", files.SnapshotName(g))
			}
		}
		if len(want) != 2 {
			t.Errorf("hourly: 2 kept %v", want)
		}
		if out, _ := smbSnap(t, dir, ip, "alice", "allinfo report.txt"); strings.Count(out, "@GMT-") != 2 {
			t.Errorf("allinfo after pruning:\n%s", out)
		}
	})
	t.Run("the timer's service takes a snapshot", func(t *testing.T) {
		before := listSnapshots(t, tb)
		time.Sleep(1100 * time.Millisecond)
		tb.MustRun(t, "systemctl", "start", "posse-snapshots.service")
		if r := strings.TrimSpace(tb.MustRun(t, "systemctl", "show", "-p", "Result", "--value", "posse-snapshots.service")); r != "success" {
			t.Errorf("posse-snapshots.service result %s", r)
		}
		after := listSnapshots(t, tb)
		if len(after) == 0 || len(before) == 0 || after[0] <= before[0] {
			t.Errorf("snapshots before %v, after the service %v", before, after)
		}
		if out := tb.MustRun(t, "systemctl", "show", "-p", "TimersCalendar", "--value", "posse-snapshots.timer"); !strings.Contains(out, "OnCalendar=") {
			t.Errorf("timer calendar: %s", out)
		}
	})
	t.Run("the backup reads each share and home folder from a fresh snapshot", func(t *testing.T) {
		tb.MustRun(t, "systemctl", "start", "posse-backup.service")
		if r := strings.TrimSpace(tb.MustRun(t, "systemctl", "show", "-p", "Result", "--value", "posse-backup.service")); r != "success" {
			t.Fatalf("posse-backup.service: %s\n%s", r, tb.MustRun(t, "journalctl", "-u", "posse-backup.service", "-n", "30", "--no-pager"))
		}
		var last struct {
			Kind   string
			Frozen int
			Error  string
		}
		runs := strings.Split(strings.TrimSpace(tb.MustRun(t, "cat", "/var/lib/posse/backup/runs.jsonl")), "\n")
		if err := json.Unmarshal([]byte(runs[len(runs)-1]), &last); err != nil || last.Kind != "backup" || last.Error != "" || last.Frozen != 3 {
			t.Errorf("last run %+v (%v): want a backup read from 3 snapshots (Akten, alice, bob)", last, err)
		}
		ls := tb.MustRun(t, "restic", "-r", "/srv/posse/backup", "--password-file", "/var/lib/posse/backup/restic.pw", "ls", "latest")
		if !strings.Contains(ls, "/srv/posse/shares/akten/report.txt") || !strings.Contains(ls, "/srv/posse/homes/alice/mine.txt") {
			t.Errorf("the backup lacks the share's or home's files:\n%s", ls)
		}
		if strings.Contains(ls, "/.snapshots/") {
			t.Errorf("the backup holds the snapshots of Previous Versions:\n%s", ls)
		}
		if list := tb.MustRun(t, "btrfs", "subvolume", "list", "/srv"); strings.Contains(list, ".posse-backup") {
			t.Errorf("the backup's snapshots stayed:\n%s", list)
		}
		if out, _ := smbSnap(t, dir, ip, "alice", "allinfo report.txt"); strings.Contains(out, "posse-backup") {
			t.Errorf("Explorer would list the backup's snapshot:\n%s", out)
		}
	})
	t.Run("a full disk prunes the oldest snapshots first, with a warning in status", func(t *testing.T) {
		// A snapshot holds a big file that is then deleted; a second big
		// file leaves less than 10% free: the next take deletes snapshots
		// oldest first until there is room again, and says so.
		// The snapshot holding it is Akten's oldest, so the keep rules
		// (hourly: 2 keeps the newest and the oldest) leave it.
		tb.MustRun(t, "sh", "-c", "btrfs subvolume delete /srv/posse/shares/akten/.snapshots/@GMT-* && btrfs subvolume sync /srv")
		tb.MustRun(t, "fallocate", "-l", "300M", "/srv/posse/shares/akten/big1.bin")
		time.Sleep(1100 * time.Millisecond)
		holding, _ := takeSnapshot(t, tb)
		tb.MustRun(t, "rm", "/srv/posse/shares/akten/big1.bin")
		tb.MustRun(t, "btrfs", "filesystem", "sync", "/srv")
		var avail, size int64
		fmt.Sscan(tb.MustRun(t, "df", "-B1", "--output=avail,size", "/srv/posse/shares/akten"), new(string), new(string), &avail, &size)
		fill := avail - size*5/100 // 5% free
		if len(holding) != 1 || fill < 64<<20 {
			t.Fatalf("took %v; %d of %d bytes free, too little to fill", holding, avail, size)
		}
		tb.MustRun(t, "fallocate", "-l", fmt.Sprint(fill), "/srv/posse/shares/akten/big2.bin")
		tb.MustRun(t, "btrfs", "filesystem", "sync", "/srv")
		time.Sleep(1100 * time.Millisecond)
		out, errOut, code := tb.Output(t, "possectl", "snapshots", "take", "--json")
		var res struct {
			PrunedForSpace []boxSnapshot `json:"pruned_for_space"`
			Warning        string
		}
		if err := json.Unmarshal([]byte(out), &res); code != 0 || err != nil {
			t.Fatalf("take on a full disk: exit %d, %v\n%s%s", code, err, out, errOut)
		}
		gone := map[string]bool{}
		for _, s := range res.PrunedForSpace {
			gone[s.Share+" "+s.Name] = true
		}
		if !gone["Akten "+holding[0].Name] || !strings.Contains(res.Warning, "beyond the keep rules, oldest first") {
			t.Errorf("pruned for space %+v, warning %q: want the snapshot holding the deleted file gone", res.PrunedForSpace, res.Warning)
		}
		if names := listSnapshots(t, tb); len(names) == 0 {
			t.Error("the newest snapshot of Akten was deleted too")
		}
		var avail2 int64
		fmt.Sscan(tb.MustRun(t, "df", "-B1", "--output=avail", "/srv/posse/shares/akten"), new(string), &avail2)
		if avail2*100/size < 10 {
			t.Errorf("after pruning %d of %d bytes are free", avail2, size)
		}
		if st := tb.MustRun(t, "possectl", "status"); !strings.Contains(st, "WARNING (snapshots") {
			t.Errorf("status does not warn about the pruned snapshots:\n%s", st)
		}
		tb.MustRun(t, "rm", "/srv/posse/shares/akten/big2.bin")
		time.Sleep(1100 * time.Millisecond)
		takeSnapshot(t, tb)
		if st := tb.MustRun(t, "possectl", "status"); strings.Contains(st, "WARNING (snapshots") {
			t.Errorf("status still warns after a take with room:\n%s", st)
		}
	})
	t.Run("plan refuses storage that is not btrfs", func(t *testing.T) {
		tb.MustRun(t, "mkdir", "-p", "/srv/other")
		tb.MustRun(t, "mount", "-t", "tmpfs", "tmpfs", "/srv/other")
		defer tb.Output(t, "umount", "/srv/other")
		bad, _ := writeSnapshotsSite(t, dir, "bad", "/srv/other", "/srv/other/akten")
		// Without home folders, which must lie inside the storage path.
		b, _ := os.ReadFile(bad)
		b = []byte(strings.Replace(string(b), "include: [shares, homes]", "include: [shares]", 1))
		os.WriteFile(bad, []byte(strings.Replace(string(b), "homes: {enabled: true}\n", "", 1)), 0o600)
		tb.MustRun(t, "install", "-d", "-m", "0700", "/root/bad")
		tb.CopyIn(t, bad, "/root/bad/site.yaml", 0o600)
		tb.CopyIn(t, secrets, "/root/bad/secrets.yaml", 0o600)
		out, errOut, code := tb.Output(t, "possectl", "plan", "/root/bad/site.yaml", "--secrets", "/root/bad/secrets.yaml")
		if code == 0 || !strings.Contains(out+errOut, "/srv/other is tmpfs, Previous Versions needs btrfs; see docs/snapshots.md") {
			t.Errorf("plan on tmpfs: exit %d\n%s%s", code, out, errOut)
		}
	})
}

// boxLocation is the box's time zone, whose hours the keep rules count.
func boxLocation(t *testing.T, tb *harness.TestBox) *time.Location {
	t.Helper()
	name := strings.TrimSpace(tb.MustRun(t, "timedatectl", "show", "-p", "Timezone", "--value"))
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("the box's time zone %q: %v", name, err)
	}
	return loc
}
