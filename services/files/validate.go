// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"errors"
	"fmt"
	"github.com/posse-project/posse/rules"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/posse-project/posse/provisioning/site"
)

var (
	groupRE     = regexp.MustCompile(site.GroupPattern)
	workgroupRE = regexp.MustCompile(site.WorkgroupPattern)
	pathRE      = regexp.MustCompile(`^[A-Za-z0-9._/+@-]+$`)
)

// Validate checks every value before it reaches the include file, a path
// or a command argument: share names Samba rejects or reserves, paths
// outside /srv or overlapping the homes folder, comments that could break
// out of their line, and groups that the site does not define (when groups
// is not nil). All problems are reported together.
func (c Config) Validate(groups map[string]bool) error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if !workgroupRE.MatchString(c.Workgroup) {
		add("workgroup %s: use 1–15 of [A-Z0-9-]", quote(c.Workgroup))
	}
	names := map[string]string{}
	for _, sh := range c.Shares {
		if err := site.ShareNameError(sh.Name); err != nil {
			add("share %s: %v", quote(sh.Name), err)
		} else if prev, dup := names[strings.ToLower(sh.Name)]; dup {
			add("shares %s and %s differ only in case; Samba treats them as one: rename one", quote(prev), quote(sh.Name))
		} else {
			names[strings.ToLower(sh.Name)] = sh.Name
		}
		if err := SharePathError(sh.Path); err != nil {
			add("share %s: %v", quote(sh.Name), err)
		} else if c.Homes && (inside(sh.Path, HomesDir) || inside(HomesDir, sh.Path)) {
			add("share %s: path %s overlaps the home folders in %s: choose another directory", quote(sh.Name), sh.Path, HomesDir)
		}
		if err := valueError(sh.Comment); err != nil {
			add("share %s: description %v", quote(sh.Name), err)
		}
		if len(sh.Read) == 0 && len(sh.Write) == 0 {
			add("share %s grants access to no group: list at least one group under read or write", quote(sh.Name))
		}
		for _, g := range sh.Groups() {
			switch {
			case g == rules.DomainUsersGroup: // the template's everyone
			case !groupRE.MatchString(g):
				add("share %s: group %s is not a valid group name", quote(sh.Name), quote(g))
			case groups != nil && !groups[g]:
				add("share %s: group %s is not defined under groups: add it there or remove it from the share", quote(sh.Name), quote(g))
			}
		}
		for _, f := range sh.Folders {
			switch err := site.FolderPathError(f.Rel); {
			case err != nil:
				add("share %s: %v", quote(sh.Name), err)
			case f.Path != sh.Path+"/"+f.Rel:
				add("share %s: folder %s must be %s", quote(sh.Name), quote(f.Rel), sh.Path+"/"+f.Rel)
			}
			if len(f.Read) == 0 && len(f.Write) == 0 {
				add("share %s: folder %s grants access to no group", quote(sh.Name), quote(f.Rel))
			}
			for _, g := range append(slices.Clone(f.Write), f.Read...) {
				if !slices.Contains(sh.Groups(), g) {
					add("share %s: group %s of folder %s has no access to the share: add it to the share's read or write list", quote(sh.Name), quote(g), quote(f.Rel))
				}
			}
		}
		if sh.RecycleBin && (sh.RecycleDays < 1 || sh.RecycleDays > 3650) {
			add("share %s: recycle_days %d is out of range: use 1 to 3650", quote(sh.Name), sh.RecycleDays)
		}
	}
	for _, h := range c.HomeUsers {
		if err := site.UsernameError(h.User); err != nil {
			add("home folder for %s: %v", quote(h.User), err)
			continue
		}
		if h.Path != HomePath(h.User) {
			add("home folder for %s must be %s", h.User, HomePath(h.User))
		}
		if sh, clash := names[strings.ToLower(h.User)]; clash {
			add("share %s has the name of user %s, whose home folder is shared under that name: rename the share", quote(sh), h.User)
		}
	}
	return errors.Join(errs...)
}

// SharePathError says what is wrong with a share path, or returns nil: it
// must be absolute, clean, below /srv and made of [A-Za-z0-9._/+@-].
func SharePathError(p string) error {
	switch {
	case p == "" || !path.IsAbs(p) || path.Clean(p) != p:
		return fmt.Errorf("path %s must be absolute and clean (no \"..\", no trailing slash)", quote(p))
	case !pathRE.MatchString(p):
		return fmt.Errorf("path %s may only contain letters, digits and . _ / + @ - (set path: explicitly for share names with spaces or umlauts)", quote(p))
	case !inside(p, site.SharesRoot) || p == site.SharesRoot:
		return fmt.Errorf("path %s is not inside %s/: use a directory such as %s/name", p, site.SharesRoot, site.DefaultSharesDir)
	}
	return nil
}

// valueError refuses values that could break out of their smb.conf line:
// control characters (newlines), a trailing backslash (line continuation)
// and "%" (Samba's variable substitution).
func valueError(v string) error {
	switch {
	case site.HasControl(v):
		return fmt.Errorf("%s contains control characters or invalid UTF-8", quote(v))
	case strings.HasSuffix(v, `\`):
		return fmt.Errorf("%s ends in a backslash, which continues the line in smb.conf: remove it", quote(v))
	case strings.Contains(v, "%"):
		return fmt.Errorf("%s contains \"%%\", which Samba expands as a variable: write \"percent\" instead", quote(v))
	}
	return nil
}

// inside reports whether p is dir or below it.
func inside(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/")
}

// CheckNoEscape resolves p (an absolute box path) under root, following
// symbolic links in every component that exists, and refuses it when the
// result leaves root's /srv. Missing trailing components are fine: they
// will be created as directories.
func CheckNoEscape(root, p string) error {
	if root == "" {
		root = "/"
	}
	srv, err := filepath.EvalSymlinks(filepath.Join(root, site.SharesRoot))
	if errors.Is(err, os.ErrNotExist) {
		return nil // nothing exists yet, nothing can point elsewhere
	}
	if err != nil {
		return fmt.Errorf("resolve %s: %w", site.SharesRoot, err)
	}
	rootReal, err := filepath.EvalSymlinks(root)
	if err != nil {
		return fmt.Errorf("resolve the root %s: %w", root, err)
	}
	// On a box (root "/") /srv may link to a data disk; under --root it
	// must stay inside the root.
	if !inside(srv, rootReal) || srv == rootReal {
		return fmt.Errorf("%s is a symbolic link leaving the box's file system: replace it with a directory", site.SharesRoot)
	}
	// Find the deepest existing ancestor (or p itself) and resolve it.
	existing := p
	for {
		if _, err := os.Lstat(filepath.Join(root, existing)); err == nil {
			break
		}
		parent := path.Dir(existing)
		if parent == existing {
			return nil
		}
		existing = parent
	}
	real, err := filepath.EvalSymlinks(filepath.Join(root, existing))
	if err != nil {
		return fmt.Errorf("resolve %s: %w", existing, err)
	}
	if !inside(real, srv) {
		return fmt.Errorf("%s leads outside %s through a symbolic link (to %s): replace the link with a directory", p, site.SharesRoot, real)
	}
	return nil
}
