// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"context"
	"flag"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/posse-project/posse/daemon/api"
)

var update = flag.Bool("update", false, "rewrite the markup goldens in testdata/")

func TestMain(m *testing.M) {
	flag.Parse()
	os.Setenv("LC_ALL", "en_US.UTF-8") // goldens are English
	time.Local = time.UTC
	if err := loadTranslations(); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

// testNow is the clock of every test.
var testNow = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// fake is the tests' Backend: the demo office with fixed times, a call
// log and errors to inject by method name.
type fake struct {
	*Demo
	mu    sync.Mutex
	calls []string
	fail  map[string]error
	// passwords remembers only the length of each password set, and
	// whether it must be changed.
	pwLen      map[string]int
	mustChange map[string]bool
}

func newFake(users int) *fake {
	d := NewDemo(users)
	d.Now = func() time.Time { return testNow }
	d.backup.LastRun = "2026-11-22T22:30:00Z"
	d.backup.LastSuccess = "2026-11-22T22:30:00Z"
	d.backup.NextRun = "2026-11-23T22:30:00Z"
	d.backup.LastCheck = "2026-11-22T04:05:00Z"
	d.backup.LastDrill = "2026-11-07T05:10:00Z"
	d.backup.LastDrillDetail = "20 of 20 sampled files came back whole"
	d.backup.Copies = []api.CopyStatus{{Name: "offsite", Repository: "sftp:posse@backup.example:/mueller", LastRun: "2026-11-23T01:30:00Z", LastResult: "success",
		LastSuccess: "2026-11-23T01:30:00Z", Snapshots: 41, SizeBytes: 186 << 30}}
	d.alerts.LastCheck, d.alerts.Open[0].Since, d.alerts.Open[0].LastMail = "2026-11-23T08:55:00Z", "2026-11-23T06:50:00Z", "2026-11-23T06:51:00Z"
	return &fake{Demo: d, fail: map[string]error{}, pwLen: map[string]int{}, mustChange: map[string]bool{}}
}

func (f *fake) log(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, name)
	return f.fail[name]
}

func (f *fake) called(name string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.calls {
		if c == name {
			return true
		}
	}
	return false
}

func (f *fake) CreateUser(ctx context.Context, u api.User, password string, mustChange bool) error {
	if err := f.log("CreateUser"); err != nil {
		return err
	}
	f.pwLen[u.Username], f.mustChange[u.Username] = len(password), mustChange
	return f.Demo.CreateUser(ctx, u, password, mustChange)
}

func (f *fake) SetPassword(ctx context.Context, username, password string, mustChange bool) error {
	if err := f.log("SetPassword"); err != nil {
		return err
	}
	f.pwLen[username], f.mustChange[username] = len(password), mustChange
	return f.Demo.SetPassword(ctx, username, password, mustChange)
}

func (f *fake) Export(ctx context.Context) ([]byte, error) {
	if err := f.log("Export"); err != nil {
		return nil, err
	}
	return f.Demo.Export(ctx)
}

func (f *fake) SetShare(ctx context.Context, s api.Share) error {
	if err := f.log("SetShare " + s.Name); err != nil {
		return err
	}
	return f.Demo.SetShare(ctx, s)
}

func (f *fake) DeleteUser(ctx context.Context, username string) error {
	if err := f.log("DeleteUser"); err != nil {
		return err
	}
	return f.Demo.DeleteUser(ctx, username)
}

func (f *fake) ImportUsers(ctx context.Context, csv []byte, dryRun bool) (api.ImportResult, error) {
	name := "ImportUsers"
	if dryRun {
		name += "(dry)"
	}
	if err := f.log(name); err != nil {
		return api.ImportResult{}, err
	}
	return f.Demo.ImportUsers(ctx, csv, dryRun)
}

func (f *fake) Restore(ctx context.Context, snapshot string, paths []string, target string) (api.RestoreResult, error) {
	if err := f.log("Restore " + strings.Join(paths, ",") + " -> " + target); err != nil {
		return api.RestoreResult{}, err
	}
	return f.Demo.Restore(ctx, snapshot, paths, target)
}

