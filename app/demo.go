// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/rules"
)

// DemoHost is the demo box's name; the window title says it is demo data.
const DemoHost = "server.mueller-partner.lan"

// Demo is an in-memory Backend with the data of a small German tax
// office, for screenshots, trying the app and the tests. It is safe for
// concurrent use. Step, when set, delays each apply step (for watching
// progress).
type Demo struct {
	mu       sync.Mutex
	users    map[string]*api.User
	groups   map[string]*api.Group
	shares   []api.Share
	aliases  []api.Alias
	backup   api.BackupStatus
	alerts   api.Alerts
	services []api.ServiceStatus
	// Step is the delay of one demo apply step or backup tick.
	Step time.Duration
	// Now is the demo's clock.
	Now func() time.Time
	// NoSite makes the demo a fresh box without a site.
	NoSite bool
	// OfficeManager makes site-level calls fail as polkit refuses them
	// for an office manager.
	OfficeManager bool
	// changed counts ChangeBox calls.
	changed int
}

// site refuses site-level calls in office-manager mode.
func (d *Demo) site() error {
	if d.OfficeManager {
		return &client.Error{Name: api.ErrNotAuthorized, Message: "you may not manage the site, shares, mail and backup: ask an administrator to add you to posse-admin"}
	}
	return nil
}

var (
	demoGiven = []string{"Anna", "Jürgen", "Sabine", "Thomas", "Katrin", "Michael", "Petra", "Stefan", "Julia", "Andreas",
		"Monika", "Frank", "Claudia", "Markus", "Birgit", "Tobias", "Heike", "Jan", "Lena", "Uwe", "Sophie", "Matthias",
		"Ursula", "Lukas", "Karin", "Florian", "Doris", "Sebastian", "Elke", "Niklas"}
	demoSurname = []string{"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
		"Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
		"Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Krause", "Meier", "Lehmann", "Köhler",
		"Maier", "Jung", "Hahn", "Vogel", "Friedrich", "Keller", "Günther", "Frank", "Berger"}
)

