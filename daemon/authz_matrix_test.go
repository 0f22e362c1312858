// SPDX-License-Identifier: GPL-3.0-or-later

package daemon_test

import (
	"context"
	"encoding/xml"
	"errors"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/daemon/daemontest"
)

// The authorisation matrix: every method possed exports, found on the bus
// (so a method added later is in it without anyone listing it), called by
// callers polkit grants one action each, or none. Three sources must
// agree: the methods on the bus, the table possed checks (methodActions,
// through daemon.ActionFor) and the Bus API table of docs/daemon.md, the
// contract integrators and the polkit rules are written against. Mapping a
// method to another action in the code fails here until the docs say so
// too; checking the wrong action or the wrong method's action at the call
// site, or skipping the check, fails whatever the tables say, because the
// test watches what polkit is asked and what the server does.

// matrixRoles are the callers: granted exactly one action, or nothing.
var matrixRoles = []struct {
	name    string
	granted []string
}{
	{"status only", []string{daemon.ActionStatus}},
	{"health only", []string{daemon.ActionHealth}},
	{"users only", []string{daemon.ActionUsers}},
	{"site only", []string{daemon.ActionSite}},
	{"versions only", []string{daemon.ActionVersions}},
	{"restore only", []string{daemon.ActionRestore}},
	{"nothing", nil},
}

func TestAuthorizationMatrix(t *testing.T) {
	var log syncBuffer
	r := newRig(t, rigOpts{log: &log})
	documented := documentedActions(t)
	onBus := busMethods(t, r.addr)
	objects := daemon.Objects()
	if len(onBus) < 30 {
		t.Fatalf("only %d methods on the bus: introspection is broken", len(onBus))
	}
	for _, key := range onBus {
		iface, method := splitMethod(key)
		want := documented[key]
		if want == "" {
			t.Errorf("%s is on the bus but not in the Bus API table of docs/daemon.md: document its polkit action", key)
			continue
		}
		if got := daemon.ActionFor(iface, method); got != want {
			t.Errorf("%s: possed checks %q, docs/daemon.md says %q", key, got, want)
		}
		args, err := zeroArgs(objects[iface], method)
		if err != nil {
			t.Errorf("%s: %v", key, err)
			continue
		}
		for _, role := range matrixRoles {
			conn := daemontest.Connect(t, r.addr)
			caller := conn.Names()[0]
			r.polkit.Allow(caller, role.granted...)
			allowed := slices.Contains(role.granted, want)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			call := conn.Object(api.BusName, api.ObjectPath).CallWithContext(ctx, key, 0, args...)
			cancel()
			name, msg := errorOf(call.Err)
			switch {
			case allowed && name == api.ErrNotAuthorized:
				t.Errorf("%s by a caller granted %s: refused: %s", key, role.name, msg)
			case !allowed && name != api.ErrNotAuthorized:
				t.Errorf("%s by a caller granted %s: error %q %q, want %s", key, role.name, name, msg, api.ErrNotAuthorized)
			case !allowed && !strings.Contains(msg, "ask an administrator to add you to group posse-"):
				t.Errorf("%s by a caller granted %s: refusal %q does not say what to do", key, role.name, msg)
			}
			var asked []string
			for _, pc := range r.polkit.Calls() {
				if pc.Subject == caller {
					asked = append(asked, pc.Action)
				}
			}
			if !slices.Equal(asked, []string{want}) {
				t.Errorf("%s by a caller granted %s: polkit was asked %q, want once %q", key, role.name, asked, want)
			}
			// The server's own record of the call: refused before any work,
			// or let through, under this method's name.
			refused, ran := logged(log.String(), key, caller)
			if allowed && (refused || !ran) {
				t.Errorf("%s by a caller granted %s: log has refused=%v ran=%v, want the call run", key, role.name, refused, ran)
			}
			if !allowed && (!refused || ran) {
				t.Errorf("%s by a caller granted %s: log has refused=%v ran=%v, want it refused and not run", key, role.name, refused, ran)
			}
			// One connection per call would reach the bus's limit per user.
			conn.Close()
		}
	}
	for key := range documented {
		if !slices.Contains(onBus, key) {
			t.Errorf("docs/daemon.md documents %s, which is not on the bus", key)
		}
	}
}

