// SPDX-License-Identifier: GPL-3.0-or-later

package migrate

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/provisioning/fsmo"
)

// Phases of a migration, in order, as the state file records them.
const (
	// PhaseNone: nothing was changed on this box yet.
	PhaseNone = ""
	// PhaseJoining: migrate join started but has not finished.
	PhaseJoining = "joining"
	// PhaseJoined: the box is an additional DC of the old domain with
	// SYSVOL copied.
	PhaseJoined = "joined"
	// PhaseRoles: the FSMO roles are on the box.
	PhaseRoles = "roles-moved"
	// PhaseOldRemoved: the old DC is removed from the domain.
	PhaseOldRemoved = "old-dc-removed"
)

// StateFile is the migration's state under Posse's state directory.
const StateFile = "migration.json"

// State is what the migration has done on this box. It holds no secret.
type State struct {
	Phase string `json:"phase"`
	// From is the old DC's address as given; OldDC its host name
	// (dNSHostName) and OldName its NetBIOS name, needed to remove it
	// when it is gone.
	From    string `json:"from"`
	OldDC   string `json:"old_dc"`
	OldName string `json:"old_name"`
	Domain  string `json:"domain"`
	Realm   string `json:"realm"`
	NetBIOS string `json:"netbios"`
	// Host is this box's name in the domain.
	Host string `json:"host"`

	JoinStarted   time.Time `json:"join_started,omitzero"`
	Joined        time.Time `json:"joined,omitzero"`
	JoinSeconds   float64   `json:"join_seconds,omitempty"`
	SysvolFiles   int       `json:"sysvol_files,omitempty"`
	RolesMoved    time.Time `json:"roles_moved,omitzero"`
	OldRemoved    time.Time `json:"old_removed,omitzero"`
	SysvolSkipped string    `json:"sysvol_skipped,omitempty"`
}

// Reached says whether the state is at phase p or later.
func (s State) Reached(p string) bool { return phaseIndex(s.Phase) >= phaseIndex(p) }

func phaseIndex(p string) int {
	for i, q := range []string{PhaseNone, PhaseJoining, PhaseJoined, PhaseRoles, PhaseOldRemoved} {
		if p == q {
			return i
		}
	}
	return -1
}

// LoadState reads the state file at path; a missing file is the zero
// State (nothing done).
func LoadState(path string) (State, error) {
	var s State
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("reading the migration state: %w", err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("%s is damaged (%v): move it aside and run the phase again, it finds what is done", path, err)
	}
	if phaseIndex(s.Phase) < 0 {
		return s, fmt.Errorf("%s names an unknown phase %q", path, clip(s.Phase, 40))
	}
	return s, nil
}

// SaveState writes s to path atomically, mode 0600.
func SaveState(path string, s State) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dirOf(path), 0o755); err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(path, append(b, '\n'), 0o600, fsutil.NoID, fsutil.NoID)
}

func dirOf(p string) string {
	if i := strings.LastIndexByte(p, '/'); i > 0 {
		return p[:i]
	}
	return "."
}

// Progress is what migrate status shows: the state and, once the box is a
// DC, the role owners and domain controllers it sees.
type Progress struct {
	State
	// Next is the command of the next phase, or "" when all are done.
	Next  string           `json:"next,omitempty"`
	Roles []fsmo.RoleOwner `json:"roles,omitempty"`
	DCs   []string         `json:"dcs,omitempty"`
	// Problem is why the roles or DCs could not be read.
	Problem string `json:"problem,omitempty"`
}

// NextStep is the command that continues a migration at phase p.
func NextStep(p string) string {
	switch p {
	case PhaseNone:
		return "possectl migrate plan --from ADDRESS --secrets FILE, then possectl migrate join"
	case PhaseJoining:
		return "possectl migrate join --from ADDRESS --secrets FILE (it resumes)"
	case PhaseJoined:
		return "possectl migrate cutover --from ADDRESS --secrets FILE"
	case PhaseRoles:
		return "demote the old DC (or switch it off), then possectl migrate cutover --remove-old"
	}
	return ""
}

// WriteProgress prints st in words.
func WriteProgress(w io.Writer, st Progress) error {
	var b strings.Builder
	p := func(f string, a ...any) { fmt.Fprintf(&b, f, a...) }
	phase := st.Phase
	if phase == PhaseNone {
		phase = "not started (nothing changed on this box)"
	}
	p("Migration: %s\n", phase)
	if st.Domain != "" {
		p("  domain:      %s (%s), NetBIOS %s\n", st.Domain, st.Realm, st.NetBIOS)
		p("  old DC:      %s (%s at %s)\n", st.OldDC, st.OldName, st.From)
		p("  this box:    %s\n", st.Host)
	}
	if !st.Joined.IsZero() {
		p("  joined:      %s (%.0fs), SYSVOL %d files\n", st.Joined.UTC().Format(time.RFC3339), st.JoinSeconds, st.SysvolFiles)
	}
	if st.SysvolSkipped != "" {
		p("  SYSVOL:      not copied: %s\n", st.SysvolSkipped)
	}
	if !st.RolesMoved.IsZero() {
		p("  roles moved: %s\n", st.RolesMoved.UTC().Format(time.RFC3339))
	}
	if !st.OldRemoved.IsZero() {
		p("  old DC removed: %s\n", st.OldRemoved.UTC().Format(time.RFC3339))
	}
	for _, r := range st.Roles {
		p("  role %-26s %s\n", r.Role, r.Server)
	}
	if len(st.DCs) > 0 {
		p("  domain controllers: %s\n", strings.Join(st.DCs, ", "))
	}
	if st.Problem != "" {
		p("  problem: %s\n", st.Problem)
	}
	if st.Next != "" {
		p("Next: %s\n", st.Next)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
