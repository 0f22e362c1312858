// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"context"
	"errors"
	"html"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/internal/sheet"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/rules"
)

// siteInfo is what the password sheet says about the box, gathered from
// what the person may read: the host name from Status, home folders and
// mail from Usage (both the status action, so office managers too), and
// for administrators the workgroup, the AD DNS domain and the password
// policy from the exported site template. An office manager, who may not
// read the site, learns the workgroup and a person's shares from
// Users.Logon3 (UsersScreen.logons).
type siteInfo struct {
	// host is the box's short host name, as in \\host\share.
	host string
	// mailHost is the name on the mail server's certificate
	// (host.<AD DNS domain>), or the host name as the box reports it.
	mailHost string
	// workgroup is the NetBIOS domain name, "" when it cannot be read.
	workgroup string
	// homes and mail say whether the site has home folders and mail;
	// the *Known fields whether the box said.
	homes, homesKnown bool
	mail, mailKnown   bool
	// policy is the site's password policy when policyKnown.
	policy      rules.PasswordPolicy
	policyKnown bool
}

// loadSiteInfo asks the box what the sheet needs. Calls the person may
// not make are left out; the site template is read without letting
// polkit ask for a password.
func loadSiteInfo(ctx context.Context, be Backend, br *Bridge) siteInfo {
	var in siteInfo
	full := br.Hostname
	if full == "" {
		if st, err := be.Status(ctx); err == nil {
			full = st.Hostname
		}
	}
	in.host, _, _ = strings.Cut(full, ".")
	in.mailHost = full
	if u, err := be.Usage(ctx); err == nil {
		in.homesKnown, in.mailKnown = true, true
		in.mail = u.Mail.Configured
		for _, sh := range u.Shares {
			if sh.Name == "homes" {
				in.homes = true
			}
		}
	}
	if br.OfficeManager {
		return in
	}
	data, err := nonInteractive(be).Export(ctx)
	if err != nil {
		return in
	}
	st, _ := site.Parse("export.yaml", data) // problems (no secrets here) do not matter
	if st == nil {
		return in
	}
	in.workgroup = st.Site.Workgroup
	if st.Site.Domain != "" && in.host != "" {
		in.mailHost = in.host + "." + st.DNSDomain()
	}
	in.homes, in.homesKnown = st.Homes.Enabled, true
	in.mail, in.mailKnown = st.Mail != nil, true
	in.policy, in.policyKnown = st.Policy(), true
	return in
}

// sheetInfo returns, for work running off the UI goroutine before a
// sheet is shown, a function that makes sure the site information is
// there: when the first Reload's answer has not arrived yet, the work asks
// for it itself. Call the returned use on the UI goroutine afterwards.
func (s *UsersScreen) sheetInfo(username string) (load func(ctx context.Context, be Backend), use func()) {
	var in siteInfo
	var lg api.LogonInfo
	loaded, logon := false, false
	return func(ctx context.Context, be Backend) {
			if !s.infoReady {
				in, loaded = loadSiteInfo(ctx, be, s.br), true
			}
			if l, err := be.Logon(ctx, username); err == nil {
				lg, logon = l, true
			}
		}, func() {
			if loaded && !s.infoReady {
				s.info, s.infoReady = in, true
			}
			if logon {
				if s.logons == nil {
					s.logons = map[string]api.LogonInfo{}
				}
				s.logons[username] = lg
			}
		}
}