// NewDemo returns the demo office with n users (12 if n <= 0).
func NewDemo(n int) *Demo {
	if n <= 0 {
		n = 12
	}
	d := &Demo{users: map[string]*api.User{}, groups: map[string]*api.Group{}, Now: time.Now}
	for _, g := range []api.Group{
		{Name: "buchhaltung", Description: "Buchhaltung"},
		{Name: "lohn", Description: "Lohnabrechnung"},
		{Name: "partner", Description: "Partner und Geschäftsführung"},
		{Name: "sekretariat", Description: "Sekretariat und Empfang"},
		{Name: "alle", Description: "Alle Mitarbeitenden"},
	} {
		g := g
		d.groups[g.Name] = &g
	}
	dept := []string{"buchhaltung", "lohn", "sekretariat", "buchhaltung", "lohn", "partner"}
	for i := 0; i < n; i++ {
		given := demoGiven[i%len(demoGiven)]
		sur := demoSurname[(i/len(demoGiven)+i*7)%len(demoSurname)]
		name := SuggestUsername(given, sur)
		if _, dup := d.users[name]; dup {
			name = fmt.Sprintf("%s%d", name, i)
		}
		u := &api.User{Username: name, GivenName: given, Surname: sur, DisplayName: given + " " + sur,
			Email: name + "@mueller-partner.de", Groups: []string{dept[i%len(dept)], "alle"}, Disabled: i%17 == 16}
		d.users[name] = u
		for _, g := range u.Groups {
			d.groups[g].Members = append(d.groups[g].Members, name)
		}
	}
	if u := d.users["anna.mueller"]; u != nil {
		u.Aliases = []string{"anna@mueller-partner.de", "bewerbung@mueller-partner.de"}
	}
	d.shares = []api.Share{
		{Name: "Ablage", Path: "/srv/posse/shares/ablage", Description: "Gemeinsame Ablage", Read: []string{"alle"}, Write: []string{"alle"}, RecycleBin: true},
		{Name: "Buchhaltung", Path: "/srv/posse/shares/buchhaltung", Description: "Mandantenbuchhaltung", Read: []string{"partner"}, Write: []string{"buchhaltung"}, RecycleBin: true},
		{Name: "Lohn", Path: "/srv/posse/shares/lohn", Description: "Lohnunterlagen (vertraulich)", Write: []string{"lohn", "partner"}, RecycleBin: true},
		{Name: "Scans", Path: "/srv/posse/shares/scans", Description: "Eingang vom Kopierer", Read: []string{"alle"}, Write: []string{"sekretariat"}},
	}
	d.aliases = []api.Alias{
		{Address: "info@mueller-partner.de", To: []string{"sekretariat@mueller-partner.de"}},
		{Address: "bewerbung@mueller-partner.de", To: []string{"anna.mueller@mueller-partner.de"}},
		{Address: "rechnung@mueller-partner.de", To: []string{"buchhaltung@mueller-partner.de", "juergen.schmidt@mueller-partner.de"}},
		{Address: "postmaster@mueller-partner.de", To: []string{"admin"}},
	}
	now := time.Now()
	// The demo office is in Germany: its backup runs at 22:30 there.
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		berlin = time.Local
	}
	now = now.In(berlin)
	last := time.Date(now.Year(), now.Month(), now.Day(), 22, 30, 0, 0, berlin)
	if last.After(now) {
		last = last.AddDate(0, 0, -1)
	}
	d.backup = api.BackupStatus{Configured: true, Repository: "sftp:backup@nas.mueller-partner.lan:/posse", Schedule: "*-*-* 22:30",
		LastRun: last.Format(time.RFC3339), LastResult: "success", LastSuccess: last.Format(time.RFC3339), SizeBytes: 187 << 30,
		NextRun:   last.AddDate(0, 0, 1).Format(time.RFC3339),
		LastCheck: last.AddDate(0, 0, -2).Add(-18*time.Hour - 30*time.Minute).Format(time.RFC3339), LastCheckResult: "success",
		LastDrill: last.AddDate(0, 0, -3).Add(-17*time.Hour - 30*time.Minute).Format(time.RFC3339), LastDrillResult: "success",
		LastDrillDetail: "20 of 20 sampled files came back whole, the directory's dump reads whole, a mailbox with 412 messages came back",
		Copies: []api.CopyStatus{
			{Name: "offsite", Repository: "sftp:posse@backup.it-partner.example:/kunden/mueller", Schedule: "*-*-* 02:00", LastRun: last.Add(3 * time.Hour).Format(time.RFC3339), LastResult: "success",
				LastSuccess: last.Add(3 * time.Hour).Format(time.RFC3339), Snapshots: 41, SizeBytes: 186 << 30},
			{Name: "usb-a", Repository: "usb:POSSE-A", Schedule: "Fri *-*-* 12:00", LastRun: last.AddDate(0, 0, -2).Format(time.RFC3339), LastResult: "success",
				LastSuccess: last.AddDate(0, 0, -2).Format(time.RFC3339), Snapshots: 39, SizeBytes: 181 << 30},
		}}
	failed := now.Add(-2*time.Hour - 10*time.Minute).Truncate(time.Minute)
	d.alerts = api.Alerts{Configured: true, To: []string{"it@mueller-partner.de"}, From: "posse@mueller-partner.de", LastCheck: now.Add(-5 * time.Minute).Format(time.RFC3339),
		Open: []api.Alert{{Key: "unit:dovecot.service", Subject: "service dovecot.service is failed",
			What:  "The unit dovecot.service of the site is failed, not running.",
			Next:  "See why with 'journalctl -u dovecot.service', then start it with 'systemctl start dovecot.service' or apply the site again; 'possectl status' shows every service.",
			Since: failed.Format(time.RFC3339), LastMail: failed.Add(time.Minute).Format(time.RFC3339)}}}
	d.services = []api.ServiceStatus{
		{Name: "directory", Unit: "samba-ad-dc.service", State: "active", Healthy: true,
			Detail: "domain MUELLER-PARTNER.LAN: samba-ad-dc active, LDAPS, DNS and Kerberos answer"},
		{Name: "files", Unit: "samba-ad-dc.service", State: "active", Healthy: true,
			Detail: "4 shares, 12 home folders: testparm clean, Windows and POSIX ACLs as planned, anonymous listing refused"},
		{Name: "mail", Unit: "postfix.service", State: "active", Healthy: true},
		{Name: "imap", Unit: "dovecot.service", State: "failed", Healthy: false,
			Detail: "dovecot.service failed: no space left on /var/mail"},
		{Name: "backup", Unit: "posse-backup.timer", State: "active", Healthy: true},
	}
	return d
}

