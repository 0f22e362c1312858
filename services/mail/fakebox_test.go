// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/host/hosttest"
	"github.com/posse-project/posse/services/ad"
)

// fakeBox is a temp root that looks like a Debian box (13 unless a test
// asks for 12) with Postfix and Dovecot installed, a fake systemd, a
// scripted runner, a fake directory (the account ensurer and binder agree
// on the one password it holds) and fake SMTP and IMAPS listeners for the
// probe.
type fakeBox struct {
	t     *testing.T
	env   *host.Env
	units *hosttest.FakeUnits
	run   *hosttest.FakeRunner
	dir   *fakeDirectory
	svc   *Service
	// smtpRCPT is Postfix's answer to the probe's RCPT.
	smtpRCPT string
	// doveadmExit is doveadm user's exit code for the probe address.
	doveadmExit int
}

// release is what a Debian release installs for mail.
type release struct {
	name, versionID, dovecot, postfix string
}

var (
	bookworm = release{"bookworm", "12", "1:2.3.19.1+dfsg1-2.1+deb12u1", "3.7.11-0+deb12u1"}
	trixie   = release{"trixie", "13", "1:2.4.1+dfsg1-6+deb13u7", "3.10.13-0+deb13u1"}
)

// install makes the box look like r: its os-release and the versions of
// the mail packages in dpkg's status file.
func (b *fakeBox) install(r release) {
	b.t.Helper()
	root := b.env.Root
	os.MkdirAll(filepath.Join(root, "var/lib/dpkg"), 0o755)
	writeFile(b.t, filepath.Join(root, "etc/os-release"), fmt.Sprintf("PRETTY_NAME=\"Debian GNU/Linux %s (%s)\"\nID=debian\nVERSION_ID=\"%s\"\nVERSION_CODENAME=%s\n", r.versionID, r.name, r.versionID, r.name))
	var st strings.Builder
	for _, p := range []struct{ name, version string }{
		{"dovecot-core", r.dovecot}, {"dovecot-imapd", r.dovecot}, {"dovecot-lmtpd", r.dovecot}, {"dovecot-ldap", r.dovecot},
		{"postfix", r.postfix}, {"postfix-ldap", r.postfix},
	} {
		fmt.Fprintf(&st, "Package: %s\nStatus: install ok installed\nVersion: %s\n\n", p.name, p.version)
	}
	writeFile(b.t, filepath.Join(root, "var/lib/dpkg/status"), st.String())
}

// newFakeBox is a Debian 13 box (Dovecot 2.4, Postfix 3.10).
func newFakeBox(t *testing.T) *fakeBox {
	t.Helper()
	return newFakeBoxOn(t, trixie)
}

