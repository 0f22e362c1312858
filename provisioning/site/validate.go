package site

import (
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // time zone names are checked without the host's tzdata
	"unicode/utf8"
)

// Limits on free-text fields, in characters. They reach config files and
// LDAP attributes.
const (
	MaxSiteNameLen    = 128
	MaxNameFieldLen   = 64 // given_name, surname
	MaxDescriptionLen = 256
	MaxAliasFanOut    = 1000
)

// Validate checks every rule of the template format on s and returns all
// problems, sorted by position. It needs no secrets (see CheckSecrets). For a
// parsed site the problems carry file, line and column; for a site built in
// memory they carry the model path only.
func (s *Site) Validate() Problems {
	v := &validator{s: s, file: s.Source.File, pos: s.pos}
	v.site()
	v.directory()
	v.groups()
	v.users()
	v.shares()
	v.mail()
	v.addresses()
	v.backup()
	v.probs.Sort()
	return v.probs
}

type validator struct {
	s     *Site
	file  string
	pos   map[string]Pos
	probs Problems
}

// at finds the position of path, or of its closest written parent.
func (v *validator) at(path string) Pos {
	for p := path; p != ""; p = parentPath(p) {
		if pos, ok := v.pos[p]; ok {
			return pos
		}
	}
	return v.pos[""]
}

func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

func (v *validator) written(path string) bool {
	_, ok := v.pos[path]
	return ok
}

func (v *validator) add(path, msg, hint string) {
	p := v.at(path)
	v.probs = append(v.probs, Problem{File: v.file, Line: p.Line, Col: p.Col, Path: path, Message: msg, Hint: hint})
}

// where formats the position of path for "first defined at" messages.
func (v *validator) where(path string) string {
	p := v.at(path)
	return formatPos(v.file, p.Line, p.Col, path)
}

// required reports a missing or empty required value at path.
func (v *validator) required(path string, empty bool, hint string) bool {
	if !empty {
		return true
	}
	if v.written(path) {
		v.add(path, path+" must not be empty", hint)
	} else {
		v.add(path, msgMissing(path[strings.LastIndexAny(path, ".]")+1:]), hint)
	}
	return false
}

// text checks a free-text field: no control characters, at most max characters.
func (v *validator) text(path, what, s string, max int) {
	if hasControl(s) {
		v.add(path, what+" contains control characters or line breaks", hintControl)
	}
	if n := utf8.RuneCountInString(s); n > max {
		v.add(path, fmt.Sprintf("%s is %d characters long, the limit is %d", what, n, max), "shorten it")
	}
}

// seen tracks names for duplicate detection.
type seen map[string]string // key → path of first occurrence

func (v *validator) dup(m seen, key, path, what, name string) bool {
	if first, ok := m[key]; ok {
		v.add(path, msgDuplicate(what, name, v.where(first)), "remove or rename one of them")
		return true
	}
	m[key] = path
	return false
}

// section reports a missing required section once, instead of each of its
// keys, for a parsed site.
func (v *validator) section(key, hint string) bool {
	if v.pos == nil || v.written(key) {
		return true
	}
	v.add(key, msgMissing(key), hint)
	return false
}

func (v *validator) site() {
	in := v.s.Site
	if !v.section("site", "add site: with name, domain and workgroup; "+hintSeeDocs) {
		return
	}
	if v.required("site.name", strings.TrimSpace(in.Name) == "", "add name: with the client's display name under site") {
		v.text("site.name", "site name", in.Name, MaxSiteNameLen)
	}
	if v.required("site.domain", in.Domain == "", "add domain: such as mueller-partner.example under site") && !ValidDomain(in.Domain) {
		v.add("site.domain", fmt.Sprintf("domain %q is not a valid DNS name", in.Domain),
			"use a lower-case DNS name with at least two labels, such as mueller-partner.example")
	}
	if in.Realm != "" && (len(in.Realm) > 253 || !realmRE.MatchString(in.Realm) || allDigitsTLD(in.Realm)) {
		v.add("site.realm", fmt.Sprintf("realm %q is not an upper-case DNS name", in.Realm),
			"use upper case such as AD.MUELLER-PARTNER.EXAMPLE, or leave realm out for the default")
	}
	if v.required("site.workgroup", in.Workgroup == "", "add workgroup: a NetBIOS name such as MUELLER under site") {
		switch {
		case !workgroupRE.MatchString(in.Workgroup):
			v.add("site.workgroup", fmt.Sprintf("workgroup %q is not a valid NetBIOS name", in.Workgroup),
				"use 1 to 15 of A-Z, 0-9 and -, in upper case")
		case in.Workgroup == firstLabel(v.s.RealmName()):
			v.add("site.workgroup", fmt.Sprintf("workgroup %q equals the first label of the realm %q", in.Workgroup, v.s.RealmName()),
				"Samba refuses this; choose another workgroup such as the company's short name")
		}
	}
	if in.Timezone != "" {
		if _, err := time.LoadLocation(in.Timezone); err != nil || in.Timezone == "Local" || hasControl(in.Timezone) {
			v.add("site.timezone", fmt.Sprintf("unknown time zone %q", in.Timezone),
				"use an IANA name such as Europe/Berlin (timedatectl list-timezones lists them)")
		}
	}
}

