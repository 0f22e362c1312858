// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/posse-project/posse/rules"
)

// Backup include entries.
const (
	// IncludeDirectory backs up the AD database.
	IncludeDirectory = "directory"
	// IncludeShares backs up every share's directory.
	IncludeShares = "shares"
	// IncludeHomes backs up the users' home folders.
	IncludeHomes = "homes"
	// IncludeMail backs up the mailboxes.
	IncludeMail = "mail"
)

// BackupIncludes lists the valid backup include entries.
var BackupIncludes = []string{IncludeDirectory, IncludeShares, IncludeHomes, IncludeMail}

// pathProblem returns what is wrong with an absolute path written in a
// template, or "". It rejects relative, unclean and ".." paths and
// characters that mean something in smb.conf, shells or globs.
func pathProblem(p string) string {
	switch {
	case p == "":
		return errPathEmpty
	case !strings.HasPrefix(p, "/"):
		return errPathRelative
	case strings.Contains(p, ".."):
		return errPathDotDot
	case filepath.Clean(p) != p:
		return errPathUnclean
	case hasControl(p):
		return errPathControl
	}
	for _, seg := range strings.Split(p[1:], "/") {
		if strings.TrimSpace(seg) != seg {
			return errPathSpace
		}
	}
	for _, r := range p {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("/._+@- ", r)) {
			return fmt.Sprintf(errPathChar, r)
		}
	}
	return ""
}

// FolderPathError says what is wrong with a folder path inside a share,
// or returns nil: relative, clean, no "." or ".." parts, at most
// MaxFolderPathLen bytes, the characters of share paths, and not the
// recycle bin or inside it.
func FolderPathError(p string) error {
	if msg := folderPathProblem(p); msg != "" {
		return fmt.Errorf(errFolderPath, p, msg)
	}
	return nil
}

func folderPathProblem(p string) string {
	switch {
	case p == "":
		return errPathEmpty
	case strings.HasPrefix(p, "/"):
		return errFolderPathAbsolute
	case len(p) > MaxFolderPathLen:
		return fmt.Sprintf(errFolderPathLong, MaxFolderPathLen)
	}
	segs := strings.Split(p, "/")
	for _, seg := range segs {
		if seg == "" || seg == "." || seg == ".." {
			return errFolderPathUnclean
		}
	}
	if strings.EqualFold(segs[0], RecycleDir) {
		return errFolderPathRecycle
	}
	// The rest is the rule for absolute paths (characters, spaces).
	return pathProblem("/" + p)
}

// inside reports whether path p is dir or below it.
func inside(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/")
}

func (v *validator) shares() {
	// Shares and folders may name the built-in everyone group.
	groups := v.groupIndex()
	groups[rules.EveryoneGroup] = true
	names := seen{}
	paths := make([]string, len(v.s.Shares))
	for i, sh := range v.s.Shares {
		p := joinIndex("shares", i)
		np := p + ".name"
		nameOK := false
		if v.required(np, sh.Name == "", hintShareName) {
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
				v.add(p+".path", fmt.Sprintf(errSharePath, msg, quotePath(sh.Path)), hintAbsPathSrv)
			} else if !inside(sh.Path, SharesRoot) || sh.Path == SharesRoot {
				v.add(p+".path", fmt.Sprintf(errShareOutsideSrv, sh.Path, SharesRoot), hintAbsPathSrv)
			} else if v.s.Homes.Enabled && (inside(sh.Path, HomesDir) || inside(HomesDir, sh.Path)) {
				v.add(p+".path", fmt.Sprintf(errShareHomes, sh.Path, HomesDir), hintShareHomes)
			} else {
				paths[i] = sh.Path
			}
		case nameOK:
			def := v.s.SharePath(sh)
			if msg := pathProblem(def); msg != "" {
				v.add(np, fmt.Sprintf(errShareDefaultPath, sh.Name, msg), hintShareSetPath+DefaultSharesDir+"/name")
			} else {
				paths[i] = def
			}
		}
		if len(sh.Read) == 0 && len(sh.Write) == 0 {
			v.add(p, fmt.Sprintf(errShareNoGroups, sh.Name), hintShareNoGroups)
		}
		v.groupRefs(p+".read", sh.Read, groups)
		v.groupRefs(p+".write", sh.Write, groups)
		v.denyRefs(p, sh.Deny, sh.Read, sh.Write, groups)
		v.folders(p, sh, groups)
		if (sh.RecycleDays != 0 || v.written(p+".recycle_days")) && (sh.RecycleDays < 1 || sh.RecycleDays > 3650) {
			v.add(p+".recycle_days", fmt.Sprintf(errRecycleDaysRange, sh.RecycleDays),
				fmt.Sprintf(hintRecycleDays, DefaultRecycleDays))
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
				v.add(pi, fmt.Sprintf(errSharesSamePath, v.s.Shares[i].Name, v.s.Shares[j].Name, v.where(pj)), hintSharesSamePath)
			case inside(paths[i], paths[j]) || inside(paths[j], paths[i]):
				v.add(pi, fmt.Sprintf(errSharesNested, v.s.Shares[i].Name, v.s.Shares[j].Name, v.where(pj), paths[i], paths[j]), hintSharesNested)
			}
		}
	}
}

