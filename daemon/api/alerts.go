// SPDX-License-Identifier: GPL-3.0-or-later

package api

// Alerts is the site's alerts by mail (its notify section) and the
// problems the last check run left open, read with the health action.
type Alerts struct {
	// Configured is false when the site has no notify section; the other
	// fields are empty then.
	Configured bool
	// To are the recipients and From the sender of the alert mails.
	To   []string
	From string
	// LastCheck is when the last check run was (RFC 3339, "" when none
	// ran yet).
	LastCheck string
	// Open are the open problems, sorted by key.
	Open []Alert
}

// Alert is one open problem: what is wrong, since when and what to do.
type Alert struct {
	// Key identifies the problem across check runs: "backup", "check",
	// "drill", "copy:NAME", "disk:PATH", "unit:NAME", "cert:PATH".
	Key string
	// Subject says in one line what is wrong (the mail's subject).
	Subject string
	// What says what happened, Next what to do about it.
	What string
	Next string
	// Since is when the problem was first seen (RFC 3339); LastMail when
	// its last mail went out (RFC 3339, "" when none could be sent yet).
	Since    string
	LastMail string
}
