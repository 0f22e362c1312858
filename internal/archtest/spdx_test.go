// SPDX-License-Identifier: GPL-3.0-or-later

package archtest

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// spdx is the first line of every Go file of the project (LICENSE).
const spdx = "// SPDX-License-Identifier: GPL-3.0-or-later"

func TestEveryGoFileNamesItsLicence(t *testing.T) {
	root := "../.."
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); p != root && (strings.HasPrefix(name, ".") || name == "bin" || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		n++
		if !sc.Scan() || sc.Text() != spdx {
			rel, _ := filepath.Rel(root, p)
			t.Errorf("%s: the first line must be %q", rel, spdx)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Fatalf("only %d Go files found: is the walk at the module root?", n)
	}
}
