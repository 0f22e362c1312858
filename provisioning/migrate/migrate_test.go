// SPDX-License-Identifier: GPL-3.0-or-later

package migrate

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 12, 7, 13, 0, 0, 0, time.UTC)

func goodRoot() RootDSE {
	cfg := "CN=Configuration,DC=old,DC=example"
	return RootDSE{
		DefaultNC:    "DC=old,DC=example",
		ConfigNC:     cfg,
		SchemaNC:     "CN=Schema," + cfg,
		RootDomainNC: "DC=old,DC=example",
		DNSHostName:  "DC1.old.example",
		CurrentTime:  "20261207130030.0Z",
		DomainLevel:  "4",
		ForestLevel:  "4",
		DCLevel:      "4",
		Capabilities: []string{"1.2.840.113556.1.4.800", "1.2.840.113556.1.4.1670"},
	}
}

func TestRefuse(t *testing.T) {
	if err := Refuse("10.0.0.1", goodRoot()); err != nil {
		t.Fatalf("a 2008 R2 DC is refused: %v", err)
	}
	notAD := goodRoot()
	notAD.Capabilities = nil
	if err := Refuse("10.0.0.1", notAD); !errors.Is(err, ErrNotDC) || !strings.Contains(err.Error(), "give the address of the old domain controller") {
		t.Errorf("an OpenLDAP server: %v", err)
	}
	old := goodRoot()
	old.DomainLevel = "2"
	err := Refuse("10.0.0.1", old)
	if err == nil || !strings.Contains(err.Error(), "domain's functional level is Windows Server 2003 (2)") || !strings.Contains(err.Error(), "at least Windows Server 2008 R2 (4)") {
		t.Errorf("a 2003 domain: %v", err)
	}
	oldForest := goodRoot()
	oldForest.ForestLevel = "3"
	if err := Refuse("x", oldForest); err == nil || !strings.Contains(err.Error(), "forest's functional level") {
		t.Errorf("a 2008 forest: %v", err)
	}
}

func TestBindReason(t *testing.T) {
	for _, tc := range []struct {
		code uint16
		diag string
		want string
	}{
		{49, "80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 52e, v4563", "wrong user name or password"},
		{49, "80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 533, v4563", "disabled"},
		{49, "… data 775, v2580", "locked out"},
		{49, "… data 773, v2580", "must change its password"},
		{49, "", "wrong user name or password"},
		{8, "", "stronger authentication"},
	} {
		if got := BindReason(tc.code, tc.diag); !strings.Contains(got, tc.want) {
			t.Errorf("BindReason(%d, %q) = %q, want %q", tc.code, tc.diag, got, tc.want)
		}
	}
	e := &BindError{User: "admin@old.example", Reason: BindReason(49, "")}
	if !strings.Contains(e.Error(), "refused the login of admin@old.example") || !strings.Contains(e.Error(), "legacy_admin") {
		t.Errorf("BindError = %q", e)
	}
}

