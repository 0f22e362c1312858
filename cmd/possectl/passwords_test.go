// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPasswordsOutFile: --passwords-out makes a new 0600 file; an existing
// one needs --append and must be the caller's own regular 0600 file; a
// symbolic link is never followed. A refused file stops the command before
// the password changes.
func TestPasswordsOutFile(t *testing.T) {
	r := newRig(t)
	if code, out, errOut := r.run(t, "Dora-Pw-2026-long\n", "users", "add", "dora", "--password-stdin"); code != 0 {
		t.Fatalf("add: %d %s %s", code, out, errOut)
	}
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pw.csv")
	setPw := func(args ...string) (int, string, string) {
		return r.run(t, "", append([]string{"users", "set-password", "dora"}, args...)...)
	}
	if code, out, errOut := setPw("--passwords-out", pwFile); code != 0 {
		t.Fatalf("first: %d %s %s", code, out, errOut)
	}
	first := r.box.Password("dora")

	// Again without --append: refused, nothing changed.
	code, _, errOut := setPw("--passwords-out", pwFile)
	if code != 1 || !strings.Contains(errOut, pwFile+" exists already") || !strings.Contains(errOut, "--append") {
		t.Errorf("existing file without --append: %d %s", code, errOut)
	}
	if r.box.Password("dora") != first {
		t.Error("the password changed although its file was refused")
	}
	// With --append: a second line.
	if code, out, errOut := setPw("--passwords-out", pwFile, "--append"); code != 0 {
		t.Fatalf("--append: %d %s %s", code, out, errOut)
	}
	b, _ := os.ReadFile(pwFile)
	if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); len(lines) != 2 || lines[1] != "dora,"+r.box.Password("dora") {
		t.Errorf("passwords file after --append: %d lines", len(lines))
	}

	victim := filepath.Join(t.TempDir(), "victim")
	os.WriteFile(victim, []byte("someone else's\n"), 0o600)
	link := filepath.Join(dir, "link.csv")
	os.Symlink(victim, link)
	dangling := filepath.Join(dir, "dangling.csv")
	through := filepath.Join(t.TempDir(), "through")
	os.Symlink(through, dangling)
	wide := filepath.Join(dir, "wide.csv")
	os.WriteFile(wide, nil, 0o644)
	os.Chmod(wide, 0o644)
	before := r.box.Password("dora")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--passwords-out", link}, "exists already"},
		{[]string{"--passwords-out", link, "--append"}, link + " is a symbolic link: choose a new file"},
		{[]string{"--passwords-out", dangling}, "exists already"},
		{[]string{"--passwords-out", dangling, "--append"}, "is a symbolic link"},
		{[]string{"--passwords-out", wide, "--append"}, "has mode 0644, not 0600: check who could read it, then chmod 600 " + wide},
		{[]string{"--passwords-out", dir, "--append"}, "is not a regular file"},
	} {
		code, _, errOut := setPw(tc.args...)
		if code != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: %d %s, want %q", tc.args, code, errOut, tc.want)
		}
	}
	if r.box.Password("dora") != before {
		t.Error("the password changed although its file was refused")
	}
	if b, _ := os.ReadFile(victim); string(b) != "someone else's\n" {
		t.Errorf("written through the link: %q", b)
	}
	if _, err := os.Lstat(through); err == nil {
		t.Error("a file was created through the dangling link")
	}

	// A command that fails leaves no empty file behind, so the next try
	// does not need --append.
	fresh := filepath.Join(dir, "fresh.csv")
	if code, _, _ := r.run(t, "", "users", "set-password", "nobody", "--passwords-out", fresh); code == 0 {
		t.Error("set-password of an unknown user succeeded")
	}
	if _, err := os.Lstat(fresh); err == nil {
		t.Error("the failed command left its passwords file")
	}
	// import refuses an existing file before it reads the CSV.
	code, _, errOut = r.run(t, "", "users", "import", writeFile(t, "u.csv", "username\nzed\n", 0o600), "--passwords-out", pwFile)
	if code != 1 || !strings.Contains(errOut, "--append") {
		t.Errorf("import to an existing file: %d %s", code, errOut)
	}
}
