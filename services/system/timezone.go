// SPDX-License-Identifier: GPL-3.0-or-later

package system

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
)

// Files and directories of the box's time zone.
const (
	// LocaltimePath is the link to the zone's data that glibc and systemd read.
	LocaltimePath = "/etc/localtime"
	// TimezoneFile holds the zone's name on Debian; systemd-timedated does not
	// write it, so Posse does.
	TimezoneFile = "/etc/timezone"
	// ZoneinfoDir holds the zone data files (package tzdata).
	ZoneinfoDir = "/usr/share/zoneinfo"
)

// CheckZone checks that name is a time zone that can be set on the box
// under env.Root: the grammar first (site.TimezoneNameOK: no "..", no
// leading or doubled slash, so only then is it joined to a path), then a
// regular file under ZoneinfoDir that starts with the TZif magic and is not
// reached through a link leading out of the root. Offline (--root) a root
// without ZoneinfoDir is not searched; the site's validation has already
// checked the name against Go's zone database.
func CheckZone(env *host.Env, name string) error {
	if !site.TimezoneNameOK(name) {
		return fmt.Errorf("invalid time zone name %q: use an IANA name such as Europe/Berlin (timedatectl list-timezones lists them)", name)
	}
	dir := env.Path(ZoneinfoDir)
	if env.Offline {
		if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			return nil
		}
	}
	p := path.Join(ZoneinfoDir, name)
	full := env.Path(p)
	if root := env.Path("/"); root != "/" {
		if err := fsutil.CheckInside(root, full); err != nil {
			return fmt.Errorf("time zone %q: %w", name, err)
		}
	}
	f, err := os.Open(full)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("time zone %q is not installed on this box (%s is missing; is tzdata installed?)", name, p)
		}
		return fmt.Errorf("time zone %q: %w", name, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("time zone %q: %w", name, err)
	}
	magic := make([]byte, 4)
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("time zone %q: %s is not a zone data file", name, p)
	}
	if _, err := io.ReadFull(f, magic); err != nil || !bytes.Equal(magic, []byte("TZif")) {
		return fmt.Errorf("time zone %q: %s is not a zone data file", name, p)
	}
	return nil
}

// Zone is the box's current time zone as /etc/localtime says.
type Zone struct {
	// Name is the zone's name, or "" when /etc/localtime is missing or not
	// a link into ZoneinfoDir.
	Name string
	// Show describes the zone for plans: the name, or what is there instead.
	Show string
}

// CurrentZone reads the zone /etc/localtime links to under env.Root, the
// way systemd-timedated does: a link to /usr/share/zoneinfo/NAME or
// ../usr/share/zoneinfo/NAME names NAME. A missing file means UTC to glibc
// but names no zone; a copied file or any other link names none either.
func CurrentZone(env *host.Env) (Zone, error) {
	full := env.Path(LocaltimePath)
	fi, err := os.Lstat(full)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Zone{Show: "none (no " + LocaltimePath + ", so UTC)"}, nil
	case err != nil:
		return Zone{}, err
	case fi.Mode()&fs.ModeSymlink == 0:
		return Zone{Show: "unknown (" + LocaltimePath + " is not a link into " + ZoneinfoDir + ")"}, nil
	}
	target, err := os.Readlink(full)
	if err != nil {
		return Zone{}, err
	}
	for _, prefix := range []string{ZoneinfoDir + "/", ".." + ZoneinfoDir + "/"} {
		if name, ok := strings.CutPrefix(target, prefix); ok && site.TimezoneNameOK(name) {
			return Zone{Name: name, Show: name}, nil
		}
	}
	return Zone{Show: "unknown (" + LocaltimePath + " links to " + target + ")"}, nil
}

// localtimeState is /etc/localtime as it was before a change: a link, a
// regular file, or nothing.
type localtimeState struct {
	exists bool
	link   string
	data   []byte
	mode   fs.FileMode
}

func readLocaltime(env *host.Env) (localtimeState, error) {
	full := env.Path(LocaltimePath)
	fi, err := os.Lstat(full)
	if errors.Is(err, fs.ErrNotExist) {
		return localtimeState{}, nil
	}
	if err != nil {
		return localtimeState{}, err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		link, err := os.Readlink(full)
		return localtimeState{exists: true, link: link}, err
	}
	if !fi.Mode().IsRegular() {
		return localtimeState{}, fmt.Errorf("%s is neither a link nor a regular file", LocaltimePath)
	}
	data, err := os.ReadFile(full)
	return localtimeState{exists: true, data: data, mode: fi.Mode().Perm()}, err
}

// restore puts /etc/localtime back as it was, replacing what is there
// atomically.
func (st localtimeState) restore(env *host.Env) error {
	full := env.Path(LocaltimePath)
	if root := env.Path("/"); root != "/" {
		if err := fsutil.CheckInside(root, filepath.Dir(full)); err != nil {
			return err
		}
	}
	switch {
	case !st.exists:
		if err := os.Remove(full); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	case st.link != "":
		tmp := filepath.Join(filepath.Dir(full), ".localtime.posse-tmp")
		os.Remove(tmp)
		if err := os.Symlink(st.link, tmp); err != nil {
			return err
		}
		if err := os.Rename(tmp, full); err != nil {
			os.Remove(tmp)
			return err
		}
		return fsutil.SyncDir(filepath.Dir(full))
	}
	return fsutil.WriteFileAtomic(full, st.data, st.mode, fsutil.NoID, fsutil.NoID)
}
