// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"fmt"
	"os"
	"strings"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
)

// Spam filtering: whenever Rspamd runs (it is Postfix's milter for DKIM
// signing, and scores every incoming message on the way), the message it
// marks with "X-Spam: Yes" (its add-header action) is filed into the
// user's Junk folder by a global Sieve script in LMTP; mail it rejects
// never arrives. A user moving a message into Junk teaches Rspamd's Bayes
// filter spam, moving it out of Junk (but not into Trash) teaches ham:
// IMAPSieve pipes the message to rspamc, which hands it to Rspamd's
// controller on the loopback address (a local client needs no password).
// The Bayes filter keeps what it learned in Redis on the loopback
// address.
const (
	// SieveDir holds the global Sieve scripts (and their compiled
	// .svbin files, made by sievec during the apply).
	SieveDir = "/etc/dovecot/sieve"
	// SievePipeDir holds the programs the scripts may pipe to.
	SievePipeDir = "/etc/dovecot/sieve-pipe"
	// SpamToJunkPath files spam into Junk on delivery.
	SpamToJunkPath = SieveDir + "/spam-to-junk.sieve"
	// LearnSpamPath runs when a message is copied or moved into Junk.
	LearnSpamPath = SieveDir + "/learn-spam.sieve"
	// LearnHamPath runs when a message is copied or moved out of Junk.
	LearnHamPath = SieveDir + "/learn-ham.sieve"
	// LearnSpamProgram and LearnHamProgram call rspamc.
	LearnSpamProgram = "rspamd-learn-spam.sh"
	LearnHamProgram  = "rspamd-learn-ham.sh"
	// RspamdBayesPath points Rspamd's Bayes filter at the local Redis.
	RspamdBayesPath = RspamdLocalDir + "/classifier-bayes.conf"
	// RspamdControllerAddr is Rspamd's controller (Debian's default),
	// which learns messages from local clients without a password.
	RspamdControllerAddr = "127.0.0.1:11334"
	// RedisUnit is Debian's Redis, listening on the loopback address.
	RedisUnit = "redis-server.service"
	// RedisAddr is where Rspamd's Bayes filter keeps its tokens.
	RedisAddr = "127.0.0.1:6379"
	// JunkMailbox is the folder spam is filed into.
	JunkMailbox = "Junk"
	// SpamHeader is the header Rspamd's milter adds to spam.
	SpamHeader = "X-Spam"
)

// spamPackages are the files of the packages spam filing and learning
// need, beyond Dovecot and Rspamd.
var spamPackages = []struct{ path, pkg string }{
	{"/usr/bin/sievec", "dovecot-sieve"},
	{"/usr/bin/redis-server", "redis-server"},
}

// sievec compiles the delivery script (Dovecot's processes, running as
// vmail, cannot write the compiled file next to it) and so checks it.
// The learn scripts need the IMAPSieve extensions, which exist only in
// Dovecot's IMAP processes (sievec does not know them): IMAP compiles
// them when a user first moves a message.
var sievec = []string{"sievec", SpamToJunkPath}

