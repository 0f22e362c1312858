package site

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"
)

// Backup include entries.
const (
	IncludeDirectory = "directory"
	IncludeShares    = "shares"
	IncludeHomes     = "homes"
	IncludeMail      = "mail"
)

// BackupIncludes lists the valid backup include entries.
var BackupIncludes = []string{IncludeDirectory, IncludeShares, IncludeHomes, IncludeMail}

// pathProblem returns what is wrong with an absolute path written in a
// template, or "". It rejects relative, unclean and ".." paths and
// characters that mean something in smb.conf, shells or globs.
func pathProblem(p string) string {
	switch {
	case p == "":
		return "path is empty"
	case !strings.HasPrefix(p, "/"):
		return "path is not absolute"
	case strings.Contains(p, ".."):
		return `path contains ".."`
	case filepath.Clean(p) != p:
		return "path is not clean (no trailing /, // or /./)"
	case hasControl(p):
		return "path contains control characters"
	}
	for _, seg := range strings.Split(p[1:], "/") {
		if strings.TrimSpace(seg) != seg {
			return "a path element starts or ends with a space"
		}
	}
	for _, r := range p {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("/._+@- ", r)) {
			return fmt.Sprintf("path contains %q", r)
		}
	}
	return ""
}

// inside reports whether path p is dir or below it.
func inside(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/")
}

func (v *validator) shares() {
	groups := v.groupIndex()
	names := seen{}
	paths := make([]string, len(v.s.Shares))
	for i, sh := range v.s.Shares {
		p := joinIndex("shares", i)
		np := p + ".name"
		nameOK := false
		if v.required(np, sh.Name == "", "give every share a name") {
			if msg, hint := shareNameProblem(sh.Name); msg != "" {
				v.add(np, msg, hint)
			} else {
				nameOK = true
				v.dup(names, strings.ToLower(sh.Name), np, "share", sh.Name)
			}
		}
		v.text(p+".description", "share description", sh.Description, MaxDescriptionLen)
		switch {
		case sh.Path != "":
			if msg := pathProblem(sh.Path); msg != "" {
				v.add(p+".path", fmt.Sprintf("share %s: %s", msg, quotePath(sh.Path)), hintAbsPathSrv)
			} else if !inside(sh.Path, SharesRoot) || sh.Path == SharesRoot {
				v.add(p+".path", fmt.Sprintf("share path %q is not inside %s/", sh.Path, SharesRoot), hintAbsPathSrv)
			} else {
				paths[i] = sh.Path
			}
		case nameOK:
			def := v.s.SharePath(sh)
			if msg := pathProblem(def); msg != "" {
				v.add(np, fmt.Sprintf("the default path for share %q is unusable: %s", sh.Name, msg), "set path: explicitly, such as "+DefaultSharesDir+"/name")
			} else {
				paths[i] = def
			}
		}
		if len(sh.Read) == 0 && len(sh.Write) == 0 {
			v.add(p, fmt.Sprintf("share %q grants access to no group", sh.Name), "list at least one group under read or write")
		}
		v.groupRefs(p+".read", sh.Read, groups)
		v.groupRefs(p+".write", sh.Write, groups)
		if (sh.RecycleDays != 0 || v.written(p+".recycle_days")) && (sh.RecycleDays < 1 || sh.RecycleDays > 3650) {
			v.add(p+".recycle_days", fmt.Sprintf("recycle_days %d is out of range", sh.RecycleDays),
				fmt.Sprintf("use 1 to 3650; leave it out for the default %d", DefaultRecycleDays))
		}
	}
	for i := range paths {
		for j := 0; j < i; j++ {
			if paths[i] == "" || paths[j] == "" {
				continue
			}
			pi, pj := pathOrName(v, i), pathOrName(v, j)
			switch {
			case paths[i] == paths[j]:
				v.add(pi, fmt.Sprintf("share %q uses the same path as share %q (defined at %s)", v.s.Shares[i].Name, v.s.Shares[j].Name, v.where(pj)), "give each share its own directory")
			case inside(paths[i], paths[j]) || inside(paths[j], paths[i]):
				v.add(pi, fmt.Sprintf("share %q and share %q (defined at %s) are nested: %s and %s", v.s.Shares[i].Name, v.s.Shares[j].Name, v.where(pj), paths[i], paths[j]), "shares must not lie inside each other; give each its own directory")
			}
		}
	}
}

// pathOrName is where a share's path problem is reported: at its path when
// written, else at its name (the default path comes from the name).
func pathOrName(v *validator, i int) string {
	if v.s.Shares[i].Path != "" {
		return joinIndex("shares", i) + ".path"
	}
	return joinIndex("shares", i) + ".name"
}

func quotePath(p string) string { return fmt.Sprintf("%q", p) }

