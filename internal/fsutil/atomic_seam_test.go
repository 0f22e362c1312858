// SPDX-License-Identifier: GPL-3.0-or-later

package fsutil

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// newBytes is what the tests write over oldBytes: large enough that a
// write cut short would show.
var (
	oldBytes = []byte("[global]\n\tworkgroup = OLD\n")
	newBytes = bytes.Repeat([]byte("[share]\n\tpath = /srv/new\n"), 40000) // ~1 MB
)

// oldFile makes dir/smb.conf with oldBytes, mode 0644.
func oldFile(t *testing.T) (dir, path string) {
	t.Helper()
	dir = t.TempDir()
	path = filepath.Join(dir, "smb.conf")
	if err := os.WriteFile(path, oldBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, path
}

// seamState checks the state at the seam (before the rename, after the
// fsync): path holds its old bytes and mode, and the only other file in
// its directory is tmp, named .NAME.posse-*, holding every new byte with
// the new mode.
func seamState(path, tmp string, mode fs.FileMode) error {
	st, err := ReadState(path)
	if err != nil {
		return err
	}
	if !bytes.Equal(st.Data, oldBytes) || st.Mode != 0o644 {
		return fmt.Errorf("target holds %d bytes mode %o before the rename, want the old %d bytes mode 644", len(st.Data), st.Mode, len(oldBytes))
	}
	ents, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		return err
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	want := []string{filepath.Base(tmp), filepath.Base(path)}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		return fmt.Errorf("directory holds %q, want the target and one temporary file %q", names, want)
	}
	if ok, _ := filepath.Match("."+filepath.Base(path)+".posse-*", filepath.Base(tmp)); !ok {
		return fmt.Errorf("temporary file %s is not named .%s.posse-*", tmp, filepath.Base(path))
	}
	ts, err := ReadState(tmp)
	if err != nil {
		return err
	}
	if !bytes.Equal(ts.Data, newBytes) || ts.Mode != mode {
		return fmt.Errorf("temporary file holds %d of %d new bytes, mode %o (want %o)", len(ts.Data), len(newBytes), ts.Mode, mode)
	}
	return nil
}

// TestWriteFileAtomicSeam stops WriteFileAtomic at its seam: the target is
// untouched and the new bytes are complete in the temporary file; after
// the rename the target is new and nothing else is left.
func TestWriteFileAtomicSeam(t *testing.T) {
	_, path := oldFile(t)
	var calls []string
	defer SetBeforeRename(func(p, tmp string) error {
		calls = append(calls, p)
		if err := seamState(path, tmp, 0o640|fs.ModeSetgid); err != nil {
			t.Error(err)
		}
		return nil
	})()
	if err := WriteFileAtomic(path, newBytes, 0o640|fs.ModeSetgid, NoID, NoID); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(calls, []string{path}) {
		t.Fatalf("hook called for %q, want once for %s", calls, path)
	}
	st, _ := ReadState(path)
	if !bytes.Equal(st.Data, newBytes) || st.Mode != 0o640|fs.ModeSetgid {
		t.Errorf("after the write: %d bytes mode %o", len(st.Data), st.Mode)
	}
	if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 {
		t.Errorf("left in the directory: %v", ents)
	}
}

// TestWriteFileAtomicSeamError: an error at the seam leaves the target
// and no temporary file, and is returned as it is.
func TestWriteFileAtomicSeamError(t *testing.T) {
	_, path := oldFile(t)
	boom := errors.New("boom")
	defer SetBeforeRename(func(string, string) error { return boom })()
	if err := WriteFileAtomic(path, newBytes, 0o640, NoID, NoID); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the hook's", err)
	}
	st, _ := ReadState(path)
	if !bytes.Equal(st.Data, oldBytes) || st.Mode != 0o644 {
		t.Errorf("target changed: %q mode %o", st.Data, st.Mode)
	}
	if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 {
		t.Errorf("left in the directory: %v", ents)
	}
}

// TestSetBeforeRenameRestores: the restore function puts back the hook
// that was there, and nil removes it.
func TestSetBeforeRenameRestores(t *testing.T) {
	_, path := oldFile(t)
	var got []string
	outer := SetBeforeRename(func(string, string) error { got = append(got, "outer"); return nil })
	inner := SetBeforeRename(func(string, string) error { got = append(got, "inner"); return nil })
	WriteFileAtomic(path, oldBytes, 0o644, NoID, NoID)
	inner()
	WriteFileAtomic(path, oldBytes, 0o644, NoID, NoID)
	none := SetBeforeRename(nil)
	WriteFileAtomic(path, oldBytes, 0o644, NoID, NoID)
	none()
	outer()
	WriteFileAtomic(path, oldBytes, 0o644, NoID, NoID)
	if want := []string{"inner", "outer"}; !slices.Equal(got, want) {
		t.Errorf("hooks called %q, want %q", got, want)
	}
}

