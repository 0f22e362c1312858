// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"context"
	"testing"

	"fyne.io/fyne/v2/test"
	"github.com/posse-project/posse/client"
)

func TestConnectScreenRendersRecentBoxes(t *testing.T) {
	a := test.NewTempApp(t)
	a.Preferences().SetStringList(prefRecent, []string{"admin@server.mueller-partner.lan", ""})
	c := NewConnectScreen(nil, a.Preferences(), nil)
	w := window(t, c.Content(), 1024, 700)
	c.win = w
	golden(t, "connect.xml", w.Canvas())
}

func TestConnectConfirmsUnknownHostKey(t *testing.T) {
	a := test.NewTempApp(t)
	const fp = "SHA256:pV2ZEwZ5m2m9yJ2b5h9Xj4qQm7o3QkE0m0d0xPqv6bA"
	var accepted []string
	dial := func(ctx context.Context, host, accept string) (Backend, error) {
		accepted = append(accepted, accept)
		if accept != fp {
			return nil, &client.HostKeyError{Host: "server.mueller-partner.lan:22", Fingerprint: fp, KeyType: "ssh-ed25519", KnownHosts: "/home/anna/.ssh/known_hosts"}
		}
		return newFake(3), nil
	}
	c := NewConnectScreen(nil, a.Preferences(), dial)
	c.Sync = true
	var got *Bridge
	c.OnConnected = func(br *Bridge) { got = br }
	w := window(t, c.Content(), 1024, 700)
	c.win = w

	c.where.SetSelected(tr(whereRemote))
	test.Type(c.host, "admin@server.mueller-partner.lan")
	test.Tap(c.connect)
	if !hasText(w.Canvas(), fp) {
		t.Fatal("the host key dialog does not show the fingerprint")
	}
	golden(t, "connect_hostkey.xml", w.Canvas())
	test.Tap(button(t, w.Canvas(), tr("Fingerprints match, connect")))
	if got == nil {
		t.Fatal("not connected after confirming the key")
	}
	if len(accepted) != 2 || accepted[1] != fp {
		t.Errorf("dial calls accepted %q, want the confirmed fingerprint on the second", accepted)
	}
	if got.Box != "admin@server.mueller-partner.lan" || got.OfficeManager {
		t.Errorf("bridge = %+v", got)
	}
	if r := a.Preferences().StringList(prefRecent); len(r) != 1 || r[0] != "admin@server.mueller-partner.lan" {
		t.Errorf("recent boxes = %q", r)
	}
}

func TestConnectRefusesChangedHostKey(t *testing.T) {
	a := test.NewTempApp(t)
	calls := 0
	dial := func(ctx context.Context, host, accept string) (Backend, error) {
		calls++
		return nil, &client.HostKeyError{Host: "box:22", Fingerprint: "SHA256:new", KeyType: "ssh-ed25519", KnownHosts: "/root/.ssh/known_hosts", Changed: true, Line: 3}
	}
	c := NewConnectScreen(nil, a.Preferences(), dial)
	c.Sync = true
	w := window(t, c.Content(), 1024, 700)
	c.win = w
	c.Connect("admin@box", "")
	if !hasText(w.Canvas(), "CHANGED") {
		t.Fatal("a changed host key is not called out")
	}
	if calls != 1 {
		t.Errorf("dialled %d times", calls)
	}
	if hasText(w.Canvas(), tr("Fingerprints match, connect")) {
		t.Error("a changed key must not be accepted from the dialog")
	}
}

func TestConnectFindsOfficeManager(t *testing.T) {
	a := test.NewTempApp(t)
	f := newFake(3)
	f.OfficeManager = true
	c := NewConnectScreen(nil, a.Preferences(), func(context.Context, string, string) (Backend, error) { return f, nil })
	c.Sync = true
	var got *Bridge
	c.OnConnected = func(br *Bridge) { got = br }
	c.win = window(t, c.Content(), 800, 600)
	c.Connect("", "")
	if got == nil || !got.OfficeManager || got.Box != DemoHost {
		t.Fatalf("bridge = %+v, want office manager on %s", got, DemoHost)
	}
}
