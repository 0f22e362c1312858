// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"os"
	"strings"
	"testing"
)

// spamFacts is what a rendered dovecot.conf says about spam filing and
// learning, in words both formats share.
type spamFacts struct {
	lmtpSieve, imapSieve   bool
	before                 string // the global script LMTP runs first
	pipeDir                string
	pipeAllowed            bool
	intoJunk, outOfJunk    string // the IMAPSieve scripts
	intoCauses, outOfCause string
	outOfFrom              string
}

func spamFacts23(t *testing.T, conf string) spamFacts {
	c := parseDovecot(t, conf)
	f := spamFacts{
		lmtpSieve:   strings.Contains(get(c, "protocol lmtp", "mail_plugins"), " sieve"),
		imapSieve:   strings.Contains(get(c, "protocol imap", "mail_plugins"), " imap_sieve"),
		before:      get(c, "plugin", "sieve_before"),
		pipeDir:     get(c, "plugin", "sieve_pipe_bin_dir"),
		pipeAllowed: strings.Contains(get(c, "plugin", "sieve_global_extensions"), "+vnd.dovecot.pipe") && strings.Contains(get(c, "plugin", "sieve_plugins"), "sieve_extprograms") && strings.Contains(get(c, "plugin", "sieve_plugins"), "sieve_imapsieve"),
	}
	for i := 1; i <= 9; i++ {
		n := string(rune('0' + i))
		name, from := get(c, "plugin", "imapsieve_mailbox"+n+"_name"), get(c, "plugin", "imapsieve_mailbox"+n+"_from")
		script := strings.TrimPrefix(get(c, "plugin", "imapsieve_mailbox"+n+"_before"), "file:")
		causes := strings.ToLower(get(c, "plugin", "imapsieve_mailbox"+n+"_causes"))
		switch {
		case name == JunkMailbox && from == "":
			f.intoJunk, f.intoCauses = script, causes
		case name == "*" && from != "":
			f.outOfJunk, f.outOfCause, f.outOfFrom = script, causes, from
		}
	}
	return f
}

func spamFacts24(t *testing.T, conf string) spamFacts {
	c := parseDovecot(t, conf)
	f := spamFacts{
		lmtpSieve:   get(c, "protocol lmtp/mail_plugins", "sieve") == "yes",
		imapSieve:   get(c, "protocol imap/mail_plugins", "imap_sieve") == "yes",
		pipeDir:     get(c, "", "sieve_pipe_bin_dir"),
		pipeAllowed: get(c, "sieve_global_extensions", "vnd.dovecot.pipe") == "yes" && get(c, "sieve_plugins", "sieve_extprograms") == "yes" && get(c, "sieve_plugins", "sieve_imapsieve") == "yes",
	}
	if get(c, "sieve_script spam_to_junk", "type") == "before" {
		f.before = get(c, "sieve_script spam_to_junk", "path")
	}
	in := "mailbox " + JunkMailbox + "/sieve_script learn_spam"
	if get(c, in, "type") == "before" {
		f.intoJunk, f.intoCauses = get(c, in, "path"), get(c, in, "cause")
	}
	for _, s := range sections(c, "imapsieve_from") {
		out := s + "/sieve_script learn_ham"
		if get(c, out, "type") == "before" {
			f.outOfJunk, f.outOfCause, f.outOfFrom = get(c, out, "path"), get(c, out, "cause"), strings.TrimPrefix(s, "imapsieve_from ")
		}
	}
	return f
}

