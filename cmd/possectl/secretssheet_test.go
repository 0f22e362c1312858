// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSecretsSheet(t *testing.T) {
	dir := t.TempDir()
	secrets := filepath.Join(dir, "s.yaml")
	raw, err := os.ReadFile("../../examples/small-office.secrets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(secrets, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "sheets.pdf")
	code, o, e := possectl(t, "secrets", "sheet", "../../examples/small-office.yaml", "--secrets", secrets, "-o", out, "--server", "dc1")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, o, e)
	}
	if !strings.Contains(o, "wrote "+out+" (mode 0600): 9 users, one page each") {
		t.Errorf("output %q", o)
	}
	if strings.Contains(o+e, "Example-Anna-1st") {
		t.Error("a password was printed")
	}
	if m := mode(t, out); m != 0o600 {
		t.Errorf("mode %04o, want 0600", m)
	}
	pdf, _ := os.ReadFile(out)
	if n := bytes.Count(pdf, []byte("/Type /Page\n")) + bytes.Count(pdf, []byte("/Type /Page ")); !bytes.HasPrefix(pdf, []byte("%PDF-")) || n != 9 {
		t.Errorf("want a PDF of 9 pages, got %d pages", n)
	}

	t.Run("never over an existing file", func(t *testing.T) {
		code, _, e := possectl(t, "secrets", "sheet", "../../examples/small-office.yaml", "--secrets", secrets, "-o", out)
		if code == 0 || !strings.Contains(e, out+" exists: give a new file name") {
			t.Errorf("exit %d, stderr %q", code, e)
		}
		if after, _ := os.ReadFile(out); !bytes.Equal(after, pdf) {
			t.Error("the existing file changed")
		}
	})
	t.Run("a missing password names the user and the fix", func(t *testing.T) {
		short := filepath.Join(dir, "short.yaml")
		if err := os.WriteFile(short, []byte(strings.Replace(string(raw), "amueller:", "# amueller:", 1)), 0o600); err != nil {
			t.Fatal(err)
		}
		code, _, e := possectl(t, "secrets", "sheet", "../../examples/small-office.yaml", "--secrets", short, "-o", filepath.Join(dir, "x.pdf"))
		if code == 0 || !strings.Contains(e, "no password for amueller: run 'possectl secrets generate") {
			t.Errorf("exit %d, stderr %q", code, e)
		}
		if _, err := os.Stat(filepath.Join(dir, "x.pdf")); err == nil {
			t.Error("a PDF was written anyway")
		}
	})
	t.Run("a bad server name", func(t *testing.T) {
		code, _, e := possectl(t, "secrets", "sheet", "../../examples/small-office.yaml", "--secrets", secrets, "-o", filepath.Join(dir, "y.pdf"), "--server", "dc1;rm")
		if code != 2 || !strings.Contains(e, "not a server's host name") {
			t.Errorf("exit %d, stderr %q", code, e)
		}
	})
}
