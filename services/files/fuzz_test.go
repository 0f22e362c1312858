// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary include files to Parse: it must not panic, and
// whatever it accepts must survive ToSite.
func FuzzParse(f *testing.F) {
	golden, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.conf"))
	for _, g := range golden {
		if b, err := os.ReadFile(g); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("[a]\n\tvalid users = @\"W\\g\" \"unterminated\n\tread only = no\n"))
	f.Add([]byte("[broken\n"))
	// Home sections of users named like Samba's own sections.
	f.Add([]byte("[sysvol]\n\tcomment = Home folder of sysvol\n\tpath = /srv/posse/homes/sysvol\n\tbrowseable = no\n[ GLOBAL ]\n\tcomment = Home folder of global\n\tbrowseable = no\n[print$]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ownSections(data)
		c, err := Parse(data)
		if err != nil {
			return
		}
		ToSite(c)
		for _, sh := range c.Shares {
			sh.Groups()
			sh.ReadOnly()
		}
	})
}

// FuzzParseGetfacl feeds arbitrary getfacl output to ParseGetfacl: no
// panic, and an accepted ACL renders as setfacl input again.
func FuzzParseGetfacl(f *testing.F) {
	f.Add([]byte(getfaclOut))
	f.Add([]byte("# owner: 0\n# group: 0\nuser::rwx\ngroup::r-x\nother::---\n"))
	f.Add([]byte("# owner: x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := ParseGetfacl(data)
		if err != nil {
			return
		}
		n.SetfaclInput()
		Diff(n, n, IDNames{})
	})
}
