// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"context"
	"sort"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon/api"
)

// UsersScreen is the office manager's main job: a searchable list of all
// users (filtered in memory, fast with thousands) and, for the selected
// one, edit, groups, reset password, disable/enable and delete. Adding a
// user ends with an onboarding sheet; CSV import previews a dry run.
type UsersScreen struct {
	win fyne.Window
	br  *Bridge

	all []api.User
	// Search texts per user, folded (fold): names and username (also
	// with the umlauts spelt out), the local parts of the addresses, and
	// the whole addresses for a search with an @.
	nameHay, mailHay, addrHay []string
	view                      []int // indices into all that match the search
	query                     string
	groups                    []api.Group
	shares                    []api.Share
	// domain is the most common mail domain, for new users' addresses.
	domain string
	// naming is how the site makes usernames and addresses from names.
	naming namingStyle
	// info is what the password sheet says about the box; infoAsked is
	// set once it was asked for, infoReady once it arrived.
	info                 siteInfo
	infoAsked, infoReady bool
	// logons are possed's answers to Users.Logon3 for the sheets shown:
	// what an office manager, who may not read the site, learns of the
	// workgroup and of a person's shares.
	logons map[string]api.LogonInfo
	// SaveDir is where sheets are saved by default (tests set it).
	SaveDir string

	search  *widget.Entry
	count   *widget.Label
	bar     *fyne.Container
	list    *widget.List
	detail  *fyne.Container
	sel     string // selected username
	content fyne.CanvasObject

	// form is the open add or edit form, reset the open reset-password
	// form, groupChecks the open groups dialog's boxes, sheetStatus what
	// the last sheet's buttons did: for tests.
	form        *userForm
	reset       *resetForm
	groupChecks *groupChecks
	sheetStatus *widget.Label
	// sheet is the last onboarding sheet shown, for tests.
	sheet string
	// newPassword makes initial passwords (tests make them predictable).
	newPassword func() string
	// importPreview is the last dry run shown, for tests.
	importPreview *api.ImportResult
}

// NewUsersScreen builds the screen.
func NewUsersScreen(w fyne.Window, br *Bridge) *UsersScreen {
	s := &UsersScreen{win: w, br: br, newPassword: GeneratePassword}
	s.search = widget.NewEntry()
	s.search.SetPlaceHolder(tr("Search by name, username or mail address"))
	s.search.ActionItem = widget.NewIcon(theme.SearchIcon())
	s.search.OnChanged = s.Filter
	s.count = widget.NewLabel("")
	s.list = widget.NewList(func() int { return len(s.view) }, newUserRow, s.updateRow)
	s.list.OnSelected = func(i widget.ListItemID) {
		if i < len(s.view) {
			s.sel = s.all[s.view[i]].Username
			s.showDetail()
		}
	}
	s.detail = container.NewVBox()
	s.showDetail()
	return s
}

func newUserRow() fyne.CanvasObject { return newUserRowWidget() }

// updateRow fills a recycled row.
func (s *UsersScreen) updateRow(i widget.ListItemID, o fyne.CanvasObject) {
	if i >= len(s.view) {
		return
	}
	u := &s.all[s.view[i]]
	o.(*userRow).set(u.DisplayName, u.Username, u.Email, u.Disabled)
}

// firstFocus is the search: typing a name finds the person.
func (s *UsersScreen) firstFocus() fyne.Focusable { return s.search }

// Content returns the screen's widget tree.
func (s *UsersScreen) Content() fyne.CanvasObject {
	if s.content != nil {
		return s.content
	}
	add := widget.NewButtonWithIcon(tr("Add user…"), theme.ContentAddIcon(), s.AddUser)
	add.Importance = widget.HighImportance
	imp := widget.NewButtonWithIcon(tr("Import CSV…"), theme.UploadIcon(), s.chooseCSV)
	reload := widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), s.Reload)
	s.bar = container.NewBorder(nil, nil, nil, container.NewHBox(s.count, add, imp, reload), s.search)
	top := container.NewVBox(heading(tr("Users")), s.bar)
	right := container.NewVScroll(s.detail)
	split := container.NewHSplit(s.list, container.NewPadded(right))
	split.Offset = 0.66
	s.content = container.NewBorder(top, nil, nil, nil, split)
	return s.content
}

