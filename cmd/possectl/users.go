// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/daemon/api"
	possed "github.com/posse-project/posse/daemon/box"
	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/internal/printable"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/spf13/cobra"
)

// usersFlags are the users commands' flags of the in-process path.
type usersFlags struct {
	secrets     string
	site        string
	adminSecret string
	addr        string
	stateDir    string
}

func (f *usersFlags) register(c *cobra.Command) {
	p := c.PersistentFlags()
	p.StringVar(&f.secrets, "secrets", "", "no longer used: possed's backend takes the domain admin password the box kept")
	p.StringVar(&f.site, "site", "", "no longer used: possed's backend uses the site applied on the box")
	p.StringVar(&f.adminSecret, "admin-secret", "domain_admin", "no longer used: possed's backend uses the site applied on the box")
	p.StringVar(&f.addr, "addr", "127.0.0.1:636", "no longer used: possed's backend uses the site applied on the box")
	p.StringVar(&f.stateDir, "state-dir", host.DefaultStateDir, "with --direct: Posse's state directory (holds the applied site and tls/ca.crt)")
	for _, name := range []string{"secrets", "site", "admin-secret", "addr"} {
		p.MarkHidden(name)
	}
}

// usersBackend is the part of possed's backend the users commands call:
// possed through its client, or with --direct the backend itself in this
// process, so both do the same (a user's mail address, home folder and
// groups, the site's password policy).
type usersBackend interface {
	Users(ctx context.Context, query string) ([]api.User, error)
	User(ctx context.Context, username string) (api.User, error)
	Logon(ctx context.Context, username string) (api.LogonInfo, error)
	Status(ctx context.Context) (api.Status, error)
	CreateUser(ctx context.Context, u api.User, password string, mustChange bool) error
	SetPassword(ctx context.Context, username, password string, mustChange bool) error
	SetDisabled(ctx context.Context, username string, disabled bool) error
	UpdateUser(ctx context.Context, username string, up daemon.UserUpdate) error
	DeleteUser(ctx context.Context, username string) error
	ImportUsers(ctx context.Context, csv []byte, dryRun bool) (api.ImportResult, error)
}

var (
	_ usersBackend = possedUsers{}
	_ usersBackend = (*possed.Box)(nil)
)

// possedUsers is possed's client as a usersBackend.
type possedUsers struct{ *client.Client }

func (p possedUsers) SetDisabled(ctx context.Context, username string, disabled bool) error {
	if disabled {
		return p.DisableUser(ctx, username)
	}
	return p.EnableUser(ctx, username)
}

// run calls fn with possed's client, or with --direct with possed's
// backend in this process (root on the box). The backend's background
// work, a home folder sync for the users created or deleted, is finished
// before run returns.
func (f *usersFlags) run(c *cobra.Command, fn func(usersBackend) error) error {
	isDirect, err := direct()
	if err != nil {
		return err
	}
	if n := changedFlags(c, "secrets", "site", "admin-secret", "addr"); n != "" {
		fmt.Fprintf(c.ErrOrStderr(), "possectl: note: %s no longer count: possed's backend, also with --direct, uses the site applied on the box and the secrets it kept\n", n)
	}
	if !isDirect {
		ignoredWithoutDirect(c, "state-dir")
		cl, err := dial(c.Context())
		if err != nil {
			return err
		}
		defer cl.Close()
		return fn(possedUsers{cl})
	}
	b, closeBox, err := localBox("")
	if err != nil {
		return err
	}
	defer closeBox()
	b.StateDir = f.stateDir
	err = fn(b)
	if serr := b.Close(); err == nil && serr != nil {
		err = fmt.Errorf("done, but the home folder sync failed: %w; apply the site again to make the folders", serr)
	}
	return err
}

// changedFlags lists the flags of names that are set, as "--a, --b".
func changedFlags(c *cobra.Command, names ...string) string {
	var set []string
	for _, n := range names {
		if c.Flags().Changed(n) {
			set = append(set, "--"+n)
		}
	}
	return strings.Join(set, ", ")
}

// usersError explains possed's refusals of user management.
func usersError(err error) error {
	return daemonError(err, "manage users", groupOffice)
}

// generatedLength is the length of passwords possectl generates for
// possed, above every policy's minimum Posse templates use.
const generatedLength = 20