// folders checks a share's folders: paths relative to the share, each
// once (ignoring case, as Windows clients compare names), and groups
// that are defined and reach the share through its read or write list.
func (v *validator) folders(p string, sh Share, groups map[string]bool) {
	shareGroups := map[string]bool{}
	for _, g := range append(slices.Clone(sh.Read), sh.Write...) {
		shareGroups[g] = true
	}
	paths := seen{}
	for i, f := range sh.Folders {
		fp := joinIndex(p+".folders", i)
		if v.required(fp+".path", f.Path == "", hintFolderPath) {
			if msg := folderPathProblem(f.Path); msg != "" {
				v.add(fp+".path", fmt.Sprintf(errFolderPath, f.Path, msg), hintFolderPath)
			} else {
				v.dup(paths, strings.ToLower(f.Path), fp+".path", "folder", f.Path)
			}
		}
		v.denyRefs(fp, f.Deny, f.Read, f.Write, groups)
		if len(f.Read) == 0 && len(f.Write) == 0 && len(f.Deny) == 0 {
			v.add(fp, fmt.Sprintf(errFolderNoGroups, f.Path), hintFolderNoGroups)
		}
		for _, list := range []struct {
			key  string
			refs []string
		}{{"read", f.Read}, {"write", f.Write}} {
			v.groupRefs(fp+"."+list.key, list.refs, groups)
			for j, g := range list.refs {
				if groups[g] && !shareGroups[g] {
					v.add(joinIndex(fp+"."+list.key, j), fmt.Sprintf(errFolderGroupNoShare, g, sh.Name, f.Path), hintFolderGroupNoShare)
				}
			}
		}
	}
}

// denyRefs checks a share's or folder's deny list at p: each name a group
// or user of the site, once, and not also granted at the same place.
func (v *validator) denyRefs(p string, deny, read, write []string, groups map[string]bool) {
	users := map[string]bool{}
	for _, u := range v.s.Users {
		users[u.Username] = true
	}
	inList := seen{}
	for j, name := range deny {
		rp := joinIndex(p+".deny", j)
		switch {
		case name == rules.EveryoneGroup:
			v.add(rp, errDenyEveryone, hintDenyEveryone)
		case !groups[name] && !users[name]:
			v.add(rp, fmt.Sprintf(errDenyUnknown, name), hintDenyUnknown)
		case slices.Contains(read, name):
			v.add(rp, fmt.Sprintf(errDenyAlsoGranted, name, "read"), hintDenyAlsoGranted)
		case slices.Contains(write, name):
			v.add(rp, fmt.Sprintf(errDenyAlsoGranted, name, "write"), hintDenyAlsoGranted)
		default:
			v.dup(inList, name, rp, "deny entry", name)
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
		!(ipv4RE.MatchString(host) || (hostnameRE.MatchString(host) && !rules.AllDigitsTLD(host))) ||
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
	if v.required("backup.repository", b.Repository == "", hintAddRepository) {
		v.repository(b.Repository)
	}
	v.secret("backup.password", b.Password, true, hintAddBackupPassword)
	if v.required("backup.schedule", b.Schedule == "", hintAddSchedule) {
		if err := CheckOnCalendar(b.Schedule); err != nil {
			v.add("backup.schedule", fmt.Sprintf(errScheduleInvalid, b.Schedule, err), hintOnCalendar)
		}
	}
	k := b.Keep
	for _, f := range []struct {
		key string
		n   int
	}{{"daily", k.Daily}, {"weekly", k.Weekly}, {"monthly", k.Monthly}} {
		if f.n < 0 {
			v.add("backup.keep."+f.key, fmt.Sprintf(errKeepNegative, f.key), hintKeepNegative)
		}
	}
	if k.Daily <= 0 && k.Weekly <= 0 && k.Monthly <= 0 {
		v.add("backup.keep", errKeepNothing, hintKeepNothing)
	}
	if len(b.Include) == 0 {
		v.required("backup.include", true, hintInclude+strings.Join(BackupIncludes, ", "))
	}
	inc := seen{}
	for i, e := range b.Include {
		p := joinIndex("backup.include", i)
		switch e {
		case IncludeDirectory, IncludeShares:
		case IncludeHomes:
			if !v.s.Homes.Enabled {
				v.add(p, errIncludeHomes, hintIncludeHomes)
			}
		case IncludeMail:
			if v.s.Mail == nil {
				v.add(p, errIncludeMail, hintIncludeMail)
			}
		default:
			hint := "use " + strings.Join(BackupIncludes, ", ")
			if s := suggest(e, BackupIncludes); s != "" {
				hint = hintDidYouMean(s)
			}
			v.add(p, fmt.Sprintf(errIncludeUnknown, e), hint)
			continue
		}
		v.dup(inc, e, p, "backup include", e)
	}
}

func (v *validator) repository(repo string) {
	const hint = hintRepository
	if strings.HasPrefix(repo, "sftp:") {
		if _, ok := ParseSFTPRepository(repo); !ok {
			v.add("backup.repository", fmt.Sprintf(errRepositorySFTP, repo), hint)
		}
		return
	}
	if msg := pathProblem(repo); msg != "" {
		v.add("backup.repository", fmt.Sprintf(errRepositoryPath, msg, quotePath(repo)), hint)
		return
	}
	if repo == "/" {
		v.add("backup.repository", errRepositoryRoot, hint)
		return
	}
	if msg, hint := RepositoryLocationProblem(repo); msg != "" {
		v.add("backup.repository", msg, hint)
		return
	}
	if v.s.Homes.Enabled && (inside(repo, HomesDir) || inside(HomesDir, repo)) {
		v.add("backup.repository", fmt.Sprintf(errRepositoryHomes, repo, HomesDir), hintRepositoryInShare)
	}
	for i, sh := range v.s.Shares {
		sp := v.s.SharePath(sh)
		if pathProblem(sp) == "" && (inside(repo, sp) || inside(sp, repo)) {
			v.add("backup.repository", fmt.Sprintf(errRepositoryInShare, repo, sh.Name, v.where(joinIndex("shares", i)+".name")),
				hintRepositoryInShare)
		}
	}
}