func TestParseGeneralizedTime(t *testing.T) {
	got, err := ParseGeneralizedTime("20261207130641.0Z")
	if err != nil || !got.Equal(time.Date(2026, 12, 7, 13, 6, 41, 0, time.UTC)) {
		t.Errorf("got %v, %v", got, err)
	}
	for _, bad := range []string{"", "2026", "20261307130641.0Z", "20261207130641+0200"} {
		if _, err := ParseGeneralizedTime(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestRefusedNames(t *testing.T) {
	accts := []Account{
		{Kind: "user", Name: "Administrator", System: true},
		{Kind: "user", Name: "anna", DisplayName: "Anna Müller"},
		{Kind: "user", Name: "Bernd.Schäfer", DisplayName: "Bernd"},
		{Kind: "user", Name: "root"},
		{Kind: "user", Name: "eve", DisplayName: "Eve\x1b[2J"},
		{Kind: "group", Name: "Domain Admins", System: true},
		{Kind: "group", Name: "DnsAdmins"},
		{Kind: "group", Name: "Buchhaltung Team"},
		{Kind: "group", Name: "staff"},
		{Kind: "computer", Name: "PC1$"},
	}
	got := RefusedNames(accts)
	byName := map[string]Refused{}
	for _, r := range got {
		byName[r.Name] = r
	}
	if len(got) != 4 {
		t.Fatalf("refused %d names, want 4: %+v", len(got), got)
	}
	if r := byName["Bernd.Schäfer"]; r.Suggest != "bernd.schaefer" || !strings.Contains(r.Fix, "rename the user to bernd.schaefer") {
		t.Errorf("Bernd.Schäfer: %+v", r)
	}
	if r := byName["root"]; r.Suggest != "root1" || !strings.Contains(r.Problem, "reserved") {
		t.Errorf("root: %+v", r)
	}
	if r := byName["Buchhaltung Team"]; r.Kind != "group" || r.Suggest != "buchhaltung-team" {
		t.Errorf("Buchhaltung Team: %+v", r)
	}
	if r := byName["eve"]; !strings.Contains(r.Problem, "display name") {
		t.Errorf("eve: %+v", r)
	}
	if got[0].Kind != "user" || got[len(got)-1].Kind != "group" {
		t.Errorf("users do not come first: %+v", got)
	}
}

func TestSuggestNameAvoidsTaken(t *testing.T) {
	taken := map[string]bool{"jo.doe": true, "jo doe": true}
	if got := suggestName("Jo Doe", 20, taken); got != "jo-doe" {
		t.Errorf("got %q", got)
	}
	taken["jo-doe"] = true
	if got := suggestName("Jo Doe", 20, taken); got != "jo-doe1" {
		t.Errorf("got %q", got)
	}
	if got := suggestName("1234", 20, nil); got != "" {
		t.Errorf("all digits: got %q", got)
	}
	if got := suggestName("a-very-long-name-indeed-too-long", 20, nil); len(got) > 20 || got == "" {
		t.Errorf("long: got %q", got)
	}
}

func goodFacts() Facts {
	return Facts{
		From:      "10.0.0.1",
		Root:      goodRoot(),
		DCs:       []string{"dc1.old.example"},
		FreeBytes: 1e9,
		FreeWhere: "/srv",
		Now:       now,
		NetBIOS:   "OLD",
		Schema:    69,
		FSMO: []Role{
			{Role: "pdc", Owner: "dc1.old.example"}, {Role: "rid", Owner: "dc1.old.example"},
			{Role: "infrastructure", Owner: "dc1.old.example"}, {Role: "schema", Owner: "dc1.old.example"},
			{Role: "naming", Owner: "dc1.old.example"},
		},
		Accounts: []Account{
			{Kind: "user", Name: "anna"}, {Kind: "user", Name: "bob", Disabled: true},
			{Kind: "user", Name: "Bad Name"}, {Kind: "group", Name: "staff"}, {Kind: "computer", Name: "PC1$"},
		},
		DNS: DNSFacts{
			Domain: []string{"10.0.0.1"}, LDAP: []string{"dc1.old.example"},
			Kerberos: []string{"dc1.old.example"}, DCHost: []string{"10.0.0.1"},
		},
		Shares: []Share{
			{Name: "sysvol", Type: "Disk"}, {Name: "netlogon", Type: "Disk"}, {Name: "IPC$", Type: "IPC"},
			{Name: "Daten", Type: "Disk", Path: `C:\Daten`, Walked: true, Files: 12, Dirs: 3, Bytes: 1500},
			{Name: "Scans", Type: "Disk", WalkError: "cannot list its files: NT_STATUS_ACCESS_DENIED"},
			{Name: "C$", Type: "Disk"},
		},
	}
}

func check(t *testing.T, r *Report, name string) Check {
	t.Helper()
	for _, c := range r.Checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no check %s in %+v", name, r.Checks)
	return Check{}
}

func TestBuild(t *testing.T) {
	r := Build(goodFacts())
	if r.Domain != "old.example" || r.Realm != "OLD.EXAMPLE" || r.DC != "dc1.old.example" || r.DomainLevel != 4 || r.SchemaName != "Windows Server 2012 R2" {
		t.Errorf("facts: %+v", r)
	}
	if r.Users != 3 || r.Disabled != 1 || r.Groups != 1 || r.Computers != 1 {
		t.Errorf("counts: %d users, %d disabled, %d groups, %d computers", r.Users, r.Disabled, r.Groups, r.Computers)
	}
	if c := check(t, r, CheckClock); c.Status != StatusOK || r.ClockSkew != 30 {
		t.Errorf("clock: %+v, skew %v", c, r.ClockSkew)
	}
	if c := check(t, r, CheckFSMO); c.Status != StatusOK || !strings.Contains(c.Detail, "dc1.old.example") {
		t.Errorf("fsmo: %+v", c)
	}
	if c := check(t, r, CheckSYSVOL); c.Status != StatusOK {
		t.Errorf("sysvol: %+v", c)
	}
	if c := check(t, r, CheckShares); c.Status != StatusWarn || !strings.Contains(c.Detail, "Scans") {
		t.Errorf("shares: %+v", c)
	}
	if c := check(t, r, CheckReplication); c.Status != StatusOK || !strings.Contains(c.Detail, "only domain controller") {
		t.Errorf("replication with one DC: %+v", c)
	}
	if c := check(t, r, CheckDisk); c.Status != StatusOK || !strings.Contains(c.Detail, "/srv has 1.0 GB free") {
		t.Errorf("disk: %+v", c)
	}
	if r.CopyBytes != 1500 || r.CopyFiles != 12 {
		t.Errorf("estimate %d bytes %d files", r.CopyBytes, r.CopyFiles)
	}
	if len(r.Refused) != 1 || r.Refused[0].Name != "Bad Name" {
		t.Errorf("refused: %+v", r.Refused)
	}
	if !r.Ready {
		t.Errorf("not ready: %+v", r.Checks)
	}
	if len(r.Phases) != 4 || r.Phases[1].Name != "files" || r.Phases[1].Bytes != 1500 {
		t.Errorf("phases: %+v", r.Phases)
	}
	files := strings.Join(r.Phases[1].Steps, "\n")
	if !strings.Contains(files, "copy share Daten (12 files, 1.5 kB)") || strings.Contains(files, "sysvol") || strings.Contains(files, "C$") {
		t.Errorf("files phase: %s", files)
	}
}

func TestBuildFailures(t *testing.T) {
	f := goodFacts()
	f.Root.CurrentTime = "20261207131000.0Z" // 10 minutes ahead
	f.DNS = DNSFacts{DomainErr: "the DNS server did not answer", LDAPErr: "no such record", KerberosErr: "no such record", DCHostErr: "no such record"}
	f.FSMO[4].Owner = "dc2.old.example"
	f.DCs = []string{"dc1.old.example", "dc2.old.example"}
	f.Shares = []Share{{Name: "Daten", Type: "Disk", Walked: true, Files: 1, Bytes: 2e9}}
	r := Build(f)
	if c := check(t, r, CheckReplication); c.Status != StatusNotChecked || !strings.Contains(c.Detail, "repadmin") {
		t.Errorf("replication with two DCs: %+v", c)
	}
	if c := check(t, r, CheckDisk); c.Status != StatusFail || !strings.Contains(c.Detail, "hold 2.0 GB but /srv has 1.0 GB free") {
		t.Errorf("disk: %+v", c)
	}
	for _, name := range []string{CheckClock, CheckDNSDomain, CheckDNSLDAP, CheckDNSKerberos, CheckDNSDC, CheckSYSVOL} {
		if c := check(t, r, name); c.Status != StatusFail {
			t.Errorf("%s: %+v", name, c)
		}
	}
	if c := check(t, r, CheckClock); !strings.Contains(c.Detail, "10m0s") {
		t.Errorf("clock: %+v", c)
	}
	if c := check(t, r, CheckFSMO); c.Status != StatusWarn || !strings.Contains(c.Detail, "dc1.old.example, dc2.old.example") {
		t.Errorf("fsmo: %+v", c)
	}
	if r.Ready {
		t.Error("ready with failed checks")
	}
}

func TestWriteTextEscapes(t *testing.T) {
	f := goodFacts()
	f.Shares = append(f.Shares, Share{Name: "Evil\x1b[2J", Type: "Disk", Walked: true})
	r := Build(f)
	var b strings.Builder
	if err := WriteText(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, "\x1b") {
		t.Errorf("an escape reached the terminal:\n%s", out)
	}
	for _, want := range []string{"Pre-flight of taking over old.example from dc1.old.example (10.0.0.1)", "Windows Server 2008 R2 (4)", "Daten", `C:\Daten`, "the domain's own share", "Bad Name", "fix: rename the user", "2. join", "3. files", "4. cut-over", "5. adopt", "Ready"} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
}

func TestParseListing(t *testing.T) {
	out := `  .                                   D        0  Mon Dec  7 13:00:00 2026
  ..                                  D        0  Mon Dec  7 13:00:00 2026
  Bericht März.txt                    A     1024  Sun Dec  6 09:01:02 2026
  Unterordner                         D        0  Mon Dec  7 13:00:00 2026
  with  two  spaces.doc               N       10  Mon Dec  7 13:00:00 2026

\Unterordner
  .                                   D        0  Mon Dec  7 13:00:00 2026
  ..                                  D        0  Mon Dec  7 13:00:00 2026
  a.bin                               AH  2000000  Mon Dec  7 13:00:00 2026

		61202244 blocks of size 1024. 40960540 blocks available
`
	files, dirs, bytes := ParseListing([]byte(out))
	if files != 3 || dirs != 1 || bytes != 2001034 {
		t.Errorf("got %d files, %d dirs, %d bytes", files, dirs, bytes)
	}
}

func TestParseShares(t *testing.T) {
	shares := ParseShareList([]byte("Disk|sysvol|\nDisk|Daten|Gemeinsame Dateien\nIPC|IPC$|IPC Service (Samba)\nSMB1 disabled -- no workgroup available\n"))
	if len(shares) != 3 || shares[1].Name != "Daten" || shares[1].Comment != "Gemeinsame Dateien" || shares[2].Type != "IPC" {
		t.Errorf("shares: %+v", shares)
	}
	paths := ParseSharePaths([]byte("netname: Daten\n\tremark:\tx\n\tpath:\tC:\\srv\\daten\n\tpassword:\t\nnetname: IPC$\n\tremark:\tIPC\n\tpath:\tC:\\tmp\n"))
	if paths["daten"] != `C:\srv\daten` || paths["ipc$"] != `C:\tmp` {
		t.Errorf("paths: %v", paths)
	}
	owner, aces := ParseACL([]byte("REVISION:1\nCONTROL:SR|DP\nOWNER:OLD\\Administrator\nGROUP:OLD\\Domain Users\nACL:OLD\\Administrator:ALLOWED/OI|CI/FULL\nACL:Everyone:DENIED/0x0/WRITE\n"))
	if owner != `OLD\Administrator` || aces != 2 {
		t.Errorf("acl: %q %d", owner, aces)
	}
}

func TestWellKnownRID(t *testing.T) {
	sid := func(subs ...uint32) []byte {
		b := []byte{1, byte(len(subs)), 0, 0, 0, 0, 0, 5}
		for _, s := range subs {
			b = append(b, byte(s), byte(s>>8), byte(s>>16), byte(s>>24))
		}
		return b
	}
	for _, tc := range []struct {
		sid  []byte
		want bool
	}{
		{sid(21, 1, 2, 3, 500), true},
		{sid(21, 1, 2, 3, 512), true},
		{sid(21, 1, 2, 3, 1105), false},
		{sid(32, 544), true},
		{nil, false},
	} {
		if got := WellKnownRID(tc.sid); got != tc.want {
			t.Errorf("WellKnownRID(%v) = %v", tc.sid, got)
		}
	}
}

// fakeDir is a Directory in memory.
type fakeDir struct {
	root     RootDSE
	password string
	bound    bool
	calls    []string
}

func (d *fakeDir) RootDSE(context.Context) (RootDSE, error) {
	d.calls = append(d.calls, "rootdse")
	return d.root, nil
}

func (d *fakeDir) Bind(_ context.Context, user, password string) error {
	d.calls = append(d.calls, "bind "+user)
	if password != d.password {
		return &BindError{User: user, Reason: BindReason(49, "data 52e")}
	}
	d.bound = true
	return nil
}

func (d *fakeDir) need() error {
	if !d.bound {
		return errors.New("not bound")
	}
	return nil
}

func (d *fakeDir) SchemaVersion(context.Context, string) (int, error) { return 69, d.need() }
func (d *fakeDir) NetBIOSName(context.Context, RootDSE) (string, error) {
	return "OLD", d.need()
}
func (d *fakeDir) FSMO(context.Context, RootDSE) ([]Role, error) {
	return goodFacts().FSMO, d.need()
}
func (d *fakeDir) Accounts(context.Context, string) ([]Account, error) {
	return goodFacts().Accounts, d.need()
}
func (d *fakeDir) DCs(context.Context, RootDSE) ([]string, error) {
	return []string{"dc1.old.example"}, d.need()
}
func (d *fakeDir) Close() error { return nil }

type fakeDNS struct{}

func (fakeDNS) Check(context.Context, string, string) DNSFacts { return goodFacts().DNS }

type fakeFiles struct{ walked []string }

func (f *fakeFiles) Shares(context.Context) ([]Share, error) {
	return []Share{{Name: "sysvol", Type: "Disk"}, {Name: "Daten", Type: "Disk"}, {Name: "C$", Type: "Disk"}}, nil
}
func (f *fakeFiles) Walk(_ context.Context, s *Share) {
	f.walked = append(f.walked, s.Name)
	s.Walked, s.Files, s.Bytes = true, 2, 20
}
func (f *fakeFiles) ACL(_ context.Context, s *Share) { s.Owner, s.ACEs = `OLD\Administrator`, 3 }
func (f *fakeFiles) Close() error                    { return nil }

func TestRun(t *testing.T) {
	const pw = "S3cret-Legacy-Pw!"
	dir := &fakeDir{root: goodRoot(), password: pw}
	files := &fakeFiles{}
	var wg string
	src := Source{Directory: dir, Resolver: fakeDNS{}, Files: func(workgroup, realm string) (Files, error) {
		wg = workgroup + "/" + realm
		return files, nil
	}}
	r, err := Run(context.Background(), src, Options{From: "10.0.0.1", User: "Administrator", Password: pw, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if dir.calls[1] != "bind Administrator@old.example" || wg != "OLD/OLD.EXAMPLE" {
		t.Errorf("calls %v, workgroup %s", dir.calls, wg)
	}
	if strings.Join(files.walked, ",") != "Daten" {
		t.Errorf("walked %v", files.walked)
	}
	if r.CopyFiles != 2 || r.Shares[1].ACEs != 3 || !r.Ready {
		t.Errorf("report %+v", r)
	}
	raw, _ := json.Marshal(r)
	if strings.Contains(string(raw), pw) {
		t.Error("the password is in the report")
	}

	// A wrong password is refused with a sentence and nothing else is read.
	dir = &fakeDir{root: goodRoot(), password: pw}
	src.Directory = dir
	_, err = Run(context.Background(), src, Options{From: "10.0.0.1", User: "Administrator", Password: "wrong"})
	var be *BindError
	if !errors.As(err, &be) || !strings.Contains(err.Error(), "wrong user name or password") || strings.Contains(err.Error(), "wrong\"") {
		t.Errorf("wrong password: %v", err)
	}
	if len(dir.calls) != 2 {
		t.Errorf("after a refused bind: %v", dir.calls)
	}

	// A server that is not a DC is refused before the password is sent.
	notDC := goodRoot()
	notDC.Capabilities = nil
	dir = &fakeDir{root: notDC, password: pw}
	src.Directory = dir
	if _, err := Run(context.Background(), src, Options{From: "10.0.0.9", User: "Administrator", Password: pw}); !errors.Is(err, ErrNotDC) {
		t.Errorf("not a DC: %v", err)
	}
	if len(dir.calls) != 1 {
		t.Errorf("the password went to a server that is not a DC: %v", dir.calls)
	}
}