// passwordsFile is the --passwords-out file generated passwords go to.
type passwordsFile struct {
	*os.File
	path    string
	created bool  // this run created it
	written int64 // bytes written
}

// Write counts what goes into the file.
func (p *passwordsFile) Write(b []byte) (int, error) {
	n, err := p.File.Write(b)
	p.written += int64(n)
	return n, err
}

// Close closes the file and removes it when this run created it and wrote
// nothing (the command failed before a password was made, or an import
// created nobody), so running the command again does not find it in the way.
func (p *passwordsFile) Close() error {
	err := p.File.Close()
	if p.created && p.written == 0 {
		os.Remove(p.path)
	}
	return err
}

// openPasswordsFile opens the file for generated passwords with
// fsutil.OpenPrivate: a new file is created 0600 without following links;
// an existing one is refused unless appendOK (--append), and then only a
// regular file of the caller's with mode 0600.
func openPasswordsFile(path string, appendOK bool) (*passwordsFile, error) {
	if path == "" {
		return nil, usageError{errors.New("generated passwords need --passwords-out FILE or --sheet FILE.pdf (they are never printed)")}
	}
	f, created, err := fsutil.OpenPrivate(path, appendOK)
	var npe *fsutil.NotPrivateError
	switch {
	case errors.Is(err, fs.ErrExist):
		return nil, fmt.Errorf("%s exists already: choose a new file for the passwords, or pass --append to add them to it (it must be your own file with mode 0600)", path)
	case errors.As(err, &npe):
		return nil, fmt.Errorf("passwords file refused: %w", err)
	case err != nil:
		return nil, fmt.Errorf("cannot create the passwords file: %w", err)
	}
	return &passwordsFile{File: f, path: path, created: created}, nil
}

// readPassword reads one line from stdin.
func readPassword(in io.Reader) (string, error) {
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errors.New("no password on stdin")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// passwordsOut is where generated passwords go: --passwords-out FILE, and
// --append to add to an existing file.
type passwordsOut struct {
	path   string
	append bool
}

func (o *passwordsOut) flags(c *cobra.Command, what string) {
	c.Flags().StringVar(&o.path, "passwords-out", "", what+" to this new file (created 0600; an existing file needs --append)")
	c.Flags().BoolVar(&o.append, "append", false, "add to an existing --passwords-out file (it must be your own regular file with mode 0600)")
}

// newPassword takes a password from stdin or generates one into the
// passwords file, or, with a --sheet and no --passwords-out, for the
// sheet alone; minLength says how long it must be at least. The file is
// opened first, so a refused file stops the command before anything
// changes. done writes the password once it is set; abort closes the file
// otherwise (removing it if this run created it) and does nothing after
// done.
func newPassword(c *cobra.Command, username string, fromStdin bool, out passwordsOut, sheet string, minLength func(context.Context) (int, error)) (pw string, done func() error, abort func(), err error) {
	if fromStdin {
		pw, err := readPassword(c.InOrStdin())
		return pw, func() error { return nil }, func() {}, err
	}
	if out.path == "" && sheet != "" {
		n, err := minLength(c.Context())
		if err == nil {
			pw, err = site.GeneratePassword(site.PasswordPolicy{MinLength: n, Complexity: true}, username)
		}
		return pw, func() error { return nil }, func() {}, err
	}
	f, err := openPasswordsFile(out.path, out.append)
	if err != nil {
		return "", nil, nil, err
	}
	closed := false
	abort = func() {
		if !closed {
			closed = true
			f.Close()
		}
	}
	n, err := minLength(c.Context())
	if err == nil {
		pw, err = site.GeneratePassword(site.PasswordPolicy{MinLength: n, Complexity: true}, username)
	}
	if err != nil {
		abort()
		return "", nil, nil, err
	}
	return pw, func() error {
		_, err := fmt.Fprintf(f, "%s,%s\n", username, pw)
		closed = true
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			fmt.Fprintf(c.OutOrStdout(), "password of %s written to %s\n", username, out.path)
		}
		return err
	}, abort, nil
}

// fixedLength is the length of generated passwords: possed's backend
// checks the site's policy itself.
func fixedLength(context.Context) (int, error) { return generatedLength, nil }

func userArg(args []string) (string, error) {
	name := strings.ToLower(args[0])
	if err := site.UsernameError(name); err != nil {
		return "", err
	}
	return name, nil
}