// logonName is the name to type at Windows' logon: WORKGROUP\user, or the
// bare username when the workgroup is not known (a computer of the domain
// then takes its own domain).
func (in siteInfo) logonName(username string) string {
	if in.workgroup == "" {
		return username
	}
	return in.workgroup + `\` + username
}

// unc is the network path of a folder on the box.
func (in siteInfo) unc(name string) string {
	return `\\` + in.host + `\` + name
}

// sharesOf lists the shares u's groups reach, with what they may do there.
func (s *UsersScreen) sharesOf(u api.User) []sheet.Folder {
	var r []sheet.Folder
	if lg, ok := s.logons[u.Username]; ok && len(s.shares) == 0 { // an office manager: possed says
		for _, sh := range lg.Shares {
			r = append(r, sheet.Folder{Path: s.info.unc(sh.Name), Write: sh.Write})
		}
		return r
	}
	for _, sh := range s.shares {
		switch rules.ShareAccess(u.Groups, sh.Write, sh.Read) {
		case rules.WriteAccess:
			r = append(r, sheet.Folder{Path: s.info.unc(sh.Name), Write: true})
		case rules.ReadAccess:
			r = append(r, sheet.Folder{Path: s.info.unc(sh.Name)})
		}
	}
	return r
}

// OnboardingSheet is the text handed to the person: how to log on, the
// folders they can open, mail on a phone, and what to do at the first
// logon when they must choose their own password (see package sheet).
func (s *UsersScreen) OnboardingSheet(u api.User, password string, mustChange bool) string {
	in := s.info
	if lg, ok := s.logons[u.Username]; ok { // what the site export did not tell
		if in.workgroup == "" {
			in.workgroup = lg.Workgroup
		}
		if lg.DNSDomain != "" && in.host != "" && in.mailHost == s.br.Hostname {
			in.mailHost = in.host + "." + lg.DNSDomain
		}
		if !in.homesKnown {
			in.homes, in.homesKnown = lg.HomeDrive != "", true
		}
		if !in.policyKnown && lg.MinPasswordLength > 0 {
			in.policy = rules.PasswordPolicy{MinLength: int(lg.MinPasswordLength), Complexity: lg.PasswordComplexity}
			in.policyKnown = true
		}
	}
	name := u.DisplayName
	if name == "" {
		name = u.Username
	}
	sh := sheet.Input{Name: name, Logon: in.logonName(u.Username), Password: password, MustChange: mustChange,
		Server: in.host, Folders: s.sharesOf(u), AskAdmin: s.br.OfficeManager}
	if in.policyKnown {
		p := in.policy
		sh.Policy = &p
	}
	if in.homes && in.host != "" {
		sh.Home = in.unc(u.Username)
	}
	if u.Email != "" && (in.mail || !in.mailKnown) {
		sh.Email, sh.MailHost = u.Email, in.mailHost
	}
	return sheet.Build(sh, tr).Text()
}

// showSheet shows the password once, with buttons to copy it or the
// whole sheet, and to save the sheet as a page for printing; each says
// what it did.
func (s *UsersScreen) showSheet(title string, u api.User, password string, mustChange bool) {
	sheet := s.OnboardingSheet(u, password, mustChange)
	s.sheet = sheet
	text := widget.NewLabelWithStyle(sheet, fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	text.Selectable = true
	warn := wrapped(tr("The password is shown only now. Hand the sheet to the person or copy it somewhere safe before you close this window."))
	warn.Importance = widget.WarningImportance
	done := copiedLabel()
	say := done.say
	s.sheetStatus = done.Label
	cb := fyne.CurrentApp().Clipboard()
	copyPw := widget.NewButtonWithIcon(tr("Copy password"), theme.ContentCopyIcon(), func() {
		cb.SetContent(password)
		say(tr("Copied the password."))
	})
	copySheet := widget.NewButtonWithIcon(tr("Copy sheet"), theme.ContentCopyIcon(), func() {
		cb.SetContent(sheet)
		say(tr("Copied the sheet."))
	})
	save := widget.NewButtonWithIcon(tr("Save for printing…"), theme.DocumentSaveIcon(), func() {
		s.saveSheet(u.Username+".html", sheetHTML(sheet), func(path string) {
			say(tr("Saved to %s", path))
		})
	})
	body := container.NewBorder(warn, container.NewVBox(container.NewHBox(copyPw, copySheet, save), done), nil, nil,
		container.NewVScroll(card("", text)))
	d := dialog.NewCustom(title, tr("Close"), body, s.win)
	// As tall as the sheet needs, within the window.
	size := fyne.NewSize(720, text.MinSize().Height+warn.MinSize().Height+250)
	if c := s.win.Canvas().Size(); c.Height > 0 && c.Height-60 < size.Height {
		size.Height = c.Height - 60
	}
	d.Resize(size)
	showDialog(s.win, d)
}

// sheetHTML wraps the onboarding sheet in a page that prints on one A4
// sheet from any browser; the first line is the heading.
func sheetHTML(sheet string) string {
	title, body, _ := strings.Cut(sheet, "\n")
	esc := html.EscapeString
	return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + esc(title) + "</title>\n" +
		"<style>body{font-family:sans-serif;margin:2cm}pre{font-size:12pt;line-height:1.5}</style></head>\n" +
		"<body><h1>" + esc(title) + "</h1>\n<pre>" + esc(strings.TrimLeft(body, "\n")) + "</pre></body></html>\n"
}

// saveSheet asks where to save a page that holds a password and writes
// it there readable only by the person (writePrivate). Fyne's save dialog
// is not used: it creates the file itself, with the umask's mode (0644)
// and through a symbolic link. saved is called with the path.
func (s *UsersScreen) saveSheet(name, page string, saved func(path string)) {
	dir, file := newEntry(), newEntry()
	dir.SetText(s.saveDir())
	file.SetText(name)
	dir.Validator = validator(required)
	file.Validator = validator(func(v string) string {
		if m := required(v); m != "" {
			return m
		}
		if strings.ContainsRune(v, '/') {
			return tr("A file name without /.")
		}
		return ""
	})
	choose := widget.NewButtonWithIcon(tr("Choose…"), theme.FolderOpenIcon(), func() {
		d := dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
			if err == nil && u != nil {
				dir.SetText(u.Path())
			}
		}, s.win)
		d.Resize(fyne.NewSize(800, 560))
		showDialog(s.win, d)
	})
	note := wrapped(tr("The page holds the password, so only you can read the file. Delete it once it is printed."))
	var d dialog.Dialog
	form := widget.NewForm(
		widget.NewFormItem(tr("Folder"), dir),
		widget.NewFormItem("", container.NewHBox(choose)),
		widget.NewFormItem(tr("File name"), file),
	)
	form.SubmitText, form.CancelText = tr("Save"), tr("Cancel")
	form.OnCancel = func() { d.Hide() }
	form.OnSubmit = func() {
		path := filepath.Join(dir.Text, file.Text)
		err := writePrivate(path, []byte(page))
		switch {
		case errors.Is(err, fs.ErrExist):
			showErrorAdvice(s.win, tr("Cannot save the sheet"), err, tr("A file of this name is there already: choose another name. The sheet never replaces a file."))
		case err != nil:
			showErrorAdvice(s.win, tr("Cannot save the sheet"), err, tr("Choose a folder of your own, such as your Documents folder."))
		default:
			d.Hide()
			saved(path)
		}
	}
	d = dialog.NewCustomWithoutButtons(tr("Save the sheet for printing"), container.NewVBox(note, form), s.win)
	d.Resize(fyne.NewSize(560, 0))
	showDialog(s.win, d)
}

// saveDir is where sheets are saved unless the person chooses another
// folder: their Documents folder, else their home.
func (s *UsersScreen) saveDir() string {
	if s.SaveDir != "" {
		return s.SaveDir
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	for _, d := range []string{"Documents", "Dokumente"} {
		if fi, err := os.Stat(filepath.Join(home, d)); err == nil && fi.IsDir() {
			return filepath.Join(home, d)
		}
	}
	return home
}

// writePrivate creates path with data, mode 0600, as internal/fsutil's
// OpenPrivate does for possectl's password files (the app may import only
// the client and the API types): O_CREAT|O_EXCL|O_NOFOLLOW, so an existing
// file, also a symbolic link someone planted, is never written through or
// replaced; the mode is set again after the umask.
func writePrivate(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		return err
	}
	err = f.Chmod(0o600)
	if err == nil {
		_, err = f.Write(data)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}
