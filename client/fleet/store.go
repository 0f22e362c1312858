// SPDX-License-Identifier: GPL-3.0-or-later

package fleet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/posse-project/posse/internal/fsutil"
	"gopkg.in/yaml.v3"
)

// File is the fleet file: where it is and the boxes in it.
type File struct {
	// Path is fleet.yaml or fleet.json in the configuration directory.
	Path string `json:"-" yaml:"-"`
	// Boxes are kept sorted by name.
	Boxes []Entry `json:"boxes" yaml:"boxes"`
}

// Dir is the directory of the fleet file: $XDG_CONFIG_HOME/posse, or
// ~/.config/posse.
func Dir() (string, error) {
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "posse"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("cannot find the configuration directory: %w (set XDG_CONFIG_HOME or HOME)", err)
	}
	return filepath.Join(home, ".config", "posse"), nil
}

// Path finds the fleet file in dir: fleet.json when only that one exists,
// fleet.yaml otherwise. Both at once is an error: which one counts would be
// a guess.
func Path(dir string) (string, error) {
	y, j := filepath.Join(dir, "fleet.yaml"), filepath.Join(dir, "fleet.json")
	_, ye := os.Stat(y)
	_, je := os.Stat(j)
	switch {
	case ye == nil && je == nil:
		return "", fmt.Errorf("both %s and %s exist: keep one of them", y, j)
	case je == nil:
		return j, nil
	}
	return y, nil
}

// Load reads the fleet file in dir; a missing file is an empty fleet.
// Every entry is checked, and a name used twice is refused.
func Load(dir string) (*File, error) {
	p, err := Path(dir)
	if err != nil {
		return nil, err
	}
	f := &File{Path: p}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return nil, err
	}
	if isJSON(p) {
		d := json.NewDecoder(bytes.NewReader(b))
		d.DisallowUnknownFields()
		err = d.Decode(f)
	} else if len(bytes.TrimSpace(b)) > 0 {
		d := yaml.NewDecoder(bytes.NewReader(b))
		d.KnownFields(true)
		err = d.Decode(f)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	seen := map[string]bool{}
	for _, e := range f.Boxes {
		if err := e.Validate(); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if seen[strings.ToLower(e.Name)] {
			return nil, fmt.Errorf("%s: box %s is listed twice", p, e.Name)
		}
		seen[strings.ToLower(e.Name)] = true
	}
	f.sort()
	return f, nil
}

func isJSON(p string) bool { return strings.HasSuffix(p, ".json") }

func (f *File) sort() {
	sort.Slice(f.Boxes, func(i, j int) bool { return f.Boxes[i].Name < f.Boxes[j].Name })
}

// Find returns the entry called name (names compare case-insensitively).
func (f *File) Find(name string) (Entry, bool) {
	for _, e := range f.Boxes {
		if strings.EqualFold(e.Name, name) {
			return e, true
		}
	}
	return Entry{}, false
}

// Add checks e and adds it; a name already in the fleet is refused.
func (f *File) Add(e Entry) error {
	if err := e.Validate(); err != nil {
		return err
	}
	if old, ok := f.Find(e.Name); ok {
		return fmt.Errorf("there is already a box %s (%s) in the fleet: remove it first with 'possectl fleet remove %s'", old.Name, old.Host, old.Name)
	}
	f.Boxes = append(f.Boxes, e)
	f.sort()
	return nil
}

// Remove takes the entry called name out; it reports whether there was one.
func (f *File) Remove(name string) bool {
	for i, e := range f.Boxes {
		if strings.EqualFold(e.Name, name) {
			f.Boxes = append(f.Boxes[:i], f.Boxes[i+1:]...)
			return true
		}
	}
	return false
}

// Save writes the file atomically with mode 0600, creating its directory
// (0700) when needed.
func (f *File) Save() error {
	if err := os.MkdirAll(filepath.Dir(f.Path), 0o700); err != nil {
		return err
	}
	if f.Boxes == nil {
		f.Boxes = []Entry{}
	}
	var b []byte
	var err error
	if isJSON(f.Path) {
		b, err = json.MarshalIndent(f, "", "  ")
		b = append(b, '\n')
	} else {
		b, err = yaml.Marshal(f)
		b = append([]byte("# The boxes 'possectl fleet status' asks; change it with possectl fleet add and remove.\n"), b...)
	}
	if err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(f.Path, b, 0o600, fsutil.NoID, fsutil.NoID)
}
