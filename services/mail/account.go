// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/services/ad"
)

// DirectoryAccounts creates the service account through the shared AD
// LDAP client (services/ad), bound as the domain admin.
type DirectoryAccounts struct {
	// Open connects as the admin; nil means ad.OpenEnv.
	Open func(ctx context.Context, env *host.Env, c ad.ConnSpec) (ad.Directory, error)
}

// EnsureAccount implements AccountEnsurer: it creates the account in
// OU=Posse, or resets its password and enables it if it exists.
func (a DirectoryAccounts) EnsureAccount(ctx context.Context, env *host.Env, spec AccountSpec, password string) error {
	if !ad.ValidUsername(spec.Username) {
		return fmt.Errorf("invalid service account name %q", spec.Username)
	}
	open := a.Open
	if open == nil {
		open = ad.OpenEnv
	}
	d, err := open(ctx, env, spec.Conn)
	if err != nil {
		return fmt.Errorf("creating the mail service account: %w", err)
	}
	defer d.Close()
	if err := d.EnsureOU(ctx); err != nil {
		return fmt.Errorf("creating the mail service account: %w", err)
	}
	u, ok, err := d.User(ctx, spec.Username)
	if err != nil {
		return fmt.Errorf("looking up the mail service account %s: %w", spec.Username, err)
	}
	if !ok {
		nu := ad.User{Username: spec.Username, DisplayName: "Posse mail service (read-only)"}
		if err := d.CreateUser(ctx, nu, password, false); err != nil {
			return fmt.Errorf("creating the mail service account %s: %w", spec.Username, err)
		}
		return nil
	}
	if spec.BindDN != "" && !equalFoldDN(u.DN, spec.BindDN) {
		return fmt.Errorf("account %s exists at %s, but the mail service binds as %s: move it into %s or delete it, then apply again", spec.Username, u.DN, spec.BindDN, ad.OU)
	}
	if err := d.SetPassword(ctx, spec.Username, password, false); err != nil {
		return fmt.Errorf("setting the password of the mail service account %s: %w", spec.Username, err)
	}
	if u.Disabled {
		enabled := false
		if err := d.UpdateUser(ctx, spec.Username, ad.UserUpdate{Disabled: &enabled}); err != nil {
			return fmt.Errorf("enabling the mail service account %s: %w", spec.Username, err)
		}
	}
	return nil
}

func equalFoldDN(a, b string) bool {
	pa, err1 := ldap.ParseDN(a)
	pb, err2 := ldap.ParseDN(b)
	if err1 != nil || err2 != nil {
		return a == b
	}
	return pa.EqualFold(pb)
}

// ldapsAddr is where the local domain controller answers LDAPS.
const ldapsAddr = "127.0.0.1:636"

// LDAPSBind is the real Binder: a simple bind over LDAPS to 127.0.0.1:636,
// the certificate checked against the site CA for fqdn. The password never
// appears in the error.
func LDAPSBind(ctx context.Context, env *host.Env, fqdn, caFile, dn, password string) error {
	pool, err := ad.CAPool(env.Path(caFile))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	tc := &tls.Config{RootCAs: pool, ServerName: fqdn, MinVersion: tls.VersionTLS12}
	raw, err := (&tls.Dialer{NetDialer: &net.Dialer{}, Config: tc}).DialContext(ctx, "tcp", ldapsAddr)
	if err != nil {
		return fmt.Errorf("connecting to the domain controller over LDAPS at %s: %w", ldapsAddr, err)
	}
	conn := ldap.NewConn(raw, true)
	conn.Start()
	defer conn.Close()
	conn.SetTimeout(10 * time.Second)
	if err := conn.Bind(dn, password); err != nil {
		var le *ldap.Error
		if errors.As(err, &le) && le.ResultCode == ldap.LDAPResultInvalidCredentials {
			return fmt.Errorf("binding as %s: the directory refuses the stored password", dn)
		}
		if errors.As(err, &le) {
			return fmt.Errorf("binding as %s: %s", dn, ldap.LDAPResultCodeMap[le.ResultCode])
		}
		return fmt.Errorf("binding as %s: %w", dn, err)
	}
	return nil
}