var (
	sftpUserRE = regexp.MustCompile(`^[a-z_][a-z0-9._-]{0,31}$`)
	ipv4RE     = regexp.MustCompile(`^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$`)
	hostnameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$`)
)

// SFTPRepository is a parsed sftp:user@host:/path backup repository.
type SFTPRepository struct {
	User, Host, Path string
}

// ParseSFTPRepository splits and checks "sftp:user@host:/abs/path". ok is
// false when repo is not of that form or a piece is invalid.
func ParseSFTPRepository(repo string) (r SFTPRepository, ok bool) {
	rest, found := strings.CutPrefix(repo, "sftp:")
	if !found {
		return r, false
	}
	userHost, path, found := strings.Cut(rest, ":")
	if !found {
		return r, false
	}
	user, host, found := strings.Cut(userHost, "@")
	if !found || !sftpUserRE.MatchString(user) || len(host) > 253 ||
		!(ipv4RE.MatchString(host) || (hostnameRE.MatchString(host) && !allDigitsTLD(host))) ||
		pathProblem(path) != "" || path == "/" {
		return r, false
	}
	return SFTPRepository{User: user, Host: host, Path: path}, true
}

func (v *validator) backup() {
	b := v.s.Backup
	if b == nil {
		return
	}
	if v.required("backup.repository", b.Repository == "", "add repository: such as /srv/posse/backup or sftp:user@host:/path") {
		v.repository(b.Repository)
	}
	v.secret("backup.password", b.Password, true, "add password: ${secret:backup} under backup")
	if v.required("backup.schedule", b.Schedule == "", `add schedule: such as "daily" or "*-*-* 22:00"`) {
		if err := CheckOnCalendar(b.Schedule); err != nil {
			v.add("backup.schedule", fmt.Sprintf("schedule %q is not a valid OnCalendar expression: %v", b.Schedule, err), hintOnCalendar)
		}
	}
	k := b.Keep
	for _, f := range []struct {
		key string
		n   int
	}{{"daily", k.Daily}, {"weekly", k.Weekly}, {"monthly", k.Monthly}} {
		if f.n < 0 {
			v.add("backup.keep."+f.key, fmt.Sprintf("keep.%s must not be negative", f.key), "use 0 to keep none of these snapshots")
		}
	}
	if k.Daily <= 0 && k.Weekly <= 0 && k.Monthly <= 0 {
		v.add("backup.keep", "backup keeps no snapshots", "set at least one of daily, weekly, monthly above 0, such as keep: {daily: 7, weekly: 4, monthly: 12}")
	}
	if len(b.Include) == 0 {
		v.required("backup.include", true, "list what to back up: "+strings.Join(BackupIncludes, ", "))
	}
	inc := seen{}
	for i, e := range b.Include {
		p := joinIndex("backup.include", i)
		switch e {
		case IncludeDirectory, IncludeShares:
		case IncludeHomes:
			if !v.s.Homes.Enabled {
				v.add(p, "backup includes homes but homes are not enabled", "set homes: {enabled: true} or remove homes here")
			}
		case IncludeMail:
			if v.s.Mail == nil {
				v.add(p, "backup includes mail but the site has no mail section", "add mail: or remove mail here")
			}
		default:
			hint := "use " + strings.Join(BackupIncludes, ", ")
			if s := suggest(e, BackupIncludes); s != "" {
				hint = hintDidYouMean(s)
			}
			v.add(p, fmt.Sprintf("unknown backup include %q", e), hint)
			continue
		}
		v.dup(inc, e, p, "backup include", e)
	}
}

func (v *validator) repository(repo string) {
	const hint = "use an absolute local path such as /srv/posse/backup, or sftp:user@host:/absolute/path"
	if strings.HasPrefix(repo, "sftp:") {
		if _, ok := ParseSFTPRepository(repo); !ok {
			v.add("backup.repository", fmt.Sprintf("backup repository %q is not of the form sftp:user@host:/absolute/path", repo), hint)
		}
		return
	}
	if msg := pathProblem(repo); msg != "" {
		v.add("backup.repository", fmt.Sprintf("backup repository %s: %s", msg, quotePath(repo)), hint)
		return
	}
	if repo == "/" {
		v.add("backup.repository", "backup repository must not be /", hint)
		return
	}
	for i, sh := range v.s.Shares {
		sp := v.s.SharePath(sh)
		if pathProblem(sp) == "" && (inside(repo, sp) || inside(sp, repo)) {
			v.add("backup.repository", fmt.Sprintf("backup repository %s overlaps share %q (defined at %s)", repo, sh.Name, v.where(joinIndex("shares", i)+".name")),
				"keep the repository outside every share, such as /srv/posse/backup")
		}
	}
}
