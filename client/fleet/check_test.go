// SPDX-License-Identifier: GPL-3.0-or-later

package fleet

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var now = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

// healthy is a box that needs nothing.
func healthy() Box {
	return Box{
		Reachable: true, Hostname: "dc1", Site: "Shop", Version: "1.0",
		Services: []Service{{Name: "directory", OK: true}, {Name: "files", OK: true}},
		Backup: &Backup{Configured: true, LastRun: now.Add(-3 * time.Hour), LastResult: "success",
			Copies:    []Copy{{Name: "nas", LastRun: now.Add(-5 * time.Hour), LastResult: "success", LastSuccess: now.Add(-5 * time.Hour)}},
			LastDrill: now.Add(-6 * 24 * time.Hour), DrillResult: "success"},
		Certs: []Cert{{Name: "site CA", Path: "/var/lib/posse/tls/ca.crt", NotAfter: now.AddDate(9, 0, 0)},
			{Name: "directory (LDAPS)", Path: "/var/lib/posse/tls/server.crt", NotAfter: now.Add(89*24*time.Hour + time.Hour)}},
		Disk:    []Disk{{Share: "data", Path: "/srv/data", UsedBytes: 3 << 30, FreeBytes: 60 << 30, SizeBytes: 100 << 30}},
		Drift:   &Drift{Template: "/t/shop.yaml"},
		Updates: &Updates{},
	}
}

// fakeProber answers from a table; a box it does not know hangs until
// ctx ends, one called "deaf" hangs whatever happens.
type fakeProber struct {
	boxes   map[string]Box
	running atomic.Int32
	most    atomic.Int32
	mu      sync.Mutex
	asked   []string
}

func (f *fakeProber) Probe(ctx context.Context, e Entry) Box {
	n := f.running.Add(1)
	defer f.running.Add(-1)
	for {
		m := f.most.Load()
		if n <= m || f.most.CompareAndSwap(m, n) {
			break
		}
	}
	f.mu.Lock()
	f.asked = append(f.asked, e.Name)
	f.mu.Unlock()
	if e.Name == "deaf" {
		select {}
	}
	b, ok := f.boxes[e.Name]
	if !ok {
		<-ctx.Done()
		return Box{Problem: ProblemError, Detail: ctx.Err().Error()}
	}
	time.Sleep(20 * time.Millisecond)
	return b
}

func TestEvaluate(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(*Box)
		sev  Severity
		want string
	}{
		{"healthy", func(*Box) {}, SevOK, ""},
		{"no template", func(b *Box) { b.Drift = nil }, SevOK, ""},
		{"no backup configured", func(b *Box) { b.Backup = &Backup{} }, SevOK, ""},
		{"unreachable", func(b *Box) { *b = Box{Problem: ProblemRefused} }, SevUnreachable, "unreachable: connection-refused"},
		{"no site", func(b *Box) { b.Site, b.Services = "", nil }, SevUnhealthy, "no site is applied"},
		{"unhealthy", func(b *Box) { b.Services[1].OK = false }, SevUnhealthy, "files is not healthy"},
		{"drift", func(b *Box) { b.Drift.Steps = 3 }, SevDrift, "drifted from its template: 3 steps"},
		{"drift unknown", func(b *Box) { b.Drift.Error = "template missing" }, SevDrift, "drift not checked: template missing"},
		{"old backup", func(b *Box) { b.Backup.LastRun = now.Add(-37 * time.Hour) }, SevBackup, "last backup 37h ago (more than 36h)"},
		{"backup just in time", func(b *Box) { b.Backup.LastRun = now.Add(-35 * time.Hour) }, SevOK, ""},
		{"backup never", func(b *Box) { b.Backup.LastRun = time.Time{} }, SevBackup, "no backup ran yet"},
		{"backup failed", func(b *Box) { b.Backup.LastResult = "failed" }, SevBackup, "the last backup failed"},
		{"backup unknown", func(b *Box) { b.Backup, b.BackupError = nil, "not allowed" }, SevBackup, "backup status unknown: not allowed"},
		{"old copy", func(b *Box) { b.Backup.Copies[0].LastSuccess = now.Add(-40 * time.Hour) }, SevBackup, "last copy to nas 40h ago (more than 36h)"},
		{"copy never", func(b *Box) { b.Backup.Copies[0].LastSuccess = time.Time{} }, SevBackup, "copy nas never succeeded"},
		{"copy failed", func(b *Box) { b.Backup.Copies[0].LastResult = "failed" }, SevBackup, "the last copy to nas failed"},
		{"copy of no backup", func(b *Box) { b.Backup.Configured, b.Backup.Copies[0].LastSuccess = false, time.Time{} }, SevOK, ""},
		{"drill failed", func(b *Box) { b.Backup.DrillResult = "failed" }, SevBackup, "the last restore drill failed"},
		{"drill never", func(b *Box) { b.Backup.LastDrill, b.Backup.DrillResult = time.Time{}, "" }, SevOK, ""},
		{"cert ends soon", func(b *Box) { b.Certs[1].NotAfter = now.Add(13*24*time.Hour + time.Hour) }, SevCert, "certificate directory (LDAPS) expires in 13 days"},
		{"cert in 15 days", func(b *Box) { b.Certs[1].NotAfter = now.Add(15 * 24 * time.Hour) }, SevOK, ""},
		{"cert expired", func(b *Box) { b.Certs[0].NotAfter = now.Add(-time.Hour) }, SevCert, "certificate site CA has expired"},
		{"certs unknown", func(b *Box) { b.Certs, b.CertsError = nil, "unknown method" }, SevOK, ""},
		{"disk full", func(b *Box) { b.Disk[0].FreeBytes = 5 << 30 }, SevDisk, "the disk of share data is 95% full"},
		{"updates pending", func(b *Box) { b.Updates.Pending = 4 }, SevOK, ""},
		{"updates unknown", func(b *Box) { b.Updates, b.UpdatesError = nil, "not allowed" }, SevOK, ""},
		{"security updates", func(b *Box) { b.Updates.Pending, b.Updates.Security = 4, 2 }, SevUpdates, "2 security updates pending"},
		{"upgrade failed", func(b *Box) { b.Updates.LastUpgrade, b.Updates.LastUpgradeResult = now.Add(-time.Hour), "failed" }, SevUpdates, "the last upgrade failed"},
		{"upgrade succeeded", func(b *Box) { b.Updates.LastUpgrade, b.Updates.LastUpgradeResult = now.Add(-time.Hour), "success" }, SevOK, ""},
		{"a security update", func(b *Box) { b.Updates.Pending, b.Updates.Security = 1, 1 }, SevUpdates, "1 security update pending"},
		{"worst wins", func(b *Box) { b.Drift.Steps = 1; b.Services[0].OK = false }, SevUnhealthy, "directory is not healthy; drifted from its template: 1 step"},
	} {
		b := healthy()
		tc.mod(&b)
		r := Report{Entry: Entry{Name: "x"}, Box: b}
		r.Evaluate(now)
		if r.Severity != tc.sev || strings.Join(r.Attention, "; ") != tc.want {
			t.Errorf("%s: severity %d %q, want %d %q", tc.name, r.Severity, r.Attention, tc.sev, tc.want)
		}
		if r.NeedsAttention() != (tc.want != "") {
			t.Errorf("%s: NeedsAttention %v", tc.name, r.NeedsAttention())
		}
	}
}

