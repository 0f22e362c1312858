// SPDX-License-Identifier: GPL-3.0-or-later

package provisioning

import (
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
)

func TestSkipOnAdditionalDC(t *testing.T) {
	s := &site.Site{Mail: &site.Mail{}, Servers: []site.Server{
		{Name: "dc1", Address: "10.1.0.10", Role: site.RoleDC},
		{Name: "dc2", Address: "10.1.0.11", Role: site.RoleDC},
	}}
	for _, tc := range []struct {
		host, ip, svc string
		skip          bool
		note          string
	}{
		{"dc2", "", "mail", true, "applied on the first domain controller dc1 only"},
		{"renamed", "10.1.0.11", "notify", true, ""}, // no notify section: no note
		{"dc2", "", "directory", false, ""},
		{"dc2", "", "files", false, ""},
		{"dc1", "", "mail", false, ""},
		{"other", "10.9.9.9", "mail", false, ""},
	} {
		skip, notes := skipOnThisBox(s, &host.Env{Hostname: tc.host, IP: tc.ip}, tc.svc)
		if skip != tc.skip || (tc.note == "") != (len(notes) == 0) || (tc.note != "" && !strings.Contains(notes[0].Message, tc.note)) {
			t.Errorf("%s %s %s: skip %v notes %+v", tc.host, tc.ip, tc.svc, skip, notes)
		}
	}
	if skip, _ := skipOnThisBox(&site.Site{Mail: &site.Mail{}}, &host.Env{Hostname: "dc2"}, "mail"); skip {
		t.Error("a site without servers skips mail")
	}
}
