// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode"
)

// Kinds of mail import source.
const (
	// ImportMbox is one mbox file (Thunderbird, readpst, mutt): one folder.
	ImportMbox = "mbox"
	// ImportMaildir is a Maildir directory with Maildir++ subfolders.
	ImportMaildir = "maildir"
)

// ImportSource is a validated import source on the box.
type ImportSource struct {
	Kind string
	// Path is the absolute, cleaned path of the file or directory.
	Path string
}

// ParseImportSource checks that src names an mbox file or a Maildir
// directory and says which; an Outlook .pst file is refused with how to
// convert it.
func ParseImportSource(src string) (ImportSource, error) {
	if src == "" {
		return ImportSource{}, errors.New("the import source is empty: give an mbox file or a Maildir directory")
	}
	if strings.Contains(src, "://") {
		return ImportSource{}, fmt.Errorf("%q: importing from a server is not supported; export the account to mbox (Thunderbird's ImportExportTools) or copy its Maildir to the box, then import that", src)
	}
	p, err := filepath.Abs(src)
	if err != nil {
		return ImportSource{}, fmt.Errorf("import source %q: %w", src, err)
	}
	if strings.EqualFold(filepath.Ext(p), ".pst") || strings.EqualFold(filepath.Ext(p), ".ost") {
		return ImportSource{}, fmt.Errorf("%s is an Outlook data file: convert it to mbox first (apt-get install pst-utils; readpst -r -o DIR %s), then import each folder's mbox file with --folder", p, p)
	}
	fi, err := os.Stat(p)
	if err != nil {
		return ImportSource{}, fmt.Errorf("cannot read the import source: %w", err)
	}
	if fi.IsDir() {
		if !isMaildir(p) {
			return ImportSource{}, fmt.Errorf("%s is a directory but not a Maildir (it has no cur and new): give a Maildir or an mbox file", p)
		}
		return ImportSource{Kind: ImportMaildir, Path: p}, nil
	}
	if !fi.Mode().IsRegular() {
		return ImportSource{}, fmt.Errorf("%s is neither a file nor a directory: give an mbox file or a Maildir directory", p)
	}
	f, err := os.Open(p)
	if err != nil {
		return ImportSource{}, fmt.Errorf("cannot read the import source: %w", err)
	}
	defer f.Close()
	head := make([]byte, 5)
	n, _ := io.ReadFull(f, head)
	if n == 0 {
		return ImportSource{}, fmt.Errorf("%s is empty: there is nothing to import", p)
	}
	if string(head[:n]) != "From " {
		return ImportSource{}, fmt.Errorf("%s is not an mbox file (it does not start with a \"From \" line): give an mbox file or a Maildir directory", p)
	}
	return ImportSource{Kind: ImportMbox, Path: p}, nil
}

// isMaildir reports whether dir has the cur and new of a Maildir.
func isMaildir(dir string) bool {
	for _, d := range []string{"cur", "new"} {
		if fi, err := os.Stat(filepath.Join(dir, d)); err != nil || !fi.IsDir() {
			return false
		}
	}
	return true
}

// ValidImportFolder checks the destination folder of an import: "" (the
// mailbox root) or names separated by "/", printable, without wildcards
// or "." and ".." parts.
func ValidImportFolder(f string) error {
	if f == "" {
		return nil
	}
	if len(f) > 200 {
		return errors.New("the folder name is longer than 200 characters")
	}
	for _, part := range strings.Split(f, "/") {
		if err := validFolderPart(part); err != nil {
			return fmt.Errorf("folder %q: %w", f, err)
		}
	}
	return nil
}

// validFolderPart checks one level of a folder name.
func validFolderPart(p string) error {
	switch {
	case p == "":
		return errors.New("has an empty part (a leading, trailing or double /)")
	case p == "." || p == "..":
		return errors.New(`has a "." or ".." part`)
	case strings.HasPrefix(p, "~"):
		return errors.New(`has a part starting with "~"`)
	case strings.ContainsAny(p, "*%\\."):
		return errors.New(`contains one of * % \ . (not allowed in folder names)`)
	}
	for _, r := range p {
		if !unicode.IsPrint(r) {
			return errors.New("contains a control character")
		}
	}
	return nil
}

// importMessage is one message of a source.
type importMessage struct {
	// Data is the message as stored (RFC 5322, LF line ends).
	Data []byte
	// Date is the received date (the mbox From line, the Maildir file's
	// time); zero when unknown.
	Date time.Time
	// Flags are Maildir info flags (DFPRST), sorted.
	Flags string
}

// folderName maps a source folder to a name Dovecot keeps (Maildir++
// cannot hold "." inside a name): INBOX stays INBOX, dots become "_".
func folderName(name string) string {
	if strings.EqualFold(name, "INBOX") || strings.EqualFold(name, "mbox") {
		return "INBOX"
	}
	parts := strings.Split(name, "/")
	for i, p := range parts {
		p = strings.Map(func(r rune) rune {
			if r == '.' || r == '*' || r == '%' || r == '\\' || !unicode.IsPrint(r) {
				return '_'
			}
			return r
		}, strings.TrimSpace(p))
		if p == "" || strings.HasPrefix(p, "~") {
			p = "_" + p
		}
		parts[i] = p
	}
	return strings.Join(parts, "/")
}

// mboxFolder names the folder of an mbox file after the file: Inbox.mbox
// and mbox are INBOX, Sent.mbox is Sent.
func mboxFolder(path string) string {
	base := filepath.Base(path)
	if ext := filepath.Ext(base); strings.EqualFold(ext, ".mbox") || strings.EqualFold(ext, ".mbx") {
		base = strings.TrimSuffix(base, ext)
	}
	return folderName(base)
}

