// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/site"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// loadSite parses testdata/sites/NAME.yaml.
func loadSite(t *testing.T, name string) *site.Site {
	t.Helper()
	s, err := site.Load(filepath.Join("testdata", "sites", name+".yaml"))
	if err != nil {
		t.Fatalf("site %s: %v", name, err)
	}
	return s
}

// golden compares got with testdata/golden/NAME, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

var sites = []string{"none", "one-share", "recycle", "homes", "many-groups", "umlauts", "folders", "snapshots"}

func TestRenderGolden(t *testing.T) {
	for _, name := range sites {
		t.Run(name, func(t *testing.T) {
			c, err := FromSite(loadSite(t, name))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Render(c)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, name+".conf", got)
		})
	}
}

func TestPurgeUnitsGolden(t *testing.T) {
	c, err := FromSite(loadSite(t, "recycle"))
	if err != nil {
		t.Fatal(err)
	}
	svc, tmr, ok, err := PurgeUnits(c)
	if err != nil || !ok {
		t.Fatalf("PurgeUnits: ok=%v err=%v", ok, err)
	}
	golden(t, PurgeService, svc)
	golden(t, PurgeTimer, tmr)

	c, _ = FromSite(loadSite(t, "one-share"))
	if _, _, ok, err := PurgeUnits(c); ok || err != nil {
		t.Errorf("no recycle bin: PurgeUnits ok=%v err=%v, want no units", ok, err)
	}
}

// TestParseRoundTrip renders each site, parses the result and compares
// the shares: what Export reads back is what was written.
func TestParseRoundTrip(t *testing.T) {
	for _, name := range sites {
		t.Run(name, func(t *testing.T) {
			st := loadSite(t, name)
			c, _ := FromSite(st)
			out, _ := Render(c)
			back, err := Parse([]byte(out))
			if err != nil {
				t.Fatal(err)
			}
			if len(back.Shares) != len(c.Shares) || back.Homes != c.Homes || len(back.HomeUsers) != len(c.HomeUsers) {
				t.Fatalf("parsed %d shares, homes %v (%d), want %d, %v (%d)", len(back.Shares), back.Homes, len(back.HomeUsers), len(c.Shares), c.Homes, len(c.HomeUsers))
			}
			if len(c.Shares) > 0 && back.Workgroup != c.Workgroup {
				t.Errorf("workgroup %q, want %q", back.Workgroup, c.Workgroup)
			}
			for i, want := range c.Shares {
				got := back.Shares[i]
				if ch := fieldChanges(want.Name, want, got); len(ch) > 0 || got.Name != want.Name {
					t.Errorf("share %s changed in the round trip: %+v", want.Name, ch)
				}
			}
			exp, homes := ToSite(back)
			for i, sh := range exp {
				orig := st.Shares[i]
				if st.SharePath(sh) != st.SharePath(orig) || sh.RecycleRetention() != orig.RecycleRetention() {
					t.Errorf("export of %s: path %s days %d, want %s %d", sh.Name, st.SharePath(sh), sh.RecycleRetention(), st.SharePath(orig), orig.RecycleRetention())
				}
			}
			if homes.Enabled != st.Homes.Enabled {
				t.Errorf("export homes %v, want %v", homes.Enabled, st.Homes.Enabled)
			}
		})
	}
}

func TestParseHandEdited(t *testing.T) {
	conf := `; a comment
[Projekte]
   Path=/srv/projekte
   READ ONLY = No
   valid users = @"MUELLER\dev", @MUELLER\qa
   read list = @"MUELLER\qa"
   vfs objects = acl_xattr recycle
[Archiv]
	path = /srv/archiv
	valid users = @"MUELLER\dev"
`
	c, err := Parse([]byte(conf))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := c.FindShare("projekte")
	if p.Path != "/srv/projekte" || strings.Join(p.Write, ",") != "dev" || strings.Join(p.Read, ",") != "qa" || !p.RecycleBin {
		t.Errorf("Projekte parsed as %+v", p)
	}
	a, _ := c.FindShare("Archiv")
	if len(a.Write) != 0 || strings.Join(a.Read, ",") != "dev" {
		t.Errorf("Archiv (read only by default) parsed as %+v", a)
	}
	for _, bad := range []string{"[broken\n", "key = value\n", "[a]\nnot a pair\n"} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%q) succeeded, want an error", bad)
		}
	}
}