// TestSpamSettingsBothFormats: both Dovecot formats file spam into Junk
// on delivery and run the learn scripts on moves into and out of Junk,
// with the pipe extension allowed for the global scripts only.
func TestSpamSettingsBothFormats(t *testing.T) {
	want := spamFacts{lmtpSieve: true, imapSieve: true, before: SpamToJunkPath, pipeDir: SievePipeDir, pipeAllowed: true,
		intoJunk: LearnSpamPath, outOfJunk: LearnHamPath, intoCauses: "copy append", outOfCause: "copy", outOfFrom: JunkMailbox}
	if got := spamFacts23(t, RenderDovecotConf(testConfigFor(t, Dovecot23))); got != want {
		t.Errorf("2.3:\n got %+v\nwant %+v", got, want)
	}
	if got := spamFacts24(t, RenderDovecotConf(testConfigFor(t, Dovecot24))); got != want {
		t.Errorf("2.4:\n got %+v\nwant %+v", got, want)
	}
	for _, f := range []DovecotFormat{Dovecot23, Dovecot24} {
		c := testConfigFor(t, f)
		c.DKIM = false
		conf := RenderDovecotConf(c)
		for _, s := range []string{"sieve", SieveDir} {
			if strings.Contains(conf, s) {
				t.Errorf("%s without Rspamd mentions %q:\n%s", f, s, conf)
			}
		}
	}
}

// TestJunkAutoSubscribed: Junk exists and is subscribed for every user,
// in both formats, with the special-use flag clients look for.
func TestJunkAutoSubscribed(t *testing.T) {
	for _, f := range []DovecotFormat{Dovecot23, Dovecot24} {
		c := parseDovecot(t, RenderDovecotConf(testConfigFor(t, f)))
		s := "namespace inbox/mailbox " + JunkMailbox
		if get(c, s, "auto") != "subscribe" || get(c, s, "special_use") != `\Junk` {
			t.Errorf("%s: Junk is %q %q", f, get(c, s, "auto"), get(c, s, "special_use"))
		}
	}
}

// TestSieveScripts: spam goes into Junk and stops there; the learn
// scripts pipe to the programs in the pipe directory, ham not from moves
// into Trash; the programs talk to the loopback controller with no
// password on their command line.
func TestSieveScripts(t *testing.T) {
	if s := RenderSpamToJunk(); !strings.Contains(s, `if header :is "X-Spam" "Yes"`) || !strings.Contains(s, `fileinto :create "Junk"`) || !strings.Contains(s, "stop;") {
		t.Errorf("spam-to-junk:\n%s", s)
	}
	if s := RenderLearnSpam(); !strings.Contains(s, `pipe :copy "`+LearnSpamProgram+`"`) {
		t.Errorf("learn-spam:\n%s", s)
	}
	ham := RenderLearnHam()
	trash, pipe := strings.Index(ham, `"Trash"`), strings.Index(ham, `pipe :copy "`+LearnHamProgram+`"`)
	if trash < 0 || pipe < 0 || trash > pipe {
		t.Errorf("learn-ham must stop on Trash before piping:\n%s", ham)
	}
	for _, what := range []string{"spam", "ham"} {
		p := RenderLearnProgram(what)
		if !strings.HasPrefix(p, "#!/bin/sh\n") || !strings.Contains(p, "--connect 127.0.0.1:11334 learn_"+what+"\n") || strings.Contains(p, "password") || strings.Contains(p, "-P") {
			t.Errorf("learn program %s:\n%s", what, p)
		}
	}
	for _, f := range spamFiles() {
		want := uint32(0o644)
		if strings.HasPrefix(f.Path, SievePipeDir+"/") {
			want = 0o755
		}
		if f.Mode != want || f.Owner != "root" {
			t.Errorf("%s: mode %o owner %s", f.Path, f.Mode, f.Owner)
		}
	}
	if b := RenderBayes(); !strings.Contains(b, `backend = "redis";`) || !strings.Contains(b, `servers = "127.0.0.1:6379";`) {
		t.Errorf("bayes:\n%s", b)
	}
}

// TestSpamPackagesMissing: without dovecot-sieve the plan names it.
func TestSpamPackagesMissing(t *testing.T) {
	b := newFakeBox(t)
	if err := checkSpamPackages(b.env); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(b.env.Path("/usr/bin/sievec")); err != nil {
		t.Fatal(err)
	}
	err := checkSpamPackages(b.env)
	if err == nil || !strings.Contains(err.Error(), "apt-get install dovecot-sieve") {
		t.Errorf("got %v", err)
	}
}
