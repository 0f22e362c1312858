// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/rules"
)

// SetupScreen is the first-run wizard for a box without a site: company
// name, domain, workgroup, administrator password (with strength
// feedback) and the services to enable. It writes a site template and
// hands it, with its secrets, to the template screen for the plan and
// the apply.
type SetupScreen struct {
	win fyne.Window
	br  *Bridge

	company, domain, workgroup *widget.Entry
	password, repeat           *widget.Entry
	strength                   *widget.Label
	shares, homes, mail, bkp   *widget.Check
	problems                   *widget.Label
	next                       *widget.Button
	content                    fyne.CanvasObject
	wgTouched                  bool

	// OnTemplate receives the written template and its secrets.
	OnTemplate func(name string, template []byte, secrets map[string]string)
	// newPassword makes the backup password (tests make it predictable).
	newPassword func() string
}

// NewSetupScreen builds the wizard.
func NewSetupScreen(w fyne.Window, br *Bridge) *SetupScreen {
	s := &SetupScreen{win: w, br: br, newPassword: func() string { return GeneratePassword() + "-" + GeneratePassword() }}
	s.company, s.domain, s.workgroup = widget.NewEntry(), widget.NewEntry(), widget.NewEntry()
	s.company.SetPlaceHolder("Müller & Partner Steuerberatung")
	s.domain.SetPlaceHolder("mueller-partner.lan")
	s.workgroup.SetPlaceHolder("MUELLER")
	s.domain.OnChanged = func(d string) {
		if !s.wgTouched {
			s.workgroup.SetText(suggestWorkgroup(d))
			s.wgTouched = false
		}
	}
	s.workgroup.OnChanged = func(string) { s.wgTouched = true }
	s.password, s.repeat = widget.NewPasswordEntry(), widget.NewPasswordEntry()
	s.strength = widget.NewLabel("")
	s.strength.Wrapping = fyne.TextWrapWord
	s.password.OnChanged = func(string) { s.checkPassword() }
	s.repeat.OnChanged = func(string) { s.checkPassword() }
	s.shares = widget.NewCheck(tr("File shares: a shared folder “Ablage” for everybody"), nil)
	s.homes = widget.NewCheck(tr("A private home folder for every user"), nil)
	s.mail = widget.NewCheck(tr("Mail for the domain (Postfix and Dovecot)"), nil)
	s.bkp = widget.NewCheck(tr("Nightly backup to /srv/posse/backup"), nil)
	for _, c := range []*widget.Check{s.shares, s.homes, s.bkp} {
		c.SetChecked(true)
	}
	s.problems = wrapped("")
	s.problems.Importance = widget.DangerImportance
	s.next = widget.NewButtonWithIcon(tr("Next: preview the plan"), theme.NavigateNextIcon(), s.Next)
	s.next.Importance = widget.HighImportance
	s.checkPassword()
	return s
}

// suggestWorkgroup makes a NetBIOS name from the domain's first label
// that differs from the realm's first label, as Samba wants.
func suggestWorkgroup(domain string) string {
	first, _, _ := strings.Cut(strings.TrimSpace(domain), ".")
	var b strings.Builder
	for _, r := range strings.ToUpper(first) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	wg := b.String()
	if len(wg) > 15 {
		wg = wg[:15]
	}
	if wg == strings.ToUpper(first) && wg != "" {
		// Same as the realm's first label: make it differ.
		if len(wg) > 12 {
			wg = wg[:12]
		}
		wg += "NET"
	}
	return wg
}

func (s *SetupScreen) checkPassword() {
	pw := s.password.Text
	switch err := rules.CheckPassword(rules.PasswordPolicy{}, "administrator", pw); {
	case pw == "":
		s.strength.SetText(tr("At least 10 characters with three of: capitals, small letters, digits, other characters."))
		s.strength.Importance = widget.MediumImportance
	case err != nil:
		s.strength.SetText(tr("Too weak: %v", err))
		s.strength.Importance = widget.DangerImportance
	case s.repeat.Text != pw:
		s.strength.SetText(tr("Strong enough. Repeat it below."))
		s.strength.Importance = widget.WarningImportance
	default:
		s.strength.SetText(tr("Strong enough, and both entries match."))
		s.strength.Importance = widget.SuccessImportance
	}
	s.strength.Refresh()
}

