// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/rules"
)

// userForm is the add or edit form.
type userForm struct {
	given, surname, username, email *entry
	groups                          *groupChecks
	mustChange                      *check
	form                            *widget.Form
	dlg                             dialog.Dialog
	// touched is set once the person edits username or email themselves.
	userTouched, mailTouched bool
	// busy is set while the box works on the submitted form.
	busy bool
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

// groupChecks is a check box per group with the group's description
// beside it, so that the person knows what ticking it gives.
type groupChecks struct {
	names   []string
	checks  []*check
	content fyne.CanvasObject
}

// groupRows is how many groups are shown before the list scrolls.
const groupRows = 6

func newGroupChecks(groups []api.Group, selected []string) *groupChecks {
	g := &groupChecks{}
	grid := container.New(layout.NewFormLayout())
	for _, gr := range groups {
		c := newCheck(gr.Name, nil)
		c.SetChecked(contains(selected, gr.Name))
		d := widget.NewLabelWithStyle(gr.Description, fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
		d.Truncation = fyne.TextTruncateEllipsis
		grid.Add(c)
		grid.Add(d)
		g.names = append(g.names, gr.Name)
		g.checks = append(g.checks, c)
	}
	g.content = grid
	if len(groups) > groupRows {
		scroll := container.NewVScroll(grid)
		row := g.checks[0].MinSize().Height + theme.Padding()
		scroll.SetMinSize(fyne.NewSize(0, groupRows*row))
		g.content = scroll
	}
	return g
}

// Selected lists the ticked groups in the list's order.
func (g *groupChecks) Selected() []string {
	var r []string
	for i, c := range g.checks {
		if c.Checked {
			r = append(r, g.names[i])
		}
	}
	return r
}

// SetSelected ticks exactly the groups named.
func (g *groupChecks) SetSelected(names []string) {
	for i, c := range g.checks {
		c.SetChecked(contains(names, g.names[i]))
	}
}

// everyoneGroups are names sites give the group of all employees.
var everyoneGroups = []string{"staff", "everyone", "everybody", "all", "alle", "mitarbeiter", "mitarbeitende", "employees", "team", "office", "buero", "büro"}

// everyoneGroup is the group a new employee belongs in whatever their job,
// so that they can open the common folders from the first day: a group
// named like that (staff, everyone, alle, …), else the group more than
// half of the people are in; "" when there is none.
func everyoneGroup(groups []api.Group, people []api.User) string {
	for _, n := range everyoneGroups {
		for _, g := range groups {
			if strings.EqualFold(g.Name, n) {
				return g.Name
			}
		}
	}
	in := map[string]int{}
	for _, u := range people {
		for _, g := range u.Groups {
			in[g]++
		}
	}
	best, most := "", 0
	for _, g := range groups {
		if n := in[g.Name]; n > most {
			best, most = g.Name, n
		}
	}
	if most*2 > len(people) {
		return best
	}
	return ""
}

// usernameTaken says who has name already (users and groups share the
// directory's names, case-insensitively), or "".
func (s *UsersScreen) usernameTaken(name string) string {
	for i := range s.all {
		if strings.EqualFold(s.all[i].Username, name) {
			return tr("%s is taken by %s: choose another username.", name, s.all[i].DisplayName)
		}
	}
	for _, g := range s.groups {
		if strings.EqualFold(g.Name, name) {
			return tr("%s is the name of a group: choose another username.", name)
		}
	}
	if rules.IsServiceAccount(name) {
		return tr("Names starting with posse- belong to Posse's own services.")
	}
	if s.info.homes {
		for _, sh := range s.shares {
			if strings.EqualFold(sh.Name, name) {
				return tr("%s is the name of a share, which the home folder would clash with: choose another username.", name)
			}
		}
	}
	return ""
}

// addressTaken says who receives mail at addr already (other than
// username), or "".
func (s *UsersScreen) addressTaken(addr, username string) string {
	for i := range s.all {
		u := &s.all[i]
		if u.Username == username {
			continue
		}
		if strings.EqualFold(u.Email, addr) {
			return tr("%s already receives mail at this address.", u.DisplayName)
		}
		for _, a := range u.Aliases {
			if strings.EqualFold(a, addr) {
				return tr("%s already receives mail at this address.", u.DisplayName)
			}
		}
	}
	return ""
}

// uniqueUsername is base, or base with the lowest number from 2 that
// nobody has.
func (s *UsersScreen) uniqueUsername(base string) string {
	if base == "" || s.usernameTaken(base) == "" {
		return base
	}
	for n := 2; n < 1000; n++ {
		num := strconv.Itoa(n)
		stem := base
		if len(stem)+len(num) > maxUsername {
			stem = cut(stem[:maxUsername-len(num)])
		}
		if c := stem + num; s.usernameTaken(c) == "" {
			return c
		}
	}
	return base
}

// suggestMail is the address the site would give the person: the
// username, or the site's own style of local part, at its common domain.
func (s *UsersScreen) suggestMail(f *userForm) string {
	if s.domain == "" {
		return ""
	}
	local := f.username.Text
	if !s.naming.mailIsUser {
		local = s.naming.mail.Suggest(f.given.Text, f.surname.Text)
		if local == "" || s.addressTaken(local+"@"+s.domain, "") != "" {
			local = f.username.Text
		}
	}
	if local == "" {
		return ""
	}
	return local + "@" + s.domain
}

// newForm builds the add form (adding) or the edit form of user.
func (s *UsersScreen) newForm(adding bool, user string) *userForm {
	f := &userForm{given: newEntry(), surname: newEntry(), username: newEntry(), email: newEntry()}
	f.given.Validator = validator(required)
	f.surname.Validator = validator(required)
	f.username.Validator = validator(CheckUsername)
	if adding {
		f.username.Validator = validator(func(v string) string {
			if m := CheckUsername(v); m != "" {
				return m
			}
			return s.usernameTaken(v)
		})
	}
	f.email.Validator = validator(func(v string) string {
		if m := CheckEmail(strings.TrimSpace(v)); m != "" || v == "" {
			return m
		}
		return s.addressTaken(strings.TrimSpace(v), user)
	})
	example := s.naming.user.Suggest("Anna", "Müller")
	f.username.SetPlaceHolder(example)
	domain := s.domain
	if domain == "" {
		domain = "example.de"
	}
	f.email.SetPlaceHolder("anna.mueller@" + domain)
	// Username and address follow the name until the person edits them;
	// SetText calls OnChanged, so the touched flags are reset after it.
	suggest := func(string) {
		if !adding {
			return
		}
		if !f.userTouched {
			f.username.SetText(s.uniqueUsername(s.naming.user.Suggest(f.given.Text, f.surname.Text)))
			f.userTouched = false
		}
		if !f.mailTouched && s.domain != "" {
			f.email.SetText(s.suggestMail(f))
			f.mailTouched = false
		}
	}
	f.given.OnChanged, f.surname.OnChanged = suggest, suggest
	f.username.OnChanged = func(string) {
		f.userTouched = true
		if adding && !f.mailTouched && s.domain != "" && s.naming.mailIsUser {
			f.email.SetText(s.suggestMail(f))
			f.mailTouched = false
		}
	}
	f.email.OnChanged = func(string) { f.mailTouched = true }
	var preset []string
	if g := everyoneGroup(s.groups, s.all); g != "" && adding {
		preset = []string{g}
	}
	f.groups = newGroupChecks(s.groups, preset)
	f.mustChange = newCheck(tr("Must choose a new password at the first logon"), nil)
	f.mustChange.SetChecked(true)
	f.form = widget.NewForm(
		widget.NewFormItem(tr("Given name"), f.given),
		widget.NewFormItem(tr("Surname"), f.surname),
		&widget.FormItem{Text: tr("Username"), Widget: f.username, HintText: tr("Lower case, for example %s", example)},
		&widget.FormItem{Text: tr("Mail"), Widget: f.email, HintText: tr("Leave empty for no mailbox")},
	)
	if adding {
		f.form.Append(tr("Groups"), f.groups.content)
		f.form.Append("", f.mustChange)
	} else {
		f.username.Disable()
	}
	return f
}

// showForm puts f in a dialog whose OK runs submit once f is valid. The
// dialog stays open until submit closes it, so a refusal from the box
// leaves the person's input in place.
func (s *UsersScreen) showForm(f *userForm, title, ok string, submit func()) {
	f.form.SubmitText, f.form.CancelText = ok, tr("Cancel")
	f.form.OnSubmit = func() {
		if !f.busy {
			submit()
		}
	}
	f.form.OnCancel = func() { f.dlg.Hide() }
	f.form.Refresh()
	f.dlg = dialog.NewCustomWithoutButtons(title, f.form, s.win)
	f.dlg.Resize(fyne.NewSize(640, 0))
	s.form = f
	showDialog(s.win, f.dlg)
	s.win.Canvas().Focus(f.given)
}

// submitForm runs work for the open form f. On success the form closes
// and then runs; when the box refuses, the error is shown over the form,
// which keeps what the person typed.
func (s *UsersScreen) submitForm(f *userForm, title string, work func(ctx context.Context, be Backend) error, then func()) {
	f.busy = true
	s.br.do(work, func(err error) {
		f.busy = false
		if err != nil {
			showError(s.win, title, err)
			s.Reload()
			return
		}
		f.dlg.Hide()
		if then != nil {
			then()
		}
		s.Reload()
	})
}

// AddUser shows the new-user form; on success the onboarding sheet with
// the generated initial password is shown once.
func (s *UsersScreen) AddUser() {
	f := s.newForm(true, "")
	s.showForm(f, tr("Add a user"), tr("Add user"), func() {
		u := api.User{Username: f.username.Text, GivenName: strings.TrimSpace(f.given.Text), Surname: strings.TrimSpace(f.surname.Text),
			Email: strings.TrimSpace(f.email.Text), Groups: f.groups.Selected()}
		u.DisplayName = u.GivenName + " " + u.Surname
		pw := s.newPassword()
		must := f.mustChange.Checked
		created := u
		loadInfo, useInfo := s.sheetInfo(u.Username)
		s.submitForm(f, tr("Cannot add %s", u.Username), func(ctx context.Context, be Backend) error {
			if err := be.CreateUser(ctx, u, pw, must); err != nil {
				return err
			}
			// The box may have filled in defaults, such as the address.
			if got, err := be.User(ctx, u.Username); err == nil {
				created = got
			}
			loadInfo(ctx, be)
			return nil
		}, func() {
			useInfo()
			s.sel = u.Username
			s.showSheet(tr("%s was added", created.DisplayName), created, pw, must)
		})
	})
}

// EditUser shows the edit form for u.
func (s *UsersScreen) EditUser(u api.User) {
	f := s.newForm(false, u.Username)
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
		s.submitForm(f, tr("Cannot change %s", u.Username), func(ctx context.Context, be Backend) error {
			return be.UpdateUser(ctx, u.Username, up)
		}, nil)
	})
}

