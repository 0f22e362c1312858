// SPDX-License-Identifier: GPL-3.0-or-later

//go:build unix

package site

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// checkOwner refuses a secrets file not owned by the calling user.
func checkOwner(path string, fi fs.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if uid := os.Getuid(); int(st.Uid) != uid {
		return fmt.Errorf(errSecretsOwner, path, st.Uid, uid, uid, path, path)
	}
	return nil
}
