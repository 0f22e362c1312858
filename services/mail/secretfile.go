// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
)

// Files that hold the service account's password: Postfix's lookup tables
// are read by Postfix daemons (group postfix), Dovecot's as root (2.3's
// auth process opens it before dropping privileges; 2.4's config process,
// which runs as root, reads it where dovecot.conf includes it).
var secretFiles = []struct {
	path, owner, group string
	mode               uint32
}{
	{LDAPMailboxesPath, "root", "postfix", 0o640},
	{LDAPAliasesPath, "root", "postfix", 0o640},
	{LDAPSendersPath, "root", "postfix", 0o640},
	{DovecotLDAPPath, "root", "root", 0o600},
}

// fillPassword replaces the placeholder with the password.
func fillPassword(content, pw string) (string, error) {
	if !validPassword(pw) {
		return "", errors.New("the stored mail service password is not one Posse generated")
	}
	return strings.ReplaceAll(content, passwordPlaceholder, pw), nil
}

// secretFileStep compares a secret file with the box. pw is "" when the
// password does not exist yet (the file is then always written). The step
// holds the placeholder, never the password, and no diff.
func secretFileStep(env *host.Env, spec plan.FileSpec, pw string) (plan.Step, bool, error) {
	cur, err := fsutil.ReadState(env.Path(spec.Path))
	if err != nil {
		return plan.Step{}, false, err
	}
	if cur.Dir {
		return plan.Step{}, false, fmt.Errorf("%s is a directory, expected a file; move it away and plan again", spec.Path)
	}
	var changes []plan.Change
	same := false
	if pw != "" && cur.Exists {
		want, err := fillPassword(spec.Content, pw)
		if err != nil {
			return plan.Step{}, false, err
		}
		same = string(cur.Data) == want
	}
	if !same {
		changes = append(changes, plan.Change{Field: "content", Sensitive: true})
	}
	if cur.Exists && fsutil.ToUnix(cur.Mode) != spec.Mode {
		changes = append(changes, plan.Change{Field: "mode", Before: fmt.Sprintf("%04o", fsutil.ToUnix(cur.Mode)), After: fmt.Sprintf("%04o", spec.Mode)})
	}
	if cur.Exists && !env.Offline {
		uid, gid, err := fsutil.Owner(env.Path("/"), spec.Owner, spec.Group)
		if err != nil {
			return plan.Step{}, false, fmt.Errorf("%s: %w", spec.Path, err)
		}
		if uid != cur.UID || gid != cur.GID {
			changes = append(changes, plan.Change{Field: "owner", Before: fmt.Sprintf("%d:%d", cur.UID, cur.GID), After: spec.Owner + ":" + spec.Group})
		}
	}
	if len(changes) == 0 {
		return plan.Step{}, false, nil
	}
	action := plan.Update
	if !cur.Exists {
		action = plan.Create
	}
	st := plan.NewStep(Name, action, KindSecretFile, spec.Path, "holds the mail service account's password", spec)
	st.Changes = changes
	return st, true, nil
}

// writeSecretFile writes spec with the stored password filled in.
func (s *Service) writeSecretFile(env *host.Env, spec plan.FileSpec) error {
	if err := plan.CleanPath(spec.Path); err != nil {
		return err
	}
	if !isSecretFile(spec.Path) {
		return fmt.Errorf("%s is not a file the mail service writes with its password", spec.Path)
	}
	pw, err := ReadPassword(env)
	if err != nil {
		return fmt.Errorf("%s: %w (make the plan again)", spec.Path, err)
	}
	data, err := fillPassword(spec.Content, pw)
	if err != nil {
		return err
	}
	return s.replaceFile(env, spec, []byte(data))
}

// replaceFile writes data as spec says, after remembering the file's
// previous state for Rollback.
func (s *Service) replaceFile(env *host.Env, spec plan.FileSpec, data []byte) error {
	full := env.Path(spec.Path)
	prev, err := fsutil.ReadState(full)
	if err != nil {
		return err
	}
	if prev.Dir {
		return fmt.Errorf("%s is a directory, expected a file; move it away and apply again", spec.Path)
	}
	uid, gid := fsutil.NoID, fsutil.NoID
	if !env.Offline {
		if uid, gid, err = fsutil.Owner(env.Path("/"), spec.Owner, spec.Group); err != nil {
			return fmt.Errorf("%s: %w", spec.Path, err)
		}
	}
	if _, err := os.Stat(filepath.Dir(full)); err != nil {
		return fmt.Errorf("%s: %w (is the package that owns it installed?)", spec.Path, err)
	}
	s.mu.Lock()
	if s.backups == nil {
		s.backups = map[string]fsutil.State{}
	}
	if _, ok := s.backups[spec.Path]; !ok {
		s.backups[spec.Path] = prev
	}
	s.mu.Unlock()
	_, err = fsutil.EnsureFile(full, data, fsutil.FromUnix(spec.Mode), uid, gid)
	return err
}

func isSecretFile(p string) bool {
	for _, f := range secretFiles {
		if f.path == p {
			return true
		}
	}
	return false
}

// Rollback restores the secret files, TLS copies and DKIM keys this apply wrote (newest first, as
// the engine passes them) to their previous bytes, mode and owner, and
// removes the ones it created. A directory account is left as it is.
func (s *Service) Rollback(_ context.Context, ran []plan.Step, env *host.Env) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, st := range ran {
		if st.Kind != KindSecretFile && st.Kind != KindTLSFile && st.Kind != KindDKIMKey {
			continue
		}
		prev, ok := s.backups[st.Target]
		if !ok {
			continue
		}
		delete(s.backups, st.Target)
		full := env.Path(st.Target)
		if !prev.Exists {
			if err := os.Remove(full); err != nil && !os.IsNotExist(err) {
				errs = append(errs, err)
			}
			continue
		}
		if err := fsutil.WriteFileAtomic(full, prev.Data, prev.Mode, prev.UID, prev.GID); err != nil {
			errs = append(errs, err)
		}
	}
	// The key directory goes after its keys, when this apply made it.
	if prev, ok := s.backups[DKIMDir]; ok {
		delete(s.backups, DKIMDir)
		if !prev.Exists {
			if err := os.Remove(env.Path(DKIMDir)); err != nil && !os.IsNotExist(err) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// Forget drops the backups of a finished apply.
func (s *Service) Forget() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.backups = map[string]fsutil.State{}
}
