// SPDX-License-Identifier: GPL-3.0-or-later

package staff

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/posse-project/posse/provisioning/site"
)

// Options describe the site a staff list starts.
type Options struct {
	// Domain is the site's DNS and mail domain (required).
	Domain string
	// Name is the site's display name; default: the domain.
	Name string
	// Timezone is an IANA zone; empty leaves the key commented out.
	Timezone string
	// Everyone names the group every user is in; default DefaultEveryone.
	Everyone string
	// TemplateName and SecretsName are the files' names, for the comments
	// that point from one to the other; default site.yaml and
	// site.secrets.yaml.
	TemplateName string
	SecretsName  string
}

// Result is what Init makes of a staff list.
type Result struct {
	List  *List
	Staff *Staff
	// Template is the site template, Secrets the secrets file with a
	// generated password for every secret the template references.
	Template []byte
	Secrets  []byte
	// SecretNames are the names in Secrets, in file order.
	SecretNames []string
}

// Init reads a staff list (Parse), derives its users, groups and shares
// (Build) and writes a commented starting template and its secrets file.
// The template is checked with site.Parse, the secrets with
// site.CheckSecrets, before Init returns them. All problems of the list
// come back at once as site.Problems, each with file:line.
func Init(file string, data []byte, opts Options) (*Result, error) {
	if !site.ValidDomain(opts.Domain) {
		return nil, fmt.Errorf("domain %q is not a valid DNS name: use a lower-case name with at least two labels, such as mueller-partner.example", opts.Domain)
	}
	if opts.Everyone == "" {
		opts.Everyone = DefaultEveryone
	}
	if err := site.GroupNameError(opts.Everyone); err != nil {
		return nil, fmt.Errorf("the everyone group: %w", err)
	}
	if opts.Name == "" {
		opts.Name = opts.Domain
	}
	if err := site.TextError("site name", opts.Name, site.MaxSiteNameLen); err != nil {
		return nil, err
	}
	if opts.Timezone != "" {
		if _, err := time.LoadLocation(opts.Timezone); err != nil || !site.TimezoneNameOK(opts.Timezone) {
			return nil, fmt.Errorf("unknown time zone %q: use an IANA name such as Europe/Berlin", opts.Timezone)
		}
	}
	if opts.TemplateName == "" {
		opts.TemplateName = "site.yaml"
	}
	if opts.SecretsName == "" {
		opts.SecretsName = "site.secrets.yaml"
	}
	list, probs := Parse(file, data)
	if list == nil {
		return nil, probs.Err() // Parse returns no list only with a problem
	}
	st, more := Build(file, list.People, opts.Domain, opts.Everyone)
	probs = append(probs, more...)
	if len(probs) > 0 {
		return nil, probs.Err()
	}
	r := &Result{List: list, Staff: st, Template: Render(st, opts, filepath.Base(file))}
	s, err := site.Parse(opts.TemplateName, r.Template)
	if err != nil {
		return nil, fmt.Errorf("the template made from the staff list is not valid, which is a bug in possectl init (please report it with the problems):\n%w", err)
	}
	gen, err := site.GenerateMissingSecrets(s, nil)
	if err != nil {
		return nil, err
	}
	store := site.NewStore()
	for _, g := range gen {
		store.Set(g.Name, g.Value)
		r.SecretNames = append(r.SecretNames, g.Name)
	}
	if ps := site.CheckSecrets(s, store); len(ps) > 0 {
		return nil, fmt.Errorf("a generated password fails the policy, which is a bug: %w", ps)
	}
	r.Secrets = append([]byte(secretsHeader(opts)), site.FormatSecrets(gen)...)
	return r, nil
}

// Workgroup makes a NetBIOS domain name from the domain's first label: its
// part before the first hyphen when that has three characters or more
// (mueller-partner.example → MUELLER), else the label without hyphens; upper
// case, at most 15 characters. "NET" is added when it would be "AD", the
// realm's first label, which Samba refuses.
func Workgroup(domain string) string {
	first, _, _ := strings.Cut(domain, ".")
	if part, _, ok := strings.Cut(first, "-"); ok && len(part) >= 3 {
		first = part
	}
	var b strings.Builder
	for _, r := range strings.ToUpper(first) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	wg := cut(b.String(), 15)
	if wg == "" || wg == "AD" {
		wg += "NET"
	}
	return wg
}