// documentedActions reads the Bus API table of docs/daemon.md: for each
// "interface.Method" its polkit action. A row's action applies to each of
// its methods unless the method says otherwise in brackets, as
// "`Status` (status)".
func documentedActions(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("../docs/daemon.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, "\n## Bus API\n")
	if start < 0 {
		t.Fatal(`docs/daemon.md has no "## Bus API" section`)
	}
	text = text[start+1:]
	if end := strings.Index(text[3:], "\n## "); end >= 0 {
		text = text[:end+3]
	}
	actions := map[string]string{"status": daemon.ActionStatus, "health": daemon.ActionHealth, "users": daemon.ActionUsers, "site": daemon.ActionSite, "versions": daemon.ActionVersions, "restore": daemon.ActionRestore}
	methodRE := regexp.MustCompile("`([A-Z][A-Za-z0-9]*)[^`]*`(?: \\((status|health|users|site|versions|restore)\\))?")
	out := map[string]string{}
	iface := ""
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, "| ") {
			continue
		}
		cols := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cols {
			cols[i] = strings.TrimSpace(cols[i])
		}
		if len(cols) != 3 || cols[0] == "interface" {
			continue
		}
		if cols[0] != "" {
			iface = strings.Trim(cols[0], "`")
		}
		for _, m := range methodRE.FindAllStringSubmatch(cols[1], -1) {
			word := cols[2]
			if m[2] != "" {
				word = m[2]
			}
			action, ok := actions[word]
			if !ok {
				t.Errorf("docs/daemon.md: %s.%s has action %q, not status, health, users, site, versions or restore", iface, m[1], word)
				continue
			}
			key := iface + "." + m[1]
			if _, dup := out[key]; dup {
				t.Errorf("docs/daemon.md lists %s twice", key)
			}
			out[key] = action
		}
	}
	if len(out) == 0 {
		t.Fatal("no methods found in the Bus API table of docs/daemon.md")
	}
	return out
}

// busMethods returns "interface.Method" for every method of possed's own
// interfaces, as introspection over the bus shows them, sorted.
func busMethods(t *testing.T, addr string) []string {
	t.Helper()
	var data string
	conn := daemontest.Connect(t, addr)
	if err := conn.Object(api.BusName, api.ObjectPath).Call("org.freedesktop.DBus.Introspectable.Introspect", 0).Store(&data); err != nil {
		t.Fatal(err)
	}
	var node struct {
		Interfaces []struct {
			Name    string `xml:"name,attr"`
			Methods []struct {
				Name string `xml:"name,attr"`
			} `xml:"method"`
		} `xml:"interface"`
	}
	if err := xml.Unmarshal([]byte(data), &node); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, in := range node.Interfaces {
		if in.Name != api.Interface && !strings.HasPrefix(in.Name, api.Interface+".") {
			continue
		}
		for _, m := range in.Methods {
			out = append(out, in.Name+"."+m.Name)
		}
	}
	sort.Strings(out)
	return out
}

func splitMethod(key string) (iface, method string) {
	i := strings.LastIndex(key, ".")
	return key[:i], key[i+1:]
}

// zeroArgs returns zero values of the D-Bus arguments of obj's method:
// every parameter after (dbus.Sender, dbus.Message).
func zeroArgs(obj any, method string) ([]any, error) {
	if obj == nil {
		return nil, errors.New("no Go object for its interface")
	}
	m, ok := reflect.TypeOf(obj).MethodByName(method)
	if !ok {
		return nil, errors.New("no Go method of that name")
	}
	var args []any
	for i := 3; i < m.Type.NumIn(); i++ { // receiver, sender, message
		args = append(args, reflect.Zero(m.Type.In(i)).Interface())
	}
	return args, nil
}

