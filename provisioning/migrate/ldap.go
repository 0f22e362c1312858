// SPDX-License-Identifier: GPL-3.0-or-later

package migrate

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// TLSMode says how the old DC's certificate is checked.
type TLSMode struct {
	// CA, when set, is the only trusted root: any certificate it signed is
	// accepted, whatever name it carries (old DCs often carry only their
	// host name, and the address given is an IP).
	CA *x509.CertPool
	// Insecure accepts any certificate (a self-signed one), by explicit
	// choice only.
	Insecure bool
}

// DialOptions say how to reach the old DC's LDAP server.
type DialOptions struct {
	// Addr is the old DC's address (host or IP, no port).
	Addr    string
	TLS     TLSMode
	Timeout time.Duration

	// ldapsPort and ldapPort replace 636 and 389 in tests.
	ldapsPort, ldapPort string
}

// ldapDir is the Directory of a live AD DC over go-ldap.
type ldapDir struct {
	conn *ldap.Conn
	addr string
}

// UnreachableError is an address where no LDAP server answers, in words.
type UnreachableError struct{ Msg string }

func (e *UnreachableError) Error() string { return e.Msg }

// DialLDAP connects to the old DC over LDAPS (636), or LDAP with StartTLS
// (389) when nothing listens on 636. It never sends anything in clear
// text: a server without TLS is refused.
func DialLDAP(ctx context.Context, o DialOptions) (Directory, error) {
	if o.Timeout == 0 {
		o.Timeout = 15 * time.Second
	}
	tc := tlsConfig(o.TLS)
	tc.ServerName = o.Addr // checked only without --ca and --insecure-tls
	d := &net.Dialer{Timeout: o.Timeout}
	if o.ldapsPort == "" {
		o.ldapsPort, o.ldapPort = "636", "389"
	}
	hp := func(port string) string { return net.JoinHostPort(o.Addr, port) }

	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	raw, err := (&tls.Dialer{NetDialer: d, Config: tc}).DialContext(ctx, "tcp", hp(o.ldapsPort))
	if err == nil {
		conn := ldap.NewConn(raw, true)
		conn.Start()
		conn.SetTimeout(o.Timeout)
		return &ldapDir{conn: conn, addr: o.Addr}, nil
	}
	if tlsErr := certError(err); tlsErr != nil {
		return nil, certRefusal(o.Addr, tlsErr)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return nil, dialRefusal(o.Addr, o.Timeout, err)
	}
	plain, err2 := d.DialContext(ctx, "tcp", hp(o.ldapPort))
	if err2 != nil {
		return nil, dialRefusal(o.Addr, o.Timeout, err2)
	}
	conn := ldap.NewConn(plain, false)
	conn.Start()
	conn.SetTimeout(o.Timeout)
	if err := conn.StartTLS(tc); err != nil {
		conn.Close()
		if tlsErr := certError(err); tlsErr != nil {
			return nil, certRefusal(o.Addr, tlsErr)
		}
		return nil, fmt.Errorf("%s has no LDAPS on port 636 and refused StartTLS on port 389 (%v): Posse never sends the admin password in clear text; enable LDAPS on the old domain controller", o.Addr, ldapMessage(err))
	}
	return &ldapDir{conn: conn, addr: o.Addr}, nil
}

func tlsConfig(m TLSMode) *tls.Config {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: true} // verified below
	switch {
	case m.Insecure:
	case m.CA != nil:
		pool := m.CA
		tc.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("the server sent no certificate")
			}
			inter := x509.NewCertPool()
			for _, c := range cs.PeerCertificates[1:] {
				inter.AddCert(c)
			}
			_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter})
			return err
		}
	default:
		tc.InsecureSkipVerify = false
	}
	return tc
}

// certError finds a certificate verification failure in err.
func certError(err error) error {
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	var ve *tls.CertificateVerificationError
	switch {
	case errors.As(err, &ve), errors.As(err, &ua), errors.As(err, &hn), errors.As(err, &ci):
		return err
	}
	if strings.Contains(err.Error(), "certificate") {
		return err
	}
	return nil
}

func certRefusal(addr string, err error) error {
	return fmt.Errorf("the old domain controller's certificate at %s is not trusted (%v): old DCs often have a self-signed certificate; give its CA with --ca FILE, or accept any certificate with --insecure-tls", addr, err)
}

