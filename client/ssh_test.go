// SPDX-License-Identifier: GPL-3.0-or-later

package client

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/daemon/daemontest"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// sshServer is an SSH server whose "systemd-stdio-bridge" joins the
// session to a test bus, as the real bridge joins it to the system bus.
type sshServer struct {
	addr    string
	busSock string
	keys    []ssh.Signer
	ln      net.Listener
	wg      sync.WaitGroup
	execs   []string
	dials   int
	mu      sync.Mutex
}

func startSSH(t *testing.T, busAddr string, clientKey ssh.PublicKey, hostKeys ...ssh.Signer) *sshServer {
	t.Helper()
	path, ok := strings.CutPrefix(busAddr, "unix:path=")
	if !ok {
		t.Fatalf("unexpected bus address %s", busAddr)
	}
	path, _, _ = strings.Cut(path, ",")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &sshServer{addr: ln.Addr().String(), busSock: path, keys: hostKeys, ln: ln}
	cfg := &ssh.ServerConfig{PublicKeyCallback: func(m ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
		if m.User() == "office" && string(k.Marshal()) == string(clientKey.Marshal()) {
			return nil, nil
		}
		return nil, errors.New("denied")
	}}
	for _, k := range hostKeys {
		cfg.AddHostKey(k)
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.dials++
			s.mu.Unlock()
			go s.serve(nc, cfg)
		}
	}()
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s
}

func (s *sshServer) serve(nc net.Conn, cfg *ssh.ServerConfig) {
	_, chans, reqs, err := ssh.NewServerConn(nc, cfg)
	if err != nil {
		nc.Close()
		return
	}
	go ssh.DiscardRequests(reqs)
	for nch := range chans {
		if nch.ChannelType() != "session" {
			nch.Reject(ssh.UnknownChannelType, "session only")
			continue
		}
		ch, creqs, err := nch.Accept()
		if err != nil {
			continue
		}
		go func() {
			for r := range creqs {
				if r.Type != "exec" {
					r.Reply(false, nil)
					continue
				}
				var cmd struct{ Command string }
				ssh.Unmarshal(r.Payload, &cmd)
				s.mu.Lock()
				s.execs = append(s.execs, cmd.Command)
				s.mu.Unlock()
				bus, err := net.Dial("unix", s.busSock)
				if cmd.Command != "systemd-stdio-bridge" || err != nil {
					r.Reply(false, nil)
					ch.Close()
					return
				}
				r.Reply(true, nil)
				go func() { io.Copy(bus, ch); bus.Close() }()
				go func() { io.Copy(ch, bus); ch.CloseWrite(); ch.Close() }()
			}
		}()
	}
}

