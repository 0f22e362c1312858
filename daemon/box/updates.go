// SPDX-License-Identifier: GPL-3.0-or-later

package box

import (
	"context"
	"fmt"
	"time"

	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/services/system"
)

// Updates lists the pending Debian updates (apt's simulation of an
// upgrade); with refresh it runs apt-get update first. It needs no
// applied site.
func (b *Box) Updates(ctx context.Context, refresh bool) (api.Updates, error) {
	if b.Offline {
		return api.Updates{}, daemon.NotAvailable("listing updates with --root")
	}
	env, closeEnv, err := b.realEnv(ctx, nil)
	if err != nil {
		return api.Updates{}, err
	}
	defer closeEnv()
	var r api.Updates
	if refresh {
		if err := system.RefreshLists(ctx, env); err != nil {
			return api.Updates{}, err
		}
		r.Refreshed = true
	}
	us, err := system.PendingUpdates(ctx, env)
	if err != nil {
		return api.Updates{}, err
	}
	r.ID = system.UpdatesID(us)
	r.Pending = toAPIUpdates(us)
	for _, u := range us {
		if u.Security {
			r.Security++
		}
	}
	if t := system.ListsUpdated(env); !t.IsZero() {
		r.ListsUpdated = t.UTC().Format(time.RFC3339)
	}
	r.Running = system.UpgradeRunning(ctx, env)
	if last, ok := system.LastUpgrade(env); ok {
		r.LastUpgrade, r.LastUpgradeResult, r.LastUpgradePackages = last.At.UTC().Format(time.RFC3339), last.Result, int32(last.Packages)
	}
	return r, nil
}

// ApplyUpdates installs the pending updates in system.UpdatesUnit when
// their set is the one id names ("" for any), and reports which packages
// changed and what is still pending. It does not read the lists again.
func (b *Box) ApplyUpdates(ctx context.Context, id string) (api.UpdatesApplied, error) {
	if b.Offline {
		return api.UpdatesApplied{}, daemon.NotAvailable("installing updates with --root")
	}
	env, closeEnv, err := b.realEnv(ctx, nil)
	if err != nil {
		return api.UpdatesApplied{}, err
	}
	defer closeEnv()
	r := api.UpdatesApplied{Unit: system.UpdatesUnit}
	before, err := system.PendingUpdates(ctx, env)
	if err != nil {
		return r, err
	}
	if id != "" && system.UpdatesID(before) != id {
		return r, invalid(fmt.Errorf("the pending updates changed since they were listed; list them again and check the new plan"))
	}
	if len(before) == 0 {
		return r, nil
	}
	if system.UpgradeRunning(ctx, env) {
		return r, api.Keyed(fmt.Errorf("an upgrade already runs in %s: journalctl -u %s follows it", system.UpdatesUnit, system.UpdatesUnit), api.KeyUpdatesRunning)
	}
	log, upErr := system.Upgrade(ctx, env)
	r.Log = log
	names := make([]string, len(before))
	for i, u := range before {
		names[i] = u.Package
	}
	now, err := system.InstalledVersions(ctx, env, names)
	if err != nil && upErr == nil {
		upErr = err
	}
	for _, u := range before {
		if v := now[u.Package]; v != "" && v != u.Installed {
			u.Installed = v
			r.Upgraded = append(r.Upgraded, toAPIUpdates([]system.Update{u})...)
		}
	}
	if after, err := system.PendingUpdates(ctx, env); err == nil {
		r.Pending = int32(len(after))
	} else if upErr == nil {
		upErr = err
	}
	rec := system.UpgradeRecord{At: time.Now(), Packages: len(r.Upgraded), Result: "success"}
	if upErr != nil {
		rec.Result, rec.Error = "failed", upErr.Error()
	}
	if err := system.SaveUpgradeRecord(env, rec); err != nil && upErr == nil {
		upErr = fmt.Errorf("the updates are installed, but recording the upgrade failed: %w", err)
	}
	return r, upErr
}

func toAPIUpdates(us []system.Update) []api.PendingUpdate {
	out := make([]api.PendingUpdate, 0, len(us))
	for _, u := range us {
		out = append(out, api.PendingUpdate{Package: u.Package, Installed: u.Installed, Candidate: u.Candidate, Origin: u.Origin, Security: u.Security})
	}
	return out
}
