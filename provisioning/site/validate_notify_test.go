// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"strings"
	"testing"
)

func TestNotifyValid(t *testing.T) {
	s := validSite()
	s.Notify = &Notify{To: []string{"it@mueller-partner.example", "admin@dienstleister.example"}}
	if ps := s.Validate(); len(ps) != 0 {
		t.Fatalf("valid notify has problems:\n%v", ps)
	}
	if got := s.NotifyFrom(); got != "posse@mueller-partner.example" {
		t.Errorf("default sender = %q", got)
	}
	s.Notify.From = "alerts@mueller-partner.example"
	if got := s.NotifyFrom(); got != "alerts@mueller-partner.example" {
		t.Errorf("sender = %q", got)
	}
}

func TestNotifyRules(t *testing.T) {
	many := make([]string, MaxNotifyRecipients+1)
	for i := range many {
		many[i] = "a" + strings.Repeat("x", i) + "@example.com"
	}
	tests := []struct {
		name   string
		notify Notify
		noMail bool
		path   string
		msg    string
	}{
		{"no recipients", Notify{}, false, "notify.to", "missing required key"},
		{"bad address", Notify{To: []string{"it at example"}}, false, "notify.to[0]", "not a valid mail address"},
		{"upper case", Notify{To: []string{"IT@example.com"}}, false, "notify.to[0]", "not a valid mail address"},
		{"header injection", Notify{To: []string{"a@example.com\nBcc: x@evil.example"}}, false, "notify.to[0]", "not a valid mail address"},
		{"twice", Notify{To: []string{"a@example.com", "a@example.com"}}, false, "notify.to[1]", "duplicate"},
		{"too many", Notify{To: many}, false, "notify.to", "more than 20"},
		{"bad sender", Notify{To: []string{"a@example.com"}, From: "posse"}, false, "notify.from", "not a valid mail address"},
		{"no mail", Notify{To: []string{"a@example.com"}}, true, "notify", "needs a mail section"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validSite()
			s.Notify = &tt.notify
			if tt.noMail {
				s.Mail = nil
				for i := range s.Users {
					s.Users[i].Aliases = nil
				}
				s.Backup.Include = []string{"directory"}
			}
			ps := s.Validate()
			for _, p := range ps {
				if p.Path == tt.path && strings.Contains(p.Message, tt.msg) {
					return
				}
			}
			t.Errorf("want a problem at %s with %q, got:\n%v", tt.path, tt.msg, ps)
		})
	}
}
