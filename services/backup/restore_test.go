// SPDX-License-Identifier: GPL-3.0-or-later

package backup

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/host/hosttest"
)

func TestBesideName(t *testing.T) {
	for _, tc := range []struct {
		path string
		n    int
		want string
	}{
		{"/srv/a/report.docx", 1, "/srv/a/report (restored 2026-11-20).docx"},
		{"/srv/a/report.docx", 2, "/srv/a/report (restored 2026-11-20 2).docx"},
		{"/srv/a/archive.tar.gz", 1, "/srv/a/archive.tar (restored 2026-11-20).gz"},
		{"/srv/a/Makefile", 1, "/srv/a/Makefile (restored 2026-11-20)"},
		{"/srv/a/.profile", 1, "/srv/a/.profile (restored 2026-11-20)"},
		{"/srv/a/Rechnung März.pdf", 3, "/srv/a/Rechnung März (restored 2026-11-20 3).pdf"},
	} {
		if got := BesideName(tc.path, "2026-11-20", tc.n); got != tc.want {
			t.Errorf("BesideName(%q, %d) = %q, want %q", tc.path, tc.n, got, tc.want)
		}
	}
}

const snapJSON = `[{"time":"2026-11-20T21:03:00Z","paths":["/srv/posse/shares/akten"],"hostname":"dc","id":"abcdef1234567890","short_id":"abcdef12","tags":["posse"]}]`

// restoreBox scripts restic: snapshots answers snapJSON, restore writes
// files (box path → content) below its --target.
func restoreBox(t *testing.T, files map[string]string) (*host.Env, *hosttest.FakeRunner) {
	env, r := fakeBox(t)
	rs := NewRestic(env, "/srv/posse/backup")
	r.On(rs.Argv("snapshots"), host.Result{Stdout: []byte(snapJSON)})
	r.OnFunc(rs.Argv("restore"), func(c host.Cmd) (host.Result, error) {
		i := slices.Index(c.Argv, "--target")
		target := c.Argv[i+1]
		if c.Argv[len(c.Argv)-1] != "abcdef1234567890" {
			t.Errorf("restore of %q, want the resolved snapshot id", c.Argv[len(c.Argv)-1])
		}
		for p, content := range files {
			writeFile(t, filepath.Join(target, p), content, 0o640)
		}
		return host.Result{}, nil
	})
	return env, r
}

