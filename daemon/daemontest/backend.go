// SPDX-License-Identifier: GPL-3.0-or-later

package daemontest

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/daemon/api"
)

// Backend is an in-memory daemon.Backend: users and groups in maps, an
// apply of three steps that can be held open, everything else
// unavailable. It counts concurrent mutating calls so tests can check
// that the server serialises them.
type Backend struct {
	daemon.Unavailable

	mu        sync.Mutex
	users     map[string]api.User
	passwords map[string]string
	groups    map[string]api.Group

	// hold, when non-nil, makes Apply wait after its first step until it
	// is closed; started is closed when Apply begins (see HoldApply).
	hold, started chan struct{}
	// delay is added to every mutating call (see SetDelay).
	delay time.Duration
	// generation counts ChangeBox calls.
	generation int

	active    atomic.Int32
	maxActive atomic.Int32
}

// NewBackend returns an empty fake backend.
func NewBackend() *Backend {
	return &Backend{users: map[string]api.User{}, passwords: map[string]string{}, groups: map[string]api.Group{}}
}

// HoldApply makes the next applies stop after their first step until the
// returned release is called; started is closed when the first one begins.
// Call it before the server is used: the bus socket is no synchronisation
// the race detector sees.
func (b *Backend) HoldApply() (started <-chan struct{}, release func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.hold, b.started = make(chan struct{}), make(chan struct{})
	hold := b.hold
	var once sync.Once
	return b.started, func() { once.Do(func() { close(hold) }) }
}

// SetDelay adds d to every mutating call.
func (b *Backend) SetDelay(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.delay = d
}

// MaxConcurrentChanges is the most mutating calls that ran at once.
func (b *Backend) MaxConcurrentChanges() int { return int(b.maxActive.Load()) }

// Password returns the password last set for a user.
func (b *Backend) Password(user string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.passwords[user]
}

func (b *Backend) enter() func() {
	n := b.active.Add(1)
	for {
		m := b.maxActive.Load()
		if n <= m || b.maxActive.CompareAndSwap(m, n) {
			break
		}
	}
	b.mu.Lock()
	d := b.delay
	b.mu.Unlock()
	if d > 0 {
		time.Sleep(d)
	}
	return func() { b.active.Add(-1) }
}

// Status implements daemon.Backend.
func (b *Backend) Status(context.Context) (api.Status, error) {
	return api.Status{Version: "test", Hostname: "box", Site: "Test Site", Services: []api.ServiceStatus{
		{Name: "directory", Unit: "samba-ad-dc.service", State: "active", Healthy: true},
	}}, nil
}

// Certificates implements daemon.Backend: the site CA and the LDAPS
// certificate, ending at fixed times.
func (b *Backend) Certificates(context.Context) ([]api.Certificate, error) {
	return []api.Certificate{
		{Name: "site CA", Path: "/var/lib/posse/tls/ca.crt", NotAfter: "2036-11-20T08:00:00Z"},
		{Name: "directory (LDAPS)", Path: "/var/lib/posse/tls/server.crt", NotAfter: "2027-11-22T08:00:00Z"},
	}, nil
}

// Usage implements daemon.Backend: one share of 3 MB measured at a fixed
// time, on a filesystem with 1 GB free of 4, and two queued messages.
func (b *Backend) Usage(context.Context) (api.Usage, error) {
	return api.Usage{
		Shares: []api.ShareUsage{{Name: "Data", Path: "/srv/posse/shares/data", UsedBytes: 3 << 20, Files: 12,
			MeasuredAt: "2026-11-23T08:55:00Z", Complete: true, FreeBytes: 1 << 30, SizeBytes: 4 << 30}},
		Mail: api.MailQueue{Configured: true, Messages: 2, Deferred: 1, Oldest: "2026-11-23T08:00:00Z"},
	}, nil
}

// Alerts implements daemon.Backend: alerts to one address and one open
// problem, the off-site copy failing since a fixed time.
func (b *Backend) Alerts(context.Context) (api.Alerts, error) {
	return api.Alerts{Configured: true, To: []string{"it@example.org"}, From: "posse@example.org", LastCheck: "2026-11-23T09:00:00Z",
		Open: []api.Alert{{Key: "copy:offsite", Subject: "the backup copy to offsite failed", What: "The copy failed: connection refused",
			Next: "Make the target reachable, then run 'possectl backup copy offsite'.", Since: "2026-11-23T04:00:00Z", LastMail: "2026-11-23T04:00:10Z"}},
	}, nil
}

