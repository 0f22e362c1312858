// SPDX-License-Identifier: GPL-3.0-or-later

package client

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/daemon/daemontest"
)

func TestErrorsWithoutPossed(t *testing.T) {
	addr := daemontest.StartBus(t)
	c, err := Dial(context.Background(), Options{BusAddress: addr, CallTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Status(context.Background())
	if err == nil || !strings.Contains(err.Error(), "possed is not running on this box") {
		t.Errorf("Status() without possed: %v", err)
	}
	if IsNotAuthorized(err) || IsNotFound(err) {
		t.Errorf("error %v classified as a possed error", err)
	}
}

func TestDialErrors(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"bad bus address", Options{BusAddress: "unix:path=/nonexistent/bus"}, "cannot connect to the bus at unix:path=/nonexistent/bus"},
		{"bad host", Options{Host: "anna@box -oProxyCommand=x"}, "is not of the form user@host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Dial(context.Background(), tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Dial error = %v, want %q", err, tt.want)
			}
		})
	}
}
