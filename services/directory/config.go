// SPDX-License-Identifier: GPL-3.0-or-later

package directory

import (
	"bufio"
	"bytes"
	"fmt"
	"github.com/posse-project/posse/services/ad"
	"net"
	"path"
	"strings"
)

// Paths of the files the directory service owns on the box.
const (
	SMBConfPath   = ad.SMBConfPath
	KRB5ConfPath  = "/etc/krb5.conf"
	ResolvPath    = "/etc/resolv.conf"
	SamLDBPath    = "/var/lib/samba/private/sam.ldb"
	SharesInclude = ad.SharesInclude
	origSuffix    = ".posse-orig"
)

// GlobalConfig is what the Posse-owned part of smb.conf is rendered from.
type GlobalConfig struct {
	Hostname  string // NetBIOS name of the DC, from the box's host name
	Realm     string
	Workgroup string
	// Forwarder is the upstream DNS server, or "" for none.
	Forwarder string
	// TLSDir holds the site CA and server certificate (absolute path on the box).
	TLSDir string
}

// RenderSMBConf renders smb.conf for the domain controller: [global],
// [sysvol] and [netlogon], then an include of SharesInclude, the file the
// files service owns for its share sections. Samba reads a missing include
// file as empty.
func RenderSMBConf(g GlobalConfig) string {
	var b strings.Builder
	w := func(k, v string) { fmt.Fprintf(&b, "\t%s = %s\n", k, v) }
	b.WriteString("# Managed by Posse: changes here are overwritten by the next apply.\n")
	b.WriteString("# Share sections live in " + SharesInclude + ", included at the end.\n")
	b.WriteString("[global]\n")
	w("netbios name", strings.ToUpper(g.Hostname))
	w("realm", strings.ToUpper(g.Realm))
	w("workgroup", strings.ToUpper(g.Workgroup))
	w("server role", "active directory domain controller")
	if g.Forwarder != "" {
		w("dns forwarder", g.Forwarder)
	}
	w("idmap_ldb:use rfc2307", "yes")
	w("tls enabled", "yes")
	w("tls keyfile", path.Join(g.TLSDir, ad.ServerKeyFile))
	w("tls certfile", path.Join(g.TLSDir, ad.ServerCrtFile))
	w("tls cafile", path.Join(g.TLSDir, ad.CACertFile))
	w("ldap server require strong auth", "yes")
	// No share listing or other information for anonymous users.
	w("restrict anonymous", "2")
	// Macs may not change a file's UNIX mode through an NFS ACE
	// (vfs_fruit(8), a global option): a changed mode makes Samba ignore
	// the stored Windows ACL and derive one that maps rwx to Full control.
	w("fruit:nfs_aces", "no")
	b.WriteString("\n[sysvol]\n")
	w("path", "/var/lib/samba/sysvol")
	w("read only", "No")
	b.WriteString("\n[netlogon]\n")
	w("path", "/var/lib/samba/sysvol/"+ad.DNSDomain(g.Realm)+"/scripts")
	w("read only", "No")
	b.WriteString("\ninclude = " + SharesInclude + "\n")
	return b.String()
}

// RenderKRB5Conf renders /etc/krb5.conf as samba-tool generates it.
func RenderKRB5Conf(realm, hostname string) string {
	realm = strings.ToUpper(realm)
	return fmt.Sprintf(`# Managed by Posse.
[libdefaults]
	default_realm = %s
	dns_lookup_realm = false
	dns_lookup_kdc = true

[realms]
%s = {
	default_domain = %s
}

[domain_realm]
	%s = %s
`, realm, realm, ad.DNSDomain(realm), strings.ToLower(hostname), realm)
}

// RenderResolvConf points the box's resolver at its own DNS server.
func RenderResolvConf(realm string) string {
	return "# Managed by Posse: the domain controller answers for " + ad.DNSDomain(realm) + ".\n" +
		"search " + ad.DNSDomain(realm) + "\nnameserver 127.0.0.1\n"
}

// Forwarder picks the first non-loopback nameserver of a resolv.conf.
func Forwarder(resolv []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(resolv))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "nameserver" {
			if ip := net.ParseIP(f[1]); ip != nil && !ip.IsLoopback() && !ip.IsUnspecified() {
				return ip.String()
			}
		}
	}
	return ""
}