// recordCalls replaces the fsyncs and the rename with recorders. Each
// fsync of a regular file also records whether the file held all of
// want, with mode, at that moment: an fsync before the last write or the
// chmod does not make the new version durable.
func recordCalls(t *testing.T, want []byte, mode fs.FileMode) *[]string {
	t.Helper()
	var calls []string
	old := osCalls
	t.Cleanup(func() { osCalls = old })
	osCalls.fsync = func(f *os.File) error {
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		what := "fsync " + filepath.Base(filepath.Clean(f.Name()))
		if fi.Mode().IsRegular() {
			// The temporary file's name is random.
			b, _ := os.ReadFile(f.Name())
			what = fmt.Sprintf("fsync TMP complete=%v mode=%v", bytes.Equal(b, want), fi.Mode()&(fs.ModePerm|fs.ModeSetgid) == mode)
		}
		calls = append(calls, what)
		return old.fsync(f)
	}
	osCalls.rename = func(from, to string) error {
		calls = append(calls, "rename "+filepath.Base(from)+" "+filepath.Base(to))
		return old.rename(from, to)
	}
	return &calls
}

// TestWriteFileAtomicOrder records what cannot be seen on disk: the
// temporary file is fsynced once it is complete and moded, the hook runs
// after that fsync, the rename comes after the hook, and the directory is
// fsynced after the rename. Dropping either fsync, or renaming before the
// fsync, fails here.
func TestWriteFileAtomicOrder(t *testing.T) {
	dir, path := oldFile(t)
	mode := 0o640 | fs.ModeSetgid
	calls := recordCalls(t, newBytes, mode)
	var tmpName string
	defer SetBeforeRename(func(_, tmp string) error {
		tmpName = filepath.Base(tmp)
		*calls = append(*calls, "hook")
		return nil
	})()
	if err := WriteFileAtomic(path, newBytes, mode, os.Getuid(), NoID); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"fsync TMP complete=true mode=true",
		"hook",
		"rename " + tmpName + " smb.conf",
		"fsync " + filepath.Base(dir),
	}
	if !slices.Equal(*calls, want) {
		t.Errorf("calls\n %q\nwant\n %q", *calls, want)
	}
}

// TestWriteFileAtomicErrors: each failing call is reported with the path,
// and leaves neither a changed target nor a temporary file.
func TestWriteFileAtomicErrors(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		fail       func()
	}{
		{"fsync of the file", "sync ", func() {
			osCalls.fsync = func(f *os.File) error { return errors.New("EIO") }
		}},
		{"rename", "replace ", func() {
			osCalls.rename = func(string, string) error { return errors.New("EXDEV") }
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, path := oldFile(t)
			old := osCalls
			defer func() { osCalls = old }()
			tc.fail()
			err := WriteFileAtomic(path, newBytes, 0o640, NoID, NoID)
			if err == nil || !strings.Contains(err.Error(), tc.want+path) {
				t.Errorf("err = %v, want %q", err, tc.want+path)
			}
			osCalls = old
			st, _ := ReadState(path)
			if !bytes.Equal(st.Data, oldBytes) {
				t.Error("target changed")
			}
			if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 {
				t.Errorf("left in the directory: %v", ents)
			}
		})
	}
	// A directory fsync that fails is reported; EINVAL (a file system
	// that cannot fsync directories) is not.
	dir := t.TempDir()
	old := osCalls
	defer func() { osCalls = old }()
	osCalls.fsync = func(*os.File) error { return syscall.EINVAL }
	if err := SyncDir(dir); err != nil {
		t.Errorf("SyncDir with EINVAL: %v", err)
	}
	osCalls.fsync = func(*os.File) error { return syscall.EIO }
	if err := SyncDir(dir); err == nil || !strings.Contains(err.Error(), "sync directory "+dir) {
		t.Errorf("SyncDir with EIO: %v", err)
	}
	if err := SyncDir(filepath.Join(dir, "missing")); err == nil {
		t.Error("SyncDir of a missing directory succeeded")
	}
}

// crashEnv names the directory the child of TestWriteFileAtomicKilled
// writes in.
const crashEnv = "POSSE_FSUTIL_CRASH_DIR"

