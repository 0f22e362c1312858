// SPDX-License-Identifier: GPL-3.0-or-later

package migrate

import (
	"context"
	"strings"
	"time"
)

// Options say whom to log in as; the password never leaves the Directory
// and Files it is given to.
type Options struct {
	// From is the old DC's address as the user gave it.
	From     string
	User     string
	Password string
	// Now is this box's clock; nil means time.Now.
	Now func() time.Time
	// FreeBytes is the free space where the shares will live on this box
	// (FreeWhere); 0 when unknown.
	FreeBytes int64
	FreeWhere string
}

// Source is how Run reaches the old server: its LDAP server (connected,
// not bound), its DNS server, and a way to open its shares once the
// domain's names are known.
type Source struct {
	Directory Directory
	Resolver  Resolver
	// Files opens the shares, logging in as user of the domain (its
	// NetBIOS name and realm).
	Files func(workgroup, realm string) (Files, error)
}

// Run is the pre-flight: it reads the old DC's root entry, refuses a
// server that is no AD DC or whose levels are too low, logs in (a wrong
// login is a *BindError), and gathers the facts for Build. It changes
// nothing anywhere. Errors of the later reads go into the report; only
// the refusals are returned as errors.
func Run(ctx context.Context, src Source, opt Options) (*Report, error) {
	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	root, err := src.Directory.RootDSE(ctx)
	if err != nil {
		return nil, err
	}
	f := Facts{From: opt.From, Root: root, Now: now(), FreeBytes: opt.FreeBytes, FreeWhere: opt.FreeWhere}
	if err := Refuse(opt.From, root); err != nil {
		return nil, err
	}
	if err := src.Directory.Bind(ctx, BindName(opt.User, DomainOf(root.DefaultNC)), opt.Password); err != nil {
		return nil, err
	}
	d := src.Directory
	if v, err := d.SchemaVersion(ctx, root.SchemaNC); err != nil {
		f.SchemaErr = err.Error()
	} else {
		f.Schema = v
	}
	if n, err := d.NetBIOSName(ctx, root); err == nil {
		f.NetBIOS = n
	}
	if roles, err := d.FSMO(ctx, root); err != nil {
		f.FSMOErr = err.Error()
	} else {
		f.FSMO = roles
	}
	if accts, err := d.Accounts(ctx, root.DefaultNC); err != nil {
		f.AccountsErr = err.Error()
	} else {
		f.Accounts = accts
	}
	if dcs, err := d.DCs(ctx, root); err != nil {
		f.DCsErr = err.Error()
	} else {
		f.DCs = dcs
	}
	domain := DomainOf(root.DefaultNC)
	f.DNS = src.Resolver.Check(ctx, domain, strings.ToLower(root.DNSHostName))

	workgroup := f.NetBIOS
	if workgroup == "" {
		workgroup, _, _ = strings.Cut(strings.ToUpper(domain), ".")
	}
	files, err := src.Files(workgroup, strings.ToUpper(domain))
	if err != nil {
		f.SharesErr = err.Error()
		return Build(f), nil
	}
	defer files.Close()
	shares, err := files.Shares(ctx)
	if err != nil {
		f.SharesErr = err.Error()
		return Build(f), nil
	}
	for i := range shares {
		s := &shares[i]
		low := strings.ToLower(s.Name)
		if !strings.EqualFold(s.Type, "Disk") || strings.HasSuffix(s.Name, "$") || low == "sysvol" || low == "netlogon" {
			continue
		}
		files.Walk(ctx, s)
		files.ACL(ctx, s)
	}
	f.Shares = shares
	return Build(f), nil
}
