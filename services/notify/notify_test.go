// SPDX-License-Identifier: GPL-3.0-or-later

package notify

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

func keys(ps []Problem) string {
	var k []string
	for _, p := range ps {
		k = append(k, p.Key)
	}
	return strings.Join(k, " ")
}

func TestDetect(t *testing.T) {
	ok := Run{Start: t0.Add(-10 * time.Hour)}
	tests := []struct {
		name  string
		facts Facts
		want  string
	}{
		{"healthy", Facts{Backup: &Backup{Last: ok, LastOK: ok}, Disks: []Disk{{Path: "/", UsedPercent: 90}}, Units: []Unit{{"postfix.service", "active"}}, Certs: []Cert{{"/c", t0.Add(15 * 24 * time.Hour)}}}, ""},
		{"backup failed", Facts{Backup: &Backup{Last: Run{Start: t0.Add(-time.Hour), Error: "boom"}, LastOK: ok}}, "backup"},
		{"backup too old", Facts{Backup: &Backup{Last: Run{Start: t0.Add(-37 * time.Hour)}, LastOK: Run{Start: t0.Add(-37 * time.Hour)}}}, "backup"},
		{"no backup, new", Facts{Backup: &Backup{Setup: t0.Add(-time.Hour)}}, ""},
		{"no backup, old", Facts{Backup: &Backup{Setup: t0.Add(-40 * time.Hour)}}, "backup"},
		{"check, drill, copy", Facts{Backup: &Backup{Last: ok, LastOK: ok, Check: Run{Start: t0, Error: "pack damaged"}, Drill: Run{Start: t0, Error: "checksum"},
			Copies: []Copy{{Name: "nas", Last: Run{Start: t0, Error: "connection refused"}}, {Name: "usb", Last: ok}}}}, "check copy:nas drill"},
		{"disk full", Facts{Disks: []Disk{{Path: "/srv", UsedPercent: 90.5}, {Path: "/", UsedPercent: 20}}}, "disk:/srv"},
		{"unit failed", Facts{Units: []Unit{{"samba-ad-dc.service", "failed"}, {"dovecot.service", "inactive"}, {"postfix.service", "activating"}}}, "unit:dovecot.service unit:samba-ad-dc.service"},
		{"cert", Facts{Certs: []Cert{{"/a", t0.Add(13 * 24 * time.Hour)}, {"/b", t0.Add(-time.Hour)}}}, "cert:/a cert:/b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Detect(tt.facts, t0)
			if keys(got) != tt.want {
				t.Errorf("problems %q, want %q", keys(got), tt.want)
			}
			for _, p := range got {
				if p.Subject == "" || p.What == "" || p.Next == "" {
					t.Errorf("problem %s lacks text: %+v", p.Key, p)
				}
			}
		})
	}
	p := Detect(Facts{Backup: &Backup{Repository: "/r", Last: Run{Start: t0, Error: "repository is locked"}}}, t0)[0]
	if !strings.Contains(p.What, "repository is locked") || !strings.Contains(p.What, "No backup has succeeded") || !strings.Contains(p.Next, "possectl backup run") {
		t.Errorf("backup problem does not say what and what to do: %+v", p)
	}
}

func TestDecideOncePerDayAndResolved(t *testing.T) {
	a := Problem{Key: "copy:nas", Subject: "the backup copy to nas failed", What: "w", Next: "n"}
	b := Problem{Key: "disk:/", Subject: "file system / is 95% full", What: "w", Next: "n"}
	st, mails := Decide(State{}, []Problem{a}, t0)
	if len(mails) != 1 || mails[0].Kind != KindAlert || mails[0].Reminder {
		t.Fatalf("first run: %+v", mails)
	}
	// 15 minutes later the same problem: no mail; a new one: one mail.
	st, mails = Decide(st, []Problem{a, b}, t0.Add(15*time.Minute))
	if len(mails) != 1 || mails[0].Problem.Key != "disk:/" {
		t.Fatalf("second run: %+v", mails)
	}
	// Just before a day: nothing; a day after the first mail: a reminder.
	st, mails = Decide(st, []Problem{a, b}, t0.Add(23*time.Hour))
	if len(mails) != 0 {
		t.Fatalf("within a day: %+v", mails)
	}
	st, mails = Decide(st, []Problem{a, b}, t0.Add(24*time.Hour))
	if len(mails) != 1 || mails[0].Problem.Key != "copy:nas" || !mails[0].Reminder || !mails[0].FirstSeen.Equal(t0) {
		t.Fatalf("after a day: %+v", mails)
	}
	// a goes away: one resolved mail, then nothing more.
	st, mails = Decide(st, []Problem{b}, t0.Add(24*time.Hour+10*time.Minute))
	if len(mails) != 1 || mails[0].Kind != KindResolved || mails[0].Problem.Key != "copy:nas" {
		t.Fatalf("resolved: %+v", mails)
	}
	st, mails = Decide(st, []Problem{b}, t0.Add(24*time.Hour+12*time.Minute))
	if len(mails) != 0 || len(st.Open) != 1 {
		t.Fatalf("after resolved: %+v %v", mails, st.Keys())
	}
}

