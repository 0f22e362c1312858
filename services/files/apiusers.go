// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/ad"
)

// The mark possed puts on the users it creates (Users.Create, CSV import):
// adminDescription = posse:api, in OU=Posse (services/ad).
const (
	apiOriginAttr  = ad.OriginAttr
	apiOriginValue = ad.OriginPrefix + ad.OriginAPI
	posseOU        = ad.OU
)

// searchAPIUsers returns the sAMAccountNames of the users created through
// possed; tests replace it. An error wrapping ErrNoWinbind means the DC did
// not answer.
var searchAPIUsers = ldapAPIUsers

// ldapAPIUsers finds the users possed created with one subtree search of
// OU=Posse over the DC's privileged ldapi socket (root only, no bind), after
// reading the naming context from the root entry.
func ldapAPIUsers(ctx context.Context, socket string) ([]string, error) {
	conn, domain, err := dialLDAPI(ctx, socket)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	base := posseOU + "," + domain
	// Normal user accounts (sAMAccountType 805306368) with possed's mark.
	filter := "(&(sAMAccountType=805306368)(" + apiOriginAttr + "=" + ldap.EscapeFilter(apiOriginValue) + "))"
	res, err := conn.Search(ldap.NewSearchRequest(base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		filter, []string{"sAMAccountName"}, nil))
	if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		return nil, nil // no OU=Posse yet: nobody was created through possed
	}
	if err != nil {
		return nil, fmt.Errorf("look up the users created through possed in %s: %w", base, err)
	}
	out := make([]string, 0, len(res.Entries))
	for _, e := range res.Entries {
		out = append(out, e.GetAttributeValue("sAMAccountName"))
	}
	return out, nil
}

// apiHomeUsers returns the users, besides the template's, that get a home
// folder: those created through possed, read from the live directory,
// sorted. Names that do not fit the site's username grammar, service
// accounts, users of the template (any case) and users named like a share
// are left out; the notes say why for the ones a person would miss.
//
// Offline (--root) the directory is not asked: only the template's users
// get home folders. When the DC does not answer (a box not provisioned
// yet, or samba-ad-dc stopped), the home sections of non-template users
// already in the include file are kept as they are, so that a plan never
// drops a folder it cannot check; on a fresh box there are none.
func apiHomeUsers(ctx context.Context, env *host.Env, cfg Config) ([]string, []plan.Note, error) {
	if !cfg.Homes || env.Offline {
		return nil, nil, nil
	}
	names, err := searchAPIUsers(ctx, LDAPISocket)
	var notes []plan.Note
	if errors.Is(err, ErrNoWinbind) {
		names = nil
		if data, rerr := os.ReadFile(env.Path(ConfPath)); rerr == nil {
			if cur, perr := Parse(data); perr == nil {
				for _, h := range cur.HomeUsers {
					names = append(names, h.User)
				}
			}
		}
		names = slices.DeleteFunc(names, func(n string) bool { return hasHomeFold(cfg, n) })
		if len(names) > 0 {
			notes = append(notes, plan.Note{Service: Name, Target: HomesDir,
				Message: "the directory did not answer: the home folders of users outside the template (" + strings.Join(names, ", ") + ") stay shared as they are; plan again once samba-ad-dc runs"})
		}
	} else if err != nil {
		return nil, nil, err
	}
	var out []string
	for _, n := range names {
		switch {
		case !site.ValidUsername(n):
			notes = append(notes, plan.Note{Service: Name, Target: HomesDir,
				Message: fmt.Sprintf("user %s in the directory does not fit the site's username rules: no home folder for it", quote(n))})
		case site.IsServiceAccount(n), hasHomeFold(cfg, n), slices.Contains(out, n):
		default:
			if sh, clash := cfg.FindShare(n); clash {
				notes = append(notes, plan.Note{Service: Name, Target: HomePath(n),
					Message: fmt.Sprintf("user %s has the name of share %s: no home folder for it until the share is renamed", n, quote(sh.Name))})
				continue
			}
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, notes, nil
}

func hasHomeFold(c Config, user string) bool {
	for _, h := range c.HomeUsers {
		if strings.EqualFold(h.User, user) {
			return true
		}
	}
	return false
}

// DesiredConfig is FromSite plus, when homes are enabled, a home folder for
// every user created through possed (see apiHomeUsers), after the
// template's users. The notes say which users were left out and why.
func DesiredConfig(ctx context.Context, st *site.Site, env *host.Env) (Config, []plan.Note, error) {
	cfg, err := FromSite(st)
	if err != nil {
		return Config{}, nil, err
	}
	extra, notes, err := apiHomeUsers(ctx, env, cfg)
	if err != nil {
		return Config{}, nil, err
	}
	for _, u := range extra {
		cfg.HomeUsers = append(cfg.HomeUsers, Home{User: u, Path: HomePath(u), Snapshots: cfg.Snapshots != nil})
	}
	if len(extra) > 0 {
		if err := cfg.Validate(nil); err != nil {
			return Config{}, nil, err
		}
	}
	return cfg, notes, nil
}
