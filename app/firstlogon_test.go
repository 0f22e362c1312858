// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"testing"

	"fyne.io/fyne/v2/test"
	"github.com/posse-project/posse/daemon/api"
)

// TestKeepInitialPassword: a user who has not chosen a password yet says
// so, and the office manager lets the initial password stand (after a
// confirmation), which possed is asked to do and the panel then shows.
func TestKeepInitialPassword(t *testing.T) {
	f := newFake(12)
	if err := f.CreateUser(t.Context(), api.User{Username: "lena.weiss", GivenName: "Lena", Surname: "Weiß", Groups: []string{"alle"}}, "Tokam-Rubel-47", true); err != nil {
		t.Fatal(err)
	}
	s, w := usersScreen(t, f)
	s.Select("lena.weiss")
	if !hasText(w.Canvas(), tr("active; has not chosen their own password yet (mail says \"Login denied\" until then)")) {
		t.Fatal("the panel does not say the user has not chosen a password")
	}
	test.Tap(button(t, w.Canvas(), tr("Let the initial password stand")))
	test.Tap(button(t, w.Canvas(), tr("Keep password")))
	u, err := f.User(t.Context(), "lena.weiss")
	if err != nil || u.MustChangePassword {
		t.Fatalf("after keeping the password: %+v, %v", u, err)
	}
	if hasText(w.Canvas(), tr("Let the initial password stand")) || !hasText(w.Canvas(), tr("active")) {
		t.Error("the panel still offers to keep the password")
	}
}
