// SPDX-License-Identifier: GPL-3.0-or-later

// Package archtest holds the import rules of the project as a test: which
// package may import which. See docs/architecture.md for the picture.
package archtest
