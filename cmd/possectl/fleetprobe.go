// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/internal/fleet"
)

// sshProber asks possed on each box of the fleet over SSH, as --host does:
// the same client, known_hosts and keys. It never accepts a host key: a
// box whose key is not in known_hosts is reported, not asked, and nothing
// prompts (the check runs unattended).
type sshProber struct {
	knownHosts string
	identities []string
	// dial is client.Dial; tests point it at a private bus.
	dial func(ctx context.Context, opts client.Options) (*client.Client, error)
}

// Probe logs in to the box, reads its status, health, backup state and
// disk use, and plans its template when it has one. When ctx ends the
// connection (and with it the SSH session) is closed.
func (p sshProber) Probe(ctx context.Context, e fleet.Entry) fleet.Box {
	dial := p.dial
	if dial == nil {
		dial = client.Dial
	}
	cl, err := dial(ctx, client.Options{Host: e.Host, KnownHostsFile: p.knownHosts, IdentityFiles: p.identities})
	if err != nil {
		return unreachable(ctx, err)
	}
	defer cl.Close()
	stop := context.AfterFunc(ctx, func() { cl.Close() })
	defer stop()

	st, err := cl.Status(ctx)
	if err != nil {
		return unreachable(ctx, err)
	}
	b := fleet.Box{Reachable: true, Hostname: st.Hostname, Site: st.Site, Version: st.Version}
	probeUpdates(ctx, cl, &b)
	if st.Site == "" {
		b.Backup = &fleet.Backup{}
		b.Drift = probeDrift(ctx, cl, e)
		return b
	}
	if svcs, err := cl.Health(ctx, ""); err != nil {
		b.Services = []fleet.Service{{Name: "possed", Detail: "cannot read the health: " + oneLine(err)}}
	} else {
		for _, s := range svcs {
			detail := s.Detail
			if detail == "" && !s.Healthy {
				detail = s.State
			}
			b.Services = append(b.Services, fleet.Service{Name: s.Name, OK: s.Healthy, Detail: detail})
		}
	}
	if bs, err := cl.BackupStatus(ctx); err != nil {
		b.BackupError = oneLine(err)
	} else {
		b.Backup = backupOf(bs)
	}
	if u, err := cl.Usage(ctx); err != nil {
		b.DiskError = oneLine(err)
	} else {
		for _, s := range u.Shares {
			b.Disk = append(b.Disk, fleet.Disk{Share: s.Name, Path: s.Path, UsedBytes: s.UsedBytes, FreeBytes: s.FreeBytes, SizeBytes: s.SizeBytes})
		}
	}
	b.Drift = probeDrift(ctx, cl, e)
	return b
}

// probeDrift plans the box's template against it (as possectl plan does
// through possed, with the secrets of the entry's file or the
// environment); nil when the box has no template.
func probeDrift(ctx context.Context, cl *client.Client, e fleet.Entry) *fleet.Drift {
	if e.Template == "" {
		return nil
	}
	d := &fleet.Drift{Template: e.Template}
	raw, secrets, err := readTemplate(e.Template, e.Secrets)
	if err != nil {
		d.Error = oneLine(err)
		return d
	}
	defer clear(secrets)
	p, err := cl.Plan(ctx, raw, secrets)
	switch {
	case err != nil:
		d.Error = oneLine(namedTemplate(err, e.Template))
	case len(p.Problems) > 0:
		d.Error = oneLine(templateProblems(e.Template, p.Problems))
	default:
		d.Steps = len(p.Steps)
	}
	return d
}

// probeUpdates counts the box's pending updates as apt's lists know them
// (they are not read again: that is the box's apt timer's job).
func probeUpdates(ctx context.Context, cl *client.Client, b *fleet.Box) {
	u, err := cl.Updates(ctx, false)
	if err != nil {
		b.UpdatesError = oneLine(err)
		return
	}
	b.Updates = &fleet.Updates{Pending: len(u.Pending), Security: int(u.Security)}
	if t, err := time.Parse(time.RFC3339, u.ListsUpdated); err == nil {
		b.Updates.ListsUpdated = t
	}
	if t, err := time.Parse(time.RFC3339, u.LastUpgrade); err == nil {
		b.Updates.LastUpgrade, b.Updates.LastUpgradeResult = t, u.LastUpgradeResult
	}
}

func backupOf(bs api.BackupStatus) *fleet.Backup {
	b := &fleet.Backup{Configured: bs.Configured, LastResult: bs.LastResult}
	if t, err := time.Parse(time.RFC3339, bs.LastRun); err == nil {
		b.LastRun = t
	}
	return b
}

// unreachable names why a box could not be asked (client.Unreachable),
// with what to do about a host key.
func unreachable(ctx context.Context, err error) fleet.Box {
	b := fleet.Box{Problem: client.Unreachable(ctx, err), Detail: oneLine(err)}
	var hke *client.HostKeyError
	if errors.As(err, &hke) {
		b.Detail = fmt.Sprintf("the box's key %s (%s) is not in %s; check it on the box, then connect once with --host and --accept-host-key", hke.Fingerprint, hke.KeyType, hke.KnownHosts)
		if hke.Changed {
			b.Detail = fmt.Sprintf("the box's key is now %s (%s) but %s:%d has another: someone may be intercepting the connection", hke.Fingerprint, hke.KeyType, hke.KnownHosts, hke.Line)
		}
	}
	return b
}

// oneLine keeps the first line of an error, for a table cell.
func oneLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