func dialRefusal(addr string, timeout time.Duration, err error) error {
	var ne net.Error
	var msg string
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		msg = fmt.Sprintf("nothing answers LDAP at %s (ports 636 and 389 refuse the connection): no domain controller runs there; give the old domain controller's address", addr)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		msg = fmt.Sprintf("%s did not answer within %s: check the address and that the old domain controller is on and in this network", addr, timeout)
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		msg = fmt.Sprintf("%s cannot be reached (no route to the host): check the address and the network", addr)
	default:
		msg = fmt.Sprintf("cannot connect to %s: %v", addr, err)
	}
	return &UnreachableError{Msg: msg}
}

// ldapMessage is an LDAP error without any request data.
func ldapMessage(err error) string {
	var le *ldap.Error
	if errors.As(err, &le) {
		msg := ldap.LDAPResultCodeMap[le.ResultCode]
		if le.Err != nil {
			msg += ": " + le.Err.Error()
		}
		return msg
	}
	return err.Error()
}

func (l *ldapDir) Close() error { return l.conn.Close() }

func (l *ldapDir) base(dn, filter string, attrs []string) (*ldap.Entry, error) {
	res, err := l.conn.Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, 0, false, filter, attrs, nil))
	if err != nil {
		return nil, errors.New(ldapMessage(err))
	}
	if len(res.Entries) == 0 {
		return nil, fmt.Errorf("%s not found", dn)
	}
	return res.Entries[0], nil
}

func (l *ldapDir) RootDSE(ctx context.Context) (RootDSE, error) {
	e, err := l.base("", "(objectClass=*)", []string{
		"defaultNamingContext", "configurationNamingContext", "schemaNamingContext",
		"rootDomainNamingContext", "dnsHostName", "dsServiceName", "currentTime",
		"domainFunctionality", "forestFunctionality", "domainControllerFunctionality",
		"supportedCapabilities",
	})
	if err != nil {
		return RootDSE{}, fmt.Errorf("%s answers but its LDAP root entry cannot be read (%v): is it a domain controller?", l.addr, err)
	}
	return RootDSE{
		DefaultNC:     e.GetAttributeValue("defaultNamingContext"),
		ConfigNC:      e.GetAttributeValue("configurationNamingContext"),
		SchemaNC:      e.GetAttributeValue("schemaNamingContext"),
		RootDomainNC:  e.GetAttributeValue("rootDomainNamingContext"),
		DNSHostName:   e.GetAttributeValue("dnsHostName"),
		DSServiceName: e.GetAttributeValue("dsServiceName"),
		CurrentTime:   e.GetAttributeValue("currentTime"),
		DomainLevel:   e.GetAttributeValue("domainFunctionality"),
		ForestLevel:   e.GetAttributeValue("forestFunctionality"),
		DCLevel:       e.GetAttributeValue("domainControllerFunctionality"),
		Capabilities:  e.GetAttributeValues("supportedCapabilities"),
	}, nil
}

