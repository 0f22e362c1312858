// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"context"
	"fmt"
	"time"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
)

// SiteLocation is the site's time zone, whose hours, days and weeks the
// keep rules count: site.timezone, else the box's own.
func SiteLocation(st *site.Site) *time.Location {
	if st.Site.Timezone != "" {
		if loc, err := time.LoadLocation(st.Site.Timezone); err == nil {
			return loc
		}
	}
	return time.Local
}

// TakeSiteSnapshots takes a snapshot of every share of the applied site
// st with snapshots, or of the one named share, and prunes by the site's
// keep rules (see TakeSnapshots). The result is a TakeResult; it is
// typed any so that commands reach it through provisioning's service
// list without importing this package (they read its JSON form).
func (s *Service) TakeSiteSnapshots(ctx context.Context, st *site.Site, env *host.Env, share string, now time.Time) (any, error) {
	cfg, shares, err := siteSnapshotShares(ctx, st, env, share)
	if err != nil {
		return nil, err
	}
	unlock, err := snapshotLock(ctx, env)
	if err != nil {
		return nil, err
	}
	defer unlock()
	res, err := TakeSnapshots(ctx, env, shares, cfg.Snapshots.Keep, now, SiteLocation(st), nil)
	if share == "" || res.Warning != "" { // a take of one share says nothing of the others
		if serr := saveSpaceWarning(env, now, res.Warning); serr != nil && err == nil {
			err = fmt.Errorf("snapshots taken, but the warning about space could not be kept for status: %w", serr)
		}
	}
	return res, err
}

// ListSiteSnapshots lists the snapshots of every share of st with
// snapshots, or of the one named share, newest first per share, as a
// []Snapshot (typed any, see TakeSiteSnapshots).
func (s *Service) ListSiteSnapshots(ctx context.Context, st *site.Site, env *host.Env, share string) (any, error) {
	_, shares, err := siteSnapshotShares(ctx, st, env, share)
	if err != nil {
		return nil, err
	}
	out := []Snapshot{}
	for _, sh := range shares {
		l, err := ListSnapshots(env, sh)
		if err != nil {
			return nil, err
		}
		out = append(out, l...)
	}
	return out, nil
}

// siteSnapshotShares finds the shares and home folders to snapshot: those
// of the template and the home folders of the users created through
// possed (DesiredConfig); the template's alone when the directory does
// not answer.
func siteSnapshotShares(ctx context.Context, st *site.Site, env *host.Env, share string) (Config, []Share, error) {
	cfg, _, err := DesiredConfig(ctx, st, env)
	if err != nil {
		if cfg, err = FromSite(st); err != nil {
			return Config{}, nil, err
		}
	}
	shares, err := SnapshotShares(cfg, share)
	if err != nil {
		return Config{}, nil, err
	}
	if cfg.Snapshots == nil {
		cfg.Snapshots = &site.Snapshots{}
	}
	return cfg, shares, nil
}
