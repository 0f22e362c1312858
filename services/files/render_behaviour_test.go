// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"slices"
	"strings"
	"testing"
)

// smbSection is one share section of the rendered include, key → value.
type smbSection map[string]string

// smbSections reads the include as smbd does: sections, keys in lower case.
func smbSections(conf string) map[string]smbSection {
	out := map[string]smbSection{}
	var cur smbSection
	for _, l := range strings.Split(conf, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, ";") {
			continue
		}
		if strings.HasPrefix(l, "[") && strings.HasSuffix(l, "]") {
			cur = smbSection{}
			out[l[1:len(l)-1]] = cur
			continue
		}
		if k, v, ok := strings.Cut(l, "="); ok && cur != nil {
			cur[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
	return out
}

// TestRenderedSharesKeepTheirAccessRules reads every rendered share section
// as smbd would and asserts the lines that carry access control, so that a
// golden file regenerated with -update cannot bless a weaker share: no
// guest access, only the template's groups (and Domain Admins, who manage
// permissions) as valid users, writers exactly the write groups, readers
// never writers, Windows ACLs kept in their xattr, and no section named
// like one of Samba's own.
func TestRenderedSharesKeepTheirAccessRules(t *testing.T) {
	for _, name := range sites {
		t.Run(name, func(t *testing.T) {
			st := loadSite(t, name)
			c, err := FromSite(st)
			if err != nil {
				t.Fatal(err)
			}
			conf, err := Render(c)
			if err != nil {
				t.Fatal(err)
			}
			secs := smbSections(conf)
			for _, reserved := range []string{"global", "homes", "printers", "print$", "netlogon", "sysvol", "ipc$"} {
				for n := range secs {
					if strings.EqualFold(n, reserved) {
						t.Errorf("the include defines [%s], one of Samba's own sections", n)
					}
				}
			}
			for _, sh := range st.Shares {
				sec, ok := secs[sh.Name]
				if !ok {
					t.Errorf("share %s is not rendered", sh.Name)
					continue
				}
				if g := strings.ToLower(sec["guest ok"]); g != "no" {
					t.Errorf("[%s] guest ok = %q", sh.Name, g)
				}
				for _, k := range []string{"guest only", "public", "hosts allow", "admin users", "force user", "force group"} {
					if v, ok := sec[k]; ok {
						t.Errorf("[%s] sets %s = %s", sh.Name, k, v)
					}
				}
				valid := sec["valid users"]
				if valid == "" {
					t.Errorf("[%s] has no valid users: every domain user could connect", sh.Name)
				}
				for _, g := range append(slices.Clone(sh.Read), sh.Write...) {
					if !strings.Contains(valid, `\`+g+`"`) && !strings.Contains(valid, `\`+g+` `) && !strings.HasSuffix(valid, `\`+g) {
						t.Errorf("[%s] valid users %q lacks the template's group %s", sh.Name, valid, g)
					}
				}
				if strings.Contains(strings.ToLower(valid), "domain users") || strings.Contains(valid, "@\"MUELLER\\Everyone") {
					t.Errorf("[%s] valid users lets every domain user in: %s", sh.Name, valid)
				}
				write := sec["write list"]
				for _, g := range sh.Read {
					if !slices.Contains(sh.Write, g) && strings.Contains(write, `\`+g+`"`) {
						t.Errorf("[%s] read-only group %s is in the write list %q", sh.Name, g, write)
					}
				}
				for _, g := range sh.Write {
					if !strings.Contains(write, `\`+g+`"`) {
						t.Errorf("[%s] write group %s is not in the write list %q", sh.Name, g, write)
					}
				}
				if !strings.Contains(sec["vfs objects"], "acl_xattr") {
					t.Errorf("[%s] vfs objects %q: Windows ACLs are not kept", sh.Name, sec["vfs objects"])
				}
				if v, ok := sec["nt acl support"]; ok && strings.EqualFold(v, "no") {
					t.Errorf("[%s] nt acl support = no", sh.Name)
				}
			}
		})
	}
}
