// SPDX-License-Identifier: GPL-3.0-or-later

// Package box is possed's real Backend: it plans and applies sites with
// the provisioning engine, reads the site last applied, manages users and
// groups in the domain through services/directory, changes shares and mail
// aliases by editing the applied template and applying it, and reports unit
// states from systemd over the system bus.
package box

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/internal/version"
	"github.com/posse-project/posse/provisioning"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/host/execx"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/ad"
	"github.com/posse-project/posse/services/directory"
	"github.com/posse-project/posse/services/mail"
	"github.com/posse-project/posse/services/systemd"
)

// Box is the Backend for the box possed runs on.
type Box struct {
	daemon.Unavailable

	// Root and StateDir locate the box's files (default "/" and
	// host.DefaultStateDir); tests point them at a temp dir.
	Root     string
	StateDir string
	// Offline renders under Root only: applies write files, and nothing
	// starts units, runs commands or reaches the directory (possectl
	// --root).
	Offline bool
	// Bus is the system bus, for unit states (nil: states are "unknown").
	Bus *dbus.Conn
	// OpenDirectory connects to the domain; default ad.OpenEnv.
	OpenDirectory func(ctx context.Context, env *host.Env, c ad.ConnSpec) (ad.Directory, error)
	// Services are planned and applied; default Services().
	Services func() []provisioning.Service
	// Hostname of the box; default os.Hostname.
	Hostname string
	// Runner runs restic and the commands of applies; default execx.
	Runner host.Runner
	// Units starts and stops units for applies; nil: systemd on the
	// system bus. Tests set a fake.
	Units host.Units
	// UsageLimits bound the background walk that measures the shares.
	UsageLimits UsageLimits
	// WalkDir measures a directory for Usage; default DiskUse.
	WalkDir func(dir string, deadline time.Time, maxFiles uint64) (used, files uint64, complete bool, err error)
	// Now is the clock of Usage's cache; default time.Now.
	Now func() time.Time

	usage usageState
	// applyMu serialises this possed's applies: a site apply and the home
	// folder sync wait for each other instead of one failing on the
	// engine's lock.
	applyMu   sync.Mutex
	homes     homeSync
	homesOnce sync.Once
	mu        sync.Mutex
	dir       ad.Directory
	key       string
	// cache is the applied site as last read; cacheMu guards it apart
	// from mu, which is held while dialling the directory.
	cacheMu sync.Mutex
	cache   struct {
		key     string
		site    *site.Site
		secrets *site.Store
	}
}

var (
	_ daemon.Backend     = (*Box)(nil)
	_ daemon.PlanApplier = (*Box)(nil)
)

// New returns the backend for this box, using bus for systemd.
func New(bus *dbus.Conn) *Box {
	return &Box{Bus: bus}
}

// env is the environment for reading and changing the box.
func (b *Box) env(secrets host.Secrets) *host.Env {
	e := &host.Env{Root: b.Root, StateDir: b.StateDir, Secrets: secrets, Hostname: b.hostname(), IP: host.PrimaryIP()}
	if e.Root == "" {
		e.Root = "/"
	}
	return e
}

// cmdEnv is env with the command runner, for reading the box with its
// tools (no systemd).
func (b *Box) cmdEnv(secrets host.Secrets) *host.Env {
	e := b.env(secrets)
	e.Runner = b.Runner
	if e.Runner == nil {
		e.Runner = execx.New()
	}
	return e
}

func (b *Box) hostname() string {
	if b.Hostname != "" {
		return b.Hostname
	}
	h, _ := os.Hostname()
	return h
}

// applied returns the site last applied and its kept secrets. They are
// parsed again only when either file changed (status is polled).
func (b *Box) applied() (*site.Site, *site.Store, error) {
	env := b.env(nil)
	key := fileKey(env.State(provisioning.AppliedSiteFile)) + "|" + fileKey(env.State(provisioning.AppliedSecretsFile))
	b.cacheMu.Lock()
	if b.cache.key == key && b.cache.site != nil {
		s, st := b.cache.site, b.cache.secrets
		b.cacheMu.Unlock()
		return s, st, nil
	}
	b.cacheMu.Unlock()
	s, st, err := provisioning.LoadApplied(env)
	if err != nil {
		return nil, nil, mark(daemon.ErrNotAvailable, err)
	}
	b.cacheMu.Lock()
	b.cache.key, b.cache.site, b.cache.secrets = key, s, st
	b.cacheMu.Unlock()
	return s, st, nil
}