func TestRestoreInPlace(t *testing.T) {
	const dir = "/srv/posse/shares/akten"
	env, r := restoreBox(t, map[string]string{
		dir + "/deleted.txt":     "deleted",
		dir + "/same.txt":        "same",
		dir + "/changed.txt":     "old version",
		dir + "/sub/gone/x.txt":  "x",
		dir + "/twice.txt":       "v1",
		dir + "/beside-same.txt": "v1",
	})
	writeFile(t, env.Path(dir+"/same.txt"), "same", 0o640)
	writeFile(t, env.Path(dir+"/changed.txt"), "new version", 0o640)
	writeFile(t, env.Path(dir+"/twice.txt"), "v3", 0o640)
	writeFile(t, env.Path(dir+"/twice (restored 2026-11-20).txt"), "v2", 0o640)
	writeFile(t, env.Path(dir+"/beside-same.txt"), "v3", 0o640)
	writeFile(t, env.Path(dir+"/beside-same (restored 2026-11-20).txt"), "v1", 0o640)
	res, err := Restore(t.Context(), env, "/srv/posse/backup", RestoreOptions{Snapshot: "latest", Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	noSecret(t, r)
	slices.Sort(res.Restored)
	if want := []string{dir + "/deleted.txt", dir + "/sub/gone/x.txt"}; !slices.Equal(res.Restored, want) {
		t.Errorf("restored %q, want %q", res.Restored, want)
	}
	if res.Unchanged != 2 || len(res.Overwritten) != 0 {
		t.Errorf("unchanged %d overwritten %q", res.Unchanged, res.Overwritten)
	}
	if len(res.Beside) != 2 {
		t.Fatalf("beside = %+v", res.Beside)
	}
	for p, want := range map[string]string{
		dir + "/deleted.txt":                       "deleted",
		dir + "/changed.txt":                       "new version",
		dir + "/changed (restored 2026-11-20).txt": "old version",
		dir + "/twice (restored 2026-11-20).txt":   "v2",
		dir + "/twice (restored 2026-11-20 2).txt": "v1",
		dir + "/sub/gone/x.txt":                    "x",
	} {
		if got := readFile(t, env.Path(p)); got != want {
			t.Errorf("%s = %q, want %q", p, got, want)
		}
	}
	if st, _ := os.Stat(env.Path(dir + "/deleted.txt")); st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", st.Mode())
	}
	if m, _ := filepath.Glob(env.Path(StateDir + "/restore-*")); len(m) != 0 {
		t.Errorf("staging left behind: %q", m)
	}
}

func TestRestoreOverwrite(t *testing.T) {
	const f = "/srv/posse/shares/akten/changed.txt"
	env, _ := restoreBox(t, map[string]string{f: "old version"})
	writeFile(t, env.Path(f), "new version", 0o640)
	res, err := Restore(t.Context(), env, "/srv/posse/backup", RestoreOptions{Snapshot: "abc", Paths: []string{f}, Overwrite: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, env.Path(f)); got != "old version" || !slices.Equal(res.Overwritten, []string{f}) {
		t.Errorf("content %q, result %+v", got, res)
	}
}

func TestRestoreMaildir(t *testing.T) {
	const box = "/var/vmail/example.lan/alice/Maildir"
	env, _ := restoreBox(t, map[string]string{
		box + "/cur/1700000000.M1.dc:2,":    "deleted mail",
		box + "/cur/1700000001.M2.dc:2,":    "mail read since",
		box + "/dovecot-uidlist":            "old list",
		box + "/.Sent/cur/1700000002.M3.dc": "sent",
	})
	writeFile(t, env.Path(box+"/cur/1700000001.M2.dc:2,S"), "mail read since", 0o600)
	writeFile(t, env.Path(box+"/dovecot-uidlist"), "new list", 0o600)
	res, err := Restore(t.Context(), env, "/srv/posse/backup", RestoreOptions{Snapshot: "latest", Paths: []string{"/var/vmail/example.lan/alice", "/var/vmail/other.lan/alice"}, SkipMissing: true, Maildir: true})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(res.Restored)
	if want := []string{box + "/.Sent/cur/1700000002.M3.dc", box + "/cur/1700000000.M1.dc:2,"}; !slices.Equal(res.Restored, want) || len(res.Beside) != 0 || res.Unchanged != 2 {
		t.Errorf("result %+v", res)
	}
	if got := readFile(t, env.Path(box+"/dovecot-uidlist")); got != "new list" {
		t.Errorf("dovecot-uidlist = %q", got)
	}
}

func TestRestoreErrors(t *testing.T) {
	env, _ := restoreBox(t, nil)
	for _, tc := range []struct {
		opt  RestoreOptions
		want string
	}{
		{RestoreOptions{Snapshot: "latest"}, "at least one path"},
		{RestoreOptions{Snapshot: "latest", Paths: []string{"relative/x"}}, "absolute"},
		{RestoreOptions{Snapshot: "latest", Paths: []string{"/srv/../etc/shadow"}}, "absolute and clean"},
		{RestoreOptions{Snapshot: "latest", Paths: []string{"/srv/posse/shares/nope"}}, "is not in snapshot abcdef12"},
	} {
		_, err := Restore(t.Context(), env, "/srv/posse/backup", tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.opt, err, tc.want)
		}
	}
	r := env.Runner.(*hosttest.FakeRunner)
	r.On(NewRestic(env, "/srv/posse/backup").Argv("snapshots"), host.Result{Stdout: []byte("[]")})
	if _, err := Restore(t.Context(), env, "/srv/posse/backup", RestoreOptions{Snapshot: "zzz", Paths: []string{"/srv/x"}}); err == nil || !strings.Contains(err.Error(), "possectl backup snapshots") {
		t.Errorf("unknown snapshot: %v", err)
	}
}

func TestHomeAndMailboxPaths(t *testing.T) {
	if p, err := HomePath("alice"); err != nil || p != "/srv/posse/homes/alice" {
		t.Errorf("HomePath = %q, %v", p, err)
	}
	for _, bad := range []string{"", "..", "a/b"} {
		if _, err := HomePath(bad); err == nil {
			t.Errorf("HomePath(%q) accepted", bad)
		}
	}
	s := testSite()
	s.Mail.Domains = []string{"a.example", "b.example"}
	if p, err := MailboxPaths(s, "bob"); err != nil || !slices.Equal(p, []string{"/var/vmail/a.example/bob", "/var/vmail/b.example/bob"}) {
		t.Errorf("MailboxPaths = %q, %v", p, err)
	}
	s.Mail = nil
	if _, err := MailboxPaths(s, "bob"); err == nil {
		t.Error("mailbox without mail accepted")
	}
}