// Reload fetches users, groups and (if allowed) shares.
func (s *UsersScreen) Reload() {
	if len(s.all) == 0 {
		s.count.SetText(tr("Loading…"))
	}
	type data struct {
		users  []api.User
		groups []api.Group
		shares []api.Share
	}
	call(s.br, func(ctx context.Context, be Backend) (data, error) {
		var r data
		var err error
		if r.users, err = be.Users(ctx, ""); err != nil {
			return r, err
		}
		r.groups, _ = be.Groups(ctx)
		if !s.br.OfficeManager {
			r.shares, _ = be.Shares(ctx)
		}
		return r, nil
	}, func(r data, err error) {
		if err != nil {
			s.count.SetText("")
			showError(s.win, tr("Cannot list the users"), err)
			return
		}
		s.groups, s.shares = r.groups, r.shares
		s.SetUsers(r.users)
		s.showDetail()
		if len(r.users) > 1000 {
			releaseMemory() // decoding thousands of users left garbage
		}
	})
	if !s.infoAsked {
		s.infoAsked = true
		call(s.br, func(ctx context.Context, be Backend) (siteInfo, error) {
			return loadSiteInfo(ctx, be, s.br), nil
		}, func(in siteInfo, _ error) { s.info, s.infoReady = in, true })
	}
}

// SetUsers replaces the list's data and applies the current search.
func (s *UsersScreen) SetUsers(us []api.User) {
	us = people(us)
	sort.Slice(us, func(i, j int) bool { return us[i].Username < us[j].Username })
	s.all = us
	s.nameHay = make([]string, len(us))
	s.mailHay = make([]string, len(us))
	s.addrHay = make([]string, len(us))
	domains := map[string]int{}
	var local, full strings.Builder
	for i := range us {
		u := &us[i]
		name := fold(u.DisplayName + "\x00" + u.Username)
		if g := foldGerman(u.DisplayName); g != fold(u.DisplayName) {
			name += "\x00" + g
		}
		s.nameHay[i] = name
		local.Reset()
		full.Reset()
		for _, a := range append([]string{u.Email}, u.Aliases...) {
			if at := strings.LastIndexByte(a, '@'); at > 0 {
				local.WriteString(a[:at] + "\x00")
			}
			full.WriteString(a + "\x00")
		}
		s.mailHay[i], s.addrHay[i] = fold(local.String()), fold(full.String())
		if at := strings.LastIndexByte(u.Email, '@'); at >= 0 {
			domains[u.Email[at+1:]]++
		}
	}
	best := 0
	for d, n := range domains {
		if n > best || (n == best && d < s.domain) {
			s.domain, best = d, n
		}
	}
	s.naming = siteNaming(us)
	s.view = make([]int, 0, len(us))
	s.Filter(s.search.Text)
}

// Filter shows the users whose name or username contains q, then those
// whose mail address does, ignoring case and diacritics ("gul" finds
// "Gül", "mueller" "Müller"). Only the local part of an address counts,
// so that the company's domain does not match everybody; a search with
// an @ looks at the whole addresses.
func (s *UsersScreen) Filter(q string) {
	s.query = fold(strings.TrimSpace(q))
	s.view = s.view[:0]
	switch {
	case s.query == "":
		for i := range s.all {
			s.view = append(s.view, i)
		}
	default:
		for i, h := range s.nameHay {
			if strings.Contains(h, s.query) {
				s.view = append(s.view, i)
			}
		}
		mail := s.mailHay
		if strings.ContainsRune(s.query, '@') {
			mail = s.addrHay
		}
		for i, h := range mail {
			if strings.Contains(h, s.query) && !strings.Contains(s.nameHay[i], s.query) {
				s.view = append(s.view, i)
			}
		}
	}
	if s.query == "" {
		s.count.SetText(tr("%d users", len(s.all)))
	} else {
		s.count.SetText(tr("%d of %d users", len(s.view), len(s.all)))
	}
	if s.bar != nil {
		s.bar.Refresh() // the count's width changed
	}
	s.list.UnselectAll()
	for i, idx := range s.view {
		if s.all[idx].Username == s.sel {
			s.list.Select(i)
			break
		}
	}
	s.list.Refresh()
}

