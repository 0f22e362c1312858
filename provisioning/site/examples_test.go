// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExamples loads every example template, checks it is valid and that
// its secrets file (copied with mode 0600) satisfies CheckSecrets.
func TestExamples(t *testing.T) {
	files, err := filepath.Glob("../../examples/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".secrets.yaml") {
			continue
		}
		n++
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(data), "# yaml-language-server: $schema=../docs/site.schema.json\n") {
				t.Error("examples start with the yaml-language-server schema line")
			}
			s, err := Load(f)
			if err != nil {
				t.Fatalf("example is invalid:\n%v", err)
			}
			secrets := strings.TrimSuffix(f, ".yaml") + ".secrets.yaml"
			raw, err := os.ReadFile(secrets)
			if err != nil {
				t.Fatalf("every example has a secrets example: %v", err)
			}
			if !strings.Contains(string(raw), "EXAMPLE VALUES ONLY") {
				t.Error("secrets examples are marked as example values")
			}
			cp := filepath.Join(t.TempDir(), filepath.Base(secrets))
			if err := os.WriteFile(cp, raw, 0o600); err != nil {
				t.Fatal(err)
			}
			st, err := LoadSecrets(cp)
			if err != nil {
				t.Fatal(err)
			}
			if ps := CheckSecrets(s, st); len(ps) != 0 {
				t.Errorf("example secrets fail CheckSecrets:\n%v", ps)
			}
		})
	}
	if n < 2 {
		t.Errorf("want at least 2 examples, found %d", n)
	}
}

func TestSmallOfficeShape(t *testing.T) {
	s, err := Load("../../examples/small-office.yaml")
	if err != nil {
		t.Fatal(err)
	}
	recycle := false
	for _, sh := range s.Shares {
		recycle = recycle || sh.RecycleBin
	}
	userAlias := false
	for _, u := range s.Users {
		userAlias = userAlias || len(u.Aliases) > 0
	}
	switch {
	case len(s.Users) < 8, len(s.Groups) < 4, len(s.Shares) < 3, !recycle, !s.Homes.Enabled,
		s.Mail == nil, len(s.Mail.Aliases) < 2, !userAlias, s.Backup == nil,
		s.Backup.Repository != "/srv/posse/backup", len(s.Backup.Include) != 4:
		t.Errorf("small-office example lost part of its promised shape: %+v", s)
	}
}
