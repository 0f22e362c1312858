// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// messageKey identifies a message within a folder for the duplicate
// check: its Message-ID, or for a message without one its Date, From and
// Subject headers. Whitespace is collapsed, so folding does not matter.
func messageKey(folder, messageID, date, from, subject string) string {
	norm := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	if id := norm(messageID); id != "" {
		return folder + "\x00id\x00" + strings.ToLower(id)
	}
	return folder + "\x00hdr\x00" + norm(date) + "\x00" + norm(from) + "\x00" + norm(subject)
}

// dataKey is messageKey of a message's own headers.
func dataKey(folder string, data []byte) string {
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return messageKey(folder, "", "", "", fmt.Sprintf("unparsable %d", len(data)))
	}
	h := m.Header
	return messageKey(folder, h.Get("Message-Id"), h.Get("Date"), h.Get("From"), h.Get("Subject"))
}

// fetchFields are the fields doveadm fetch reads for existingKeys.
const fetchFields = "mailbox hdr.message-id hdr.date hdr.from hdr.subject"

// existingKeys reads the keys of the messages a mailbox holds from
// doveadm -f json fetch output with fetchFields.
func existingKeys(out []byte) (map[string]bool, error) {
	keys := map[string]bool{}
	if len(bytes.TrimSpace(out)) == 0 {
		return keys, nil
	}
	var rows []map[string]string
	if err := json.Unmarshal(out, &rows); err != nil {
		return nil, fmt.Errorf("cannot read doveadm fetch's answer: %w", err)
	}
	for _, r := range rows {
		keys[messageKey(r["mailbox"], r["hdr.message-id"], r["hdr.date"], r["hdr.from"], r["hdr.subject"])] = true
	}
	return keys, nil
}

// ImportFolder is what an import did to one folder.
type ImportFolder struct {
	// Name is the folder in the user's mailbox.
	Name string `json:"name"`
	// New messages were copied; Existing were there already.
	New      int `json:"new"`
	Existing int `json:"existing"`
}

// ImportResult is what possectl mail import reports.
type ImportResult struct {
	User    string         `json:"user"`
	Source  string         `json:"source"`
	Kind    string         `json:"kind"`
	Folder  string         `json:"folder"`
	Folders []ImportFolder `json:"folders"`
	// New and Existing are the totals over the folders.
	New      int     `json:"new"`
	Existing int     `json:"existing"`
	Seconds  float64 `json:"seconds"`
}

// destFolder is where source folder name lands under parent.
func destFolder(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "/" + name
}

// stager writes the new messages of a source into a Maildir++ staging
// directory for doveadm import, skipping those whose key the mailbox (or
// the source before them) already has, and counts both.
type stager struct {
	dir    string
	parent string
	have   map[string]bool
	seq    int
	counts map[string]*ImportFolder
	order  []string
	// uid and gid own what the stager writes (-1 keeps the owner).
	uid, gid int
}

// newStager stages into dir (which exists) for the destination parent.
func newStager(dir, parent string, have map[string]bool, uid, gid int) *stager {
	return &stager{dir: dir, parent: parent, have: have, counts: map[string]*ImportFolder{}, uid: uid, gid: gid}
}

// folderDir is the staging Maildir++ directory of a source folder.
func (s *stager) folderDir(folder string) string {
	if folder == "INBOX" {
		return s.dir
	}
	return filepath.Join(s.dir, "."+strings.ReplaceAll(folder, "/", "."))
}

// add stages msg of source folder unless its destination has it.
func (s *stager) add(folder string, msg importMessage) error {
	dest := destFolder(s.parent, folder)
	c := s.counts[folder]
	if c == nil {
		c = &ImportFolder{Name: dest}
		s.counts[folder] = c
		s.order = append(s.order, folder)
	}
	key := dataKey(dest, msg.Data)
	if s.have[key] {
		c.Existing++
		return nil
	}
	s.have[key] = true
	dir := s.folderDir(folder)
	if c.New == 0 {
		for _, sub := range []string{"", "cur", "new", "tmp"} {
			if err := s.mkdir(filepath.Join(dir, sub)); err != nil {
				return err
			}
		}
		if dir != s.dir {
			if err := s.write(filepath.Join(dir, "maildirfolder"), nil, time.Time{}); err != nil {
				return err
			}
		}
	}
	s.seq++
	date := msg.Date
	if date.IsZero() {
		date = time.Now()
	}
	name := fmt.Sprintf("%d.M%dP%d.posse-import,S=%d:2,%s", date.Unix(), s.seq, os.Getpid(), len(msg.Data), msg.Flags)
	if err := s.write(filepath.Join(dir, "cur", name), msg.Data, date); err != nil {
		return err
	}
	c.New++
	return nil
}

// mkdir makes a private directory owned like the staging files.
func (s *stager) mkdir(p string) error {
	if err := os.MkdirAll(p, 0o700); err != nil {
		return err
	}
	return s.chown(p)
}

// write writes a staged file with the received date as its time.
func (s *stager) write(p string, data []byte, date time.Time) error {
	if err := os.WriteFile(p, data, 0o600); err != nil {
		return err
	}
	if !date.IsZero() {
		if err := os.Chtimes(p, date, date); err != nil {
			return err
		}
	}
	return s.chown(p)
}

func (s *stager) chown(p string) error {
	if s.uid < 0 {
		return nil
	}
	return os.Lchown(p, s.uid, s.gid)
}

// result sums up the staging, folders in source order.
func (s *stager) result() ([]ImportFolder, int, int) {
	out := make([]ImportFolder, 0, len(s.order))
	var n, e int
	for _, f := range s.order {
		c := *s.counts[f]
		out = append(out, c)
		n += c.New
		e += c.Existing
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, n, e
}

// stagedFolders are the destination folders that got new messages.
func (s *stager) stagedFolders() []string {
	var out []string
	for _, f := range s.order {
		if s.counts[f].New > 0 {
			out = append(out, s.counts[f].Name)
		}
	}
	sort.Strings(out)
	return out
}
