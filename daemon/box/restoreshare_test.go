// SPDX-License-Identifier: GPL-3.0-or-later

package box

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/services/backup"
)

// chrootRunner runs restic as if the box's root were "/": box paths in
// ls and --include are looked up below root, the paths restic prints
// and restores lose root again. The repository is the test's.
type chrootRunner struct{ repoRunner }

func (r chrootRunner) Run(ctx context.Context, c host.Cmd) (host.Result, error) {
	argv := slices.Clone(c.Argv)
	restore, target := slices.Contains(argv, "restore"), ""
	for i := 1; i < len(argv); i++ {
		switch {
		case argv[i-1] == "--include" || (slices.Contains(argv, "ls") && i == len(argv)-1 && strings.HasPrefix(argv[i], "/srv/")):
			argv[i] = filepath.Join(r.root, argv[i])
		case argv[i-1] == "--target":
			target = argv[i]
		}
	}
	c.Argv = argv
	res, err := r.repoRunner.Run(ctx, c)
	res.Stdout = []byte(strings.ReplaceAll(string(res.Stdout), `"path":"`+r.root, `"path":"`))
	if err == nil && restore {
		err = os.Rename(filepath.Join(target, r.root, "srv"), filepath.Join(target, "srv"))
		if errors.Is(err, os.ErrNotExist) {
			err = nil // nothing restored
		}
	}
	return res, err
}

