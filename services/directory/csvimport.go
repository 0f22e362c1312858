// SPDX-License-Identifier: GPL-3.0-or-later

package directory

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/ad"
)

// ImportColumns are the columns of an import CSV; only username is required.
var ImportColumns = []string{"username", "given_name", "surname", "email", "groups"}

// ImportOptions configure Import.
type ImportOptions struct {
	// Domain is the mail domain for rows without an email (username@Domain).
	Domain string
	// Policy is what generated passwords must satisfy.
	Policy ad.Policy
	// MustChange forces new users to set their own password at first logon.
	MustChange bool
	// Passwords receives "username,password" lines for the users created,
	// one per user as soon as it exists. It must be a 0600 file; passwords
	// go nowhere else.
	Passwords io.Writer
	// Workers is how many users are created at once; default 1. Samba
	// serialises writes: on a 2-core DC, 4 parallel sessions were 2.4 times
	// slower than one.
	Workers int
	// Sessions are extra connections to the same directory; worker i uses
	// Sessions[i%len(Sessions)] (Samba serves each connection in one
	// process, so parallel connections use more cores). Empty: all use d.
	Sessions []ad.Directory
	// DryRun checks the rows against the directory without creating anyone.
	DryRun bool
	// Home, when set, gives each new user's homeDirectory (\\HOST\user)
	// and homeDrive (H:): the site enables home folders.
	Home func(username string) (homeDirectory, homeDrive string)
	// Site is the applied site, when there is one. Its rules that depend
	// on the site count for the rows too: with home folders no username
	// may be a share's name (site.(*Site).UsernameError), and the
	// addresses it hands out (template users' and site aliases,
	// site.(*Site).Addresses) are taken.
	Site *site.Site
}

// RowError is a rejected CSV row.
type RowError struct {
	Line     int    `json:"line"`
	Username string `json:"username,omitempty"`
	Reason   string `json:"reason"`
}

