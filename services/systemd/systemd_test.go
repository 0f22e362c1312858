// SPDX-License-Identifier: GPL-3.0-or-later

package systemd

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/godbus/dbus/v5"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/host/hosttest"
)

func TestValidUnit(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"smbd.service", true},
		{"samba-ad-dc.service", true},
		{"posse-backup.timer", true},
		{"postfix@-.service", true},
		{"getty@tty1.service", true},
		{"dev-sda1.device", true},
		{"smbd", false},
		{"", false},
		{"x;rm -rf /.service", false},
		{"../etc/passwd.service", false},
		{"a b.service", false},
		{"smbd.service\n", false},
		{"smbd.exe", false},
	}
	for _, tt := range tests {
		if err := ValidUnit(tt.name); (err == nil) != tt.ok {
			t.Errorf("ValidUnit(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestJournalctl(t *testing.T) {
	r := hosttest.NewFakeRunner(t)
	r.On([]string{"journalctl"}, host.Result{Stdout: []byte("line 1\nline 2\n")})
	got := Journalctl(r, "--root=/proc/7/root")(context.Background(), "smbd.service", 10)
	if got != "line 1\nline 2" {
		t.Errorf("journal %q", got)
	}
	want := []string{"journalctl --root=/proc/7/root --no-pager --quiet -o cat -n 10 -u smbd.service"}
	if argv := r.Argvs(); !slices.Equal(argv, want) {
		t.Errorf("argv %q, want %q", argv, want)
	}
	r.On([]string{"journalctl"}, host.Result{ExitCode: 1})
	if got := Journalctl(r)(context.Background(), "smbd.service", 10); got != "" {
		t.Errorf("failed journalctl gave %q", got)
	}
}

func TestDbusErr(t *testing.T) {
	e := dbus.Error{Name: "org.freedesktop.systemd1.NoSuchUnit", Body: []any{"Unit x.service not found."}}
	if got := dbusErr(e).Error(); got != "Unit x.service not found." {
		t.Errorf("got %q", got)
	}
	if got := dbusErr(dbus.Error{Name: "a.b"}).Error(); got != "a.b" {
		t.Errorf("got %q", got)
	}
	plain := errors.New("plain")
	if dbusErr(plain) != plain {
		t.Error("plain error changed")
	}
}

func TestDialBadAddress(t *testing.T) {
	_, err := Dial(context.Background(), "unix:path=/nonexistent/posse-bus")
	if err == nil {
		t.Fatal("dial of a missing socket succeeded")
	}
}
