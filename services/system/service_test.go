// SPDX-License-Identifier: GPL-3.0-or-later

package system

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/apply"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
)

// fakeTimedate does what systemd-timedated does to the files under root:
// it points /etc/localtime at the zone with a relative link. broken makes
// it answer success and link another zone instead ("": write nothing).
type fakeTimedate struct {
	root   string
	calls  []string
	broken map[string]string
	fail   error
	dials  int
}

func (f *fakeTimedate) dial(context.Context) (Timedate, func(), error) {
	f.dials++
	return f, func() {}, nil
}

func (f *fakeTimedate) SetTimezone(_ context.Context, zone string) error {
	f.calls = append(f.calls, zone)
	if f.fail != nil {
		return f.fail
	}
	if other, ok := f.broken[zone]; ok {
		if other == "" {
			return nil
		}
		zone = other
	}
	full := filepath.Join(f.root, "etc/localtime")
	os.Remove(full)
	return os.Symlink("../usr/share/zoneinfo/"+zone, full)
}

// fakeRoot is a box root with a few zones, /etc/localtime linking to
// Etc/UTC as Debian's installer leaves it, and /etc/timezone.
func fakeRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	zi := filepath.Join(root, "usr/share/zoneinfo")
	for _, z := range []string{"Etc/UTC", "Europe/Berlin", "America/New_York", "UTC"} {
		write(t, filepath.Join(zi, z), "TZif2\x00fake zone data "+z)
	}
	write(t, filepath.Join(zi, "zone.tab"), "# tzdb timezone descriptions\n")
	mustDo(t, os.Symlink("America/New_York", filepath.Join(zi, "posixrules")))
	mustDo(t, os.MkdirAll(filepath.Join(zi, "US"), 0o755))
	mustDo(t, os.Symlink("../America/New_York", filepath.Join(zi, "US/Eastern")))
	// A link out of the root: the host's file must never be read.
	mustDo(t, os.Symlink("/etc/passwd", filepath.Join(zi, "Evil")))
	mustDo(t, os.MkdirAll(filepath.Join(root, "etc"), 0o755))
	mustDo(t, os.Symlink("/usr/share/zoneinfo/Etc/UTC", filepath.Join(root, "etc/localtime")))
	write(t, filepath.Join(root, "etc/timezone"), "Etc/UTC\n")
	return root
}

