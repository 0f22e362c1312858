package files

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
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
	if spec.Propagate {
		cur, _, err := ReadACL(ctx, env, a.Path)
		if err != nil {
			return err
		}
		if err := propagate(ctx, env, full, cur, want); err != nil {
			return err
		}
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

// propagate carries changed named-group entries of a share root into the
// existing tree, so that a group changed from read to write (or added, or
// removed) gets the same access to existing folders and files, not only to
// new ones: `setfacl -R -P -n -m g:ID:rwX` (and -d for default ACLs of
// folders), `-x g:ID` for removed groups. -P never follows links; -n keeps
// each file's mask, so folders kept private (a user's recycle folder,
// mask ---) stay private. Entries the root already had unchanged are not
// touched, so ACLs users set on their own files are left alone.
func propagate(ctx context.Context, env *host.Env, full string, cur, want NumACL) error {
	var mod, modDef, rm []string
	for k, perm := range want.Entries {
		if !strings.HasPrefix(k, "group:") || k == "group:" || cur.Entries[k] == perm {
			continue
		}
		mod = append(mod, k+":"+strings.ReplaceAll(perm, "x", "X"))
		modDef = append(modDef, k+":"+perm)
	}
	for k := range cur.Entries {
		if strings.HasPrefix(k, "group:") && k != "group:" {
			if _, ok := want.Entries[k]; !ok {
				rm = append(rm, k)
			}
		}
	}
	sort.Strings(mod)
	sort.Strings(modDef)
	sort.Strings(rm)
	var runs [][]string
	if len(mod) > 0 {
		runs = append(runs, []string{"-m", strings.Join(mod, ",")}, []string{"-d", "-m", strings.Join(modDef, ",")})
	}
	if len(rm) > 0 {
		runs = append(runs, []string{"-x", strings.Join(rm, ",")}, []string{"-d", "-x", strings.Join(rm, ",")})
	}
	for _, r := range runs {
		argv := append([]string{"setfacl", "-R", "-P", "-n"}, r...)
		argv = append(argv, "--", full)
		if _, err := env.Runner.Run(ctx, host.Cmd{Argv: argv}); err != nil {
			return fmt.Errorf("carry the ACL change into %s: %w", full, err)
		}
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
