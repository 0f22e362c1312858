// SPDX-License-Identifier: GPL-3.0-or-later

package fleet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon/api"
)

func TestFleetUnreachableReasons(t *testing.T) {
	op := func(errno syscall.Errno) error {
		return fmt.Errorf("ssh root@x:22: %w", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", errno)})
	}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&client.HostKeyError{Host: "x:22", Fingerprint: "SHA256:abc", KeyType: "ssh-ed25519", KnownHosts: "/k"}, ProblemHostKeyUnknown},
		{fmt.Errorf("wrapped: %w", &client.HostKeyError{Host: "x:22", Changed: true, Line: 3}), ProblemHostKeyChanged},
		{op(syscall.ECONNREFUSED), ProblemRefused},
		{op(syscall.EHOSTUNREACH), ProblemNoRoute},
		{op(syscall.ENETUNREACH), ProblemNoRoute},
		{fmt.Errorf("ssh: %w", &net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}), ProblemNoRoute},
		{fmt.Errorf("ssh root@x:22: %w", os.ErrDeadlineExceeded), ProblemTimeout},
		{errors.New("ssh root@x:22: ssh: handshake failed: ssh: unable to authenticate, attempted methods [none publickey]"), ProblemAuthFailed},
		{errors.New("ssh x:22: D-Bus over systemd-stdio-bridge failed: EOF"), ProblemNoPossed},
		{errors.New("something else"), ProblemError},
	} {
		if b := Unreachable(context.Background(), tc.err); b.Reachable || b.Problem != tc.want {
			t.Errorf("%v: %s, want %s", tc.err, b.Problem, tc.want)
		}
	}
	b := Unreachable(context.Background(), &client.HostKeyError{Host: "x:22", Fingerprint: "SHA256:abc", KeyType: "ssh-ed25519", KnownHosts: "/k"})
	if !strings.Contains(b.Detail, "SHA256:abc") || !strings.Contains(b.Detail, "--accept-host-key") {
		t.Errorf("host key detail: %s", b.Detail)
	}
}

func TestNamedLine(t *testing.T) {
	if got := namedLine("/t/shop.yaml", "template:4:3: unknown key"); got != "/t/shop.yaml:4:3: unknown key" {
		t.Errorf("got %q", got)
	}
	if got := namedLine("/t/shop.yaml", "template: not allowed"); got != "template: not allowed" {
		t.Errorf("got %q", got)
	}
}

// fakeConn is a box's possed for the prober: a site with a backup, one
// copy, a failed drill and two certificates.
type fakeConn struct {
	certsErr error
	plan     api.PlanResult
	closed   bool
}

func (f *fakeConn) Status(context.Context) (api.Status, error) {
	return api.Status{Hostname: "dc1", Site: "Shop", Version: "1.0"}, nil
}

func (f *fakeConn) Health(context.Context, string) ([]api.ServiceStatus, error) {
	return []api.ServiceStatus{{Name: "directory", Healthy: true}}, nil
}

func (f *fakeConn) BackupStatus(context.Context) (api.BackupStatus, error) {
	return api.BackupStatus{Configured: true, LastRun: "2026-12-07T07:00:00Z", LastResult: "success",
		LastDrill: "2026-12-06T10:00:00Z", LastDrillResult: "failed", LastDrillDetail: "2 of 20 sampled files differ",
		Copies: []api.CopyStatus{{Name: "nas", LastRun: "2026-12-07T08:00:00Z", LastResult: "success", LastSuccess: "2026-12-07T08:00:00Z"}}}, nil
}

func (f *fakeConn) Usage(context.Context) (api.Usage, error) { return api.Usage{}, nil }

func (f *fakeConn) Updates(context.Context, bool) (api.Updates, error) { return api.Updates{}, nil }

func (f *fakeConn) Certificates(context.Context) ([]api.Certificate, error) {
	if f.certsErr != nil {
		return nil, f.certsErr
	}
	return []api.Certificate{{Name: "site CA", Path: "/ca.crt", NotAfter: "2036-12-01T00:00:00Z"},
		{Name: "directory (LDAPS)", Path: "/server.crt", NotAfter: "2026-12-17T10:00:00Z"}}, nil
}

func (f *fakeConn) Plan(context.Context, []byte, map[string]string) (api.PlanResult, error) {
	return f.plan, nil
}

func (f *fakeConn) Close() error { f.closed = true; return nil }

func TestSSHProberReadsCopiesDrillAndCertificates(t *testing.T) {
	fc := &fakeConn{plan: api.PlanResult{Steps: []api.PlanStep{{}, {}}}}
	p := SSHProber{
		Dial: func(context.Context, Entry) (Conn, error) { return fc, nil },
		ReadTemplate: func(file, secrets string) ([]byte, map[string]string, error) {
			return []byte("site: {name: Shop}\n"), map[string]string{"x": "y"}, nil
		},
	}
	b := p.Probe(context.Background(), Entry{Name: "shop", Host: "root@shop", Template: "/t/shop.yaml"})
	if !fc.closed || !b.Reachable || b.Backup == nil || len(b.Backup.Copies) != 1 || b.Backup.DrillResult != "failed" ||
		b.Backup.DrillDetail == "" || len(b.Certs) != 2 || b.Drift == nil || b.Drift.Steps != 2 {
		t.Fatalf("box %+v backup %+v drift %+v", b, b.Backup, b.Drift)
	}
	r := Report{Entry: Entry{Name: "shop"}, Box: b}
	r.Evaluate(now)
	if got := strings.Join(r.Attention, "; "); got != "drifted from its template: 2 steps; the last restore drill failed; certificate directory (LDAPS) expires in 10 days" {
		t.Errorf("attention %q", got)
	}

	// A possed older than the Certificates method: unknown, not flagged.
	fc = &fakeConn{certsErr: errors.New("possectl and possed differ in version: update both")}
	b = p.Probe(context.Background(), Entry{Name: "old", Host: "root@old"})
	r = Report{Entry: Entry{Name: "old"}, Box: b}
	r.Evaluate(now)
	if b.Certs != nil || b.CertsError == "" || len(r.Attention) != 1 {
		t.Errorf("old possed: certs %v (%q), attention %q", b.Certs, b.CertsError, r.Attention)
	}
}
