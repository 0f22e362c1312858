// SPDX-License-Identifier: GPL-3.0-or-later

package backup

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/posse-project/posse/provisioning/host"
)

func TestADRestoreArgv(t *testing.T) {
	got := strings.Join(ADRestoreArgv("/x/samba-backup.tar.bz2", "/t", "dc2", "10.0.0.2"), " ")
	want := "samba-tool domain backup restore --backup-file=/x/samba-backup.tar.bz2 --targetdir=/t --newservername=DC2 --host-ip=10.0.0.2"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if a := ADRestoreArgv("/x", "/t", "dc2", ""); slices.ContainsFunc(a, func(s string) bool { return strings.HasPrefix(s, "--host-ip") }) {
		t.Errorf("empty ip passed: %q", a)
	}
	if a := ADBackupArgv("/d"); strings.Join(a, " ") != "samba-tool domain backup offline --targetdir=/d" {
		t.Errorf("backup argv %q", a)
	}
}

func TestRenameInSMBConf(t *testing.T) {
	env := &host.Env{Root: t.TempDir()}
	writeFile(t, env.Path(SMBConfPath), "[global]\n\tnetbios name = DC1\n\trealm = AD.EXAMPLE.LAN\n[netlogon]\n\tpath = /x\n", 0o644)
	if err := renameInSMBConf(env, "dc2"); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, env.Path(SMBConfPath)); got != "[global]\n\tnetbios name = DC2\n\trealm = AD.EXAMPLE.LAN\n[netlogon]\n\tpath = /x\n" {
		t.Errorf("smb.conf:\n%s", got)
	}
	writeFile(t, env.Path(SMBConfPath), "[global]\n\trealm = X\n", 0o644)
	if err := renameInSMBConf(env, "dc2"); err == nil {
		t.Error("smb.conf without netbios name accepted")
	}
}

func TestRestoreSiteRefuses(t *testing.T) {
	env, r := fakeBox(t)
	env.Hostname = "dc"
	rs := NewRestic(env, "/srv/posse/backup")
	r.On(rs.Argv("snapshots"), host.Result{Stdout: []byte(`[{"time":"2026-11-20T21:03:00Z","paths":["/var/lib/posse"],"hostname":"dc","id":"abcdef","short_id":"abcdef"}]`)})
	pw := filepath.Join(t.TempDir(), "pw")
	writeFile(t, pw, testPassword+"\n", 0o600)
	_, err := RestoreSite(t.Context(), env, SiteRestoreOptions{Repository: "/srv/posse/backup", PasswordFile: pw})
	if err == nil || !strings.Contains(err.Error(), "hostnamectl set-hostname dc2") {
		t.Errorf("same host name: %v", err)
	}
	if got := readFile(t, env.Path(PasswordFile)); got != testPassword+"\n" {
		t.Errorf("password file not installed: %q", got)
	}
	if st, _ := os.Stat(env.Path(PasswordFile)); st.Mode().Perm() != 0o600 {
		t.Errorf("password file mode %v", st.Mode())
	}
	for _, c := range r.Cmds() {
		if slices.Contains(c.Argv, "restore") {
			t.Errorf("restored although refused: %q", c.Argv)
		}
	}
	noSecret(t, r)
	empty := filepath.Join(t.TempDir(), "empty")
	writeFile(t, empty, "\n", 0o600)
	if _, err := RestoreSite(t.Context(), env, SiteRestoreOptions{Repository: "/srv/posse/backup", PasswordFile: empty}); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty password file: %v", err)
	}
}

// TestMoveTreeCopies takes the copy path of moveTree and moveFile, as
// across file systems or out of an overlay's lower layer.
func TestMoveTreeCopies(t *testing.T) {
	rename = func(a, b string) error { return &os.LinkError{Op: "rename", Old: a, New: b, Err: syscall.EXDEV} }
	t.Cleanup(func() { rename = os.Rename })
	src := filepath.Join(t.TempDir(), "private")
	writeFile(t, filepath.Join(src, "sam.ldb.d", "a.ldb"), "a", 0o600)
	writeFile(t, filepath.Join(src, "secrets.tdb"), "s", 0o600)
	if err := os.Symlink("secrets.tdb", filepath.Join(src, "link")); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "private")
	if err := moveTree(src, dst); err != nil {
		t.Fatal(err)
	}
	if readFile(t, filepath.Join(dst, "sam.ldb.d", "a.ldb")) != "a" || readFile(t, filepath.Join(dst, "link")) != "s" {
		t.Error("tree not moved")
	}
	if _, err := os.Stat(src); !os.IsNotExist(err) {
		t.Error("source left behind")
	}
	// moveFile keeps mode, times and content.
	a := filepath.Join(t.TempDir(), "a")
	writeFile(t, a, "content", 0o640)
	b := filepath.Join(t.TempDir(), "b")
	info, _ := os.Lstat(a)
	if err := moveFile(a, b, info); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(b); readFile(t, b) != "content" || st.Mode().Perm() != 0o640 || !st.ModTime().Equal(info.ModTime()) {
		t.Errorf("copy: %v %v", st.Mode(), st.ModTime())
	}
}
