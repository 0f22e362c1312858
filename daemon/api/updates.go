// SPDX-License-Identifier: GPL-3.0-or-later

package api

// UpdatesInterface carries the Debian package updates: List (what is
// pending) and Apply (install it through posse-updates.service).
const UpdatesInterface = Interface + ".Updates"

// PendingUpdate is one package that an upgrade would change.
type PendingUpdate struct {
	Package string
	// Installed is the version installed now, Candidate the one the
	// upgrade installs.
	Installed string
	Candidate string
	// Origin is where the candidate comes from as apt names it
	// ("Debian-Security:13/stable-security"; several joined by ", ").
	Origin string
	// Security is set when an origin's suite ends in -security.
	Security bool
}

// Updates is the box's pending updates.
type Updates struct {
	// ID identifies this set of packages and versions; Apply with it
	// installs exactly these or refuses when the set changed.
	ID      string
	Pending []PendingUpdate
	// Security counts the pending updates from a -security suite.
	Security int32
	// ListsUpdated is when the package lists were last read from the
	// repositories (RFC 3339, "" when unknown); Refreshed is set when this
	// call ran apt-get update.
	ListsUpdated string
	Refreshed    bool
	// Running is set while posse-updates.service runs an upgrade.
	Running bool
	// LastUpgrade is when Posse last ran an upgrade (RFC 3339, "" never),
	// LastUpgradeResult "success" or "failed", LastUpgradePackages how
	// many packages it changed.
	LastUpgrade         string
	LastUpgradeResult   string
	LastUpgradePackages int32
}

// UpdatesApplied says what an upgrade did.
type UpdatesApplied struct {
	// Unit is the systemd unit the upgrade ran in.
	Unit string
	// Upgraded are the packages changed, Installed their version now.
	Upgraded []PendingUpdate
	// Pending counts the updates still pending afterwards.
	Pending int32
	// Log is the end of the upgrade's output.
	Log string
}