// Validate implements daemon.Backend: a template containing "bad" has one
// problem.
func (b *Backend) Validate(_ context.Context, t []byte, _ map[string]string) ([]api.Problem, error) {
	if strings.Contains(string(t), "bad") {
		return []api.Problem{{Path: "site.name", Line: 2, Column: 3, Message: "bad name", Hint: "fix it"}}, nil
	}
	return nil, nil
}

// Plan implements daemon.Backend: three steps for any template; its id
// names the template and the box's generation (see ChangeBox). A template
// containing "problem" has one problem and no steps.
func (b *Backend) Plan(_ context.Context, t []byte, _ map[string]string) (api.PlanResult, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.plan(t), nil
}

func (b *Backend) plan(t []byte) api.PlanResult {
	if strings.Contains(string(t), "problem") {
		return api.PlanResult{Steps: []api.PlanStep{}, Notes: []api.PlanNote{},
			Problems: []api.Problem{{Path: "users[0].password", Line: 4, Column: 15, Message: `secret "anna" is not set`}}}
	}
	p := api.PlanResult{Version: 1, Site: "Test", TemplateHash: api.PlanID(t), Notes: []api.PlanNote{}, Problems: []api.Problem{},
		Counts: api.PlanCounts{Create: 3}}
	for i := range 3 {
		p.Steps = append(p.Steps, api.PlanStep{Service: "directory", Action: "create", Kind: "file", Target: fmt.Sprintf("/etc/f%d", i), Summary: "write file", Changes: []api.Change{}})
	}
	p.ID = api.PlanID(fmt.Appendf(nil, "%s/%d", p.TemplateHash, b.generation))
	return p
}

// ChangeBox changes the box behind possed's back: plans made before differ
// from plans made after.
func (b *Backend) ChangeBox() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.generation++
}

// Apply implements daemon.Backend with three steps; the second fails when
// the template contains "fail".
func (b *Backend) Apply(ctx context.Context, t []byte, secrets map[string]string, progress func(bool, api.Step)) (api.ApplyResult, error) {
	defer b.enter()()
	b.mu.Lock()
	hold, started := b.hold, b.started
	b.started = nil
	b.mu.Unlock()
	if started != nil {
		close(started)
	}
	for i := int32(0); i < 3; i++ {
		st := api.Step{Index: i, Total: 3, Service: "directory", Action: "create", Kind: "file", Target: fmt.Sprintf("/etc/f%d", i), Summary: "write file"}
		progress(true, st)
		if i == 1 && hold != nil {
			select {
			case <-hold:
			case <-ctx.Done():
				return api.ApplyResult{}, ctx.Err()
			}
		}
		st.Status = "done"
		if i == 1 && strings.Contains(string(t), "fail") {
			st.Status, st.Error = "failed", "unit did not start"
			progress(false, st)
			return api.ApplyResult{Outcome: "rolled-back", Error: "directory: step 2 failed", Record: "r1", FailedStep: 1, FailedService: "directory",
				Steps: []api.StepResult{{Index: 0, Service: "directory", Action: "create", Kind: "file", Target: "/etc/f0", Status: "done"},
					{Index: 1, Service: "directory", Action: "create", Kind: "file", Target: "/etc/f1", Status: "failed", Error: "unit did not start"},
					{Index: 2, Service: "directory", Action: "create", Kind: "file", Target: "/etc/f2", Status: "not-run"}},
				RolledBack: []string{"restored /etc/f0"}}, nil
		}
		progress(false, st)
	}
	res := api.ApplyResult{Outcome: "applied", OK: true, Record: "r1", FailedStep: -1, Warnings: []string{}}
	for i := range 3 {
		res.Steps = append(res.Steps, api.StepResult{Index: int32(i), Service: "directory", Action: "create", Kind: "file", Target: fmt.Sprintf("/etc/f%d", i), Status: "done"})
	}
	return res, nil
}