// Close does nothing.
func (d *Demo) Close() error { return nil }

func notFound(what string) error {
	return &client.Error{Name: api.ErrNotFound, Message: what + " does not exist"}
}

func invalid(format string, a ...any) error {
	return &client.Error{Name: api.ErrInvalidInput, Message: fmt.Sprintf(format, a...)}
}

// Status returns the demo box's status.
func (d *Demo) Status(ctx context.Context) (api.Status, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.NoSite {
		return api.Status{Version: "0.1.0", Hostname: DemoHost}, nil
	}
	return api.Status{Version: "0.1.0", Hostname: DemoHost, Site: "Müller & Partner Steuerberatung",
		Services: append([]api.ServiceStatus(nil), d.services...)}, nil
}

// Health returns the demo services' health.
func (d *Demo) Health(ctx context.Context, service string) ([]api.ServiceStatus, error) {
	s, _ := d.Status(ctx)
	return s.Services, nil
}

// demoUsed is each demo share's disk use.
var demoUsed = map[string]uint64{"Ablage": 48_300 << 20, "Buchhaltung": 131_700 << 20, "Lohn": 6_200 << 20, "Scans": 2_900 << 20, "homes": 61_400 << 20}

// Usage returns the demo shares' disk use, measured three minutes ago on
// a 1 TB disk, and a mail queue with two messages waiting, one of them for
// five hours.
func (d *Demo) Usage(ctx context.Context) (api.Usage, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.NoSite {
		return api.Usage{}, &client.Error{Name: api.ErrNotAvailable, Message: "no site has been applied to this box yet: apply one first"}
	}
	now := d.Now()
	at := now.Add(-3 * time.Minute).UTC().Format(time.RFC3339)
	var u api.Usage
	var used uint64
	add := func(name, path string) {
		n := demoUsed[name]
		if n == 0 {
			n = 12 << 20
		}
		used += n
		u.Shares = append(u.Shares, api.ShareUsage{Name: name, Path: path, UsedBytes: n, Files: n >> 18, MeasuredAt: at, Complete: true})
	}
	for _, sh := range d.shares {
		add(sh.Name, sh.Path)
	}
	add("homes", "/srv/posse/homes")
	const size = 931 << 30 // a 1 TB disk
	for i := range u.Shares {
		u.Shares[i].SizeBytes, u.Shares[i].FreeBytes = size, size-used-(38<<30)
	}
	u.Mail = api.MailQueue{Configured: true, Messages: 2, Deferred: 1, Oldest: now.Add(-5 * time.Hour).UTC().Format(time.RFC3339)}
	return u, nil
}

// Validate finds a problem in a template containing "demo-invalid".
func (d *Demo) Validate(ctx context.Context, template []byte, secrets map[string]string) ([]api.Problem, error) {
	if strings.Contains(string(template), "demo-invalid") {
		return []api.Problem{{Path: "site.name", Line: 8, Column: 9, Message: "the box already serves another site", Hint: "export the box's template and change that one"}}, nil
	}
	return nil, nil
}

