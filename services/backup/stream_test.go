// SPDX-License-Identifier: GPL-3.0-or-later

package backup

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/host/execx"
)

func TestStreamRunner(t *testing.T) {
	for _, tc := range []struct {
		script string
		lines  []string
		code   int
	}{
		{"echo a; echo err >&2; printf 'b\\r\\n'; printf c", []string{"a", "b", "c"}, 0},
		{"echo x; exit 3", []string{"x"}, 3},
		{"true", nil, 0},
	} {
		var got []string
		res, err := StreamRunner{Runner: execx.New()}.RunLines(t.Context(), host.Cmd{Argv: []string{"sh", "-c", tc.script}}, func(l []byte) { got = append(got, string(l)) })
		if !slices.Equal(got, tc.lines) || res.ExitCode != tc.code {
			t.Errorf("%q: lines %q exit %d, want %q %d", tc.script, got, res.ExitCode, tc.lines, tc.code)
		}
		var ee *execx.ExitError
		if (tc.code != 0) != errors.As(err, &ee) {
			t.Errorf("%q: err %v", tc.script, err)
		}
	}
	_, err := StreamRunner{}.RunLines(t.Context(), host.Cmd{Argv: []string{"/nonexistent/restic"}}, func([]byte) {})
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/restic") {
		t.Errorf("missing command: %v", err)
	}
	// The child's environment is clean: only PATH, LANG and c.Env.
	var env []string
	StreamRunner{}.RunLines(t.Context(), host.Cmd{Argv: []string{"env"}, Env: []string{"X=1"}}, func(l []byte) { env = append(env, string(l)) })
	slices.Sort(env)
	if !slices.Equal(env, []string{"LANG=C.UTF-8", "PATH=" + execx.DefaultPath, "X=1"}) {
		t.Errorf("child environment %q", env)
	}
}
