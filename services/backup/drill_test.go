// SPDX-License-Identifier: GPL-3.0-or-later

package backup

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/host/hosttest"
)

// drillBox scripts restic for a drill: the snapshot holds files (path →
// content), restore writes restored (path → content) below --target with
// --verify, dump streams the snapshot's content.
func drillBox(t *testing.T, files, restored map[string]string) (*host.Env, *hosttest.FakeRunner) {
	env, r := fakeBox(t)
	rs := NewRestic(env, "/srv/posse/backup")
	r.On(rs.Argv("snapshots"), host.Result{Stdout: []byte(snapJSON)})
	ls := `{"time":"2026-11-20T21:03:00Z","paths":["/srv"],"hostname":"dc","id":"abcdef1234567890","short_id":"abcdef12","struct_type":"snapshot"}` + "\n"
	ls += `{"name":"srv","type":"dir","path":"/srv","struct_type":"node"}` + "\n"
	for p, c := range files {
		ls += fmt.Sprintf(`{"name":%q,"type":"file","path":%q,"size":%d,"struct_type":"node"}`+"\n", filepath.Base(p), p, len(c))
	}
	r.On(rs.Argv("ls"), host.Result{Stdout: []byte(ls)})
	r.OnFunc(rs.Argv("restore"), func(c host.Cmd) (host.Result, error) {
		if !slices.Contains(c.Argv, "--verify") {
			t.Error("the drill's restore does not ask restic to verify")
		}
		target := c.Argv[slices.Index(c.Argv, "--target")+1]
		for p, content := range restored {
			for i, a := range c.Argv {
				if i > 0 && c.Argv[i-1] == "--include" && (a == p || strings.HasPrefix(p, a+"/")) {
					writeFile(t, filepath.Join(target, p), content, 0o644)
				}
			}
		}
		return host.Result{}, nil
	})
	r.OnFunc(rs.Argv("dump"), func(c host.Cmd) (host.Result, error) {
		return host.Result{Stdout: []byte(files[c.Argv[len(c.Argv)-1]])}, nil
	})
	// The throwaway Samba of the directory's dump: restored inside the
	// drill's scratch folder under its own name, 7 users.
	r.OnFunc([]string{"samba-tool", "domain", "backup", "restore"}, func(c host.Cmd) (host.Result, error) {
		if !slices.Contains(c.Argv, "--newservername="+DrillServerName) || !slices.ContainsFunc(c.Argv, func(a string) bool {
			return strings.HasPrefix(a, "--targetdir="+env.Path(drillDir)+"/")
		}) {
			t.Errorf("throwaway restore %q: want it inside the scratch folder, as %s", c.Argv, DrillServerName)
		}
		return host.Result{}, nil
	})
	r.On([]string{"python3", "-c", countUsersPy}, host.Result{Stdout: []byte("7\n")})
	return env, r
}

