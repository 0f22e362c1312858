// SPDX-License-Identifier: GPL-3.0-or-later

// Package directory provisions and manages a Samba Active Directory domain
// controller from the site template: provisioning, the site CA and LDAPS
// certificate, users, groups, passwords, the password policy, CSV import,
// export and the health probe.
//
// Users and groups Posse creates live in OU=Posse directly under the base
// DN; see docs/directory.md for the layout other services rely on. The
// LDAP client, the names and the site PKI that other services share live
// in services/ad.
package directory

import (
	"context"
	"errors"
	"fmt"
	"github.com/posse-project/posse/rules"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/ad"
)

// Name is the service name used in plans.
const Name = "directory"

// Step kinds this service executes itself.
const (
	KindTLS       = "directory.tls"
	KindProvision = "directory.provision"
	KindJoin      = "directory.join"
	KindSites     = "directory.sites"
	KindPolicy    = "directory.policy"
	KindGroup     = "directory.group"
	KindUser      = "directory.user"
)

// Unit is the systemd unit of the domain controller.
const Unit = ad.DCUnit

// Service is the directory service. The zero value is not usable; call New.
type Service struct {
	// Open connects to the directory; tests replace it with a fake.
	Open func(ctx context.Context, env *host.Env, c ad.ConnSpec) (ad.Directory, error)
	// Now is the clock for certificates.
	Now func() time.Time
	// LDAPWait bounds how long Execute waits for LDAPS after a (re)start.
	LDAPWait time.Duration

	mu      sync.Mutex
	dir     ad.Directory
	dirKey  string
	ouReady bool
}

// New returns the directory service talking LDAPS to the local DC.
func New() *Service {
	return &Service{Open: ad.OpenEnv, Now: time.Now, LDAPWait: 90 * time.Second}
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

// directory returns a cached session for c, opening one if needed. With
// wait, it retries until s.LDAPWait passes (the DC may be starting).
func (s *Service) directory(ctx context.Context, env *host.Env, c ad.ConnSpec, wait bool) (ad.Directory, error) {
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
		if !wait || time.Now().After(deadline) || errors.Is(err, ad.ErrBadCredentials) || errors.Is(err, ad.ErrNoSecret) {
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
	conn                             ad.ConnSpec
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
	if rules.ServerNameError(h) != nil {
		return in, fmt.Errorf("host name %s cannot be a domain controller name: use 1–15 of [a-z0-9-] (it becomes the NetBIOS name)", quote(env.Hostname))
	}
	in.hostname = h
	in.fqdn = h + "." + ad.DNSDomain(in.realm)
	admin, err := secretName(st.Directory.AdminPassword)
	if err != nil {
		return in, fmt.Errorf("directory.admin_password: %w", err)
	}
	in.conn = ad.ConnSpec{Realm: in.realm, FQDN: in.fqdn, AdminSecret: admin}
	sd := env.StateDir
	if sd == "" {
		sd = host.DefaultStateDir
	}
	in.tlsDir = strings.TrimSuffix(sd, "/") + "/" + ad.TLSDir
	return in, nil
}

// forwarder finds the upstream DNS server: the box's resolver before Posse
// pointed it at itself. Once that original is kept, only it counts: the
// resolver Posse wrote names no upstream server, and on an additional DC
// its second nameserver is the first DC.
func forwarder(env *host.Env) string {
	if b, err := os.ReadFile(env.Path(ResolvPath + origSuffix)); err == nil {
		return Forwarder(b)
	}
	if b, err := os.ReadFile(env.Path(ResolvPath)); err == nil {
		return Forwarder(b)
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
	r := ad.ConfRealm(conf)
	if r == "" {
		return "", fmt.Errorf("%s exists but %s names no realm: restore %s (or %s%s) or remove the half-provisioned Samba databases", SamLDBPath, SMBConfPath, SMBConfPath, SMBConfPath, origSuffix)
	}
	return r, nil
}
