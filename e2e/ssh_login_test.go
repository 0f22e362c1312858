// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/e2e/harness"
	"golang.org/x/crypto/ssh"
)

// sshPasswordLogin tries an SSH password (and keyboard-interactive) login
// from the host and runs `id -un`.
func sshPasswordLogin(ip, user, pw string) (string, error) {
	answer := func(_, _ string, qs []string, _ []bool) ([]string, error) {
		a := make([]string, len(qs))
		for i := range a {
			a[i] = pw
		}
		return a, nil
	}
	cfg := &ssh.ClientConfig{
		User:            user,
		Auth:            []ssh.AuthMethod{ssh.Password(pw), ssh.KeyboardInteractive(answer)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), // a throwaway box of this test
		Timeout:         15 * time.Second,
	}
	c, err := ssh.Dial("tcp", net.JoinHostPort(ip, "22"), cfg)
	if err != nil {
		return "", err
	}
	defer c.Close()
	s, err := c.NewSession()
	if err != nil {
		return "", err
	}
	defer s.Close()
	out, err := s.Output("id -un")
	return strings.TrimSpace(string(out)), err
}

// checkSSHLogins: on a box with the site applied, a domain user whose
// password works for SMB and Kerberos cannot log in over SSH, while a
// local office manager (posse-office) can; sshd's effective settings for
// the domain user show why (AllowGroups) and the office manager's session
// forwards nothing.
func checkSSHLogins(t *testing.T, tb *harness.TestBox, domainUser, domainPW string) {
	t.Helper()
	ip := tb.IP()
	tb.MustRun(t, "systemctl", "start", "ssh.service")
	tb.MustRun(t, "sh", "-c", "getent group posse-office >/dev/null || groupadd posse-office; id office2 >/dev/null 2>&1 || useradd -m -s /bin/bash -G posse-office office2; echo 'office2:Buero-Login-2026!' | chpasswd")
	harness.Eventually(t, 20*time.Second, func() error {
		who, err := sshPasswordLogin(ip, "office2", "Buero-Login-2026!")
		if err != nil || who != "office2" {
			return fmt.Errorf("the office manager's local account over SSH: %q %v", who, err)
		}
		return nil
	})
	if who, err := sshPasswordLogin(ip, domainUser, domainPW); err == nil {
		t.Errorf("domain user %s logged in over SSH as %q", domainUser, who)
	}
	if who, err := sshPasswordLogin(ip, "MUELLER\\"+domainUser, domainPW); err == nil {
		t.Errorf("domain user MUELLER\\%s logged in over SSH as %q", domainUser, who)
	}
	eff := tb.MustRun(t, "sshd", "-T", "-C", "user=office2,host=client,addr=10.0.0.9")
	for _, want := range []string{"allowgroups root", "allowtcpforwarding no", "allowstreamlocalforwarding no"} {
		if !strings.Contains(eff, want) {
			t.Errorf("sshd's settings for the office manager lack %q", want)
		}
	}
}
