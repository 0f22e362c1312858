// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/host/hosttest"
)

const testMbox = `From anna@example.com Mon Jan  2 15:04:05 2006
Message-ID: <one@example.com>
From: anna@example.com
Subject: first
Status: RO
X-Status: AF

body one
>From the start

From bob@example.com Tue Feb  3 10:00:00 2015
From: bob@example.com
Date: Tue, 3 Feb 2015 10:00:00 +0000
Subject: no id

body two
From here on, not a separator (no empty line before)

From anna@example.com Mon Jan  2 15:04:05 2006
Message-ID: <one@example.com>
Subject: first again

the same Message-ID
`

func TestReadMbox(t *testing.T) {
	var got []importMessage
	if err := readMbox(strings.NewReader(testMbox), func(m importMessage) error { got = append(got, m); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("got %d messages, want 3", len(got))
	}
	if want := time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC); !got[0].Date.Equal(want) {
		t.Errorf("date %v, want %v", got[0].Date, want)
	}
	if got[0].Flags != "FRS" {
		t.Errorf("flags %q, want FRS", got[0].Flags)
	}
	if !strings.HasSuffix(string(got[0].Data), ">From the start\n") {
		t.Errorf("message one ends %q", got[0].Data)
	}
	if !strings.Contains(string(got[1].Data), "From here on") || got[1].Flags != "" {
		t.Errorf("message two: %q flags %q", got[1].Data, got[1].Flags)
	}
	if err := readMbox(strings.NewReader("Subject: x\n\nbody\n"), func(importMessage) error { return nil }); err == nil {
		t.Error("a file without a From line was read as mbox")
	}
}

func TestMboxFromDate(t *testing.T) {
	for line, want := range map[string]string{
		"From a@b Mon Jan  2 15:04:05 2006":           "2006-01-02T15:04:05Z",
		"From a@b Mon Jan 12 15:04:05 2006 +0100":     "2006-01-12T15:04:05+01:00",
		"From MAILER-DAEMON Fri Jul  8 12:08:34 2011": "2011-07-08T12:08:34Z",
		"From a@b":         "0001-01-01T00:00:00Z",
		"From a@b garbage": "0001-01-01T00:00:00Z",
	} {
		if got := mboxFromDate(line).Format(time.RFC3339); got != want {
			t.Errorf("%q: %s, want %s", line, got, want)
		}
	}
}

func TestMaildirFlags(t *testing.T) {
	for name, want := range map[string]string{
		"123.M1P2.host:2,SR":  "RS",
		"123.M1P2.host:2,":    "",
		"123.M1P2.host":       "",
		"123.M1P2.host:2,SaX": "S",
		"1.x:2,TDFFP":         "DFPT",
	} {
		if got := maildirFlags(name); got != want {
			t.Errorf("%q: %q, want %q", name, got, want)
		}
	}
}

