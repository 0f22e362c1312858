// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMergedTemplate: sandbox apply sends a template with include: as one
// merged file under the same name, and any other template as it is.
func TestMergedTemplate(t *testing.T) {
	dir := t.TempDir()
	main := filepath.Join(dir, "site.yaml")
	os.WriteFile(main, []byte("version: 1\ninclude: [groups.yaml]\nsite: {name: T, domain: t.example, workgroup: T}\ndirectory: {admin_password: \"${secret:domain_admin}\"}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "groups.yaml"), []byte("groups:\n  - name: staff\n"), 0o644)
	got, done, err := mergedTemplate(main)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(got)
	if got == main || filepath.Base(got) != "site.yaml" || strings.Contains(string(raw), "include:") || !strings.Contains(string(raw), "name: staff") {
		t.Errorf("merged template %s:\n%s", got, raw)
	}
	done()
	if _, err := os.Stat(got); !os.IsNotExist(err) {
		t.Errorf("the merged copy is left behind: %v", err)
	}
	plain := filepath.Join(dir, "plain.yaml")
	os.WriteFile(plain, []byte("version: 1\n"), 0o644)
	if got, done, err := mergedTemplate(plain); err != nil || got != plain {
		t.Errorf("a template without include = %s, %v", got, err)
	} else {
		done()
	}
}
