package app

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon/api"
)

// userForm is the add or edit form.
type userForm struct {
	given, surname, username, email *widget.Entry
	groups                          *widget.CheckGroup
	mustChange                      *widget.Check
	form                            *widget.Form
	dlg                             dialog.Dialog
	// touched is set once the person edits username or email themselves.
	userTouched, mailTouched bool
}

// validator turns check into an entry's validator. The same problem
// gives the same error value: widget.Form validates its items again when
// it lays them out, and a new error value would count as a change and
// show every empty field's problem before the person typed anything.
func validator(check func(string) string) fyne.StringValidator {
	var last error
	return func(s string) error {
		m := check(s)
		switch {
		case m == "":
			return nil
		case last == nil || last.Error() != m:
			last = errors.New(m)
		}
		return last
	}
}

func required(s string) string {
	if strings.TrimSpace(s) == "" {
		return tr("Required.")
	}
	return ""
}

func (s *UsersScreen) groupNames() []string {
	names := make([]string, len(s.groups))
	for i, g := range s.groups {
		names[i] = g.Name
	}
	return names
}

func (s *UsersScreen) newForm(adding bool) *userForm {
	f := &userForm{given: widget.NewEntry(), surname: widget.NewEntry(), username: widget.NewEntry(), email: widget.NewEntry()}
	f.given.Validator = validator(required)
	f.surname.Validator = validator(required)
	f.username.Validator = validator(CheckUsername)
	f.email.Validator = validator(CheckEmail)
	f.username.SetPlaceHolder("anna.mueller")
	domain := s.domain
	if domain == "" {
		domain = "example.de"
	}
	f.email.SetPlaceHolder("anna.mueller@" + domain)
	// Username and address follow the name until the person edits them;
	// SetText calls OnChanged, so the touched flags are reset after it.
	suggest := func(string) {
		u := SuggestUsername(f.given.Text, f.surname.Text)
		if adding && !f.userTouched {
			f.username.SetText(u)
			f.userTouched = false
		}
		if adding && !f.mailTouched && s.domain != "" {
			f.email.SetText(f.username.Text + "@" + s.domain)
			f.mailTouched = false
		}
	}
	f.given.OnChanged, f.surname.OnChanged = suggest, suggest
	f.username.OnChanged = func(string) {
		f.userTouched = true
		if adding && !f.mailTouched && s.domain != "" {
			f.email.SetText(f.username.Text + "@" + s.domain)
			f.mailTouched = false
		}
	}
	f.email.OnChanged = func(string) { f.mailTouched = true }
	f.groups = widget.NewCheckGroup(s.groupNames(), nil)
	f.groups.Horizontal = true
	f.mustChange = widget.NewCheck(tr("Must choose a new password at first login"), nil)
	f.mustChange.SetChecked(true)
	f.form = widget.NewForm(
		widget.NewFormItem(tr("Given name"), f.given),
		widget.NewFormItem(tr("Surname"), f.surname),
		&widget.FormItem{Text: tr("Username"), Widget: f.username, HintText: tr("Lower case, for example anna.mueller")},
		&widget.FormItem{Text: tr("Mail"), Widget: f.email, HintText: tr("Leave empty for no mailbox")},
	)
	if adding {
		f.form.Append(tr("Groups"), f.groups)
		f.form.Append("", f.mustChange)
	} else {
		f.username.Disable()
	}
	return f
}

// showForm puts f in a dialog whose OK runs submit once f is valid.
func (s *UsersScreen) showForm(f *userForm, title, ok string, submit func()) {
	f.form.SubmitText, f.form.CancelText = ok, tr("Cancel")
	f.form.OnSubmit = func() {
		f.dlg.Hide()
		submit()
	}
	f.form.OnCancel = func() { f.dlg.Hide() }
	f.form.Refresh()
	f.dlg = dialog.NewCustomWithoutButtons(title, f.form, s.win)
	f.dlg.Resize(fyne.NewSize(560, 0))
	s.form = f
	f.dlg.Show()
	s.win.Canvas().Focus(f.given)
}

