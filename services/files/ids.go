package files

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/posse-project/posse/provisioning/host"
)

// IDs maps user and group names to the ids the domain controller gives
// them. "root" is always uid 0.
type IDs struct {
	Users, Groups map[string]int
}

// UID returns a user's id.
func (i IDs) UID(name string) (int, bool) {
	if name == "root" {
		return 0, true
	}
	id, ok := i.Users[name]
	return id, ok
}

// GID returns a group's id.
func (i IDs) GID(name string) (int, bool) {
	id, ok := i.Groups[name]
	return id, ok
}

// Names returns the reverse mapping for readable plans.
func (i IDs) Names() IDNames {
	n := IDNames{Users: map[int]string{0: "root"}, Groups: map[int]string{}}
	for k, v := range i.Users {
		n.Users[v] = k
	}
	for k, v := range i.Groups {
		n.Groups[v] = k
	}
	return n
}

// Wbinfo resolves AD names to the DC's ids with wbinfo, run through
// runner. In a Samba AD DC, getent and setfacl do not see AD accounts (no
// nss_winbind), so ACLs are written with these numeric ids; the DC's idmap
// keeps them stable.
type Wbinfo struct {
	Runner    host.Runner
	Workgroup string
	// Wait is how long to retry while winbind does not answer (the DC may
	// have just been started); 0 asks once.
	Wait time.Duration
}

// ErrNoWinbind is wrapped by errors of Resolve when winbind did not answer.
var ErrNoWinbind = errors.New("winbind did not answer")

// Resolve looks up every user and group; names the directory does not
// know (yet) are left out of the result and listed in missing. An error
// means winbind itself did not answer.
func (w Wbinfo) Resolve(ctx context.Context, users, groups []string) (ids IDs, missing []string, err error) {
	ids = IDs{Users: map[string]int{}, Groups: map[string]int{}}
	for _, u := range users {
		if u == "root" {
			continue
		}
		id, ok, err := w.lookup(ctx, "--user-info", u)
		if err != nil {
			return IDs{}, nil, err
		}
		if !ok {
			missing = append(missing, "user "+u)
			continue
		}
		ids.Users[u] = id
	}
	for _, g := range groups {
		id, ok, err := w.lookup(ctx, "--group-info", g)
		if err != nil {
			return IDs{}, nil, err
		}
		if !ok {
			missing = append(missing, "group "+g)
			continue
		}
		ids.Groups[g] = id
	}
	return ids, missing, nil
}

// lookup runs `wbinfo --user-info=WG\name` (or --group-info) and reads the
// id from the passwd/group style line it prints.
func (w Wbinfo) lookup(ctx context.Context, flag, name string) (int, bool, error) {
	deadline := time.Now().Add(w.Wait)
	for {
		id, ok, err := w.lookupOnce(ctx, flag, name)
		if err == nil || !errors.Is(err, ErrNoWinbind) || time.Now().After(deadline) {
			return id, ok, err
		}
		select {
		case <-ctx.Done():
			return 0, false, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

func (w Wbinfo) lookupOnce(ctx context.Context, flag, name string) (int, bool, error) {
	if w.Runner == nil {
		return 0, false, fmt.Errorf("no command runner to ask winbind for %s", name)
	}
	res, err := w.Runner.Run(ctx, host.Cmd{Argv: []string{"wbinfo", flag + "=" + w.Workgroup + `\` + name}})
	out := string(res.Stdout) + string(res.Stderr)
	if err != nil {
		if strings.Contains(out, "NOT_AVAILABLE") || strings.Contains(out, "NO_SERVER") || res.ExitCode < 0 {
			return 0, false, fmt.Errorf("%w for %s (is samba-ad-dc running?): %s", ErrNoWinbind, name, strings.TrimSpace(out))
		}
		return 0, false, nil
	}
	f := strings.Split(strings.TrimSpace(string(res.Stdout)), ":")
	if len(f) < 3 {
		return 0, false, fmt.Errorf("cannot read wbinfo's answer for %s: %q", name, strings.TrimSpace(string(res.Stdout)))
	}
	id, err := strconv.Atoi(f[2])
	if err != nil || id < 0 {
		return 0, false, fmt.Errorf("wbinfo gave %s the id %q", name, f[2])
	}
	return id, true, nil
}

// aclNames returns the users and groups an ACL names.
func aclNames(a ACL) (users, groups []string) {
	users = append(users, a.Owner)
	if a.Group != "" {
		groups = append(groups, a.Group)
	}
	for _, e := range a.Entries {
		if e.Name == "" {
			continue
		}
		if e.Tag == "user" {
			users = append(users, e.Name)
		} else if !contains(groups, e.Name) {
			groups = append(groups, e.Name)
		}
	}
	return users, groups
}
