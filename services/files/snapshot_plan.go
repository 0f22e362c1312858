// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
)

// KindSubvolume creates a share's directory as a btrfs subvolume; its
// Spec is a SubvolumeSpec.
const KindSubvolume = "files.subvolume"

// SubvolumeSpec is the spec of a KindSubvolume step.
type SubvolumeSpec struct {
	Path string `json:"path"`
}

// SnapshotsDoc is where the messages about snapshots send people.
const SnapshotsDoc = "docs/snapshots.md"

// CheckSnapshotStorage refuses a site with snapshots unless its storage
// path, and the nearest existing folder of every share with snapshots,
// is on btrfs, naming the file system found. It needs the live box: the
// subvolumes cannot be made offline (--root).
func CheckSnapshotStorage(st *site.Site, cfg Config, env *host.Env) error {
	if !hasSnapshots(cfg) {
		return nil
	}
	if env.Offline {
		return fmt.Errorf("snapshots need the live box: share folders become btrfs subvolumes there; plan without --root (see %s)", SnapshotsDoc)
	}
	if st.Storage == nil {
		return fmt.Errorf("snapshots need storage: {path: /srv, filesystem: btrfs} in the template (see %s)", SnapshotsDoc)
	}
	sp := st.Storage.Path
	t, err := fsType(env.Path(sp))
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("storage path %s does not exist: mount the btrfs data file system there; see %s", sp, SnapshotsDoc)
	}
	if err != nil {
		return fmt.Errorf("storage path %s: %w", sp, err)
	}
	if t != BtrfsMagic {
		return fmt.Errorf("%s is %s, Previous Versions needs btrfs; see %s", sp, FSName(t), SnapshotsDoc)
	}
	for _, sh := range snapshotDirs(cfg) {
		d, err := existingAncestor(env.Path, sh.Path)
		if err != nil {
			return fmt.Errorf("%s: %w", sectionName(cfg, sh), err)
		}
		t, err := fsType(env.Path(d))
		if err != nil {
			return fmt.Errorf("%s: %s: %w", sectionName(cfg, sh), d, err)
		}
		if t != BtrfsMagic {
			return fmt.Errorf("%s: %s is %s, Previous Versions needs btrfs; see %s", sectionName(cfg, sh), d, FSName(t), SnapshotsDoc)
		}
	}
	return nil
}

func hasSnapshots(cfg Config) bool {
	return len(snapshotDirs(cfg)) > 0
}

// snapshotDirs lists the shares and home folders of cfg with snapshots,
// homes as shares named after their user (Samba's section names).
func snapshotDirs(cfg Config) []Share {
	var out []Share
	for _, sh := range cfg.Shares {
		if sh.Snapshots {
			out = append(out, sh)
		}
	}
	for _, h := range cfg.HomeUsers {
		if h.Snapshots {
			out = append(out, h.share())
		}
	}
	return out
}

// subvolumeStep plans a share's directory as a btrfs subvolume when it
// does not exist yet. An existing subvolume needs nothing; an existing
// plain directory is refused, since its files cannot become a subvolume
// in place.
func subvolumeStep(steps *[]plan.Step, env *host.Env, cfg Config, sh Share) error {
	full := env.Path(sh.Path)
	fi, err := os.Lstat(full)
	if errors.Is(err, os.ErrNotExist) {
		st := plan.NewStep(Name, plan.Create, KindSubvolume, sh.Path, "btrfs subvolume, for snapshots", SubvolumeSpec{Path: sh.Path})
		st.Changes = []plan.Change{{Field: "subvolume", After: "created"}}
		*steps = append(*steps, st)
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is a file, expected a directory; move it away and plan again", sh.Path)
	}
	ok, err := isSubvolume(full)
	if err != nil {
		return fmt.Errorf("%s: %w", sh.Path, err)
	}
	if !ok {
		return plainDirError(sectionName(cfg, sh), sh)
	}
	return nil
}

// sectionName names a share ("share \"Akten\"") or a home folder ("the
// home folder of alice") for messages.
func sectionName(cfg Config, sh Share) string {
	if _, ok := cfg.FindShare(sh.Name); ok {
		return "share " + quote(sh.Name)
	}
	return "the home folder of " + sh.Name
}

func plainDirError(what string, sh Share) error {
	p := sh.Path
	optOut := ""
	if strings.HasPrefix(what, "share ") {
		optOut = "; or set snapshots: false on the share"
	}
	return fmt.Errorf("%s: %s is a plain directory, but snapshots need it to be a btrfs subvolume: "+
		"move it away (mv %s %s.old), apply again to create the subvolume, then copy the files back "+
		"(cp -a --reflink=always %s.old/. %s/) and remove %s.old%s (see %s)",
		what, p, p, p, p, p, p, optOut, SnapshotsDoc)
}

// ApplySubvolume creates the spec's directory as a btrfs subvolume with
// `btrfs subvolume create PATH` (argv, no shell), after its parents. An
// existing subvolume is left alone; a plain directory is refused.
func ApplySubvolume(ctx context.Context, env *host.Env, spec SubvolumeSpec) error {
	if err := SharePathError(spec.Path); err != nil {
		return err
	}
	if err := CheckNoEscape(env.Root, spec.Path); err != nil {
		return err
	}
	full := env.Path(spec.Path)
	if _, err := os.Lstat(full); err == nil {
		ok, err := isSubvolume(full)
		if err != nil {
			return err
		}
		if !ok {
			return plainDirError("folder "+spec.Path, Share{Path: spec.Path})
		}
		return nil
	}
	// Parents with mode 0755 whatever the umask (possectl runs with 077):
	// users pass through them to the share.
	if _, err := fsutil.MkdirAll(path.Dir(full)); err != nil {
		return err
	}
	if _, err := env.Runner.Run(ctx, host.Cmd{Argv: []string{"btrfs", "subvolume", "create", full}}); err != nil {
		return fmt.Errorf("create btrfs subvolume %s: %w", spec.Path, err)
	}
	return nil
}
