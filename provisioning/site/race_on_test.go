// SPDX-License-Identifier: GPL-3.0-or-later

//go:build race

package site

// raceEnabled is true under the race detector, which slows parsing ~20×.
const raceEnabled = true
