// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/posse-project/posse/e2e/harness"
)

// sshKeyInto makes an ed25519 key in dir, authorises it for root on each
// box and starts their SSH servers; it returns the private key's file.
func sshKeyInto(t *testing.T, dir string, boxes ...*harness.TestBox) string {
	t.Helper()
	key, pub := harness.HostKey(t, dir)
	for _, tb := range boxes {
		tb.AuthorizeKey(t, "root", pub)
		tb.MustRun(t, "systemctl", "start", "ssh.service")
	}
	return key
}

// acceptHostKey reads the box's host key fingerprint from possectl's
// refusal and accepts it once, as a person would.
func acceptHostKey(t *testing.T, env, keys []string, host string) {
	t.Helper()
	var fp string
	harness.Eventually(t, 30*time.Second, func() error {
		_, e, code := harness.HostPossectl(t, env, append(keys, "--host", host, "status")...)
		if fp = fingerprintRE.FindString(e); code != 1 || fp == "" {
			return fmt.Errorf("exit %d: %s", code, e)
		}
		return nil
	})
	if o, e, code := harness.HostPossectl(t, env, append(keys, "--host", host, "--accept-host-key", fp, "status")...); code != 0 {
		t.Fatalf("status of %s with the accepted key: exit %d\n%s\n%s", host, code, o, e)
	}
}
