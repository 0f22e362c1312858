// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import "github.com/posse-project/posse/provisioning/host"

// PostfixInstanceUnit is the unit that runs Postfix's master on a box
// with platform p. Debian 12's Postfix (3.7) runs it as the instance
// postfix@-, and postfix.service is a oneshot that reports active even
// when the instance is down; from Debian 13's Postfix (3.10) on,
// postfix.service runs the master itself and postfix@- is no longer the
// default instance (its unit asserts /etc/postfix-/main.cf). An unknown
// platform (a --root render) gets the newest.
func PostfixInstanceUnit(p host.Platform) string {
	if maj, min, ok := p.Upstream("postfix"); ok && (maj < 3 || maj == 3 && min < 9) {
		return PostfixInstance
	}
	if _, installed := p.Version("postfix"); !installed && (p.VersionID == "12" || p.Codename == "bookworm") {
		return PostfixInstance
	}
	return PostfixUnit
}

// postfixInstance is PostfixInstanceUnit for the box env describes.
func postfixInstance(env *host.Env) string {
	p, err := env.Platform()
	if err != nil {
		return PostfixUnit
	}
	return PostfixInstanceUnit(p)
}
