// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
)

// fakeSnapshots lets the fake runner take and delete snapshots as
// directories.
func fakeSnapshots(r *rig, fb *fakeBtrfs) {
	r.box.runner.OnFunc([]string{"btrfs", "subvolume", "snapshot", "-r"}, func(c host.Cmd) (host.Result, error) {
		if !fb.subvols[c.Argv[4]] {
			return host.Result{ExitCode: 1}, os.ErrInvalid
		}
		return host.Result{}, os.Mkdir(c.Argv[5], 0o555)
	})
	r.box.runner.OnFunc([]string{"btrfs", "subvolume", "delete"}, func(c host.Cmd) (host.Result, error) {
		return host.Result{}, os.Remove(c.Argv[3])
	})
}

func TestTakeSnapshots(t *testing.T) {
	r := newRig(t)
	os.MkdirAll(filepath.Join(r.box.root, "srv"), 0o755)
	fb := useFakeBtrfs(t, r, filepath.Join(r.box.root, "srv"))
	fakeSnapshots(r, fb)
	st := loadSite(t, "snapshots")
	st.Snapshots.Keep = site.SnapshotKeep{Hourly: 2, Daily: 1}
	st.Site.Timezone = "Europe/Berlin"
	r.apply(st)

	ctx := context.Background()
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	take := func(at time.Time, share string) TakeResult {
		t.Helper()
		out, err := r.svc.TakeSiteSnapshots(ctx, st, r.env, share, at)
		if err != nil {
			t.Fatalf("take at %v: %v", at, err)
		}
		return out.(TakeResult)
	}
	defer syscall.Umask(syscall.Umask(0o077))
	res := take(t0, "")
	if fi, err := os.Stat(filepath.Join(r.box.root, "srv/posse/shares/akten/.snapshots")); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf(".snapshots: %v %v, want mode 0755 (Samba lists it as the user)", fi.Mode(), err)
	}
	if len(res.Taken) != 5 || res.Taken[0].Name != "@GMT-2026.12.07-09.00.00" || res.Taken[0].Path != "/srv/posse/shares/akten/.snapshots/@GMT-2026.12.07-09.00.00" ||
		res.Taken[1].Share != "Projekte" || res.Taken[2].Share != "alice" || res.Taken[2].Path != HomesDir+"/alice/.snapshots/@GMT-2026.12.07-09.00.00" || len(res.Pruned) != 0 {
		t.Fatalf("first take: %+v", res)
	}
	want := "btrfs subvolume snapshot -r " + filepath.Join(r.box.root, "srv/posse/shares/akten") + " " + filepath.Join(r.box.root, "srv/posse/shares/akten/.snapshots/@GMT-2026.12.07-09.00.00")
	if runs := r.box.argvs("btrfs subvolume snapshot"); len(runs) != 5 || runs[0] != want {
		t.Errorf("snapshot runs %q, want first %q", runs, want)
	}
	// A home folder by its user's name.
	if res := take(t0.Add(time.Minute), "Alice"); len(res.Taken) != 1 || res.Taken[0].Share != "alice" {
		t.Errorf("take alice: %+v", res)
	}
	// The same second again takes nothing new.
	if res := take(t0, "akten"); len(res.Taken) != 0 {
		t.Errorf("same second: %+v", res)
	}
	// Three more hours: hourly 2 + daily 1 keep the newest two.
	for h := 1; h <= 3; h++ {
		res = take(t0.Add(time.Duration(h)*time.Hour), "Akten")
	}
	if len(res.Taken) != 1 || len(res.Pruned) != 1 || res.Pruned[0].Name != "@GMT-2026.12.07-10.00.00" {
		t.Errorf("third hour: %+v", res)
	}
	out, err := r.svc.ListSiteSnapshots(ctx, st, r.env, "AKTEN")
	if err != nil {
		t.Fatal(err)
	}
	list := out.([]Snapshot)
	var names []string
	for _, s := range list {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, " "); got != "@GMT-2026.12.07-12.00.00 @GMT-2026.12.07-11.00.00" {
		t.Errorf("list: %s", got)
	}
	// A stray entry that is no snapshot name is neither listed nor deleted.
	stray := filepath.Join(r.box.root, "srv/posse/shares/akten/.snapshots/manual")
	os.Mkdir(stray, 0o755)
	take(t0.Add(5*time.Hour), "Akten")
	if _, err := os.Stat(stray); err != nil {
		t.Errorf("stray entry deleted: %v", err)
	}
	// JSON, as possectl reads it.
	b, _ := json.Marshal(list[0])
	if !strings.Contains(string(b), `"share":"Akten","name":"@GMT-2026.12.07-12.00.00","time":"2026-12-07T12:00:00Z"`) {
		t.Errorf("json: %s", b)
	}

	for share, want := range map[string]string{
		"Scans": `share "Scans" has no snapshots`,
		"Nope":  `no share or home folder "Nope" with snapshots`,
	} {
		if _, err := r.svc.TakeSiteSnapshots(ctx, st, r.env, share, t0); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("take %s: %v, want %q", share, err, want)
		}
	}

	// A share folder that is no subvolume is reported, the others go on.
	delete(fb.subvols, filepath.Join(r.box.root, "srv/posse/shares/akten"))
	out, err = r.svc.TakeSiteSnapshots(ctx, st, r.env, "", t0.Add(6*time.Hour))
	if err == nil || !strings.Contains(err.Error(), "is not a btrfs subvolume: apply the site") || len(out.(TakeResult).Taken) != 4 {
		t.Errorf("take with a plain directory: %+v, %v", out, err)
	}
}