func firstLabel(dns string) string {
	l, _, _ := strings.Cut(dns, ".")
	return l
}

func (v *validator) secret(path string, r SecretRef, required bool, hint string) {
	if r == "" {
		if required {
			v.required(path, true, hint)
		}
		return
	}
	if _, ok := r.Name(); ok {
		return
	}
	if strings.HasPrefix(string(r), "${secret:") && strings.HasSuffix(string(r), "}") {
		v.add(path, "secret reference has an invalid name", hintSecretName)
		return
	}
	v.add(path, msgInlineSecret, hintInline)
}

func (v *validator) directory() {
	d := v.s.Directory
	if !v.section("directory", "add directory: with admin_password: ${secret:domain_admin}") {
		return
	}
	v.secret("directory.admin_password", d.AdminPassword, true, "add admin_password: ${secret:domain_admin} under directory")
	pp := d.PasswordPolicy
	if (pp.MinLength != 0 || v.written("directory.password_policy.min_length")) && (pp.MinLength < 7 || pp.MinLength > 128) {
		v.add("directory.password_policy.min_length", fmt.Sprintf("min_length %d is out of range", pp.MinLength),
			fmt.Sprintf("use 7 to 128; leave it out for the default %d", DefaultMinPasswordLength))
	}
	if pp.MaxAgeDays < 0 || pp.MaxAgeDays > 999 {
		v.add("directory.password_policy.max_age_days", fmt.Sprintf("max_age_days %d is out of range", pp.MaxAgeDays),
			"use 0 (passwords never expire) to 999")
	}
}

func (v *validator) groups() {
	names := seen{}
	for i, g := range v.s.Groups {
		p := joinIndex("groups", i)
		np := p + ".name"
		if v.required(np, g.Name == "", "give every group a name") {
			switch {
			case reservedGroups[strings.ToLower(g.Name)]:
				v.add(np, fmt.Sprintf("group name %q is reserved", g.Name), "choose another name; built-in and system groups cannot be managed by a template")
			case !groupRE.MatchString(g.Name):
				v.add(np, fmt.Sprintf("group name %q is not valid", g.Name), "use 1 to 64 of a-z, 0-9, '.', '_' and '-', starting with a letter")
			default:
				v.dup(names, strings.ToLower(g.Name), np, "group", g.Name)
			}
		}
		v.text(p+".description", "group description", g.Description, MaxDescriptionLen)
	}
}

func (v *validator) groupIndex() map[string]bool {
	m := make(map[string]bool, len(v.s.Groups))
	for _, g := range v.s.Groups {
		m[g.Name] = true
	}
	return m
}

// groupRefs checks a list of group references.
func (v *validator) groupRefs(path string, refs []string, groups map[string]bool) {
	inList := seen{}
	for j, name := range refs {
		rp := joinIndex(path, j)
		if !groups[name] {
			hint := "define it under groups, or remove it here"
			if s := suggestName(name, v.s.Groups); s != "" {
				hint = hintDidYouMean(s)
			}
			v.add(rp, msgUnknownGroup(name), hint)
			continue
		}
		v.dup(inList, name, rp, "group reference", name)
	}
}

func suggestName(name string, groups []Group) string {
	keys := make([]string, len(groups))
	for i, g := range groups {
		keys[i] = g.Name
	}
	return suggest(name, keys)
}

func (v *validator) users() {
	groups := v.groupIndex()
	groupNames := seen{}
	for i, g := range v.s.Groups {
		groupNames[strings.ToLower(g.Name)] = joinIndex("groups", i) + ".name"
	}
	names := seen{}
	for i, u := range v.s.Users {
		p := joinIndex("users", i)
		np := p + ".username"
		if v.required(np, u.Username == "", "give every user a username") {
			switch {
			case !usernameRE.MatchString(u.Username):
				v.add(np, fmt.Sprintf("username %q is not valid", u.Username), "use 1 to 20 of a-z, 0-9, '.', '_' and '-', starting with a letter")
			case reservedUsers[u.Username]:
				v.add(np, fmt.Sprintf("username %q is reserved", u.Username), "choose another username; built-in and system accounts cannot be managed by a template")
			case !v.dup(names, u.Username, np, "user", u.Username):
				if first, ok := groupNames[u.Username]; ok {
					v.add(np, fmt.Sprintf("username %q is also a group name (group defined at %s)", u.Username, v.where(first)),
						"AD account names are unique across users and groups; rename one of them")
				}
			}
		}
		v.text(p+".given_name", "given name", u.GivenName, MaxNameFieldLen)
		v.text(p+".surname", "surname", u.Surname, MaxNameFieldLen)
		v.groupRefs(p+".groups", u.Groups, groups)
		v.secret(p+".password", u.Password, !u.Disabled, "add password: ${secret:"+secretSuggestion(u.Username)+"} with the initial password in the secrets file")
		if u.Email != "" {
			v.address(p+".email", u.Email, "email")
		}
		if len(u.Aliases) > 0 && v.s.Mail == nil {
			v.add(p+".aliases", "user aliases need a mail section", "add mail: with domains, or remove the aliases")
		}
		for j, a := range u.Aliases {
			v.address(joinIndex(p+".aliases", j), a, "alias")
		}
	}
}

