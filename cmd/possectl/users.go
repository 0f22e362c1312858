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
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/internal/printable"
	"github.com/posse-project/posse/provisioning"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/directory"
	"github.com/spf13/cobra"
)

// usersFlags say how to reach the local domain controller.
type usersFlags struct {
	secrets     string
	site        string
	adminSecret string
	addr        string
	stateDir    string
	// applied is the site open found (the applied one, or --site), nil
	// when there is none.
	applied *site.Site
}

func (f *usersFlags) register(c *cobra.Command) {
	p := c.PersistentFlags()
	p.StringVar(&f.secrets, "secrets", "", "secrets file (mode 0600) with the domain admin password; default: POSSE_SECRET_<NAME> variables")
	p.StringVar(&f.site, "site", "", "site template, for the realm and the admin password's secret name (default: the realm in smb.conf)")
	p.StringVar(&f.adminSecret, "admin-secret", "domain_admin", "name of the secret holding the domain admin password (without --site)")
	p.StringVar(&f.addr, "addr", "127.0.0.1:636", "LDAPS address of the domain controller")
	p.StringVar(&f.stateDir, "state-dir", host.DefaultStateDir, "Posse's state directory (holds tls/ca.crt)")
}

// open connects to the directory as the domain admin.
func (f *usersFlags) open(ctx context.Context) (directory.Directory, *site.Site, error) {
	env := &host.Env{Root: "/", StateDir: f.stateDir}
	var store *site.Store
	var err error
	var st *site.Site
	if f.secrets == "" && f.site == "" {
		// On a box with an applied site, use it and the secrets it keeps.
		if applied, kept, aerr := provisioning.LoadApplied(env); aerr == nil {
			st, store = applied, kept
		}
	}
	switch {
	case store != nil: // the applied site's
	case f.secrets != "":
		store, err = site.LoadSecrets(f.secrets)
		if err != nil {
			return nil, nil, err
		}
	default:
		store = site.EnvSecrets()
	}
	env.Secrets = store
	conn := directory.ConnSpec{AdminSecret: f.adminSecret, Addr: f.addr}
	if st != nil || f.site != "" {
		if st == nil {
			st, err = site.Load(f.site)
			if err != nil {
				return nil, nil, err
			}
		}
		conn.Realm = strings.ToUpper(st.RealmName())
		if name, ok := st.Directory.AdminPassword.Name(); ok {
			conn.AdminSecret = name
		}
	} else {
		conn.Realm, err = directory.ProvisionedRealm(env)
		if err != nil {
			return nil, nil, err
		}
		if conn.Realm == "" {
			return nil, nil, errors.New("this box is not a domain controller yet: apply a site first, or pass --site FILE and --addr HOST:636")
		}
	}
	hn, _ := os.Hostname()
	hn, _, _ = strings.Cut(strings.ToLower(hn), ".")
	conn.FQDN = hn + "." + directory.DNSDomain(conn.Realm)
	d, err := directory.OpenEnv(ctx, env, conn)
	return d, st, err
}

// connect returns a client of possed for a users command, or nil with
// --direct, when the command talks to the local DC itself.
func (f *usersFlags) connect(c *cobra.Command) (*client.Client, error) {
	isDirect, err := direct()
	if err != nil || isDirect {
		return nil, err
	}
	ignoredWithoutDirect(c, "secrets", "site", "admin-secret", "addr", "state-dir")
	return dial(c.Context())
}