// TestRestoreShareFilesWithRealRestic backs up a share with restic, then
// browses it and restores a deleted file by share name and share-relative
// path, alongside and in place, with owner, mode and extended attributes;
// paths out of the share and a link planted in it are refused.
func TestRestoreShareFilesWithRealRestic(t *testing.T) {
	restic, err := exec.LookPath("restic")
	if err != nil {
		t.Skip("restic is not installed (scripts/deps.sh installs it)")
	}
	if os.Geteuid() != 0 {
		t.Skip("restores keep owners: run as root")
	}
	const pw = "Backup-Passw0rd-123"
	work := t.TempDir()
	repo := filepath.Join(work, "repo")
	b, _ := newBox(t, true)
	share := filepath.Join(b.Root, "srv/posse/shares/data")
	file := filepath.Join(share, "Briefe", "offer.txt")
	os.MkdirAll(filepath.Dir(file), 0o770)
	os.WriteFile(file, []byte("version one"), 0o640)
	os.Chown(file, 1234, 2345)
	xattr := unix.Setxattr(file, "user.posse-test", []byte("acl"), 0) == nil
	for _, args := range [][]string{{"init"}, {"backup", share}} {
		cmd := exec.Command(restic, append([]string{"--no-cache", "--repo", repo}, args...)...)
		cmd.Env = []string{"RESTIC_PASSWORD=" + pw, "HOME=" + work}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("restic %v: %v\n%s", args, err, out)
		}
	}
	b.Runner = chrootRunner{repoRunner{site: "/srv/backup", real: repo, root: b.Root}}
	state := filepath.Join(b.Root, host.DefaultStateDir)
	withBackup := testSite + "backup:\n  repository: /srv/backup\n  password: ${secret:backup_pw}\n  schedule: daily\n  keep: {daily: 7}\n  include: [shares]\n"
	os.WriteFile(filepath.Join(state, "site.yaml"), []byte(withBackup), 0o600)
	os.WriteFile(filepath.Join(state, "secrets.yaml"), []byte("domain_admin: \"Admin-Passw0rd!\"\nbackup_pw: \""+pw+"\"\n"), 0o600)
	pwFile := filepath.Join(b.Root, backup.PasswordFile)
	os.MkdirAll(filepath.Dir(pwFile), 0o700)
	os.WriteFile(pwFile, []byte(pw+"\n"), 0o600)
	ctx := context.Background()

	sb, err := b.ShareSnapshots(ctx)
	if err != nil || len(sb.Snapshots) != 1 || len(sb.Snapshots[0].Paths) != 0 || !slices.Contains(sb.Shares, "Data") {
		t.Fatalf("ShareSnapshots() = %+v, %v", sb, err)
	}
	top, err := b.BrowseShare(ctx, "latest", "Data", "")
	if err != nil || len(top) != 1 || top[0].Path != "Briefe" || top[0].Type != "dir" {
		t.Fatalf("BrowseShare(Data) = %+v, %v", top, err)
	}
	in, err := b.BrowseShare(ctx, "latest", "data", "Briefe")
	if err != nil || len(in) != 1 || in[0].Path != "Briefe/offer.txt" || in[0].Size != 11 {
		t.Fatalf("BrowseShare(Data, Briefe) = %+v, %v", in, err)
	}
	if _, err := b.BrowseShare(ctx, "latest", "Data", "Nirgends"); !errors.Is(err, daemon.ErrNotFound) {
		t.Errorf("BrowseShare of a missing folder: %v", err)
	}

	os.Remove(file)
	meta := func(p string) string {
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err.Error()
		}
		b, _ := os.ReadFile(p)
		x := make([]byte, 64)
		n, _ := unix.Getxattr(p, "user.posse-test", x)
		return string(b) + " " + strings.Join([]string{itoa(st.Uid), itoa(st.Gid), itoa(st.Mode & 0o7777)}, ":") + " " + string(x[:max(n, 0)])
	}
	want := "version one 1234:2345:416 "
	if xattr {
		want += "acl"
	}
	r, err := b.RestoreShareFiles(ctx, "latest", "Data", []string{"Briefe/offer.txt"}, true)
	if err != nil || len(r.Paths) != 1 || !strings.HasPrefix(r.Paths[0], "Briefe/offer (restored ") || r.Files != 1 || r.Bytes != 11 || r.Share != "Data" {
		t.Fatalf("RestoreShareFiles alongside = %+v, %v", r, err)
	}
	if got := meta(filepath.Join(share, r.Paths[0])); got != want {
		t.Errorf("the copy alongside: %q, want %q", got, want)
	}
	if _, err := os.Lstat(file); err == nil {
		t.Error("alongside put the file in place too")
	}
	os.WriteFile(file, []byte("changed"), 0o666)
	if r, err := b.RestoreShareFiles(ctx, "latest", "Data", []string{"Briefe/offer.txt"}, false); err != nil || r.Paths[0] != "Briefe/offer.txt" {
		t.Fatalf("RestoreShareFiles in place = %+v, %v", r, err)
	}
	if got := meta(file); got != want {
		t.Errorf("in place: %q, want %q", got, want)
	}
	if ents, _ := os.ReadDir(filepath.Join(b.Root, backup.StateDir)); slices.ContainsFunc(ents, func(e os.DirEntry) bool { return strings.HasPrefix(e.Name(), "restore-") }) {
		t.Error("the staging folder is left behind")
	}

	for _, p := range []string{"../../etc/shadow", "/../x"} {
		if _, err := b.RestoreShareFiles(ctx, "latest", "Data", []string{p}, false); !errors.Is(err, daemon.ErrInvalid) {
			t.Errorf("restore of %s: %v", p, err)
		}
	}
	if _, err := b.RestoreShareFiles(ctx, "latest", "Data", []string{"/etc/shadow"}, false); !errors.Is(err, daemon.ErrNotFound) || !strings.Contains(err.Error(), "etc/shadow is not in the backup") {
		t.Errorf("restore of /etc/shadow (the share's etc/shadow): %v", err)
	}
	if _, err := b.RestoreShareFiles(ctx, "latest", "Nirgends", []string{"a.txt"}, false); !errors.Is(err, daemon.ErrNotFound) {
		t.Errorf("restore into an unknown share: %v", err)
	}
	// A link planted where the folder was: nothing is written through it.
	outside := t.TempDir()
	os.Rename(filepath.Join(share, "Briefe"), filepath.Join(share, "Briefe.real"))
	os.Symlink(outside, filepath.Join(share, "Briefe"))
	if _, err := b.RestoreShareFiles(ctx, "latest", "Data", []string{"Briefe/offer.txt"}, false); err == nil {
		t.Error("a restore through a link in the share succeeded")
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Errorf("written through a link: %v", ents)
	}
}

func itoa[T uint32 | uint64](n T) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
