// SPDX-License-Identifier: GPL-3.0-or-later

package sandbox

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// state is what a running box leaves in RunDir/NAME.json.
type state struct {
	Name  string `json:"name"`
	Index int    `json:"index"`
	// Network is the lab network the box belongs to ("" for a box on its
	// own /24) and Host the last octet of its address there (0 means 2).
	Network string    `json:"network,omitempty"`
	Host    int       `json:"host,omitempty"`
	PID     int       `json:"pid"` // host PID of the box's systemd; 0 while booting
	Image   string    `json:"image"`
	BinDir  string    `json:"bin_dir"`
	Cgroup  string    `json:"cgroup"`
	Started time.Time `json:"started"`
	// Owner is the process that brought the box up (or $POSSE_SANDBOX_OWNER)
	// and OwnerStart its start time, so that test runs can tell their
	// boxes from those a dead run left behind.
	Owner      int    `json:"owner"`
	OwnerStart uint64 `json:"owner_start"`
}

// ownerEnv names a process to record as a box's owner instead of the
// caller: the e2e harness sets it for possectl processes it starts.
const ownerEnv = "POSSE_SANDBOX_OWNER"

// owner returns the PID and start time to record as a box's owner.
func owner() (int, uint64) {
	pid := os.Getpid()
	if v, err := strconv.Atoi(os.Getenv(ownerEnv)); err == nil && v > 0 {
		pid = v
	}
	st, _ := processStart(pid)
	return pid, st
}

// processStart returns a process's start time in clock ticks since boot
// (field 22 of /proc/PID/stat).
func processStart(pid int) (uint64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	return parseStartTime(s[i+1:])
}

// parseStartTime reads field 22 from the part of /proc/PID/stat after the
// command name, which starts with field 3.
func parseStartTime(rest string) (uint64, error) {
	f := strings.Fields(rest)
	if len(f) < 20 {
		return 0, fmt.Errorf("short /proc stat line")
	}
	return strconv.ParseUint(f[19], 10, 64)
}

// ownerAlive reports whether the process that brought the box up still runs.
func (st *state) ownerAlive() bool {
	if st.Owner <= 0 {
		return false
	}
	start, err := processStart(st.Owner)
	return err == nil && (st.OwnerStart == 0 || start == st.OwnerStart)
}

func writeState(st *state) error {
	if err := os.MkdirAll(RunDir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(stateFile(st.Name), append(b, '\n'), 0o644)
}

func readState(name string) (*state, error) {
	b, err := os.ReadFile(stateFile(name))
	if err != nil {
		return nil, err
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("corrupt box state %s: %w (remove it with 'possectl sandbox down %s')", stateFile(name), err, name)
	}
	if st.Name != name {
		return nil, fmt.Errorf("box state %s names %q, not %q", stateFile(name), st.Name, name)
	}
	return &st, nil
}

// writeFileAtomic writes data to a temporary file next to path and renames it.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// alive reports whether pid is the systemd of box name: the process exists
// and sits in the box's cgroup (which guards against a recycled PID).
func alive(pid int, name string) bool {
	if pid <= 0 {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		return false
	}
	want := "/" + cgroupPrefix + name
	for _, line := range strings.Split(string(b), "\n") {
		if p, ok := strings.CutPrefix(line, "0::"); ok {
			return p == want || strings.HasPrefix(p, want+"/")
		}
	}
	return false
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}
