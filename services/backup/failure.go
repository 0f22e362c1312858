// SPDX-License-Identifier: GPL-3.0-or-later

package backup

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/provisioning/host"
)

// Failure reasons of a restic command that Posse explains itself.
const (
	// ReasonWrongPassword: the password file opens none of the
	// repository's keys.
	ReasonWrongPassword = "wrong_password"
	// ReasonTargetFull: the file system restic wrote to is full.
	ReasonTargetFull = "target_full"
)

// resticWrongPasswordExit is restic's exit code for "wrong password or no
// key found" since restic 0.17; older versions exit 1 with the same text.
const resticWrongPasswordExit = 12

// ResticError is a restic failure Posse recognised: Error says what
// happened in people's words and what to do; Unwrap gives restic's own
// error.
type ResticError struct {
	// Reason is ReasonWrongPassword or ReasonTargetFull.
	Reason string
	// Repo is the repository the failure is about.
	Repo string
	// Path is the file restic could not write (ReasonTargetFull); Free
	// and Total describe the file system holding it, Known is false when
	// they could not be measured.
	Path        string
	Free, Total uint64
	Known       bool
	// Outside is set when Path is not in the repository (restic's cache
	// or a temporary directory on the box's own disk).
	Outside bool
	// Line is restic's own line about the failure.
	Line string
	Err  error
}

func (e *ResticError) Error() string {
	switch e.Reason {
	case ReasonWrongPassword:
		return fmt.Sprintf("the backup password does not open the repository %s (restic: %s): "+
			"%s is not the password of any of the repository's keys; put the repository's own password in the secrets file "+
			"(backup.password) and apply the site again, or add this password to the repository with 'restic key add' "+
			"(see docs/backup.md, Wrong password)", e.Repo, e.Line, PasswordFile)
	case ReasonTargetFull:
		space := "free space unknown"
		if e.Known {
			space = fmt.Sprintf("%s free of %s", Bytes(int64(e.Free)), Bytes(int64(e.Total)))
		}
		if e.Outside {
			return fmt.Sprintf("the disk holding %s is full while working on the repository %s (no space left on device writing %s; %s): "+
				"no new snapshot was saved; free space on that disk, then run it again (see docs/backup.md, Full disk)", filepath.Dir(e.Path), e.Repo, e.Path, space)
		}
		return fmt.Sprintf("the disk of the repository %s is full (no space left on device writing %s; %s): "+
			"no new snapshot was saved; free space on that disk or move the repository to a larger one, then run it again ('possectl backup run' or 'possectl backup copy NAME') "+
			"(see docs/backup.md, Full disk)", e.Repo, e.Path, space)
	}
	return e.Err.Error()
}

// Unwrap returns restic's own error.
func (e *ResticError) Unwrap() error { return e.Err }

// noSpaceRE finds the file restic could not write in its error text:
// "write PATH: no space left on device" (also open, mkdir, rename, sync).
var noSpaceRE = regexp.MustCompile(`(?:write|open|mkdir|rename|sync|create)\s+(\S+?):\s+no space left on device`)

// ClassifyRestic looks at a failed restic command's exit code and stderr
// and returns the reason Posse knows (ReasonWrongPassword,
// ReasonTargetFull, or "" for any other failure), restic's own line about
// it and, for a full disk, the path restic could not write ("" when its
// text names none). It parses both restic 0.14's plain "Fatal: …" lines
// and the {"message_type":"exit_error"} lines of 0.17+ with --json.
func ClassifyRestic(res host.Result) (reason, line, path string) {
	lines := resticLines(res.Stderr)
	for _, l := range lines {
		if strings.Contains(l, "wrong password or no key found") {
			return ReasonWrongPassword, strings.TrimPrefix(l, "Fatal: "), ""
		}
	}
	for _, l := range lines {
		if strings.Contains(l, "no space left on device") {
			if m := noSpaceRE.FindStringSubmatch(l); m != nil {
				path = m[1]
			}
			return ReasonTargetFull, strings.TrimPrefix(l, "Fatal: "), path
		}
	}
	if res.ExitCode == resticWrongPasswordExit {
		return ReasonWrongPassword, "wrong password or no key found", ""
	}
	return "", "", ""
}

// resticLines returns stderr's non-empty lines, a JSON exit_error or
// error message replaced by its text.
func resticLines(stderr []byte) []string {
	var out []string
	for _, l := range strings.Split(string(stderr), "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if strings.HasPrefix(l, "{") {
			var m struct {
				Message string `json:"message"`
				Error   struct {
					Message string `json:"message"`
				} `json:"error"`
			}
			if json.Unmarshal([]byte(l), &m) == nil {
				switch {
				case m.Message != "":
					l = m.Message
				case m.Error.Message != "":
					l = m.Error.Message
				}
			}
		}
		out = append(out, l)
	}
	return out
}

// explain turns a failed restic command's error into a ResticError when
// its reason is known: repo is the repository written to, pwRepo the one
// a wrong password is blamed on, root the file system root to measure
// free space under. Other errors come back unchanged.
func explain(res host.Result, err error, repo, pwRepo, root string) error {
	if err == nil {
		return nil
	}
	reason, line, path := ClassifyRestic(res)
	if reason == "" {
		return err
	}
	e := &ResticError{Reason: reason, Repo: repo, Line: line, Err: err}
	if reason == ReasonWrongPassword {
		e.Repo = pwRepo
	}
	if reason == ReasonTargetFull {
		e.Path = path
		if path == "" {
			e.Path = "the repository"
		}
		if strings.HasPrefix(path, "/") {
			e.Free, e.Total, e.Known = freeSpace(root, path)
		}
		// A full cache or temporary directory is a disk of the box,
		// not the repository's.
		e.Outside = path != "" && !strings.HasPrefix(repo, "sftp:") && !strings.HasPrefix(path, strings.TrimSuffix(repo, "/")+"/")
	}
	return e
}

// freeSpace measures the file system holding path (its nearest existing
// parent: restic removes its temporary file) under root.
func freeSpace(root, path string) (free, total uint64, ok bool) {
	if root == "" {
		root = "/"
	}
	for p := path; ; p = filepath.Dir(p) {
		if free, total, err := fsutil.Space(filepath.Join(root, p)); err == nil {
			return free, total, true
		}
		if p == "/" || p == "." {
			return 0, 0, false
		}
	}
}

// IsReason reports whether err is a recognised restic failure of reason.
func IsReason(err error, reason string) bool {
	var re *ResticError
	return errors.As(err, &re) && re.Reason == reason
}
