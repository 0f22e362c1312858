// SPDX-License-Identifier: GPL-3.0-or-later

package harness

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// RootKey returns the public half of root's ed25519 key in the box, making
// an unencrypted one first if root has none (restic and the backup copies
// log in with it, without a terminal or an agent).
func (tb *TestBox) RootKey(t testing.TB) string {
	t.Helper()
	return tb.MustRun(t, "sh", "-ec", `
install -d -m 0700 /root/.ssh
test -f /root/.ssh/id_ed25519 || ssh-keygen -q -t ed25519 -N "" -C "root@posse" -f /root/.ssh/id_ed25519
cat /root/.ssh/id_ed25519.pub`)
}

// AuthorizeKey lets pub log in as user (an existing account with a home)
// over SSH: it is added once to the user's authorized_keys, mode 0600.
func (tb *TestBox) AuthorizeKey(t testing.TB, user, pub string) {
	t.Helper()
	tb.mustExec(t, strings.TrimSpace(pub)+"\n", "sh", "-ec", `
home=$(getent passwd "$1" | cut -d: -f6)
group=$(id -gn "$1")
install -d -m 0700 -o "$1" -g "$group" "$home/.ssh"
key=$(cat)
touch "$home/.ssh/authorized_keys"
grep -qxF "$key" "$home/.ssh/authorized_keys" || printf '%s\n' "$key" >> "$home/.ssh/authorized_keys"
chown "$1:$group" "$home/.ssh/authorized_keys"
chmod 0600 "$home/.ssh/authorized_keys"`, "sh", user)
}

// TrustHost puts host's ed25519 key, as ssh-keyscan from the box reads it,
// into root's known_hosts in place of any older key for host; it waits up
// to 30 s for sshd there to answer.
func (tb *TestBox) TrustHost(t testing.TB, host string) {
	t.Helper()
	Eventually(t, 30*time.Second, func() error {
		o, e, code := tb.Output(t, "ssh-keyscan", "-t", "ed25519", host)
		if code != 0 || !strings.Contains(o, "ssh-ed25519") {
			return fmt.Errorf("ssh-keyscan %s in box %s: exit %d: %s%s", host, tb.Name(), code, o, e)
		}
		tb.mustExec(t, o, "sh", "-ec", `
install -d -m 0700 /root/.ssh
touch /root/.ssh/known_hosts
ssh-keygen -q -R "$1" -f /root/.ssh/known_hosts >/dev/null 2>&1 || true
cat >> /root/.ssh/known_hosts`, "sh", host)
		return nil
	})
}

// CheckSSH fails the test unless root in the box logs in to login
// (user@host) over SSH with its key alone, as restic does.
func (tb *TestBox) CheckSSH(t testing.TB, login string) {
	t.Helper()
	if o, e, code := tb.Output(t, "ssh", "-o", "BatchMode=yes", login, "echo", "ok"); code != 0 || strings.TrimSpace(o) != "ok" {
		t.Fatalf("ssh %s as root in box %s: exit %d: %s%s", login, tb.Name(), code, o, e)
	}
}

// HostKey makes an unencrypted ed25519 key for the test's own SSH client
// on the host: the private key is written to dir/id_ed25519 (0600), and
// the public key is returned in authorized_keys form.
func HostKey(t testing.TB, dir string) (keyFile, pub string) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	keyFile = filepath.Join(dir, "id_ed25519")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return keyFile, string(ssh.MarshalAuthorizedKey(signer.PublicKey()))
}
