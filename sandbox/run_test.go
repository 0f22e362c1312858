// SPDX-License-Identifier: GPL-3.0-or-later

package sandbox

import (
	"slices"
	"testing"
)

func TestEscapeDollars(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"$HOME", "$$HOME"},
		{"${x}", "$${x}"},
		{"$$", "$$$$"},
		{"a$b$", "a$$b$$"},
		{"", ""},
	} {
		if got := escapeDollars([]string{tc.in})[0]; got != tc.want {
			t.Errorf("escapeDollars(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRunArgv(t *testing.T) {
	got := runArgv([]string{"sh", "-c", "echo $HOME"}, []string{"A=b"})
	want := []string{"systemd-run", "--wait", "--pipe", "--collect", "--quiet", "--service-type=exec",
		"-p", "User=root", "-p", "WorkingDirectory=/root", "--setenv=LANG=C.UTF-8", "--setenv=A=b",
		"--", "sh", "-c", "echo $$HOME"}
	if !slices.Equal(got, want) {
		t.Errorf("runArgv =\n%q\nwant\n%q", got, want)
	}
}

func TestEnterArgv(t *testing.T) {
	t.Setenv("TERM", "xterm")
	got := enterArgv(42, []string{"ls", "-l"}, nil)
	want := []string{"nsenter", "-t", "42", "-a", "env", "-i",
		"PATH=" + innerPath, "LANG=C.UTF-8", "HOME=/root", "TERM=xterm", "ls", "-l"}
	if !slices.Equal(got, want) {
		t.Errorf("enterArgv =\n%q\nwant\n%q", got, want)
	}
	t.Setenv("TERM", "x=y")
	if got := enterArgv(1, []string{"true"}, nil); !slices.Contains(got, "TERM=dumb") {
		t.Errorf("a TERM with '=' was passed on: %q", got)
	}
}

func TestCheckEnv(t *testing.T) {
	for _, tc := range []struct {
		env string
		ok  bool
	}{{"A=b", true}, {"A=", true}, {"A", false}, {"=b", false}, {"A B=c", false}, {"$A=b", false}} {
		if err := checkEnv([]string{tc.env}); (err == nil) != tc.ok {
			t.Errorf("checkEnv(%q) = %v, want ok=%v", tc.env, err, tc.ok)
		}
	}
}

func TestSafeBase(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"site.yaml", "site.yaml"},
		{"my-site_2.yml", "my-site_2.yml"},
		{".hidden", "def"},
		{"-rf", "def"},
		{"a b.yaml", "def"},
		{"", "def"},
		{"/", "def"},
	} {
		if got := safeBase(tc.in, "def"); got != tc.want {
			t.Errorf("safeBase(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLastLines(t *testing.T) {
	if got := lastLines("a\nb\nc\n", 2); got != "b\nc" {
		t.Errorf("lastLines = %q", got)
	}
	if got := lastLines("a", 5); got != "a" {
		t.Errorf("lastLines = %q", got)
	}
}
