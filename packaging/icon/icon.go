// SPDX-License-Identifier: GPL-3.0-or-later

// Package icon holds the Posse icon: the source posse.svg and the PNGs
// rendered from it (render.sh), which the Debian package posse-desktop
// installs into the hicolor icon theme (packaging/deb/posse-desktop.yaml).
// The app's window icon is PNG, embedded here.
package icon

import _ "embed"

// Sizes are the sizes of the rendered PNGs, posse-<size>.png.
var Sizes = []int{16, 32, 48, 64, 128, 256, 512}

// PNG is the 256×256 icon, the app's window icon (FyneApp.toml names the
// same file).
//
//go:embed posse-256.png
var PNG []byte
