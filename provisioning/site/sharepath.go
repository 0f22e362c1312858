// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// MaxSharePath is the longest path inside a share that Posse accepts.
const MaxSharePath = 4096

// CleanSharePath checks a path inside a share as a person types it
// ("Budget/2026.xlsx", "/Budget/", with \ as Windows writes it) and
// returns it relative and "/"-separated. The share itself, "..", control
// characters and the snapshot directory are refused.
func CleanSharePath(p string) (string, error) {
	if len(p) > MaxSharePath {
		return "", fmt.Errorf("path %s is longer than %d bytes", quote(clipName(p)), MaxSharePath)
	}
	if hasControl(p) || strings.ContainsRune(p, 0) {
		return "", fmt.Errorf("path %s holds a control character", quote(clipName(p)))
	}
	p = strings.ReplaceAll(p, `\`, "/")
	for _, c := range strings.Split(p, "/") {
		if c == ".." {
			return "", fmt.Errorf("path %s goes up with ..: name a file or folder inside the share", quote(clipName(p)))
		}
	}
	clean := strings.TrimPrefix(path.Clean("/"+p), "/")
	if clean == "" {
		return "", errors.New("name a file or folder inside the share, not the share itself")
	}
	if first, _, _ := strings.Cut(clean, "/"); first == SnapshotDir {
		return "", fmt.Errorf("path %s is inside the snapshots themselves: name the file as it is in the share", quote(clipName(p)))
	}
	return clean, nil
}
