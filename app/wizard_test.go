// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/posse-project/posse/provisioning/site"
)

func TestSuggestWorkgroup(t *testing.T) {
	for in, want := range map[string]string{
		"mueller-partner.lan":               "MUELLERPARTNER",
		"mueller.lan":                       "MUELLERNET",
		"steuerberatung-schulze-und-co.lan": "STEUERBERATUNGS",
	} {
		if got := suggestWorkgroup(in); got != want {
			t.Errorf("suggestWorkgroup(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSetupWritesValidTemplate(t *testing.T) {
	test.NewTempApp(t)
	w := window(t, nil, 1024, 700)
	s := NewSetupScreen(w, newBridge(newFake(0)))
	w.SetContent(s.Content())
	s.newPassword = func() string { return "Backup-Pass-Word-2026" }
	test.Type(s.company, "Müller & Partner Steuerberatung")
	test.Type(s.domain, "mueller-partner.lan")
	test.Type(s.password, "kurz")
	if !strings.Contains(s.strength.Text, "Too weak") {
		t.Errorf("strength feedback for a short password: %q", s.strength.Text)
	}
	s.password.SetText("")
	test.Type(s.password, "Sonnen-Blume-2026")
	test.Type(s.repeat, "Sonnen-Blume-2026")
	if !strings.Contains(s.strength.Text, "both entries match") {
		t.Errorf("strength feedback for a good password: %q", s.strength.Text)
	}
	s.mail.SetChecked(true)
	golden(t, "setup.xml", w.Canvas())

	var got []byte
	var secrets map[string]string
	s.OnTemplate = func(name string, data []byte, sec map[string]string) { got, secrets = data, sec }
	test.Tap(s.next)
	if got == nil {
		t.Fatalf("no template; problems: %s", s.problems.Text)
	}
	st, err := site.Parse("setup.yaml", got)
	if err != nil {
		t.Fatalf("the wizard wrote an invalid template: %v\n%s", err, got)
	}
	if ps := site.CheckSecrets(st, mapSecrets(secrets)); len(ps) > 0 {
		t.Errorf("secrets: %v", ps)
	}
	if st.Site.Workgroup != "MUELLERPARTNER" || st.Mail == nil || st.Backup == nil || len(st.Shares) != 1 || !st.Homes.Enabled {
		t.Errorf("template does not follow the answers:\n%s", got)
	}
	if strings.Contains(string(got), "Sonnen-Blume") || strings.Contains(string(got), "Backup-Pass") {
		t.Error("a password ended up in the template instead of the secrets")
	}
}

func TestSetupShowsProblems(t *testing.T) {
	test.NewTempApp(t)
	w := window(t, nil, 1024, 700)
	s := NewSetupScreen(w, newBridge(newFake(0)))
	w.SetContent(s.Content())
	called := false
	s.OnTemplate = func(string, []byte, map[string]string) { called = true }
	test.Type(s.company, "X")
	test.Type(s.domain, "nodots")
	test.Type(s.password, "Sonnen-Blume-2026")
	test.Type(s.repeat, "Sonnen-Blume-2025")
	test.Tap(s.next)
	if called {
		t.Fatal("an invalid setup went on to the plan")
	}
	for _, want := range []string{"differ", "nodots"} {
		if !strings.Contains(s.problems.Text, want) {
			t.Errorf("problems lack %q: %s", want, s.problems.Text)
		}
	}
}

func TestSetupFromDashboardToPlan(t *testing.T) {
	test.NewTempApp(t)
	f := newFake(0)
	f.NoSite = true
	br := newBridge(f)
	w := window(t, nil, 1280, 800)
	sh := NewShell(w, br, Options{})
	w.SetContent(sh.Content())
	w.Resize(fyne.NewSize(1280, 800))
	sh.Open("dashboard")
	sh.screens["dashboard"].(*Dashboard).Now = func() time.Time { return testNow }
	test.Tap(button(t, w.Canvas(), tr("Set up this box…")))
	s := sh.screens["setup"].(*SetupScreen)
	test.Type(s.company, "Beispiel GmbH")
	test.Type(s.domain, "beispiel.lan")
	test.Type(s.password, "Sonnen-Blume-2026")
	test.Type(s.repeat, "Sonnen-Blume-2026")
	test.Tap(s.next)
	if !hasText(w.Canvas(), "Backup password") {
		t.Error("the generated backup password is not shown")
	}
	tmpl := sh.screens["template"].(*TemplateScreen)
	if sh.current != "template" || tmpl.planSteps == 0 {
		t.Fatalf("after the setup: screen %q, %d plan steps (%s)", sh.current, tmpl.planSteps, tmpl.status.Text)
	}
	if tmpl.secrets["domain_admin"] != "Sonnen-Blume-2026" {
		t.Error("the plan was asked without the administrator password")
	}
}