func (f *fake) RestoreShareFiles(ctx context.Context, snapshot, share string, paths []string, alongside bool) (api.ShareRestored, error) {
	if err := f.log(fmt.Sprintf("RestoreShareFiles %s %s alongside=%v", share, strings.Join(paths, ","), alongside)); err != nil {
		return api.ShareRestored{}, err
	}
	return f.Demo.RestoreShareFiles(ctx, snapshot, share, paths, alongside)
}

// newBridge connects a synchronous bridge to a fake.
func newBridge(f *fake) *Bridge {
	return &Bridge{Backend: f, Box: DemoHost, Hostname: DemoHost, Sync: true}
}

// window shows content in a test window of the given size.
func window(t *testing.T, content fyne.CanvasObject, w, h float32) fyne.Window {
	t.Helper()
	win := test.NewTempWindow(t, content)
	win.Resize(fyne.NewSize(w, h))
	return win
}

// golden compares the canvas with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, c fyne.Canvas) {
	t.Helper()
	if *update {
		p := filepath.Join("testdata", name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(test.RenderToMarkup(c)), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	test.AssertRendersToMarkup(t, name, c)
	if dir := os.Getenv("POSSE_GOLDEN_PNG"); dir != "" {
		// For looking at the goldens: go test with POSSE_GOLDEN_PNG=/tmp/x.
		f, err := os.Create(filepath.Join(dir, strings.TrimSuffix(name, ".xml")+".png"))
		if err == nil {
			png.Encode(f, c.Capture())
			f.Close()
		}
	}
}

// all lists every object on the canvas, overlays (dialogs) first.
func all(c fyne.Canvas) []fyne.CanvasObject {
	var objs []fyne.CanvasObject
	if top := c.Overlays().Top(); top != nil {
		objs = append(objs, test.LaidOutObjects(top)...)
	}
	return append(objs, test.LaidOutObjects(c.Content())...)
}

// button finds the visible button labelled text.
func button(t *testing.T, c fyne.Canvas, text string) *widget.Button {
	t.Helper()
	for _, o := range all(c) {
		if b, ok := o.(*widget.Button); ok && b.Text == text && b.Visible() {
			return b
		}
	}
	t.Fatalf("no button %q on the canvas", text)
	return nil
}

// hasText reports whether a visible label or rich text on the canvas contains s.
func hasText(c fyne.Canvas, s string) bool {
	for _, o := range all(c) {
		switch w := o.(type) {
		case *widget.Label:
			if w.Visible() && strings.Contains(w.Text, s) {
				return true
			}
		case *widget.Card:
			if w.Visible() && strings.Contains(w.Title, s) {
				return true
			}
		case *widget.RichText:
			if w.Visible() && strings.Contains(w.String(), s) {
				return true
			}
		}
	}
	return false
}

func TestParseArgs(t *testing.T) {
	o, err := ParseArgs([]string{"--demo", "--screen", "users", "site.yaml"}, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	if !o.Demo || o.Screen != "users" || o.Template != "site.yaml" || o.Width != 1280 {
		t.Errorf("ParseArgs = %+v", o)
	}
	o, _ = ParseArgs([]string{"t.yaml"}, os.Stderr)
	if o.Screen != "template" {
		t.Errorf("a template on the command line opens the template screen, got %q", o.Screen)
	}
}

func TestSuggestUsername(t *testing.T) {
	for _, c := range []struct{ given, sur, want string }{
		{"Anna", "Müller", "anna.mueller"},
		{"Jürgen", "Groß", "juergen.gross"},
		{"Hans-Peter", "von der Heide", "hans-peter.vonderhei"},
		{"", "Weiß", "weiss"},
	} {
		if got := SuggestUsername(c.given, c.sur); got != c.want {
			t.Errorf("SuggestUsername(%q, %q) = %q, want %q", c.given, c.sur, got, c.want)
		}
		if msg := CheckUsername(SuggestUsername(c.given, c.sur)); msg != "" {
			t.Errorf("suggested username for %s %s is refused: %s", c.given, c.sur, msg)
		}
	}
}

func TestGeneratePasswordMeetsPolicy(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		pw := GeneratePassword()
		if err := checkDefaultPolicy("anna.mueller", pw); err != nil {
			t.Fatalf("generated password refused by the default policy: %v", err)
		}
		seen[pw] = true
	}
	if len(seen) < 195 {
		t.Errorf("only %d different passwords in 200", len(seen))
	}
}