// AddUser shows the new-user form; on success the onboarding sheet with
// the generated initial password is shown once.
func (s *UsersScreen) AddUser() {
	f := s.newForm(true)
	s.showForm(f, tr("Add a user"), tr("Add user"), func() {
		u := api.User{Username: f.username.Text, GivenName: strings.TrimSpace(f.given.Text), Surname: strings.TrimSpace(f.surname.Text),
			Email: strings.TrimSpace(f.email.Text), Groups: f.groups.Selected}
		u.DisplayName = u.GivenName + " " + u.Surname
		pw := s.newPassword()
		must := f.mustChange.Checked
		s.change(tr("Cannot add %s", u.Username), func(ctx context.Context, be Backend) error {
			return be.CreateUser(ctx, u, pw, must)
		}, func() {
			s.sel = u.Username
			s.showSheet(tr("%s was added", u.DisplayName), u, pw, must)
		})
	})
}

// EditUser shows the edit form for u.
func (s *UsersScreen) EditUser(u api.User) {
	f := s.newForm(false)
	f.given.SetText(u.GivenName)
	f.surname.SetText(u.Surname)
	f.username.SetText(u.Username)
	f.email.SetText(u.Email)
	s.showForm(f, tr("Edit %s", u.DisplayName), tr("Save"), func() {
		given, sur, mail := strings.TrimSpace(f.given.Text), strings.TrimSpace(f.surname.Text), strings.TrimSpace(f.email.Text)
		var up client.UserUpdate
		if given != u.GivenName {
			up.GivenName = &given
		}
		if sur != u.Surname {
			up.Surname = &sur
		}
		if given != u.GivenName || sur != u.Surname {
			dn := given + " " + sur
			up.DisplayName = &dn
		}
		if mail != u.Email {
			up.Email = &mail
		}
		s.change(tr("Cannot change %s", u.Username), func(ctx context.Context, be Backend) error {
			return be.UpdateUser(ctx, u.Username, up)
		}, nil)
	})
}

// EditGroups lets the person tick u's groups.
func (s *UsersScreen) EditGroups(u api.User) {
	cg := widget.NewCheckGroup(s.groupNames(), nil)
	cg.SetSelected(u.Groups)
	d := dialog.NewCustomConfirm(tr("Groups of %s", u.DisplayName), tr("Save"), tr("Cancel"), container.NewVScroll(cg), func(ok bool) {
		if !ok {
			return
		}
		var add, rm []string
		for _, g := range cg.Selected {
			if !contains(u.Groups, g) {
				add = append(add, g)
			}
		}
		for _, g := range u.Groups {
			if !contains(cg.Selected, g) {
				rm = append(rm, g)
			}
		}
		s.change(tr("Cannot change the groups of %s", u.Username), func(ctx context.Context, be Backend) error {
			for _, g := range add {
				if err := be.SetMembers(ctx, g, []string{u.Username}, nil); err != nil {
					return err
				}
			}
			for _, g := range rm {
				if err := be.SetMembers(ctx, g, nil, []string{u.Username}); err != nil {
					return err
				}
			}
			return nil
		}, nil)
	}, s.win)
	d.Resize(fyne.NewSize(420, 360))
	d.Show()
}

// ResetPassword asks, sets a generated password and shows it once.
func (s *UsersScreen) ResetPassword(u api.User) {
	confirm(s.win, tr("Reset the password of %s?", u.DisplayName),
		tr("A new password is generated and shown once. %s must choose their own at the next login.", u.GivenName),
		tr("Reset password"), func() {
			pw := s.newPassword()
			s.change(tr("Cannot reset the password of %s", u.Username), func(ctx context.Context, be Backend) error {
				return be.SetPassword(ctx, u.Username, pw, true)
			}, func() { s.showSheet(tr("New password for %s", u.DisplayName), u, pw, true) })
		})
}

