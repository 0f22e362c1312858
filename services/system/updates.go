// SPDX-License-Identifier: GPL-3.0-or-later

package system

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/provisioning/host"
)

// UpdatesUnit is the transient unit an upgrade runs in, so that it goes on
// (and is in the journal) whatever happens to possed meanwhile.
const UpdatesUnit = "posse-updates.service"

// Update is one package an upgrade would change.
type Update struct {
	Package   string `json:"package"`
	Installed string `json:"installed"`
	Candidate string `json:"candidate"`
	// Origin is apt's description of where the candidate comes from:
	// "Label:Version/Suite", several joined by ", ".
	Origin   string `json:"origin"`
	Security bool   `json:"security"`
}

// ParseSimulation reads the Inst lines of `apt-get -s upgrade` (apt's
// simulation, stable for scripts under LC_ALL=C):
//
//	Inst NAME [INSTALLED] (CANDIDATE ORIGIN[, ORIGIN…] [ARCH]) …
//
// A package newly installed has no [INSTALLED]. A candidate is a security
// update when one of its origins' suite ends in "-security" (Debian's
// "trixie-security", "stable-security"). Other lines are ignored.
func ParseSimulation(out []byte) ([]Update, error) {
	var us []Update
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, "Inst ")
		if !ok {
			continue
		}
		u, err := parseInst(rest)
		if err != nil {
			return nil, fmt.Errorf("apt's simulation line %q: %w", line, err)
		}
		us = append(us, u)
	}
	return us, sc.Err()
}

func parseInst(rest string) (Update, error) {
	var u Update
	name, rest, _ := strings.Cut(rest, " ")
	if name == "" {
		return u, fmt.Errorf("no package name")
	}
	u.Package = name
	if r, ok := strings.CutPrefix(rest, "["); ok {
		inst, after, ok := strings.Cut(r, "]")
		if !ok {
			return u, fmt.Errorf("no ] after the installed version")
		}
		u.Installed, rest = inst, strings.TrimPrefix(after, " ")
	}
	r, ok := strings.CutPrefix(rest, "(")
	if !ok {
		return u, fmt.Errorf("no candidate version in parentheses")
	}
	inside, _, ok := strings.Cut(r, ")")
	if !ok {
		return u, fmt.Errorf("no ) after the candidate version")
	}
	if i := strings.LastIndex(inside, " ["); i >= 0 && strings.HasSuffix(inside, "]") {
		inside = inside[:i]
	}
	cand, origin, _ := strings.Cut(inside, " ")
	if cand == "" {
		return u, fmt.Errorf("empty candidate version")
	}
	u.Candidate, u.Origin = cand, origin
	for _, o := range strings.Split(origin, ", ") {
		suite := o
		if i := strings.LastIndex(o, "/"); i >= 0 {
			suite = o[i+1:]
		} else if i := strings.LastIndex(o, ":"); i >= 0 {
			suite = o[i+1:]
		}
		if strings.HasSuffix(suite, "-security") {
			u.Security = true
		}
	}
	return u, nil
}

