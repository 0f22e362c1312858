// SPDX-License-Identifier: GPL-3.0-or-later

package backup

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
)

// With Previous Versions the shares (but one opted out) and the home
// folders are frozen, and their snapshot folders are not backed up.
func TestFromSiteFrozen(t *testing.T) {
	s := testSite()
	no := false
	s.Shares[1].Snapshots = &no
	s.Snapshots = &site.Snapshots{Schedule: "hourly", Keep: site.SnapshotKeep{Hourly: 24}}
	c, _ := FromSite(s)
	if want := []string{"/srv/posse/homes", "/srv/posse/shares/akten"}; !slices.Equal(c.Frozen, want) {
		t.Errorf("frozen %q, want %q", c.Frozen, want)
	}
	for _, ex := range []string{"/srv/posse/homes/*/.snapshots", "/srv/posse/shares/akten/.snapshots"} {
		if !slices.Contains(c.Exclude, ex) {
			t.Errorf("exclude %q lacks %s", c.Exclude, ex)
		}
	}
	if slices.Contains(c.Exclude, "/srv/scans/.snapshots") {
		t.Error("the share without snapshots has its snapshot folder excluded")
	}
	c, _ = FromSite(testSite())
	if len(c.Frozen) != 0 || slices.ContainsFunc(c.Exclude, func(e string) bool { return strings.Contains(e, ".snapshots") }) {
		t.Errorf("without snapshots: frozen %q, exclude %q", c.Frozen, c.Exclude)
	}
}

// freeze snapshots each subvolume (every home folder for HomesDir),
// replaces a snapshot a dead run left, skips plain folders, and thaw
// deletes what it took.
func TestFreeze(t *testing.T) {
	env, r := fakeBox(t)
	for _, d := range []string{"/srv/posse/shares/akten/.snapshots/" + FreezeName, "/srv/posse/homes/anna", "/srv/posse/homes/bert", "/srv/scans"} {
		if err := os.MkdirAll(env.Path(d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	old := isSubvolume
	isSubvolume = func(p string) (bool, error) { return !strings.HasSuffix(p, "/srv/scans"), nil }
	t.Cleanup(func() { isSubvolume = old })
	c := Config{Frozen: []string{"/srv/posse/homes", "/srv/posse/shares/akten", "/srv/scans"}}
	fs, thaw, err := freeze(t.Context(), env, c)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, f.Path+" <- "+f.Snapshot)
	}
	want := []string{
		"/srv/posse/homes/anna <- /srv/posse/homes/anna/.snapshots/.posse-backup",
		"/srv/posse/homes/bert <- /srv/posse/homes/bert/.snapshots/.posse-backup",
		"/srv/posse/shares/akten <- /srv/posse/shares/akten/.snapshots/.posse-backup",
	}
	if !slices.Equal(got, want) {
		t.Errorf("frozen\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	argvs := strings.Join(r.Argvs(), "\n")
	if !strings.Contains(argvs, "btrfs subvolume delete "+env.Path("/srv/posse/shares/akten/.snapshots/.posse-backup")) ||
		!strings.Contains(argvs, "btrfs subvolume snapshot -r "+env.Path("/srv/posse/shares/akten")+" "+env.Path("/srv/posse/shares/akten/.snapshots/.posse-backup")) {
		t.Errorf("commands:\n%s", argvs)
	}
	n := len(r.Argvs())
	thaw()
	if deletes := r.Argvs()[n:]; len(deletes) != 3 {
		t.Errorf("thaw ran %q", deletes)
	}

	// A failing snapshot undoes the ones taken before it.
	env2, r2 := fakeBox(t)
	os.MkdirAll(env2.Path("/srv/posse/homes/anna"), 0o755)
	os.MkdirAll(env2.Path("/srv/posse/homes/bert"), 0o755)
	r2.On([]string{"btrfs", "subvolume", "snapshot", "-r", env2.Path("/srv/posse/homes/bert")}, host.Result{ExitCode: 1, Stderr: []byte("No space left on device")})
	if _, _, err := freeze(t.Context(), env2, Config{Frozen: []string{"/srv/posse/homes"}}); err == nil || !strings.Contains(err.Error(), "snapshot /srv/posse/homes/bert for the backup") {
		t.Fatalf("err = %v", err)
	}
	if last := r2.Argvs()[len(r2.Argvs())-1]; last != "btrfs subvolume delete "+env2.Path("/srv/posse/homes/anna/.snapshots/.posse-backup") {
		t.Errorf("after the failure it ran %q", last)
	}
}

// backup.verify sets the check's timer and how much data it reads.
func TestVerify(t *testing.T) {
	c, _ := FromSite(testSite())
	if c.CheckSchedule != CheckSchedule || c.ReadDataSubset != "" {
		t.Errorf("defaults: %q %q", c.CheckSchedule, c.ReadDataSubset)
	}
	s := testSite()
	s.Backup.Verify = &site.BackupVerify{Schedule: "Sat *-*-* 05:00", ReadDataSubset: "5%"}
	c, _ = FromSite(s)
	units, err := RenderUnits("/usr/bin/possectl", c.Schedule, c.CheckSchedule)
	if err != nil || !strings.Contains(units[CheckTimerUnit], "OnCalendar=Sat *-*-* 05:00") {
		t.Errorf("check timer: %v\n%s", err, units[CheckTimerUnit])
	}
	env, r := fakeBox(t)
	if _, err := RunCheck(t.Context(), env, c, true); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.Argvs(), "\n"); !strings.Contains(got, " check --read-data-subset=5%") {
		t.Errorf("restic ran:\n%s", got)
	}
}