// Render writes the starting template for st, with comments that say what
// each part is and what to change. source is the staff list's name.
func Render(st *Staff, opts Options, source string) []byte {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# Site template for %s, made by possectl init from\n", comment(opts.Name))
	w("# %s (%d people). It is a starting point: read it, change what the\n", comment(source), len(st.Users))
	w("# office needs (docs/templates.md explains every key, docs/staff-list.md\n")
	w("# how the names were made), then check it with\n")
	w("#   possectl validate %s --secrets %s\n", comment(opts.TemplateName), comment(opts.SecretsName))
	w("# The passwords are in %s (mode 0600), never in this file.\n", comment(opts.SecretsName))
	w("version: 1\n")
	w("site:\n")
	w("  name: %s\n", str(opts.Name))
	w("  domain: %s\n", opts.Domain)
	wg := Workgroup(opts.Domain)
	w("  # The Windows domain name: people may log on as %s\\username.\n", wg)
	w("  workgroup: %s\n", wg)
	if opts.Timezone != "" {
		w("  timezone: %s\n", str(opts.Timezone))
	} else {
		w("  # The box's time zone; the backup schedule runs in it.\n")
		w("  # timezone: Europe/Berlin\n")
	}
	w("directory:\n")
	w("  admin_password: ${secret:domain_admin}\n")
	w("  # AD's default policy: at least 10 characters, three of upper case, lower\n")
	w("  # case, digits and symbols, not containing the username; no expiry.\n")
	w("  password_policy: {min_length: 10, complexity: true, max_age_days: 0}\n")
	w("groups:\n")
	for i, g := range st.Groups {
		switch {
		case i == 0:
			w("  # Everybody on the staff list is in %s.\n", g.Name)
		case i == 1:
			w("  # One group per department (the staff list's department column).\n")
		}
		w("  - name: %s\n", str(g.Name))
		w("    description: %s\n", str(g.Description))
	}
	w("users:\n")
	w("  # Usernames and addresses are first.last, transliterated (ü → ue, ß → ss).\n")
	w("  # New users set their own password when they first log on; hand each one\n")
	w("  # the initial password from %s.\n", comment(opts.SecretsName))
	for _, u := range st.Users {
		w("  - username: %s  # %s:%d\n", str(u.Username), comment(source), u.Line)
		w("    given_name: %s\n", str(u.GivenName))
		w("    surname: %s\n", str(u.Surname))
		w("    email: %s\n", str(u.Email))
		w("    groups: [%s]\n", strList(u.Groups))
		w("    password: ${secret:%s}\n", u.Secret)
	}
	w("shares:\n")
	w("  # One share per group, which that group may change; add read: [GROUP]\n")
	w("  # for groups that may only read, and remove the shares the office does not\n")
	w("  # need. Deleted files stay in the share's recycle bin for 30 days.\n")
	for _, sh := range st.Shares {
		w("  - name: %s\n", str(sh.Name))
		w("    path: %s\n", str(sh.Path))
		w("    description: %s\n", str(sh.Description))
		w("    write: [%s]\n", str(sh.Group))
		w("    recycle_bin: true\n")
	}
	w("# Every user gets a private home folder, mapped as H: on Windows.\n")
	w("homes: {enabled: true}\n")
	w("mail:\n")
	w("  domains: [%s]\n", opts.Domain)
	w("  # Addresses for the office as a whole, delivered to users, such as:\n")
	if len(st.Users) > 0 {
		w("  # aliases:\n")
		w("  #   - {address: info@%s, to: [%s]}\n", opts.Domain, st.Users[0].Username)
	}
	w("backup:\n")
	w("  # A repository on the box's own disks undoes mistakes but does not survive\n")
	w("  # the box: prefer sftp:user@host:/path on another machine (docs/backup.md).\n")
	w("  repository: /srv/posse/backup\n")
	w("  # Keep a copy of this password away from the box: without it the backups\n")
	w("  # cannot be read.\n")
	w("  password: ${secret:backup}\n")
	w("  schedule: \"*-*-* 22:00\"\n")
	w("  keep: {daily: 7, weekly: 4, monthly: 12}\n")
	w("  include: [directory, shares, homes, mail]\n")
	return []byte(b.String())
}

func secretsHeader(opts Options) string {
	return fmt.Sprintf(`# Secrets for %s, made by possectl init. Only its owner may read it:
# keep it at mode 0600, and out of version control and mail.
# domain_admin is the domain Administrator's password, backup the key of the
# backup repository (keep a copy away from the box). The others are the
# users' initial passwords: each person sets their own at first logon.
`, comment(opts.TemplateName))
}

// plainRE are the strings written without quotes: names of the grammars
// Posse checks (usernames, groups, addresses, paths).
var plainRE = regexp.MustCompile(`^[a-z/][a-z0-9._@/-]*$`)

// yamlWords are plain scalars YAML reads as something other than a string.
var yamlWords = map[string]bool{"true": true, "false": true, "null": true, "yes": true, "no": true,
	"on": true, "off": true, "y": true, "n": true}

// str writes s as a YAML scalar: plain when that is safe, else double
// quoted (JSON's escapes, which YAML reads back as they are).
func str(s string) string {
	if plainRE.MatchString(s) && !yamlWords[s] {
		return s
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

func strList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = str(s)
	}
	return strings.Join(q, ", ")
}

// comment makes text safe in a comment: control characters (a line break
// would end the comment) become spaces.
func comment(s string) string {
	return strings.Map(func(r rune) rune {
		if site.HasControl(string(r)) {
			return ' '
		}
		return r
	}, s)
}