// fileKey identifies a file's version by size and modification time.
func fileKey(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return "missing"
	}
	return fmt.Sprintf("%d.%d", fi.Size(), fi.ModTime().UnixNano())
}

// Status implements daemon.Backend.
func (b *Box) Status(ctx context.Context) (api.Status, error) {
	st := api.Status{Version: version.Version, Hostname: b.hostname()}
	s, _, err := b.applied()
	if err != nil {
		return st, nil // nothing applied yet: version and host name only
	}
	st.Site, st.TemplateHash = s.Site.Name, s.Source.Hash
	st.Services = b.unitStates(ctx, siteServices(s))
	return st, nil
}

type svcUnit struct{ name, unit string }

// siteServices are the services a site runs with their main units.
func siteServices(s *site.Site) []svcUnit {
	out := []svcUnit{{directory.Name, directory.Unit}}
	if s.Mail != nil {
		p, _ := host.ReadPlatform("/")
		out = append(out, svcUnit{mail.Name, mail.PostfixInstanceUnit(p)}, svcUnit{mail.Name, mail.DovecotUnit})
	}
	return out
}

// unitInfo is one entry of systemd's ListUnitsByNames.
type unitInfo struct {
	Name, Description, LoadState, ActiveState, SubState, Following string
	Path                                                           dbus.ObjectPath
	JobID                                                          uint32
	JobType                                                        string
	JobPath                                                        dbus.ObjectPath
}

// unitStates asks systemd for the ActiveState of every unit in one call.
func (b *Box) unitStates(ctx context.Context, svcs []svcUnit) []api.ServiceStatus {
	out := make([]api.ServiceStatus, len(svcs))
	names := make([]string, len(svcs))
	for i, s := range svcs {
		out[i] = api.ServiceStatus{Name: s.name, Unit: s.unit, State: "unknown"}
		names[i] = s.unit
	}
	if b.Bus == nil {
		for i := range out {
			out[i].Detail = "systemd is not reachable"
		}
		return out
	}
	var infos []unitInfo
	err := b.Bus.Object("org.freedesktop.systemd1", "/org/freedesktop/systemd1").
		CallWithContext(ctx, "org.freedesktop.systemd1.Manager.ListUnitsByNames", 0, names).Store(&infos)
	for i := range out {
		switch {
		case err != nil:
			out[i].Detail = "cannot ask systemd: " + err.Error()
		case i < len(infos) && infos[i].Name == out[i].Unit:
			out[i].State = infos[i].ActiveState
			out[i].Healthy = out[i].State == "active"
			if !out[i].Healthy {
				out[i].Detail = api.UnitDetail(out[i].Unit, out[i].State)
			}
		}
	}
	return out
}

// Health implements daemon.Backend: for each service the site runs, the
// state of its main units and the service's own full health probe (the
// same probes as 'possectl status --direct'); services without a main unit
// (files, backup) report their probe alone.
func (b *Box) Health(ctx context.Context, service string) ([]api.ServiceStatus, error) {
	s, store, err := b.applied()
	if err != nil {
		return nil, err
	}
	svcs := siteServices(s)
	type result struct {
		detail string
		err    error
	}
	probed := map[string]result{}
	probe := func(r *api.ServiceStatus) {
		res, ok := probed[r.Name]
		if !ok {
			res.detail, res.err = b.probe(ctx, s, store, r.Name)
			probed[r.Name] = res
		}
		if res.err != nil {
			r.Healthy, r.Detail = false, res.err.Error()
		} else if r.Detail == "" {
			r.Detail = res.detail
		}
	}
	var out []api.ServiceStatus
	for _, r := range b.unitStates(ctx, svcs) {
		if service != "" && r.Name != service {
			continue
		}
		if r.Healthy {
			probe(&r)
		}
		out = append(out, r)
	}
	for _, name := range unitlessServices(s) {
		if service != "" && name != service {
			continue
		}
		r := api.ServiceStatus{Name: name, State: "n/a", Healthy: true}
		probe(&r)
		out = append(out, r)
	}
	if service != "" && len(out) == 0 {
		all := names(svcs)
		if extra := unitlessServices(s); len(extra) > 0 {
			all += ", " + strings.Join(extra, ", ")
		}
		return nil, fmt.Errorf("service %q: %w (this site runs %s)", service, daemon.ErrNotFound, all)
	}
	return out, nil
}

