// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/internal/fleet"
)

// fleetBackend is what the fleet screen reads from each box: a part of
// Backend, so that the tests' fake serves it too.
type fleetBackend interface {
	Status(ctx context.Context) (api.Status, error)
	Health(ctx context.Context, service string) ([]api.ServiceStatus, error)
	BackupStatus(ctx context.Context) (api.BackupStatus, error)
	Usage(ctx context.Context) (api.Usage, error)
	Close() error
}

// fleetProber asks possed on each box of the fleet over SSH as the connect
// screen does (the same known_hosts, SSH agent and keys), and reads what
// possectl fleet status reads: status, health, backup state and disk use.
// It never prompts: no host key is accepted (a box whose key is unknown is
// reported, and opening it goes through the connect screen, which asks)
// and polkit asks for no password. Drift is not checked: that needs the
// box's template and secrets, which possectl fleet status reads.
type fleetProber struct {
	// dial connects to host; nil means over SSH with client.Dial.
	dial func(ctx context.Context, host string) (fleetBackend, error)
}

// dialFleetBox connects to possed on host over SSH without prompting.
func dialFleetBox(ctx context.Context, host string) (fleetBackend, error) {
	return client.Dial(ctx, client.Options{Host: host})
}

// Probe asks one box; when ctx ends the connection is closed.
func (p fleetProber) Probe(ctx context.Context, e fleet.Entry) fleet.Box {
	dial := p.dial
	if dial == nil {
		dial = dialFleetBox
	}
	be, err := dial(ctx, e.Host)
	if err != nil {
		return unreachableBox(ctx, err)
	}
	defer be.Close()
	stop := context.AfterFunc(ctx, func() { be.Close() })
	defer stop()
	return probeBox(ctx, be)
}

// probeBox reads a connected box as possectl's prober does.
func probeBox(ctx context.Context, be fleetBackend) fleet.Box {
	st, err := be.Status(ctx)
	if err != nil {
		return unreachableBox(ctx, err)
	}
	b := fleet.Box{Reachable: true, Hostname: st.Hostname, Site: st.Site, Version: st.Version}
	if st.Site == "" {
		b.Backup = &fleet.Backup{}
		return b
	}
	if svcs, err := be.Health(ctx, ""); err != nil {
		b.Services = []fleet.Service{{Name: "possed", Detail: "cannot read the health: " + firstLine(err)}}
	} else {
		for _, s := range svcs {
			detail := s.Detail
			if detail == "" && !s.Healthy {
				detail = s.State
			}
			b.Services = append(b.Services, fleet.Service{Name: s.Name, OK: s.Healthy, Detail: detail})
		}
	}
	if bs, err := be.BackupStatus(ctx); err != nil {
		b.BackupError = firstLine(err)
	} else {
		b.Backup = &fleet.Backup{Configured: bs.Configured, LastResult: bs.LastResult}
		if t, err := time.Parse(time.RFC3339, bs.LastRun); err == nil {
			b.Backup.LastRun = t
		}
	}
	if u, err := be.Usage(ctx); err != nil {
		b.DiskError = firstLine(err)
	} else {
		for _, s := range u.Shares {
			b.Disk = append(b.Disk, fleet.Disk{Share: s.Name, Path: s.Path, UsedBytes: s.UsedBytes, FreeBytes: s.FreeBytes, SizeBytes: s.SizeBytes})
		}
	}
	return b
}

// unreachableBox names why a box could not be asked, with the problems
// possectl fleet status uses (client.Unreachable).
func unreachableBox(ctx context.Context, err error) fleet.Box {
	b := fleet.Box{Problem: client.Unreachable(ctx, err), Detail: firstLine(err)}
	var hke *client.HostKeyError
	if errors.As(err, &hke) {
		b.Detail = hke.Fingerprint
	}
	return b
}

// firstLine keeps an error's first line, for a row.
func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
