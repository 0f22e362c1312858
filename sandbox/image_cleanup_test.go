// SPDX-License-Identifier: GPL-3.0-or-later

package sandbox

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRemoveOldImages(t *testing.T) {
	tmp := t.TempDir()
	oldDir, oldRun := Dir, RunDir
	Dir, RunDir = filepath.Join(tmp, "lib"), filepath.Join(tmp, "run")
	t.Cleanup(func() { Dir, RunDir = oldDir, oldRun })

	for _, d := range []string{ImageDir("trixie"), ImageDir("bookworm"), filepath.Join(imagesDir(), "0123456789abcdef"),
		filepath.Join(imagesDir(), "trixie-00000000000000aa"), filepath.Join(imagesDir(), "bookworm-00000000000000aa"),
		filepath.Join(imagesDir(), "fedcba9876543210"), filepath.Join(imagesDir(), ".build-x-1")} {
		if err := os.MkdirAll(filepath.Join(d, "etc"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// a box (its record at least) still uses fedcba…
	if err := writeState(&state{Name: "keep", Index: 3, Image: filepath.Join(imagesDir(), "fedcba9876543210"), Started: time.Now()}); err != nil {
		t.Fatal(err)
	}
	removeOldImages("trixie", nil)
	for d, want := range map[string]bool{
		ImageDir("trixie"):   true,
		ImageDir("bookworm"): true, // another release's image stays
		filepath.Join(imagesDir(), "trixie-00000000000000aa"):   false,
		filepath.Join(imagesDir(), "bookworm-00000000000000aa"): true,
		filepath.Join(imagesDir(), "fedcba9876543210"):          true,
		filepath.Join(imagesDir(), "0123456789abcdef"):          false,
		filepath.Join(imagesDir(), ".build-x-1"):                false,
	} {
		if got := isDir(d); got != want {
			t.Errorf("%s exists = %v, want %v", filepath.Base(d), got, want)
		}
	}
}

func TestEnsureImageExplainsWhatIsMissing(t *testing.T) {
	tmp := t.TempDir()
	oldDir, oldLook := Dir, lookPath
	Dir = filepath.Join(tmp, "lib")
	lookPath = func(file string) (string, error) {
		if file == "mmdebstrap" {
			return "", os.ErrNotExist
		}
		return oldLook(file)
	}
	t.Cleanup(func() { Dir, lookPath = oldDir, oldLook })

	if _, err := EnsureImage(context.Background(), "jessie", nil); err == nil || !strings.Contains(err.Error(), "trixie, bookworm") {
		t.Errorf("EnsureImage of an unknown release: %v", err)
	}
	_, err := EnsureImage(context.Background(), "", nil)
	want := "apt-get install mmdebstrap"
	if os.Geteuid() != 0 {
		want = "needs root"
	}
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("EnsureImage without mmdebstrap: %v, want an error saying %q", err, want)
	}
}

func TestUnescapeMount(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/var/lib/x", "/var/lib/x"},
		{`/a\040b`, "/a b"},
		{`/a\011b\134c`, "/a\tb\\c"},
		{`/trailing\04`, `/trailing\04`},
	} {
		if got := unescapeMount(tc.in); got != tc.want {
			t.Errorf("unescapeMount(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
