// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"context"
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
	cfg, shares, err := siteSnapshotShares(st, share)
	if err != nil {
		return nil, err
	}
	return TakeSnapshots(ctx, env, shares, cfg.Snapshots.Keep, now, SiteLocation(st))
}

// ListSiteSnapshots lists the snapshots of every share of st with
// snapshots, or of the one named share, newest first per share, as a
// []Snapshot (typed any, see TakeSiteSnapshots).
func (s *Service) ListSiteSnapshots(_ context.Context, st *site.Site, env *host.Env, share string) (any, error) {
	_, shares, err := siteSnapshotShares(st, share)
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

func siteSnapshotShares(st *site.Site, share string) (Config, []Share, error) {
	cfg, err := FromSite(st)
	if err != nil {
		return Config{}, nil, err
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
