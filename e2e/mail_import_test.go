// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posse-project/posse/e2e/harness"
)

// mailImportJSON is the part of possectl mail import --json the test reads.
type mailImportJSON struct {
	Folders []struct {
		Name     string `json:"name"`
		New      int    `json:"new"`
		Existing int    `json:"existing"`
	} `json:"folders"`
	New      int `json:"new"`
	Existing int `json:"existing"`
}

// oldMbox is an mbox of n messages from March 2019 as Thunderbird keeps
// them: even ones read (Status: RO), every fifth flagged (X-Status: F),
// the last without a Message-ID.
func oldMbox(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "From sender@old.example Mon Mar  4 10:%02d:00 2019\n", i%60)
		if i < n {
			fmt.Fprintf(&b, "Message-ID: <old-%d@old.example>\n", i)
		}
		fmt.Fprintf(&b, "From: sender@old.example\nTo: anna@mailtest.example\nDate: Mon, 4 Mar 2019 10:%02d:00 +0000\nSubject: old mail %d\n", i%60, i)
		if i%2 == 0 {
			b.WriteString("Status: RO\n")
		}
		if i%5 == 0 {
			b.WriteString("X-Status: F\n")
		}
		fmt.Fprintf(&b, "\nold body %d\n>From a quoted line\n\n", i)
	}
	return b.String()
}

