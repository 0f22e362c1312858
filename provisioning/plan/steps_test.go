// SPDX-License-Identifier: GPL-3.0-or-later

package plan

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/host/hosttest"
)

// testRoot makes a root with a passwd/group file and the given files.
func testRoot(t *testing.T, files map[string]string) *host.Env {
	t.Helper()
	root := t.TempDir()
	files["/etc/passwd"] = "root:x:0:0::/root:/bin/sh\nvmail:x:5000:5000::/srv/mail:/usr/sbin/nologin\n"
	files["/etc/group"] = "root:x:0:\nvmail:x:5000:\n"
	for p, c := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chmod(full, 0o644)
	}
	return &host.Env{Root: root, Secrets: hosttest.MapSecrets{"backup": "s3cr3t-Backup!", "other": "x"}}
}

func TestFileStep(t *testing.T) {
	env := testRoot(t, map[string]string{
		"/etc/a.conf":      "one\ntwo\n",
		"/etc/secret.conf": "password = s3cr3t-Backup!\n",
	})
	tests := []struct {
		name     string
		spec     FileSpec
		offline  bool
		changed  bool
		action   Action
		diff     string
		changes  string
		err      string
		mustNot  string
		specMode uint32
	}{
		{name: "unchanged", spec: FileSpec{Path: "/etc/a.conf", Content: "one\ntwo\n"}},
		{name: "unchanged with mode", spec: FileSpec{Path: "/etc/a.conf", Content: "one\ntwo\n", Mode: 0o644}},
		{name: "content", spec: FileSpec{Path: "/etc/a.conf", Content: "one\n2\n"}, changed: true, action: Update,
			diff: "--- /etc/a.conf\n+++ /etc/a.conf\n@@ -1,2 +1,2 @@\n one\n-two\n+2\n", specMode: 0o644},
		{name: "mode", spec: FileSpec{Path: "/etc/a.conf", Content: "one\ntwo\n", Mode: 0o600}, changed: true, action: Update,
			changes: "mode 0644→0600", specMode: 0o600},
		{name: "new", spec: FileSpec{Path: "/etc/new/b.conf", Content: "x\n"}, changed: true, action: Create,
			diff: "--- /dev/null\n+++ /etc/new/b.conf\n@@ -0,0 +1 @@\n+x\n", specMode: 0o644},
		{name: "secret unchanged", spec: FileSpec{Path: "/etc/secret.conf", Content: "password = ${secret:backup}\n", Secret: true}},
		{name: "secret changed", spec: FileSpec{Path: "/etc/secret.conf", Content: "password = ${secret:other}\n", Mode: 0o600},
			changed: true, action: Update, changes: "content (sensitive),mode 0644→0600", mustNot: "s3cr3t", specMode: 0o600},
		{name: "missing secret", spec: FileSpec{Path: "/etc/secret.conf", Content: "${secret:nope}"}, err: "secret nope is not set"},
		{name: "owner", spec: FileSpec{Path: "/etc/a.conf", Content: "one\ntwo\n", Owner: "vmail", Group: "vmail"}, changed: true, action: Update,
			changes: "owner 0→vmail (5000),group 0→vmail (5000)", specMode: 0o644},
		{name: "owner offline", spec: FileSpec{Path: "/etc/a.conf", Content: "one\ntwo\n", Owner: "vmail"}, offline: true},
		{name: "unknown owner", spec: FileSpec{Path: "/etc/a.conf", Content: "one\ntwo\n", Owner: "nobody"}, err: `unknown user "nobody"`},
		{name: "relative path", spec: FileSpec{Path: "etc/a.conf"}, err: "must be absolute"},
		{name: "dotdot", spec: FileSpec{Path: "/etc/../root/x"}, err: "must be absolute and clean"},
		{name: "directory", spec: FileSpec{Path: "/etc"}, err: "is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "owner" && os.Getuid() != 0 {
				t.Skip("files are owned by the test user, not root")
			}
			e := *env
			e.Offline = tt.offline
			st, changed, err := FileStep("svc", &e, tt.spec)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if changed != tt.changed {
				t.Fatalf("changed = %v, want %v (step %+v)", changed, tt.changed, st)
			}
			if !changed {
				return
			}
			if st.Action != tt.action || st.Kind != KindFile || st.Target != tt.spec.Path || st.Service != "svc" {
				t.Errorf("step %+v", st)
			}
			if st.Diff != tt.diff {
				t.Errorf("diff:\n%s\nwant:\n%s", st.Diff, tt.diff)
			}
			var got []string
			for _, c := range st.Changes {
				if c.Sensitive {
					got = append(got, c.Field+" (sensitive)")
				} else {
					got = append(got, c.Field+" "+c.Before+"→"+c.After)
				}
			}
			if strings.Join(got, ",") != tt.changes {
				t.Errorf("changes %q, want %q", strings.Join(got, ","), tt.changes)
			}
			var spec FileSpec
			if err := st.DecodeSpec(&spec); err != nil || spec.Content != tt.spec.Content || spec.Mode != tt.specMode {
				t.Errorf("spec %+v (%v), want content %q mode %o", spec, err, tt.spec.Content, tt.specMode)
			}
			if tt.mustNot != "" {
				var sb strings.Builder
				WriteJSON(&sb, &Plan{Steps: []Step{st}})
				WriteText(&sb, &Plan{Steps: []Step{st}})
				if strings.Contains(sb.String(), tt.mustNot) {
					t.Errorf("plan output contains %q:\n%s", tt.mustNot, sb.String())
				}
			}
		})
	}
}

