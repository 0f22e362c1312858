// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // time zone names are checked without the host's tzdata
	"unicode/utf8"

	"github.com/posse-project/posse/rules"
)

// Limits on free-text fields, in characters. They reach config files and
// LDAP attributes.
const (
	// MaxSiteNameLen limits site.name.
	MaxSiteNameLen = 128
	// MaxNameFieldLen limits given_name and surname.
	MaxNameFieldLen = 64
	// MaxDescriptionLen limits group and share descriptions.
	MaxDescriptionLen = 256
	// MaxAliasFanOut is the most targets one mail alias may expand to,
	// counting repeats; more is an alias bomb.
	MaxAliasFanOut = 1000
)

// Validate checks every rule of the template format on s and returns all
// problems, sorted by position. It needs no secrets (see CheckSecrets). For a
// parsed site the problems carry file, line and column; for a site built in
// memory they carry the model path only.
func (s *Site) Validate() Problems {
	v := &validator{s: s, file: s.Source.File, pos: s.pos}
	v.site()
	v.directory()
	v.servers()
	v.groups()
	v.users()
	v.kinds()
	v.admins()
	v.shares()
	v.mail()
	v.groupMail()
	v.dkim()
	v.relay()
	v.collect()
	v.addresses()
	v.backup()
	v.copies()
	v.verify()
	v.snapshots()
	v.updates()
	v.notify()
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
	v.probs = append(v.probs, Problem{File: v.fileOf(p), Line: p.Line, Col: p.Col, Path: path, Message: msg, Hint: hint})
}

// where formats the position of path for "first defined at" messages.
func (v *validator) where(path string) string {
	p := v.at(path)
	return formatPos(v.fileOf(p), p.Line, p.Col, path)
}

// fileOf names the file p is in: a fragment's, or the template's.
func (v *validator) fileOf(p Pos) string {
	if p.File != "" {
		return p.File
	}
	return v.file
}

// required reports a missing or empty required value at path.
func (v *validator) required(path string, empty bool, hint string) bool {
	if !empty {
		return true
	}
	if v.written(path) {
		v.add(path, path+errMustNotBeEmpty, hint)
	} else {
		v.add(path, msgMissing(path[strings.LastIndexAny(path, ".]")+1:]), hint)
	}
	return false
}

// text checks a free-text field: no control characters, at most max characters.
func (v *validator) text(path, what, s string, max int) {
	if hasControl(s) {
		v.add(path, what+errTextControl, hintControl)
	}
	if n := utf8.RuneCountInString(s); n > max {
		v.add(path, fmt.Sprintf(errTextTooLong, what, n, max), hintShorten)
	}
}

// seen tracks names for duplicate detection.
type seen map[string]string // key → path of first occurrence

func (v *validator) dup(m seen, key, path, what, name string) bool {
	if first, ok := m[key]; ok {
		v.add(path, msgDuplicate(what, name, v.where(first)), hintRemoveOrRename)
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
	if !v.section("site", hintAddSite+hintSeeDocs) {
		return
	}
	if v.required("site.name", strings.TrimSpace(in.Name) == "", hintAddSiteName) {
		v.text("site.name", "site name", in.Name, MaxSiteNameLen)
	}
	if v.required("site.domain", in.Domain == "", hintAddDomain) && !ValidDomain(in.Domain) {
		v.add("site.domain", fmt.Sprintf(errDomainInvalid, in.Domain),
			hintDomain)
	}
	if in.Realm != "" && (len(in.Realm) > 253 || !realmRE.MatchString(in.Realm) || rules.AllDigitsTLD(in.Realm)) {
		v.add("site.realm", fmt.Sprintf(errRealmInvalid, in.Realm),
			hintRealm)
	}
	if v.required("site.workgroup", in.Workgroup == "", hintAddWorkgroup) {
		switch {
		case !workgroupRE.MatchString(in.Workgroup):
			v.add("site.workgroup", fmt.Sprintf(errWorkgroupInvalid, in.Workgroup),
				hintWorkgroup)
		case in.Workgroup == firstLabel(v.s.RealmName()):
			v.add("site.workgroup", fmt.Sprintf(errWorkgroupIsRealmLabel, in.Workgroup, v.s.RealmName()),
				hintWorkgroupIsRealmLabel)
		}
	}
	if in.Timezone != "" {
		// The grammar first: LoadLocation would also open names such as
		// "Europe//Berlin" or "localtime" from the host's zoneinfo.
		if !TimezoneNameOK(in.Timezone) || !loadsAsZone(in.Timezone) {
			v.add("site.timezone", fmt.Sprintf(errTimezoneUnknown, in.Timezone),
				hintTimezone)
		}
	}
}

func loadsAsZone(name string) bool {
	_, err := time.LoadLocation(name)
	return err == nil
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
		v.add(path, errSecretRefBadName, hintSecretName)
		return
	}
	v.add(path, msgInlineSecret, hintInline)
}