// UpdatesID identifies a set of pending updates (names and versions), so
// that an upgrade applies exactly the set that was shown.
func UpdatesID(us []Update) string {
	h := sha256.New()
	for _, u := range us {
		fmt.Fprintf(h, "%s\x00%s\x00%s\n", u.Package, u.Installed, u.Candidate)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Places apt leaves a trace when it reads the package lists.
const (
	aptListsDir = "/var/lib/apt/lists"
	// aptPeriodicDir holds apt.systemd.daily's stamps.
	aptPeriodicDir = "/var/lib/apt/periodic"
	// updatesStamp, in Posse's state directory, is touched after each
	// apt-get update Posse runs.
	updatesStamp = "apt-update.stamp"
)

// ListsUpdated says when the package lists were last read: the newest of
// the lists directory, its files, apt.systemd.daily's stamps and Posse's
// own stamp. Zero when none is there.
func ListsUpdated(env *host.Env) time.Time {
	var newest time.Time
	see := func(p string) {
		if fi, err := os.Stat(p); err == nil && fi.ModTime().After(newest) {
			newest = fi.ModTime()
		}
	}
	lists := env.Path(aptListsDir)
	see(lists)
	if ents, err := os.ReadDir(lists); err == nil {
		for _, e := range ents {
			if e.Type().IsRegular() && e.Name() != "lock" {
				see(filepath.Join(lists, e.Name()))
			}
		}
	}
	see(env.Path(filepath.Join(aptPeriodicDir, "update-success-stamp")))
	see(env.Path(filepath.Join(aptPeriodicDir, "update-stamp")))
	see(env.State(updatesStamp))
	return newest
}

// aptEnv makes apt's output parseable and never interactive.
var aptEnv = []string{"LC_ALL=C", "DEBIAN_FRONTEND=noninteractive"}

// RefreshLists runs apt-get update and touches Posse's stamp.
func RefreshLists(ctx context.Context, env *host.Env) error {
	if env.Runner == nil {
		return fmt.Errorf("no command runner configured")
	}
	res, err := env.Runner.Run(ctx, host.Cmd{Argv: []string{"apt-get", "update", "-q"}, Env: aptEnv})
	if err != nil {
		return fmt.Errorf("apt-get update: %w: %s", err, lastLines(res.Stdout, res.Stderr, 5))
	}
	if err := os.MkdirAll(env.State(), 0o755); err == nil {
		now := time.Now()
		if f, err := os.Create(env.State(updatesStamp)); err == nil {
			f.Close()
			os.Chtimes(env.State(updatesStamp), now, now)
		}
	}
	return nil
}

// PendingUpdates asks apt which packages an upgrade would change, without
// taking apt's lock (it only reads) and without reading the lists again.
func PendingUpdates(ctx context.Context, env *host.Env) ([]Update, error) {
	if env.Runner == nil {
		return nil, fmt.Errorf("no command runner configured")
	}
	res, err := env.Runner.Run(ctx, host.Cmd{Argv: []string{"apt-get", "-s", "-q", "-o", "Debug::NoLocking=1", "upgrade"}, Env: aptEnv})
	if err != nil {
		return nil, fmt.Errorf("apt-get -s upgrade: %w: %s", err, lastLines(res.Stdout, res.Stderr, 5))
	}
	return ParseSimulation(res.Stdout)
}

// UpgradeArgv is the command that installs the pending updates in
// UpdatesUnit: systemd-run waits for the unit, whose output goes to the
// journal (journalctl -u posse-updates follows it); dpkg keeps changed
// configuration files (--force-confold) and asks nothing.
func UpgradeArgv() []string {
	return []string{"systemd-run", "--unit=" + UpdatesUnit, "--description=Posse: install the pending Debian updates",
		"--wait", "--collect", "--service-type=exec",
		"--setenv=DEBIAN_FRONTEND=noninteractive", "--setenv=LC_ALL=C",
		"apt-get", "-y", "-q", "-o", "Dpkg::Options::=--force-confold", "-o", "Dpkg::Options::=--force-confdef", "upgrade"}
}

// invocationRE finds the unit's invocation in systemd-run's message
// "Running as unit: posse-updates.service; invocation ID: …".
var invocationRE = regexp.MustCompile(`invocation ID: ([0-9a-f]{32})`)

// Upgrade installs the pending updates through UpdatesUnit and returns
// the end of its output, as the journal has it.
func Upgrade(ctx context.Context, env *host.Env) (string, error) {
	if env.Runner == nil {
		return "", fmt.Errorf("no command runner configured")
	}
	res, err := env.Runner.Run(ctx, host.Cmd{Argv: UpgradeArgv()})
	log := unitLog(ctx, env, res.Stderr)
	if err != nil {
		return log, fmt.Errorf("the upgrade in %s failed: %w (journalctl -u %s has its output):\n%s", UpdatesUnit, err, UpdatesUnit, lastLines([]byte(log), res.Stderr, 5))
	}
	return log, nil
}

// unitLog is the last lines the upgrade's run of UpdatesUnit logged.
func unitLog(ctx context.Context, env *host.Env, runStderr []byte) string {
	argv := []string{"journalctl", "--no-pager", "-q", "-o", "cat", "-n", "20"}
	if m := invocationRE.FindSubmatch(runStderr); m != nil {
		argv = append(argv, "_SYSTEMD_INVOCATION_ID="+string(m[1]))
	} else {
		argv = append(argv, "-u", UpdatesUnit)
	}
	res, _ := env.Runner.Run(ctx, host.Cmd{Argv: argv})
	return strings.TrimSpace(string(res.Stdout))
}

// UpgradeRunning reports whether UpdatesUnit runs now.
func UpgradeRunning(ctx context.Context, env *host.Env) bool {
	if env.Units == nil {
		return false
	}
	st, err := env.Units.Status(ctx, UpdatesUnit)
	return err == nil && (st.ActiveState == "active" || st.ActiveState == "activating")
}

// lastLines is the last n lines of a command's output, for an error.
func lastLines(stdout, stderr []byte, n int) string {
	all := strings.TrimSpace(string(stdout) + "\n" + string(stderr))
	lines := strings.Split(all, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// InstalledVersions asks dpkg for the installed version of each package
// ("" for one that is not installed).
func InstalledVersions(ctx context.Context, env *host.Env, pkgs []string) (map[string]string, error) {
	out := map[string]string{}
	if len(pkgs) == 0 {
		return out, nil
	}
	if env.Runner == nil {
		return nil, fmt.Errorf("no command runner configured")
	}
	argv := append([]string{"dpkg-query", "-W", "-f=${Package}\t${Architecture}\t${db:Status-Abbrev}\t${Version}\n", "--"}, pkgs...)
	res, _ := env.Runner.Run(ctx, host.Cmd{Argv: argv, Env: aptEnv})
	for _, line := range strings.Split(string(res.Stdout), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 4 || !strings.HasPrefix(f[2], "ii") {
			continue
		}
		out[f[0]] = f[3]
		out[f[0]+":"+f[1]] = f[3]
	}
	return out, nil
}

// upgradeRecordFile, in Posse's state directory, records the last upgrade
// Posse ran, for status.
const upgradeRecordFile = "updates-last.json"

// UpgradeRecord is the last upgrade Posse ran.
type UpgradeRecord struct {
	At time.Time `json:"at"`
	// Packages counts the packages it changed.
	Packages int `json:"packages"`
	// Result is "success" or "failed"; Error says why it failed.
	Result string `json:"result"`
	Error  string `json:"error,omitempty"`
}

// SaveUpgradeRecord writes r atomically to the state directory.
func SaveUpgradeRecord(env *host.Env, r UpgradeRecord) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if _, err := fsutil.MkdirAll(env.State()); err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(env.State(upgradeRecordFile), append(b, '\n'), 0o644, fsutil.NoID, fsutil.NoID)
}

// LastUpgrade reads the record of the last upgrade; ok is false when
// Posse ran none (or the record cannot be read).
func LastUpgrade(env *host.Env) (r UpgradeRecord, ok bool) {
	b, err := os.ReadFile(env.State(upgradeRecordFile))
	if err != nil || json.Unmarshal(b, &r) != nil || r.At.IsZero() {
		return UpgradeRecord{}, false
	}
	return r, true
}
