// SPDX-License-Identifier: GPL-3.0-or-later

package client

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"syscall"
)

// Why a box could not be asked, as Unreachable names it; the fleet's
// problems (possectl fleet status and the app's fleet screen) use these
// words.
const (
	ReachTimeout        = "timeout"
	ReachHostKeyUnknown = "host-key-unknown"
	ReachHostKeyChanged = "host-key-changed"
	ReachRefused        = "connection-refused"
	ReachAuthFailed     = "auth-failed"
	ReachNoRoute        = "no-route"
	ReachNoPossed       = "no-possed"
	ReachError          = "error"
)

// Unreachable names why dialling a box or asking possed on it failed with
// err; ctx is the call's context, whose end counts as a time-out.
func Unreachable(ctx context.Context, err error) string {
	var hke *HostKeyError
	var dnsErr *net.DNSError
	var ce *Error
	var ne net.Error
	switch {
	case errors.As(err, &hke) && hke.Changed:
		return ReachHostKeyChanged
	case errors.As(err, &hke):
		return ReachHostKeyUnknown
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return ReachTimeout
	case errors.Is(err, syscall.ECONNREFUSED):
		return ReachRefused
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH), errors.As(err, &dnsErr):
		return ReachNoRoute
	case strings.Contains(err.Error(), "unable to authenticate"), strings.Contains(err.Error(), "no SSH key"):
		return ReachAuthFailed
	case errors.As(err, &ce), strings.Contains(err.Error(), "systemd-stdio-bridge"):
		return ReachNoPossed
	}
	return ReachError
}