func (d *Demo) plan() api.PlanResult {
	d.mu.Lock()
	changed := d.changed
	d.mu.Unlock()
	p := api.PlanResult{Version: 1, Site: "Müller & Partner Steuerberatung", Steps: []api.PlanStep{
		{Service: "directory", Action: "create", Kind: "user", Target: "lena.weber", Summary: "create user lena.weber"},
		{Service: "directory", Action: "update", Kind: "group", Target: "lohn", Summary: "add lena.weber to lohn"},
		{Service: "files", Action: "create", Kind: "dir", Target: "/srv/posse/shares/projekte", Summary: "create share folder"},
		{Service: "files", Action: "update", Kind: "file", Target: "/etc/samba/smb.conf", Summary: "add share Projekte"},
		{Service: "files", Action: "update", Kind: "unit", Target: "samba-ad-dc.service", Summary: "reload Samba"},
		{Service: "mail", Action: "update", Kind: "file", Target: "/etc/postfix/virtual", Summary: "alias projekte@mueller-partner.de"},
		{Service: "mail", Action: "update", Kind: "unit", Target: "postfix.service", Summary: "reload Postfix"},
		{Service: "backup", Action: "update", Kind: "file", Target: "/etc/posse/backup.paths", Summary: "back up /srv/posse/shares/projekte"},
	}}
	for i := range changed {
		p.Steps = append(p.Steps, api.PlanStep{Service: "directory", Action: "create", Kind: "user", Target: fmt.Sprintf("new%d", i), Summary: "create a user added meanwhile"})
	}
	var id strings.Builder
	for _, s := range p.Steps {
		switch s.Action {
		case "create":
			p.Counts.Create++
		case "update":
			p.Counts.Update++
		}
		fmt.Fprintf(&id, "%s %s %s %s\n", s.Service, s.Action, s.Kind, s.Target)
	}
	p.ID = api.PlanID([]byte(id.String()))
	return p
}

// Plan returns a fixed demo plan.
func (d *Demo) Plan(ctx context.Context, template []byte, secrets map[string]string) (api.PlanResult, error) {
	if err := d.site(); err != nil {
		return api.PlanResult{}, err
	}
	return d.plan(), nil
}

// Apply runs the demo plan step by step; a template containing
// "demo-fail" fails at the sixth step and rolls back.
func (d *Demo) Apply(ctx context.Context, template []byte, secrets map[string]string, onStep func(client.Event)) (api.ApplyResult, error) {
	if err := d.site(); err != nil {
		return api.ApplyResult{}, err
	}
	p := d.plan()
	fail := strings.Contains(string(template), "demo-fail")
	r := api.ApplyResult{Job: "demo-1", Outcome: "applied", OK: true}
	for i, s := range p.Steps {
		st := api.Step{Index: int32(i), Total: int32(len(p.Steps)), Service: s.Service, Action: s.Action, Kind: s.Kind, Target: s.Target, Summary: s.Summary}
		if onStep != nil {
			onStep(client.Event{Started: true, Step: st})
		}
		time.Sleep(d.Step)
		st.Status, st.DurationMS = "done", int64(d.Step/time.Millisecond)
		if fail && i == 5 {
			st.Status, st.Error = "failed", "postfix reload failed: /etc/postfix/virtual line 3: bad address"
			if onStep != nil {
				onStep(client.Event{Step: st})
			}
			return api.ApplyResult{Job: r.Job, Outcome: "rolled-back", Error: st.Error,
				RolledBack: []string{"/etc/postfix/virtual", "/etc/samba/smb.conf", "samba-ad-dc.service"}}, nil
		}
		if onStep != nil {
			onStep(client.Event{Step: st})
		}
	}
	return r, nil
}

// ApplyPlan applies the demo plan if plan is it; after ChangeBox it is not.
func (d *Demo) ApplyPlan(ctx context.Context, template []byte, secrets map[string]string, shown api.PlanResult, onStep func(client.Event)) (api.ApplyResult, error) {
	now, err := d.Plan(ctx, template, secrets)
	if err != nil {
		return api.ApplyResult{}, err
	}
	if now.ID != shown.ID {
		return api.ApplyResult{Job: "demo-1", Outcome: api.OutcomePlanChanged, Error: api.PlanChangedError}, nil
	}
	return d.Apply(ctx, template, secrets, onStep)
}

// ChangeBox changes the demo box behind the app's back: the plan gets
// one more step.
func (d *Demo) ChangeBox() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.changed++
}

// Export returns the demo site as a template, as possed exports a box:
// site, groups, shares, home folders and mail (the users are left out).
func (d *Demo) Export(ctx context.Context) ([]byte, error) {
	if err := d.site(); err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "# exported from %s\nversion: 1\nsite:\n  name: \"Müller & Partner Steuerberatung\"\n  domain: mueller-partner.de\n  workgroup: MUELLER\n  timezone: Europe/Berlin\n", DemoHost)
	b.WriteString("directory:\n  admin_password: ${secret:domain_admin}\n  password_policy: {min_length: 10, complexity: true}\ngroups:\n")
	names := make([]string, 0, len(d.groups))
	for n := range d.groups {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "  - name: %s\n    description: %q\n", n, d.groups[n].Description)
	}
	b.WriteString("shares:\n")
	for _, sh := range d.shares {
		fmt.Fprintf(&b, "  - name: %s\n    path: %s\n    description: %q\n    read: [%s]\n    write: [%s]\n    recycle_bin: %t\n",
			sh.Name, sh.Path, sh.Description, strings.Join(sh.Read, ", "), strings.Join(sh.Write, ", "), sh.RecycleBin)
	}
	b.WriteString("homes: {enabled: true}\nmail:\n  domains: [mueller-partner.de]\n")
	return []byte(b.String()), nil
}