func (e RowError) String() string {
	if e.Username != "" {
		return fmt.Sprintf("line %d (%s): %s", e.Line, e.Username, e.Reason)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
}

// ImportReport says what Import did.
type ImportReport struct {
	Created []string   `json:"created"`
	Skipped []string   `json:"skipped"` // already in the directory
	Bad     []RowError `json:"bad"`
}

// importRow is a valid row waiting to be created.
type importRow struct {
	line int
	user ad.User
}

// maxImportRows bounds an import file.
const maxImportRows = 100_000

// Import reads users from CSV (header required, columns ImportColumns in
// any order, UTF-8 with or without BOM, groups separated by ';') and creates
// the valid rows that are not in the directory yet, with generated
// passwords written to opts.Passwords. Rows are checked with the site's
// rules, as possed checks users made one by one: names, text fields,
// groups, and addresses nobody else holds. Bad rows are reported with their
// line numbers and skipped; users that exist are reported as skipped and
// left untouched, groups included, so a failed import can be run again.
// The error is for failures that stop the import as a whole.
func Import(ctx context.Context, d ad.Directory, r io.Reader, opts ImportOptions) (ImportReport, error) {
	var rep ImportReport
	if opts.Passwords == nil && !opts.DryRun {
		return rep, errors.New("import needs a passwords output file")
	}
	rows, bad, err := parseImport(r, opts.Domain)
	if err != nil {
		return rep, err
	}
	rep.Bad = bad
	groups, err := d.Groups(ctx)
	if err != nil {
		return rep, err
	}
	users, err := d.Users(ctx)
	if err != nil {
		return rep, err
	}
	knownG := map[string]string{} // groups users may join
	for _, g := range groups {
		if !g.Builtin {
			knownG[strings.ToLower(g.Name)] = g.Name
		}
	}
	taken := NewTaken(opts.Site, users, groups)
	var todo []importRow
	for _, row := range rows {
		name := row.user.Username
		if taken.UserExists(name) {
			// Skipped means untouched: an import never changes a user
			// that exists, not even its groups.
			rep.Skipped = append(rep.Skipped, name)
			continue
		}
		bad := func(reason string) {
			rep.Bad = append(rep.Bad, RowError{Line: row.line, Username: name, Reason: reason})
		}
		// The checks of possed's Users.Create: the site's name rules, a
		// group of that name, addresses others hold (earlier rows too).
		if err := taken.CheckNewUser(row.user); err != nil {
			bad(err.Error())
			continue
		}
		var unknown []string
		for i, g := range row.user.Groups {
			if n, ok := knownG[strings.ToLower(g)]; ok {
				row.user.Groups[i] = n
			} else {
				unknown = append(unknown, g)
			}
		}
		if len(unknown) > 0 {
			bad("unknown group " + strings.Join(unknown, ", ") + " (create it in the site template first)")
			continue
		}
		taken.Add(row.user)
		row.user.Origin = ad.OriginAPI // not the template's: prune never deletes it
		if opts.Home != nil {
			row.user.HomeDirectory, row.user.HomeDrive = opts.Home(name)
		}
		todo = append(todo, row)
	}
	if opts.DryRun {
		for _, row := range todo {
			rep.Created = append(rep.Created, row.user.Username)
		}
		return rep, nil
	}
	created, bad2, err := createAll(ctx, d, todo, opts)
	rep.Created = created
	rep.Bad = append(rep.Bad, bad2...)
	slices.SortFunc(rep.Bad, func(a, b RowError) int { return a.Line - b.Line })
	return rep, err
}

// createAll creates rows with opts.Workers parallel requests, writing each
// password as soon as its user exists, then adds the new users to their
// groups, one modify per group.
func createAll(ctx context.Context, d ad.Directory, todo []importRow, opts ImportOptions) ([]string, []RowError, error) {
	workers := opts.Workers
	if workers <= 0 {
		workers = 1
	}
	var (
		mu      sync.Mutex
		created []string
		bad     []RowError
		fatal   error
		members = map[string][]string{} // group → new members
	)
	pwOut := bufio.NewWriter(opts.Passwords)
	jobs := make(chan importRow)
	var wg sync.WaitGroup
	for i := range workers {
		sess := d
		if len(opts.Sessions) > 0 {
			sess = opts.Sessions[i%len(opts.Sessions)]
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for row := range jobs {
				pw, err := site.GeneratePassword(opts.Policy.PasswordPolicy(), row.user.Username)
				if err == nil {
					err = sess.CreateUser(ctx, row.user, pw, opts.MustChange)
				}
				mu.Lock()
				switch {
				case errors.Is(err, ad.ErrExists):
					bad = append(bad, RowError{Line: row.line, Username: row.user.Username, Reason: "created by someone else meanwhile; skipped"})
				case err != nil && ctx.Err() != nil:
					if fatal == nil {
						fatal = ctx.Err()
					}
				case err != nil:
					bad = append(bad, RowError{Line: row.line, Username: row.user.Username, Reason: err.Error()})
				default:
					created = append(created, row.user.Username)
					for _, g := range row.user.Groups {
						members[g] = append(members[g], row.user.Username)
					}
					fmt.Fprintf(pwOut, "%s,%s\n", row.user.Username, pw)
					if werr := pwOut.Flush(); werr != nil && fatal == nil {
						fatal = fmt.Errorf("writing the passwords file: %w", werr)
					}
				}
				mu.Unlock()
			}
		}()
	}
	for _, row := range todo {
		mu.Lock()
		stop := fatal != nil
		mu.Unlock()
		if stop || ctx.Err() != nil {
			break
		}
		jobs <- row
	}
	close(jobs)
	wg.Wait()
	// Memberships: one modify per group for all new members.
	groups := make([]string, 0, len(members))
	for g := range members {
		groups = append(groups, g)
	}
	slices.Sort(groups)
	for _, g := range groups {
		if err := d.AddMembers(ctx, g, members[g]); err != nil && fatal == nil {
			fatal = fmt.Errorf("users were created but not all added to their groups (the import skips existing users, so add the rest to group %s in the app): %w", g, err)
		}
	}
	slices.Sort(created)
	if fatal == nil && ctx.Err() != nil {
		fatal = ctx.Err()
	}
	return created, bad, fatal
}

// parseImport reads and validates the CSV rows.
func parseImport(r io.Reader, domain string) ([]importRow, []RowError, error) {
	br := bufio.NewReader(io.LimitReader(r, 64<<20))
	if b, err := br.Peek(3); err == nil && string(b) == "\xef\xbb\xbf" {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err == io.EOF {
		return nil, nil, errors.New("the CSV file is empty: it needs a header line username,given_name,surname,email,groups")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading the CSV header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if !slices.Contains(ImportColumns, h) {
			return nil, nil, fmt.Errorf("line 1: unknown column %s: the columns are %s", quote(h), strings.Join(ImportColumns, ","))
		}
		if _, dup := col[h]; dup {
			return nil, nil, fmt.Errorf("line 1: column %s appears twice", h)
		}
		col[h] = i
	}
	if _, ok := col["username"]; !ok {
		return nil, nil, errors.New("line 1: the header has no username column: start the file with username,given_name,surname,email,groups")
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var rows []importRow
	var bad []RowError
	seen := map[string]int{}
	for n := 0; ; n++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				bad = append(bad, RowError{Line: pe.StartLine, Reason: "malformed CSV: " + pe.Err.Error()})
				if errors.Is(pe.Err, csv.ErrQuote) || errors.Is(pe.Err, csv.ErrBareQuote) {
					continue
				}
			}
			return rows, bad, fmt.Errorf("reading the CSV file: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if n >= maxImportRows {
			return nil, nil, fmt.Errorf("the CSV file has more than %d rows: split it", maxImportRows)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		if row, rerr := validateRow(rec, get, domain, line); rerr != nil {
			bad = append(bad, *rerr)
		} else if first, dup := seen[row.user.Username]; dup {
			bad = append(bad, RowError{Line: line, Username: row.user.Username, Reason: fmt.Sprintf("duplicate of line %d", first)})
		} else {
			seen[row.user.Username] = line
			rows = append(rows, row)
		}
	}
	return rows, bad, nil
}

func validateRow(rec []string, get func([]string, string) string, domain string, line int) (importRow, *RowError) {
	name := strings.ToLower(get(rec, "username"))
	if err := site.UsernameError(name); err != nil {
		return importRow{}, &RowError{Line: line, Reason: err.Error()}
	}
	if site.IsServiceAccount(name) {
		return importRow{}, &RowError{Line: line, Username: name, Reason: "names starting with " + site.ServiceAccountPrefix + " are reserved for the accounts of Posse's services: choose another username"}
	}
	// The site's rules for names, as for users made one by one through
	// possed and in templates.
	u := ad.User{Username: name, GivenName: get(rec, "given_name"), Surname: get(rec, "surname"), Email: strings.ToLower(get(rec, "email"))}
	for _, f := range []struct{ what, v string }{{"given name", u.GivenName}, {"surname", u.Surname}} {
		if err := site.TextError(f.what, f.v, site.MaxNameFieldLen); err != nil {
			return importRow{}, &RowError{Line: line, Username: name, Reason: err.Error()}
		}
	}
	if u.Email == "" && domain != "" {
		u.Email = name + "@" + domain
	}
	if u.Email != "" {
		if err := site.UserAddressError("email", u.Email); err != nil {
			return importRow{}, &RowError{Line: line, Username: name, Reason: "bad " + err.Error()}
		}
	}
	for _, g := range strings.Split(get(rec, "groups"), ";") {
		g = strings.TrimSpace(g)
		if g == "" {
			continue
		}
		if err := site.GroupNameError(strings.ToLower(g)); err != nil {
			return importRow{}, &RowError{Line: line, Username: name, Reason: err.Error()}
		}
		u.Groups = append(u.Groups, strings.ToLower(g))
	}
	u.Groups = sortedUnique(u.Groups)
	u.DisplayName = ad.DisplayName(u)
	return importRow{line: line, user: u}, nil
}
