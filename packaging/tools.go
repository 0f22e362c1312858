// SPDX-License-Identifier: GPL-3.0-or-later

//go:build tools

// Package packaging holds the files of the Debian package (see
// docs/packaging.md). This file only keeps nfpm, the package builder that
// scripts/deb.sh runs with `go run`, pinned in go.mod.
package packaging

import (
	_ "github.com/goreleaser/nfpm/v2/cmd/nfpm"
)
