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
