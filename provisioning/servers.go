// SPDX-License-Identifier: GPL-3.0-or-later

package provisioning

import (
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
)

// firstDCOnly names the services that, in a site with servers, only the
// first domain controller applies: mail keeps its service account's
// password in the shared directory (a second box would reset it under the
// first), and the alerts go out through that box's mail.
var firstDCOnly = map[string]func(*site.Site) bool{
	"mail":   func(s *site.Site) bool { return s.Mail != nil },
	"notify": func(s *site.Site) bool { return s.Notify != nil },
}

// additionalDC returns the first domain controller's name when the box
// (found by host name or address) is another DC of the site's servers.
func additionalDC(s *site.Site, env *host.Env) (string, bool) {
	dcs := s.DCs()
	i := s.FindServer(env.Hostname, env.IP)
	if len(dcs) == 0 || i < 0 || s.Servers[i].Name == dcs[0].Name {
		return "", false
	}
	return dcs[0].Name, true
}

// skipOnThisBox reports whether service name is left to the first DC on
// this box, with a note for the plan when the site uses it.
func skipOnThisBox(s *site.Site, env *host.Env, name string) (bool, []plan.Note) {
	uses, ok := firstDCOnly[name]
	if !ok {
		return false, nil
	}
	first, ok := additionalDC(s, env)
	if !ok {
		return false, nil
	}
	if !uses(s) {
		return true, nil
	}
	return true, []plan.Note{{Service: name, Target: name, Message: "applied on the first domain controller " + first + " only: this box is an additional domain controller"}}
}
