// Package box is possed's real Backend: it plans and applies sites with
// the provisioning engine, reads the site last applied, manages users and
// groups in the domain through services/directory, and reports unit states
// from systemd over the system bus. Features whose services are not written
// yet (changing shares or aliases directly, running and restoring backups)
// answer daemon.ErrNotAvailable.
package box

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"

	"github.com/godbus/dbus/v5"
	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/internal/execx"
	"github.com/posse-project/posse/internal/version"
	"github.com/posse-project/posse/provisioning"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/directory"
	"github.com/posse-project/posse/services/systemd"
)

// Box is the Backend for the box possed runs on.
type Box struct {
	daemon.Unavailable

	// Root and StateDir locate the box's files (default "/" and
	// host.DefaultStateDir); tests point them at a temp dir.
	Root     string
	StateDir string
	// Bus is the system bus, for unit states (nil: states are "unknown").
	Bus *dbus.Conn
	// OpenDirectory connects to the domain; default directory.OpenEnv.
	OpenDirectory func(ctx context.Context, env *host.Env, c directory.ConnSpec) (directory.Directory, error)
	// Services are planned and applied; default provisioning.Services().
	Services func() []provisioning.Service
	// Hostname of the box; default os.Hostname.
	Hostname string

	mu  sync.Mutex
	dir directory.Directory
	key string
}

var _ daemon.Backend = (*Box)(nil)

// New returns the backend for this box, using bus for systemd.
func New(bus *dbus.Conn) *Box {
	return &Box{Bus: bus}
}

// env is the environment for reading and changing the box.
func (b *Box) env(secrets host.Secrets) *host.Env {
	e := &host.Env{Root: b.Root, StateDir: b.StateDir, Secrets: secrets, Hostname: b.hostname(), IP: primaryIP()}
	if e.Root == "" {
		e.Root = "/"
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

// applied returns the site last applied and its kept secrets.
func (b *Box) applied() (*site.Site, *site.Store, error) {
	s, st, err := provisioning.LoadApplied(b.env(nil))
	if err != nil {
		return nil, nil, mark(daemon.ErrNotAvailable, err)
	}
	return s, st, nil
}

// Status implements daemon.Backend.
func (b *Box) Status(ctx context.Context) (api.Status, error) {
	st := api.Status{Version: version.Version, Hostname: b.hostname()}
	s, _, err := b.applied()
	if err != nil {
		return st, nil // nothing applied yet: version and host name only
	}
	st.Site, st.TemplateHash = s.Site.Name, s.Source.Hash
	for _, svc := range siteServices(s) {
		st.Services = append(st.Services, b.unitStatus(ctx, svc.name, svc.unit))
	}
	return st, nil
}

type svcUnit struct{ name, unit string }

// siteServices are the services a site runs with their main units.
func siteServices(s *site.Site) []svcUnit {
	out := []svcUnit{{directory.Name, directory.Unit}}
	if s.Mail != nil {
		out = append(out, svcUnit{"mail", "postfix@-.service"}, svcUnit{"mail", "dovecot.service"})
	}
	return out
}

// unitStatus asks systemd for a unit's ActiveState.
func (b *Box) unitStatus(ctx context.Context, name, unit string) api.ServiceStatus {
	r := api.ServiceStatus{Name: name, Unit: unit, State: "unknown"}
	if b.Bus == nil {
		r.Detail = "systemd is not reachable"
		return r
	}
	var path dbus.ObjectPath
	err := b.Bus.Object("org.freedesktop.systemd1", "/org/freedesktop/systemd1").
		CallWithContext(ctx, "org.freedesktop.systemd1.Manager.LoadUnit", 0, unit).Store(&path)
	if err != nil {
		r.Detail = "cannot ask systemd: " + err.Error()
		return r
	}
	v, err := b.Bus.Object("org.freedesktop.systemd1", path).GetProperty("org.freedesktop.systemd1.Unit.ActiveState")
	if err != nil {
		r.Detail = "cannot ask systemd: " + err.Error()
		return r
	}
	r.State, _ = v.Value().(string)
	r.Healthy = r.State == "active"
	if !r.Healthy {
		r.Detail = fmt.Sprintf("%s is %s: see journalctl -u %s", unit, r.State, unit)
	}
	return r
}

// Health implements daemon.Backend: unit states, and for the directory its
// full probe (LDAPS bind, DNS, Kerberos).
func (b *Box) Health(ctx context.Context, service string) ([]api.ServiceStatus, error) {
	s, store, err := b.applied()
	if err != nil {
		return nil, err
	}
	var out []api.ServiceStatus
	for _, svc := range siteServices(s) {
		if service != "" && svc.name != service {
			continue
		}
		r := b.unitStatus(ctx, svc.name, svc.unit)
		if svc.name == directory.Name && r.Healthy {
			if err := directory.Probe(ctx, b.env(store), b.connSpec(s)); err != nil {
				r.Healthy, r.Detail = false, err.Error()
			}
		}
		out = append(out, r)
	}
	if service != "" && len(out) == 0 {
		return nil, fmt.Errorf("service %q: %w (this site runs %s)", service, daemon.ErrNotFound, names(siteServices(s)))
	}
	return out, nil
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

// realEnv adds systemd and the command runner for changing the box.
func (b *Box) realEnv(ctx context.Context, secrets host.Secrets) (*host.Env, func(), error) {
	env := b.env(secrets)
	units, err := systemd.New(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot reach systemd on the system bus: %w", err)
	}
	env.Units = units
	env.Runner = execx.New()
	return env, units.Close, nil
}

// primaryIP returns the first global IPv4 address of the box, or "".
func primaryIP() string {
	ifaces, err := net.Interfaces()
	if err != nil {
		return ""
	}
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && n.IP.IsGlobalUnicast() {
				return n.IP.String()
			}
		}
	}
	return ""
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

var errNoSite = errors.New("no site has been applied to this box yet: apply one first")
