// SPDX-License-Identifier: GPL-3.0-or-later

package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"
)

// HostKeyError is returned when the box's SSH host key is not known or
// does not match known_hosts. Nothing was sent to the box.
type HostKeyError struct {
	Host        string // host:port as dialled
	Fingerprint string // SHA256:… of the key the box presented
	KeyType     string
	KnownHosts  string
	// Changed is set when known_hosts has a different key for the host.
	Changed bool
	// Line is the known_hosts line with the old key when Changed.
	Line int
}

// Error explains the refusal with the fingerprint and how to accept it.
func (e *HostKeyError) Error() string {
	host := knownhosts.Normalize(e.Host)
	if e.Changed {
		return fmt.Sprintf("the SSH host key of %s has CHANGED: it is now %s (%s), but %s:%d has another key. "+
			"Someone may be intercepting the connection. If the box was reinstalled, remove the old key with "+
			"'ssh-keygen -R %s -f %s' and connect again with --accept-host-key %s",
			host, e.Fingerprint, e.KeyType, e.KnownHosts, e.Line, host, e.KnownHosts, e.Fingerprint)
	}
	return fmt.Sprintf("the SSH host key of %s is not known: it is %s (%s). Check it on the box with "+
		"'ssh-keygen -lf /etc/ssh/ssh_host_%s_key.pub', then connect again with --accept-host-key %s "+
		"(or add the key to %s)", host, e.Fingerprint, e.KeyType, keyFileType(e.KeyType), e.Fingerprint, e.KnownHosts)
}

func keyFileType(t string) string {
	switch {
	case strings.Contains(t, "ed25519"):
		return "ed25519"
	case strings.Contains(t, "ecdsa"):
		return "ecdsa"
	}
	return "rsa"
}

// splitHost parses "user@host[:port]".
func splitHost(h string) (usr, addr string, err error) {
	usr, hostport, ok := strings.Cut(h, "@")
	if !ok {
		hostport = usr
		u, uerr := user.Current()
		if uerr != nil {
			return "", "", fmt.Errorf("--host %q has no user: write it as user@host", h)
		}
		usr = u.Username
	}
	if usr == "" || hostport == "" || strings.ContainsAny(h, " \t\n/") {
		return "", "", fmt.Errorf("--host %q is not of the form user@host or user@host:port", h)
	}
	if _, _, err := net.SplitHostPort(hostport); err != nil {
		hostport = net.JoinHostPort(strings.Trim(hostport, "[]"), "22")
	}
	return usr, hostport, nil
}

// hostKeyChecker checks keys against known_hosts and accepts one unknown key
// whose fingerprint the person gave.
type hostKeyChecker struct {
	file   string
	accept string
	// algos are the key types known_hosts holds for the host after a
	// mismatch of type only; the dial is retried with them.
	algos []string
}

func (h *hostKeyChecker) callback() (ssh.HostKeyCallback, error) {
	if err := os.MkdirAll(filepath.Dir(h.file), 0o700); err != nil {
		return nil, err
	}
	if _, err := os.Stat(h.file); errors.Is(err, os.ErrNotExist) {
		if err := os.WriteFile(h.file, nil, 0o600); err != nil {
			return nil, fmt.Errorf("cannot create %s: %w", h.file, err)
		}
	}
	kh, err := knownhosts.New(h.file)
	if err != nil {
		return nil, fmt.Errorf("cannot read known hosts %s: %w", h.file, err)
	}
	return func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		err := kh(hostname, remote, key)
		var ke *knownhosts.KeyError
		if err == nil || !errors.As(err, &ke) {
			return err
		}
		fp := ssh.FingerprintSHA256(key)
		if len(ke.Want) > 0 {
			sameType := false
			var types []string
			for _, w := range ke.Want {
				types = append(types, algorithmsFor(w.Key.Type())...)
				sameType = sameType || w.Key.Type() == key.Type()
			}
			if !sameType && h.algos == nil {
				h.algos = types
				return errRetryAlgos
			}
			return &HostKeyError{Host: hostname, Fingerprint: fp, KeyType: key.Type(), KnownHosts: h.file, Changed: true, Line: ke.Want[0].Line}
		}
		if h.accept != "" && h.accept == fp {
			line := knownhosts.Line([]string{knownhosts.Normalize(hostname)}, key)
			f, err := os.OpenFile(h.file, os.O_APPEND|os.O_WRONLY, 0o600)
			if err != nil {
				return fmt.Errorf("cannot add the host key to %s: %w", h.file, err)
			}
			defer f.Close()
			if _, err := fmt.Fprintln(f, line); err != nil {
				return fmt.Errorf("cannot add the host key to %s: %w", h.file, err)
			}
			return nil
		}
		return &HostKeyError{Host: hostname, Fingerprint: fp, KeyType: key.Type(), KnownHosts: h.file}
	}, nil
}

var errRetryAlgos = errors.New("retry with the known key types")

// algorithmsFor lists the host key algorithms that prove a key of type t.
func algorithmsFor(t string) []string {
	if t == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{t}
}

