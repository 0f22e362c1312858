// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/posse-project/posse/daemon/api"
)

// TestSharePermissions opens a share's permissions: the root's come from
// the template; a folder with inheritance off shows its deny entry; an
// unknown share is an error in the dialog.
func TestSharePermissions(t *testing.T) {
	sc, w := show(t, newFake(12), func(w fyne.Window, br *Bridge) screen {
		s := NewSharesScreen(w, br)
		s.Now = func() time.Time { return testNow }
		return s
	})
	s := sc.(*SharesScreen)
	sh := s.shares[1]
	s.permissions(sh)
	for _, want := range []string{"Permissions of " + sh.Name, "Set by the site template (the share's groups and deny list): the next apply puts them back.",
		"Owner: Administrator", "Inheritance is off: only the permissions set here count.", "Domain Admins", "Allow: full control", "Allow: modify"} {
		if !hasText(w.Canvas(), want) {
			t.Errorf("the share root's permissions lack %q", want)
		}
	}
	var folder *entry
	for _, o := range all(w.Canvas()) {
		if e, ok := o.(*entry); ok && e.PlaceHolder == `Mandanten\Intern` {
			folder = e
		}
	}
	if folder == nil {
		t.Fatal("no folder field")
	}
	test.Type(folder, demoClosedFolder)
	test.Tap(button(t, w.Canvas(), tr("Show")))
	for _, want := range []string{sh.Name + `\` + demoClosedFolder, "one of the share's folders", "Deny: full control"} {
		if !hasText(w.Canvas(), want) {
			t.Errorf("the closed folder's permissions lack %q", want)
		}
	}
	golden(t, "share_permissions.xml", w.Canvas())

	s.permissions(api.Share{Name: "Nirgendwo"})
	if !hasText(w.Canvas(), "share Nirgendwo does not exist") {
		t.Error("an unknown share gives no error")
	}
}
