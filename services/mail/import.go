// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
)

// Importing old mail: possectl mail import reads an mbox file or a
// Maildir on the box, stages the messages the user's mailbox does not have
// yet (by Message-ID per folder) into a private Maildir with their flags
// and received dates, and hands that to doveadm import, which stores them
// as Dovecot stores any message. Running it again copies nothing twice.

// importUserRe is a login doveadm may look up: a username or an address.
var importUserRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+@-]{0,253}$`)

// importProgressEvery is how often a folder's progress is printed.
const importProgressEvery = 1000

// MailImport copies the mail of source (an mbox file or a Maildir
// directory on this box) into the mailbox of user under folder ("" for
// the mailbox root), skipping messages the folder has already, and
// writes progress to progress. The result is an ImportResult (typed any
// so that possectl needs no import of this package).
func (s *Service) MailImport(ctx context.Context, st *site.Site, env *host.Env, user, source, folder string, progress io.Writer) (any, error) {
	if st.Mail == nil {
		return nil, errors.New("the applied site has no mail section: add one to the template and apply it")
	}
	if !importUserRe.MatchString(user) {
		return nil, fmt.Errorf("%q is not a username or mail address", user)
	}
	if err := ValidImportFolder(folder); err != nil {
		return nil, fmt.Errorf("%w: choose another --folder", err)
	}
	src, err := ParseImportSource(source)
	if err != nil {
		return nil, err
	}
	user, err = mailboxOwner(ctx, st, env, user)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	query := []string{"all"}
	if folder != "" {
		query = []string{"mailbox", folder + "/*"}
	}
	res, err := env.Runner.Run(ctx, host.Cmd{Argv: append([]string{"doveadm", "-f", "json", "fetch", "-u", user, fetchFields}, query...)})
	if err != nil {
		return nil, fmt.Errorf("cannot read what the mailbox of %s holds: doveadm fetch: %w: %s", user, err, strings.TrimSpace(string(res.Stderr)))
	}
	have, err := existingKeys(res.Stdout)
	if err != nil {
		return nil, err
	}

	stage, err := os.MkdirTemp(env.Path("/var/tmp"), "posse-mail-import-")
	if err != nil {
		return nil, fmt.Errorf("cannot make the staging directory: %w", err)
	}
	defer os.RemoveAll(stage)
	uid, gid := -1, -1
	if os.Geteuid() == 0 {
		uid, gid = VmailID, VmailID
	}
	sg := newStager(stage, folder, have, uid, gid)
	for _, sub := range []string{"", "cur", "new", "tmp"} {
		if err := sg.mkdir(stage + "/" + sub); err != nil {
			return nil, err
		}
	}
	if err := stageSource(src, sg, progress); err != nil {
		return nil, err
	}
	folders, n, e := sg.result()
	if n > 0 {
		fmt.Fprintf(progress, "storing %d new messages in the mailbox of %s ...\n", n, user)
		if res, err := env.Runner.Run(ctx, host.Cmd{Argv: []string{"doveadm", "import", "-u", user, "maildir:" + stage, folder, "all"}}); err != nil {
			return nil, fmt.Errorf("doveadm import failed (nothing is lost: run the import again once fixed): %w: %s", err, strings.TrimSpace(string(res.Stderr)))
		}
		if _, ok := sg.counts["INBOX"]; !ok && folder != "" {
			// The staging Maildir's root is an INBOX, which doveadm import
			// creates under folder even when the source had none (an mbox
			// named Sent): remove it if it is empty; -e leaves it otherwise.
			env.Runner.Run(ctx, host.Cmd{Argv: []string{"doveadm", "mailbox", "delete", "-e", "-u", user, destFolder(folder, "INBOX")}})
		}
		subs := sg.stagedFolders()
		if folder != "" {
			subs = append([]string{folder}, subs...)
		}
		if res, err := env.Runner.Run(ctx, host.Cmd{Argv: append([]string{"doveadm", "mailbox", "subscribe", "-u", user}, subs...)}); err != nil {
			return nil, fmt.Errorf("the mail was imported, but subscribing its folders failed: %w: %s", err, strings.TrimSpace(string(res.Stderr)))
		}
	}
	return ImportResult{User: user, Source: src.Path, Kind: src.Kind, Folder: folder, Folders: folders,
		New: n, Existing: e, Seconds: time.Since(start).Seconds()}, nil
}

// mailboxOwner finds the mail address Dovecot knows user's mailbox by:
// the address itself, or for a username the site's address of that user
// (email, or username@site domain), else username@ each mail domain.
func mailboxOwner(ctx context.Context, st *site.Site, env *host.Env, user string) (string, error) {
	cands := []string{user}
	if !strings.Contains(user, "@") {
		cands = nil
		for _, u := range st.Users {
			if strings.EqualFold(u.Username, user) {
				if a := st.UserEmail(u); a != "" {
					cands = append(cands, a)
				}
			}
		}
		for _, d := range st.Mail.Domains {
			cands = append(cands, user+"@"+d)
		}
	}
	for _, a := range cands {
		res, err := env.Runner.Run(ctx, host.Cmd{Argv: []string{"doveadm", "user", a}})
		if err == nil {
			return a, nil
		}
		if res.ExitCode != 67 {
			return "", fmt.Errorf("dovecot cannot look %s up: doveadm user: %w", a, err)
		}
	}
	return "", fmt.Errorf("%s has no mailbox on this box: give a user of the site with mail (see 'possectl users')", user)
}

// stageSource reads every folder of src into sg, printing progress.
func stageSource(src ImportSource, sg *stager, progress io.Writer) error {
	read := func(folder string, each func(func(importMessage) error) error) error {
		n := 0
		err := each(func(m importMessage) error {
			n++
			if n%importProgressEvery == 0 {
				fmt.Fprintf(progress, "%s: %d messages read ...\n", folder, n)
			}
			return sg.add(folder, m)
		})
		if err != nil {
			return fmt.Errorf("reading folder %s of %s: %w", folder, src.Path, err)
		}
		if c := sg.counts[folder]; c != nil {
			fmt.Fprintf(progress, "%s: %d messages, %d new, %d already there\n", folder, c.New+c.Existing, c.New, c.Existing)
		}
		return nil
	}
	switch src.Kind {
	case ImportMbox:
		f, err := os.Open(src.Path)
		if err != nil {
			return err
		}
		defer f.Close()
		return read(mboxFolder(src.Path), func(fn func(importMessage) error) error { return readMbox(f, fn) })
	case ImportMaildir:
		fs, err := maildirFolders(src.Path)
		if err != nil {
			return err
		}
		for _, name := range sortedKeys(fs) {
			dir := fs[name]
			if err := read(name, func(fn func(importMessage) error) error { return readMaildirFolder(dir, fn) }); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unknown import source kind %q", src.Kind)
}

// sortedKeys returns m's keys in order.
func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
