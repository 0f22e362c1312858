// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon/api"
)

func usersScreen(t *testing.T, f *fake) (*UsersScreen, fyne.Window) {
	t.Helper()
	test.NewTempApp(t)
	br := newBridge(f)
	w := window(t, nil, 1024, 700)
	s := NewUsersScreen(w, br)
	w.SetContent(s.Content())
	w.Resize(fyne.NewSize(1024, 700))
	s.Reload()
	return s, w
}

func TestUsersScreenRenders(t *testing.T) {
	s, w := usersScreen(t, newFake(12))
	s.Select("anna.mueller")
	golden(t, "users.xml", w.Canvas())
}

func TestUsersSearchFiltersInMemory(t *testing.T) {
	f := newFake(5000)
	s, w := usersScreen(t, f)
	if len(s.view) != 5000 {
		t.Fatalf("%d users shown, want 5000", len(s.view))
	}
	test.Type(s.search, "MÜLLER")
	want := 0
	for _, u := range s.all {
		if strings.Contains(u.DisplayName, "Müller") || strings.Contains(u.Username, "mueller") {
			want++
		}
	}
	if len(s.view) != want || want == 0 || want == 5000 {
		t.Errorf("search shows %d users, want %d", len(s.view), want)
	}
	if !hasText(w.Canvas(), "of 5000 users") {
		t.Error("the count does not say how many match")
	}
	s.search.SetText("mueller") // everybody's mail domain is mueller-partner.de
	if len(s.view) != want {
		t.Errorf("mueller shows %d users, want the %d Müllers, not everybody through the mail domain", len(s.view), want)
	}
	if f.called("Users") {
		t.Error("searching asked the box")
	}
}

// The search ignores case and diacritics, and lists matches on the name
// or username before matches on an address.
func TestUsersSearchFoldsAndRanks(t *testing.T) {
	f := newFake(12)
	for _, u := range []api.User{
		{Username: "gyilmaz", GivenName: "Gül", Surname: "Yılmaz", DisplayName: "Gül Yılmaz", Email: "guel.yilmaz@mueller-partner.de"},
		{Username: "zz.empfang", GivenName: "Petra", Surname: "Gulden", DisplayName: "Petra Gulden", Email: "empfang@mueller-partner.de"},
		{Username: "aa.empfang", GivenName: "Ole", Surname: "Hansen", DisplayName: "Ole Hansen", Email: "ole.hansen@mueller-partner.de", Aliases: []string{"gulden.vertretung@mueller-partner.de"}},
	} {
		if err := f.Demo.CreateUser(t.Context(), u, "x", true); err != nil {
			t.Fatal(err)
		}
	}
	s, _ := usersScreen(t, f)
	shown := func() string {
		var r []string
		for _, i := range s.view {
			r = append(r, s.all[i].Username)
		}
		return strings.Join(r, ",")
	}
	for _, c := range []struct{ q, want string }{
		{"gul", "gyilmaz,zz.empfang,aa.empfang"}, // names first, then the alias
		{"Gül", "gyilmaz,zz.empfang,aa.empfang"},
		{"yilmaz", "gyilmaz"},
		{"YILMAZ", "gyilmaz"},
		{"guel", "gyilmaz"},
		{"empfang", "aa.empfang,zz.empfang"},
		{"gulden.vertretung@mueller", "aa.empfang"},
		{"partner.de", ""},
	} {
		s.search.SetText(c.q)
		if got := shown(); got != c.want {
			t.Errorf("search %q shows %s, want %s", c.q, got, c.want)
		}
	}
}

func BenchmarkUsersFilter5000(b *testing.B) {
	test.NewTempApp(b)
	f := newFake(5000)
	s := NewUsersScreen(test.NewTempWindow(b, nil), newBridge(f))
	s.Reload()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Filter("schmidt")
		s.Filter("")
	}
}