// testMailImport imports an mbox file and a Maildir into anna's mailbox
// with possectl mail import, checks folders, counts, flags and dates over
// IMAPS from the host, imports both again and checks that nothing doubled.
func testMailImport(t *testing.T, tb *harness.TestBox, dir string, m *mailClient) {
	mbox := filepath.Join(dir, "Inbox.mbox")
	os.WriteFile(mbox, []byte(oldMbox(20)), 0o600)
	tb.MustRun(t, "install", "-d", "-m", "0700", "/root/mail")
	tb.CopyIn(t, mbox, "/root/mail/Inbox.mbox", 0o600)
	tb.MustRun(t, "sh", "-ec", `md=/root/mail/Maildir
for f in "" .Sent .Archiv.2019; do mkdir -p "$md/$f/cur" "$md/$f/new" "$md/$f/tmp"; done
msg() { printf 'Message-ID: <%s@old.example>\nFrom: anna@old.example\nSubject: %s\n\nbody\n' "$2" "$2" > "$md/$1"; touch -d 2018-06-01T12:00:00Z "$md/$1"; }
msg cur/1.M1.old:2,S inbox-1
msg .Sent/cur/2.M2.old:2,RS sent-1
msg .Sent/new/3.M3.old sent-2
msg .Archiv.2019/cur/4.M4.old:2,FS archived-1`)

	imp := func(want mailImportJSON, args ...string) {
		t.Helper()
		out, errOut, code := tb.Possectl(t, "", append([]string{"mail", "import", "anna"}, append(args, "--json")...)...)
		if code != 0 {
			t.Fatalf("mail import %v: %d\n%s\n%s", args, code, out, errOut)
		}
		t.Logf("mail import %v:\n%s%s", args, errOut, out)
		var got mailImportJSON
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("mail import --json: %v\n%s", err, out)
		}
		if got.New != want.New || got.Existing != want.Existing || len(got.Folders) != len(want.Folders) {
			t.Fatalf("mail import %v: new %d existing %d folders %+v, want %+v", args, got.New, got.Existing, got.Folders, want)
		}
		for i, f := range want.Folders {
			if got.Folders[i] != f {
				t.Errorf("folder %d: %+v, want %+v", i, got.Folders[i], f)
			}
		}
	}
	type folder = struct {
		Name     string `json:"name"`
		New      int    `json:"new"`
		Existing int    `json:"existing"`
	}
	mboxFirst := mailImportJSON{New: 20, Folders: []folder{{"Imported/INBOX", 20, 0}}}
	mdFirst := mailImportJSON{New: 4, Folders: []folder{{"Old server/Archiv/2019", 1, 0}, {"Old server/INBOX", 1, 0}, {"Old server/Sent", 2, 0}}}
	imp(mboxFirst, "/root/mail/Inbox.mbox")
	imp(mdFirst, "/root/mail/Maildir", "--folder", "Old server")

	imap := func(path, command string) string {
		t.Helper()
		out, err := harness.Host("curl", "-sS", "--cacert", m.ca, "--resolve", m.fqdn+":993:"+m.ip,
			"imaps://"+m.fqdn+"/"+path, "-u", "anna:"+annaPW, "-X", command)
		if err != nil {
			t.Fatalf("curl imaps %s %s: %v %s", path, command, err, out)
		}
		return out
	}
	count := func(search string) int {
		return len(strings.Fields(strings.TrimPrefix(strings.TrimSpace(search), "* SEARCH")))
	}
	check := func() {
		t.Helper()
		if n := count(imap("Imported/INBOX", "SEARCH ALL")); n != 20 {
			t.Errorf("Imported/INBOX holds %d messages, want 20", n)
		}
		if n := count(imap("Imported/INBOX", "SEARCH SEEN")); n != 10 {
			t.Errorf("Imported/INBOX has %d read messages, want 10", n)
		}
		if n := count(imap("Imported/INBOX", "SEARCH FLAGGED")); n != 4 {
			t.Errorf("Imported/INBOX has %d flagged messages, want 4", n)
		}
		if out := imap("Imported/INBOX", "SEARCH BEFORE 5-Mar-2019 SINCE 4-Mar-2019"); count(out) != 20 {
			t.Errorf("internal dates are not the mbox's (4 March 2019): %s", out)
		}
		for box, n := range map[string]int{"Old server/INBOX": 1, "Old server/Sent": 2, "Old server/Archiv/2019": 1} {
			if out := imap("", `EXAMINE "`+box+`"`); !strings.Contains(out, fmt.Sprintf("* %d EXISTS", n)) {
				t.Errorf("%s: want %d messages:\n%s", box, n, out)
			}
		}
		if out := imap("Old%20server%2FSent", "SEARCH ANSWERED"); count(out) != 1 {
			t.Errorf("Old server/Sent: want 1 answered message: %s", out)
		}
		if out := imap("Old%20server%2FSent", "SEARCH BEFORE 2-Jun-2018 SINCE 1-Jun-2018"); count(out) != 2 {
			t.Errorf("Old server/Sent: internal dates are not the files' (1 June 2018): %s", out)
		}
		if out := imap("", `LSUB "" "*"`); !strings.Contains(out, "Imported/INBOX") || !strings.Contains(out, "Old server/Archiv/2019") {
			t.Errorf("imported folders are not subscribed:\n%s", out)
		}
	}
	check()

	// An mbox of another folder brings that folder alone (no empty INBOX).
	tb.MustRun(t, "cp", "/root/mail/Inbox.mbox", "/root/mail/Sent.mbox")
	imp(mailImportJSON{New: 20, Folders: []folder{{"From Sent/Sent", 20, 0}}}, "/root/mail/Sent.mbox", "--folder", "From Sent")
	if out := imap("", `LIST "From Sent" "*"`); !strings.Contains(out, `"From Sent/Sent"`) || strings.Contains(out, "INBOX") {
		t.Errorf("LIST under From Sent: want Sent alone:\n%s", out)
	}

	// Again: nothing new, nothing doubled.
	imp(mailImportJSON{Existing: 20, Folders: []folder{{"Imported/INBOX", 0, 20}}}, "/root/mail/Inbox.mbox")
	imp(mailImportJSON{Existing: 4, Folders: []folder{{"Old server/Archiv/2019", 0, 1}, {"Old server/INBOX", 0, 1}, {"Old server/Sent", 0, 2}}}, "/root/mail/Maildir", "--folder", "Old server")
	check()

	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"mail", "import", "nobody", "/root/mail/Inbox.mbox"}, "has no mailbox"},
		{[]string{"mail", "import", "anna", "/root/mail/missing.mbox"}, "cannot read the import source"},
		{[]string{"mail", "import", "anna", "/root/mail/Outlook.pst"}, "readpst"},
		{[]string{"mail", "import", "anna", "/root/mail/Inbox.mbox", "--folder", "../x"}, "folder"},
	} {
		if out, errOut, code := tb.Possectl(t, "", bad.args...); code == 0 || !strings.Contains(errOut, bad.want) {
			t.Errorf("%v: exit %d, want an error with %q:\n%s%s", bad.args, code, bad.want, out, errOut)
		}
	}
}
