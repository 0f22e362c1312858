package sandbox

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestRemoveOldImages(t *testing.T) {
	tmp := t.TempDir()
	oldDir, oldRun := Dir, RunDir
	Dir, RunDir = filepath.Join(tmp, "lib"), filepath.Join(tmp, "run")
	t.Cleanup(func() { Dir, RunDir = oldDir, oldRun })

	for _, d := range []string{ImageDir(), filepath.Join(imagesDir(), "0123456789abcdef"),
		filepath.Join(imagesDir(), "fedcba9876543210"), filepath.Join(imagesDir(), ".build-x-1")} {
		if err := os.MkdirAll(filepath.Join(d, "etc"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// a box (its record at least) still uses fedcba…
	if err := writeState(&state{Name: "keep", Index: 3, Image: filepath.Join(imagesDir(), "fedcba9876543210"), Started: time.Now()}); err != nil {
		t.Fatal(err)
	}
	removeOldImages(nil)
	for d, want := range map[string]bool{
		ImageDir(): true,
		filepath.Join(imagesDir(), "fedcba9876543210"): true,
		filepath.Join(imagesDir(), "0123456789abcdef"): false,
		filepath.Join(imagesDir(), ".build-x-1"):       false,
	} {
		if got := isDir(d); got != want {
			t.Errorf("%s exists = %v, want %v", filepath.Base(d), got, want)
		}
	}
}
