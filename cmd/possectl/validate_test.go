// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/site"
)

func TestValidateSecrets(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, m os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), m); err != nil {
			t.Fatal(err)
		}
		os.Chmod(p, m)
		return p
	}
	const admin = "domain_admin: \"Admin-Passw0rd-2026\"\n"
	good := write("good.yaml", admin+"jdoe: \"Jane-Has-A-Good-1\"\nmmustermann: \"Max-Has-A-Good-1\"\n", 0o600)
	typo := write("typo.yaml", admin+"jdoe: \"Jane-Has-A-Good-1\"\nmmusterman: \"Max-Has-A-Good-1\"\n", 0o600)
	weak := write("weak.yaml", admin+"jdoe: \"jdoe-2026-Start\"\nmmustermann: \"Max-Has-A-Good-1\"\n", 0o600)
	unused := write("unused.yaml", admin+"jdoe: \"Jane-Has-A-Good-1\"\nmmustermann: \"Max-Has-A-Good-1\"\nformer_user: \"Old-Passw0rd-1\"\n", 0o600)
	open := write("open.yaml", admin, 0o644)
	for _, c := range []struct {
		name   string
		file   string
		code   int
		stdout string
		stderr []string
		not    []string
	}{
		{"good", good, 0, "valid: site \"Beispiel GmbH\", 2 users, 1 groups, 0 shares, 3 secrets", nil, nil},
		{"a misspelt name", typo, 1, "", []string{
			"1 problem found",
			`minimal.yaml:25:15: secret "mmustermann" is not set`,
			`did you mean "mmusterman" (` + typo + `:3:1)?`,
			"warning: " + typo + `:3:1: secret "mmusterman" is not used by the template`,
			`the template references "mmustermann", which the secrets file lacks`,
			"add the missing secrets to " + typo,
			"possectl secrets generate ../../examples/minimal.yaml --secrets " + typo,
		}, nil},
		{"a weak password", weak, 1, "", []string{
			`minimal.yaml:20:15: secret "jdoe" (initial password of jdoe): password contains the username`,
			"change the refused values in " + weak,
		}, []string{"missing", "jdoe-2026-Start", "warning"}},
		{"an unused secret", unused, 0, "valid:", []string{
			"warning: " + unused + `:4:1: secret "former_user" is not used by the template`,
			"hint: remove it from the secrets file, or reference it as ${secret:former_user}",
		}, nil},
		{"a file others can read", open, 1, "", []string{"chmod 600 " + open}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, o, e := possectl(t, "validate", minimalSite, "--secrets", c.file)
			if code != c.code || !strings.Contains(o, c.stdout) {
				t.Errorf("exit %d (want %d), stdout %q (want %q)\nstderr: %s", code, c.code, o, c.stdout, e)
			}
			for _, w := range c.stderr {
				if !strings.Contains(e, w) {
					t.Errorf("stderr lacks %q:\n%s", w, e)
				}
			}
			for _, w := range c.not {
				if strings.Contains(o+e, w) {
					t.Errorf("output has %q:\n%s%s", w, o, e)
				}
			}
		})
	}
}

// The next step after CheckSecrets' problems names what is wrong: a weak
// password is not a missing secret (plan and apply say this too).
func TestSecretsNext(t *testing.T) {
	missing := site.Problem{Message: `secret "a" is not set`}
	weak := site.Problem{Message: `secret "b" (initial password of b): password is too short: the policy needs at least 10 characters, it has 3`}
	for _, c := range []struct {
		ps       site.Problems
		secrets  string
		want     []string
		notWants []string
	}{
		{site.Problems{weak}, "s.yaml", []string{"change the refused values in s.yaml"}, []string{"missing", "generate"}},
		{site.Problems{missing}, "s.yaml", []string{"add the missing secrets to s.yaml", "possectl secrets generate t.yaml --secrets s.yaml"}, []string{"refused"}},
		{site.Problems{missing, weak}, "", []string{"add the missing secrets to the secrets file (--secrets FILE, mode 0600)", "change the refused values"}, []string{"generate"}},
	} {
		got := secretsNext(c.ps, "t.yaml", c.secrets)
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("secretsNext(%v) = %q, lacks %q", c.ps, got, w)
			}
		}
		for _, w := range c.notWants {
			if strings.Contains(got, w) {
				t.Errorf("secretsNext(%v) = %q, has %q", c.ps, got, w)
			}
		}
	}
}