// unitlessServices are the services of the site that have no main unit of
// their own.
func unitlessServices(s *site.Site) []string {
	var out []string
	if len(s.Shares) > 0 || s.Homes.Enabled {
		out = append(out, "files")
	}
	if s.Backup != nil {
		out = append(out, "backup")
	}
	return out
}

// probe runs the named service's health probe, which needs systemd and the
// command runner, and returns its detail line.
func (b *Box) probe(ctx context.Context, s *site.Site, store *site.Store, name string) (string, error) {
	for _, svc := range b.services() {
		hc, ok := svc.(provisioning.HealthChecker)
		if !ok || svc.Name() != name {
			continue
		}
		env, closeEnv, err := b.realEnv(ctx, store)
		if err != nil {
			return "", err
		}
		defer closeEnv()
		return hc.Health(ctx, s, env)
	}
	return "", nil
}

func names(ss []svcUnit) string {
	var n []string
	for _, s := range ss {
		if len(n) == 0 || n[len(n)-1] != s.name {
			n = append(n, s.name)
		}
	}
	return strings.Join(n, ", ")
}

// HostEnv is the environment RunSite and the backend's probes use: the
// box's files, systemd and the command runner (files only when Offline).
// close releases systemd.
func (b *Box) HostEnv(ctx context.Context, secrets host.Secrets) (env *host.Env, close func(), err error) {
	return b.realEnv(ctx, secrets)
}

// realEnv adds systemd and the command runner for changing the box.
func (b *Box) realEnv(ctx context.Context, secrets host.Secrets) (*host.Env, func(), error) {
	if b.Offline {
		env := b.env(secrets)
		env.Offline = true
		return env, func() {}, nil
	}
	env := b.cmdEnv(secrets)
	if b.Units != nil {
		env.Units = b.Units
		return env, func() {}, nil
	}
	units, err := systemd.New(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot reach systemd on the system bus: %w", err)
	}
	env.Units = units
	return env, units.Close, nil
}

// invalid marks err as the caller's mistake.
func invalid(err error) error {
	if err == nil {
		return nil
	}
	return mark(daemon.ErrInvalid, err)
}

// mark makes err match sentinel with errors.Is, keeping err's message.
func mark(sentinel, err error) error { return &marked{sentinel, err} }

type marked struct{ sentinel, err error }

func (m *marked) Error() string   { return m.err.Error() }
func (m *marked) Unwrap() []error { return []error{m.sentinel, m.err} }

var errNoSite = api.Keyed(errors.New("no site has been applied to this box yet: apply one first"), api.KeyNoSite)

// Close finishes what the backend left to the background and ends its
// directory session: a pending home folder sync runs now. A process that
// runs the backend for one command (possectl --direct) calls it before it
// exits; it returns the error of the last home folder sync.
func (b *Box) Close() error {
	b.flushHomeSync()
	_, err := b.homeSyncState()
	b.mu.Lock()
	if b.dir != nil {
		b.dir.Close()
		b.dir = nil
	}
	b.mu.Unlock()
	return err
}

// CACert is the site CA certificate (PEM) that clients use to trust the
// directory's LDAPS.
func (b *Box) CACert() ([]byte, error) {
	return os.ReadFile(b.env(nil).State(ad.TLSDir, ad.CACertFile))
}
