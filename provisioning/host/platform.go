// SPDX-License-Identifier: GPL-3.0-or-later

package host

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Platform is what is installed on a box: its operating system release
// (from /etc/os-release) and the versions of its Debian packages (from
// dpkg's status file). Services render configuration for the versions
// found here, never for a release name.
type Platform struct {
	// ID and VersionID come from os-release ("debian", "13").
	ID, VersionID string
	// Codename is VERSION_CODENAME ("trixie").
	Codename string
	// Pretty is PRETTY_NAME, for messages.
	Pretty string
	// Known is false when the root has no os-release and no dpkg status
	// (a --root directory): services then render for the newest release
	// they support.
	Known bool
	pkgs  map[string]string
}

// SupportedReleases are the Debian releases Posse runs on, newest first.
var SupportedReleases = []Release{
	{VersionID: "13", Codename: "trixie"},
	{VersionID: "12", Codename: "bookworm"},
}

// Release names one Debian release.
type Release struct{ VersionID, Codename string }

func (r Release) String() string { return "Debian " + r.VersionID + " (" + r.Codename + ")" }

// supportedList is "Debian 13 (trixie), Debian 12 (bookworm)".
func supportedList() string {
	var s []string
	for _, r := range SupportedReleases {
		s = append(s, r.String())
	}
	return strings.Join(s, ", ")
}

// ReadPlatform reads os-release and dpkg's status file under root. A root
// that has neither gives a Platform with Known false and no error.
func ReadPlatform(root string) (Platform, error) {
	var p Platform
	osr, err := os.ReadFile(filepath.Join(root, "etc/os-release"))
	if err != nil {
		osr, err = os.ReadFile(filepath.Join(root, "usr/lib/os-release"))
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return p, fmt.Errorf("read os-release: %w", err)
	}
	if err == nil {
		p.Known = true
		kv := parseOSRelease(osr)
		p.ID, p.VersionID, p.Codename, p.Pretty = kv["ID"], kv["VERSION_ID"], kv["VERSION_CODENAME"], kv["PRETTY_NAME"]
	}
	st, err := os.ReadFile(filepath.Join(root, "var/lib/dpkg/status"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return p, fmt.Errorf("read dpkg status: %w", err)
	}
	if err == nil {
		p.Known = true
		p.pkgs = parseDpkgStatus(st)
	}
	return p, nil
}

// Platform reads the platform of the box the Env describes.
func (e *Env) Platform() (Platform, error) { return ReadPlatform(e.Root) }

// Version is the installed version of a Debian package ("1:2.4.1+dfsg1-6").
func (p Platform) Version(pkg string) (string, bool) {
	v, ok := p.pkgs[pkg]
	return v, ok
}

// Upstream returns the major and minor number of an installed package's
// upstream version (2, 4 for "1:2.4.1+dfsg1-6"); ok is false when the
// package is not installed or its version does not parse.
func (p Platform) Upstream(pkg string) (major, minor int, ok bool) {
	v, found := p.Version(pkg)
	if !found {
		return 0, 0, false
	}
	return UpstreamMajorMinor(v)
}

// UpstreamMajorMinor parses the major and minor number out of a Debian
// version: the epoch and everything after the second number are ignored.
func UpstreamMajorMinor(v string) (major, minor int, ok bool) {
	if i := strings.IndexByte(v, ':'); i >= 0 {
		v = v[i+1:]
	}
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return 0, 0, false
	}
	maj, err1 := strconv.Atoi(parts[0])
	minStr := parts[1]
	for i, r := range minStr {
		if r < '0' || r > '9' {
			minStr = minStr[:i]
			break
		}
	}
	mnr, err2 := strconv.Atoi(minStr)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return maj, mnr, true
}

// CheckSupported refuses a release Posse does not run on, naming what it
// found and what it supports. An unknown platform (a --root directory)
// passes.
func (p Platform) CheckSupported() error {
	if !p.Known || (p.ID == "" && p.VersionID == "") {
		return nil
	}
	found := p.Pretty
	if found == "" {
		found = strings.TrimSpace(p.ID + " " + p.VersionID)
	}
	if p.ID == "debian" {
		for _, r := range SupportedReleases {
			if p.VersionID == r.VersionID {
				return nil
			}
		}
		// testing and sid have no VERSION_ID; the codename tells.
		for _, r := range SupportedReleases {
			if p.VersionID == "" && p.Codename == r.Codename {
				return nil
			}
		}
	}
	return fmt.Errorf("this box runs %s, which Posse does not support: install %s (Posse supports %s)",
		found, SupportedReleases[0], supportedList())
}

func parseOSRelease(b []byte) map[string]string {
	kv := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		if uq, err := strconv.Unquote(v); err == nil {
			v = uq
		} else {
			v = strings.Trim(v, `"'`)
		}
		kv[k] = v
	}
	return kv
}

// hasFiles reports whether a dpkg Status field ("install ok installed")
// means the package's files are on disk: installed, or unpacked and not yet
// (or not fully) configured, as in the middle of a release upgrade whose
// configure step failed.
func hasFiles(status string) bool {
	f := strings.Fields(status)
	if len(f) != 3 {
		return false
	}
	switch f[2] {
	case "installed", "unpacked", "half-configured", "triggers-awaited", "triggers-pending", "half-installed":
		return true
	}
	return false
}

// parseDpkgStatus maps each package whose files are on disk to its version.
func parseDpkgStatus(b []byte) map[string]string {
	out := map[string]string{}
	for _, para := range bytes.Split(b, []byte("\n\n")) {
		var name, version, status string
		for _, line := range bytes.Split(para, []byte("\n")) {
			switch {
			case bytes.HasPrefix(line, []byte("Package: ")):
				name = string(line[len("Package: "):])
			case bytes.HasPrefix(line, []byte("Version: ")):
				version = string(line[len("Version: "):])
			case bytes.HasPrefix(line, []byte("Status: ")):
				status = string(line[len("Status: "):])
			}
		}
		if name != "" && hasFiles(status) {
			out[name] = version
		}
	}
	return out
}