// BindName is how user logs in to the domain: as given when it holds '@'
// or '\', else user@domain.
func BindName(user, domain string) string {
	if strings.ContainsAny(user, `@\`) {
		return user
	}
	return user + "@" + domain
}

func (l *ldapDir) Bind(ctx context.Context, user, password string) error {
	if password == "" {
		// An empty password would be an unauthenticated bind that succeeds.
		return &BindError{User: user, Reason: "the password is empty: set legacy_admin in the secrets file"}
	}
	err := l.conn.Bind(user, password)
	if err == nil {
		return nil
	}
	var le *ldap.Error
	if errors.As(err, &le) {
		diag := ""
		if le.Err != nil {
			diag = le.Err.Error()
		}
		return &BindError{User: user, Reason: BindReason(le.ResultCode, diag)}
	}
	return &BindError{User: user, Reason: err.Error()}
}

func (l *ldapDir) SchemaVersion(ctx context.Context, schemaNC string) (int, error) {
	e, err := l.base(schemaNC, "(objectClass=*)", []string{"objectVersion"})
	if err != nil {
		return 0, err
	}
	v := e.GetAttributeValue("objectVersion")
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("objectVersion %q is not a number", v)
	}
	return n, nil
}

func (l *ldapDir) NetBIOSName(ctx context.Context, root RootDSE) (string, error) {
	res, err := l.conn.Search(ldap.NewSearchRequest("CN=Partitions,"+root.ConfigNC, ldap.ScopeSingleLevel, ldap.NeverDerefAliases, 0, 0, false,
		"(&(objectClass=crossRef)(nCName="+ldap.EscapeFilter(root.DefaultNC)+"))", []string{"nETBIOSName"}, nil))
	if err != nil {
		return "", errors.New(ldapMessage(err))
	}
	for _, e := range res.Entries {
		if n := e.GetAttributeValue("nETBIOSName"); n != "" {
			return n, nil
		}
	}
	return "", errors.New("no crossRef names the domain's NetBIOS name")
}

// RoleDNs are the objects whose fSMORoleOwner names each FSMO role's
// owner.
func RoleDNs(root RootDSE) [][2]string {
	return [][2]string{
		{"pdc", root.DefaultNC},
		{"rid", "CN=RID Manager$,CN=System," + root.DefaultNC},
		{"infrastructure", "CN=Infrastructure," + root.DefaultNC},
		{"schema", root.SchemaNC},
		{"naming", "CN=Partitions," + root.ConfigNC},
	}
}

func (l *ldapDir) FSMO(ctx context.Context, root RootDSE) ([]Role, error) {
	var out []Role
	for _, rd := range RoleDNs(root) {
		e, err := l.base(rd[1], "(objectClass=*)", []string{"fSMORoleOwner"})
		if err != nil {
			return nil, fmt.Errorf("role %s: %v", rd[0], err)
		}
		ntds := e.GetAttributeValue("fSMORoleOwner")
		r := Role{Role: rd[0], OwnerDN: ntds}
		if ntds != "" {
			r.Owner = strings.ToLower(ServerOf(ntds))
			if _, server, ok := strings.Cut(ntds, ","); ok {
				if se, err := l.base(server, "(objectClass=*)", []string{"dNSHostName"}); err == nil {
					if h := se.GetAttributeValue("dNSHostName"); h != "" {
						r.Owner = strings.ToLower(h)
					}
				}
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// Flags of userAccountControl and groupType.
const (
	uacDisabled       = 0x2
	groupBuiltinLocal = 0x1
)

func (l *ldapDir) Accounts(ctx context.Context, baseDN string) ([]Account, error) {
	req := ldap.NewSearchRequest(baseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		"(|(sAMAccountType=805306368)(objectClass=group)(sAMAccountType=805306369))",
		[]string{"sAMAccountName", "displayName", "userAccountControl", "objectClass", "isCriticalSystemObject", "groupType", "objectSid", "sAMAccountType"}, nil)
	res, err := l.conn.SearchWithPaging(req, 500)
	if err != nil {
		return nil, errors.New(ldapMessage(err))
	}
	var out []Account
	for _, e := range res.Entries {
		a := Account{Name: e.GetAttributeValue("sAMAccountName"), DisplayName: e.GetAttributeValue("displayName")}
		switch e.GetAttributeValue("sAMAccountType") {
		case "805306368":
			a.Kind = "user"
		case "805306369":
			a.Kind = "computer"
		default:
			a.Kind = "group"
		}
		uac, _ := strconv.ParseInt(e.GetAttributeValue("userAccountControl"), 10, 64)
		a.Disabled = a.Kind != "group" && uac&uacDisabled != 0
		gt, _ := strconv.ParseInt(e.GetAttributeValue("groupType"), 10, 64)
		a.System = strings.EqualFold(e.GetAttributeValue("isCriticalSystemObject"), "TRUE") ||
			(a.Kind == "group" && gt&groupBuiltinLocal != 0) ||
			WellKnownRID(e.GetRawAttributeValue("objectSid"))
		out = append(out, a)
	}
	return out, nil
}

// WellKnownRID reports whether a binary SID ends in a relative ID below
// 1000, the domain's own built-in accounts and groups, or is no domain
// SID at all (S-1-5-32-…, the Builtin domain).
func WellKnownRID(sid []byte) bool {
	if len(sid) < 8 {
		return false
	}
	n := int(sid[1])
	if len(sid) < 8+4*n || n == 0 {
		return false
	}
	if n < 4 { // S-1-5-32-544 and friends: Builtin
		return true
	}
	rid := binary.LittleEndian.Uint32(sid[8+4*(n-1):])
	return rid < 1000
}

func (l *ldapDir) DCs(ctx context.Context, root RootDSE) ([]string, error) {
	res, err := l.conn.Search(ldap.NewSearchRequest("CN=Sites,"+root.ConfigNC, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		"(objectClass=nTDSDSA)", []string{"objectClass"}, nil))
	if err != nil {
		return nil, errors.New(ldapMessage(err))
	}
	var out []string
	for _, e := range res.Entries {
		name := strings.ToLower(ServerOf(e.DN))
		if _, server, ok := strings.Cut(e.DN, ","); ok {
			if se, err := l.base(server, "(objectClass=*)", []string{"dNSHostName"}); err == nil {
				if h := se.GetAttributeValue("dNSHostName"); h != "" {
					name = strings.ToLower(h)
				}
			}
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out, nil
}