// checkSpamPackages names the packages spam filing needs when one is
// missing.
func checkSpamPackages(env *host.Env) error {
	var missing []string
	for _, f := range spamPackages {
		if _, err := os.Stat(env.Path(f.path)); err != nil {
			missing = append(missing, f.pkg)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("spam filing into Junk needs the packages %s: install them with apt-get install %s, then plan again (or turn Rspamd off with mail.dkim: {enabled: false})",
			strings.Join(missing, ", "), strings.Join(missing, " "))
	}
	return nil
}

// RenderSpamToJunk renders the Sieve script LMTP runs before a user's
// own: spam goes into Junk (created when missing) and nothing else
// happens to it.
func RenderSpamToJunk() string {
	return sieveHeader + `# Rspamd marks spam with "` + SpamHeader + `: Yes": file it into ` + JunkMailbox + `.
require ["fileinto", "mailbox"];
if header :is "` + SpamHeader + `" "Yes" {
  fileinto :create "` + JunkMailbox + `";
  stop;
}
`
}

// RenderLearnSpam renders the IMAPSieve script run when a message is
// copied, moved or appended into Junk: Rspamd learns it as spam.
func RenderLearnSpam() string {
	return sieveHeader + `# A message put into ` + JunkMailbox + ` teaches Rspamd spam.
require ["vnd.dovecot.pipe", "copy", "imapsieve"];
pipe :copy "` + LearnSpamProgram + `";
`
}

// RenderLearnHam renders the IMAPSieve script run when a message is
// copied or moved out of Junk: Rspamd learns it as ham, unless it goes
// into Trash (deleting spam is no sign it was not spam).
func RenderLearnHam() string {
	return sieveHeader + `# A message taken out of ` + JunkMailbox + ` (not into Trash) teaches Rspamd ham.
require ["vnd.dovecot.pipe", "copy", "imapsieve", "environment", "variables"];
if environment :matches "imap.mailbox" "*" {
  set "mailbox" "${1}";
}
if string "${mailbox}" "Trash" {
  stop;
}
pipe :copy "` + LearnHamProgram + `";
`
}

// RenderLearnProgram renders the program a learn script pipes the message
// to: rspamc sends it to the controller on the loopback address. what is
// "spam" or "ham".
func RenderLearnProgram(what string) string {
	return "#!/bin/sh\n" + header +
		"# Teaches Rspamd " + what + " with the message on standard input (IMAPSieve).\n" +
		"exec /usr/bin/rspamc --connect " + RspamdControllerAddr + " learn_" + what + "\n"
}

// RenderBayes renders local.d/classifier-bayes.conf: the Bayes filter
// keeps its tokens in the local Redis; it learns only from the users'
// moves, not from its own verdicts.
func RenderBayes() string {
	return rspamdConfigHeaderLine +
		"# The Bayes filter learns from messages users move into or out of Junk.\n" +
		"backend = \"redis\";\n" +
		fmt.Sprintf("servers = %q;\n", RedisAddr) +
		"autolearn = false;\n"
}

// sieveHeader starts every Sieve script Posse writes.
const sieveHeader = "# Managed by Posse: changes here are overwritten by the next apply.\n"

// spamFiles are the files of spam filing and learning; Dovecot reads
// the Sieve scripts and programs, Rspamd the Bayes settings.
func spamFiles() []plan.FileSpec {
	f := func(p, content string, mode uint32) plan.FileSpec {
		return plan.FileSpec{Path: p, Content: content, Mode: mode, Owner: "root", Group: "root"}
	}
	return []plan.FileSpec{
		f(SpamToJunkPath, RenderSpamToJunk(), 0o644),
		f(LearnSpamPath, RenderLearnSpam(), 0o644),
		f(LearnHamPath, RenderLearnHam(), 0o644),
		f(SievePipeDir+"/"+LearnSpamProgram, RenderLearnProgram("spam"), 0o755),
		f(SievePipeDir+"/"+LearnHamProgram, RenderLearnProgram("ham"), 0o755),
	}
}

// spamSteps plans the Sieve scripts and programs when Rspamd runs and
// their removal when it does not; sieve is set when a script changed
// (sievec then compiles them).
func spamSteps(env *host.Env, c Config) (steps []plan.Step, sieve bool, err error) {
	for _, f := range spamFiles() {
		var step plan.Step
		var ok bool
		if c.Spam() {
			step, ok, err = plan.FileStep(Name, env, f)
		} else {
			step, ok, err = plan.DeleteFileStep(Name, env, f.Path)
		}
		if err != nil {
			return nil, false, err
		}
		if ok {
			steps = append(steps, step)
			sieve = sieve || (c.Spam() && strings.HasSuffix(f.Path, ".sieve"))
		}
	}
	return steps, sieve, nil
}

// Spam reports whether incoming spam is filed into Junk and users' moves
// teach Rspamd: whenever Rspamd runs.
func (c Config) Spam() bool { return c.DKIM }