// Content returns the screen's widget tree.
func (s *SetupScreen) Content() fyne.CanvasObject {
	if s.content != nil {
		return s.content
	}
	intro := wrapped(tr("This box has no site yet. Answer these questions; Posse writes a site template from them and shows you what it will do before anything changes."))
	form := widget.NewForm(
		widget.NewFormItem(tr("Company name"), s.company),
		&widget.FormItem{Text: tr("Domain"), Widget: s.domain, HintText: tr("The office network's name, such as mueller-partner.lan")},
		&widget.FormItem{Text: tr("Workgroup"), Widget: s.workgroup, HintText: tr("The short name Windows shows, up to 15 letters")},
		widget.NewFormItem(tr("Administrator password"), s.password),
		widget.NewFormItem(tr("Repeat password"), s.repeat),
		widget.NewFormItem("", s.strength),
		widget.NewFormItem(tr("Services"), container.NewVBox(s.shares, s.homes, s.mail, s.bkp)),
	)
	body := container.NewVBox(heading(tr("Set up this box")), intro, form, s.problems, container.NewHBox(s.next))
	s.content = container.NewVScroll(container.NewPadded(body))
	return s.content
}

// Reload does nothing: the wizard asks, it does not read.
func (s *SetupScreen) Reload() {}

// Template writes the site template and its secrets from the answers.
func (s *SetupScreen) Template() ([]byte, map[string]string) {
	domain := strings.ToLower(strings.TrimSpace(s.domain.Text))
	secrets := map[string]string{"domain_admin": s.password.Text}
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by the Posse setup wizard.\nversion: 1\nsite:\n  name: %q\n  domain: %q\n  workgroup: %q\n",
		strings.TrimSpace(s.company.Text), domain, strings.ToUpper(strings.TrimSpace(s.workgroup.Text)))
	b.WriteString("directory:\n  admin_password: ${secret:domain_admin}\n")
	b.WriteString("groups:\n  - name: alle\n    description: \"Alle Mitarbeitenden\"\n")
	if s.shares.Checked {
		b.WriteString("shares:\n  - name: Ablage\n    description: \"Gemeinsame Ablage\"\n    write: [alle]\n    recycle_bin: true\n")
	}
	fmt.Fprintf(&b, "homes: {enabled: %t}\n", s.homes.Checked)
	if s.mail.Checked {
		fmt.Fprintf(&b, "mail:\n  domains: [%q]\n", domain)
	}
	if s.bkp.Checked {
		secrets["backup"] = s.newPassword()
		include := []string{"directory"}
		if s.shares.Checked {
			include = append(include, "shares")
		}
		if s.homes.Checked {
			include = append(include, "homes")
		}
		if s.mail.Checked {
			include = append(include, "mail")
		}
		fmt.Fprintf(&b, "backup:\n  repository: /srv/posse/backup\n  password: ${secret:backup}\n  schedule: \"*-*-* 22:00\"\n  keep: {daily: 7, weekly: 4, monthly: 12}\n  include: [%s]\n",
			strings.Join(include, ", "))
	}
	return []byte(b.String()), secrets
}

// Next checks the answers and hands the template to the plan preview.
func (s *SetupScreen) Next() {
	var msgs []string
	if err := rules.CheckPassword(rules.PasswordPolicy{}, "administrator", s.password.Text); err != nil {
		msgs = append(msgs, tr("Administrator password: %v", err))
	} else if s.repeat.Text != s.password.Text {
		msgs = append(msgs, tr("The two passwords differ: type the same one twice."))
	}
	data, secrets := s.Template()
	st, err := site.Parse("setup.yaml", data)
	if ps, ok := err.(site.Problems); ok {
		for _, p := range ps {
			m := p.Message
			if p.Hint != "" {
				m += " → " + p.Hint
			}
			msgs = append(msgs, m)
		}
	} else if err != nil {
		msgs = append(msgs, err.Error())
	}
	if err == nil {
		for _, p := range site.CheckSecrets(st, mapSecrets(secrets)) {
			msgs = append(msgs, p.Message)
		}
	}
	if len(msgs) > 0 {
		s.problems.SetText(strings.Join(msgs, "\n"))
		return
	}
	s.problems.SetText("")
	if s.OnTemplate != nil {
		s.OnTemplate("setup.yaml", data, secrets)
	}
}

// mapSecrets makes a secrets store of a map.
func mapSecrets(m map[string]string) *site.Store {
	st := site.NewStore()
	for k, v := range m {
		st.Set(k, v)
	}
	return st
}
