// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse. It must never panic or hang;
// every problem must carry a position and a message; a template it accepts
// must validate cleanly again and survive every helper. The seed corpus is
// in testdata/fuzz/FuzzParse; the examples and bad templates are added too.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"../../examples/*.yaml", "testdata/bad/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			if data, err := os.ReadFile(file); err == nil {
				f.Add(data)
			}
		}
	}
	f.Add([]byte(minimalYAML))
	f.Add([]byte(refsTemplate("  realm: AD.${site.workgroup}.EXAMPLE\n", "mail:\n  domains: [${site.domain}]\n")))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("f.yaml", data)
		if err != nil {
			var ps Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("Parse error is not Problems: %v", err)
			}
			for _, p := range ps {
				if p.Line < 1 || p.Message == "" || p.File != "f.yaml" {
					t.Fatalf("problem without position or message: %#v", p)
				}
				if strings.ContainsAny(p.Message, "\n\r") && !strings.Contains(p.Message, `\n`) {
					// Values are quoted with %q, so a raw line break in a
					// message would come from the input unescaped.
					t.Fatalf("raw line break in message: %q", p.Message)
				}
			}
		}
		if s == nil {
			return
		}
		// Helpers must not panic on anything Parse returns.
		_ = s.RealmName()
		_ = s.BaseDN()
		_ = s.Policy()
		for _, u := range s.Users {
			_ = s.UserEmail(u)
			_ = u.MustChange()
		}
		for _, sh := range s.Shares {
			_ = s.SharePath(sh)
		}
		for _, g := range s.Groups {
			_ = s.GroupMembers(g.Name)
		}
		if s.Mail != nil {
			for _, a := range s.Mail.Aliases {
				_ = s.AliasTargets(a.Address)
			}
		}
		_ = CheckSecrets(s, NewStore())
		if err == nil {
			if ps := s.Validate(); len(ps) != 0 {
				t.Fatalf("accepted template fails Validate:\n%v", ps)
			}
		}
	})
}
