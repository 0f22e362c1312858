// SPDX-License-Identifier: GPL-3.0-or-later

package ad

import (
	"bufio"
	"bytes"
	"strings"
)

// The domain controller's Samba configuration and unit.
const (
	// SMBConfPath is the DC's smb.conf; the directory service owns it,
	// the other services only read it.
	SMBConfPath = "/etc/samba/smb.conf"
	// SharesInclude is the file smb.conf includes at its end: the files
	// service owns it and writes the share sections there.
	SharesInclude = "/etc/samba/posse-shares.conf"
	// DCUnit is the systemd unit of the domain controller (Samba AD).
	DCUnit = "samba-ad-dc.service"
)

// ConfRealm returns the realm set in an smb.conf's [global] section, or "".
func ConfRealm(conf []byte) string { return strings.ToUpper(ConfGlobal(conf, "realm")) }

// ConfGlobal returns the value of key in an smb.conf's [global] section
// (keys compared like Samba does: case and spacing ignored), or "".
func ConfGlobal(conf []byte, key string) string {
	norm := func(k string) string { return strings.ToLower(strings.Join(strings.Fields(k), "")) }
	want := norm(key)
	sc := bufio.NewScanner(bytes.NewReader(conf))
	section := ""
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if strings.HasPrefix(line, "[") {
			section = strings.ToLower(strings.Trim(line, "[] \t"))
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if ok && (section == "global" || section == "") && norm(k) == want {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
