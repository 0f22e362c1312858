// SPDX-License-Identifier: GPL-3.0-or-later

package daemon_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/daemon/api"
)

// TestPolkitMatrix calls one method of each action as callers polkit
// grants different actions, as the rules file does for the groups.
func TestPolkitMatrix(t *testing.T) {
	r := newRig(t, rigOpts{})
	roles := map[string][]string{
		"admin":  {daemon.ActionStatus, daemon.ActionHealth, daemon.ActionUsers, daemon.ActionSite, daemon.ActionVersions, daemon.ActionRestore},
		"office": {daemon.ActionStatus, daemon.ActionHealth, daemon.ActionUsers, daemon.ActionVersions, daemon.ActionRestore},
		"plain":  {daemon.ActionStatus},
		"nobody": nil,
	}
	n := 0
	calls := map[string]func(c *client.Client) error{
		daemon.ActionStatus: func(c *client.Client) error {
			_, err := c.Status(ctx(t))
			return err
		},
		daemon.ActionHealth: func(c *client.Client) error {
			_, err := c.Usage(ctx(t))
			return err
		},
		daemon.ActionUsers: func(c *client.Client) error {
			n++
			u := api.User{Username: fmt.Sprintf("user%d", n)}
			return c.CreateUser(ctx(t), u, "Sommer2026!x", true)
		},
		daemon.ActionSite: func(c *client.Client) error { _, err := c.Apply(ctx(t), []byte("site"), nil, nil); return err },
		daemon.ActionRestore: func(c *client.Client) error {
			_, err := c.RestoreShareFiles(ctx(t), "latest", "Office", []string{"Budget/plan.txt"}, true)
			return err
		},
		daemon.ActionVersions: func(c *client.Client) error {
			_, err := c.RestoreVersion(ctx(t), "Office", "Budget/plan.txt", time.Time{}, true)
			return err
		},
	}
	for role, granted := range roles {
		c := r.client(t, false, granted...)
		for _, action := range daemon.Actions {
			err := calls[action](c)
			want := contains(granted, action)
			if want && err != nil {
				t.Errorf("%s calling %s: %v", role, action, err)
			}
			if !want && !client.IsNotAuthorized(err) {
				t.Errorf("%s calling %s: error %v, want NotAuthorized", role, action, err)
			}
			if !want && err != nil && !strings.Contains(err.Error(), "ask an administrator to add you to group posse-") {
				t.Errorf("%s calling %s: message %q does not say what to do", role, action, err)
			}
		}
	}
	for _, pc := range r.polkit.Calls() {
		if pc.Flags != 0 {
			t.Errorf("non-interactive client sent polkit flags %d", pc.Flags)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestInteractiveAuthorizationAndChallenge(t *testing.T) {
	tests := []struct {
		name        string
		interactive bool
		wantFlags   uint32
		wantMsg     string
	}{
		{"non-interactive", false, 0, "without authenticating: allow interactive authentication"},
		{"interactive", true, 1, "authentication failed, was cancelled, or no polkit agent could ask for it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, rigOpts{})
			c := r.client(t, tt.interactive)
			r.polkit.Challenge(c.Conn().Names()[0], daemon.ActionUsers)
			err := c.SetPassword(ctx(t), "anna", "Sommer2026!x", true)
			if !client.IsNotAuthorized(err) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error = %v, want NotAuthorized with %q", err, tt.wantMsg)
			}
			calls := r.polkit.Calls()
			if len(calls) != 1 || calls[0].Flags != tt.wantFlags || calls[0].Action != daemon.ActionUsers || calls[0].Subject != c.Conn().Names()[0] {
				t.Errorf("polkit calls = %+v", calls)
			}
		})
	}
}

func TestPolkitNotRunning(t *testing.T) {
	tests := []struct {
		name    string
		trusted func(uint32) bool
		wantErr bool
	}{
		{"unknown caller is refused", func(uint32) bool { return false }, true},
		{"trusted uid (root on a box) is let through", func(uid uint32) bool { return uid == uint32(os.Getuid()) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, rigOpts{noPolkit: true, trusted: tt.trusted})
			c := r.client(t, false)
			_, err := c.Status(ctx(t))
			if !tt.wantErr {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !client.IsNotAuthorized(err) || !strings.Contains(err.Error(), "polkit is not running on this box: start polkit.service") {
				t.Errorf("error = %v, want the polkit-not-running refusal", err)
			}
		})
	}
}
