// SPDX-License-Identifier: GPL-3.0-or-later

package fleet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon/api"
)

// Conn is what the prober reads from one box's possed; *client.Client
// has it, and tests give a fake.
type Conn interface {
	Status(ctx context.Context) (api.Status, error)
	Health(ctx context.Context, service string) ([]api.ServiceStatus, error)
	BackupStatus(ctx context.Context) (api.BackupStatus, error)
	Usage(ctx context.Context) (api.Usage, error)
	Updates(ctx context.Context, refresh bool) (api.Updates, error)
	Certificates(ctx context.Context) ([]api.Certificate, error)
	Plan(ctx context.Context, template []byte, secrets map[string]string) (api.PlanResult, error)
	Close() error
}

// SSHProber asks possed on each box of the fleet over SSH, as --host
// does: the same client, known_hosts and keys. It is the one prober of
// possectl fleet status and the app's fleet screen. It never accepts a
// host key: a box whose key is not in known_hosts is reported, not
// asked, and nothing prompts (the check runs unattended).
type SSHProber struct {
	// KnownHosts and Identities are client.Options' KnownHostsFile and
	// IdentityFiles ("" and nil: the defaults).
	KnownHosts string
	Identities []string
	// Dial connects to the box of an entry; nil means client.Dial over
	// SSH to e.Host. Tests point it at a private bus.
	Dial func(ctx context.Context, e Entry) (Conn, error)
	// ReadTemplate reads a template and the values of the secrets it
	// references (from the secrets file, or the environment when
	// secrets is ""); secrets it does not find are left to possed,
	// which may have kept them. Nil reads the template as it is and
	// sends no secrets.
	ReadTemplate func(file, secrets string) ([]byte, map[string]string, error)
}

// Probe logs in to the box and reads its status, health, backup state
// (with its copies and last restore drill), certificates, disk use and
// pending updates, and plans its template when it has one. When ctx ends
// the connection (and with it the SSH session) is closed.
func (p SSHProber) Probe(ctx context.Context, e Entry) Box {
	dial := p.Dial
	if dial == nil {
		dial = func(ctx context.Context, e Entry) (Conn, error) {
			c, err := client.Dial(ctx, client.Options{Host: e.Host, KnownHostsFile: p.KnownHosts, IdentityFiles: p.Identities})
			if err != nil {
				return nil, err
			}
			return c, nil
		}
	}
	cl, err := dial(ctx, e)
	if err != nil {
		return Unreachable(ctx, err)
	}
	defer cl.Close()
	stop := context.AfterFunc(ctx, func() { cl.Close() })
	defer stop()
	return p.probe(ctx, cl, e)
}

// probe reads a connected box.
func (p SSHProber) probe(ctx context.Context, cl Conn, e Entry) Box {
	st, err := cl.Status(ctx)
	if err != nil {
		return Unreachable(ctx, err)
	}
	b := Box{Reachable: true, Hostname: st.Hostname, Site: st.Site, Version: st.Version}
	probeUpdates(ctx, cl, &b)
	if st.Site == "" {
		b.Backup = &Backup{}
		b.Drift = p.drift(ctx, cl, e)
		return b
	}
	if svcs, err := cl.Health(ctx, ""); err != nil {
		b.Services = []Service{{Name: "possed", Detail: "cannot read the health: " + oneLine(err)}}
	} else {
		for _, s := range svcs {
			detail := s.Detail
			if detail == "" && !s.Healthy {
				detail = s.State
			}
			b.Services = append(b.Services, Service{Name: s.Name, OK: s.Healthy, Detail: detail})
		}
	}
	if bs, err := cl.BackupStatus(ctx); err != nil {
		b.BackupError = oneLine(err)
	} else {
		b.Backup = backupOf(bs)
	}
	if cs, err := cl.Certificates(ctx); err != nil {
		b.CertsError = oneLine(err)
	} else {
		b.Certs = []Cert{}
		for _, c := range cs {
			if t, err := time.Parse(time.RFC3339, c.NotAfter); err == nil {
				b.Certs = append(b.Certs, Cert{Name: c.Name, Path: c.Path, NotAfter: t})
			}
		}
	}
	if u, err := cl.Usage(ctx); err != nil {
		b.DiskError = oneLine(err)
	} else {
		for _, s := range u.Shares {
			b.Disk = append(b.Disk, Disk{Share: s.Name, Path: s.Path, UsedBytes: s.UsedBytes, FreeBytes: s.FreeBytes, SizeBytes: s.SizeBytes})
		}
	}
	b.Drift = p.drift(ctx, cl, e)
	return b
}

