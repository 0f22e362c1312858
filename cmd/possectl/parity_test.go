// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/daemon/daemontest"
)

// evil is text from outside (a description set by hand in the directory,
// a path in a template) that must not drive the terminal of whoever lists
// it.
const evil = "Eve\x1b]0;pwned\a\x1b[2J\tX\x7f\u202e"

// evilEscaped is evil as the tables print it.
const evilEscaped = `Eve\x1b]0;pwned\x07\x1b[2J\tX\x7f\u202e`

// parityFake is a box with groups, shares and mail aliases in memory: what
// the groups, shares and mail commands reach through possed.
type parityFake struct {
	*fakeBox

	mu      sync.Mutex
	groups  map[string]api.Group
	shares  []api.Share
	aliases []api.Alias
	people  []string
}

func newParityFake() *parityFake {
	return &parityFake{
		fakeBox: &fakeBox{Backend: daemontest.NewBackend()},
		groups: map[string]api.Group{
			"staff": {Name: "staff", Description: "Everyone", Members: []string{"anna", "bert"}},
			"odd":   {Name: "odd", Description: evil, Members: []string{"st\naff"}},
		},
		shares:  []api.Share{{Name: "Data", Path: "/srv/posse/shares/data", Description: "Shared files", Read: []string{"staff"}, Write: []string{"staff"}}},
		aliases: []api.Alias{{Address: "office@test.example", To: []string{"anna", "bert"}}},
		people:  []string{"anna", "bert", "carl"},
	}
}

func (f *parityFake) Users(context.Context, string) ([]api.User, error) {
	var out []api.User
	for _, p := range f.people {
		out = append(out, api.User{Username: p})
	}
	return out, nil
}

func (f *parityFake) Groups(context.Context) ([]api.Group, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []api.Group
	for _, g := range f.groups {
		g.Members = slices.Clone(g.Members)
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (f *parityFake) group(name string) (api.Group, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g, ok := f.groups[name]
	return g, ok
}

func (f *parityFake) CreateGroup(_ context.Context, g api.Group) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.groups[g.Name]; ok {
		return fmt.Errorf("group %s exists already: %w", g.Name, daemon.ErrInvalid)
	}
	f.groups[g.Name] = g
	return nil
}

func (f *parityFake) DeleteGroup(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.groups[name]; !ok {
		return fmt.Errorf("there is no group %s: %w", name, daemon.ErrNotFound)
	}
	delete(f.groups, name)
	return nil
}

func (f *parityFake) SetMembers(_ context.Context, name string, add, remove []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	g, ok := f.groups[name]
	if !ok {
		return fmt.Errorf("there is no group %s: %w", name, daemon.ErrNotFound)
	}
	for _, u := range append(slices.Clone(add), remove...) {
		if !slices.Contains(f.people, u) {
			return fmt.Errorf("there is no user %s: %w", u, daemon.ErrNotFound)
		}
	}
	for _, u := range add {
		if !slices.Contains(g.Members, u) {
			g.Members = append(g.Members, u)
		}
	}
	g.Members = slices.DeleteFunc(g.Members, func(m string) bool { return slices.Contains(remove, m) })
	f.groups[name] = g
	return nil
}

func (f *parityFake) Shares(context.Context) ([]api.Share, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.shares), nil
}

func (f *parityFake) share(name string) (api.Share, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.shares {
		if s.Name == name {
			return s, true
		}
	}
	return api.Share{}, false
}

// SetShare checks the groups as the site's rules do and fills in the
// default path, like the box.
func (f *parityFake) SetShare(_ context.Context, sh api.Share) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, g := range append(slices.Clone(sh.Read), sh.Write...) {
		if _, ok := f.groups[g]; !ok {
			return fmt.Errorf("%w: setting share %s would make the site template invalid:\ntemplate:12:9: share %q: group %q is not defined", daemon.ErrInvalid, sh.Name, sh.Name, g)
		}
	}
	if sh.Path == "" {
		sh.Path = "/srv/posse/shares/" + strings.ToLower(sh.Name)
	}
	for i, s := range f.shares {
		if strings.EqualFold(s.Name, sh.Name) {
			f.shares[i] = sh
			return nil
		}
	}
	f.shares = append(f.shares, sh)
	return nil
}

