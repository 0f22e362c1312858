// SPDX-License-Identifier: GPL-3.0-or-later

package backup

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/host"
)

func TestCheckToolsNamesTheMissingPackage(t *testing.T) {
	root := t.TempDir()
	env := &host.Env{Root: root}
	if err := checkTools(env); err != nil {
		t.Fatalf("a root without samba-tool: %v", err)
	}
	os.MkdirAll(filepath.Join(root, "usr/bin"), 0o755)
	os.WriteFile(filepath.Join(root, "usr/bin/samba-tool"), nil, 0o755)
	if err := checkTools(env); err == nil || !strings.Contains(err.Error(), "apt-get install tdb-tools") {
		t.Fatalf("a DC without tdbbackup: %v", err)
	}
	os.WriteFile(filepath.Join(root, tdbbackupPath), nil, 0o755)
	if err := checkTools(env); err != nil {
		t.Fatal(err)
	}
}