// newFakeBoxOn is a box of release r.
func newFakeBoxOn(t *testing.T, r release) *fakeBox {
	t.Helper()
	root := t.TempDir()
	uid, gid := os.Getuid(), os.Getgid()
	for _, d := range []string{"etc/postfix", "etc/dovecot", "var/lib/posse/tls", "etc/rspamd/local.d", "var/lib/rspamd", "usr/bin"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// Every account maps to the test's own ids so chown works without root.
	writeFile(t, filepath.Join(root, "etc/passwd"), fmt.Sprintf("root:x:%d:%d::/root:/bin/sh\npostfix:x:%d:%d::/var/spool/postfix:/usr/sbin/nologin\n_rspamd:x:%d:%d::/var/lib/rspamd:/usr/sbin/nologin\n", uid, gid, uid, gid, uid, gid))
	writeFile(t, filepath.Join(root, "etc/group"), fmt.Sprintf("root:x:%d:\npostfix:x:%d:\n_rspamd:x:%d:\n", gid, gid, gid))
	writeFile(t, filepath.Join(root, rspamdBinary), "")
	for _, f := range spamPackages {
		os.MkdirAll(filepath.Dir(filepath.Join(root, f.path)), 0o755)
		writeFile(t, filepath.Join(root, f.path), "")
	}
	writeFile(t, filepath.Join(root, MainCfPath), "# Debian's main.cf\n")
	for _, f := range requiredFiles {
		os.MkdirAll(filepath.Dir(filepath.Join(root, f.path)), 0o755)
		writeFile(t, filepath.Join(root, f.path), "")
	}
	if _, err := ad.EnsureTLS(filepath.Join(root, "var/lib/posse/tls"), ad.TLSNames{Hostname: "dc", FQDN: "dc.ad.mueller-partner.example", IPs: []string{"127.0.0.1"}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	b := &fakeBox{t: t, units: hosttest.NewFakeUnits(), run: hosttest.NewFakeRunner(t), dir: &fakeDirectory{}, smtpRCPT: "550 5.1.1 User unknown", doveadmExit: 67}
	if r == bookworm { // the instance runs the master; postfix.service is a oneshot
		b.units.Add(PostfixInstance, false, false)
		b.units.Add(PostfixUnit, true, true)
	} else { // postfix.service runs the master; unconfigured, it did not start
		b.units.Add(PostfixUnit, false, true)
	}
	b.units.Add(DovecotUnit, true, true)
	b.units.Add(RspamdUnit, true, true) // the package starts and enables it
	b.units.Add(RedisUnit, true, true)
	b.env = &host.Env{Root: root, StateDir: host.DefaultStateDir, Units: b.units, Runner: b.run,
		Secrets: hosttest.MapSecrets{"domain_admin": "Admin-Pw-2026!"}, Hostname: "dc", IP: "10.0.0.2"}
	b.run.OnFunc([]string{"useradd"}, func(c host.Cmd) (host.Result, error) {
		appendFile(t, filepath.Join(root, "etc/passwd"), fmt.Sprintf("vmail:x:%d:%d::/var/vmail:/usr/sbin/nologin\n", uid, gid))
		return host.Result{}, nil
	})
	b.run.OnFunc([]string{"groupadd"}, func(c host.Cmd) (host.Result, error) {
		appendFile(t, filepath.Join(root, "etc/group"), fmt.Sprintf("vmail:x:%d:\n", gid))
		return host.Result{}, nil
	})
	b.run.OnFunc([]string{"doveadm", "user"}, func(c host.Cmd) (host.Result, error) {
		return host.Result{ExitCode: b.doveadmExit}, nil
	})
	b.run.On([]string{"postqueue", "-j"}, host.Result{Stdout: []byte(`{"queue_name": "deferred", "queue_id": "A1B2C3"}` + "\n")})
	b.svc = &Service{Accounts: b.dir, Bind: b.dir.bind, Dial: b.dial, ProbeTimeout: 2 * time.Second}
	b.install(r)
	return b
}

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func appendFile(t *testing.T, p, s string) {
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Error(err)
		return
	}
	defer f.Close()
	f.WriteString(s)
}

// dial answers the probe's connections with a fake Postfix or Dovecot.
func (b *fakeBox) dial(_ context.Context, _, addr string) (net.Conn, error) {
	client, server := net.Pipe()
	switch addr {
	case "127.0.0.1:25":
		go b.smtpServer(server)
	case "127.0.0.1:993":
		go b.imapsServer(server)
	case RspamdMilterAddr:
		go server.Close()
	default:
		client.Close()
		return nil, fmt.Errorf("connection refused")
	}
	return client, nil
}

func (b *fakeBox) smtpServer(c net.Conn) {
	defer c.Close()
	fmt.Fprint(c, "220 dc ESMTP Postfix\r\n")
	rd := bufio.NewReader(c)
	for {
		l, err := rd.ReadString('\n')
		if err != nil {
			return
		}
		switch {
		case strings.HasPrefix(l, "EHLO"):
			fmt.Fprint(c, "250-dc\r\n250 PIPELINING\r\n")
		case strings.HasPrefix(l, "MAIL"):
			fmt.Fprint(c, "250 2.1.0 Ok\r\n")
		case strings.HasPrefix(l, "RCPT"):
			fmt.Fprint(c, b.smtpRCPT+"\r\n")
		case strings.HasPrefix(l, "QUIT"):
			fmt.Fprint(c, "221 Bye\r\n")
			return
		}
	}
}

func (b *fakeBox) imapsServer(c net.Conn) {
	defer c.Close()
	tlsDir := b.env.Path("/var/lib/posse/tls")
	cert, err := tls.LoadX509KeyPair(filepath.Join(tlsDir, "server.crt"), filepath.Join(tlsDir, "server.key"))
	if err != nil {
		return
	}
	s := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}})
	if s.Handshake() != nil {
		return
	}
	fmt.Fprint(s, "* OK [CAPABILITY IMAP4rev1] Dovecot ready.\r\n")
	bufio.NewReader(s).ReadString('\n')
}

// fakeDirectory holds the service account's password once ensured.
type fakeDirectory struct {
	mu       sync.Mutex
	password string
	ensured  []AccountSpec
	fail     error
}

func (d *fakeDirectory) EnsureAccount(_ context.Context, _ *host.Env, spec AccountSpec, pw string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.fail != nil {
		return d.fail
	}
	d.password = pw
	d.ensured = append(d.ensured, spec)
	return nil
}

func (d *fakeDirectory) bind(_ context.Context, _ *host.Env, fqdn, caFile, dn, pw string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.password == "" || pw != d.password {
		return fmt.Errorf("binding as %s: the directory refuses the stored password", dn)
	}
	return nil
}