// Users lists the users matching query, sorted by username.
func (d *Demo) Users(ctx context.Context, query string) ([]api.User, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.NoSite {
		return nil, nil
	}
	r := make([]api.User, 0, len(d.users))
	for _, u := range d.users {
		if query == "" || strings.Contains(strings.ToLower(u.Username+" "+u.DisplayName), strings.ToLower(query)) {
			r = append(r, copyUser(u))
		}
	}
	sort.Slice(r, func(i, j int) bool { return r[i].Username < r[j].Username })
	return r, nil
}

func copyUser(u *api.User) api.User {
	c := *u
	c.Groups = append([]string(nil), u.Groups...)
	c.Aliases = append([]string(nil), u.Aliases...)
	return c
}

// User returns one user.
func (d *Demo) User(ctx context.Context, username string) (api.User, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	u, ok := d.users[username]
	if !ok {
		return api.User{}, notFound("user " + username)
	}
	return copyUser(u), nil
}

// Logon says how a demo user logs on: workgroup MUELLER, H:, and the
// shares their groups reach.
func (d *Demo) Logon(ctx context.Context, username string) (api.LogonInfo, error) {
	u, err := d.User(ctx, username)
	if err != nil {
		return api.LogonInfo{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	in := api.LogonInfo{Workgroup: "MUELLER", DNSDomain: "mueller-partner.lan", HomeDrive: "H:", MinPasswordLength: 10, PasswordComplexity: true}
	for _, sh := range d.shares {
		if a := rules.ShareAccess(u.Groups, sh.Write, sh.Read); a != rules.NoAccess {
			in.Shares = append(in.Shares, api.ShareAccess{Name: sh.Name, Write: a == rules.WriteAccess})
		}
	}
	return in, nil
}

// CreateUser adds a user.
func (d *Demo) CreateUser(ctx context.Context, u api.User, password string, mustChange bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.users[u.Username]; ok {
		return invalid("user %s already exists: choose another username", u.Username)
	}
	for _, g := range u.Groups {
		if d.groups[g] == nil {
			return invalid("group %s does not exist", g)
		}
	}
	if u.DisplayName == "" {
		u.DisplayName = strings.TrimSpace(u.GivenName + " " + u.Surname)
	}
	u.MustChangePassword = mustChange
	c := copyUser(&u)
	d.users[u.Username] = &c
	for _, g := range u.Groups {
		d.groups[g].Members = append(d.groups[g].Members, u.Username)
	}
	return nil
}

// UpdateUser changes a user's attributes.
func (d *Demo) UpdateUser(ctx context.Context, username string, up client.UserUpdate) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	u, ok := d.users[username]
	if !ok {
		return notFound("user " + username)
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
		u.Aliases = append([]string(nil), (*up.Aliases)...)
	}
	if up.MustChangePassword != nil {
		u.MustChangePassword = *up.MustChangePassword
	}
	return nil
}

// SetPassword accepts any password of the default policy.
func (d *Demo) SetPassword(ctx context.Context, username, password string, mustChange bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	u, ok := d.users[username]
	if !ok {
		return notFound("user " + username)
	}
	u.MustChangePassword = mustChange
	return nil
}

func (d *Demo) setDisabled(username string, v bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	u, ok := d.users[username]
	if !ok {
		return notFound("user " + username)
	}
	u.Disabled = v
	return nil
}

// DisableUser locks an account.
func (d *Demo) DisableUser(ctx context.Context, username string) error {
	return d.setDisabled(username, true)
}

// EnableUser unlocks an account.
func (d *Demo) EnableUser(ctx context.Context, username string) error {
	return d.setDisabled(username, false)
}

// DeleteUser removes a user and their group memberships.
func (d *Demo) DeleteUser(ctx context.Context, username string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.users[username]; !ok {
		return notFound("user " + username)
	}
	delete(d.users, username)
	for _, g := range d.groups {
		g.Members = remove(g.Members, username)
	}
	return nil
}

func remove(list []string, s string) []string {
	out := list[:0]
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

// ImportUsers reads a CSV with the header line of the box's import
// (username,given_name,surname,email,groups; groups separated by ";").
func (d *Demo) ImportUsers(ctx context.Context, data []byte, dryRun bool) (api.ImportResult, error) {
	var r api.ImportResult
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	recs, err := cr.ReadAll()
	if err != nil {
		return r, invalid("the CSV file cannot be read: %v", err)
	}
	if len(recs) == 0 {
		return r, invalid("the CSV file is empty: it needs a header line username,given_name,surname,email,groups")
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	if _, ok := col["username"]; !ok {
		return r, invalid("line 1: the header has no username column: start the file with username,given_name,surname,email,groups")
	}
	for n, rec := range recs[1:] {
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		line := n + 2
		u := api.User{Username: get("username"), GivenName: get("given_name"), Surname: get("surname"), Email: get("email")}
		for _, g := range strings.Split(get("groups"), ";") {
			if g = strings.TrimSpace(g); g != "" {
				u.Groups = append(u.Groups, g)
			}
		}
		if msg := CheckUsername(u.Username); msg != "" {
			r.Problems = append(r.Problems, fmt.Sprintf("line %d (%s): %s", line, u.Username, msg))
			continue
		}
		if _, err := d.User(ctx, u.Username); err == nil {
			r.Skipped = append(r.Skipped, u.Username)
			continue
		}
		if dryRun {
			r.Created = append(r.Created, u.Username)
			continue
		}
		pw := GeneratePassword()
		if err := d.CreateUser(ctx, u, pw, true); err != nil {
			r.Problems = append(r.Problems, fmt.Sprintf("line %d (%s): %v", line, u.Username, err))
			continue
		}
		r.Created = append(r.Created, u.Username)
		r.Passwords = append(r.Passwords, u.Username+","+pw)
	}
	return r, nil
}

// Groups lists the groups.
func (d *Demo) Groups(ctx context.Context) ([]api.Group, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	r := make([]api.Group, 0, len(d.groups))
	for _, g := range d.groups {
		c := *g
		c.Members = append([]string(nil), g.Members...)
		sort.Strings(c.Members)
		r = append(r, c)
	}
	sort.Slice(r, func(i, j int) bool { return r[i].Name < r[j].Name })
	return r, nil
}

// CreateGroup adds a group.
func (d *Demo) CreateGroup(ctx context.Context, g api.Group) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.groups[g.Name] != nil {
		return invalid("group %s already exists", g.Name)
	}
	d.groups[g.Name] = &g
	return nil
}

// DeleteGroup removes a group.
func (d *Demo) DeleteGroup(ctx context.Context, name string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.groups[name] == nil {
		return notFound("group " + name)
	}
	delete(d.groups, name)
	for _, u := range d.users {
		u.Groups = remove(u.Groups, name)
	}
	return nil
}

// SetMembers adds and removes members.
func (d *Demo) SetMembers(ctx context.Context, group string, add, rm []string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	g := d.groups[group]
	if g == nil {
		return notFound("group " + group)
	}
	for _, a := range add {
		u := d.users[a]
		if u == nil {
			return notFound("user " + a)
		}
		if !contains(g.Members, a) {
			g.Members = append(g.Members, a)
			u.Groups = append(u.Groups, group)
		}
	}
	for _, r := range rm {
		g.Members = remove(g.Members, r)
		if u := d.users[r]; u != nil {
			u.Groups = remove(u.Groups, group)
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Shares lists the shares.
func (d *Demo) Shares(ctx context.Context) ([]api.Share, error) {
	if err := d.site(); err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]api.Share(nil), d.shares...), nil
}

// SetShare creates or replaces a share.
func (d *Demo) SetShare(ctx context.Context, s api.Share) error {
	if err := d.site(); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if s.Path == "" {
		s.Path = "/srv/posse/shares/" + strings.ToLower(s.Name)
	}
	if !strings.HasPrefix(s.Path, "/srv/") {
		return invalid("share path must be inside /srv")
	}
	for i := range d.shares {
		if d.shares[i].Name == s.Name {
			d.shares[i] = s
			return nil
		}
	}
	d.shares = append(d.shares, s)
	return nil
}

// DeleteShare removes a share.
func (d *Demo) DeleteShare(ctx context.Context, name string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i := range d.shares {
		if d.shares[i].Name == name {
			d.shares = append(d.shares[:i], d.shares[i+1:]...)
			return nil
		}
	}
	return notFound("share " + name)
}

// Aliases lists the mail aliases.
func (d *Demo) Aliases(ctx context.Context) ([]api.Alias, error) {
	if err := d.site(); err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]api.Alias(nil), d.aliases...), nil
}

// SetAlias creates or replaces an alias.
func (d *Demo) SetAlias(ctx context.Context, a api.Alias) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(a.To) == 0 {
		return invalid("alias %s has no targets", a.Address)
	}
	for i := range d.aliases {
		if d.aliases[i].Address == a.Address {
			d.aliases[i] = a
			return nil
		}
	}
	d.aliases = append(d.aliases, a)
	return nil
}

