// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"fmt"
)

// Notify sends alerts by mail (notify): a failed backup, copy, check or
// drill, a full disk, a failed service or an expiring certificate. The
// mail goes out through the box's own Postfix, so the site needs mail.
type Notify struct {
	// To are the addresses the alerts go to.
	To []string `yaml:"to" json:"to"`
	// From is the sender; default posse@<site.domain> (NotifyFrom).
	From string `yaml:"from" json:"from,omitempty"`
}

// NotifyUnit is the unit of the check run that mails the alerts; a
// service whose runs should alert at once when they fail names it in
// OnFailure=.
const NotifyUnit = "posse-notify.service"

// MaxNotifyRecipients limits notify.to.
const MaxNotifyRecipients = 20

// NotifyFrom returns the sender of the alerts: notify.from, or
// posse@<site.domain>.
func (s *Site) NotifyFrom() string {
	if s.Notify != nil && s.Notify.From != "" {
		return s.Notify.From
	}
	return "posse@" + s.Site.Domain
}

const (
	hintNotifyTo       = "list the addresses that get the alerts, such as to: [it@mueller-partner.example]"
	hintNotifyNeedMail = "add mail: with domains: the alerts go out through the box's own Postfix"
	hintNotifyFewer    = "send the alerts to an alias under mail.aliases and list that here"
)

// notify checks notify: at least one recipient, each a valid address and
// given once, a valid sender, and a mail section to send them with.
func (v *validator) notify() {
	n := v.s.Notify
	if n == nil {
		return
	}
	if v.s.Mail == nil {
		v.add("notify", "notify needs a mail section", hintNotifyNeedMail)
	}
	if v.required("notify.to", len(n.To) == 0, hintNotifyTo) && len(n.To) > MaxNotifyRecipients {
		v.add("notify.to", fmt.Sprintf("notify.to lists %d addresses, more than %d", len(n.To), MaxNotifyRecipients), hintNotifyFewer)
	}
	first := seen{}
	for i, a := range n.To {
		path := fmt.Sprintf("notify.to[%d]", i)
		if !v.plainAddress(path, a, "notify address") {
			continue
		}
		v.dup(first, a, path, "notify address", a)
	}
	if n.From != "" {
		v.plainAddress("notify.from", n.From, "notify sender")
	}
}

// plainAddress checks a lower-case mail address that may be in any
// domain.
func (v *validator) plainAddress(path, addr, what string) bool {
	if ValidEmail(addr) {
		return true
	}
	v.add(path, fmt.Sprintf(errAddressInvalid, what, clipName(addr)), addressHint(addr))
	return false
}