func write(t *testing.T, p, content string) {
	t.Helper()
	mustDo(t, os.MkdirAll(filepath.Dir(p), 0o755))
	mustDo(t, os.WriteFile(p, []byte(content), 0o644))
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

type rig struct {
	t   *testing.T
	env *host.Env
	td  *fakeTimedate
	svc *Service
}

func newRig(t *testing.T) *rig {
	root := fakeRoot(t)
	td := &fakeTimedate{root: root, broken: map[string]string{}}
	svc := New()
	svc.Dial = td.dial
	return &rig{t: t, env: &host.Env{Root: root}, td: td, svc: svc}
}

func siteWith(zone string) *site.Site {
	return &site.Site{Site: site.Info{Name: "Test", Domain: "example.lan", Workgroup: "TEST", Timezone: zone}}
}

func (r *rig) plan(zone string) ([]plan.Step, []plan.Note) {
	r.t.Helper()
	steps, notes, err := r.svc.Plan(context.Background(), siteWith(zone), r.env)
	if err != nil {
		r.t.Fatalf("plan: %v", err)
	}
	return steps, notes
}

func (r *rig) apply(steps []plan.Step) (*apply.Result, error) {
	p := &plan.Plan{Version: plan.FormatVersion, Site: "test", Steps: steps}
	return apply.Apply(context.Background(), p, r.env, map[string]apply.Executor{Name: r.svc}, nil)
}

func (r *rig) link() string {
	r.t.Helper()
	l, err := os.Readlink(r.env.Path(LocaltimePath))
	if err != nil {
		r.t.Fatal(err)
	}
	return l
}

func (r *rig) timezoneFile() string {
	r.t.Helper()
	b, err := os.ReadFile(r.env.Path(TimezoneFile))
	if err != nil {
		r.t.Fatal(err)
	}
	return string(b)
}

func text(steps []plan.Step, notes []plan.Note) string {
	var b bytes.Buffer
	plan.WriteText(&b, &plan.Plan{Steps: steps, Notes: notes})
	return b.String()
}

func TestPlanShowsTheZoneBeforeAndAfter(t *testing.T) {
	r := newRig(t)
	steps, notes := r.plan("Europe/Berlin")
	if len(notes) != 0 || len(steps) != 2 {
		t.Fatalf("want the /etc/timezone file and the zone, got:\n%s", text(steps, notes))
	}
	if steps[0].Kind != plan.KindFile || steps[0].Target != TimezoneFile {
		t.Errorf("first step %s %s, want the file %s", steps[0].Kind, steps[0].Target, TimezoneFile)
	}
	tz := steps[1]
	if tz.Kind != KindTimezone || tz.Target != LocaltimePath || tz.Action != plan.Update || tz.Service != Name {
		t.Errorf("zone step %+v", tz)
	}
	var spec TimezoneSpec
	if err := tz.DecodeSpec(&spec); err != nil || spec != (TimezoneSpec{From: "Etc/UTC", To: "Europe/Berlin"}) {
		t.Errorf("spec %+v (%v)", spec, err)
	}
	out := text(steps, notes)
	for _, want := range []string{
		"system\n",
		"~ update file /etc/timezone",
		"-Etc/UTC",
		"+Europe/Berlin",
		"~ update system.timezone /etc/localtime (through systemd-timedated)",
		"timezone: Etc/UTC → Europe/Berlin",
		"Plan: 0 to create, 2 to update, 0 to delete",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	if r.td.dials != 0 {
		t.Errorf("planning reached timedated %d times", r.td.dials)
	}
}

func TestPlanNothingWhenTheZoneMatchesOrIsNotSet(t *testing.T) {
	r := newRig(t)
	if steps, notes := r.plan("Etc/UTC"); len(steps)+len(notes) != 0 {
		t.Errorf("the box is on Etc/UTC already:\n%s", text(steps, notes))
	}
	if steps, notes := r.plan(""); len(steps)+len(notes) != 0 {
		t.Errorf("no timezone in the template must leave the box alone:\n%s", text(steps, notes))
	}
	// Without a timezone even a box with a broken zoneinfo is left alone.
	mustDo(t, os.RemoveAll(r.env.Path(ZoneinfoDir)))
	if steps, notes := r.plan(""); len(steps)+len(notes) != 0 {
		t.Errorf("plan without timezone: %s", text(steps, notes))
	}
}

func TestPlanOnlyTheFileWhenTheLinkMatches(t *testing.T) {
	// What `timedatectl set-timezone` leaves on Debian 12: the link
	// changed, /etc/timezone not.
	r := newRig(t)
	mustDo(t, os.Remove(r.env.Path(LocaltimePath)))
	mustDo(t, os.Symlink("../usr/share/zoneinfo/Europe/Berlin", r.env.Path(LocaltimePath)))
	steps, _ := r.plan("Europe/Berlin")
	if len(steps) != 1 || steps[0].Target != TimezoneFile {
		t.Fatalf("want only %s:\n%s", TimezoneFile, text(steps, nil))
	}
}

func TestApplyIsIdempotent(t *testing.T) {
	r := newRig(t)
	steps, _ := r.plan("Europe/Berlin")
	res, err := r.apply(steps)
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	if res.Outcome != apply.OutcomeApplied {
		t.Errorf("outcome %s", res.Outcome)
	}
	if !slices.Equal(r.td.calls, []string{"Europe/Berlin"}) {
		t.Errorf("timedated calls %q", r.td.calls)
	}
	if got := r.link(); got != "../usr/share/zoneinfo/Europe/Berlin" {
		t.Errorf("/etc/localtime -> %s", got)
	}
	if got := r.timezoneFile(); got != "Europe/Berlin\n" {
		t.Errorf("/etc/timezone %q", got)
	}
	again, notes := r.plan("Europe/Berlin")
	if len(again)+len(notes) != 0 {
		t.Fatalf("second plan not empty:\n%s", text(again, notes))
	}
	res, err = r.apply(again)
	if err != nil || res.Outcome != apply.OutcomeNoChanges || res.Summary() != "No changes." {
		t.Errorf("second apply: %v %s %q", err, res.Outcome, res.Summary())
	}
	if len(r.td.calls) != 1 {
		t.Errorf("the second apply called timedated: %q", r.td.calls)
	}
}

func TestInvalidZonesAreRefusedBeforeUse(t *testing.T) {
	r := newRig(t)
	for _, tc := range []struct{ zone, err string }{
		{"../../etc/passwd", "invalid time zone name"},
		{"/etc/passwd", "invalid time zone name"},
		{"/usr/share/zoneinfo/Europe/Berlin", "invalid time zone name"},
		{"./Europe/Berlin", "invalid time zone name"},
		{"Europe//Berlin", "invalid time zone name"},
		{"Europe/Berlin/", "invalid time zone name"},
		{"Europe/Berlin\n", "invalid time zone name"},
		{"Europe/Ber lin", "invalid time zone name"},
		{"localtime", "invalid time zone name"},
		{"posixrules", "invalid time zone name"},
		{"Local", "invalid time zone name"},
		{strings.Repeat("A/", 200) + "B", "invalid time zone name"},
		{"Europe/Atlantis", "not installed on this box"},
		{"Etc", "not a zone data file"},
		{"zone.tab", "invalid time zone name"},
		{"Evil", "leads outside"},
	} {
		_, _, err := r.svc.Plan(context.Background(), siteWith(tc.zone), r.env)
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("zone %q: error %v, want %q", tc.zone, err, tc.err)
		}
		// A plan from elsewhere is checked again before timedated hears of it.
		step := plan.NewStep(Name, plan.Update, KindTimezone, LocaltimePath, "", TimezoneSpec{From: "Etc/UTC", To: tc.zone})
		if err := r.svc.Execute(context.Background(), step, r.env); err == nil {
			t.Errorf("zone %q: executed", tc.zone)
		}
	}
	write(t, r.env.Path(ZoneinfoDir+"/Fake"), "not zone data")
	if _, _, err := r.svc.Plan(context.Background(), siteWith("Fake"), r.env); err == nil || !strings.Contains(err.Error(), "not a zone data file") {
		t.Errorf("a file without the TZif magic: %v", err)
	}
	// A link inside zoneinfo is followed, as timedated does.
	if err := CheckZone(r.env, "US/Eastern"); err != nil {
		t.Errorf("US/Eastern: %v", err)
	}
	if len(r.td.calls) != 0 {
		t.Errorf("timedated was asked for %q", r.td.calls)
	}
}

func TestRollbackSetsThePreviousZone(t *testing.T) {
	r := newRig(t)
	steps, _ := r.plan("Europe/Berlin")
	r.td.broken["Europe/Berlin"] = "" // says yes, changes nothing
	res, err := r.apply(steps)
	if err == nil || !strings.Contains(err.Error(), "systemd-timedated accepted time zone Europe/Berlin, but /etc/localtime now says Etc/UTC") {
		t.Fatalf("apply: %v", err)
	}
	if res.Outcome != apply.OutcomeRolledBack {
		t.Errorf("outcome %s (%s)", res.Outcome, res.RollbackError)
	}
	if !slices.Equal(r.td.calls, []string{"Europe/Berlin", "Etc/UTC"}) {
		t.Errorf("timedated calls %q, want the new zone and then the old one", r.td.calls)
	}
	if got := r.timezoneFile(); got != "Etc/UTC\n" {
		t.Errorf("/etc/timezone not restored: %q", got)
	}
	if got := r.link(); got != "../usr/share/zoneinfo/Etc/UTC" {
		t.Errorf("/etc/localtime -> %s", got)
	}
}

func TestRollbackAfterTimedatedFails(t *testing.T) {
	r := newRig(t)
	steps, _ := r.plan("America/New_York")
	r.td.fail = errors.New("org.freedesktop.DBus.Error.AccessDenied")
	_, err := r.apply(steps)
	if err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Fatalf("apply: %v", err)
	}
	if got := r.timezoneFile(); got != "Etc/UTC\n" {
		t.Errorf("/etc/timezone not restored: %q", got)
	}
}

