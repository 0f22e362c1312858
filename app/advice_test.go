// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"strings"
	"testing"

	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon/api"
)

// TestAdviceForWireErrors: the bus's own errors get advice of their own,
// not "look at possed's log" (possed never saw the call).
func TestAdviceForWireErrors(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&client.Error{Name: api.ErrVersion, Message: "possectl and possed differ in version: update both"}, "same version"},
		{&client.Error{Name: "org.freedesktop.DBus.Error.ServiceUnknown", Message: "possed is not running"}, "switched on"},
		{&client.Error{Name: "org.freedesktop.DBus.Error.NoReply", Message: "possed did not answer"}, "switched on"},
		{&client.Error{Name: api.ErrFailed, Message: "x"}, "journalctl -u possed"},
	}
	for _, tt := range tests {
		if got := advice(tt.err); !strings.Contains(got, tt.want) {
			t.Errorf("advice(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
