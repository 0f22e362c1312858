// SPDX-License-Identifier: GPL-3.0-or-later

package client

import (
	"context"
	"time"

	"github.com/posse-project/posse/daemon/api"
)

// UpgradeTimeout bounds the wait for an upgrade of the box's packages;
// the upgrade goes on in its unit if the wait ends first.
const UpgradeTimeout = time.Hour

// Updates lists the pending Debian updates; refresh reads the package
// lists from the repositories first (apt-get update).
func (c *Client) Updates(ctx context.Context, refresh bool) (api.Updates, error) {
	var r api.Updates
	return r, c.call(ctx, api.UpdatesInterface, "List", []any{&r}, refresh)
}

// ApplyUpdates installs the pending updates whose set Updates returned
// with id ("" for whatever is pending), and returns when the upgrade has
// finished. When the set changed since, possed installs nothing and
// returns an invalid-input error saying so.
func (c *Client) ApplyUpdates(ctx context.Context, id string) (api.UpdatesApplied, error) {
	var r api.UpdatesApplied
	return r, c.callWithin(ctx, UpgradeTimeout, api.UpdatesInterface, "Apply", []any{&r}, id)
}