// EditGroups lets the person tick u's groups.
func (s *UsersScreen) EditGroups(u api.User) {
	cg := newGroupChecks(s.groups, u.Groups)
	s.groupChecks = cg
	d := dialog.NewCustomConfirm(tr("Groups of %s", u.DisplayName), tr("Save"), tr("Cancel"), container.NewVScroll(cg.content), func(ok bool) {
		if !ok {
			return
		}
		var add, rm []string
		for _, g := range cg.Selected() {
			if !contains(u.Groups, g) {
				add = append(add, g)
			}
		}
		for _, g := range u.Groups {
			if !contains(cg.Selected(), g) {
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
	d.Resize(fyne.NewSize(560, 360))
	showDialog(s.win, d)
}

// passwordProblem says in the person's language why password does not
// meet the site's policy (the default one when it is not known), or "".
func (s *UsersScreen) passwordProblem(username, password string) string {
	p := s.info.policy
	if !s.info.policyKnown {
		p = rules.PasswordPolicy{}
	}
	err := rules.CheckPassword(p, username, password)
	if err == nil {
		return ""
	}
	if p == (rules.PasswordPolicy{}) {
		p = rules.DefaultPolicy()
	}
	if p.MinLength == 0 {
		p.MinLength = rules.DefaultMinPasswordLength
	}
	switch {
	case len([]rune(password)) < p.MinLength:
		return tr("Use at least %d characters.", p.MinLength)
	case len(username) >= 3 && strings.Contains(strings.ToLower(password), strings.ToLower(username)) && p.Complexity:
		return tr("The password must not contain the username.")
	case p.Complexity:
		return tr("Use three of: capitals, small letters, digits, other characters.")
	}
	return err.Error()
}

// resetForm is the open reset-password form, for tests.
type resetForm struct {
	password   *entry
	mustChange *check
	dlg        dialog.Dialog
	busy       bool
}

// ResetPassword sets a new password, suggested or typed, and shows it
// once. Must-change is on unless the person turns it off for an account
// that cannot change its password (a scanner, a Mac).
func (s *UsersScreen) ResetPassword(u api.User) {
	r := &resetForm{password: newEntry()}
	r.password.TextStyle = fyne.TextStyle{Monospace: true}
	r.password.SetText(s.newPassword())
	r.password.Validator = validator(func(v string) string {
		if m := required(v); m != "" {
			return m
		}
		return s.passwordProblem(u.Username, v)
	})
	another := widget.NewButtonWithIcon(tr("Suggest another"), theme.ViewRefreshIcon(), func() { r.password.SetText(s.newPassword()) })
	r.mustChange = newCheck(tr("Must choose a new password at the next logon"), nil)
	r.mustChange.SetChecked(true)
	form := widget.NewForm(
		&widget.FormItem{Text: tr("New password"), Widget: r.password, HintText: tr("A suggestion; you may type your own instead.")},
		widget.NewFormItem("", container.NewHBox(another)),
		&widget.FormItem{Widget: r.mustChange, HintText: tr("Turn this off only for accounts that cannot change their password, such as a scanner or a Mac.")},
	)
	form.SubmitText, form.CancelText = tr("Reset password"), tr("Cancel")
	form.OnCancel = func() { r.dlg.Hide() }
	form.OnSubmit = func() {
		if r.busy {
			return
		}
		pw, must := r.password.Text, r.mustChange.Checked
		r.busy = true
		loadInfo, useInfo := s.sheetInfo(u.Username)
		s.br.do(func(ctx context.Context, be Backend) error {
			if err := be.SetPassword(ctx, u.Username, pw, must); err != nil {
				return err
			}
			loadInfo(ctx, be)
			return nil
		}, func(err error) {
			r.busy = false
			if err != nil {
				showError(s.win, tr("Cannot reset the password of %s", u.Username), err)
				return
			}
			useInfo()
			r.dlg.Hide()
			s.showSheet(tr("New password for %s", u.DisplayName), u, pw, must)
			s.Reload()
		})
	}
	intro := wrapped(tr("The new password is shown once, on a sheet to hand to %s.", u.GivenName))
	r.dlg = dialog.NewCustomWithoutButtons(tr("Reset the password of %s?", u.DisplayName), container.NewVBox(intro, form), s.win)
	r.dlg.Resize(fyne.NewSize(560, 0))
	s.reset = r
	showDialog(s.win, r.dlg)
	s.win.Canvas().Focus(r.password)
}
