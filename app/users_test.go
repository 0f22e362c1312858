package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
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
	test.Type(s.form.given, "Lena")
	test.Type(s.form.surname, "Weiß")
	if s.form.username.Text != "lena.weiss" || s.form.email.Text != "lena.weiss@mueller-partner.de" {
		t.Errorf("suggested %q <%s>", s.form.username.Text, s.form.email.Text)
	}
	s.form.groups.SetSelected([]string{"lohn", "alle"})
	s.newPassword = func() string { return "Tokam-Rubel-47" }
	test.Tap(button(t, w.Canvas(), tr("Add user")))
	golden(t, "users_sheet.xml", w.Canvas())

	u, err := f.User(t.Context(), "lena.weiss")
	if err != nil {
		t.Fatalf("user not created: %v", err)
	}
	if u.DisplayName != "Lena Weiß" || strings.Join(u.Groups, ",") != "lohn,alle" {
		t.Errorf("created %+v", u)
	}
	if f.pwLen["lena.weiss"] < 10 {
		t.Errorf("initial password of %d characters", f.pwLen["lena.weiss"])
	}
	for _, want := range []string{"lena.weiss", "lena.weiss@mueller-partner.de", `\\` + DemoHost + `\Ablage  (read and write)`, `\Lohn  (read and write)`} {
		if !strings.Contains(s.sheet, want) {
			t.Errorf("onboarding sheet lacks %q:\n%s", want, s.sheet)
		}
	}
	if strings.Contains(s.sheet, `\Buchhaltung`) {
		t.Errorf("sheet lists a share lena cannot open:\n%s", s.sheet)
	}
	if !hasText(w.Canvas(), "shown only now") {
		t.Error("the sheet does not say the password is shown once")
	}
	test.Tap(button(t, w.Canvas(), tr("Copy password")))
	if got := fyne.CurrentApp().Clipboard().Content(); len(got) != f.pwLen["lena.weiss"] || !strings.Contains(s.sheet, got) {
		t.Errorf("copied %q, not the password on the sheet", got)
	}
	if h := sheetHTML(s.sheet); !strings.Contains(h, "<h1>Your account, Lena Weiß</h1>") || !strings.Contains(h, `\\server.mueller-partner.lan\Lohn`) {
		t.Errorf("printable sheet:\n%s", h)
	}
	if s.sel != "lena.weiss" {
		t.Errorf("selected %q after adding", s.sel)
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
	test.Type(s.form.surname, "Müller") // anna.mueller exists
	test.Tap(button(t, w.Canvas(), tr("Add user")))
	if !hasText(w.Canvas(), "already exists") || !hasText(w.Canvas(), "Nothing was changed") {
		t.Error("the error dialog does not explain the refusal")
	}
}

func TestResetPasswordShowsNewPasswordOnce(t *testing.T) {
	f := newFake(12)
	s, w := usersScreen(t, f)
	s.Select("anna.mueller")
	test.Tap(button(t, w.Canvas(), tr("Reset password…")))
	test.Tap(button(t, w.Canvas(), tr("Reset password")))
	if !f.called("SetPassword") || f.pwLen["anna.mueller"] < 10 {
		t.Fatal("password not reset")
	}
	if !strings.Contains(s.sheet, "anna.mueller") || !hasText(w.Canvas(), "shown only now") {
		t.Errorf("no sheet with the new password:\n%s", s.sheet)
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
	for _, o := range all(w.Canvas()) {
		if cg, ok := o.(interface{ SetSelected([]string) }); ok {
			cg.SetSelected([]string{"alle", "partner"})
			break
		}
	}
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
