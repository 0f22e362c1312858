// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/internal/printable"
	"github.com/posse-project/posse/provisioning/staff"
	"github.com/spf13/cobra"
)

// initFlags are possectl init's flags.
type initFlags struct {
	staffFile string
	domain    string
	name      string
	out       string
	timezone  string
	everyone  string
	force     bool
	asJSON    bool
}

// The files possectl init writes into --out.
const (
	initTemplateName = "site.yaml"
	initSecretsName  = "site.secrets.yaml"
)

func init() {
	var f initFlags
	c := &cobra.Command{
		Use:   "init --staff FILE.csv --domain DOMAIN",
		Short: "Write a starting site template and its secrets file from a staff list (CSV)",
		Long: `Write a complete, commented starting template (site.yaml) and its secrets
file (site.secrets.yaml, mode 0600, a generated password for every secret)
from a staff list exported from a spreadsheet: CSV with a header row,
separated by ',', ';' or tab, in UTF-8 (with or without BOM), UTF-16 or
Windows-1252, as Excel saves it.

Columns are found by their header, in any order and case: first name
(Vorname), last name (Nachname, Name), and optionally department
(Abteilung; several separated by ';'), email (E-Mail) and username
(Benutzername). Other columns are ignored.

Each person gets the username and address first.last, transliterated (ä →
ae, ß → ss, é → e, ł → l, ı → i, …); the second Anna Müller gets
anna.mueller2. Each department becomes a group with a share, and everyone
is in the group staff (--everyone). Every problem of the list is reported
at once as FILE:LINE. Existing files are not overwritten without --force.
The rule in full: docs/staff-list.md.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error { return runInit(c, f) },
	}
	c.Flags().StringVar(&f.staffFile, "staff", "", "the staff list, a CSV `FILE` with a header row (required)")
	c.Flags().StringVar(&f.domain, "domain", "", "the site's DNS and mail `DOMAIN`, such as mueller-partner.example (required)")
	c.Flags().StringVar(&f.name, "name", "", "the site's display `NAME` (default: the domain)")
	c.Flags().StringVar(&f.out, "out", ".", "write site.yaml and site.secrets.yaml into `DIR` (created if missing)")
	c.Flags().StringVar(&f.timezone, "timezone", "", "the box's time `ZONE`, such as Europe/Berlin (default: left out, the box keeps its own)")
	c.Flags().StringVar(&f.everyone, "everyone", staff.DefaultEveryone, "the `GROUP` every user is in")
	c.Flags().BoolVar(&f.force, "force", false, "replace site.yaml and site.secrets.yaml if they exist")
	c.Flags().BoolVar(&f.asJSON, "json", false, "print a summary as JSON (files, users, groups, shares; never a password)")
	rootCmd.AddCommand(c)
}

// initFile is a file possectl init wrote.
type initFile struct {
	Path string `json:"path"`
	Kind string `json:"kind"` // template or secrets
	Mode string `json:"mode"`
}

// initSummary is possectl init --json's output.
type initSummary struct {
	StaffList      string        `json:"staff_list"`
	Separator      string        `json:"separator"`
	Encoding       string        `json:"encoding"`
	IgnoredColumns []string      `json:"ignored_columns"`
	Files          []initFile    `json:"files"`
	Users          []staff.User  `json:"users"`
	Groups         []staff.Group `json:"groups"`
	Shares         []staff.Share `json:"shares"`
	// Secrets is how many passwords the secrets file holds (never the
	// values).
	Secrets int `json:"secrets"`
}

func runInit(c *cobra.Command, f initFlags) error {
	var missing []string
	if f.staffFile == "" {
		missing = append(missing, "--staff FILE.csv")
	}
	if f.domain == "" {
		missing = append(missing, "--domain DOMAIN")
	}
	if len(missing) > 0 {
		return usageError{fmt.Errorf("possectl init needs %s\nrun 'possectl init --help' for usage", strings.Join(missing, " and "))}
	}
	data, err := readStaffList(f.staffFile)
	if err != nil {
		return err
	}
	tmplPath := filepath.Join(f.out, initTemplateName)
	secretsPath := filepath.Join(f.out, initSecretsName)
	r, err := staff.Init(f.staffFile, data, staff.Options{
		Domain: f.domain, Name: f.name, Timezone: f.timezone, Everyone: f.everyone,
		TemplateName: initTemplateName, SecretsName: initSecretsName,
	})
	if err != nil {
		return problemsError(err, "correct the staff list and run possectl init again")
	}
	if err := writeInitFiles(tmplPath, secretsPath, r, f.force); err != nil {
		return err
	}
	sum := initSummary{
		StaffList: f.staffFile, Separator: string(r.List.Separator), Encoding: r.List.Encoding,
		IgnoredColumns: nonEmpty(r.List.Ignored),
		Files: []initFile{
			{Path: tmplPath, Kind: "template", Mode: "0644"},
			{Path: secretsPath, Kind: "secrets", Mode: "0600"},
		},
		Users: r.Staff.Users, Groups: r.Staff.Groups, Shares: r.Staff.Shares, Secrets: len(r.SecretNames),
	}
	if f.asJSON {
		return printSafeJSON(c.OutOrStdout(), sum)
	}
	printInit(c.OutOrStdout(), sum)
	return nil
}

// readStaffList reads the staff list, refusing what cannot be one.
func readStaffList(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the staff list: %w", err)
	}
	defer fh.Close()
	if fi, err := fh.Stat(); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("the staff list %s is not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(fh, staff.MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read the staff list: %w", err)
	}
	return data, nil
}

// writeInitFiles writes the template (0644) and the secrets file (0600).
// Without force both must be new: they are created exclusively, never
// through a symbolic link, and a failure removes what this run created.
// With force each replaces the old file atomically.
func writeInitFiles(tmplPath, secretsPath string, r *staff.Result, force bool) error {
	dir := filepath.Dir(tmplPath)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot create %s: %w", dir, err)
	}
	if force {
		if err := fsutil.WriteFileAtomic(secretsPath, r.Secrets, fsutil.PrivateMode, fsutil.NoID, fsutil.NoID); err != nil {
			return err
		}
		return fsutil.WriteFileAtomic(tmplPath, r.Template, 0o644, fsutil.NoID, fsutil.NoID)
	}
	var exist []string
	for _, p := range []string{tmplPath, secretsPath} {
		if _, err := os.Lstat(p); err == nil {
			exist = append(exist, p)
		}
	}
	switch len(exist) {
	case 1:
		return fmt.Errorf("%s exists already: choose another --out directory, or pass --force to replace it", exist[0])
	case 2:
		return fmt.Errorf("%s and %s exist already: choose another --out directory, or pass --force to replace them", exist[0], exist[1])
	}
	if err := createNew(secretsPath, r.Secrets, fsutil.PrivateMode); err != nil {
		return err
	}
	if err := createNew(tmplPath, r.Template, 0o644); err != nil {
		os.Remove(secretsPath)
		return err
	}
	return nil
}

// createNew writes a new file with mode, refusing one that exists (also a
// link); on failure it removes what it created.
func createNew(path string, data []byte, mode fs.FileMode) error {
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, mode)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s exists already: choose another --out directory, or pass --force to replace it", path)
	}
	if err != nil {
		return fmt.Errorf("cannot create %s: %w", path, err)
	}
	// The umask may have taken bits away; mode is what was asked.
	err = fh.Chmod(mode)
	if err == nil {
		_, err = fh.Write(data)
	}
	if err == nil {
		err = fh.Sync()
	}
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}

// printInit prints what init made: the people as a table, the files, and
// what to do next.
func printInit(w io.Writer, s initSummary) {
	sep := s.Separator
	if sep == "\t" {
		sep = "tab"
	}
	fmt.Fprintf(w, "%s: %d people (separated by %q, %s", printable.String(s.StaffList), len(s.Users), sep, s.Encoding)
	if len(s.IgnoredColumns) > 0 {
		fmt.Fprintf(w, "; columns not read: %s", printable.String(strings.Join(s.IgnoredColumns, ", ")))
	}
	fmt.Fprintln(w, ")")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LINE\tUSERNAME\tNAME\tEMAIL\tGROUPS")
	for _, u := range s.Users {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", u.Line, u.Username, printable.String(u.GivenName+" "+u.Surname), u.Email, strings.Join(u.Groups, ", "))
	}
	tw.Flush()
	fmt.Fprintf(w, "wrote %s (%d users, %d groups, %d shares) and %s (%d passwords, mode 0600)\n",
		printable.String(s.Files[0].Path), len(s.Users), len(s.Groups), len(s.Shares), printable.String(s.Files[1].Path), s.Secrets)
	fmt.Fprintf(w, "next: read %s and change what the office needs, then check it with\n  possectl validate %s --secrets %s\n",
		printable.String(s.Files[0].Path), printable.String(s.Files[0].Path), printable.String(s.Files[1].Path))
}