// Select selects username in the list (clearing the search if needed).
func (s *UsersScreen) Select(username string) {
	s.sel = username
	for i, idx := range s.view {
		if s.all[idx].Username == username {
			s.list.Select(i)
			s.list.ScrollTo(i)
			return
		}
	}
	s.showDetail()
}

func (s *UsersScreen) selected() *api.User {
	for i := range s.all {
		if s.all[i].Username == s.sel {
			return &s.all[i]
		}
	}
	return nil
}

func (s *UsersScreen) showDetail() {
	u := s.selected()
	s.detail.RemoveAll()
	if u == nil {
		s.detail.Add(wrapped(tr("Select a user to see and change their account, or add a new one.")))
		s.detail.Refresh()
		return
	}
	status := tr("active")
	switch {
	case u.Disabled:
		status = tr("disabled: cannot log in")
	case u.MustChangePassword:
		status = tr("active; has not chosen their own password yet (mail says \"Login denied\" until then)")
	}
	groups := strings.Join(u.Groups, ", ")
	if groups == "" {
		groups = tr("none")
	}
	// Caption above value: addresses get the panel's full width.
	fields := container.NewVBox()
	field := func(caption, value string) {
		c := widget.NewLabelWithStyle(caption, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		c.SizeName = theme.SizeNameCaptionText
		v := wrapped(value)
		v.Selectable = true
		fields.Add(container.New(layout.NewCustomPaddedVBoxLayout(0), c, v))
	}
	field(tr("Username"), u.Username)
	mail := u.Email
	if mail == "" {
		mail = tr("none")
	}
	field(tr("Mail"), mail)
	if len(u.Aliases) > 0 {
		field(tr("Also receives"), strings.Join(u.Aliases, ", "))
	}
	field(tr("Groups"), groups)
	field(tr("Status"), status)
	if u.Kind == "service" {
		field(tr("Kind"), tr("Service account (a scanner or a program): no mailbox and no home folder; its password never expires"))
	}
	if u.Admin {
		field(tr("Rights"), tr("Administrator: domain admin, and manages this server with Posse (set in the site template)"))
	}
	user := *u
	edit := widget.NewButtonWithIcon(tr("Edit…"), theme.DocumentCreateIcon(), func() { s.EditUser(user) })
	grp := widget.NewButtonWithIcon(tr("Groups…"), theme.ListIcon(), func() { s.EditGroups(user) })
	pw := widget.NewButtonWithIcon(tr("Reset password…"), theme.VisibilityIcon(), func() { s.ResetPassword(user) })
	var lock *widget.Button
	if u.Disabled {
		lock = widget.NewButtonWithIcon(tr("Enable"), theme.ConfirmIcon(), func() { s.setEnabled(user, true) })
	} else {
		lock = widget.NewButtonWithIcon(tr("Disable…"), theme.CancelIcon(), func() { s.setEnabled(user, false) })
	}
	del := widget.NewButtonWithIcon(tr("Delete…"), theme.DeleteIcon(), func() { s.DeleteUser(user) })
	del.Importance = widget.DangerImportance
	s.detail.Add(heading(u.DisplayName))
	s.detail.Add(fields)
	s.detail.Add(container.NewGridWithColumns(2, edit, grp, pw, lock))
	if u.MustChangePassword && !u.Disabled {
		keep := widget.NewButtonWithIcon(tr("Let the initial password stand"), theme.ConfirmIcon(), func() { s.keepPassword(user) })
		s.detail.Add(keep)
	}
	s.detail.Add(widget.NewSeparator())
	s.detail.Add(container.NewHBox(del))
	s.detail.Refresh()
}

// change runs a user change and reloads the list afterwards.
func (s *UsersScreen) change(title string, work func(ctx context.Context, be Backend) error, then func()) {
	s.br.do(work, func(err error) {
		if err != nil {
			showError(s.win, title, err)
		} else if then != nil {
			then()
		}
		s.Reload()
	})
}

func (s *UsersScreen) setEnabled(u api.User, on bool) {
	if on {
		s.change(tr("Cannot enable %s", u.Username), func(ctx context.Context, be Backend) error { return be.EnableUser(ctx, u.Username) }, nil)
		return
	}
	confirm(s.win, tr("Disable %s?", u.DisplayName),
		tr("%s can no longer log in or read mail until you enable the account again. Files and mail are kept.", u.DisplayName),
		tr("Disable"), func() {
			s.change(tr("Cannot disable %s", u.Username), func(ctx context.Context, be Backend) error { return be.DisableUser(ctx, u.Username) }, nil)
		})
}

// keepPassword asks, then turns "must choose a new password at the next
// logon" off, so the initial password works for mail and everything else
// without a Windows logon first.
func (s *UsersScreen) keepPassword(u api.User) {
	confirm(s.win, tr("Let %s keep the initial password?", u.DisplayName),
		tr("%s will not be asked for a new password at the next logon, and mail works with the initial password right away. Only do this if nobody else has seen that password.", u.DisplayName),
		tr("Keep password"), func() {
			off := false
			s.change(tr("Cannot change %s", u.Username), func(ctx context.Context, be Backend) error {
				return be.UpdateUser(ctx, u.Username, client.UserUpdate{MustChangePassword: &off})
			}, nil)
		})
}

// DeleteUser asks, then removes the user.
func (s *UsersScreen) DeleteUser(u api.User) {
	confirm(s.win, tr("Delete %s?", u.DisplayName),
		tr("The account %s is removed for good and cannot log in any more. To only lock it, use Disable instead.", u.Username),
		tr("Delete"), func() {
			s.change(tr("Cannot delete %s", u.Username), func(ctx context.Context, be Backend) error { return be.DeleteUser(ctx, u.Username) },
				func() { s.sel = "" })
		})
}

// csvHeader is the header line the box's CSV import expects.
const csvHeader = "username,given_name,surname,email,groups"

// chooseCSV explains the file format, then opens a CSV file and previews
// its import.
func (s *UsersScreen) chooseCSV() {
	format := widget.NewLabelWithStyle(csvHeader+"\nlena.weiss,Lena,Weiß,lena.weiss@example.de,lohn;alle",
		fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	format.Selectable = true
	body := container.NewVBox(
		wrapped(tr("Choose a CSV file (for example saved from Excel or LibreOffice) whose first line names the columns; only username is required, several groups are separated by semicolons:")),
		card("", format),
		wrapped(tr("Nothing changes yet: you see first what the import would do.")))
	confirmCustom(s.win, tr("Import users from a CSV file"), tr("Choose file…"), body, s.openCSV)
}

func (s *UsersScreen) openCSV() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		defer r.Close()
		var b strings.Builder
		buf := make([]byte, 32<<10)
		for {
			n, rerr := r.Read(buf)
			b.Write(buf[:n])
			if rerr != nil {
				break
			}
		}
		s.ImportCSV([]byte(b.String()))
	}, s.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".csv", ".txt"}))
	d.Resize(fyne.NewSize(800, 560))
	showDialog(s.win, d)
}
