// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Parse reads an include file as Render writes it (and tolerates hand
// edits: any case and spacing of keys, ";" comments, unknown keys). Share
// sections come back as Shares, sections whose comment marks them as a home
// folder as HomeUsers. The workgroup is taken from the group names.
func Parse(data []byte) (Config, error) {
	var c Config
	var cur *section
	var secs []*section
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	line := 0
	for sc.Scan() {
		line++
		t := strings.TrimSpace(sc.Text())
		switch {
		case t == "":
			continue
		case t == folderNote:
			if cur != nil {
				cur.folderWriters = true
			}
			continue
		case strings.HasPrefix(t, recycleNote):
			if cur != nil {
				cur.days, _ = strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(t, recycleNote)))
			}
			continue
		case t[0] == '#' || t[0] == ';':
			continue
		case t[0] == '[':
			if !strings.HasSuffix(t, "]") {
				return Config{}, fmt.Errorf("line %d: section header %s has no closing \"]\"", line, quote(t))
			}
			cur = &section{name: strings.TrimSpace(t[1 : len(t)-1]), kv: map[string]string{}}
			secs = append(secs, cur)
			continue
		}
		k, v, ok := strings.Cut(t, "=")
		if !ok {
			return Config{}, fmt.Errorf("line %d: %s is neither a section nor key = value", line, quote(t))
		}
		if cur == nil {
			return Config{}, fmt.Errorf("line %d: %s comes before any section", line, quote(t))
		}
		cur.kv[normKey(k)] = strings.TrimSpace(v)
	}
	if err := sc.Err(); err != nil {
		return Config{}, err
	}
	for _, s := range secs {
		if err := s.into(&c); err != nil {
			return Config{}, err
		}
	}
	return c, nil
}

type section struct {
	name          string
	kv            map[string]string
	days          int
	folderWriters bool
}

// normKey lowercases a key and folds its spaces, as Samba does.
func normKey(k string) string {
	return strings.ToLower(strings.Join(strings.Fields(k), " "))
}

func (s *section) into(c *Config) error {
	if strings.HasPrefix(s.kv["comment"], homesComment) && s.kv["browseable"] == "no" {
		user := strings.TrimPrefix(s.kv["comment"], homesComment)
		c.Homes = true
		c.HomeUsers = append(c.HomeUsers, Home{User: user, Path: s.kv["path"],
			Snapshots: strings.Contains(" "+s.kv["vfs objects"]+" ", " "+vfsSnapshots+" ")})
		return nil
	}
	sh := Share{
		Name:       s.name,
		Path:       s.kv["path"],
		Comment:    s.kv["comment"],
		Browseable: !isNo(s.kv["browseable"]) && !isNo(s.kv["browsable"]),
	}
	valid := names(c, s.kv["valid users"])
	readList := names(c, s.kv["read list"])
	sh.Write = names(c, s.kv["write list"])
	if isNo(s.kv["read only"]) || isYes(s.kv["writeable"]) || isYes(s.kv["writable"]) {
		// Everyone valid may write unless listed read-only.
		if len(sh.Write) == 0 && !s.folderWriters {
			for _, g := range valid {
				if !contains(readList, g) {
					sh.Write = append(sh.Write, g)
				}
			}
		}
	} else {
		sh.Write = nil
	}
	for _, g := range valid {
		if !contains(sh.Write, g) {
			sh.Read = append(sh.Read, g)
		}
	}
	for _, g := range readList {
		if !contains(sh.Read, g) && !contains(sh.Write, g) {
			sh.Read = append(sh.Read, g)
		}
	}
	vfs := " " + s.kv["vfs objects"] + " "
	sh.Windows = strings.Contains(vfs, " streams_xattr ") && !isNo(s.kv["nt acl support"])
	sh.Snapshots = strings.Contains(vfs, " "+vfsSnapshots+" ")
	if strings.Contains(vfs, " recycle ") {
		sh.RecycleBin = true
		sh.RecycleDays = s.days
	}
	c.Shares = append(c.Shares, sh)
	return nil
}

// names turns `@"WG\group" @WG\other group2` into group names and records
// the workgroup.
func names(c *Config, v string) []string {
	var out []string
	for _, item := range splitList(v) {
		item = strings.TrimPrefix(strings.TrimPrefix(item, "@"), "+")
		if wg, n, ok := strings.Cut(item, `\`); ok {
			if c.Workgroup == "" {
				c.Workgroup = strings.ToUpper(wg)
			}
			item = n
		}
		// The domain admins, in every share's valid users, are no
		// template group.
		if item != "" && !contains(out, item) && !strings.EqualFold(item, AdminsGroup) {
			out = append(out, item)
		}
	}
	return out
}

// splitList splits an smb.conf list on spaces and commas, keeping quoted
// parts together and dropping the quotes.
func splitList(v string) []string {
	var out []string
	var b strings.Builder
	inQ := false
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	for _, r := range v {
		switch {
		case r == '"':
			inQ = !inQ
		case !inQ && (r == ' ' || r == ',' || r == '\t'):
			flush()
		default:
			b.WriteRune(r)
		}
	}
	flush()
	return out
}

func isNo(v string) bool {
	switch strings.ToLower(v) {
	case "no", "false", "0", "off":
		return true
	}
	return false
}

func isYes(v string) bool {
	switch strings.ToLower(v) {
	case "yes", "true", "1", "on":
		return true
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
