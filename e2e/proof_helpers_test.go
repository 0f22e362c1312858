// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/posse-project/posse/e2e/harness"
)

// Helpers of the proof tests (secrets audit, rollback, fault injection,
// benchmarks; issue 12).

// marker is a secret value made for one run: policy compliant (upper,
// lower, digit, symbol, long), and found by its random core even where the
// characters around it were escaped.
type marker struct {
	Name  string // the secret's name
	Value string // the whole password
	Core  string // the random hex in it, what scans look for
}

func newMarker(name string) marker {
	b := make([]byte, 12)
	rand.Read(b)
	core := hex.EncodeToString(b)
	return marker{Name: name, Value: "Mk7!" + strings.ToUpper(core[:2]) + "-" + core + ".Zq", Core: core}
}

// writeSecrets writes a 0600 secrets file of markers into dir.
func writeSecrets(t *testing.T, dir, name string, ms []marker) string {
	t.Helper()
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "%s: %q\n", m.Name, m.Value)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// copySecrets copies a checked-in secrets file to a 0600 temporary file (a
// checkout does not keep the mode).
func copySecrets(t *testing.T, src string) string {
	t.Helper()
	raw, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), filepath.Base(src))
	if err := os.WriteFile(p, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// findMarkers returns the names of the markers whose core is in b.
func findMarkers(b []byte, ms []marker) []string {
	var out []string
	for _, m := range ms {
		if bytes.Contains(b, []byte(m.Core)) {
			out = append(out, m.Name)
		}
	}
	return out
}

// procSampler reads /proc/*/cmdline and /proc/*/environ of every process on
// the host (the box's processes included: the host sees them) every
// interval, and records every marker it finds.
type procSampler struct {
	markers  []marker
	boxNS    string // pid namespace of the box, to count its processes
	interval time.Duration

	stop chan struct{}
	done chan struct{}

	mu       sync.Mutex
	samples  int
	reads    int
	boxProcs map[string]bool // pid:starttime seen in the box
	allProcs map[string]bool
	boxObs   int // process observations in the box (summed over samples)
	hits     []string
	started  time.Time
	elapsed  time.Duration
}

func startProcSampler(markers []marker, boxPID int, interval time.Duration) *procSampler {
	ns, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", boxPID))
	s := &procSampler{markers: markers, boxNS: ns, interval: interval,
		stop: make(chan struct{}), done: make(chan struct{}),
		boxProcs: map[string]bool{}, allProcs: map[string]bool{}, started: time.Now()}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(s.interval) // a slow sample drops ticks
		defer tick.Stop()
		for {
			s.sample()
			select {
			case <-s.stop:
				s.sample()
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

func (s *procSampler) sample() {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.samples++
	for _, e := range ents {
		pid := e.Name()
		if _, err := strconv.Atoi(pid); err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + pid + "/stat")
		if err != nil {
			continue
		}
		key := pid + ":" + startTime(stat)
		ns, _ := os.Readlink("/proc/" + pid + "/ns/pid")
		inBox := ns != "" && ns == s.boxNS
		s.allProcs[key] = true
		if inBox {
			s.boxProcs[key] = true
			s.boxObs++
		}
		for _, f := range []string{"cmdline", "environ"} {
			b, err := os.ReadFile("/proc/" + pid + "/" + f)
			if err != nil {
				continue
			}
			s.reads++
			if names := findMarkers(b, s.markers); len(names) > 0 {
				comm, _ := os.ReadFile("/proc/" + pid + "/comm")
				s.hits = append(s.hits, fmt.Sprintf("/proc/%s/%s (%s, in box: %v): %s: %q", pid, f, strings.TrimSpace(string(comm)), inBox, strings.Join(names, ","), bytes.ReplaceAll(b, []byte{0}, []byte{' '})))
			}
		}
	}
}

// startTime is field 22 of /proc/PID/stat (after the parenthesised comm).
func startTime(stat []byte) string {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return ""
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 20 {
		return ""
	}
	return f[19]
}

// Stop ends the sampling and returns what it saw.
func (s *procSampler) Stop() (samples, reads, boxProcs, allProcs, boxObs int, hits []string, elapsed time.Duration) {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.samples, s.reads, len(s.boxProcs), len(s.allProcs), s.boxObs, s.hits, time.Since(s.started)
}

// boxRoot is the box's root directory as the host sees it.
func boxRoot(tb *harness.TestBox) string {
	return fmt.Sprintf("/proc/%d/root", tb.Sandbox().PID())
}

// walkBoxFiles calls fn for every regular file under dir inside the box
// (through the host's view of its root; symlinks are not followed, other
// file systems below dir are entered).
func walkBoxFiles(tb *harness.TestBox, dir string, fn func(boxPath string, fi fs.FileInfo)) error {
	root := boxRoot(tb)
	return filepath.WalkDir(root+dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // vanished or unreadable: skipped, not fatal
		}
		if !d.Type().IsRegular() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return nil
		}
		fn(strings.TrimPrefix(p, root), fi)
		return nil
	})
}

// hashBoxFiles returns the sha256 of each box file ("absent" when missing),
// with one sha256sum inside the box.
func hashBoxFiles(t *testing.T, tb *harness.TestBox, paths []string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range paths {
		out[p] = "absent"
	}
	o, _, _ := tb.Output(t, append([]string{"sha256sum", "--"}, paths...)...)
	for _, l := range strings.Split(o, "\n") {
		if h, p, ok := strings.Cut(l, "  "); ok {
			out[p] = h
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	k := make([]string, 0, len(m))
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	return k
}