// Users implements daemon.Backend; the query "panic" panics.
func (b *Backend) Users(_ context.Context, q string) ([]api.User, error) {
	if q == "panic" {
		panic("fake backend asked to panic")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []api.User
	for _, u := range b.users {
		if q == "" || strings.Contains(strings.ToLower(u.Username+" "+u.GivenName+" "+u.Surname+" "+u.Email), strings.ToLower(q)) {
			out = append(out, u)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Username < out[j].Username })
	return out, nil
}

// User implements daemon.Backend.
func (b *Backend) User(_ context.Context, name string) (api.User, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	u, ok := b.users[name]
	if !ok {
		return api.User{}, api.Keyed(fmt.Errorf("there is no user %s: %w", name, daemon.ErrNotFound), api.KeyUserNotFound, "user", name)
	}
	return u, nil
}

// Logon implements daemon.Backend: every known user reaches share
// "Office" for writing, in workgroup TEST.
func (b *Backend) Logon(ctx context.Context, name string) (api.LogonInfo, error) {
	if _, err := b.User(ctx, name); err != nil {
		return api.LogonInfo{}, err
	}
	return api.LogonInfo{Workgroup: "TEST", DNSDomain: "test.example", HomeDrive: "H:", Shares: []api.ShareAccess{{Name: "Office", Write: true}}, MinPasswordLength: 12, PasswordComplexity: true}, nil
}

// CreateUser implements daemon.Backend.
func (b *Backend) CreateUser(_ context.Context, u api.User, pw string, mustChange bool) error {
	defer b.enter()()
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.users[u.Username]; ok {
		return api.Keyed(fmt.Errorf("user %s already exists: choose another username", u.Username), api.KeyUserExists, "user", u.Username)
	}
	u.MustChangePassword = mustChange
	b.users[u.Username] = u
	b.passwords[u.Username] = pw
	return nil
}

// UpdateUser implements daemon.Backend.
func (b *Backend) UpdateUser(_ context.Context, name string, up daemon.UserUpdate) error {
	defer b.enter()()
	b.mu.Lock()
	defer b.mu.Unlock()
	u, ok := b.users[name]
	if !ok {
		return api.Keyed(fmt.Errorf("there is no user %s: %w", name, daemon.ErrNotFound), api.KeyUserNotFound, "user", name)
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&u.GivenName, up.GivenName)
	set(&u.Surname, up.Surname)
	set(&u.DisplayName, up.DisplayName)
	set(&u.Email, up.Email)
	if up.Aliases != nil {
		u.Aliases = *up.Aliases
	}
	if up.MustChangePassword != nil {
		u.MustChangePassword = *up.MustChangePassword
	}
	b.users[name] = u
	return nil
}

// SetPassword implements daemon.Backend.
func (b *Backend) SetPassword(_ context.Context, name, pw string, mustChange bool) error {
	defer b.enter()()
	b.mu.Lock()
	defer b.mu.Unlock()
	u, ok := b.users[name]
	if !ok {
		return api.Keyed(fmt.Errorf("there is no user %s: %w", name, daemon.ErrNotFound), api.KeyUserNotFound, "user", name)
	}
	u.MustChangePassword = mustChange
	b.users[name] = u
	b.passwords[name] = pw
	return nil
}

// SetDisabled implements daemon.Backend.
func (b *Backend) SetDisabled(_ context.Context, name string, d bool) error {
	defer b.enter()()
	b.mu.Lock()
	defer b.mu.Unlock()
	u, ok := b.users[name]
	if !ok {
		return api.Keyed(fmt.Errorf("there is no user %s: %w", name, daemon.ErrNotFound), api.KeyUserNotFound, "user", name)
	}
	u.Disabled = d
	b.users[name] = u
	return nil
}

// DeleteUser implements daemon.Backend.
func (b *Backend) DeleteUser(_ context.Context, name string) error {
	defer b.enter()()
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.users[name]; !ok {
		return api.Keyed(fmt.Errorf("there is no user %s: %w", name, daemon.ErrNotFound), api.KeyUserNotFound, "user", name)
	}
	delete(b.users, name)
	return nil
}

// Groups implements daemon.Backend.
func (b *Backend) Groups(context.Context) ([]api.Group, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []api.Group
	for _, g := range b.groups {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// CreateGroup implements daemon.Backend.
func (b *Backend) CreateGroup(_ context.Context, g api.Group) error {
	defer b.enter()()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.groups[g.Name] = g
	return nil
}

// Permissions implements daemon.Backend: share "Office" and its folders
// grant staff modify, and "Office/Chef" denies bob; other shares are
// unknown.
func (b *Backend) Permissions(_ context.Context, share, p string) (api.Permissions, error) {
	if share != "Office" {
		return api.Permissions{}, fmt.Errorf("no share %q: %w", share, daemon.ErrNotFound)
	}
	all := "this folder, subfolders and files"
	out := api.Permissions{Share: share, Path: p, Owner: "Administrator", Template: "share", Entries: []api.Permission{
		{Account: "Domain Admins", Rights: "full control", AppliesTo: all},
		{Account: "staff", Rights: "modify", AppliesTo: all},
	}}
	if p == "Chef" {
		out.Template, out.Inherits = "folder", true
		for i := range out.Entries {
			out.Entries[i].Inherited = true
		}
		out.Entries = append([]api.Permission{{Account: "bob", Deny: true, Rights: "full control", AppliesTo: all}}, out.Entries...)
	}
	return out, nil
}

// Versions implements daemon.Backend: every path of share "Office" has one
// version, from a snapshot of 2026-12-07 10:00 UTC; other shares none.
func (b *Backend) Versions(_ context.Context, share, p string) ([]api.FileVersion, error) {
	if share != "Office" {
		return nil, fmt.Errorf("no share %q with snapshots: %w", share, daemon.ErrNotFound)
	}
	return []api.FileVersion{{Snapshot: "@GMT-2026.12.07-10.00.00", Time: "2026-12-07T10:00:00Z", Modified: "2026-12-07T09:58:00Z", Size: 11}}, nil
}

// RestoreVersion implements daemon.Backend for the version Versions
// lists; it changes nothing.
func (b *Backend) RestoreVersion(_ context.Context, share, p string, _ time.Time, alongside bool) (api.VersionRestored, error) {
	defer b.enter()()
	if share != "Office" {
		return api.VersionRestored{}, fmt.Errorf("no share %q with snapshots: %w", share, daemon.ErrNotFound)
	}
	out := p
	if alongside {
		out = p + " (restored 2026-12-07 10.00)"
	}
	return api.VersionRestored{Share: share, Snapshot: "@GMT-2026.12.07-10.00.00", Time: "2026-12-07T10:00:00Z", Path: out, Files: 1, Bytes: 11}, nil
}

// ShareSnapshots implements daemon.Backend: two snapshots (2026-12-06 and
// 2026-12-07 22:00 UTC) of share "Office" and bob's home folder.
func (b *Backend) ShareSnapshots(context.Context) (api.ShareBackups, error) {
	return api.ShareBackups{Shares: []string{"Office"}, Homes: []string{"bob"}, Snapshots: []api.Snapshot{
		{ID: "1a2b3c4d5e6f7a8b", Time: "2026-12-06T22:00:00Z"},
		{ID: "9f8e7d6c5b4a3f2e", Time: "2026-12-07T22:00:00Z"},
	}}, nil
}

// BrowseShare implements daemon.Backend: share "Office" holds folder
// "Budget" with "plan.txt" (11 bytes) and "Letters" with "offer.docx".
func (b *Backend) BrowseShare(_ context.Context, snapshot, share, dir string) ([]api.Entry, error) {
	if share != "Office" {
		return nil, fmt.Errorf("no share %q in the backup: %w", share, daemon.ErrNotFound)
	}
	const mod = "2026-12-06T09:58:00Z"
	switch strings.Trim(dir, "/") {
	case "":
		return []api.Entry{{Path: "Budget", Type: "dir", ModTime: mod}, {Path: "Letters", Type: "dir", ModTime: mod}}, nil
	case "Budget":
		return []api.Entry{{Path: "Budget/plan.txt", Type: "file", Size: 11, ModTime: mod}}, nil
	case "Letters":
		return []api.Entry{{Path: "Letters/offer.docx", Type: "file", Size: 2048, ModTime: mod}}, nil
	}
	return nil, fmt.Errorf("%s is not in snapshot %s: %w", dir, snapshot, daemon.ErrNotFound)
}

// RestoreShareFiles implements daemon.Backend for the files BrowseShare
// lists; it changes nothing.
func (b *Backend) RestoreShareFiles(_ context.Context, snapshot, share string, paths []string, alongside bool) (api.ShareRestored, error) {
	defer b.enter()()
	if share != "Office" {
		return api.ShareRestored{}, fmt.Errorf("no share %q in the backup: %w", share, daemon.ErrNotFound)
	}
	r := api.ShareRestored{Share: share, Snapshot: "9f8e7d6c5b4a3f2e", Time: "2026-12-07T22:00:00Z"}
	for _, p := range paths {
		if alongside {
			p = strings.TrimSuffix(p, ".txt") + " (restored 2026-12-07 23.00).txt"
		}
		r.Paths = append(r.Paths, p)
		r.Files++
		r.Bytes += 11
	}
	return r, nil
}
