// SPDX-License-Identifier: GPL-3.0-or-later

// Package version holds Posse's version, set at build time from git tags.
package version

// Version is set with -ldflags "-X …/internal/version.Version=…".
var Version = "dev"
