// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"

	"github.com/posse-project/posse/provisioning/host"
)

// ReadACL reads a directory's owner, group, setgid flag and ACL, as
// `getfacl -p -n PATH` prints them, from the inode and its ACL xattrs
// (no process per directory). exists is false when the directory is
// missing.
func ReadACL(_ context.Context, env *host.Env, p string) (n NumACL, exists bool, err error) {
	full := env.Path(p)
	fi, err := os.Lstat(full)
	if errors.Is(err, os.ErrNotExist) {
		return NumACL{}, false, nil
	}
	if err != nil {
		return NumACL{}, false, err
	}
	if !fi.IsDir() {
		return NumACL{}, false, fmt.Errorf("%s is not a directory (a file or a symbolic link): move it away", p)
	}
	n, err = readACL(full)
	if err != nil {
		return NumACL{}, true, fmt.Errorf("read the ACL of %s: %w", p, err)
	}
	return n, true, nil
}

// ApplyACL resolves the spec's names (see Wbinfo) and makes the directory
// so: owner and group (chown, never following a link), the ACL entries
// with `setfacl --set-file=- PATH` (the entries on stdin, only the path in
// argv), then the setgid bit, and removes a stored Windows ACL. The
// directory must exist and resolve inside /srv.
func ApplyACL(ctx context.Context, env *host.Env, spec ACLSpec) error {
	a := spec.ACL
	if err := SharePathError(a.Path); err != nil {
		return err
	}
	if err := CheckNoEscape(env.Root, a.Path); err != nil {
		return err
	}
	users, groups := aclNames(a)
	ids, missing, err := Wbinfo{Runner: env.Runner, Workgroup: spec.Workgroup, Wait: winbindWait}.Resolve(ctx, users, groups)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s not in the directory: add them to the site template (the directory service creates them)", strings.Join(missing, ", "))
	}
	want, err := a.Resolve(ids)
	if err != nil {
		return err
	}
	full := env.Path(a.Path)
	fi, err := os.Lstat(full)
	if err != nil {
		return fmt.Errorf("%s: %w", a.Path, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory: move it away and apply again", a.Path)
	}
	if err := lchown(full, want.UID, want.GID); err != nil {
		return fmt.Errorf("set owner of %s: %w", a.Path, err)
	}
	if _, err := env.Runner.Run(ctx, host.Cmd{Argv: []string{"setfacl", "--set-file=-", "--", full}, Stdin: want.SetfaclInput()}); err != nil {
		return fmt.Errorf("set the ACL of %s: %w", a.Path, err)
	}
	fi, err = os.Lstat(full)
	if err != nil {
		return err
	}
	mode := fi.Mode().Perm()
	if want.Setgid {
		mode |= os.ModeSetgid
	}
	if err := os.Chmod(full, mode); err != nil {
		return fmt.Errorf("set mode of %s: %w", a.Path, err)
	}
	if err := removeNTACL(full); err != nil {
		return fmt.Errorf("%s: %w", a.Path, err)
	}
	return nil
}

// lchown changes owner and group without following links; tests replace
// it, since only root may give files away.
var lchown = os.Lchown

// NTACLAttr is where Samba's acl_xattr module stores a Windows ACL.
const NTACLAttr = "security.NTACL"

// hasNTACL reports whether a Windows ACL is stored on the directory,
// which Samba would use instead of the POSIX ACL.
func hasNTACL(full string) bool {
	n, err := syscall.Getxattr(full, NTACLAttr, nil)
	return err == nil && n > 0
}

// removeNTACL drops a stored Windows ACL so the POSIX ACL Posse sets is
// what Samba maps and enforces.
func removeNTACL(full string) error {
	err := syscall.Removexattr(full, NTACLAttr)
	if err == nil || errors.Is(err, syscall.ENODATA) || errors.Is(err, syscall.ENOTSUP) {
		return nil
	}
	return fmt.Errorf("remove the Windows ACL (%s): %w", NTACLAttr, err)
}
