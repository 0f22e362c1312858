// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func possectl(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return possectlIn(t, "", args...)
}

// possectlIn runs possectl with stdin, with every flag back at its
// default first (cobra keeps values between runs).
func possectlIn(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	resetFlags(rootCmd)
	rootCmd.SetIn(strings.NewReader(stdin))
	defer rootCmd.SetIn(nil)
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func resetFlags(c *cobra.Command) {
	reset := func(f *pflag.Flag) {
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			sv.Replace(nil)
		} else {
			f.Value.Set(f.DefValue)
		}
		f.Changed = false
	}
	c.Flags().VisitAll(reset)
	c.PersistentFlags().VisitAll(reset)
	for _, sub := range c.Commands() {
		resetFlags(sub)
	}
}

func TestValidateExitCodes(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("version: 1\nsite:\n  name: x\n  domian: a.example\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   string
		stderr   []string
		noStderr bool
	}{
		{"valid example", []string{"validate", "../../examples/small-office.yaml"}, 0, "valid", nil, true},
		{"invalid template", []string{"validate", bad}, 1, "", []string{bad + ":4:3: unknown key \"domian\"", `did you mean "domain"?`, "possectl validate " + bad}, false},
		{"missing file", []string{"validate", filepath.Join(dir, "nope.yaml")}, 1, "", []string{"nope.yaml"}, false},
		{"no argument", []string{"validate"}, 2, "", []string{"needs a site template file"}, false},
		{"unknown command", []string{"frobnicate"}, 2, "", []string{"unknown command"}, false},
		{"unknown flag", []string{"validate", "--frob", "x"}, 2, "", []string{"unknown flag"}, false},
		{"version", []string{"version"}, 0, "possectl ", nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := possectl(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errOut)
			}
			if !strings.Contains(out, tc.stdout) {
				t.Errorf("stdout %q does not contain %q", out, tc.stdout)
			}
			for _, want := range tc.stderr {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr does not contain %q:\n%s", want, errOut)
				}
			}
			if tc.noStderr && errOut != "" {
				t.Errorf("unexpected stderr: %s", errOut)
			}
		})
	}
}