// authMethods offers the agent's keys, then unencrypted key files.
func authMethods(files []string) ([]ssh.AuthMethod, func()) {
	var methods []ssh.AuthMethod
	closeAgent := func() {}
	if sock := os.Getenv("SSH_AUTH_SOCK"); sock != "" {
		if c, err := net.Dial("unix", sock); err == nil {
			methods = append(methods, ssh.PublicKeysCallback(agent.NewClient(c).Signers))
			closeAgent = func() { c.Close() }
		}
	}
	var signers []ssh.Signer
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if s, err := ssh.ParsePrivateKey(b); err == nil {
			signers = append(signers, s)
		}
	}
	if len(signers) > 0 {
		methods = append(methods, ssh.PublicKeys(signers...))
	}
	return methods, closeAgent
}

func defaults(o *Options) error {
	if o.KnownHostsFile != "" && len(o.IdentityFiles) > 0 {
		return nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return fmt.Errorf("cannot find the home directory for ~/.ssh: %w", err)
	}
	if o.KnownHostsFile == "" {
		o.KnownHostsFile = filepath.Join(home, ".ssh", "known_hosts")
	}
	if len(o.IdentityFiles) == 0 {
		for _, n := range []string{"id_ed25519", "id_ecdsa", "id_rsa"} {
			o.IdentityFiles = append(o.IdentityFiles, filepath.Join(home, ".ssh", n))
		}
	}
	return nil
}

// dialSSH logs in to opts.Host, runs systemd-stdio-bridge there and speaks
// D-Bus over the session's stdin and stdout, so the remote bus (and polkit
// there) sees the SSH user as the caller.
func dialSSH(ctx context.Context, opts Options) (*dbus.Conn, error) {
	if err := defaults(&opts); err != nil {
		return nil, err
	}
	usr, addr, err := splitHost(opts.Host)
	if err != nil {
		return nil, err
	}
	checker := &hostKeyChecker{file: opts.KnownHostsFile, accept: opts.AcceptHostKey}
	hkcb, err := checker.callback()
	if err != nil {
		return nil, err
	}
	methods, closeAgent := authMethods(opts.IdentityFiles)
	if len(methods) == 0 {
		return nil, fmt.Errorf("no SSH key to log in to %s with: start ssh-agent and ssh-add a key, or create ~/.ssh/id_ed25519", addr)
	}
	cfg := &ssh.ClientConfig{User: usr, Auth: methods, HostKeyCallback: hkcb, Timeout: 20 * time.Second}
	client, err := sshDial(ctx, addr, cfg)
	if errors.Is(err, errRetryAlgos) {
		cfg.HostKeyAlgorithms = checker.algos
		client, err = sshDial(ctx, addr, cfg)
	}
	closeAgent()
	if err != nil {
		var hke *HostKeyError
		if errors.As(err, &hke) {
			return nil, hke
		}
		return nil, fmt.Errorf("ssh %s@%s: %w", usr, addr, err)
	}
	sess, err := client.NewSession()
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("ssh %s: cannot open a session: %w", addr, err)
	}
	stdin, err1 := sess.StdinPipe()
	stdout, err2 := sess.StdoutPipe()
	if err := errors.Join(err1, err2); err != nil {
		sess.Close()
		client.Close()
		return nil, err
	}
	stderr := &limitedBuffer{max: 4096}
	sess.Stderr = stderr
	cmd := "systemd-stdio-bridge"
	if opts.BusAddress != "" {
		cmd += " --bus-path=" + shellQuote(opts.BusAddress)
	}
	if err := sess.Start(cmd); err != nil {
		sess.Close()
		client.Close()
		return nil, fmt.Errorf("ssh %s: cannot run systemd-stdio-bridge: %w", addr, err)
	}
	rwc := &sshConn{r: stdout, w: stdin, close: func() error {
		sess.Close()
		return client.Close()
	}}
	conn, err := dbus.NewConn(rwc, dbus.WithContext(ctx))
	if err == nil {
		err = conn.Auth([]dbus.Auth{dbus.AuthExternal(uidString()), dbus.AuthAnonymous()})
		if err == nil {
			err = conn.Hello()
		}
		if err != nil {
			conn.Close()
		}
	}
	if err != nil {
		rwc.Close()
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return nil, fmt.Errorf("ssh %s: D-Bus over systemd-stdio-bridge failed: %v: %s", addr, err, msg)
		}
		return nil, fmt.Errorf("ssh %s: D-Bus over systemd-stdio-bridge failed (is systemd installed on the box?): %w", addr, err)
	}
	return conn, nil
}

func sshDial(ctx context.Context, addr string, cfg *ssh.ClientConfig) (*ssh.Client, error) {
	d := net.Dialer{Timeout: cfg.Timeout}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		nc.SetDeadline(dl)
	}
	c, chans, reqs, err := ssh.NewClientConn(nc, addr, cfg)
	if err != nil {
		nc.Close()
		return nil, err
	}
	nc.SetDeadline(time.Time{})
	return ssh.NewClient(c, chans, reqs), nil
}

// sshConn is the session's stdout and stdin as one stream for godbus.
type sshConn struct {
	r     io.Reader
	w     io.WriteCloser
	once  sync.Once
	close func() error
	err   error
}

func (c *sshConn) Read(p []byte) (int, error)  { return c.r.Read(p) }
func (c *sshConn) Write(p []byte) (int, error) { return c.w.Write(p) }
func (c *sshConn) Close() error {
	c.once.Do(func() {
		c.w.Close()
		c.err = c.close()
	})
	return c.err
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
