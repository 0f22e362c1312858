// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

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

// Wbinfo resolves AD names to the DC's ids. In a Samba AD DC, getent and
// setfacl do not see AD accounts (no nss_winbind), so ACLs are written
// with numeric ids; the DC's idmap keeps them stable.
//
// The names are looked up in the directory itself, in one LDAP search
// over the DC's privileged ldapi socket (root only, no bind), which gives
// each name's current objectSid; one `wbinfo --sids-to-unix-ids` then
// maps all SIDs to ids, exactly as winbind maps them for smbd (idmap.ldb,
// or uidNumber/gidNumber with idmap_ldb:use rfc2307). Going through the
// SID rather than `wbinfo --user-info=WG\name` also avoids winbind's
// name-to-SID cache, which answers with the old SID for a while after an
// account is deleted and created again with the same name.
type Wbinfo struct {
	Runner host.Runner
	// Workgroup is the domain's NetBIOS name; it is only used in messages.
	Workgroup string
	// Wait is how long to retry while the DC does not answer (it may have
	// just been started); 0 asks once.
	Wait time.Duration
	// Socket is the DC's privileged LDAP socket; empty means LDAPISocket.
	Socket string
}

// LDAPISocket is the Samba AD DC's privileged ldapi socket (Debian's
// private directory): connections on it act as the system, without a
// bind, and only root can reach it.
const LDAPISocket = "/var/lib/samba/private/ldap_priv/ldapi"

// ErrNoWinbind is wrapped by errors of Resolve when winbind (or the DC's
// LDAP server) did not answer.
var ErrNoWinbind = errors.New("winbind did not answer")

// Account is a directory object found by name.
type Account struct {
	Name  string // sAMAccountName as stored
	SID   string // S-1-5-21-…
	User  bool   // objectClass user (or computer)
	Group bool   // objectClass group
}

// searchAccounts looks names up in the directory; tests replace it. An
// error wrapping ErrNoWinbind means the DC did not answer.
var searchAccounts = ldapAccounts

