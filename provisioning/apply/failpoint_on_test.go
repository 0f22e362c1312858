//go:build failpoints

package apply

import (
	"strings"
	"testing"
)

func TestFailpointError(t *testing.T) {
	r := setUp(t, "NEW")
	t.Setenv(FailpointsEnv, "after-step:0=error")
	old := r.read("/etc/samba/smb.conf")
	_, err := r.apply(r.makePlan())
	if err == nil || !strings.Contains(err.Error(), "failpoint after-step:0") {
		t.Fatalf("err = %v", err)
	}
	if r.read("/etc/samba/smb.conf") != old {
		t.Error("failpoint error not rolled back")
	}
}