func (v *validator) directory() {
	d := v.s.Directory
	if !v.section("directory", hintAddDirectory) {
		return
	}
	v.secret("directory.admin_password", d.AdminPassword, true, hintAddAdminPassword)
	pp := d.PasswordPolicy
	if (pp.MinLength != 0 || v.written("directory.password_policy.min_length")) && (pp.MinLength < 7 || pp.MinLength > 128) {
		v.add("directory.password_policy.min_length", fmt.Sprintf(errMinLengthRange, pp.MinLength),
			fmt.Sprintf(hintMinLength, DefaultMinPasswordLength))
	}
	if pp.MaxAgeDays < 0 || pp.MaxAgeDays > 999 {
		v.add("directory.password_policy.max_age_days", fmt.Sprintf(errMaxAgeRange, pp.MaxAgeDays),
			hintMaxAge)
	}
}

func (v *validator) groups() {
	names := seen{}
	for i, g := range v.s.Groups {
		p := joinIndex("groups", i)
		np := p + ".name"
		if v.required(np, g.Name == "", hintGroupName) {
			if msg, hint := groupNameProblem(g.Name); msg != "" {
				v.add(np, msg, hint)
			} else {
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
		if name == rules.EveryoneGroup && !groups[name] {
			v.add(rp, errEveryoneMember, hintEveryoneMember)
			continue
		}
		if !groups[name] {
			hint := hintDefineGroup
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
		if v.required(np, u.Username == "", hintUsername) {
			if msg, hint := rules.UsernameProblem(u.Username); msg != "" {
				v.add(np, msg, hint)
			} else if !v.dup(names, u.Username, np, "user", u.Username) {
				if first, ok := groupNames[u.Username]; ok {
					v.add(np, fmt.Sprintf(errUserIsGroup, u.Username, v.where(first)),
						hintUserIsGroup)
				}
				if sh, ok := v.s.homeShareClash(u.Username); ok {
					v.add(np, fmt.Sprintf(errUsernameIsShare, u.Username, sh), hintUsernameIsShare)
				}
			}
		}
		v.text(p+".given_name", "given name", u.GivenName, MaxNameFieldLen)
		v.text(p+".surname", "surname", u.Surname, MaxNameFieldLen)
		v.groupRefs(p+".groups", u.Groups, groups)
		// Optional: a user created without one gets a random password that
		// the plan announces (hand out one with possectl users
		// set-password), and an exported template, which never holds
		// passwords, plans on its own box.
		v.secret(p+".password", u.Password, false, hintAddUserPassword(secretSuggestion(u.Username)))
		if u.Email != "" {
			v.userAddress(p+".email", u.Email, "email")
		}
		if len(u.Aliases) > 0 && v.s.Mail == nil {
			v.add(p+".aliases", errUserAliasesNeedMail, hintUserAliasesNeedMail)
		}
		for j, a := range u.Aliases {
			v.userAddress(joinIndex(p+".aliases", j), a, "alias")
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
func (v *validator) address(path, addr, what string) bool {
	if !ValidEmail(addr) {
		v.add(path, fmt.Sprintf(errAddressInvalid, what, addr), addressHint(addr))
		return false
	}
	v.inMailDomain(path, addr, what)
	return true
}

// userAddress checks a user's email or alias: an address, and not one of
// the service addresses that only site aliases may define.
func (v *validator) userAddress(path, addr, what string) {
	if v.address(path, addr, what) && IsServiceAddress(addr) {
		v.add(path, fmt.Sprintf(errServiceAddress, what, addr), hintServiceAddress)
	}
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
	v.add(path, fmt.Sprintf(errNotInMailDomain, what, addr), fmt.Sprintf(hintNotInMailDomain, dom, strings.Join(m.Domains, ", ")))
}

func (v *validator) mail() {
	m := v.s.Mail
	if m == nil {
		return
	}
	if len(m.Domains) == 0 {
		v.required("mail.domains", true, hintMailDomains)
	}
	doms := seen{}
	for i, d := range m.Domains {
		p := joinIndex("mail.domains", i)
		if !ValidDomain(d) {
			v.add(p, fmt.Sprintf(errMailDomainInvalid, d), hintMailDomain)
			continue
		}
		v.dup(doms, d, p, "mail domain", d)
	}
	if m.MailboxQuotaMB < 0 {
		v.add("mail.mailbox_quota_mb", errQuotaNegative, hintQuota)
	}
	users := make(map[string]bool, len(v.s.Users))
	for _, u := range v.s.Users {
		users[u.Username] = true
	}
	for i, a := range m.Aliases {
		p := joinIndex("mail.aliases", i)
		if v.required(p+".address", a.Address == "", hintAliasAddress) {
			v.address(p+".address", a.Address, "alias")
		}
		if len(a.To) == 0 {
			v.required(p+".to", true, hintAliasTo)
		}
		targets := seen{}
		toGroup, allGood := false, true
		for j, t := range a.To {
			_, isUser := users[t]
			tp := joinIndex(p+".to", j)
			if strings.Contains(t, "@") {
				if !ValidEmail(t) {
					v.add(tp, fmt.Sprintf(errAliasTargetInvalid, t), hintAliasTargetInvalid)
					allGood = false
					continue
				}
				_, g := v.s.groupByMail()[t]
				toGroup = toGroup || g
			} else if v.s.isGroupTarget(t) {
				toGroup = true
			} else if !isUser {
				v.add(tp, fmt.Sprintf(errAliasTargetNotUser, t), v.aliasTargetHint(t))
				allGood = false
				continue
			}
			v.dup(targets, t, tp, "alias target", t)
		}
		// A group without a member who receives mail leaves an alias
		// that names only such groups without anyone to deliver to.
		if toGroup && allGood && a.Address != "" && len(v.s.AliasTargets(a.Address)) == 0 {
			v.add(p+".to", fmt.Sprintf(errAliasNobody, a.Address), hintGroupMailNobody)
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
		if u.Username != "" && usernameRE.MatchString(u.Username) && !dupUser && !u.IsService() && (u.Email != "" || domainOK) {
			ep := p + ".email"
			addr := v.s.UserEmail(u)
			if u.Email == "" {
				ep = p + ".username"
				if !ValidEmail(addr) {
					v.add(ep, fmt.Sprintf(errDefaultAddressInvalid, addr), hintSetEmail)
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
	for i, g := range v.s.Groups {
		if g.Mail != "" {
			v.dup(all, strings.ToLower(g.Mail), joinIndex("groups", i)+".mail", "address", g.Mail)
		}
	}
}

// aliasTargetHint suggests the user or group a mistyped alias target
// may mean.
func (v *validator) aliasTargetHint(t string) string {
	names := []string{rules.EveryoneGroup}
	for _, u := range v.s.Users {
		names = append(names, u.Username)
	}
	for _, g := range v.s.Groups {
		names = append(names, g.Name)
	}
	if s := suggest(t, names); s != "" {
		return hintDidYouMean(s)
	}
	return hintAliasTargetNotUser
}
