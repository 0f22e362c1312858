// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/host/hosttest"
)

// fakeBox is a domain controller as far as the files service sees it:
// the directory search and wbinfo answer from tables, ACL reads (as
// getfacl would print them) and setfacl work on an in-memory ACL per
// directory (file modes are real, under root), and chown is recorded.
type fakeBox struct {
	t           *testing.T
	root        string
	runner      *hosttest.FakeRunner
	mu          sync.Mutex
	users       map[string]int
	groups      map[string]int
	acls        map[string]map[string]string // full path → entries
	owners      map[string][2]int            // full path → uid, gid
	sids        map[string]string            // name → SID handed out
	searches    int
	winbindDown bool
	// apiUsers are the users possed created (posse:api in OU=Posse).
	apiUsers    []string
	apiSearches int
	anonymousOK bool
	// ntacls are the Windows ACLs Samba holds (full path → descriptor in
	// SIDs); a path without one gets one derived from its POSIX ACL.
	ntacls    map[string]SD
	ntaclRuns int
}

func newFakeBox(t *testing.T, root string) *fakeBox {
	b := &fakeBox{
		t: t, root: root, runner: hosttest.NewFakeRunner(t),
		users:  map[string]int{"alice": 3000016, "bob": 3000020, "carol": 3000021, OwnerAccount: 0},
		groups: map[string]int{"partners": 3000015, "staff": 3000019, "accounting": 3000022, "trainees": 3000023, "it": 3000024, DomainUsers: 100, AdminsGroup: 3000004},
		acls:   map[string]map[string]string{}, owners: map[string][2]int{},
		sids: map[string]string{}, ntacls: map[string]SD{},
	}
	b.runner.Strict = true
	b.runner.OnFunc([]string{"wbinfo"}, b.wbinfo)
	b.runner.OnFunc([]string{"getfacl"}, b.getfacl)
	b.runner.OnFunc([]string{"setfacl"}, b.setfacl)
	b.runner.OnFunc([]string{"python3", "-c", ntaclPy}, b.ntaclPy)
	b.runner.On([]string{"testparm"}, host.Result{Stderr: []byte("Loaded services file OK.\n")})
	b.runner.OnFunc([]string{"smbclient"}, func(host.Cmd) (host.Result, error) {
		if b.anonymousOK {
			return host.Result{Stdout: []byte("Sharename Type\n")}, nil
		}
		return host.Result{ExitCode: 1, Stdout: []byte("tree connect failed: NT_STATUS_ACCESS_DENIED\n")}, nil
	})
	lchown = func(p string, uid, gid int) error {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.owners[p] = [2]int{uid, gid}
		return nil
	}
	searchAccounts = b.accounts
	searchSIDNames = func(_ context.Context, _ string, sids []string) (map[string]string, error) {
		b.mu.Lock()
		defer b.mu.Unlock()
		out := map[string]string{}
		for n, s := range b.sids {
			if slices.Contains(sids, s) {
				out[s] = n
			}
		}
		return out, nil
	}
	storedNTACL = func(full string) bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		_, ok := b.ntacls[full]
		return ok
	}
	searchAPIUsers = b.searchAPI
	readACL = func(full string) (NumACL, error) {
		res, err := b.runner.Run(t.Context(), host.Cmd{Argv: []string{"getfacl", "--absolute-names", "-p", "-n", "--", full}})
		if err != nil {
			return NumACL{}, err
		}
		return ParseGetfacl(res.Stdout)
	}
	wait := winbindWait
	winbindWait = 0
	t.Cleanup(func() {
		lchown, winbindWait, searchAccounts, readACL, storedNTACL = os.Lchown, wait, ldapAccounts, readACLXattr, hasNTACL
		searchAPIUsers, searchSIDNames = ldapAPIUsers, ldapSIDNames
	})
	return b
}

func (b *fakeBox) env() *host.Env {
	return &host.Env{Root: b.root, Runner: b.runner, Units: hosttest.NewFakeUnits(), Hostname: "dc1"}
}

