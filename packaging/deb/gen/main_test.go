// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"os/exec"
	"strings"
	"testing"
)

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"--help":        `\-\-help`,
		`a\b`:           `a\eb`,
		`"x"`:           `\(dqx\(dq`,
		"name → value":  `name \[u2192] value`,
		"SHA256:…":      `SHA256:\[u2026]`,
		"plain text 42": "plain text 42",
	} {
		if got := escape(in); got != want {
			t.Errorf("escape(%q) = %q, want %q", in, got, want)
		}
	}
	if got := text(".hidden"); got != `\&.hidden` {
		t.Errorf("text(.hidden) = %q", got)
	}
	if got := text("'quoted"); got != `\&'quoted` {
		t.Errorf("text('quoted) = %q", got)
	}
}

func TestFlagReference(t *testing.T) {
	const usage = "Usage of possed:\n" +
		"  -bus-address string\n" +
		"    \tD-Bus address to serve on (default: the system bus)\n" +
		"  -version\n" +
		"    \tprint the version and exit\n"
	got := flagReference(usage)
	want := ".SH OPTIONS\n" +
		".TP\n.BI \"\\-\\-bus\\-address\" \" string\"\n" +
		"D\\-Bus address to serve on (default: the system bus)\n" +
		".TP\n.B \"\\-\\-version\"\n" +
		"print the version and exit\n"
	if got != want {
		t.Errorf("flagReference:\n%s\nwant:\n%s", got, want)
	}
}

func TestSubcommandsAndSections(t *testing.T) {
	const h = "Manage users\n\nUsage:\n  possectl users [command]\n\n" +
		"Available Commands:\n  add          Create a user\n  set-password Reset a password\n\n" +
		"Flags:\n  -h, --help   help for users\n\n" +
		"Global Flags:\n      --host user@box   manage the box over SSH\n\n" +
		"Use \"possectl users [command] --help\" for more information about a command.\n"
	if got := strings.Join(subcommands(h), ","); got != "add,set-password" {
		t.Errorf("subcommands = %s", got)
	}
	rest, global := section(h, "Global Flags:")
	if global != "      --host user@box   manage the box over SSH" {
		t.Errorf("global flags = %q", global)
	}
	if strings.Contains(rest, "Global Flags") || !strings.Contains(rest, "Flags:\n  -h, --help") {
		t.Errorf("rest = %q", rest)
	}
	if rest := moreInfo.ReplaceAllString(rest, ""); strings.Contains(rest, "for more information") {
		t.Errorf("more-info line kept: %q", rest)
	}
}

// TestDebianVersion checks scripts/deb.sh's mapping of git versions to
// Debian versions, and that they sort as the releases do.
func TestDebianVersion(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	debv := func(v string) string {
		t.Helper()
		out, err := exec.Command("../../../scripts/deb.sh", "--print-version", v).CombinedOutput()
		if err != nil {
			t.Fatalf("deb.sh --print-version %s: %v\n%s", v, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	for in, want := range map[string]string{
		"v1.2.3":                  "1.2.3",
		"v1.2.3-4-gabc1234":       "1.2.3+4.gabc1234",
		"v1.2.3-rc1":              "1.2.3~rc1",
		"v1.2.3-rc1-2-gdeadbee":   "1.2.3~rc1+2.gdeadbee",
		"v1.2.3-dirty":            "1.2.3+dirty",
		"v1.2.3-4-gabc1234-dirty": "1.2.3+4.gabc1234.dirty",
	} {
		if got := debv(in); got != want {
			t.Errorf("%s → %s, want %s", in, got, want)
		}
	}
	// A bare hash: 0.0.0~git[<commits>.]<hash> (the count when git knows
	// the commit).
	if got := debv("abc1234"); !strings.HasPrefix(got, "0.0.0~git") || !strings.HasSuffix(got, "abc1234") {
		t.Errorf("abc1234 → %s", got)
	}
	if got := debv("abc1234-dirty"); !strings.HasPrefix(got, "0.0.0~git") || !strings.HasSuffix(got, "abc1234.dirty") {
		t.Errorf("abc1234-dirty → %s", got)
	}
	if _, err := exec.LookPath("dpkg"); err != nil {
		return
	}
	order := []string{"0.0.0~git12.abc1234", "0.0.0~git13.abc1234", "1.2.3~rc1", "1.2.3~rc1+2.gdeadbee", "1.2.3", "1.2.3+4.gabc1234", "1.2.4"}
	if err := exec.Command("dpkg", "--compare-versions", "1.2.3", "lt", "1.2.3+dirty").Run(); err != nil {
		t.Error("1.2.3+dirty does not sort after 1.2.3")
	}
	for i := 1; i < len(order); i++ {
		if err := exec.Command("dpkg", "--compare-versions", order[i-1], "lt", order[i]).Run(); err != nil {
			t.Errorf("%s does not sort before %s", order[i-1], order[i])
		}
	}
}
