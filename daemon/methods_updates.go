// SPDX-License-Identifier: GPL-3.0-or-later

package daemon

import (
	"context"
	"fmt"
	"regexp"

	"github.com/godbus/dbus/v5"
	"github.com/posse-project/posse/daemon/api"
)

// updates is the object on api.UpdatesInterface.
type updates struct{ s *Server }

// List returns the pending Debian updates; refresh runs apt-get update
// first.
func (o *updates) List(sender dbus.Sender, msg dbus.Message, refresh bool) (api.Updates, *dbus.Error) {
	c, derr := o.s.begin(sender, msg, api.UpdatesInterface, "List")
	if derr != nil {
		return api.Updates{}, derr
	}
	defer c.end()
	r, err := o.s.backend.Updates(c.ctx, refresh)
	r.Pending = nonNil(r.Pending)
	return r, c.done(err)
}

// updatesID is the form of api.Updates.ID.
var updatesID = regexp.MustCompile(`^[0-9a-f]{1,64}$`)

// Apply installs the pending updates whose set has id ("" for whatever is
// pending) and returns when the upgrade has finished.
func (o *updates) Apply(sender dbus.Sender, msg dbus.Message, id string) (api.UpdatesApplied, *dbus.Error) {
	c, derr := o.s.begin(sender, msg, api.UpdatesInterface, "Apply")
	if derr != nil {
		return api.UpdatesApplied{}, derr
	}
	defer c.end()
	if id != "" && !updatesID.MatchString(id) {
		return api.UpdatesApplied{}, c.invalid(fmt.Errorf("updates id %q is not one that List returns", clip(id)))
	}
	var r api.UpdatesApplied
	derr = c.changeLong(func(ctx context.Context) error {
		var err error
		r, err = o.s.backend.ApplyUpdates(ctx, id)
		return err
	})
	r.Upgraded = nonNil(r.Upgraded)
	return r, derr
}