// theUsersFlags are the users command's flags, shared by its subcommands
// (also those registered in other files).
var theUsersFlags usersFlags

func init() {
	f := &theUsersFlags
	users := &cobra.Command{
		Use:   "users",
		Short: "Manage the domain's users on the box (through possed)",
		Long: `Manage the users of the box's Samba AD domain through possed on the box (this
one, or --host): members of posse-office and posse-admin may, polkit decides.
Passwords go to possed as call arguments; generated ones are written to the
0600 file --passwords-out and never printed.
The site template stays the source of truth: the next apply puts template
users back as the template says; users added here are reported by plan as
not in the template.

With --direct (root on the box) possectl talks LDAPS to the local DC itself
as the domain admin (password from the applied site, --secrets FILE or
POSSE_SECRET_DOMAIN_ADMIN); --secrets, --site, --admin-secret, --addr and
--state-dir only count then.`,
	}
	f.register(users)

	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List users",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			return f.run(c, func(be usersBackend) error {
				us, err := be.Users(c.Context(), "")
				if err != nil {
					return usersError(err)
				}
				return printUsers(c.OutOrStdout(), us, asJSON)
			})
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	var showJSON bool
	show := &cobra.Command{
		Use:   "show USERNAME",
		Short: "Show one user",
		Args:  exactArgs(1, "a username"),
		RunE: func(c *cobra.Command, args []string) error {
			name, err := userArg(args)
			if err != nil {
				return err
			}
			out := c.OutOrStdout()
			return f.run(c, func(be usersBackend) error {
				u, err := be.User(c.Context(), name)
				if err != nil {
					return usersError(err)
				}
				if showJSON {
					return printJSON(out, u)
				}
				return printUser(out, userFields{u.Username, u.DisplayName, u.GivenName, u.Surname, u.Email, u.Aliases, u.Groups, u.Disabled, false, u.MustChangePassword, u.Kind, u.Admin}, nil)
			})
		},
	}

	show.Flags().BoolVar(&showJSON, "json", false, "print JSON")

	var add struct {
		given, surname, email string
		groups, aliases       []string
		stdin, keep, disabled bool
		passwordsOut          passwordsOut
		sheet                 string
	}
	addCmd := &cobra.Command{
		Use:   "add USERNAME",
		Short: "Create a user (password from stdin with --password-stdin, else generated into --passwords-out)",
		Args:  exactArgs(1, "a username"),
		RunE: func(c *cobra.Command, args []string) error {
			name, err := userArg(args)
			if err != nil {
				return err
			}
			// The site's rules, as possed checks them; the rules that need
			// the directory come below (--direct) or in possed.
			if add.email != "" {
				if err := site.UserAddressError("email", strings.ToLower(add.email)); err != nil {
					return err
				}
			}
			for i, a := range add.aliases {
				add.aliases[i] = strings.ToLower(a)
				if err := site.UserAddressError("alias", add.aliases[i]); err != nil {
					return err
				}
			}
			for _, tf := range []struct{ what, v string }{{"given name", add.given}, {"surname", add.surname}} {
				if err := site.TextError(tf.what, tf.v, site.MaxNameFieldLen); err != nil {
					return err
				}
			}
			for _, g := range add.groups {
				if err := site.GroupNameError(g); err != nil {
					return err
				}
			}
			created := func(done func() error) error {
				fmt.Fprintf(c.OutOrStdout(), "created user %s\n", name)
				return done()
			}
			if err := checkSheetPath(add.sheet); err != nil {
				return err
			}
			return f.run(c, func(be usersBackend) error {
				pw, done, abort, err := newPassword(c, name, add.stdin, add.passwordsOut, add.sheet, fixedLength)
				if err != nil {
					return err
				}
				defer abort()
				u := api.User{Username: name, GivenName: add.given, Surname: add.surname, Email: strings.ToLower(add.email),
					Aliases: add.aliases, Groups: add.groups, Disabled: add.disabled}
				if err := be.CreateUser(c.Context(), u, pw, !add.keep); err != nil {
					return usersError(err)
				}
				if err := created(done); err != nil || add.sheet == "" {
					return err
				}
				return sheetWritten(c, writeUserSheet(c.Context(), be, add.sheet, name, pw, !add.keep), add.sheet)
			})
		},
	}
	addCmd.Flags().StringVar(&add.given, "given-name", "", "given name")
	addCmd.Flags().StringVar(&add.surname, "surname", "", "surname")
	addCmd.Flags().StringVar(&add.email, "email", "", "mail address")
	addCmd.Flags().StringSliceVar(&add.groups, "group", nil, "group to join (repeatable)")
	addCmd.Flags().StringSliceVar(&add.aliases, "alias", nil, "extra mail address (repeatable)")
	addCmd.Flags().BoolVar(&add.stdin, "password-stdin", false, "read the initial password from the first line of stdin")
	add.passwordsOut.flags(addCmd, "write the generated password")
	addCmd.Flags().BoolVar(&add.keep, "no-must-change", false, "do not force a password change at first logon")
	addCmd.Flags().BoolVar(&add.disabled, "disabled", false, "create the account disabled")
	addCmd.Flags().StringVar(&add.sheet, "sheet", "", "also write the person's password sheet as a PDF `FILE` (created 0600)")

	var setpw struct {
		stdin, keep  bool
		passwordsOut passwordsOut
		sheet        string
	}
	setPassword := &cobra.Command{
		Use:   "set-password USERNAME",
		Short: "Reset a password (from stdin with --password-stdin, else generated into --passwords-out); the user must change it at next logon",
		Args:  exactArgs(1, "a username"),
		RunE: func(c *cobra.Command, args []string) error {
			name, err := userArg(args)
			if err != nil {
				return err
			}
			if err := checkSheetPath(setpw.sheet); err != nil {
				return err
			}
			return f.run(c, func(be usersBackend) error {
				pw, done, abort, err := newPassword(c, name, setpw.stdin, setpw.passwordsOut, setpw.sheet, fixedLength)
				if err != nil {
					return err
				}
				defer abort()
				if err := usersError(be.SetPassword(c.Context(), name, pw, !setpw.keep)); err != nil {
					return err
				}
				fmt.Fprintf(c.OutOrStdout(), "password of %s reset\n", name)
				if err := done(); err != nil || setpw.sheet == "" {
					return err
				}
				return sheetWritten(c, writeUserSheet(c.Context(), be, setpw.sheet, name, pw, !setpw.keep), setpw.sheet)
			})
		},
	}
	setPassword.Flags().BoolVar(&setpw.stdin, "password-stdin", false, "read the new password from the first line of stdin")
	setpw.passwordsOut.flags(setPassword, "write the generated password")
	setPassword.Flags().BoolVar(&setpw.keep, "no-must-change", false, "do not force a password change at next logon")
	setPassword.Flags().StringVar(&setpw.sheet, "sheet", "", "also write the person's password sheet as a PDF `FILE` (created 0600)")

	toggle := func(use, short string, disabled bool) *cobra.Command {
		return &cobra.Command{
			Use:   use + " USERNAME",
			Short: short,
			Args:  exactArgs(1, "a username"),
			RunE: func(c *cobra.Command, args []string) error {
				name, err := userArg(args)
				if err != nil {
					return err
				}
				err = f.run(c, func(be usersBackend) error {
					return usersError(be.SetDisabled(c.Context(), name, disabled))
				})
				if err != nil {
					return err
				}
				fmt.Fprintf(c.OutOrStdout(), "%sd user %s\n", use, name)
				return nil
			},
		}
	}

	var yes bool
	del := &cobra.Command{
		Use:   "delete USERNAME",
		Short: "Delete a user (needs --yes)",
		Args:  exactArgs(1, "a username"),
		RunE: func(c *cobra.Command, args []string) error {
			name, err := userArg(args)
			if err != nil {
				return err
			}
			if !yes {
				return usageError{fmt.Errorf("deleting %s cannot be undone: pass --yes", name)}
			}
			err = f.run(c, func(be usersBackend) error {
				return usersError(be.DeleteUser(c.Context(), name))
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(c.OutOrStdout(), "deleted user %s\n", name)
			return nil
		},
	}
	del.Flags().BoolVar(&yes, "yes", false, "really delete")

	var imp struct {
		passwordsOut passwordsOut
		dryRun       bool
		workers      int
		domain       string
		keep         bool
	}
	importCmd := &cobra.Command{
		Use:   "import FILE.csv",
		Short: "Create users from a CSV file (username,given_name,surname,email,groups); passwords go to --passwords-out",
		Long: `Create users from a CSV file with a header line and the columns username,
given_name, surname, email, groups (groups separated by ';'; they must exist).
Bad rows are reported with their line numbers; the others are created with
generated passwords that are written to the new 0600 file --passwords-out
as username,password lines and never printed. Users that exist are skipped,
so an interrupted import can simply be run again (with --append to add to
the same passwords file).`,
		Args: exactArgs(1, "a CSV file"),
		RunE: func(c *cobra.Command, args []string) error {
			if c.Flags().Changed("no-must-change") {
				return usageError{errors.New("--no-must-change is not supported by import: possed's backend makes every imported user choose a password at first logon")}
			}
			if n := changedFlags(c, "workers", "domain"); n != "" {
				fmt.Fprintf(c.ErrOrStderr(), "possectl: note: %s no longer count: possed's backend, also with --direct, uses the site's domain and creates the users one by one\n", n)
			}
			in, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer in.Close()
			var pwFile *passwordsFile
			if !imp.dryRun {
				if pwFile, err = openPasswordsFile(imp.passwordsOut.path, imp.passwordsOut.append); err != nil {
					return err
				}
				defer pwFile.Close()
			}
			return f.run(c, func(be usersBackend) error {
				return daemonImport(c, be, args[0], in, pwFile, imp.passwordsOut.path, imp.dryRun)
			})
		},
	}
	imp.passwordsOut.flags(importCmd, "write username,password lines (required)")
	importCmd.Flags().BoolVar(&imp.dryRun, "dry-run", false, "check the file against the directory, create nothing")
	importCmd.Flags().IntVar(&imp.workers, "workers", 1, "no longer used")
	importCmd.Flags().StringVar(&imp.domain, "domain", "", "no longer used: rows without email get an address in the site's domain")
	importCmd.Flags().BoolVar(&imp.keep, "no-must-change", false, "not supported: imported users always choose a password at first logon")
	for _, name := range []string{"workers", "domain", "no-must-change"} {
		importCmd.Flags().MarkHidden(name)
	}

	ca := &cobra.Command{
		Use:   "ca",
		Short: "Print the site CA certificate (PEM) that clients use to trust LDAPS (on the box itself)",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			if connFlags.host != "" {
				return usageError{errors.New("users ca reads this machine's files: run it on the box, or copy /var/lib/posse/tls/ca.crt from it")}
			}
			b, err := (&possed.Box{StateDir: f.stateDir}).CACert()
			if err != nil {
				return fmt.Errorf("reading the site CA: %w (apply a site first)", err)
			}
			_, err = c.OutOrStdout().Write(b)
			return err
		},
	}

	users.AddCommand(list, show, logonCmd(f), addCmd, setPassword,
		toggle("disable", "Disable a user's account", true),
		toggle("enable", "Enable a user's account", false),
		del, importCmd, ca)
	rootCmd.AddCommand(users)
}

