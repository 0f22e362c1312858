// SPDX-License-Identifier: GPL-3.0-or-later

// Package ad is what the services share about the Active Directory domain
// the box serves: the names Posse gives its entries (OU=Posse, the
// adminDescription creation mark), DN and filter escaping, the site PKI
// under the state directory (the CA every LDAPS client trusts), and the
// LDAP client (Directory) that binds as the domain admin.
//
// No service owns this package: the directory service provisions the
// domain controller and manages users and groups through it, the mail
// service creates its service account and checks LDAPS with it, backup
// and files read the same names. See docs/directory.md for the layout.
package ad

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/posse-project/posse/provisioning/host"
)

// ConnSpec says how to reach the domain's LDAP server as the admin; it holds
// the admin password's secret name, never its value.
type ConnSpec struct {
	Realm       string `json:"realm"`
	FQDN        string `json:"fqdn"`
	AdminSecret string `json:"admin_secret"`
	// Addr is host:port of LDAPS; default 127.0.0.1:636.
	Addr string `json:"addr,omitempty"`
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