func newSigner(t *testing.T, kind string) (ssh.Signer, []byte) {
	t.Helper()
	var priv any
	if kind == "rsa" {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		priv = k
	} else {
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		priv = k
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	return s, pem.EncodeToMemory(block)
}

// sshRig is possed on a test bus behind an SSH server.
type sshRig struct {
	srv        *sshServer
	opts       Options
	knownHosts string
	polkit     *daemontest.Polkit
}

func newSSHRig(t *testing.T, hostKeys ...ssh.Signer) *sshRig {
	t.Helper()
	t.Setenv("SSH_AUTH_SOCK", "")
	addr := daemontest.StartBus(t)
	pk := daemontest.StartPolkit(t, addr)
	conn := daemontest.Connect(t, addr)
	srv := daemon.New(conn, daemon.Config{Backend: daemontest.NewBackend(), Authorizer: &daemon.Authorizer{Bus: conn, Trusted: func(uint32) bool { return false }}})
	if err := srv.Export(); err != nil {
		t.Fatal(err)
	}
	if err := srv.RequestName(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	clientKey, pemKey := newSigner(t, "ed25519")
	idFile := filepath.Join(dir, "id_ed25519")
	if err := os.WriteFile(idFile, pemKey, 0o600); err != nil {
		t.Fatal(err)
	}
	r := &sshRig{knownHosts: filepath.Join(dir, "ssh", "known_hosts"), polkit: pk}
	r.srv = startSSH(t, addr, clientKey.PublicKey(), hostKeys...)
	r.opts = Options{Host: "office@" + r.srv.addr, KnownHostsFile: r.knownHosts, IdentityFiles: []string{idFile}, CallTimeout: 10 * time.Second}
	return r
}

// status dials with opts and asks for the status, as polkit allows.
func (r *sshRig) status(t *testing.T, opts Options) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := Dial(ctx, opts)
	if err != nil {
		return err
	}
	defer c.Close()
	r.polkit.Allow(c.Conn().Names()[0], daemon.ActionStatus)
	st, err := c.Status(ctx)
	if err == nil && st.Site != "Test Site" {
		t.Errorf("status over SSH = %+v", st)
	}
	return err
}

func TestSSHHostKeyAcceptance(t *testing.T) {
	hostKey, _ := newSigner(t, "ed25519")
	r := newSSHRig(t, hostKey)
	fp := ssh.FingerprintSHA256(hostKey.PublicKey())

	err := r.status(t, r.opts)
	var hke *HostKeyError
	if !errors.As(err, &hke) || hke.Changed || hke.Fingerprint != fp {
		t.Fatalf("unknown host key: error %v, want HostKeyError with %s", err, fp)
	}
	for _, want := range []string{fp, "--accept-host-key " + fp, r.knownHosts, "not known"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}

	wrong := r.opts
	wrong.AcceptHostKey = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	if err := r.status(t, wrong); !errors.As(err, &hke) {
		t.Fatalf("a different accepted fingerprint let the key in: %v", err)
	}

	accept := r.opts
	accept.AcceptHostKey = fp
	if err := r.status(t, accept); err != nil {
		t.Fatalf("accepted key: %v", err)
	}
	kh, _ := os.ReadFile(r.knownHosts)
	if !strings.Contains(string(kh), knownhosts.Normalize(r.srv.addr)) {
		t.Errorf("known_hosts does not hold the accepted key:\n%s", kh)
	}
	if err := r.status(t, r.opts); err != nil {
		t.Fatalf("known key on the next connection: %v", err)
	}
	if r.srv.execs[len(r.srv.execs)-1] != "systemd-stdio-bridge" {
		t.Errorf("remote command = %q", r.srv.execs)
	}
}

func TestSSHChangedHostKeyIsRefused(t *testing.T) {
	hostKey, _ := newSigner(t, "ed25519")
	old, _ := newSigner(t, "ed25519")
	r := newSSHRig(t, hostKey)
	os.MkdirAll(filepath.Dir(r.knownHosts), 0o700)
	line := knownhosts.Line([]string{knownhosts.Normalize(r.srv.addr)}, old.PublicKey())
	os.WriteFile(r.knownHosts, []byte(line+"\n"), 0o600)

	opts := r.opts
	opts.AcceptHostKey = ssh.FingerprintSHA256(hostKey.PublicKey()) // never overrides a changed key
	err := r.status(t, opts)
	var hke *HostKeyError
	if !errors.As(err, &hke) || !hke.Changed || hke.Line != 1 {
		t.Fatalf("changed key: error %v, want a changed-key HostKeyError", err)
	}
	if !strings.Contains(err.Error(), "CHANGED") || !strings.Contains(err.Error(), "ssh-keygen -R") {
		t.Errorf("message %q does not explain the change", err)
	}
}

// TestSSHUsesTheKnownKeyType: the server has an ed25519 and an RSA key and
// known_hosts holds one of them. Whichever type the client prefers, one of
// the two cases mismatches at first and must be retried with the known
// type instead of being reported as a changed key.
func TestSSHUsesTheKnownKeyType(t *testing.T) {
	ed, _ := newSigner(t, "ed25519")
	rsaKey, _ := newSigner(t, "rsa")
	dials := 0
	for _, known := range []ssh.Signer{ed, rsaKey} {
		r := newSSHRig(t, ed, rsaKey)
		os.MkdirAll(filepath.Dir(r.knownHosts), 0o700)
		line := knownhosts.Line([]string{knownhosts.Normalize(r.srv.addr)}, known.PublicKey())
		os.WriteFile(r.knownHosts, []byte(line+"\n"), 0o600)
		if err := r.status(t, r.opts); err != nil {
			t.Fatalf("known %s key: %v", known.PublicKey().Type(), err)
		}
		dials += r.srv.dials
	}
	if dials != 3 {
		t.Errorf("%d connections for two cases, want 3 (one retry with the known type)", dials)
	}
}

func TestSplitHost(t *testing.T) {
	tests := []struct {
		in, user, addr string
		bad            bool
	}{
		{in: "anna@box", user: "anna", addr: "box:22"},
		{in: "anna@box:2222", user: "anna", addr: "box:2222"},
		{in: "anna@10.0.0.5", user: "anna", addr: "10.0.0.5:22"},
		{in: "anna@[fe80::1]:22", user: "anna", addr: "[fe80::1]:22"},
		{in: "anna@", bad: true},
		{in: "@box", bad: true},
		{in: "anna@box -oProxyCommand=x", bad: true},
	}
	for _, tt := range tests {
		u, a, err := splitHost(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("splitHost(%q) accepted", tt.in)
			}
			continue
		}
		if err != nil || u != tt.user || a != tt.addr {
			t.Errorf("splitHost(%q) = %q, %q, %v", tt.in, u, a, err)
		}
	}
}