func TestDirAndDeleteSteps(t *testing.T) {
	env := testRoot(t, map[string]string{"/srv/x/f": "f"})
	os.Chmod(env.Path("/srv/x"), 0o755)
	tests := []struct {
		name    string
		spec    DirSpec
		changed bool
		action  Action
		err     string
	}{
		{name: "exists", spec: DirSpec{Path: "/srv/x"}},
		{name: "exists same mode", spec: DirSpec{Path: "/srv/x", Mode: 0o755}},
		{name: "mode", spec: DirSpec{Path: "/srv/x", Mode: 0o2770}, changed: true, action: Update},
		{name: "new", spec: DirSpec{Path: "/srv/y"}, changed: true, action: Create},
		{name: "file in the way", spec: DirSpec{Path: "/srv/x/f"}, err: "is a file"},
	}
	for _, tt := range tests {
		st, changed, err := DirStep("files", env, tt.spec)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: err = %v, want %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || changed != tt.changed || (changed && st.Action != tt.action) {
			t.Errorf("%s: %+v %v %v", tt.name, st, changed, err)
		}
	}
	if _, changed, err := DeleteFileStep("files", env, "/srv/x/f"); !changed || err != nil {
		t.Errorf("delete existing: %v %v", changed, err)
	}
	if _, changed, err := DeleteFileStep("files", env, "/srv/x/g"); changed || err != nil {
		t.Errorf("delete missing: %v %v", changed, err)
	}
}

func TestExpandSecrets(t *testing.T) {
	s := hosttest.MapSecrets{"a": "1", "b_2": "two"}
	got, err := ExpandSecrets("x=${secret:a} y=${secret:b_2} z=${secret:a} ${notsecret:a} $${secret", s)
	if err != nil || got != "x=1 y=two z=1 ${notsecret:a} $${secret" {
		t.Errorf("got %q, %v", got, err)
	}
	if names := SecretNames("${secret:b_2}${secret:a}${secret:a}"); strings.Join(names, ",") != "a,b_2" {
		t.Errorf("names %v", names)
	}
	if _, err := ExpandSecrets("${secret:missing}", s); err == nil || !strings.Contains(err.Error(), "POSSE_SECRET_missing") {
		t.Errorf("missing: %v", err)
	}
}
