// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/internal/printable"
)

// pendingFirstLogon lists the enabled users who have not chosen their own
// password yet, or nil when possed does not let the caller list users.
func pendingFirstLogon(ctx context.Context, cl *client.Client) []string {
	us, err := cl.Users(ctx, "")
	if err != nil {
		return nil
	}
	var out []string
	for _, u := range us {
		if u.MustChangePassword && !u.Disabled {
			out = append(out, u.Username)
		}
	}
	return out
}

// firstLogonLine says who must still choose a password, and what that
// means for mail, naming at most ten.
func firstLogonLine(names []string) string {
	var shown []string
	for _, n := range names[:min(len(names), 10)] {
		shown = append(shown, printable.String(n))
	}
	more := ""
	if len(names) > 10 {
		more = fmt.Sprintf(" and %d more", len(names)-10)
	}
	verb := "users have"
	if len(names) == 1 {
		verb = "user has"
	}
	return fmt.Sprintf("%d %s not chosen their own password yet: %s%s\n"+
		"  until they log on to Windows once (or change it with kpasswd), mail says only \"Login denied\";\n"+
		"  'possectl users set NAME --must-change-password=false' lets the initial password stand",
		len(names), verb, strings.Join(shown, ", "), more)
}