func TestValidImportFolder(t *testing.T) {
	for _, ok := range []string{"", "Imported", "Altes Postfach/2019", "Ablage ü"} {
		if err := ValidImportFolder(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"/x", "x/", "a//b", "..", "a/../b", "~x", "a*", "50%", "a.b", "a\x01", "a\\b", strings.Repeat("x", 201)} {
		if err := ValidImportFolder(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestFolderNames(t *testing.T) {
	for in, want := range map[string]string{"Inbox": "INBOX", "mbox": "INBOX", "Sent": "Sent", "a.b/c": "a_b/c", "~x": "_~x"} {
		if got := folderName(in); got != want {
			t.Errorf("folderName(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"/x/Inbox.mbox": "INBOX", "/x/Sent.mbox": "Sent", "/x/Archiv 2019": "Archiv 2019", "/x/mbox": "INBOX"} {
		if got := mboxFolder(in); got != want {
			t.Errorf("mboxFolder(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseImportSource(t *testing.T) {
	dir := t.TempDir()
	mbox := filepath.Join(dir, "Inbox.mbox")
	os.WriteFile(mbox, []byte(testMbox), 0o600)
	md := filepath.Join(dir, "Maildir")
	for _, d := range []string{"cur", "new", "tmp"} {
		os.MkdirAll(filepath.Join(md, d), 0o700)
	}
	plain := filepath.Join(dir, "plain.txt")
	os.WriteFile(plain, []byte("hello\n"), 0o600)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o600)
	pst := filepath.Join(dir, "Outlook.PST")
	os.WriteFile(pst, []byte("!BDN"), 0o600)

	if s, err := ParseImportSource(mbox); err != nil || s.Kind != ImportMbox || s.Path != mbox {
		t.Errorf("mbox: %+v %v", s, err)
	}
	if s, err := ParseImportSource(md + "/"); err != nil || s.Kind != ImportMaildir || s.Path != md {
		t.Errorf("maildir: %+v %v", s, err)
	}
	for src, want := range map[string]string{
		"":                      "empty",
		plain:                   "not an mbox",
		empty:                   "nothing to import",
		dir:                     "not a Maildir",
		pst:                     "readpst",
		filepath.Join(dir, "x"): "cannot read",
		"imaps://mail.example":  "not supported",
	} {
		if _, err := ParseImportSource(src); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", src, err, want)
		}
	}
}

func TestExistingKeys(t *testing.T) {
	out := `[{"mailbox":"Imported/INBOX","hdr.message-id":"<one@example.com>","hdr.date":"","hdr.from":"","hdr.subject":"first"},
{"mailbox":"Imported/INBOX","hdr.message-id":"","hdr.date":"Tue, 3 Feb 2015 10:00:00 +0000","hdr.from":"bob@example.com","hdr.subject":"no\n id"}]`
	keys, err := existingKeys([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if !keys[messageKey("Imported/INBOX", "<ONE@example.com>", "", "", "")] {
		t.Error("the Message-ID key is missing (case and spaces must not matter)")
	}
	if !keys[messageKey("Imported/INBOX", " ", "Tue, 3 Feb 2015 10:00:00 +0000", "bob@example.com", "no id")] {
		t.Error("the header key of a message without Message-ID is missing")
	}
	if keys[messageKey("Imported/Sent", "<one@example.com>", "", "", "")] {
		t.Error("a key matched in another folder")
	}
	if k, err := existingKeys(nil); err != nil || len(k) != 0 {
		t.Errorf("empty answer: %v %v", k, err)
	}
	if _, err := existingKeys([]byte("mailbox hdr")); err == nil {
		t.Error("a non-JSON answer was accepted")
	}
}

// TestStagerCountsDuplicates stages an mbox twice: the second time every
// message is already there, and a duplicate inside the source counts as
// already there the first time.
func TestStagerCountsDuplicates(t *testing.T) {
	have := map[string]bool{}
	run := func() (*stager, string) {
		dir := t.TempDir()
		sg := newStager(dir, "Imported", have, -1, -1)
		if err := readMbox(strings.NewReader(testMbox), func(m importMessage) error { return sg.add("INBOX", m) }); err != nil {
			t.Fatal(err)
		}
		return sg, dir
	}
	sg, dir := run()
	fs, n, e := sg.result()
	if n != 2 || e != 1 || len(fs) != 1 || fs[0].Name != "Imported/INBOX" || fs[0].New != 2 {
		t.Fatalf("first run: %+v new %d existing %d", fs, n, e)
	}
	ents, _ := os.ReadDir(filepath.Join(dir, "cur"))
	if len(ents) != 2 {
		t.Fatalf("staged %d files, want 2", len(ents))
	}
	var flagged bool
	for _, e := range ents {
		fi, _ := e.Info()
		if strings.HasSuffix(e.Name(), ":2,FRS") {
			flagged = true
			if want := time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC); !fi.ModTime().Equal(want) {
				t.Errorf("staged time %v, want %v", fi.ModTime(), want)
			}
		}
	}
	if !flagged {
		t.Errorf("no staged file carries the flags FRS: %v", ents)
	}
	if got := sg.stagedFolders(); len(got) != 1 || got[0] != "Imported/INBOX" {
		t.Errorf("staged folders %v", got)
	}
	sg, _ = run()
	if _, n, e := sg.result(); n != 0 || e != 3 {
		t.Errorf("second run: new %d existing %d, want 0 and 3", n, e)
	}
}

func TestStageMaildir(t *testing.T) {
	src := t.TempDir()
	msg := func(dir, name, id string) {
		for _, d := range []string{"cur", "new", "tmp"} {
			os.MkdirAll(filepath.Join(src, dir, d), 0o700)
		}
		os.WriteFile(filepath.Join(src, dir, "cur", name), []byte("Message-ID: <"+id+">\nSubject: x\n\nhi\n"), 0o600)
	}
	msg("", "1.a:2,S", "a@x")
	msg(".Sent", "2.b:2,", "b@x")
	msg(".Archiv.2019", "3.c:2,F", "c@x")
	fs, err := maildirFolders(src)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 3 || fs["Archiv/2019"] == "" || fs["Sent"] == "" || fs["INBOX"] != src {
		t.Fatalf("folders %v", fs)
	}
	stage := t.TempDir()
	sg := newStager(stage, "", map[string]bool{}, -1, -1)
	if err := stageSource(ImportSource{Kind: ImportMaildir, Path: src}, sg, &strings.Builder{}); err != nil {
		t.Fatal(err)
	}
	if got := sg.stagedFolders(); strings.Join(got, ",") != "Archiv/2019,INBOX,Sent" {
		t.Errorf("staged folders %v", got)
	}
	if ents, _ := os.ReadDir(filepath.Join(stage, ".Archiv.2019", "cur")); len(ents) != 1 || !strings.HasSuffix(ents[0].Name(), ":2,F") {
		t.Errorf("Archiv/2019 staged %v", ents)
	}
	if _, err := os.Stat(filepath.Join(stage, ".Sent", "maildirfolder")); err != nil {
		t.Error("a staged subfolder has no maildirfolder file")
	}
}

// TestMailImportRuns imports an mbox through a fake doveadm: the user is
// looked up first, the mailbox's keys decide what is new, doveadm import
// gets a staging Maildir of the new messages only, the folders are
// subscribed, and the staging directory is gone afterwards.
func TestMailImportRuns(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "var/tmp"), 0o755)
	run := hosttest.NewFakeRunner(t)
	run.Strict = true
	env := &host.Env{Root: root, Runner: run}
	const anna = "anna.mueller@mueller-partner.example"
	run.OnFunc([]string{"doveadm", "user"}, func(c host.Cmd) (host.Result, error) {
		if c.Argv[2] == anna {
			return host.Result{}, nil
		}
		return host.Result{ExitCode: 67}, nil
	})
	run.On([]string{"doveadm", "-f", "json", "fetch", "-u", anna}, host.Result{Stdout: []byte(`[{"mailbox":"Imported/INBOX","hdr.message-id":"<one@example.com>"}]`)})
	var staged []string
	run.OnFunc([]string{"doveadm", "import", "-u", anna}, func(c host.Cmd) (host.Result, error) {
		dir := strings.TrimPrefix(c.Argv[4], "maildir:")
		ents, _ := os.ReadDir(filepath.Join(dir, "cur"))
		for _, e := range ents {
			staged = append(staged, e.Name())
		}
		return host.Result{}, nil
	})
	run.On([]string{"doveadm", "mailbox", "subscribe", "-u", anna}, host.Result{})
	mbox := filepath.Join(t.TempDir(), "Inbox.mbox")
	os.WriteFile(mbox, []byte(testMbox), 0o600)
	svc := &Service{}

	// The username amueller is looked up as the site's address of amueller.
	v, err := svc.MailImport(context.Background(), testSite(), env, "amueller", mbox, "Imported", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	r := v.(ImportResult)
	if r.New != 1 || r.Existing != 2 || len(staged) != 1 || r.Kind != ImportMbox || r.User != anna {
		t.Errorf("result %+v, staged %v; want 1 new (no id), 2 there", r, staged)
	}
	argvs := strings.Join(run.Argvs(), "\n")
	for _, want := range []string{
		"doveadm user " + anna,
		"doveadm -f json fetch -u " + anna + " " + fetchFields + " mailbox Imported/*",
		"doveadm import -u " + anna + " maildir:" + filepath.Join(root, "var/tmp"),
		"doveadm mailbox subscribe -u " + anna + " Imported Imported/INBOX",
	} {
		if !strings.Contains(argvs, want) {
			t.Errorf("no command %q in:\n%s", want, argvs)
		}
	}
	if ents, _ := os.ReadDir(filepath.Join(root, "var/tmp")); len(ents) != 0 {
		t.Errorf("the staging directory is left: %v", ents)
	}

	n := len(run.Cmds())
	for _, bad := range []struct{ user, source, folder, want string }{
		{"nobody", mbox, "Imported", "has no mailbox"},
		{"-x", mbox, "Imported", "not a username"},
		{anna, mbox, "a/../b", "folder"},
		{anna, mbox + ".pst", "", "readpst"},
	} {
		if _, err := svc.MailImport(context.Background(), testSite(), env, bad.user, bad.source, bad.folder, io.Discard); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	if got := run.Cmds()[n:]; len(got) != 1 || got[0].Argv[2] != "nobody@mueller-partner.example" {
		t.Errorf("bad input ran commands other than the user lookup: %v", run.Argvs()[n:])
	}
}
