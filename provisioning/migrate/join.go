// SPDX-License-Identifier: GPL-3.0-or-later

package migrate

import (
	"fmt"
	"io"
	"strings"
)

// JoinPlan is what migrate join will change, shown before it runs.
type JoinPlan struct {
	Domain  string `json:"domain"`
	Realm   string `json:"realm"`
	NetBIOS string `json:"netbios"`
	// OldDC is the old DC's host name, From its address.
	OldDC string `json:"old_dc"`
	From  string `json:"from"`
	// Host and IP are this box's name in the domain and address.
	Host  string `json:"host"`
	IP    string `json:"ip"`
	Users int    `json:"users"`
	// TLSDir is where the box's CA and LDAPS certificate go.
	TLSDir string `json:"tls_dir"`
}

// NewJoinPlan is the join plan for the pre-flight report r, on the box
// named host (short name) at ip.
func NewJoinPlan(r *Report, host, ip, tlsDir string) JoinPlan {
	return JoinPlan{Domain: r.Domain, Realm: r.Realm, NetBIOS: r.NetBIOS, OldDC: r.DC, From: r.From,
		Host: strings.ToLower(host) + "." + r.Domain, IP: ip, Users: r.Users, TLSDir: tlsDir}
}

// WriteJoinPlan prints the join plan in words.
func WriteJoinPlan(w io.Writer, p JoinPlan) error {
	var b strings.Builder
	f := func(s string, a ...any) { fmt.Fprintf(&b, s, a...) }
	f("Join plan: this box becomes an additional domain controller of %s\n", p.Domain)
	f("  + samba-tool domain join %s DC, replicating from %s (%s): the %d users, groups, computers,\n", p.Domain, p.OldDC, p.From, p.Users)
	f("    password hashes and SIDs come across as they are; nothing is re-created\n")
	f("  + this box is %s at %s; the DNS zones replicate, its DNS server answers for %s\n", p.Host, p.IP, p.Domain)
	f("  + site CA and LDAPS certificate in %s\n", p.TLSDir)
	f("  + /etc/samba/smb.conf, /etc/krb5.conf and /etc/resolv.conf written (originals kept as *.posse-orig)\n")
	f("  + smbd, nmbd and winbind stopped and masked; samba-ad-dc enabled and started\n")
	f("  + SYSVOL copied from \\\\%s\\sysvol, then its ACLs reset (samba-tool ntacl sysvolreset)\n", p.From)
	f("  ~ on the old domain: a domain controller object, a computer account and DNS records for %s; nothing else\n", p.Host)
	_, err := io.WriteString(w, b.String())
	return err
}

// ShortName is the first label of a host name, upper-cased as Samba names
// a DC.
func ShortName(fqdn string) string {
	s, _, _ := strings.Cut(fqdn, ".")
	return strings.ToUpper(s)
}
