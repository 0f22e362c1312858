// SPDX-License-Identifier: GPL-3.0-or-later

package ad_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/services/ad"
)

// TestParseShowreplFailing reads output in the form samba-tool 4.17's
// drs.py writes it (constructed from its source): one naming context
// failing from DC1, and outbound links that never succeeded (Samba leaves
// repsTo times at NTTIME(0)).
func TestParseShowreplFailing(t *testing.T) {
	raw, err := os.ReadFile("testdata/showrepl/constructed-4.17-failing.json")
	if err != nil {
		t.Fatal(err)
	}
	r, err := ad.ParseShowrepl("dc2", raw)
	if err != nil {
		t.Fatal(err)
	}
	if r.Server != "dc2" || len(r.Inbound) != 1 || len(r.Outbound) != 1 {
		t.Fatalf("%+v", r)
	}
	in := r.Inbound[0]
	if in.Partner != "dc1" || in.Site != "Hauptsitz" || in.Contexts != 5 || in.Failures != 3 ||
		!strings.Contains(in.LastError, "WERR_BADFILE") || !strings.HasPrefix(in.LastError, "DC=ad,DC=example,DC=com: ") {
		t.Errorf("inbound %+v", in)
	}
	if in.LastSuccess == nil || !in.LastSuccess.Equal(time.Date(2026, 12, 7, 16, 30, 0, 0, time.UTC)) {
		t.Errorf("last success %v, want the oldest of the contexts", in.LastSuccess)
	}
	if in.LastAttempt == nil || !in.LastAttempt.Equal(time.Date(2026, 12, 7, 16, 41, 0, 0, time.UTC)) {
		t.Errorf("last attempt %v, want the newest", in.LastAttempt)
	}
	if out := r.Outbound[0]; out.LastSuccess != nil || out.Failures != 0 {
		t.Errorf("outbound %+v", out)
	}
	p := r.Problems(1)
	if len(p) != 1 || !strings.Contains(p[0], "dc2: 3 failed replications from dc1 in a row") {
		t.Errorf("problems %q", p)
	}
}

// TestParseShowreplCaptured reads outputs captured from real domain
// controllers of TestSecondDC (which logs them), on Debian 12 (Samba
// 4.17) and Debian 13 (4.22): each has an inbound partner that replicated
// every naming context without failures.
func TestParseShowreplCaptured(t *testing.T) {
	files, _ := filepath.Glob("testdata/showrepl/samba-*-replicated.json")
	if len(files) < 4 {
		t.Fatalf("captured outputs: %v", files)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r, err := ad.ParseShowrepl("dc", raw)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if len(r.Inbound) == 0 {
			t.Errorf("%s: %+v", f, r)
		}
		for _, l := range r.Inbound {
			if l.LastSuccess == nil || l.Contexts < 3 || l.Failures != 0 {
				t.Errorf("%s: inbound %+v", f, l)
			}
		}
		if p := r.Problems(1); len(p) != 0 {
			t.Errorf("%s: problems %q", f, p)
		}
	}
}

func TestParseShowreplProblems(t *testing.T) {
	if _, err := ad.ParseShowrepl("dc1", []byte("ERROR: not a DC")); err == nil {
		t.Error("garbage parsed")
	}
	if _, err := ad.ParseShowrepl("dc1", []byte(`{"repsFrom": []}`)); err == nil {
		t.Error("output without a dsa parsed")
	}
	r, err := ad.ParseShowrepl("dc1", []byte(`{"dsa": {"objectGUID": "x"}, "repsFrom": [], "repsTo": []}`))
	if err != nil {
		t.Fatal(err)
	}
	if p := r.Problems(0); len(p) != 0 {
		t.Errorf("a lone DC has problems %q", p)
	}
	if p := r.Problems(1); len(p) != 1 || !strings.Contains(p[0], "replicates from no other domain controller") {
		t.Errorf("problems %q", p)
	}
	// A neighbour without DSA falls back to its NTDS DN; a deleted one is a problem.
	r, err = ad.ParseShowrepl("dc1", []byte(`{"dsa": {"objectGUID": "x"}, "repsFrom": [{"NC dn": "DC=x", "NTDS DN": "CN=NTDS Settings,CN=OLD,CN=Servers,CN=S,CN=Sites,CN=Configuration,DC=x", "last success": "NTTIME(0)", "is deleted": true}]}`))
	if err != nil || len(r.Inbound) != 1 || r.Inbound[0].Partner != "old" || r.Inbound[0].Site != "S" {
		t.Fatalf("%+v %v", r, err)
	}
	if p := r.Problems(1); len(p) != 1 || !strings.Contains(p[0], "removed from the domain") {
		t.Errorf("problems %q", p)
	}
}

// TestParseShowreplBeforeFirstPull reads what Samba 4.22 said on the
// first DC right after the second joined: the KCC had made the
// connection from the new DC, but no naming context had replicated yet.
func TestParseShowreplBeforeFirstPull(t *testing.T) {
	raw, err := os.ReadFile("testdata/showrepl/samba-4.22-dc1-before-first-pull.json")
	if err != nil {
		t.Fatal(err)
	}
	r, err := ad.ParseShowrepl("t-dc1-ne8kl", raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Inbound) != 1 || r.Inbound[0].Partner != "t-dc2-7yhc3" || r.Inbound[0].Site != "Hauptsitz" || r.Inbound[0].Contexts != 5 || r.Inbound[0].LastSuccess != nil {
		t.Errorf("inbound %+v", r.Inbound)
	}
	if p := r.Problems(1); len(p) != 1 || !strings.Contains(p[0], "t-dc1-ne8kl has not replicated every naming context from t-dc2-7yhc3 yet") {
		t.Errorf("problems %q", p)
	}
}
