// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUsersSheet: users add and set-password with --sheet write the
// person's sheet as a one-page PDF (0600) through possed; a generated
// password then goes to the sheet alone, and is never printed; a sheet
// file that exists stops the command before anything changes.
func TestUsersSheet(t *testing.T) {
	r := newRig(t)
	dir := t.TempDir()
	sheet := filepath.Join(dir, "dora.pdf")
	code, out, errOut := r.run(t, "", "users", "add", "dora", "--given-name", "Dora", "--surname", "Öztürk", "--sheet", sheet)
	if code != 0 {
		t.Fatalf("add --sheet: %d %s %s", code, out, errOut)
	}
	pw := r.box.Password("dora")
	if len(pw) < generatedLength || strings.Contains(out+errOut, pw) {
		t.Errorf("generated password %d characters long, printed: %v", len(pw), strings.Contains(out+errOut, pw))
	}
	if !strings.Contains(out, "wrote the password sheet to "+sheet+" (mode 0600)") {
		t.Errorf("output %q", out)
	}
	pdf, err := os.ReadFile(sheet)
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) || bytes.Count(pdf, []byte("/Type /Page\n"))+bytes.Count(pdf, []byte("/Type /Page ")) != 1 {
		t.Fatalf("sheet: %v, %d bytes", err, len(pdf))
	}
	if m := mode(t, sheet); m != 0o600 {
		t.Errorf("sheet mode %04o", m)
	}

	// The same file again: refused before the password changes.
	code, _, errOut = r.run(t, "", "users", "set-password", "dora", "--sheet", sheet)
	if code != 2 || !strings.Contains(errOut, "--sheet "+sheet+" exists") || r.box.Password("dora") != pw {
		t.Errorf("set-password onto an existing sheet: exit %d, %q; password changed: %v", code, errOut, r.box.Password("dora") != pw)
	}
	again := filepath.Join(dir, "dora2.pdf")
	if code, out, errOut := r.run(t, "Dora-New-Pw-2026\n", "users", "set-password", "dora", "--password-stdin", "--sheet", again); code != 0 {
		t.Fatalf("set-password --sheet: %d %s %s", code, out, errOut)
	}
	if _, err := os.Stat(again); err != nil {
		t.Error(err)
	}
}