// searchAPI answers the search for the users possed created.
func (b *fakeBox) searchAPI(_ context.Context, socket string) ([]string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.apiSearches++
	if b.winbindDown {
		return nil, fmt.Errorf("%w: dial unix %s: connect: connection refused", ErrNoWinbind, socket)
	}
	if socket != LDAPISocket {
		b.t.Errorf("directory searched over %q, want %s", socket, LDAPISocket)
	}
	return slices.Clone(b.apiUsers), nil
}

// accounts answers the directory search from the tables: users get SIDs
// ending in 1xxxx, groups in 2xxxx (by their position, not their id).
func (b *fakeBox) accounts(_ context.Context, socket string, names []string) ([]Account, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.searches++
	if b.winbindDown {
		return nil, fmt.Errorf("%w: dial unix %s: connect: connection refused", ErrNoWinbind, socket)
	}
	if socket != LDAPISocket {
		b.t.Errorf("directory searched over %q, want %s", socket, LDAPISocket)
	}
	var out []Account
	for _, n := range names {
		for _, k := range slices.Sorted(maps.Keys(b.users)) {
			if strings.EqualFold(k, n) {
				out = append(out, Account{Name: k, SID: b.sid(k, false), User: true})
			}
		}
		for _, k := range slices.Sorted(maps.Keys(b.groups)) {
			if strings.EqualFold(k, n) {
				out = append(out, Account{Name: k, SID: b.sid(k, true), Group: true})
			}
		}
	}
	return out, nil
}

// sid returns the fake SID of a user or group; b.mu is held.
func (b *fakeBox) sid(name string, group bool) string {
	if s, ok := b.sids[name]; ok {
		return s
	}
	n := 10000 + len(b.sids)
	if group {
		n += 10000
	}
	s := fmt.Sprintf("S-1-5-21-1-2-3-%d", n)
	b.sids[name] = s
	return s
}

func (b *fakeBox) wbinfo(c host.Cmd) (host.Result, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.winbindDown {
		return host.Result{ExitCode: 1, Stderr: []byte("failed to call wbcSidsToUnixIds: WBC_ERR_WINBIND_NOT_AVAILABLE\n")}, nil
	}
	flag, arg, _ := strings.Cut(c.Argv[1], "=")
	if flag != "--sids-to-unix-ids" || len(c.Argv) != 2 {
		b.t.Errorf("wbinfo %q, want --sids-to-unix-ids=SIDS", c.Argv[1:])
		return host.Result{ExitCode: 1}, nil
	}
	var out bytes.Buffer
	for _, sid := range strings.Split(arg, ",") {
		line := sid + " -> unmapped"
		for name, s := range b.sids {
			if s != sid {
				continue
			}
			if id, ok := b.users[name]; ok {
				line = fmt.Sprintf("%s -> uid/gid %d", sid, id)
			} else if id, ok := b.groups[name]; ok {
				line = fmt.Sprintf("%s -> gid %d", sid, id)
			}
		}
		fmt.Fprintln(&out, line)
	}
	return host.Result{Stdout: out.Bytes()}, nil
}

func (b *fakeBox) getfacl(c host.Cmd) (host.Result, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := c.Argv[len(c.Argv)-1]
	fi, err := os.Stat(p)
	if err != nil {
		return host.Result{ExitCode: 1, Stderr: []byte(err.Error())}, nil
	}
	own, ok := b.owners[p]
	if !ok {
		own = [2]int{0, 0}
	}
	var out bytes.Buffer
	flags := "---"
	if fi.Mode()&os.ModeSetgid != 0 {
		flags = "-s-"
	}
	fmt.Fprintf(&out, "# file: %s\n# owner: %d\n# group: %d\n", p, own[0], own[1])
	if flags != "---" {
		fmt.Fprintf(&out, "# flags: %s\n", flags)
	}
	entries := b.acls[p]
	if entries == nil {
		m := fi.Mode().Perm()
		entries = map[string]string{"user:": rwx(m >> 6), "group:": rwx(m >> 3), "other:": rwx(m)}
	}
	for _, k := range sortedKeys(entries) {
		fmt.Fprintf(&out, "%s:%s\n", k, entries[k])
	}
	return host.Result{Stdout: out.Bytes()}, nil
}

