// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/internal/sheet"
	"github.com/posse-project/posse/rules"
)

// writePrivatePDF creates path (0600, never over a file or through a
// link) with data, a document that holds passwords.
func writePrivatePDF(path string, data []byte) error {
	f, _, err := fsutil.OpenPrivate(path, false)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s exists: give a new file name, or delete the old sheet first", path)
	}
	if err != nil {
		return fmt.Errorf("cannot write the password sheet: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("cannot write the password sheet to %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("cannot write the password sheet to %s: %w", path, err)
	}
	return f.Close()
}

// checkSheetPath refuses a --sheet file that exists before anything is
// changed, so a user is not created or a password reset with nowhere to
// hand the password to.
func checkSheetPath(path string) error {
	if path == "" {
		return nil
	}
	if _, err := os.Lstat(path); err == nil {
		return usageError{fmt.Errorf("--sheet %s exists: give a new file name, or delete the old sheet first", path)}
	}
	return nil
}

// userSheetInput is what the box says a person's sheet holds: the logon
// name, the shares their groups reach, the home folder, the site's
// password rules and mail, as the app's sheet says it.
func userSheetInput(ctx context.Context, be usersBackend, username, password string, mustChange bool) (sheet.Input, error) {
	u, err := be.User(ctx, username)
	if err != nil {
		return sheet.Input{}, usersError(err)
	}
	lg, err := be.Logon(ctx, username)
	if err != nil {
		return sheet.Input{}, usersError(err)
	}
	host := ""
	if st, err := be.Status(ctx); err == nil {
		host, _, _ = strings.Cut(strings.ToLower(st.Hostname), ".")
	}
	name := u.DisplayName
	if name == "" {
		name = strings.TrimSpace(u.GivenName + " " + u.Surname)
	}
	if name == "" {
		name = u.Username
	}
	in := sheet.Input{Name: name, Logon: lg.Workgroup + `\` + u.Username, Password: password, MustChange: mustChange,
		Server: host, Policy: &rules.PasswordPolicy{MinLength: int(lg.MinPasswordLength), Complexity: lg.PasswordComplexity}}
	unc := func(share string) string {
		if host == "" {
			return share
		}
		return `\\` + host + `\` + share
	}
	for _, sh := range lg.Shares {
		in.Folders = append(in.Folders, sheet.Folder{Path: unc(sh.Name), Write: sh.Write})
	}
	if lg.HomeDrive != "" && host != "" {
		in.Home = unc(u.Username)
	}
	if u.Email != "" {
		in.Email = u.Email
		if host != "" && lg.DNSDomain != "" {
			in.MailHost = host + "." + lg.DNSDomain
		}
	}
	return in, nil
}

// writeUserSheet writes one person's password sheet as a PDF to path.
func writeUserSheet(ctx context.Context, be usersBackend, path, username, password string, mustChange bool) error {
	in, err := userSheetInput(ctx, be, username, password, mustChange)
	if err != nil {
		return fmt.Errorf("the password was set, but the sheet could not be made: %w", err)
	}
	data, err := sheet.PDF([]sheet.Sheet{sheet.Build(in, sheet.English)}, "Posse: "+username)
	if err != nil {
		return err
	}
	return writePrivatePDF(path, data)
}

// sheetWritten reports the sheet written to path, or err.
func sheetWritten(c interface{ OutOrStdout() io.Writer }, err error, path string) error {
	if err != nil {
		return err
	}
	fmt.Fprintf(c.OutOrStdout(), "wrote the password sheet to %s (mode 0600)\n", path)
	return nil
}
