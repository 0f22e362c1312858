// SPDX-License-Identifier: GPL-3.0-or-later

// Package staff turns a staff list exported from a spreadsheet into a
// starting site template (possectl init): Parse reads the CSV as Excel
// writes it, Build derives usernames, mail addresses, groups and shares by
// the rule of docs/staff-list.md (Transliterate spells names in ASCII),
// Render writes the commented template, and Init does all of it and makes
// the secrets file with site.GenerateMissingSecrets. Problems are
// site.Problems with the list's file and line. Nothing here touches the
// system.
package staff