func rwx(m os.FileMode) string {
	s := []byte("---")
	if m&4 != 0 {
		s[0] = 'r'
	}
	if m&2 != 0 {
		s[1] = 'w'
	}
	if m&1 != 0 {
		s[2] = 'x'
	}
	return string(s)
}

func bits(s string) os.FileMode {
	var m os.FileMode
	if s[0] == 'r' {
		m |= 4
	}
	if s[1] == 'w' {
		m |= 2
	}
	if s[2] == 'x' {
		m |= 1
	}
	return m
}

func (b *fakeBox) setfacl(c host.Cmd) (host.Result, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if c.Argv[1] != "--set-file=-" {
		return host.Result{}, nil // recursive propagation: recorded only
	}
	p := c.Argv[len(c.Argv)-1]
	entries := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(c.Stdin))
	for sc.Scan() {
		l := sc.Text()
		i := strings.LastIndexByte(l, ':')
		entries[l[:i]] = l[i+1:]
	}
	b.acls[p] = entries
	fi, err := os.Stat(p)
	if err != nil {
		return host.Result{ExitCode: 1}, nil
	}
	g := entries["group:"]
	if m, ok := entries["mask:"]; ok {
		g = m
	}
	mode := bits(entries["user:"])<<6 | bits(g)<<3 | bits(entries["other:"]) | fi.Mode()&(os.ModeSetgid)
	return host.Result{}, os.Chmod(p, mode)
}

// derivedSD is what the fake Samba serves for a path without a stored
// Windows ACL: Everyone with no rights, owned by the POSIX owner.
func derivedSD() SD {
	return SD{Owner: "S-1-22-1-0", Group: "S-1-22-2-0", ACEs: []ACE{{Trustee: "S-1-1-0"}}}
}

// ntaclPy answers Samba's ACL functions from b.ntacls.
func (b *fakeBox) ntaclPy(c host.Cmd) (host.Result, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.ntaclRuns++
	var out bytes.Buffer
	dec := json.NewDecoder(bytes.NewReader(c.Stdin))
	for dec.More() {
		var r ntaclReq
		if err := dec.Decode(&r); err != nil {
			b.t.Fatalf("ntacl request: %v", err)
		}
		ans := map[string]any{"path": r.Path}
		if _, err := os.Lstat(r.Path); err != nil {
			ans["error"] = err.Error()
		} else if r.Op == "get" {
			sd, ok := b.ntacls[r.Path]
			if !ok {
				sd = derivedSD()
			}
			ctl := uint16(0)
			if sd.Protected {
				ctl = ctrlProtected
			}
			ans["owner"], ans["group"], ans["control"], ans["aces"] = sd.Owner, sd.Group, ctl, sd.ACEs
		} else {
			sd, ok := b.ntacls[r.Path]
			if !ok {
				sd = derivedSD()
			}
			if r.Owner != "" {
				sd.Owner = r.Owner
			}
			if r.Group != "" {
				sd.Group = r.Group
			}
			sd.Protected = r.Control&ctrlProtected != 0
			sd.ACEs = slices.Clone(r.ACEs)
			b.ntacls[r.Path] = sd
		}
		json.NewEncoder(&out).Encode(ans)
	}
	return host.Result{Stdout: out.Bytes()}, nil
}

// argvs returns the commands run whose argv starts with prefix.
func (b *fakeBox) argvs(prefix string) []string {
	var out []string
	for _, a := range b.runner.Argvs() {
		if strings.HasPrefix(a, prefix) {
			out = append(out, a)
		}
	}
	return out
}