func TestDrillPasses(t *testing.T) {
	files := map[string]string{
		"/srv/posse/shares/akten/a.txt": "alpha",
		"/srv/posse/shares/akten/b.txt": "beta",
		"/home/anna/mail/cur/1":         "Subject: hi",
	}
	env, _ := drillBox(t, files, files)
	res, err := Drill(t.Context(), env, Config{Repository: "/srv/posse/backup"}, DrillOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Files != 3 || res.Tried != 3 || res.Matched != 3 || !res.OK() || res.Snapshot != "abcdef1234567890" {
		t.Errorf("result %+v", res)
	}
	for _, c := range res.Checks {
		if !c.OK || len(c.SHA256) != 64 {
			t.Errorf("check %+v", c)
		}
	}
	if _, err := os.Stat(env.Path(drillDir)); !os.IsNotExist(err) {
		t.Errorf("the scratch folder is left: %v", err)
	}
	st, err := os.Stat(env.Path(DrillFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("drill record: %v", err)
	}
	last, ok, err := ReadDrill(env)
	if err != nil || !ok || last.Matched != 3 {
		t.Errorf("ReadDrill: %+v %v %v", last, ok, err)
	}
	runs, _ := ReadRuns(env)
	if d, _ := Last(runs, KindDrill); d.Start.IsZero() || !d.OK() || d.SnapshotID != "abcdef1234567890" {
		t.Errorf("run log: %+v", runs)
	}
}

// TestDrillFindsDamage: a file restored with other content, one of another
// size and one missing each fail the drill, which names them.
func TestDrillFindsDamage(t *testing.T) {
	files := map[string]string{
		"/srv/a.txt": "alpha",
		"/srv/b.txt": "beta",
		"/srv/c.txt": "gamma",
		"/srv/d.txt": "delta",
	}
	restored := map[string]string{
		"/srv/a.txt": "alpha",
		"/srv/b.txt": "BETA", // same size, other bytes
		"/srv/c.txt": "gam",  // short
	}
	env, _ := drillBox(t, files, restored)
	res, err := Drill(t.Context(), env, Config{Repository: "/srv/posse/backup"}, DrillOptions{Sample: 10})
	if err == nil {
		t.Fatal("the drill passed with damaged files")
	}
	for _, p := range []string{"/srv/b.txt (restored content differs", "/srv/c.txt (3 bytes restored, 5 recorded)", "/srv/d.txt (not restored)"} {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not name %s", err, p)
		}
	}
	if strings.Contains(err.Error(), "/srv/a.txt") || res.Matched != 1 || res.Tried != 4 || res.OK() {
		t.Errorf("result %+v", res)
	}
	runs, _ := ReadRuns(env)
	if d, _ := Last(runs, KindDrill); d.OK() {
		t.Errorf("the run log says the drill passed: %+v", d)
	}
}

func TestSampleNodes(t *testing.T) {
	var files []Node
	for i := range 50 {
		files = append(files, Node{Path: fmt.Sprintf("/f%02d", i)})
	}
	seen := map[string]bool{}
	for range 20 {
		s, err := sampleNodes(files, 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(s) != 5 || !slices.IsSortedFunc(s, func(a, b Node) int { return strings.Compare(a.Path, b.Path) }) {
			t.Fatalf("sample %v", s)
		}
		for i := 1; i < len(s); i++ {
			if s[i].Path == s[i-1].Path {
				t.Fatalf("a file sampled twice: %v", s)
			}
		}
		for _, n := range s {
			seen[n.Path] = true
		}
	}
	// 100 draws from 50 files: a sampler stuck on a few files would not
	// reach 20 different ones.
	if len(seen) < 20 {
		t.Errorf("only %d different files in 20 samples of 5", len(seen))
	}
	if all, _ := sampleNodes(files[:3], 5); len(all) != 3 {
		t.Errorf("a sample larger than the snapshot: %v", all)
	}
}

// TestDrillParts: the drill also restores the directory's dump (it must
// read whole, every bzip2 block, with Samba's database in it) and one
// mailbox (every message of the snapshot must come back); either one
// failing fails the drill.
func TestDrillParts(t *testing.T) {
	const dump = ADDumpDir + "/samba-backup-2026-11-20.tar.bz2"
	const box = "/var/vmail/example.org/anna/Maildir"
	good, err := os.ReadFile("testdata/drill/samba-backup-good.tar.bz2")
	if err != nil {
		t.Fatal(err)
	}
	nodb, err := os.ReadFile("testdata/drill/samba-backup-nodb.tar.bz2")
	if err != nil {
		t.Fatal(err)
	}
	damaged := append([]byte(nil), good...)
	for i := len(damaged) / 2; i < len(damaged)/2+8; i++ {
		damaged[i] ^= 0xff
	}
	for _, tc := range []struct {
		name    string
		archive []byte
		drop    string
		wantErr string
		dirOK   bool
		mailGot int
	}{
		{"whole", good, "", "", true, 3},
		{"a message missing", good, box + "/.Sent/cur/3:2,S", "the mailbox " + box + " did not come back whole: 2 of 3 messages came back", true, 2},
		{"no database in the dump", nodb, "", "the directory " + dump + " did not come back whole: the archive holds no private/sam.ldb", false, 3},
		{"a damaged dump", damaged, "", "the directory " + dump + " did not come back whole: the restored archive does not read whole", false, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{
				"/etc/samba/smb.conf":         "[global]",
				dump:                          string(tc.archive),
				box + "/cur/1:2,S":            "Subject: one",
				box + "/new/2":                "Subject: two",
				box + "/.Sent/cur/3:2,S":      "Subject: three",
				box + "/dovecot.index.log":    "index",
				"/var/vmail/example.org/x":    "not a mailbox",
				ADDumpDir + "/notes.txt":      "not a dump",
				"/srv/samba-backup-1.tar.bz2": "not in the dump folder",
			}
			restored := map[string]string{}
			for p, c := range files {
				if p != tc.drop {
					restored[p] = c
				}
			}
			env, _ := drillBox(t, files, restored)
			// Only the mailbox and the dump: the file sample must not
			// decide these cases.
			res, err := Drill(t.Context(), env, Config{Repository: "/srv/posse/backup"}, DrillOptions{Sample: 1})
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("drill error %v, want %q", err, tc.wantErr)
			}
			if len(res.Parts) != 2 || res.Parts[0].What != "directory" || res.Parts[0].Path != dump || res.Parts[0].OK != tc.dirOK ||
				res.Parts[1].What != "mailbox" || res.Parts[1].Path != box || res.Parts[1].Want != 3 || res.Parts[1].Got != tc.mailGot {
				t.Errorf("parts %+v", res.Parts)
			}
			if tc.dirOK && (!strings.Contains(res.Parts[0].Note, "all 6 entries read whole; restored into a throwaway Samba, its database holds 7 users") || res.Parts[0].Users != 7) {
				t.Errorf("directory part %+v", res.Parts[0])
			}
		})
	}
}

// TestDrillThrowawaySambaFails: a dump that reads whole but that Samba
// cannot restore fails the drill and says so.
func TestDrillThrowawaySambaFails(t *testing.T) {
	const dump = ADDumpDir + "/samba-backup-2026-11-20.tar.bz2"
	good, err := os.ReadFile("testdata/drill/samba-backup-good.tar.bz2")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{dump: string(good)}
	env, r := drillBox(t, files, files)
	r.On([]string{"samba-tool", "domain", "backup", "restore"}, host.Result{ExitCode: 255, Stderr: []byte("ERROR: Backup file has no sam.ldb")})
	res, err := Drill(t.Context(), env, Config{Repository: "/srv/posse/backup"}, DrillOptions{Sample: 1})
	if err == nil || !strings.Contains(err.Error(), "samba-tool could not restore it into a throwaway Samba") || len(res.Parts) != 1 || res.Parts[0].OK {
		t.Errorf("drill: %v, parts %+v", err, res.Parts)
	}
}