// sharesOf lists the shares u can reach, with "read" or "read and write".
func (s *UsersScreen) sharesOf(u api.User) []string {
	// Shares grant access to groups.
	member := func(groups []string) bool {
		for _, g := range groups {
			if contains(u.Groups, g) {
				return true
			}
		}
		return false
	}
	var r []string
	for _, sh := range s.shares {
		switch {
		case member(sh.Write):
			r = append(r, fmt.Sprintf(`\\%s\%s  (%s)`, s.br.Box, sh.Name, tr("read and write")))
		case member(sh.Read):
			r = append(r, fmt.Sprintf(`\\%s\%s  (%s)`, s.br.Box, sh.Name, tr("read only")))
		}
	}
	return r
}

// OnboardingSheet is the text handed to a new employee.
func (s *UsersScreen) OnboardingSheet(u api.User, password string, mustChange bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", tr("Your account, %s", u.DisplayName))
	row := func(k, v string) { fmt.Fprintf(&b, "%-20s %s\n", k+":", v) }
	row(tr("Username"), u.Username)
	pw := password
	if mustChange {
		pw += "  " + tr("(choose your own at the first login)")
	}
	row(tr("Initial password"), pw)
	if u.Email != "" {
		row(tr("Mail"), u.Email)
	}
	row(tr("Server"), s.br.Box)
	shares := s.sharesOf(u)
	switch {
	case len(shares) > 0:
		fmt.Fprintf(&b, "\n%s\n", tr("Your shared folders:"))
		for _, sh := range shares {
			fmt.Fprintf(&b, "  %s\n", sh)
		}
	case s.br.OfficeManager:
		fmt.Fprintf(&b, "\n%s\n", tr("Ask the administrator which shared folders you can use."))
	}
	return b.String()
}

// showSheet shows the password once, with copy buttons and a way to save
// the onboarding sheet for printing.
func (s *UsersScreen) showSheet(title string, u api.User, password string, mustChange bool) {
	sheet := s.OnboardingSheet(u, password, mustChange)
	s.sheet = sheet
	text := widget.NewLabelWithStyle(sheet, fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	text.Selectable = true
	warn := wrapped(tr("The password is shown only now. Hand the sheet to the person or copy it somewhere safe before you close this window."))
	warn.Importance = widget.WarningImportance
	cb := fyne.CurrentApp().Clipboard()
	copyPw := widget.NewButtonWithIcon(tr("Copy password"), theme.ContentCopyIcon(), func() { cb.SetContent(password) })
	copySheet := widget.NewButtonWithIcon(tr("Copy sheet"), theme.ContentCopyIcon(), func() { cb.SetContent(sheet) })
	save := widget.NewButtonWithIcon(tr("Save for printing…"), theme.DocumentSaveIcon(), func() {
		d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
			if err != nil || w == nil {
				return
			}
			defer w.Close()
			if _, err := w.Write([]byte(sheetHTML(sheet))); err != nil {
				showError(s.win, tr("Cannot save the sheet"), err)
			}
		}, s.win)
		d.SetFileName(u.Username + ".html")
		d.SetFilter(storage.NewExtensionFileFilter([]string{".html"}))
		d.Show()
	})
	body := container.NewVBox(warn, card("", text), container.NewHBox(copyPw, copySheet, save))
	d := dialog.NewCustom(title, tr("Close"), body, s.win)
	d.Resize(fyne.NewSize(640, 0))
	d.Show()
}

// sheetHTML wraps the onboarding sheet in a page that prints on one A4
// sheet from any browser; the first line is the heading.
func sheetHTML(sheet string) string {
	title, body, _ := strings.Cut(sheet, "\n")
	esc := html.EscapeString
	return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + esc(title) + "</title>\n" +
		"<style>body{font-family:sans-serif;margin:2cm}pre{font-size:14pt;line-height:1.5}</style></head>\n" +
		"<body><h1>" + esc(title) + "</h1>\n<pre>" + esc(strings.TrimLeft(body, "\n")) + "</pre></body></html>\n"
}