// TestWriteFileAtomicKilled runs WriteFileAtomic in a child process (this
// test binary again) that stops at the seam, says so, and is killed there
// with SIGKILL: the target keeps its old bytes and mode, and the complete
// temporary file is all that is left. A page-cache-only crash: it proves
// the order of the writes, not their durability (see docs/proof.md).
func TestWriteFileAtomicKilled(t *testing.T) {
	if dir := os.Getenv(crashEnv); dir != "" {
		SetBeforeRename(func(string, string) error {
			fmt.Println("at-seam")
			// Wait for SIGKILL. Not select{}: without a pending timer the
			// runtime would end the child itself ("all goroutines are
			// asleep", exit 2) before the kill arrives.
			time.Sleep(time.Hour)
			return nil
		})
		err := WriteFileAtomic(filepath.Join(dir, "smb.conf"), newBytes, 0o640, NoID, NoID)
		t.Fatalf("WriteFileAtomic returned (%v) instead of stopping at the seam", err)
	}
	dir, path := oldFile(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestWriteFileAtomicKilled$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == "at-seam" {
				ready <- true
				return
			}
		}
		ready <- false
	}()
	select {
	case ok := <-ready:
		if !ok {
			cmd.Wait()
			t.Fatalf("child ended without reaching the seam: %s", stderr.String())
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal("child did not reach the seam within 30 s")
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ProcessState.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child was not killed: %v", err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".smb.conf.posse-*"))
	if len(left) != 1 {
		t.Fatalf("temporary files after the kill: %q, want one", left)
	}
	if err := seamState(path, left[0], 0o640); err != nil {
		t.Error(err)
	}
	// The next write replaces the target as usual.
	if err := WriteFileAtomic(path, newBytes, 0o640, NoID, NoID); err != nil {
		t.Fatal(err)
	}
	if st, _ := ReadState(path); !bytes.Equal(st.Data, newBytes) {
		t.Error("write after the kill did not replace the target")
	}
}

// TestWriteFileAtomicOwner gives the new file another owner, or only
// another group, and checks EnsureFile notices an owner that differs
// (root only: only root may give files away; CI runs as root).
func TestWriteFileAtomicOwner(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to give a file away")
	}
	_, path := oldFile(t)
	// Group-executable: Linux's chown clears set-gid then.
	if err := WriteFileAtomic(path, newBytes, 0o750|fs.ModeSetgid, 65534, NoID); err != nil {
		t.Fatal(err)
	}
	st, _ := ReadState(path)
	if st.UID != 65534 || st.GID != 0 || st.Mode != 0o750|fs.ModeSetgid {
		t.Errorf("owner %d:%d mode %o, want 65534:0 mode 2750 (chmod after chown keeps set-gid)", st.UID, st.GID, st.Mode)
	}
	if err := WriteFileAtomic(path, newBytes, 0o640, NoID, 65534); err != nil {
		t.Fatal(err)
	}
	if st, _ = ReadState(path); st.UID != 0 || st.GID != 65534 {
		t.Errorf("owner %d:%d, want 0:65534 (a new file is the process's, then its group changed)", st.UID, st.GID)
	}
	for _, tc := range []struct {
		uid, gid int
		changed  bool
	}{
		{0, 65534, false}, {NoID, NoID, false}, {65534, NoID, true}, {NoID, 0, true},
	} {
		changed, err := EnsureFile(path, newBytes, 0o640, tc.uid, tc.gid)
		if err != nil || changed != tc.changed {
			t.Errorf("EnsureFile owner %d:%d: changed %v (%v), want %v", tc.uid, tc.gid, changed, err, tc.changed)
		}
		if st, _ = ReadState(path); (tc.uid != NoID && st.UID != tc.uid) || (tc.gid != NoID && st.GID != tc.gid) {
			t.Errorf("EnsureFile owner %d:%d: file is %d:%d", tc.uid, tc.gid, st.UID, st.GID)
		}
	}
}

// TestEnsureDirSyncsParent: a new directory is made durable by an fsync
// of its parent.
func TestEnsureDirSyncsParent(t *testing.T) {
	dir := t.TempDir()
	calls := recordCalls(t, nil, 0)
	if _, err := EnsureDir(filepath.Join(dir, "new"), 0o750, NoID, NoID); err != nil {
		t.Fatal(err)
	}
	if want := []string{"fsync " + filepath.Base(dir)}; !slices.Equal(*calls, want) {
		t.Errorf("calls %q, want %q", *calls, want)
	}
}

// TestWriteFileAtomicWriteFails: a write cut short (here by a file size
// limit, as a full disk would) is an error, and leaves the target and no
// temporary file. Go ignores SIGXFSZ, so write returns EFBIG.
func TestWriteFileAtomicWriteFails(t *testing.T) {
	_, path := oldFile(t)
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Skip(err)
	}
	limit := old
	limit.Cur = 4096
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &limit); err != nil {
		t.Skip(err)
	}
	err := WriteFileAtomic(path, newBytes, 0o640, NoID, NoID)
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	if err == nil || !strings.Contains(err.Error(), "write "+path) {
		t.Errorf("err = %v, want the failed write", err)
	}
	if st, _ := ReadState(path); !bytes.Equal(st.Data, oldBytes) {
		t.Error("target changed")
	}
	if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 {
		t.Errorf("left in the directory: %v", ents)
	}
}