func TestUnsentStaysDue(t *testing.T) {
	a := Problem{Key: "backup", Subject: "s", What: "w", Next: "n"}
	prev := State{}
	next, mails := Decide(prev, []Problem{a}, t0)
	next.Unsent(prev, mails[0])
	if o := next.Open["backup"]; o == nil || !o.LastSent.IsZero() || !o.FirstSeen.Equal(t0) {
		t.Fatalf("unsent alert: %+v", o)
	}
	st2, mails := Decide(next, []Problem{a}, t0.Add(15*time.Minute))
	if len(mails) != 1 || mails[0].Reminder || !mails[0].FirstSeen.Equal(t0) {
		t.Fatalf("retry: %+v", mails)
	}
	st3, mails := Decide(st2, nil, t0.Add(time.Hour))
	st3.Unsent(st2, mails[0])
	if _, ok := st3.Open["backup"]; !ok {
		t.Fatal("an unsent resolved mail closed the problem")
	}
}

type recorder struct {
	msgs [][]byte
	from []string
	err  error
}

func (r *recorder) Send(_ context.Context, from string, msg []byte) error {
	if r.err != nil {
		return r.err
	}
	r.from = append(r.from, from)
	r.msgs = append(r.msgs, msg)
	return nil
}

func TestCheckKeepsState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notify", "state.json")
	env := Envelope{From: "posse@example.com", To: []string{"it@example.com"}, Hostname: "dc1"}
	failed := Facts{Backup: &Backup{Repository: "/r", Last: Run{Start: t0, Error: "boom"}}}
	r := &recorder{err: errors.New("postfix is down")}
	if _, err := Check(context.Background(), failed, path, env, r, t0); err == nil {
		t.Fatal("a mail that could not be sent is not an error")
	}
	r.err = nil
	rep, err := Check(context.Background(), failed, path, env, r, t0.Add(15*time.Minute))
	if err != nil || len(rep.Sent) != 1 || rep.Sent[0] != "[posse dc1] PROBLEM: the backup failed" {
		t.Fatalf("retry: %+v %v", rep, err)
	}
	rep, _ = Check(context.Background(), failed, path, env, r, t0.Add(30*time.Minute))
	if len(rep.Sent) != 0 || len(rep.Problems) != 1 {
		t.Fatalf("second mail for one problem: %+v", rep)
	}
	rep, _ = Check(context.Background(), Facts{}, path, env, r, t0.Add(45*time.Minute))
	if len(rep.Sent) != 1 || !strings.Contains(rep.Sent[0], "RESOLVED: the backup failed") {
		t.Fatalf("resolved: %+v", rep)
	}
	if len(r.msgs) != 2 || r.from[0] != "posse@example.com" {
		t.Fatalf("sent %d mails from %v", len(r.msgs), r.from)
	}
	st, err := LoadState(path)
	if err != nil || len(st.Open) != 0 || !st.LastRun.Equal(t0.Add(45*time.Minute)) {
		t.Fatalf("state %+v %v", st, err)
	}
}

func TestRender(t *testing.T) {
	m := Mail{Kind: KindAlert, FirstSeen: t0, Problem: Problem{Key: "copy:nas", Subject: "the backup copy to nas failed\r\nBcc: x@evil.example",
		What: "ssh: connect to host nas port 22: Connection refused\x1b[31m", Next: "start the server"}}
	msg, err := Render(m, Envelope{From: "posse@example.com", To: []string{"it@example.com", "boss@example.org"}, Hostname: "dc1.example.com"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	head, body, _ := strings.Cut(string(msg), "\r\n\r\n")
	for _, want := range []string{"From: Posse on dc1.example.com <posse@example.com>\r\n", "To: it@example.com, boss@example.org\r\n",
		"Subject: [posse dc1.example.com] PROBLEM: the backup copy to nas failed  Bcc: x@evil.example\r\n",
		"Date: Mon, 23 Nov 2026 08:00:00 +0000\r\n", "Message-ID: <", "@dc1.example.com>\r\n"} {
		if !strings.Contains(head, want) {
			t.Errorf("header lacks %q:\n%s", want, head)
		}
	}
	if strings.Count(head, "\r\n") != 9 || strings.Contains(head, "\nBcc:") {
		t.Errorf("header lines:\n%s", head)
	}
	for _, want := range []string{"What happened:", "Connection refused", "What to do:", "start the server", "First seen 2026-11-23 08:00 UTC"} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "\x1b") {
		t.Error("body holds a control character")
	}
	if _, err := Render(m, Envelope{From: "-oX@example.com", To: []string{"a@example.com"}}, t0); err == nil {
		t.Error("a sender like an option was rendered")
	}
	if _, err := Render(m, Envelope{From: "p@example.com"}, t0); err == nil {
		t.Error("a mail without recipients was rendered")
	}
	if SubjectOf(Mail{Kind: KindTest}, "bad host\n") != "[posse box] test mail" {
		t.Error("a bad host name reached the subject")
	}
}

func TestRenderUnits(t *testing.T) {
	u, err := RenderUnits("/usr/local/bin/possectl")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(u[ServiceUnit], "ExecStart=/usr/local/bin/possectl notify run --scheduled\n") || !strings.Contains(u[TimerUnit], "OnCalendar=*:0/15\n") {
		t.Errorf("units:\n%s\n%s", u[ServiceUnit], u[TimerUnit])
	}
	if _, err := RenderUnits("possectl; rm -rf /"); err == nil {
		t.Error("a relative possectl path was rendered")
	}
}
