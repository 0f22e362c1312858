// SPDX-License-Identifier: GPL-3.0-or-later

// Package rules holds the pure rules about names and passwords that every
// part of Posse applies alike: the password policy, its check and the one
// password generator, the grammar of usernames and mail addresses, and
// which accounts belong to Posse's services. The site model
// (provisioning/site) builds on it, and the desktop app checks its input
// with it before anything reaches possed, so both always agree. It
// imports only the standard library.
package rules