func TestCheck(t *testing.T) {
	drifted, sick, stale := healthy(), healthy(), healthy()
	drifted.Drift.Steps = 2
	sick.Services[0] = Service{Name: "directory", Detail: "LDAPS bind failed"}
	stale.Backup.LastRun = now.Add(-72 * time.Hour)
	p := &fakeProber{boxes: map[string]Box{
		"b-ok": healthy(), "a-ok": healthy(), "drifted": drifted, "sick": sick, "stale": stale,
		"refused": {Problem: ProblemRefused, Detail: "connection refused"},
	}}
	var entries []Entry
	for _, n := range []string{"a-ok", "b-ok", "drifted", "sick", "stale", "refused", "silent", "deaf"} {
		entries = append(entries, Entry{Name: n, Host: "root@" + n})
	}
	start := time.Now()
	rs := Check(context.Background(), entries, p, Options{Parallel: 3, Timeout: 300 * time.Millisecond, Grace: 100 * time.Millisecond, Now: func() time.Time { return now }})
	took := time.Since(start)
	if took > 2*time.Second {
		t.Errorf("check took %s", took)
	}
	if m := p.most.Load(); m > 3 || m < 2 {
		t.Errorf("%d boxes were asked at once, want at most 3", m)
	}
	var order []string
	for _, r := range rs {
		order = append(order, r.Name)
	}
	if got, want := strings.Join(order, " "), "deaf refused silent sick drifted stale a-ok b-ok"; got != want {
		t.Errorf("order %q, want %q", got, want)
	}
	for _, r := range rs {
		switch r.Name {
		case "deaf", "silent":
			if r.Reachable || r.Problem != ProblemTimeout || !strings.Contains(r.Detail, "300ms") {
				t.Errorf("%s: %+v", r.Name, r.Box)
			}
		}
	}

	var buf bytes.Buffer
	if err := WriteText(&buf, rs, now); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if len(lines) != 9 || !strings.HasPrefix(lines[0], "BOX") {
		t.Fatalf("text:\n%s", text)
	}
	for i, want := range []string{
		"deaf UNREACHABLE - - - - - - - - timeout: no answer within 300ms",
		"refused UNREACHABLE - - - - - - - - connection-refused: connection refused",
		"silent UNREACHABLE",
		"sick ATTENTION 1/2 ok (directory failed) 3h ago 5h ago 6d0h ago 89 days left 3.0 GiB in shares, 40% full none none directory is not healthy",
		"drifted ATTENTION 2/2 ok 3h ago 5h ago 6d0h ago 89 days left 3.0 GiB in shares, 40% full 2 steps none drifted from its template: 2 steps",
		"stale ATTENTION 2/2 ok 3d0h ago",
		"a-ok ok 2/2 ok 3h ago 5h ago 6d0h ago 89 days left 3.0 GiB in shares, 40% full none",
	} {
		if got := strings.Join(strings.Fields(lines[i+1]), " "); !strings.HasPrefix(got, want) {
			t.Errorf("line %d: %q, want %q…", i+1, got, want)
		}
	}

	buf.Reset()
	if err := WriteJSON(&buf, rs, now); err != nil {
		t.Fatal(err)
	}
	var s StatusJSON
	if err := json.Unmarshal(buf.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	if s.Version != 1 || s.Boxes != 8 || s.NeedsAttention != 6 || s.CheckedAt != "2026-12-07T10:00:00Z" {
		t.Errorf("json header: %+v", s)
	}
	byName := map[string]BoxJSON{}
	for _, b := range s.Reports {
		byName[b.Name] = b
	}
	if b := byName["a-ok"]; !b.Healthy || b.NeedsAttention || b.Drift == nil || !b.Drift.Empty || b.Backup == nil || b.Backup.AgeHours != 3 || len(b.Attention) != 0 {
		t.Errorf("a-ok: %+v", b)
	}
	if b := byName["drifted"]; b.Drift.Empty || b.Drift.Steps != 2 || !b.NeedsAttention || !b.Healthy {
		t.Errorf("drifted: %+v", b)
	}
	if b := byName["sick"]; b.Healthy || b.Services[0].Detail != "LDAPS bind failed" {
		t.Errorf("sick: %+v", b)
	}
	if b := byName["refused"]; b.Reachable || b.Problem != "connection-refused" || b.Backup != nil || b.Drift != nil || b.Healthy {
		t.Errorf("refused: %+v", b)
	}
	if b := byName["a-ok"]; b.Updates == nil || b.Updates.Pending != 0 || b.Updates.Error != "" {
		t.Errorf("a-ok updates: %+v", b.Updates)
	}
	if b := byName["a-ok"]; len(b.Backup.Copies) != 1 || b.Backup.Copies[0].Name != "nas" || b.Backup.Copies[0].AgeHours != 5 ||
		b.Backup.CopyAgeHours == nil || *b.Backup.CopyAgeHours != 5 || b.Backup.Drill == nil || b.Backup.Drill.Result != "success" || b.Backup.Drill.AgeHours != 144 {
		t.Errorf("a-ok copies and drill: %+v", b.Backup)
	}
	if c := byName["a-ok"].Certificates; c == nil || c.DaysLeft == nil || *c.DaysLeft != 89 || len(c.Certs) != 2 || c.Certs[1].NotAfter != "2027-03-06T11:00:00Z" {
		t.Errorf("a-ok certificates: %+v", c)
	}
	if b := byName["refused"]; b.Updates != nil || b.Certificates != nil {
		t.Errorf("refused has updates: %+v", b.Updates)
	}
	// The keys stay as documented.
	for _, key := range []string{`"updates"`, `"security"`, `"reachable"`, `"problem"`, `"healthy"`, `"services"`, `"backup"`, `"age_hours"`, `"disk"`, `"drift"`, `"steps"`, `"empty"`, `"needs_attention"`, `"attention"`,
		`"copies"`, `"copy_age_hours"`, `"drill"`, `"certificates"`, `"days_left"`, `"not_after"`} {
		if !strings.Contains(buf.String(), key) {
			t.Errorf("JSON lacks %s", key)
		}
	}
}

func TestCheckCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p := &fakeProber{boxes: map[string]Box{}}
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	start := time.Now()
	rs := Check(ctx, []Entry{{Name: "a"}, {Name: "b"}, {Name: "c"}}, p, Options{Parallel: 1, Timeout: time.Minute})
	if time.Since(start) > 5*time.Second || len(rs) != 3 {
		t.Fatalf("cancelled check took %s: %+v", time.Since(start), rs)
	}
	for _, r := range rs {
		if r.Reachable || !r.NeedsAttention() || r.Problem == ProblemTimeout {
			t.Errorf("%s after cancel: %+v", r.Name, r.Box)
		}
	}
	if len(p.asked) != 1 {
		t.Errorf("asked %v after the cancel", p.asked)
	}
}

func TestEscapes(t *testing.T) {
	b := healthy()
	b.Services[0] = Service{Name: "dir\x1b[2J"}
	rs := []Report{{Entry: Entry{Name: "x"}, Box: b}}
	rs[0].Evaluate(now)
	var buf bytes.Buffer
	WriteText(&buf, rs, now)
	if strings.Contains(buf.String(), "\x1b") {
		t.Errorf("an escape reached the terminal: %q", buf.String())
	}
}