// userFields is what users show prints of a user, from possed or the
// directory.
type userFields struct {
	username, displayName, given, surname, email string
	aliases, groups                              []string
	disabled, builtin                            bool
	// mustChange: the user has not chosen their own password yet.
	mustChange bool
	// kind is person or service; admin: a member of Domain Admins.
	kind  string
	admin bool
}

// mustChangeState is how users list and show say that a user has not
// chosen their own password yet.
const mustChangeState = "new password due at first logon"

// printUser prints one user as aligned "field: value" lines, then extra,
// with control characters in values escaped.
func printUser(out io.Writer, u userFields, extra [][2]string) error {
	name := u.displayName
	if name == "" {
		name = strings.TrimSpace(u.given + " " + u.surname)
	}
	state := "enabled"
	if u.disabled {
		state = "disabled"
	}
	if u.builtin {
		state += ", built-in"
	}
	if u.mustChange {
		state += ", " + mustChangeState
	}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	for _, kv := range append([][2]string{
		{"username", u.username},
		{"name", name},
		{"email", u.email},
		{"aliases", strings.Join(u.aliases, ", ")},
		{"groups", strings.Join(u.groups, ", ")},
		{"kind", kindText(u.kind)},
		{"admin", adminText(u.admin)},
		{"state", state},
	}, extra...) {
		if kv[1] == "" {
			kv[1] = "-"
		}
		fmt.Fprintf(w, "%s:\t%s\n", kv[0], printable.String(kv[1]))
	}
	return w.Flush()
}