func (f *parityFake) DeleteShare(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.shares)
	f.shares = slices.DeleteFunc(f.shares, func(s api.Share) bool { return strings.EqualFold(s.Name, name) })
	if len(f.shares) == n {
		return fmt.Errorf("the site has no share %s: %w", name, daemon.ErrNotFound)
	}
	return nil
}

func (f *parityFake) Aliases(context.Context) ([]api.Alias, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.aliases), nil
}

func (f *parityFake) alias(address string) (api.Alias, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range f.aliases {
		if a.Address == address {
			return a, true
		}
	}
	return api.Alias{}, false
}

func (f *parityFake) SetAlias(_ context.Context, a api.Alias) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, b := range f.aliases {
		if b.Address == a.Address {
			f.aliases[i] = a
			return nil
		}
	}
	f.aliases = append(f.aliases, a)
	return nil
}

func (f *parityFake) DeleteAlias(_ context.Context, address string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.aliases)
	f.aliases = slices.DeleteFunc(f.aliases, func(a api.Alias) bool { return a.Address == address })
	if len(f.aliases) == n {
		return fmt.Errorf("the site has no alias %s: %w", address, daemon.ErrNotFound)
	}
	return nil
}

// newParityRig is newRig with the parity fake.
func newParityRig(t *testing.T) (*rig, *parityFake) {
	t.Helper()
	pf := newParityFake()
	r := &rig{addr: daemontest.StartBus(t), box: pf.fakeBox}
	daemontest.StartPolkit(t, r.addr)
	conn := daemontest.Connect(t, r.addr)
	srv := daemon.New(conn, daemon.Config{
		Log:        slog.New(slog.NewTextHandler(io.Discard, nil)),
		Backend:    pf,
		Authorizer: &daemon.Authorizer{Bus: conn, Trusted: func(uint32) bool { return !r.refuse.Load() }, Timeout: 5 * time.Second},
	})
	if err := srv.Export(); err != nil {
		t.Fatal(err)
	}
	if err := srv.RequestName(); err != nil {
		t.Fatal(err)
	}
	return r, pf
}

// withTerminal makes possectl take stdin for a terminal until the test
// ends, so that it asks its questions.
func withTerminal(t *testing.T) {
	t.Helper()
	old := stdinIsTerminal
	stdinIsTerminal = func(io.Reader) bool { return true }
	t.Cleanup(func() { stdinIsTerminal = old })
}

// parityCase is one possectl run against the parity rig.
type parityCase struct {
	name      string
	refuse    bool
	terminal  bool
	stdin     string
	args      []string
	code      int
	stdout    []string
	stderr    []string
	notStdout []string
	// json, when set, is the exact stdout.
	json  string
	check func(t *testing.T)
}

func runParity(t *testing.T, r *rig, tests []parityCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r.refuse.Store(tc.refuse)
			if tc.terminal {
				withTerminal(t)
			}
			code, out, errOut := r.run(t, tc.stdin, tc.args...)
			if code != tc.code {
				t.Fatalf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errOut)
			}
			if tc.json != "" && out != tc.json {
				t.Errorf("stdout\n%s\nwant\n%s", out, tc.json)
			}
			if tc.json != "" && !json.Valid([]byte(out)) {
				t.Errorf("stdout is not JSON: %s", out)
			}
			for _, w := range tc.stdout {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tc.notStdout {
				if strings.Contains(out, w) {
					t.Errorf("stdout has %q:\n%s", w, out)
				}
			}
			for _, w := range tc.stderr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
			if strings.ContainsAny(out+errOut, "\x1b\a\x7f\u202e") {
				t.Errorf("control characters reach the terminal: %q %q", out, errOut)
			}
			if tc.check != nil {
				tc.check(t)
			}
		})
	}
}

func members(f *parityFake, group string) []string {
	g, _ := f.group(group)
	return g.Members
}