func TestRollbackRestoresAnUnnamedLocaltime(t *testing.T) {
	// A box whose /etc/localtime is a copy of the zone data names no zone:
	// the rollback puts the copy back.
	r := newRig(t)
	mustDo(t, os.Remove(r.env.Path(LocaltimePath)))
	write(t, r.env.Path(LocaltimePath), "TZif2 copied data")
	steps, _ := r.plan("Europe/Berlin")
	if n := len(steps); n != 2 || !strings.Contains(text(steps, nil), "timezone: unknown (/etc/localtime is not a link into /usr/share/zoneinfo) → Europe/Berlin") {
		t.Fatalf("plan:\n%s", text(steps, nil))
	}
	// timedated answers yes and links another zone: the check fails.
	r.td.broken["Europe/Berlin"] = "America/New_York"
	if _, err := r.apply(steps); err == nil {
		t.Fatal("apply succeeded")
	}
	if !slices.Equal(r.td.calls, []string{"Europe/Berlin"}) {
		t.Errorf("timedated calls %q: there is no zone to set back", r.td.calls)
	}
	fi, err := os.Lstat(r.env.Path(LocaltimePath))
	if err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("/etc/localtime not a regular file again: %v %v", fi, err)
	}
	if b, _ := os.ReadFile(r.env.Path(LocaltimePath)); string(b) != "TZif2 copied data" {
		t.Errorf("/etc/localtime %q", b)
	}
}