// printUsers prints users from possed as a table or JSON.
func printUsers(w io.Writer, us []api.User, asJSON bool) error {
	if asJSON {
		if us == nil {
			us = []api.User{}
		}
		return printJSON(w, us)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USERNAME\tNAME\tEMAIL\tGROUPS\tSTATE")
	for _, u := range us {
		state := "enabled"
		if u.Disabled {
			state = "disabled"
		}
		if u.MustChangePassword {
			state += ", " + mustChangeState
		}
		if u.Kind == site.KindService {
			state += ", service account"
		}
		if u.Admin {
			state += ", admin"
		}
		name := u.DisplayName
		if name == "" {
			name = strings.TrimSpace(u.GivenName + " " + u.Surname)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", printable.String(u.Username), printable.String(name), printable.String(u.Email),
			printable.String(strings.Join(u.Groups, ",")), state)
	}
	return tw.Flush()
}

// daemonImport has possed import the CSV in batches (client.ImportBatchSize rows
// each) and writes the passwords of each batch to the passwords file (pw
// is nil in a dry run) before the next batch starts, so an import of any
// size either finishes or says exactly which rows may have users whose
// passwords were not returned.
func daemonImport(c *cobra.Command, be usersBackend, file string, in io.Reader, pw *passwordsFile, pwPath string, dryRun bool) error {
	data, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	batches, dups, err := client.SplitImport(data, client.ImportBatchSize)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	var total api.ImportResult
	out, errOut := c.OutOrStdout(), c.ErrOrStderr()
	for _, p := range dups {
		fmt.Fprintf(errOut, "%s:%s\n", file, printable.String(p))
	}
	total.Problems = append(total.Problems, dups...)
	rows := 0
	for _, b := range batches {
		rows += b.Rows
	}
	done := 0
	for bi, b := range batches {
		r, err := be.ImportUsers(c.Context(), b.CSV, dryRun)
		if err != nil {
			if bi == 0 {
				return usersError(err)
			}
			where := fmt.Sprintf("lines %d–%d", b.FirstLine, b.LastLine)
			return fmt.Errorf("%w\nthe import stopped in %s of %s: %d users were created before, their passwords are in %s; "+
				"users of %s may exist without a password you know: run the same import again (existing users are skipped), "+
				"then reset the passwords of the users it skips from %s with 'possectl users set-password'",
				usersError(err), where, file, len(total.Created), pwPath, where, where)
		}
		for _, p := range r.Problems {
			fmt.Fprintf(errOut, "%s:%s\n", file, printable.String(client.ShiftProblem(p, b)))
		}
		if pw != nil {
			var werr error
			for i, line := range r.Passwords {
				if werr == nil {
					_, werr = fmt.Fprintln(pw, line)
				}
				r.Passwords[i] = ""
			}
			if werr == nil {
				werr = pw.Sync()
			}
			if werr != nil {
				return fmt.Errorf("the users of %s up to line %d were created, but writing their passwords to %s failed: %w; reset them with 'possectl users set-password'", file, b.LastLine, pwPath, werr)
			}
		}
		total.Created = append(total.Created, r.Created...)
		total.Skipped = append(total.Skipped, r.Skipped...)
		total.Problems = append(total.Problems, r.Problems...)
		done += b.Rows
		if len(batches) > 1 {
			fmt.Fprintf(errOut, "import: %d of %d rows (%d users created so far)\n", done, rows, len(total.Created))
		}
	}
	verb := "created"
	if dryRun {
		verb = "would create"
	}
	fmt.Fprintf(out, "%s %d users, skipped %d existing, rejected %d rows\n", verb, len(total.Created), len(total.Skipped), len(total.Problems))
	if len(total.Created) > 0 && !dryRun {
		fmt.Fprintf(out, "passwords written to %s\n", pwPath)
	}
	if len(total.Problems) > 0 {
		return fmt.Errorf("%d rows were rejected: fix them and run the import again (existing users are skipped)", len(total.Problems))
	}
	return nil
}

// kindText says what kind of account a user is, for users show.
func kindText(kind string) string {
	if kind == site.KindService {
		return "service account (no mailbox, no home folder, password never expires)"
	}
	return site.KindPerson
}

// adminText says whether a user has admin rights, for users show.
func adminText(admin bool) string {
	if admin {
		return "yes (member of Domain Admins)"
	}
	return "no"
}