// DeleteAlias removes an alias.
func (d *Demo) DeleteAlias(ctx context.Context, address string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i := range d.aliases {
		if d.aliases[i].Address == address {
			d.aliases = append(d.aliases[:i], d.aliases[i+1:]...)
			return nil
		}
	}
	return notFound("alias " + address)
}

// TimeZone implements zoner: the demo office is in Germany.
func (d *Demo) TimeZone(context.Context) (string, error) { return "Europe/Berlin", nil }

// Alerts returns the alerts' open problems: the mailbox service that
// failed since the morning.
func (d *Demo) Alerts(ctx context.Context) (api.Alerts, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.NoSite {
		return api.Alerts{To: []string{}, Open: []api.Alert{}}, nil
	}
	return d.alerts, nil
}

// BackupStatus returns the backup state.
func (d *Demo) BackupStatus(ctx context.Context) (api.BackupStatus, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.NoSite {
		return api.BackupStatus{}, nil
	}
	return d.backup, nil
}

// RunBackup marks the backup running for a few steps, then successful.
func (d *Demo) RunBackup(ctx context.Context) error {
	if err := d.site(); err != nil {
		return err
	}
	d.mu.Lock()
	if d.backup.Running {
		d.mu.Unlock()
		return invalid("a backup is already running")
	}
	d.backup.Running = true
	d.mu.Unlock()
	finish := func() {
		d.mu.Lock()
		d.backup.Running = false
		d.backup.LastRun = d.Now().Format(time.RFC3339)
		d.backup.LastResult = "success"
		d.mu.Unlock()
	}
	if d.Step == 0 {
		finish()
		return nil
	}
	time.AfterFunc(20*d.Step, finish)
	return nil
}

