// SPDX-License-Identifier: GPL-3.0-or-later

// Package directory provisions and manages a Samba Active Directory domain
// controller from the site template: provisioning, the site CA and LDAPS
// certificate, users, groups, passwords, the password policy, CSV import,
// export and the health probe.
//
// Users and groups Posse creates live in OU=Posse directly under the base
// DN; see docs/directory.md for the layout other services rely on.
package directory

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
)

// Name is the service name used in plans.
const Name = "directory"

// Step kinds this service executes itself.
const (
	KindTLS       = "directory.tls"
	KindProvision = "directory.provision"
	KindPolicy    = "directory.policy"
	KindGroup     = "directory.group"
	KindUser      = "directory.user"
)

// Unit is the systemd unit of the domain controller.
const Unit = "samba-ad-dc.service"

// ConnSpec says how to reach the domain's LDAP server as the admin; it holds
// the admin password's secret name, never its value.
type ConnSpec struct {
	Realm       string `json:"realm"`
	FQDN        string `json:"fqdn"`
	AdminSecret string `json:"admin_secret"`
	// Addr is host:port of LDAPS; default 127.0.0.1:636.
	Addr string `json:"addr,omitempty"`
}

// Service is the directory service. The zero value is not usable; call New.
type Service struct {
	// Open connects to the directory; tests replace it with a fake.
	Open func(ctx context.Context, env *host.Env, c ConnSpec) (Directory, error)
	// Now is the clock for certificates.
	Now func() time.Time
	// LDAPWait bounds how long Execute waits for LDAPS after a (re)start.
	LDAPWait time.Duration

	mu      sync.Mutex
	dir     Directory
	dirKey  string
	ouReady bool
}

// New returns the directory service talking LDAPS to the local DC.
func New() *Service {
	return &Service{Open: OpenEnv, Now: time.Now, LDAPWait: 90 * time.Second}
}

// Name implements provisioning.Service.
func (s *Service) Name() string { return Name }

// Close ends a cached directory session.
func (s *Service) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dir == nil {
		return nil
	}
	err := s.dir.Close()
	s.dir, s.dirKey, s.ouReady = nil, "", false
	return err
}

// ErrNoSecret is returned (wrapped) when the admin password is not among
// the secrets.
var ErrNoSecret = errors.New("the domain admin password is missing")

// OpenEnv dials LDAPS at c.Addr (default 127.0.0.1:636), trusting only the
// site CA under env's state directory, and binds as Administrator with the
// password from env.Secrets.
func OpenEnv(ctx context.Context, env *host.Env, c ConnSpec) (Directory, error) {
	if env.Secrets == nil {
		return nil, fmt.Errorf("%w: pass --secrets FILE or set POSSE_SECRET_%s", ErrNoSecret, strings.ToUpper(c.AdminSecret))
	}
	pw, ok := env.Secrets.Lookup(c.AdminSecret)
	if !ok {
		return nil, fmt.Errorf("%w: secret %s (the domain admin password): add it to the secrets file or set POSSE_SECRET_%s", ErrNoSecret, c.AdminSecret, strings.ToUpper(c.AdminSecret))
	}
	pool, err := CAPool(env.State(TLSDir, CACertFile))
	if err != nil {
		return nil, err
	}
	addr := c.Addr
	if addr == "" {
		addr = "127.0.0.1:636"
	}
	return Dial(ctx, DialConfig{Addr: addr, ServerName: c.FQDN, RootCAs: pool, Realm: c.Realm, Password: pw})
}

// directory returns a cached session for c, opening one if needed. With
// wait, it retries until s.LDAPWait passes (the DC may be starting).
func (s *Service) directory(ctx context.Context, env *host.Env, c ConnSpec, wait bool) (Directory, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := c.Realm + "\x00" + c.FQDN + "\x00" + c.AdminSecret + "\x00" + c.Addr
	if s.dir != nil && s.dirKey == key {
		return s.dir, nil
	}
	if s.dir != nil {
		s.dir.Close()
		s.dir = nil
	}
	deadline := time.Now().Add(s.LDAPWait)
	for {
		d, err := s.Open(ctx, env, c)
		if err == nil {
			s.dir, s.dirKey, s.ouReady = d, key, false
			return d, nil
		}
		if !wait || time.Now().After(deadline) || errors.Is(err, ErrBadCredentials) || errors.Is(err, ErrNoSecret) {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// dropDirectory forgets a session after a failure, so the next step redials.
func (s *Service) dropDirectory() {
	s.Close()
}

// siteInfo is what every plan derives from the site and the box.
type siteInfo struct {
	realm, workgroup, hostname, fqdn string
	conn                             ConnSpec
	tlsDir                           string // box path
}

func newSiteInfo(st *site.Site, env *host.Env) (siteInfo, error) {
	var in siteInfo
	in.realm = strings.ToUpper(st.RealmName())
	if !realmRE.MatchString(in.realm) {
		return in, fmt.Errorf("realm %s is not a valid DNS name in upper case", quote(in.realm))
	}
	in.workgroup = strings.ToUpper(st.Site.Workgroup)
	if !workgroupRE.MatchString(in.workgroup) {
		return in, fmt.Errorf("workgroup %s: use 1–15 of [A-Z0-9-]", quote(st.Site.Workgroup))
	}
	h := strings.ToLower(env.Hostname)
	h, _, _ = strings.Cut(h, ".")
	if !hostnameRE.MatchString(h) {
		return in, fmt.Errorf("host name %s cannot be a domain controller name: use 1–15 of [a-z0-9-] (it becomes the NetBIOS name)", quote(env.Hostname))
	}
	in.hostname = h
	in.fqdn = h + "." + DNSDomain(in.realm)
	admin, err := secretName(st.Directory.AdminPassword)
	if err != nil {
		return in, fmt.Errorf("directory.admin_password: %w", err)
	}
	in.conn = ConnSpec{Realm: in.realm, FQDN: in.fqdn, AdminSecret: admin}
	sd := env.StateDir
	if sd == "" {
		sd = host.DefaultStateDir
	}
	in.tlsDir = strings.TrimSuffix(sd, "/") + "/" + TLSDir
	return in, nil
}

// forwarder finds the upstream DNS server: the box's resolver before Posse
// pointed it at itself.
func forwarder(env *host.Env) string {
	for _, p := range []string{ResolvPath + origSuffix, ResolvPath} {
		if b, err := os.ReadFile(env.Path(p)); err == nil {
			if f := Forwarder(b); f != "" {
				return f
			}
		}
	}
	return ""
}

// ProvisionedRealm returns the realm of the domain this box already serves,
// or "" when it is not a domain controller yet.
func ProvisionedRealm(env *host.Env) (string, error) {
	if _, err := os.Stat(env.Path(SamLDBPath)); err != nil {
		return "", nil
	}
	conf, err := os.ReadFile(env.Path(SMBConfPath))
	if err != nil && !os.IsNotExist(err) {
		return "", err
	}
	r := ConfRealm(conf)
	if r == "" {
		return "", fmt.Errorf("%s exists but %s names no realm: restore %s (or %s%s) or remove the half-provisioned Samba databases", SamLDBPath, SMBConfPath, SMBConfPath, SMBConfPath, origSuffix)
	}
	return r, nil
}
