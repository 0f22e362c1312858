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
	Name    string    `json:"name"`
	Index   int       `json:"index"`
	PID     int       `json:"pid"` // host PID of the box's systemd; 0 while booting
	Image   string    `json:"image"`
	BinDir  string    `json:"bin_dir"`
	Cgroup  string    `json:"cgroup"`
	Started time.Time `json:"started"`
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