// Snapshots lists a week of nightly snapshots, newest first.
func (d *Demo) Snapshots(ctx context.Context) ([]api.Snapshot, error) {
	if err := d.site(); err != nil {
		return nil, err
	}
	return demoSnapshots(), nil
}

// demoSnapshots are the demo's nightly snapshots, newest first.
func demoSnapshots() []api.Snapshot {
	base := time.Date(2026, 11, 22, 21, 30, 0, 0, time.UTC) // 22:30 in Berlin
	var r []api.Snapshot
	for i := 0; i < 7; i++ {
		r = append(r, api.Snapshot{ID: fmt.Sprintf("%08x", 0x3fa2c1d0+i*0x1111), Time: base.AddDate(0, 0, -i).Format(time.RFC3339),
			Paths: []string{"/srv/posse/shares", "/var/mail"}, Tags: []string{"nightly"}})
	}
	return r
}

var demoTree = map[string][]api.Entry{
	"/":                                 {{Path: "/srv", Type: "dir"}, {Path: "/var", Type: "dir"}},
	"/srv":                              {{Path: "/srv/posse/shares", Type: "dir"}},
	"/var":                              {{Path: "/var/mail", Type: "dir"}},
	"/var/mail":                         {},
	"/srv/posse/shares":                 {{Path: "/srv/posse/shares/ablage", Type: "dir"}, {Path: "/srv/posse/shares/buchhaltung", Type: "dir"}, {Path: "/srv/posse/shares/lohn", Type: "dir"}, {Path: "/srv/posse/shares/scans", Type: "dir"}},
	"/srv/posse/shares/ablage":          {{Path: "/srv/posse/shares/ablage/Vorlagen", Type: "dir"}, {Path: "/srv/posse/shares/ablage/Telefonliste.xlsx", Type: "file", Size: 48213}, {Path: "/srv/posse/shares/ablage/Urlaubsplan 2026.xlsx", Type: "file", Size: 120440}},
	"/srv/posse/shares/ablage/Vorlagen": {{Path: "/srv/posse/shares/ablage/Vorlagen/Briefkopf.dotx", Type: "file", Size: 35120}, {Path: "/srv/posse/shares/ablage/Vorlagen/Vollmacht.docx", Type: "file", Size: 22018}},
	"/srv/posse/shares/buchhaltung":     {{Path: "/srv/posse/shares/buchhaltung/Mandanten", Type: "dir"}, {Path: "/srv/posse/shares/buchhaltung/Kontenrahmen SKR03.pdf", Type: "file", Size: 2210331}},
	"/srv/posse/shares/buchhaltung/Mandanten":                 {{Path: "/srv/posse/shares/buchhaltung/Mandanten/Bäckerei Schulz", Type: "dir"}, {Path: "/srv/posse/shares/buchhaltung/Mandanten/Autohaus Krüger", Type: "dir"}},
	"/srv/posse/shares/buchhaltung/Mandanten/Bäckerei Schulz": {{Path: "/srv/posse/shares/buchhaltung/Mandanten/Bäckerei Schulz/Jahresabschluss 2025.pdf", Type: "file", Size: 883120}},
	"/srv/posse/shares/buchhaltung/Mandanten/Autohaus Krüger": {{Path: "/srv/posse/shares/buchhaltung/Mandanten/Autohaus Krüger/USt-VA Oktober.pdf", Type: "file", Size: 120034}},
	"/srv/posse/shares/lohn":                                  {{Path: "/srv/posse/shares/lohn/Lohnjournal 2026-10.pdf", Type: "file", Size: 412993}},
	"/srv/posse/shares/scans":                                 {{Path: "/srv/posse/shares/scans/Scan_2026-11-20_0815.pdf", Type: "file", Size: 1893221}},
}