// Resolve looks up every user and group; names the directory does not
// know (yet) are left out of the result and listed in missing. An error
// means the DC itself did not answer (wrapping ErrNoWinbind) or answered
// something unreadable.
func (w Wbinfo) Resolve(ctx context.Context, users, groups []string) (ids IDs, missing []string, err error) {
	deadline := time.Now().Add(w.Wait)
	for {
		ids, missing, err = w.resolveOnce(ctx, users, groups)
		if err == nil || !errors.Is(err, ErrNoWinbind) || !time.Now().Before(deadline) {
			return ids, missing, err
		}
		select {
		case <-ctx.Done():
			return IDs{}, nil, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

func (w Wbinfo) resolveOnce(ctx context.Context, users, groups []string) (IDs, []string, error) {
	ids := IDs{Users: map[string]int{}, Groups: map[string]int{}}
	var names []string
	for _, u := range users {
		if u != "root" {
			names = appendNewFold(names, u)
		}
	}
	for _, g := range groups {
		names = appendNewFold(names, g)
	}
	if len(names) == 0 {
		return ids, nil, nil
	}
	socket := w.Socket
	if socket == "" {
		socket = LDAPISocket
	}
	accounts, err := searchAccounts(ctx, socket, names)
	if err != nil {
		return IDs{}, nil, err
	}
	byName := map[string]Account{}
	var sids []string
	for _, a := range accounts {
		byName[strings.ToLower(a.Name)] = a
		if !contains(sids, a.SID) {
			sids = append(sids, a.SID)
		}
	}
	xids, err := w.sidsToIDs(ctx, sids)
	if err != nil {
		return IDs{}, nil, err
	}
	var missing []string
	for _, u := range users {
		if u == "root" {
			continue
		}
		a, ok := byName[strings.ToLower(u)]
		x, mapped := xids[a.SID]
		if !ok || !a.User || !mapped || !x.uid {
			missing = append(missing, "user "+u)
			continue
		}
		ids.Users[u] = x.id
	}
	for _, g := range groups {
		a, ok := byName[strings.ToLower(g)]
		x, mapped := xids[a.SID]
		if !ok || !a.Group || !mapped || !x.gid {
			missing = append(missing, "group "+g)
			continue
		}
		ids.Groups[g] = x.id
	}
	return ids, missing, nil
}

// xid is what winbind maps a SID to: a uid, a gid, or both (one number).
type xid struct {
	id       int
	uid, gid bool
}

// sidsPerCall keeps wbinfo's argument well below the kernel's limit for
// one argument (128 KiB).
const sidsPerCall = 500

// sidsToIDs maps SIDs with `wbinfo --sids-to-unix-ids=SID,SID,…`, which
// allocates an id for a SID that has none yet, as any lookup through
// winbind does. Unmapped SIDs are left out.
func (w Wbinfo) sidsToIDs(ctx context.Context, sids []string) (map[string]xid, error) {
	out := map[string]xid{}
	if w.Runner == nil {
		return nil, errors.New("no command runner to ask winbind for ids")
	}
	for len(sids) > 0 {
		batch := sids[:min(len(sids), sidsPerCall)]
		sids = sids[len(batch):]
		res, err := w.Runner.Run(ctx, host.Cmd{Argv: []string{"wbinfo", "--sids-to-unix-ids=" + strings.Join(batch, ",")}})
		if err != nil {
			all := string(res.Stdout) + string(res.Stderr)
			if strings.Contains(all, "NOT_AVAILABLE") || strings.Contains(all, "NO_SERVER") || res.ExitCode < 0 {
				return nil, fmt.Errorf("%w (is samba-ad-dc running?): %s", ErrNoWinbind, strings.TrimSpace(all))
			}
			return nil, fmt.Errorf("wbinfo --sids-to-unix-ids: %w", err)
		}
		for _, l := range strings.Split(string(res.Stdout), "\n") {
			l = strings.TrimSpace(l)
			if l == "" {
				continue
			}
			sid, m, ok := strings.Cut(l, " -> ")
			if !ok {
				return nil, fmt.Errorf("cannot read wbinfo's answer %q", l)
			}
			if !contains(batch, sid) {
				return nil, fmt.Errorf("wbinfo answered for %s, which was not asked", sid)
			}
			kind, num, _ := strings.Cut(m, " ")
			var x xid
			switch kind {
			case "unmapped":
				continue
			case "uid":
				x.uid = true
			case "gid":
				x.gid = true
			case "uid/gid":
				x.uid, x.gid = true, true
			default:
				return nil, fmt.Errorf("cannot read wbinfo's answer %q", l)
			}
			id, err := strconv.Atoi(num)
			if err != nil || id < 0 {
				return nil, fmt.Errorf("wbinfo gave %s the id %q", sid, num)
			}
			x.id = id
			out[sid] = x
		}
	}
	return out, nil
}

// dialLDAPI connects to the DC's privileged ldapi socket (root only, no
// bind) with ctx's deadline (else 30 s) for each request, and reads the
// domain's naming context from the root entry. Errors wrap ErrNoWinbind:
// the DC did not answer.
func dialLDAPI(ctx context.Context, socket string) (*ldap.Conn, string, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "unix", socket)
	if err != nil {
		return nil, "", fmt.Errorf("%w: the domain controller's LDAP socket: %v", ErrNoWinbind, err)
	}
	conn := ldap.NewConn(nc, false)
	conn.Start()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetTimeout(time.Until(dl))
	} else {
		conn.SetTimeout(30 * time.Second)
	}
	root, err := conn.Search(ldap.NewSearchRequest("", ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false,
		"(objectClass=*)", []string{"defaultNamingContext"}, nil))
	if err != nil || len(root.Entries) != 1 {
		conn.Close()
		return nil, "", fmt.Errorf("%w: read the directory's root entry: %v", ErrNoWinbind, err)
	}
	return conn, root.Entries[0].GetAttributeValue("defaultNamingContext"), nil
}

// namesPerSearch bounds the size of one LDAP filter.
const namesPerSearch = 200

// ldapAccounts finds the named accounts of the domain (not the BUILTIN
// groups, which a WORKGROUP\name lookup does not find either) with
// searches over the DC's privileged ldapi socket.
func ldapAccounts(ctx context.Context, socket string, names []string) ([]Account, error) {
	conn, base, err := dialLDAPI(ctx, socket)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	dom, err := conn.Search(ldap.NewSearchRequest(base, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false,
		"(objectClass=*)", []string{"objectSid"}, nil))
	if err != nil || len(dom.Entries) != 1 {
		return nil, fmt.Errorf("read the domain's SID from %s: %v", base, err)
	}
	domSID, err := sidString(dom.Entries[0].GetRawAttributeValue("objectSid"))
	if err != nil {
		return nil, fmt.Errorf("the domain's SID: %w", err)
	}
	var out []Account
	for len(names) > 0 {
		batch := names[:min(len(names), namesPerSearch)]
		names = names[len(batch):]
		var f strings.Builder
		f.WriteString("(&(|(objectClass=user)(objectClass=group))(|")
		for _, n := range batch {
			f.WriteString("(sAMAccountName=" + ldap.EscapeFilter(n) + ")")
		}
		f.WriteString("))")
		res, err := conn.Search(ldap.NewSearchRequest(base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
			f.String(), []string{"sAMAccountName", "objectSid", "objectClass"}, nil))
		if err != nil {
			return nil, fmt.Errorf("look up %d names in the directory: %w", len(batch), err)
		}
		for _, e := range res.Entries {
			sid, err := sidString(e.GetRawAttributeValue("objectSid"))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", e.DN, err)
			}
			if !strings.HasPrefix(sid, domSID+"-") {
				continue
			}
			a := Account{Name: e.GetAttributeValue("sAMAccountName"), SID: sid}
			for _, c := range e.GetAttributeValues("objectClass") {
				switch strings.ToLower(c) {
				case "user":
					a.User = true
				case "group":
					a.Group = true
				}
			}
			out = append(out, a)
		}
	}
	return out, nil
}