// mboxFromDate parses the date of an mbox "From " line ("From addr Mon
// Jan  2 15:04:05 2006", sometimes with a zone); zero when it has none.
func mboxFromDate(line string) time.Time {
	f := strings.Fields(strings.TrimPrefix(line, "From "))
	if len(f) < 2 {
		return time.Time{}
	}
	rest := strings.Join(f[1:], " ")
	for _, layout := range []string{time.ANSIC, "Mon Jan _2 15:04:05 2006 -0700", "Mon Jan _2 15:04:05 -0700 2006", "Mon Jan _2 15:04:05 MST 2006", time.UnixDate} {
		if t, err := time.Parse(layout, rest); err == nil {
			return t
		}
		if t, err := time.Parse(layout, strings.Join(strings.Fields(rest), " ")); err == nil {
			return t
		}
	}
	return time.Time{}
}

// mboxFlags reads the flags an mbox writer keeps in Status and X-Status
// headers (R seen; A answered, F flagged, T draft, D deleted).
func mboxFlags(h mail.Header) string {
	var fl []byte
	st, xst := h.Get("Status"), h.Get("X-Status")
	if strings.Contains(st, "R") {
		fl = append(fl, 'S')
	}
	for from, to := range map[byte]byte{'A': 'R', 'F': 'F', 'T': 'D', 'D': 'T'} {
		if strings.IndexByte(xst, from) >= 0 {
			fl = append(fl, to)
		}
	}
	return sortFlags(string(fl))
}

// maildirFlags reads the info flags of a Maildir file name ("…:2,FS").
func maildirFlags(name string) string {
	i := strings.LastIndex(name, ":2,")
	if i < 0 {
		return ""
	}
	var fl []byte
	for _, c := range []byte(name[i+3:]) {
		if strings.IndexByte("DFPRST", c) >= 0 && bytes.IndexByte(fl, c) < 0 {
			fl = append(fl, c)
		}
	}
	return sortFlags(string(fl))
}

// sortFlags sorts Maildir flags, as Maildir requires.
func sortFlags(s string) string {
	b := []byte(s)
	sort.Slice(b, func(i, j int) bool { return b[i] < b[j] })
	return string(b)
}

// readMbox calls fn for each message of an mbox stream, one in memory at a
// time. A "From " line starts a message at the start of the file or after
// an empty line; the empty line before it belongs to the separator.
func readMbox(r io.Reader, fn func(importMessage) error) error {
	br := bufio.NewReaderSize(r, 1<<16)
	var cur *importMessage
	var buf bytes.Buffer
	prevEmpty := true
	flush := func() error {
		if cur == nil {
			return nil
		}
		data := buf.Bytes()
		// The empty line before the next From line is the separator.
		switch {
		case bytes.HasSuffix(data, []byte("\r\n\r\n")):
			data = data[:len(data)-2]
		case bytes.HasSuffix(data, []byte("\n\n")):
			data = data[:len(data)-1]
		}
		msg := *cur
		msg.Data = append([]byte(nil), data...)
		if len(msg.Data) == 0 || msg.Data[len(msg.Data)-1] != '\n' {
			msg.Data = append(msg.Data, '\n')
		}
		if m, err := mail.ReadMessage(bytes.NewReader(msg.Data)); err == nil {
			msg.Flags = mboxFlags(m.Header)
			if msg.Date.IsZero() {
				msg.Date, _ = m.Header.Date()
			}
		}
		buf.Reset()
		return fn(msg)
	}
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			if prevEmpty && bytes.HasPrefix(line, []byte("From ")) {
				if err := flush(); err != nil {
					return err
				}
				cur = &importMessage{Date: mboxFromDate(strings.TrimRight(string(line), "\r\n"))}
			} else if cur != nil {
				buf.Write(line)
			} else if len(bytes.TrimSpace(line)) > 0 {
				return errors.New("the file does not start with an mbox \"From \" line")
			}
			prevEmpty = len(bytes.TrimRight(line, "\r\n")) == 0
		}
		if err == io.EOF {
			return flush()
		}
		if err != nil {
			return err
		}
	}
}

// maildirFolders lists the folders of a Maildir++ directory: "INBOX" for
// the root, ".Sent.2019" as Sent/2019, each with its directory.
func maildirFolders(root string) (map[string]string, error) {
	out := map[string]string{"INBOX": root}
	ents, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		n := e.Name()
		if !e.IsDir() || !strings.HasPrefix(n, ".") || n == "." || n == ".." || !isMaildir(filepath.Join(root, n)) {
			continue
		}
		parts := strings.Split(strings.TrimPrefix(n, "."), ".")
		out[folderName(strings.Join(parts, "/"))] = filepath.Join(root, n)
	}
	return out, nil
}

// readMaildirFolder calls fn for each message in a Maildir folder's cur
// and new, in name order; the received date is the file's time.
func readMaildirFolder(dir string, fn func(importMessage) error) error {
	for _, sub := range []string{"new", "cur"} {
		ents, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil {
			return err
		}
		for _, e := range ents {
			if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			p := filepath.Join(dir, sub, e.Name())
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			fi, err := e.Info()
			if err != nil {
				return err
			}
			if err := fn(importMessage{Data: data, Date: fi.ModTime(), Flags: maildirFlags(e.Name())}); err != nil {
				return err
			}
		}
	}
	return nil
}
