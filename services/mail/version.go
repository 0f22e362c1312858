// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"fmt"
	"slices"
	"strings"

	"github.com/posse-project/posse/provisioning/host"
)

// DovecotFormat is the configuration format Dovecot is rendered in. Dovecot
// 2.4 renamed most settings, replaced the %-letter variables and refuses a
// 2.3 dovecot.conf, so the format follows the installed dovecot-core.
type DovecotFormat string

// The formats Posse renders.
const (
	// Dovecot24 is Dovecot 2.4 (Debian 13 trixie ships 2.4.1). It is
	// also the format of a Config whose Dovecot field is empty.
	Dovecot24 DovecotFormat = "2.4"
	// Dovecot23 is Dovecot 2.3 (Debian 12 bookworm ships 2.3.19).
	Dovecot23 DovecotFormat = "2.3"
)

// dovecotRelease is a supported format and the Debian release that ships it.
type dovecotRelease struct {
	format  DovecotFormat
	release string
}

// dovecotFormats are the supported formats, newest first.
var dovecotFormats = []dovecotRelease{
	{Dovecot24, "Debian 13"},
	{Dovecot23, "Debian 12"},
}

// DovecotPackage is the Debian package whose version picks the format.
const DovecotPackage = "dovecot-core"

// dovecotFormat picks the format for a box: the installed dovecot-core's
// major and minor version; without dovecot-core the release's own Dovecot
// (Debian 12 ships 2.3); on an unknown platform (a --root directory
// without os-release or dpkg status) the newest, 2.4. A Dovecot Posse
// cannot configure is an error that names the version found and the
// supported ones.
func dovecotFormat(p host.Platform) (DovecotFormat, error) {
	if v, installed := p.Version(DovecotPackage); installed {
		maj, mnr, ok := p.Upstream(DovecotPackage)
		if !ok {
			return "", fmt.Errorf("cannot read the version of the installed %s (%q): Posse configures Dovecot %s", DovecotPackage, v, supportedDovecot())
		}
		f := DovecotFormat(fmt.Sprintf("%d.%d", maj, mnr))
		if validFormat(f) {
			return f, nil
		}
		return "", fmt.Errorf("the box has Dovecot %s (%s %s), which Posse cannot configure: Posse configures Dovecot %s; install the %s of a supported release",
			f, DovecotPackage, v, supportedDovecot(), DovecotPackage)
	}
	if p.VersionID == "12" || (p.VersionID == "" && p.Codename == "bookworm") {
		return Dovecot23, nil
	}
	return Dovecot24, nil
}

// supportedDovecot is "2.4 (Debian 13) and 2.3 (Debian 12)".
func supportedDovecot() string {
	var s []string
	for _, f := range dovecotFormats {
		s = append(s, string(f.format)+" ("+f.release+")")
	}
	return strings.Join(s, " and ")
}

// validFormat reports whether f is a format Posse renders ("" is 2.4).
func validFormat(f DovecotFormat) bool {
	return f == "" || slices.ContainsFunc(dovecotFormats, func(r dovecotRelease) bool { return r.format == f })
}