func TestAddUserFlow(t *testing.T) {
	f := newFake(12)
	s, w := usersScreen(t, f)
	test.Tap(button(t, w.Canvas(), tr("Add user…")))
	if s.form == nil {
		t.Fatal("no form")
	}
	if got := strings.Join(s.form.groups.Selected(), ","); got != "alle" {
		t.Errorf("preselected groups %q, want the site's everyone group alle", got)
	}
	if !hasText(w.Canvas(), "Lohnabrechnung") {
		t.Error("the groups are shown without their descriptions")
	}
	test.Type(s.form.given, "Lena")
	test.Type(s.form.surname, "Weiß")
	if s.form.username.Text != "lena.weiss" || s.form.email.Text != "lena.weiss@mueller-partner.de" {
		t.Errorf("suggested %q <%s>", s.form.username.Text, s.form.email.Text)
	}
	s.form.groups.SetSelected([]string{"lohn", "alle"})
	golden(t, "users_add.xml", w.Canvas())
	s.newPassword = func() string { return "Tokam-Rubel-47" }
	test.Tap(button(t, w.Canvas(), tr("Add user")))
	golden(t, "users_sheet.xml", w.Canvas())

	u, err := f.User(t.Context(), "lena.weiss")
	if err != nil {
		t.Fatalf("user not created: %v", err)
	}
	if u.DisplayName != "Lena Weiß" || strings.Join(u.Groups, ",") != "alle,lohn" {
		t.Errorf("created %+v", u)
	}
	if f.pwLen["lena.weiss"] < 10 || !f.mustChange["lena.weiss"] {
		t.Errorf("initial password of %d characters, must change %v", f.pwLen["lena.weiss"], f.mustChange["lena.weiss"])
	}
	for _, want := range []string{
		`Username: MUELLER\lena.weiss`, "Initial password: Tokam-Rubel-47", "Server: server ",
		`\\server\Ablage read and write`, `\\server\Lohn read and write`, `\\server\Scans read only`, `H: your own folder (\\server\lena.weiss)`,
		"Ctrl+Alt+Del", "at least 10 characters", "lena.weiss@mueller-partner.de",
		"server.ad.mueller-partner.de, port 993, SSL/TLS", "server.ad.mueller-partner.de, port 587, STARTTLS",
		"Set up mail after the first logon",
	} {
		if !strings.Contains(words(s.sheet), want) {
			t.Errorf("onboarding sheet lacks %q:\n%s", want, s.sheet)
		}
	}
	if strings.Contains(s.sheet, `\Buchhaltung`) || strings.Contains(s.sheet, DemoHost+`\`) {
		t.Errorf("sheet lists a share lena cannot open, or the connection's name as the server:\n%s", s.sheet)
	}
	if !hasText(w.Canvas(), "shown only now") {
		t.Error("the sheet does not say the password is shown once")
	}
	test.Tap(button(t, w.Canvas(), tr("Copy password")))
	if got := fyne.CurrentApp().Clipboard().Content(); got != "Tokam-Rubel-47" {
		t.Errorf("copied %q, not the password on the sheet", got)
	}
	if !hasText(w.Canvas(), "Copied the password.") {
		t.Error("copying does not say so")
	}
	test.Tap(button(t, w.Canvas(), tr("Copy sheet")))
	if fyne.CurrentApp().Clipboard().Content() != s.sheet || !hasText(w.Canvas(), "Copied the sheet.") {
		t.Error("the sheet is not copied, or it does not say so")
	}
	if h := sheetHTML(s.sheet); !strings.Contains(h, "<h1>Your account, Lena Weiß</h1>") || !strings.Contains(h, `\\server\Lohn`) {
		t.Errorf("printable sheet:\n%s", h)
	}
	if s.sel != "lena.weiss" {
		t.Errorf("selected %q after adding", s.sel)
	}
}

// words is text with every run of white space made one space.
func words(text string) string { return strings.Join(strings.Fields(text), " ") }

// The sheet is saved readable only by its owner, never over an existing
// file or through a link, and the dialog says where it went.
func TestSaveSheetIsPrivate(t *testing.T) {
	f := newFake(12)
	s, w := usersScreen(t, f)
	s.SaveDir = "/home/buero/Documents"
	s.Select("anna.mueller")
	s.showSheet("New password for Anna Müller", *s.selected(), "Tokam-Rubel-47", true)
	test.Tap(button(t, w.Canvas(), tr("Save for printing…")))
	if !hasText(w.Canvas(), "only you can read the file") {
		t.Error("the save dialog does not say the file holds the password")
	}
	golden(t, "users_sheet_save.xml", w.Canvas())
	dir := t.TempDir()
	for _, o := range all(w.Canvas()) {
		if e, ok := o.(*entry); ok && e.Text == s.SaveDir {
			e.SetText(dir)
		}
	}
	s.SaveDir = dir
	test.Tap(button(t, w.Canvas(), tr("Save")))
	path := filepath.Join(dir, "anna.mueller.html")
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("saved with mode %v, want 0600", fi.Mode().Perm())
	}
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), "Tokam-Rubel-47") {
		t.Error("the saved page lacks the password")
	}
	if !hasText(w.Canvas(), "Saved to "+path) {
		t.Error("saving does not say where the file went")
	}

	// Again: the file is there, so it is refused and left as it was.
	os.WriteFile(path, []byte("kept"), 0o600)
	test.Tap(button(t, w.Canvas(), tr("Save for printing…")))
	test.Tap(button(t, w.Canvas(), tr("Save")))
	if !hasText(w.Canvas(), "choose another name") {
		t.Error("saving over an existing file is not refused with advice")
	}
	if b, _ := os.ReadFile(path); string(b) != "kept" {
		t.Error("an existing file was overwritten")
	}

	// A link planted where the sheet goes is not followed.
	target := filepath.Join(t.TempDir(), "target")
	link := filepath.Join(s.SaveDir, "link.html")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := writePrivate(link, []byte("secret")); err == nil {
		t.Error("writePrivate wrote through a symbolic link")
	}
	if _, err := os.Stat(target); err == nil {
		t.Error("the link's target was created")
	}
}

// The office manager may not read the site template or the shares:
// without possed's Users.Logon the sheet logs on with the bare username
// and sends them to the administrator for the shares, but knows the home
// folder and mail; with it, it has the workgroup and the shares.
func TestSheetForOfficeManager(t *testing.T) {
	f := newFake(12)
	f.OfficeManager = true
	test.NewTempApp(t)
	br := newBridge(f)
	br.OfficeManager = true
	w := window(t, nil, 1024, 700)
	s := NewUsersScreen(w, br)
	w.SetContent(s.Content())
	s.Reload()
	if f.called("Export") {
		t.Error("the office manager's app asked for the site template")
	}
	sheet := s.OnboardingSheet(api.User{Username: "lena.weiss", DisplayName: "Lena Weiß", Email: "lena.weiss@mueller-partner.de", Groups: []string{"alle"}}, "Tokam-Rubel-47", true)
	for _, want := range []string{"Username: lena.weiss ", "Ask the administrator which shared folders", `H: your own folder (\\server\lena.weiss)`, "port 993", "Windows asks for a new password: choose your own,"} {
		if !strings.Contains(words(sheet), want) {
			t.Errorf("sheet lacks %q:\n%s", want, sheet)
		}
	}

	// With possed's Users.Logon (the users action, which office managers
	// have) the sheet has the workgroup and the person's shares.
	anna, err := f.User(t.Context(), "anna.mueller")
	if err != nil {
		t.Fatal(err)
	}
	load, use := s.sheetInfo(anna.Username)
	load(t.Context(), f)
	use()
	sheet = s.OnboardingSheet(anna, "Tokam-Rubel-47", true)
	lg, _ := f.Logon(t.Context(), anna.Username)
	if len(lg.Shares) == 0 {
		t.Fatal("the demo gives anna no shares")
	}
	want := []string{`Username: MUELLER\anna.mueller`, `\\server\` + lg.Shares[0].Name}
	for _, w := range want {
		if !strings.Contains(words(sheet), w) {
			t.Errorf("sheet lacks %q:\n%s", w, sheet)
		}
	}
	if strings.Contains(sheet, "Ask the administrator which shared folders") || f.called("Export") {
		t.Errorf("with Users.Logon the sheet still sends the office manager to the administrator (or read the template):\n%s", sheet)
	}
}

// An account without must-change (a scanner) and without mail gets a sheet
// without the first-logon steps and without mail settings.
func TestSheetWithoutMustChangeOrMail(t *testing.T) {
	s, _ := usersScreen(t, newFake(12))
	sheet := s.OnboardingSheet(api.User{Username: "scanner", DisplayName: "Scanner", Groups: []string{"sekretariat"}}, "Tokam-Rubel-47", false)
	if strings.Contains(sheet, "Windows asks") || strings.Contains(sheet, "IMAP") || strings.Contains(sheet, "Initial password") {
		t.Errorf("sheet:\n%s", sheet)
	}
	if !strings.Contains(words(sheet), `\\server\Scans read and write`) || !strings.Contains(words(sheet), "Password: Tokam-Rubel-47") {
		t.Errorf("sheet lacks the share or the password:\n%s", sheet)
	}
}

// When the box refuses the new user, the form stays with what was typed.
func TestAddUserKeepsInputWhenRefused(t *testing.T) {
	f := newFake(12)
	s, w := usersScreen(t, f)
	s.AddUser()
	test.Type(s.form.given, "Lena")
	test.Type(s.form.surname, "Weiß")
	s.form.groups.SetSelected([]string{"lohn"})
	f.fail["CreateUser"] = &client.Error{Name: api.ErrInvalidInput, Message: "the password does not meet the site's policy"}
	test.Tap(button(t, w.Canvas(), tr("Add user")))
	if !hasText(w.Canvas(), "Nothing was changed") {
		t.Fatal("the refusal is not shown")
	}
	golden(t, "users_add_refused.xml", w.Canvas())
	test.Tap(button(t, w.Canvas(), tr("Close")))
	if s.form.given.Text != "Lena" || s.form.username.Text != "lena.weiss" || strings.Join(s.form.groups.Selected(), ",") != "lohn" {
		t.Errorf("the form lost its input: %q %q %q", s.form.given.Text, s.form.username.Text, s.form.groups.Selected())
	}
	if !hasText(w.Canvas(), tr("Add a user")) {
		t.Fatal("the form was closed")
	}
	delete(f.fail, "CreateUser")
	test.Tap(button(t, w.Canvas(), tr("Add user")))
	if _, err := f.User(t.Context(), "lena.weiss"); err != nil || s.sheet == "" {
		t.Errorf("adding again after the refusal: %v", err)
	}
}

// A username that a user or a group has is never ticked as good, and the
// suggestion takes the next free one.
func TestAddUserRefusesTakenNames(t *testing.T) {
	f := newFake(12)
	s, w := usersScreen(t, f)
	s.AddUser()
	test.Type(s.form.given, "Anna")
	test.Type(s.form.surname, "Müller") // anna.mueller exists
	if s.form.username.Text != "anna.mueller2" {
		t.Errorf("suggested %q for a second Anna Müller", s.form.username.Text)
	}
	for _, taken := range []string{"anna.mueller", "Anna.Mueller", "alle", "posse-mail"} {
		s.form.username.SetText(taken)
		if err := s.form.username.Validate(); err == nil {
			t.Errorf("username %q is accepted", taken)
		}
	}
	s.form.username.SetText("anna.mueller")
	s.form.email.SetText("anna.mueller@mueller-partner.de")
	if err := s.form.email.Validate(); err == nil || !strings.Contains(err.Error(), "Anna Müller") {
		t.Errorf("an address in use is accepted (%v)", err)
	}
	test.Tap(s.form.given) // leave the fields so that they show their errors
	golden(t, "users_add_taken.xml", w.Canvas())
	test.Tap(button(t, w.Canvas(), tr("Add user")))
	if f.called("CreateUser") {
		t.Error("a taken username was sent to the box")
	}
}

// A site whose usernames are the first initial and the surname gets new
// ones in that style, transliterated.
func TestUsernameInTheSiteStyle(t *testing.T) {
	f := newFake(1)
	f.Demo.users = map[string]*api.User{}
	for _, u := range []api.User{
		{Username: "amueller", GivenName: "Anna", Surname: "Müller", Email: "anna.mueller@mueller.de"},
		{Username: "cschmidt", GivenName: "Claudia", Surname: "Schmidt", Email: "cschmidt@mueller.de"},
		{Username: "gyilmaz", GivenName: "Gül", Surname: "Yılmaz", Email: "gyilmaz@mueller.de"},
		{Username: "dweber", GivenName: "Dieter", Surname: "Weber", Email: "dweber@mueller.de"},
		{Username: "scanner", GivenName: "Scanner", Surname: "Copier", Email: "scanner@mueller.de"},
	} {
		u := u
		f.Demo.users[u.Username] = &u
	}
	s, _ := usersScreen(t, f)
	s.AddUser()
	for _, c := range []struct{ given, sur, user, mail string }{
		{"Elif", "Fischer", "efischer", "efischer@mueller.de"},
		{"Jürgen", "Groß", "jgross", "jgross@mueller.de"},
		{"İsmail", "Şahin", "isahin", "isahin@mueller.de"},
		{"Anna", "Müller", "amueller2", "amueller2@mueller.de"},
	} {
		s.form.given.SetText(c.given)
		s.form.surname.SetText(c.sur)
		if s.form.username.Text != c.user || s.form.email.Text != c.mail {
			t.Errorf("%s %s: suggested %q <%s>, want %q <%s>", c.given, c.sur, s.form.username.Text, s.form.email.Text, c.user, c.mail)
		}
	}
}

func TestSiteNaming(t *testing.T) {
	for _, c := range []struct {
		users      []api.User
		user, mail UsernameStyle
		mailIsUser bool
	}{
		{nil, StyleDotted, StyleDotted, true},
		{[]api.User{{Username: "efischer", GivenName: "Elif", Surname: "Fischer", Email: "elif.fischer@x.de"},
			{Username: "fkoch", GivenName: "Frank", Surname: "Koch", Email: "frank.koch@x.de"}}, StyleInitialSurname, StyleDotted, false},
		{[]api.User{{Username: "fischer_e", GivenName: "Elif", Surname: "Fischer"},
			{Username: "koch", GivenName: "Frank", Surname: "Koch"}, {Username: "weber", GivenName: "Dieter", Surname: "Weber"}}, StyleSurname, StyleDotted, true},
	} {
		ns := siteNaming(c.users)
		if ns.user != c.user || ns.mailIsUser != c.mailIsUser || (!c.mailIsUser && ns.mail != c.mail) {
			t.Errorf("siteNaming(%v) = %+v", c.users, ns)
		}
	}
}

func TestEveryoneGroup(t *testing.T) {
	g := func(names ...string) []api.Group {
		var r []api.Group
		for _, n := range names {
			r = append(r, api.Group{Name: n})
		}
		return r
	}
	u := func(groups ...string) api.User { return api.User{Groups: groups} }
	for _, c := range []struct {
		groups []api.Group
		people []api.User
		want   string
	}{
		{g("partners", "Staff"), nil, "Staff"},
		{g("a", "b"), []api.User{u("a", "b"), u("b"), u("b")}, "b"},
		{g("a", "b"), []api.User{u("a"), u("b"), u()}, ""},
	} {
		if got := everyoneGroup(c.groups, c.people); got != c.want {
			t.Errorf("everyoneGroup(%v) = %q, want %q", c.groups, got, c.want)
		}
	}
}

func TestAddUserShowsValidationErrors(t *testing.T) {
	f := newFake(12)
	s, w := usersScreen(t, f)
	s.AddUser()
	test.Type(s.form.given, "Anna")
	test.Type(s.form.surname, "Schmidt")
	s.form.username.SetText("")
	test.Type(s.form.username, "Anna Schmidt")
	s.form.email.SetText("")
	test.Type(s.form.email, "anna@")
	test.Tap(s.form.given) // leave the fields so that they show their errors
	if err := s.form.username.Validate(); err == nil {
		t.Error("a username with capitals and a space is accepted")
	}
	if err := s.form.email.Validate(); err == nil {
		t.Error("a half mail address is accepted")
	}
	golden(t, "users_add_invalid.xml", w.Canvas())
	test.Tap(button(t, w.Canvas(), tr("Add user")))
	if f.called("CreateUser") {
		t.Error("an invalid form was submitted")
	}
}

func TestAddUserErrorSaysWhatToDo(t *testing.T) {
	f := newFake(12)
	s, w := usersScreen(t, f)
	s.AddUser()
	test.Type(s.form.given, "Anna")
	test.Type(s.form.surname, "Schulz")
	f.fail["CreateUser"] = &client.Error{Name: api.ErrInvalidInput, Message: "user anna.schulz already exists: choose another username"}
	test.Tap(button(t, w.Canvas(), tr("Add user")))
	if !hasText(w.Canvas(), "already exists") || !hasText(w.Canvas(), "Nothing was changed") {
		t.Error("the error dialog does not explain the refusal")
	}
}

func TestResetPasswordShowsNewPasswordOnce(t *testing.T) {
	f := newFake(12)
	s, w := usersScreen(t, f)
	s.newPassword = func() string { return "Tokam-Rubel-47" }
	s.Select("anna.mueller")
	test.Tap(button(t, w.Canvas(), tr("Reset password…")))
	if s.reset == nil || s.reset.password.Text != "Tokam-Rubel-47" || !s.reset.mustChange.Checked {
		t.Fatal("the reset form does not suggest a password with must-change on")
	}
	golden(t, "users_reset.xml", w.Canvas())
	test.Tap(button(t, w.Canvas(), tr("Reset password")))
	if !f.called("SetPassword") || f.pwLen["anna.mueller"] != len("Tokam-Rubel-47") || !f.mustChange["anna.mueller"] {
		t.Fatal("password not reset with must-change")
	}
	if !strings.Contains(s.sheet, "Tokam-Rubel-47") || !strings.Contains(s.sheet, "Windows asks for a new password") || !hasText(w.Canvas(), "shown only now") {
		t.Errorf("no sheet with the new password:\n%s", s.sheet)
	}
}

// A scanner or a Mac cannot change its password: the person types the
// password and turns must-change off.
func TestResetPasswordTypedWithoutMustChange(t *testing.T) {
	f := newFake(12)
	s, w := usersScreen(t, f)
	s.Select("anna.mueller")
	s.ResetPassword(*s.selected())
	s.reset.password.SetText("short")
	if err := s.reset.password.Validate(); err == nil || !strings.Contains(err.Error(), "at least 10") {
		t.Errorf("a short password is accepted (%v)", err)
	}
	s.reset.password.SetText("")
	test.Type(s.reset.password, "Kopierer-Flur-2026")
	test.Tap(s.reset.mustChange)
	test.Tap(button(t, w.Canvas(), tr("Reset password")))
	if f.pwLen["anna.mueller"] != len("Kopierer-Flur-2026") || f.mustChange["anna.mueller"] {
		t.Errorf("set a password of %d characters, must change %v", f.pwLen["anna.mueller"], f.mustChange["anna.mueller"])
	}
	if strings.Contains(s.sheet, "Windows asks") || !strings.Contains(s.sheet, "Kopierer-Flur-2026") {
		t.Errorf("sheet:\n%s", s.sheet)
	}
}

// When the box refuses the password, the reset form stays open with it.
func TestResetPasswordKeepsInputWhenRefused(t *testing.T) {
	f := newFake(12)
	s, w := usersScreen(t, f)
	s.Select("anna.mueller")
	s.ResetPassword(*s.selected())
	s.reset.password.SetText("Kopierer-Flur-2026")
	f.fail["SetPassword"] = &client.Error{Name: api.ErrInvalidInput, Message: "the password does not meet the site's policy: use at least 20 characters"}
	test.Tap(button(t, w.Canvas(), tr("Reset password")))
	test.Tap(button(t, w.Canvas(), tr("Close")))
	if s.reset.password.Text != "Kopierer-Flur-2026" || !hasText(w.Canvas(), "The new password is shown once") {
		t.Error("the reset form was closed or lost its password")
	}
}

// Escape closes the dialog on top, also from an entry that has the focus,
// like Cancel: nothing is changed.
func TestDialogsCloseWithEscape(t *testing.T) {
	f := newFake(12)
	s, w := usersScreen(t, f)
	c := w.Canvas()
	s.AddUser()
	test.Type(s.form.given, "Lena")
	if c.Focused() == nil {
		t.Fatal("nothing focused in the form")
	}
	pressEscape(c)
	if c.Overlays().Top() != nil {
		t.Error("Escape in an entry did not close the add form")
	}
	s.Select("anna.mueller")
	test.Tap(button(t, c, tr("Delete…")))
	pressEscape(c)
	if c.Overlays().Top() != nil || f.called("DeleteUser") {
		t.Error("Escape did not cancel the delete question")
	}
	s.ResetPassword(*s.selected())
	test.Tap(s.reset.mustChange)
	pressEscape(c)
	if c.Overlays().Top() != nil || f.called("SetPassword") {
		t.Error("Escape on a check box did not cancel the reset")
	}
	// Two dialogs: Escape closes the top one only.
	s.showSheet("x", *s.selected(), "Tokam-Rubel-47", true)
	showError(w, "Cannot", errors.New("boom"))
	pressEscape(c)
	if !hasText(c, "shown only now") {
		t.Error("Escape closed more than the top dialog")
	}
	pressEscape(c)
	if c.Overlays().Top() != nil {
		t.Error("the sheet did not close with Escape")
	}
}

func TestDisableAndDeleteAsk(t *testing.T) {
	f := newFake(12)
	s, w := usersScreen(t, f)
	s.Select("anna.mueller")
	test.Tap(button(t, w.Canvas(), tr("Disable…")))
	test.Tap(button(t, w.Canvas(), tr("Disable")))
	if u, _ := f.User(t.Context(), "anna.mueller"); !u.Disabled {
		t.Fatal("not disabled")
	}
	test.Tap(button(t, w.Canvas(), tr("Enable")))
	if u, _ := f.User(t.Context(), "anna.mueller"); u.Disabled {
		t.Fatal("not enabled again")
	}
	test.Tap(button(t, w.Canvas(), tr("Delete…")))
	if f.called("DeleteUser") {
		t.Fatal("deleted without asking")
	}
	test.Tap(button(t, w.Canvas(), tr("Delete")))
	if _, err := f.User(t.Context(), "anna.mueller"); err == nil {
		t.Fatal("not deleted")
	}
	if s.selected() != nil {
		t.Error("a deleted user stays selected")
	}
}

func TestImportPreviewsDryRunFirst(t *testing.T) {
	f := newFake(12)
	s, w := usersScreen(t, f)
	csv := csvHeader + "\nlena.weiss,Lena,Weiß,lena.weiss@mueller-partner.de,lohn;alle\nAnna M,Anna,M,,\nanna.mueller,Anna,Müller,,\n"
	s.ImportCSV([]byte(csv))
	if !f.called("ImportUsers(dry)") || f.called("ImportUsers") {
		t.Fatalf("calls %q: want only a dry run before confirming", f.calls)
	}
	p := s.importPreview
	if len(p.Created) != 1 || len(p.Skipped) != 1 || len(p.Problems) != 1 || !strings.Contains(p.Problems[0], "line 3") {
		t.Fatalf("preview %+v", p)
	}
	if !hasText(w.Canvas(), "line 3") {
		t.Error("the problem line is not shown")
	}
	golden(t, "users_import_preview.xml", w.Canvas())
	test.Tap(button(t, w.Canvas(), tr("Create users (%d)", 1)))
	if u, err := f.User(t.Context(), "lena.weiss"); err != nil || strings.Join(u.Groups, ",") != "lohn,alle" {
		t.Fatalf("import did not create the user with her groups: %+v, %v", u, err)
	}
	if !hasText(w.Canvas(), "lena.weiss,") {
		t.Error("the generated passwords are not shown")
	}
}

func TestEditGroups(t *testing.T) {
	f := newFake(12)
	s, w := usersScreen(t, f)
	s.EditGroups(api.User{Username: "anna.mueller", DisplayName: "Anna Müller", Groups: []string{"buchhaltung", "alle"}})
	if !hasText(w.Canvas(), "Partner und Geschäftsführung") {
		t.Error("the groups are shown without their descriptions")
	}
	s.groupChecks.SetSelected([]string{"alle", "partner"})
	test.Tap(button(t, w.Canvas(), tr("Save")))
	u, _ := f.User(t.Context(), "anna.mueller")
	if strings.Join(u.Groups, ",") != "alle,partner" {
		t.Errorf("groups = %q", u.Groups)
	}
}

func TestEditUser(t *testing.T) {
	f := newFake(12)
	s, w := usersScreen(t, f)
	s.Select("anna.mueller")
	test.Tap(button(t, w.Canvas(), tr("Edit…")))
	if !s.form.username.Disabled() {
		t.Error("the username can be edited")
	}
	s.form.surname.SetText("")
	test.Type(s.form.surname, "Müller-Lüdenscheidt")
	test.Tap(button(t, w.Canvas(), tr("Save")))
	u, _ := f.User(t.Context(), "anna.mueller")
	if u.Surname != "Müller-Lüdenscheidt" || u.DisplayName != "Anna Müller-Lüdenscheidt" || u.Email != "anna.mueller@mueller-partner.de" {
		t.Errorf("after editing: %+v", u)
	}
	if !hasText(w.Canvas(), "Anna Müller-Lüdenscheidt") {
		t.Error("the list and detail do not show the new name")
	}
}

// BenchmarkUserRowUpdate is the list's hot path while scrolling: filling a
// recycled row with another user.
func BenchmarkUserRowUpdate(b *testing.B) {
	test.NewTempApp(b)
	row := newUserRow()
	w := test.NewTempWindow(b, row) // rendered, as in the list
	w.Resize(fyne.NewSize(900, 40))
	s := NewUsersScreen(w, newBridge(newFake(5000)))
	s.Reload()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.updateRow(i%len(s.view), row)
	}
}

func TestImportExplainsTheFormat(t *testing.T) {
	_, w := usersScreen(t, newFake(3))
	test.Tap(button(t, w.Canvas(), tr("Import CSV…")))
	if !hasText(w.Canvas(), csvHeader) {
		t.Error("the import does not show the header line it needs")
	}
	golden(t, "users_import_format.xml", w.Canvas())
}

// batchFailer fails the non-dry import call number failAt (1-based).
type batchFailer struct {
	*fake
	calls, failAt int
}

func (b *batchFailer) ImportUsers(ctx context.Context, csv []byte, dryRun bool) (api.ImportResult, error) {
	if !dryRun {
		b.calls++
		if b.calls == b.failAt {
			return api.ImportResult{}, errors.New("possed did not answer in time")
		}
	}
	return b.fake.ImportUsers(ctx, csv, dryRun)
}

// TestImportInBatches: a large CSV goes to possed in batches of
// client.ImportBatchSize rows; problems keep the lines of the file; when a
// later batch fails, the users and passwords of the batches before it are
// kept and the error says from which line nothing was imported.
func TestImportInBatches(t *testing.T) {
	var b strings.Builder
	b.WriteString(csvHeader + "\n")
	for i := range 120 {
		fmt.Fprintf(&b, "neu.%03d,Neu,Nummer%d,,alle\n", i, i)
	}
	b.WriteString("Bad Name,Bad,Name,,\n") // line 122
	be := &batchFailer{fake: newFake(3), failAt: 0}
	r, err := importInBatches(t.Context(), be, []byte(b.String()), false)
	if err != nil || len(r.Created) != 120 || len(r.Passwords) != 120 || be.calls != 3 {
		t.Fatalf("import of 121 rows: %d created, %d passwords, %d calls, %v", len(r.Created), len(r.Passwords), be.calls, err)
	}
	if len(r.Problems) != 1 || !strings.HasPrefix(r.Problems[0], "line 122") {
		t.Errorf("problems %q, want the bad row's line in the file", r.Problems)
	}

	be = &batchFailer{fake: newFake(3), failAt: 2}
	r, err = importInBatches(t.Context(), be, []byte(b.String()), false)
	if err == nil || !strings.Contains(err.Error(), "lines 52 and after were not imported") {
		t.Fatalf("a failing second batch: %v", err)
	}
	if len(r.Created) != client.ImportBatchSize || len(r.Passwords) != client.ImportBatchSize {
		t.Errorf("after a failing second batch: %d created, %d passwords, want the first batch's %d", len(r.Created), len(r.Passwords), client.ImportBatchSize)
	}
}

func TestUserDetailNamesServiceAccountsAndAdmins(t *testing.T) {
	f := newFake(12)
	f.users["anna.mueller"].Admin = true
	svc := &api.User{Username: "kopierer", DisplayName: "Kopierer Flur", Kind: "service", Groups: []string{"alle"}}
	f.users[svc.Username] = svc
	s, w := usersScreen(t, f)
	s.Select("anna.mueller")
	if !hasText(w.Canvas(), tr("Administrator: domain admin, and manages this server with Posse (set in the site template)")) {
		t.Error("an admin's detail does not say they are an administrator")
	}
	if hasText(w.Canvas(), tr("Service account (a scanner or a program): no mailbox and no home folder; its password never expires")) {
		t.Error("a person's detail says service account")
	}
	s.Select("kopierer")
	if !hasText(w.Canvas(), tr("Service account (a scanner or a program): no mailbox and no home folder; its password never expires")) {
		t.Error("a service account's detail does not say what it is")
	}
	if hasText(w.Canvas(), tr("Administrator: domain admin, and manages this server with Posse (set in the site template)")) {
		t.Error("a service account's detail says administrator")
	}
	if !hasText(w.Canvas(), tr("none")) {
		t.Error("a service account's detail leaves its mail blank instead of saying none")
	}
}
