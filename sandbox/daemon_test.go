// SPDX-License-Identifier: GPL-3.0-or-later

package sandbox

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestDaemonFilesMatchPackaging: the copies boxes get are the packaging
// files; after changing one in packaging/, copy it to sandbox/daemonfiles/.
func TestDaemonFilesMatchPackaging(t *testing.T) {
	for _, f := range DaemonFiles {
		t.Run(f.Name, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join("..", "packaging", f.Packaging))
			if err != nil {
				t.Fatal(err)
			}
			got, err := daemonFiles.ReadFile("daemonfiles/" + f.Name)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("sandbox/daemonfiles/%s differs from packaging/%s: cp packaging/%s sandbox/daemonfiles/", f.Name, f.Packaging, f.Packaging)
			}
		})
	}
}

// TestInstallDaemon installs into a temporary root twice (a box booted
// again) and finds every file and the link to the bound possed.
func TestInstallDaemon(t *testing.T) {
	root := t.TempDir()
	for range 2 {
		if err := installDaemon(root); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range DaemonFiles {
		st, err := os.Stat(filepath.Join(root, f.Path))
		if err != nil || st.Mode().Perm() != 0o644 {
			t.Errorf("%s: %v %v", f.Path, st, err)
		}
	}
	if l, err := os.Readlink(filepath.Join(root, daemonBinary)); err != nil || l != "/usr/local/bin/possed" {
		t.Errorf("%s -> %q, %v", daemonBinary, l, err)
	}
}

// TestInstallDaemonKeepsThePackage: in a box where the posse package is
// installed, the package's possed and files are left alone at boot.
func TestInstallDaemonKeepsThePackage(t *testing.T) {
	root := t.TempDir()
	bin := filepath.Join(root, daemonBinary)
	for _, f := range []string{packageList, daemonBinary} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, f), []byte("from the package\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := installDaemon(root); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(bin); err != nil || string(got) != "from the package\n" {
		t.Errorf("%s = %q, %v: the package's possed was replaced", daemonBinary, got, err)
	}
	if _, err := os.Stat(filepath.Join(root, DaemonFiles[0].Path)); err == nil {
		t.Errorf("%s was installed over the package", DaemonFiles[0].Path)
	}
}