// errorOf returns a D-Bus error's name and message ("" for nil).
func errorOf(err error) (name, msg string) {
	if err == nil {
		return "", ""
	}
	var de dbus.Error
	if errors.As(err, &de) {
		if len(de.Body) > 0 {
			msg, _ = de.Body[0].(string)
		}
		return de.Name, msg
	}
	return "not a D-Bus error", err.Error()
}

// logLine is one line of the server's log about a call (slog's text form).
var logLine = regexp.MustCompile(`msg=(refused|call|"call failed") method=(\S+) sender=(\S+)`)

// logged reports whether the server logged the call of method by sender
// as refused, and whether it logged it as run (succeeded or failed after
// the authorisation).
func logged(log, method, sender string) (refused, ran bool) {
	for _, m := range logLine.FindAllStringSubmatch(log, -1) {
		if m[2] != method || m[3] != sender {
			continue
		}
		if m[1] == "refused" {
			refused = true
		} else {
			ran = true
		}
	}
	return refused, ran
}

// TestAuthorizerRefusesWhatItCannotCheck: no action (a method missing from
// the table), no sender, or a sender the bus does not know are refused,
// even when polkit would say yes to anything, and polkit is not asked.
func TestAuthorizerRefusesWhatItCannotCheck(t *testing.T) {
	addr := daemontest.StartBus(t)
	polkit := daemontest.StartPolkit(t, addr)
	a := &daemon.Authorizer{Bus: daemontest.Connect(t, addr), Trusted: func(uint32) bool { return false }, Timeout: 5 * time.Second}
	caller := daemontest.Connect(t, addr).Names()[0]
	const gone = ":1.9999"
	polkit.Allow(caller, "", daemon.ActionSite)
	polkit.Allow(gone, daemon.ActionSite)
	polkit.Allow("", daemon.ActionSite)
	for _, tc := range []struct{ sender, action, want string }{
		{caller, "", "this method is not assigned a polkit action, so it is refused"},
		{"", daemon.ActionSite, "the call has no sender"},
		{gone, daemon.ActionSite, "cannot tell who is calling"},
	} {
		derr := a.Check(context.Background(), tc.sender, tc.action, false)
		if derr == nil {
			t.Errorf("sender %q action %q: allowed", tc.sender, tc.action)
			continue
		}
		if name, msg := errorOf(*derr); name != api.ErrNotAuthorized || !strings.Contains(msg, tc.want) {
			t.Errorf("sender %q action %q: %s %q, want %q", tc.sender, tc.action, name, msg, tc.want)
		}
	}
	if calls := polkit.Calls(); len(calls) != 0 {
		t.Errorf("polkit was asked: %+v", calls)
	}
	// The same caller with a real action is let through: the refusals
	// above are not polkit's.
	if derr := a.Check(context.Background(), caller, daemon.ActionSite, false); derr != nil {
		t.Errorf("allowed caller refused: %v", derr)
	}
}

// TestPolkitFailing: a polkit that is there but answers with an error is a
// refusal that quotes the error, not "polkit is not running".
func TestPolkitFailing(t *testing.T) {
	r := newRig(t, rigOpts{noPolkit: true})
	daemontest.StartBrokenPolkit(t, r.addr, "org.freedesktop.PolicyKit1.Error.Failed", "backend exploded")
	_, err := r.client(t, false).Status(ctx(t))
	if !client.IsNotAuthorized(err) || !strings.Contains(err.Error(), "cannot check with polkit whether you may read the status of this box") || !strings.Contains(err.Error(), "backend exploded") {
		t.Errorf("error = %v, want a refusal quoting the polkit failure", err)
	}
	if err != nil && strings.Contains(err.Error(), "not running") {
		t.Errorf("a failing polkit is reported as not running: %v", err)
	}
}
