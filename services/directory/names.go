// SPDX-License-Identifier: GPL-3.0-or-later

package directory

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/posse-project/posse/provisioning/site"
)

// The name grammars are the site template's (provisioning/site). Every name
// is checked against them before it reaches an LDAP filter or DN, a config
// file or a command; the checks for LDAP live in services/ad.
var (
	realmRE     = regexp.MustCompile(site.RealmPattern)
	workgroupRE = regexp.MustCompile(site.WorkgroupPattern)
)

// quote prints a possibly hostile name safely in messages.
func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return fmt.Sprintf("%q", s)
}

// secretName returns NAME from a ${secret:NAME} reference.
func secretName(ref site.SecretRef) (string, error) {
	name, ok := ref.Name()
	if !ok {
		return "", fmt.Errorf("%s is not a secret reference: write ${secret:NAME}", quote(string(ref)))
	}
	return name, nil
}
