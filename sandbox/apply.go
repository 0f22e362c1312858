// SPDX-License-Identifier: GPL-3.0-or-later

package sandbox

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
)

// applyDir is where Apply puts the template and secrets inside the box: a
// directory on the box's /run tmpfs that only root can enter.
const applyDir = "/run/posse-apply"

// Apply copies a site template and its secrets into the box (mode 0600),
// runs `possectl apply TEMPLATE --secrets SECRETS --yes` inside, and removes
// the copies afterwards, also when the apply fails. It returns possectl's
// exit code. possectl hands the apply to possed in the box (installed at
// Up); with binaries without possed it applies in process (--direct).
func (b *Box) Apply(ctx context.Context, template, secrets string, stdout, stderr io.Writer) (int, error) {
	if _, err := b.Exec(ctx, RunOptions{}, "install", "-d", "-m", "0700", applyDir); err != nil {
		return -1, err
	}
	defer b.Exec(context.WithoutCancel(ctx), RunOptions{}, "rm", "-rf", "--", applyDir)
	boxTemplate := applyDir + "/" + safeBase(filepath.Base(template), "site.yaml")
	boxSecrets := applyDir + "/secrets/" + safeBase(filepath.Base(secrets), "secrets.yaml")
	if _, err := b.Exec(ctx, RunOptions{}, "install", "-d", "-m", "0700", applyDir+"/secrets"); err != nil {
		return -1, err
	}
	if err := b.CopyIn(template, boxTemplate, 0o600); err != nil {
		return -1, fmt.Errorf("copy the template into box %s: %w", b.Name(), err)
	}
	args := []string{"possectl", "apply", boxTemplate, "--yes"}
	if secrets != "" {
		if err := b.CopyIn(secrets, boxSecrets, 0o600); err != nil {
			return -1, fmt.Errorf("copy the secrets into box %s: %w", b.Name(), err)
		}
		args = []string{"possectl", "apply", boxTemplate, "--secrets", boxSecrets, "--yes"}
	}
	if !hasDaemon(b.st.BinDir) {
		// A box without possed (its binaries have none) is changed in
		// process, as root.
		args = append(args, "--direct")
	}
	return b.Run(ctx, RunOptions{Stdout: stdout, Stderr: stderr}, args...)
}

// safeBase keeps a file's base name if it is plain, else uses def.
func safeBase(base, def string) string {
	if base == "" || base == "." || base == "/" || base[0] == '.' || base[0] == '-' {
		return def
	}
	for _, r := range base {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return def
		}
	}
	return base
}