func TestRollbackRestoresAMissingLocaltime(t *testing.T) {
	r := newRig(t)
	mustDo(t, os.Remove(r.env.Path(LocaltimePath)))
	steps, _ := r.plan("Europe/Berlin")
	if !strings.Contains(text(steps, nil), "timezone: none (no /etc/localtime, so UTC) → Europe/Berlin") {
		t.Fatalf("plan:\n%s", text(steps, nil))
	}
	r.td.fail = errors.New("timedated failed")
	if _, err := r.apply(steps); err == nil {
		t.Fatal("apply succeeded")
	}
	if _, err := os.Lstat(r.env.Path(LocaltimePath)); !os.IsNotExist(err) {
		t.Errorf("/etc/localtime exists after the rollback: %v", err)
	}
}

func TestOfflineRendersTheFileAndNeverSetsTheZone(t *testing.T) {
	r := newRig(t)
	r.env.Offline = true
	steps, notes := r.plan("Europe/Berlin")
	if len(steps) != 1 || steps[0].Target != TimezoneFile {
		t.Fatalf("offline plan:\n%s", text(steps, notes))
	}
	if len(notes) != 1 || !strings.Contains(notes[0].Message, "offline (--root): time zone Europe/Berlin is set only on the live box, through systemd-timedated; under the root it is now Etc/UTC") {
		t.Errorf("notes %+v", notes)
	}
	if _, err := r.apply(steps); err != nil {
		t.Fatal(err)
	}
	again, notes := r.plan("Europe/Berlin")
	if len(again) != 0 || len(notes) != 1 {
		t.Errorf("second offline plan: %s", text(again, notes))
	}
	step := plan.NewStep(Name, plan.Update, KindTimezone, LocaltimePath, "", TimezoneSpec{From: "Etc/UTC", To: "Europe/Berlin"})
	if err := r.svc.Execute(context.Background(), step, r.env); err == nil || !strings.Contains(err.Error(), "cannot run with --root") {
		t.Errorf("offline execute: %v", err)
	}
	if r.td.dials != 0 || r.link() != "/usr/share/zoneinfo/Etc/UTC" {
		t.Errorf("offline reached timedated (%d) or changed the link (%s)", r.td.dials, r.link())
	}

	// An empty --root DIR has no zoneinfo to look in: the site's check of
	// the name stands, and only the file is rendered.
	empty := &host.Env{Root: t.TempDir(), Offline: true}
	steps, notes, err := r.svc.Plan(context.Background(), siteWith("Europe/Berlin"), empty)
	if err != nil || len(steps) != 1 || steps[0].Action != plan.Create || len(notes) != 1 || !strings.HasSuffix(notes[0].Message, "now none (no /etc/localtime, so UTC)") {
		t.Errorf("empty root: %v\n%s", err, text(steps, notes))
	}
	if _, _, err := r.svc.Plan(context.Background(), siteWith("../x"), empty); err == nil {
		t.Error("an invalid name passed offline")
	}
}

func TestTheSystemBusIsOnlyForTheRealRoot(t *testing.T) {
	r := newRig(t)
	svc := New() // no fake: the system bus of the machine running the test
	step := plan.NewStep(Name, plan.Update, KindTimezone, LocaltimePath, "", TimezoneSpec{From: "Etc/UTC", To: "Europe/Berlin"})
	err := svc.Execute(context.Background(), step, r.env)
	if err == nil || !strings.Contains(err.Error(), "does not manage the root") {
		t.Errorf("execute under a temp root: %v", err)
	}
	if r.link() != "/usr/share/zoneinfo/Etc/UTC" {
		t.Errorf("link changed: %s", r.link())
	}
}

func TestCurrentZone(t *testing.T) {
	r := newRig(t)
	for _, tc := range []struct{ link, name, show string }{
		{"/usr/share/zoneinfo/Etc/UTC", "Etc/UTC", "Etc/UTC"},
		{"../usr/share/zoneinfo/Europe/Berlin", "Europe/Berlin", "Europe/Berlin"},
		{"/usr/share/zoneinfo/posix/Europe/Berlin", "posix/Europe/Berlin", "posix/Europe/Berlin"},
		{"/usr/share/zoneinfo/../../../etc/passwd", "", "unknown (/etc/localtime links to /usr/share/zoneinfo/../../../etc/passwd)"},
		{"/etc/other", "", "unknown (/etc/localtime links to /etc/other)"},
	} {
		mustDo(t, os.Remove(r.env.Path(LocaltimePath)))
		mustDo(t, os.Symlink(tc.link, r.env.Path(LocaltimePath)))
		z, err := CurrentZone(r.env)
		if err != nil || z.Name != tc.name || z.Show != tc.show {
			t.Errorf("%s: %+v %v", tc.link, z, err)
		}
	}
}