// searchSIDNames finds the account names of SIDs; tests replace it.
var searchSIDNames = ldapSIDNames

// ldapSIDNames looks SIDs up in the directory over the DC's privileged
// ldapi socket, for readable plans: an entry someone added by hand names
// an account the template does not. SIDs it cannot read or find are left
// out.
func ldapSIDNames(ctx context.Context, socket string, sids []string) (map[string]string, error) {
	out := map[string]string{}
	var f strings.Builder
	for _, s := range sids {
		if b, ok := sidBytes(s); ok {
			f.WriteString("(objectSid=" + escapeBytes(b) + ")")
		}
	}
	if f.Len() == 0 {
		return out, nil
	}
	conn, base, err := dialLDAPI(ctx, socket)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	res, err := conn.Search(ldap.NewSearchRequest(base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		"(|"+f.String()+")", []string{"sAMAccountName", "objectSid"}, nil))
	if err != nil {
		return nil, fmt.Errorf("look up %d SIDs in the directory: %w", len(sids), err)
	}
	for _, e := range res.Entries {
		if s, err := sidString(e.GetRawAttributeValue("objectSid")); err == nil {
			out[s] = e.GetAttributeValue("sAMAccountName")
		}
	}
	return out, nil
}

// sidBytes encodes "S-1-5-21-…" in the binary form LDAP stores.
func sidBytes(s string) ([]byte, bool) {
	parts := strings.Split(s, "-")
	if len(parts) < 3 || len(parts) > 3+15 || parts[0] != "S" || parts[1] != "1" {
		return nil, false
	}
	auth, err := strconv.ParseUint(parts[2], 10, 48)
	if err != nil {
		return nil, false
	}
	b := []byte{1, byte(len(parts) - 3)}
	for i := 5; i >= 0; i-- {
		b = append(b, byte(auth>>(8*i)))
	}
	for _, p := range parts[3:] {
		v, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return nil, false
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	return b, true
}

// escapeBytes writes binary data as an LDAP filter value (\xx each byte).
func escapeBytes(b []byte) string {
	var s strings.Builder
	for _, c := range b {
		fmt.Fprintf(&s, "\\%02x", c)
	}
	return s.String()
}

// sidString formats a binary SID as S-1-…
func sidString(b []byte) (string, error) {
	if len(b) < 8 || b[0] != 1 || len(b) != 8+4*int(b[1]) {
		return "", fmt.Errorf("malformed SID (%d bytes)", len(b))
	}
	var auth uint64
	for _, c := range b[2:8] {
		auth = auth<<8 | uint64(c)
	}
	s := fmt.Sprintf("S-1-%d", auth)
	for i := 0; i < int(b[1]); i++ {
		s += "-" + strconv.FormatUint(uint64(binary.LittleEndian.Uint32(b[8+4*i:])), 10)
	}
	return s, nil
}

// appendNewFold appends the names list does not hold yet, ignoring case.
func appendNewFold(list []string, names ...string) []string {
	for _, name := range names {
		if !containsFold(list, name) {
			list = append(list, name)
		}
	}
	return list
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
