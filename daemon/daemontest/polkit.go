// SPDX-License-Identifier: GPL-3.0-or-later

package daemontest

import (
	"sync"
	"testing"

	"github.com/godbus/dbus/v5"
)

// Polkit is a fake org.freedesktop.PolicyKit1 authority. It answers by the
// caller's bus name (the subject possed passes) and action.
type Polkit struct {
	mu sync.Mutex
	// allowed[busName][action]; a missing entry means "not authorized".
	allowed map[string]map[string]bool
	// challenge[busName][action] makes a denial a challenge (auth_admin).
	challenge map[string]map[string]bool
	calls     []PolkitCall
}

// PolkitCall is one CheckAuthorization possed made.
type PolkitCall struct {
	Subject string // bus name in the system-bus-name subject
	Action  string
	Flags   uint32
}

type subject struct {
	Kind    string
	Details map[string]dbus.Variant
}

type result struct {
	IsAuthorized bool
	IsChallenge  bool
	Details      map[string]string
}

// StartPolkit exports a fake polkit on the bus at addr.
func StartPolkit(t testing.TB, addr string) *Polkit {
	t.Helper()
	conn := Connect(t, addr)
	p := &Polkit{allowed: map[string]map[string]bool{}, challenge: map[string]map[string]bool{}}
	if err := conn.Export(authority{p}, "/org/freedesktop/PolicyKit1/Authority", "org.freedesktop.PolicyKit1.Authority"); err != nil {
		t.Fatal(err)
	}
	if r, err := conn.RequestName("org.freedesktop.PolicyKit1", dbus.NameFlagDoNotQueue); err != nil || r != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("fake polkit: request name: %v %v", r, err)
	}
	return p
}

// Allow lets the connection with unique name busName perform actions.
func (p *Polkit) Allow(busName string, actions ...string) {
	p.set(p.allowed, busName, actions)
}

// Challenge makes denials of actions for busName ask for authentication.
func (p *Polkit) Challenge(busName string, actions ...string) {
	p.set(p.challenge, busName, actions)
}

func (p *Polkit) set(m map[string]map[string]bool, busName string, actions []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if m[busName] == nil {
		m[busName] = map[string]bool{}
	}
	for _, a := range actions {
		m[busName][a] = true
	}
}

// Calls returns the checks made so far.
func (p *Polkit) Calls() []PolkitCall {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]PolkitCall(nil), p.calls...)
}

type authority struct{ p *Polkit }

// CheckAuthorization implements the polkit method of the same name.
func (a authority) CheckAuthorization(s subject, action string, _ map[string]string, flags uint32, _ string) (result, *dbus.Error) {
	if s.Kind != "system-bus-name" {
		return result{}, dbus.NewError("org.freedesktop.PolicyKit1.Error.Failed", []any{"fake polkit understands system-bus-name subjects only"})
	}
	name, _ := s.Details["name"].Value().(string)
	a.p.mu.Lock()
	defer a.p.mu.Unlock()
	a.p.calls = append(a.p.calls, PolkitCall{Subject: name, Action: action, Flags: flags})
	ok := a.p.allowed[name][action]
	return result{IsAuthorized: ok, IsChallenge: !ok && a.p.challenge[name][action], Details: map[string]string{}}, nil
}
