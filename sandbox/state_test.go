// SPDX-License-Identifier: GPL-3.0-or-later

package sandbox

import (
	"os"
	"testing"
)

func TestParseStartTime(t *testing.T) {
	// /proc/PID/stat after "PID (comm)": fields 3.. ; field 22 is starttime.
	rest := " S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 987654 20 21"
	got, err := parseStartTime(rest)
	if err != nil || got != 987654 {
		t.Errorf("parseStartTime = %d, %v; want 987654", got, err)
	}
	if _, err := parseStartTime(" S 1 2"); err == nil {
		t.Error("a short line parsed")
	}
}

func TestOwnerAlive(t *testing.T) {
	pid, start := owner()
	if pid != os.Getpid() || start == 0 {
		t.Fatalf("owner() = %d, %d", pid, start)
	}
	for _, tc := range []struct {
		name string
		st   state
		want bool
	}{
		{"this process", state{Owner: pid, OwnerStart: start}, true},
		{"recycled pid", state{Owner: pid, OwnerStart: start + 1}, false},
		{"no owner", state{}, false},
		{"gone", state{Owner: 1 << 30}, false},
	} {
		if got := tc.st.ownerAlive(); got != tc.want {
			t.Errorf("%s: ownerAlive = %v, want %v", tc.name, got, tc.want)
		}
	}
	t.Setenv(ownerEnv, "1")
	if p, _ := owner(); p != 1 {
		t.Errorf("owner with %s=1 = %d", ownerEnv, p)
	}
}
