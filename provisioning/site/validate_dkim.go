// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"fmt"
	"regexp"
)

// DKIM configures DKIM signing of outgoing mail (mail.dkim). Signing is
// on for every mail domain unless Enabled is false; an absent dkim key
// means on with DefaultDKIMSelector.
type DKIM struct {
	// Enabled false turns signing off; absent or true signs.
	Enabled *bool `yaml:"enabled" json:"enabled,omitempty"`
	// Selector names the key in DNS (SELECTOR._domainkey.DOMAIN); default
	// DefaultDKIMSelector.
	Selector string `yaml:"selector" json:"selector,omitempty"`
}

// DefaultDKIMSelector is the selector of a site that names none. It never
// changes with the date: a new selector means a new key to publish.
const DefaultDKIMSelector = "posse"

// DKIMSelectorPattern is a selector: one lower-case DNS label.
const DKIMSelectorPattern = `^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`

var dkimSelectorRE = regexp.MustCompile(DKIMSelectorPattern)

// ValidDKIMSelector reports whether s is a selector Posse accepts: one
// lower-case DNS label of 1–63 characters (it also names the key file).
func ValidDKIMSelector(s string) bool { return dkimSelectorRE.MatchString(s) }

// DKIMOn reports whether outgoing mail is signed: the site has mail and
// mail.dkim does not say enabled: false.
func (m *Mail) DKIMOn() bool {
	return m != nil && (m.DKIM == nil || m.DKIM.Enabled == nil || *m.DKIM.Enabled)
}

// DKIMSelector is the selector in use: mail.dkim.selector or
// DefaultDKIMSelector.
func (m *Mail) DKIMSelector() string {
	if m == nil || m.DKIM == nil || m.DKIM.Selector == "" {
		return DefaultDKIMSelector
	}
	return m.DKIM.Selector
}

const (
	errDKIMSelector     = "dkim selector %q is not one lower-case DNS label"
	hintDKIMSelector    = `use 1 to 63 of a-z, 0-9 and "-", not starting or ending with "-", such as selector: "posse2026"`
	errDKIMSelectorOff  = "dkim selector %q is set but signing is off (enabled: false)"
	hintDKIMSelectorOff = "remove the selector, or remove enabled: false to sign"
)

// dkim checks mail.dkim.
func (v *validator) dkim() {
	m := v.s.Mail
	if m == nil || m.DKIM == nil {
		return
	}
	sel := m.DKIM.Selector
	switch {
	case sel == "":
	case !ValidDKIMSelector(sel):
		v.add("mail.dkim.selector", fmt.Sprintf(errDKIMSelector, sel), hintDKIMSelector)
	case !m.DKIMOn():
		v.add("mail.dkim.selector", fmt.Sprintf(errDKIMSelectorOff, sel), hintDKIMSelectorOff)
	}
}