func secretSuggestion(username string) string {
	if secretNameRE.MatchString(username) {
		return username
	}
	return "NAME"
}

// address checks a mail address written in the template.
func (v *validator) address(path, addr, what string) {
	if !ValidEmail(addr) {
		hint := "use a lower-case address such as anna@example.com"
		if strings.ToLower(addr) != addr && ValidEmail(strings.ToLower(addr)) {
			hint = "write it in lower case"
		}
		v.add(path, fmt.Sprintf("%s %q is not a valid mail address", what, addr), hint)
		return
	}
	v.inMailDomain(path, addr, what)
}

func (v *validator) inMailDomain(path, addr, what string) {
	m := v.s.Mail
	if m == nil || len(m.Domains) == 0 {
		return // a mail section without domains is reported once, by mail()
	}
	_, dom, _ := strings.Cut(addr, "@")
	for _, d := range m.Domains {
		if d == dom {
			return
		}
	}
	v.add(path, fmt.Sprintf("%s %q is not in a mail domain", what, addr), fmt.Sprintf("add %s to mail.domains or use an address in %s", dom, strings.Join(m.Domains, ", ")))
}

func (v *validator) mail() {
	m := v.s.Mail
	if m == nil {
		return
	}
	if len(m.Domains) == 0 {
		v.required("mail.domains", true, "list at least one mail domain, such as the site domain")
	}
	doms := seen{}
	for i, d := range m.Domains {
		p := joinIndex("mail.domains", i)
		if !ValidDomain(d) {
			v.add(p, fmt.Sprintf("mail domain %q is not a valid DNS name", d), "use a lower-case DNS name such as mueller-partner.example")
			continue
		}
		v.dup(doms, d, p, "mail domain", d)
	}
	if m.MailboxQuotaMB < 0 {
		v.add("mail.mailbox_quota_mb", "mailbox_quota_mb must not be negative", "use 0 for unlimited mailboxes")
	}
	for i, a := range m.Aliases {
		p := joinIndex("mail.aliases", i)
		if v.required(p+".address", a.Address == "", "give every alias an address") {
			v.address(p+".address", a.Address, "alias")
		}
		if len(a.To) == 0 {
			v.required(p+".to", true, "list the usernames or addresses this alias delivers to")
		}
		targets := seen{}
		for j, t := range a.To {
			tp := joinIndex(p+".to", j)
			if strings.Contains(t, "@") {
				if !ValidEmail(t) {
					v.add(tp, fmt.Sprintf("alias target %q is not a valid mail address", t), "use a username or a lower-case address")
					continue
				}
			} else if _, ok := v.s.FindUser(t); !ok {
				v.add(tp, fmt.Sprintf("alias target %q is not a user", t), "use the username of a user defined under users, or a full address")
				continue
			}
			v.dup(targets, t, tp, "alias target", t)
		}
	}
	v.aliasGraph()
}

// addresses checks that every address (user emails, defaults included, user
// aliases and site aliases) is defined once.
func (v *validator) addresses() {
	all := seen{}
	users := map[string]bool{}
	domainOK := ValidDomain(v.s.Site.Domain)
	for i, u := range v.s.Users {
		p := joinIndex("users", i)
		dupUser := users[u.Username]
		users[u.Username] = true
		if u.Username != "" && usernameRE.MatchString(u.Username) && !dupUser && (u.Email != "" || domainOK) {
			ep := p + ".email"
			addr := v.s.UserEmail(u)
			if u.Email == "" {
				ep = p + ".username"
				if !ValidEmail(addr) {
					v.add(ep, fmt.Sprintf("default address %q is not a valid mail address", addr), "set email: for this user")
				} else {
					v.inMailDomain(ep, addr, "default address")
				}
			}
			if addr != "" {
				v.dup(all, strings.ToLower(addr), ep, "address", addr)
			}
		}
		for j, a := range u.Aliases {
			v.dup(all, strings.ToLower(a), joinIndex(p+".aliases", j), "address", a)
		}
	}
	if v.s.Mail != nil {
		for i, a := range v.s.Mail.Aliases {
			if a.Address != "" {
				v.dup(all, strings.ToLower(a.Address), joinIndex("mail.aliases", i)+".address", "address", a.Address)
			}
		}
	}
}