// drift plans the box's template against it (as possectl plan does
// through possed); nil when the box has no template.
func (p SSHProber) drift(ctx context.Context, cl Conn, e Entry) *Drift {
	if e.Template == "" {
		return nil
	}
	d := &Drift{Template: e.Template}
	read := p.ReadTemplate
	if read == nil {
		read = func(file, _ string) ([]byte, map[string]string, error) {
			raw, err := os.ReadFile(file)
			return raw, nil, err
		}
	}
	raw, secrets, err := read(e.Template, e.Secrets)
	if err != nil {
		d.Error = oneLine(err)
		return d
	}
	defer clear(secrets)
	pl, err := cl.Plan(ctx, raw, secrets)
	switch {
	case err != nil:
		d.Error = namedLine(e.Template, oneLine(err))
	case len(pl.Problems) > 0:
		d.Error = strings.TrimSpace(firstLine(client.ProblemLines(e.Template, pl.Problems)))
	default:
		d.Steps = len(pl.Steps)
	}
	return d
}

// probeUpdates counts the box's pending updates as apt's lists know them
// (they are not read again: that is the box's apt timer's job).
func probeUpdates(ctx context.Context, cl Conn, b *Box) {
	u, err := cl.Updates(ctx, false)
	if err != nil {
		b.UpdatesError = oneLine(err)
		return
	}
	b.Updates = &Updates{Pending: len(u.Pending), Security: int(u.Security)}
	if t, err := time.Parse(time.RFC3339, u.ListsUpdated); err == nil {
		b.Updates.ListsUpdated = t
	}
	if t, err := time.Parse(time.RFC3339, u.LastUpgrade); err == nil {
		b.Updates.LastUpgrade, b.Updates.LastUpgradeResult = t, u.LastUpgradeResult
	}
}

// backupOf reads the backup's, its copies' and its last drill's runs.
func backupOf(bs api.BackupStatus) *Backup {
	b := &Backup{Configured: bs.Configured, LastResult: bs.LastResult, DrillResult: bs.LastDrillResult, DrillDetail: bs.LastDrillDetail}
	b.LastRun = parseTime(bs.LastRun)
	b.LastDrill = parseTime(bs.LastDrill)
	for _, c := range bs.Copies {
		b.Copies = append(b.Copies, Copy{Name: c.Name, LastRun: parseTime(c.LastRun), LastResult: c.LastResult, LastSuccess: parseTime(c.LastSuccess)})
	}
	return b
}

// parseTime reads an RFC 3339 time; "" or a bad one is the zero time.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// Unreachable names why a box could not be asked (client.Unreachable),
// with what to do about a host key.
func Unreachable(ctx context.Context, err error) Box {
	b := Box{Problem: client.Unreachable(ctx, err), Detail: oneLine(err)}
	var hke *client.HostKeyError
	if errors.As(err, &hke) {
		b.Detail = fmt.Sprintf("the box's key %s (%s) is not in %s; check it on the box, then connect once with --host and --accept-host-key", hke.Fingerprint, hke.KeyType, hke.KnownHosts)
		if hke.Changed {
			b.Detail = fmt.Sprintf("the box's key is now %s (%s) but %s:%d has another: someone may be intercepting the connection", hke.Fingerprint, hke.KeyType, hke.KnownHosts, hke.Line)
		}
	}
	return b
}

// namedLine puts the template's file name where possed says "template"
// ("template:4:3: …" becomes "FILE:4:3: …").
func namedLine(file, line string) string {
	if rest, ok := strings.CutPrefix(line, "template:"); ok && rest != "" && rest[0] >= '0' && rest[0] <= '9' {
		return file + ":" + rest
	}
	return line
}

// oneLine keeps the first line of an error, for a table cell.
func oneLine(err error) string { return firstLine(err.Error()) }

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