// Browse lists a directory of a snapshot.
func (d *Demo) Browse(ctx context.Context, snapshot, dir string) ([]api.Entry, error) {
	if err := d.site(); err != nil {
		return nil, err
	}
	return demoBrowse(dir)
}

// demoBrowse lists a directory of the demo's backup tree.
func demoBrowse(dir string) ([]api.Entry, error) {
	es, ok := demoTree[path.Clean("/"+dir)]
	if !ok {
		return nil, notFound("folder " + dir)
	}
	r := append([]api.Entry(nil), es...)
	for i := range r {
		r[i].ModTime = "2026-11-20T16:42:00Z"
	}
	return r, nil
}

// Restore pretends to restore: in place ("" target) it reports every
// file as put back; otherwise as restored into target.
func (d *Demo) Restore(ctx context.Context, snapshot string, paths []string, target string) (api.RestoreResult, error) {
	if err := d.site(); err != nil {
		return api.RestoreResult{}, err
	}
	if len(paths) == 0 {
		return api.RestoreResult{}, invalid("nothing to restore")
	}
	time.Sleep(10 * d.Step)
	r := api.RestoreResult{Snapshot: snapshot, To: target}
	var walk func(p string)
	walk = func(p string) {
		es, ok := demoTree[p]
		if !ok {
			r.Restored = append(r.Restored, p)
			return
		}
		for _, e := range es {
			walk(e.Path)
		}
	}
	for _, p := range paths {
		walk(p)
	}
	if target == "" && len(r.Restored) > 1 {
		// One file changed since the snapshot: it is kept.
		f := r.Restored[0]
		r.Beside = []string{f + " → " + path.Base(f) + ".restored"}
		r.Restored = r.Restored[1:]
	}
	return r, nil
}
