// SPDX-License-Identifier: GPL-3.0-or-later

package sandbox

import (
	"embed"
	"fmt"
	"os"
	"path/filepath"
)

// daemonFiles are copies of possed's packaging files (packaging/dbus,
// packaging/systemd, packaging/polkit); TestDaemonFilesMatchPackaging keeps
// them equal to the originals.
//
//go:embed daemonfiles
var daemonFiles embed.FS

// DaemonFile is one packaging file of possed and where a box gets it.
type DaemonFile struct {
	// Name is the file's name in packaging/ and in daemonfiles/.
	Name string
	// Packaging is its path in the repository, relative to packaging/.
	Packaging string
	// Path is where the Debian package installs it.
	Path string
}

// DaemonFiles are the files that make possed D-Bus activatable and
// authorised by polkit, where the package puts them.
var DaemonFiles = []DaemonFile{
	{"org.posse.Posse1.conf", "dbus/org.posse.Posse1.conf", "/usr/share/dbus-1/system.d/org.posse.Posse1.conf"},
	{"org.posse.Posse1.service", "dbus/org.posse.Posse1.service", "/usr/share/dbus-1/system-services/org.posse.Posse1.service"},
	{"possed.service", "systemd/possed.service", "/usr/lib/systemd/system/possed.service"},
	{"org.posse.Posse1.policy", "polkit/org.posse.Posse1.policy", "/usr/share/polkit-1/actions/org.posse.Posse1.policy"},
	{"50-posse.rules", "polkit/50-posse.rules", "/usr/share/polkit-1/rules.d/50-posse.rules"},
}

// packageList exists in a box where the posse package is installed.
const packageList = "/var/lib/dpkg/info/posse.list"

// daemonBinary is where the unit and the activation file expect possed.
const daemonBinary = "/usr/sbin/possed"

// hasDaemon reports whether binDir holds a possed to install in boxes.
func hasDaemon(binDir string) bool {
	st, err := os.Stat(filepath.Join(binDir, "possed"))
	return err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0
}

// installDaemon puts possed and its packaging files into the box root R
// before the box's systemd starts, as the Debian package would: the files
// at their package paths and /usr/sbin/possed as a link to the bound
// /usr/local/bin/possed. dbus, systemd and polkit read them when they
// start, so nothing needs reloading, and possectl in the box reaches possed
// through D-Bus activation. Files of an earlier boot are replaced, unless
// the posse Debian package is installed in the box: then its files stay.
func installDaemon(R string) error {
	if _, err := os.Stat(filepath.Join(R, packageList)); err == nil {
		return nil
	}
	for _, f := range DaemonFiles {
		data, err := daemonFiles.ReadFile("daemonfiles/" + f.Name)
		if err != nil {
			return err
		}
		dst := filepath.Join(R, f.Path)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fmt.Errorf("install %s: %w", f.Path, err)
		}
		os.Remove(dst) // may be a symlink into the image
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return fmt.Errorf("install %s: %w", f.Path, err)
		}
	}
	bin := filepath.Join(R, daemonBinary)
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return fmt.Errorf("install %s: %w", daemonBinary, err)
	}
	os.Remove(bin)
	if err := os.Symlink("/usr/local/bin/possed", bin); err != nil {
		return fmt.Errorf("install %s: %w", daemonBinary, err)
	}
	return nil
}