// run calls viaDaemon with a client of possed, or with --direct viaLDAP
// with an LDAPS session to the local DC as the domain admin.
func (f *usersFlags) run(c *cobra.Command, viaDaemon func(*client.Client) error, viaLDAP func(directory.Directory) error) error {
	cl, err := f.connect(c)
	if err != nil {
		return err
	}
	if cl != nil {
		defer cl.Close()
		return viaDaemon(cl)
	}
	d, st, err := f.open(c.Context())
	if err != nil {
		return err
	}
	f.applied = st
	defer d.Close()
	return viaLDAP(d)
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
		return nil, usageError{errors.New("generated passwords need --passwords-out FILE (they are never printed)")}
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
// passwords file; minLength says how long it must be at least. The file is
// opened first, so a refused file stops the command before anything
// changes. done writes the password once it is set; abort closes the file
// otherwise (removing it if this run created it) and does nothing after
// done.
func newPassword(c *cobra.Command, username string, fromStdin bool, out passwordsOut, minLength func(context.Context) (int, error)) (pw string, done func() error, abort func(), err error) {
	if fromStdin {
		pw, err := readPassword(c.InOrStdin())
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

// policyLength is the minimum length of the directory's password policy.
func policyLength(d directory.Directory) func(context.Context) (int, error) {
	return func(ctx context.Context) (int, error) {
		pol, err := d.Policy(ctx)
		return pol.MinLength, err
	}
}

// fixedLength is for possed, which checks the policy itself.
func fixedLength(context.Context) (int, error) { return generatedLength, nil }

func userArg(args []string) (string, error) {
	name := strings.ToLower(args[0])
	if err := site.UsernameError(name); err != nil {
		return "", err
	}
	return name, nil
}

func init() {
	var f usersFlags
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
			return f.run(c, func(cl *client.Client) error {
				us, err := cl.Users(c.Context(), "")
				if err != nil {
					return usersError(err)
				}
				return printUsers(c.OutOrStdout(), us, asJSON)
			}, func(d directory.Directory) error {
				us, err := d.Users(c.Context())
				if err != nil {
					return err
				}
				return printDirectoryUsers(c.OutOrStdout(), us, asJSON)
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
			return f.run(c, func(cl *client.Client) error {
				u, err := cl.User(c.Context(), name)
				if err != nil {
					return usersError(err)
				}
				if showJSON {
					return printJSON(out, u)
				}
				return printUser(out, userFields{u.Username, u.DisplayName, u.GivenName, u.Surname, u.Email, u.Aliases, u.Groups, u.Disabled, false}, nil)
			}, func(d directory.Directory) error {
				u, ok, err := d.User(c.Context(), name)
				if err != nil {
					return err
				}
				if !ok {
					return fmt.Errorf("no user %s in the directory: run 'possectl users list'", name)
				}
				if showJSON {
					return printJSON(out, u)
				}
				var home [][2]string
				if u.HomeDirectory != "" {
					home = append(home, [2]string{"home", strings.TrimSpace(u.HomeDrive + " " + u.HomeDirectory)})
				}
				if u.Origin != "" {
					home = append(home, [2]string{"created by", u.Origin})
				}
				return printUser(out, userFields{u.Username, u.DisplayName, u.GivenName, u.Surname, u.Email, u.Aliases, u.Groups, u.Disabled, u.Builtin}, home)
			})
		},
	}

	show.Flags().BoolVar(&showJSON, "json", false, "print JSON")

	var add struct {
		given, surname, email string
		groups, aliases       []string
		stdin, keep, disabled bool
		passwordsOut          passwordsOut
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
			return f.run(c, func(cl *client.Client) error {
				pw, done, abort, err := newPassword(c, name, add.stdin, add.passwordsOut, fixedLength)
				if err != nil {
					return err
				}
				defer abort()
				u := api.User{Username: name, GivenName: add.given, Surname: add.surname, Email: strings.ToLower(add.email),
					Aliases: add.aliases, Groups: add.groups, Disabled: add.disabled}
				if err := cl.CreateUser(c.Context(), u, pw, !add.keep); err != nil {
					return usersError(err)
				}
				return created(done)
			}, func(d directory.Directory) error {
				pw, done, abort, err := newPassword(c, name, add.stdin, add.passwordsOut, policyLength(d))
				if err != nil {
					return err
				}
				defer abort()
				u := directory.User{Username: name, GivenName: add.given, Surname: add.surname, Email: strings.ToLower(add.email),
					Aliases: add.aliases, Disabled: add.disabled}
				taken, err := directory.ReadTaken(c.Context(), d, f.applied)
				if err != nil {
					return err
				}
				if err := taken.CheckNewUser(u); err != nil {
					return err
				}
				if err := d.EnsureOU(c.Context()); err != nil {
					return err
				}
				if err := d.CreateUser(c.Context(), u, pw, !add.keep); err != nil {
					return err
				}
				for _, g := range add.groups {
					if err := d.AddMember(c.Context(), g, name); err != nil {
						return err
					}
				}
				return created(done)
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

	var setpw struct {
		stdin, keep  bool
		passwordsOut passwordsOut
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
			reset := func(minLength func(context.Context) (int, error), set func(pw string) error) error {
				pw, done, abort, err := newPassword(c, name, setpw.stdin, setpw.passwordsOut, minLength)
				if err != nil {
					return err
				}
				defer abort()
				if err := set(pw); err != nil {
					return err
				}
				fmt.Fprintf(c.OutOrStdout(), "password of %s reset\n", name)
				return done()
			}
			return f.run(c, func(cl *client.Client) error {
				return reset(fixedLength, func(pw string) error {
					return usersError(cl.SetPassword(c.Context(), name, pw, !setpw.keep))
				})
			}, func(d directory.Directory) error {
				return reset(policyLength(d), func(pw string) error {
					return d.SetPassword(c.Context(), name, pw, !setpw.keep)
				})
			})
		},
	}
	setPassword.Flags().BoolVar(&setpw.stdin, "password-stdin", false, "read the new password from the first line of stdin")
	setpw.passwordsOut.flags(setPassword, "write the generated password")
	setPassword.Flags().BoolVar(&setpw.keep, "no-must-change", false, "do not force a password change at next logon")

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
				err = f.run(c, func(cl *client.Client) error {
					toggle := cl.EnableUser
					if disabled {
						toggle = cl.DisableUser
					}
					return usersError(toggle(c.Context(), name))
				}, func(d directory.Directory) error {
					return d.UpdateUser(c.Context(), name, directory.UserUpdate{Disabled: &disabled})
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
			err = f.run(c, func(cl *client.Client) error {
				return usersError(cl.DeleteUser(c.Context(), name))
			}, func(d directory.Directory) error {
				return d.DeleteUser(c.Context(), name)
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
			if isDirect, err := direct(); err != nil {
				return err
			} else if !isDirect {
				if err := notDirect(c, "no-must-change"); err != nil {
					return err
				}
				ignoredWithoutDirect(c, "workers", "domain")
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
			cl, err := f.connect(c)
			if err != nil {
				return err
			}
			if cl != nil {
				defer cl.Close()
				return daemonImport(c, cl, args[0], in, pwFile, imp.passwordsOut.path, imp.dryRun)
			}
			d, st, err := f.open(c.Context())
			if err != nil {
				return err
			}
			defer d.Close()
			domain := imp.domain
			if domain == "" && st != nil {
				domain = st.Site.Domain
			}
			pol, err := d.Policy(c.Context())
			if err != nil {
				return err
			}
			if err := d.EnsureOU(c.Context()); err != nil {
				return err
			}
			opts := directory.ImportOptions{Domain: domain, Policy: pol, MustChange: !imp.keep, Workers: imp.workers, DryRun: imp.dryRun, Site: st}
			// One connection per worker: Samba serves a connection in one process.
			for i := 1; i < imp.workers && i < 16 && !imp.dryRun; i++ {
				extra, _, err := f.open(c.Context())
				if err != nil {
					return err
				}
				defer extra.Close()
				opts.Sessions = append(opts.Sessions, extra)
			}
			if len(opts.Sessions) > 0 {
				opts.Sessions = append(opts.Sessions, d)
			}
			if pwFile != nil {
				opts.Passwords = pwFile
			}
			rep, err := directory.Import(c.Context(), d, in, opts)
			out := c.OutOrStdout()
			for _, b := range rep.Bad {
				fmt.Fprintf(c.ErrOrStderr(), "%s:%s\n", args[0], printable.String(b.String()))
			}
			verb := "created"
			if imp.dryRun {
				verb = "would create"
			}
			fmt.Fprintf(out, "%s %d users, skipped %d existing, rejected %d rows\n", verb, len(rep.Created), len(rep.Skipped), len(rep.Bad))
			if err != nil {
				return err
			}
			if len(rep.Created) > 0 && !imp.dryRun {
				fmt.Fprintf(out, "passwords written to %s\n", imp.passwordsOut.path)
			}
			if len(rep.Bad) > 0 {
				return fmt.Errorf("%d rows were rejected: fix them and run the import again (existing users are skipped)", len(rep.Bad))
			}
			return nil
		},
	}
	imp.passwordsOut.flags(importCmd, "write username,password lines (required)")
	importCmd.Flags().BoolVar(&imp.dryRun, "dry-run", false, "check the file against the directory, create nothing")
	importCmd.Flags().IntVar(&imp.workers, "workers", 1, "with --direct: users created in parallel (Samba serialises writes; more is rarely faster)")
	importCmd.Flags().StringVar(&imp.domain, "domain", "", "with --direct: mail domain for rows without email (default: the site's domain; possed always uses it)")
	importCmd.Flags().BoolVar(&imp.keep, "no-must-change", false, "with --direct: do not force a password change at first logon")

	ca := &cobra.Command{
		Use:   "ca",
		Short: "Print the site CA certificate (PEM) that clients use to trust LDAPS (on the box itself)",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			if connFlags.host != "" {
				return usageError{errors.New("users ca reads this machine's files: run it on the box, or copy /var/lib/posse/tls/ca.crt from it")}
			}
			env := &host.Env{Root: "/", StateDir: f.stateDir}
			b, err := os.ReadFile(env.State(directory.TLSDir, directory.CACertFile))
			if err != nil {
				return fmt.Errorf("reading the site CA: %w (apply a site first)", err)
			}
			_, err = c.OutOrStdout().Write(b)
			return err
		},
	}

	users.AddCommand(list, show, addCmd, setPassword,
		toggle("disable", "Disable a user's account", true),
		toggle("enable", "Enable a user's account", false),
		del, importCmd, ca)
	rootCmd.AddCommand(users)
}

// printDirectoryUsers prints users read from the directory with --direct
// as a table or JSON.
func printDirectoryUsers(out io.Writer, us []directory.User, asJSON bool) error {
	if asJSON {
		return printJSON(out, us)
	}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "USERNAME\tNAME\tEMAIL\tGROUPS\tSTATE")
	for _, u := range us {
		state := "enabled"
		if u.Disabled {
			state = "disabled"
		}
		if u.Builtin {
			state += ",built-in"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", printable.String(u.Username), printable.String(u.DisplayName), printable.String(u.Email),
			printable.String(strings.Join(u.Groups, ",")), state)
	}
	return w.Flush()
}

// userFields is what users show prints of a user, from possed or the
// directory.
type userFields struct {
	username, displayName, given, surname, email string
	aliases, groups                              []string
	disabled, builtin                            bool
}

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
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	for _, kv := range append([][2]string{
		{"username", u.username},
		{"name", name},
		{"email", u.email},
		{"aliases", strings.Join(u.aliases, ", ")},
		{"groups", strings.Join(u.groups, ", ")},
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
		name := u.DisplayName
		if name == "" {
			name = strings.TrimSpace(u.GivenName + " " + u.Surname)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", printable.String(u.Username), printable.String(name), printable.String(u.Email),
			printable.String(strings.Join(u.Groups, ",")), state)
	}
	return tw.Flush()
}

// daemonImport has possed import the CSV and writes the passwords it
// generated to the passwords file (pw is nil in a dry run).
func daemonImport(c *cobra.Command, cl *client.Client, file string, in io.Reader, pw *passwordsFile, pwPath string, dryRun bool) error {
	csv, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	r, err := cl.ImportUsers(c.Context(), csv, dryRun)
	if err != nil {
		return usersError(err)
	}
	for _, p := range r.Problems {
		fmt.Fprintf(c.ErrOrStderr(), "%s:%s\n", file, printable.String(p))
	}
	var werr error
	if pw != nil {
		for i, line := range r.Passwords {
			if werr == nil {
				_, werr = fmt.Fprintln(pw, line)
			}
			r.Passwords[i] = ""
		}
		if werr == nil {
			werr = pw.Sync()
		}
	}
	verb := "created"
	if dryRun {
		verb = "would create"
	}
	out := c.OutOrStdout()
	fmt.Fprintf(out, "%s %d users, skipped %d existing, rejected %d rows\n", verb, len(r.Created), len(r.Skipped), len(r.Problems))
	if werr != nil {
		return fmt.Errorf("the users were created, but writing their passwords to %s failed: %w; reset them with 'possectl users set-password'", pwPath, werr)
	}
	if len(r.Created) > 0 && !dryRun {
		fmt.Fprintf(out, "passwords written to %s\n", pwPath)
	}
	if len(r.Problems) > 0 {
		return fmt.Errorf("%d rows were rejected: fix them and run the import again (existing users are skipped)", len(r.Problems))
	}
	return nil
}
