// SPDX-License-Identifier: GPL-3.0-or-later

package plan

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file; got:\n%s\nwant:\n%s", name, got, want)
	}
}

func samplePlan(t *testing.T) *Plan {
	env := testRoot(t, map[string]string{
		"/etc/samba/smb.conf":  "[global]\n\tworkgroup = OLD\n\trealm = AD.EXAMPLE\n",
		"/etc/posse/backup.pw": "old-password\n",
	})
	must := func(s Step, changed bool, err error) Step {
		if err != nil || !changed {
			t.Fatalf("step: %v changed=%v", err, changed)
		}
		return s
	}
	p := &Plan{Version: FormatVersion, Site: "Müller & Partner", TemplateHash: "0123abcd"}
	p.Steps = []Step{
		must(FileStep("samba", env, FileSpec{Path: "/etc/samba/smb.conf", Content: "[global]\n\tworkgroup = MUELLER\n\trealm = AD.EXAMPLE\n"})),
		must(FileStep("samba", env, FileSpec{Path: "/etc/samba/shares.conf", Content: "[Akten]\n\tpath = /srv/posse/shares/akten\n"})),
		CheckStep("samba", "testparm", "-s", "--suppress-prompt"),
		UnitStep("samba", "samba-ad-dc.service", "restart"),
		{Service: "directory", Action: Update, Kind: "user", Target: "amueller", Changes: []Change{
			{Field: "given_name", Before: "Ann", After: "Anna"},
			{Field: "description", Before: "", After: "Partner & founder"},
			{Field: "title", Before: "old title", After: ""},
			{Field: "password", Sensitive: true, Before: "${secret:x}", After: "${secret:y}"},
		}},
		{Service: "directory", Action: Delete, Kind: "group", Target: "interns"},
		must(DirStep("files", env, DirSpec{Path: "/srv/posse/shares/akten", Mode: 0o2770})),
		must(FileStep("backup", env, FileSpec{Path: "/etc/posse/backup.pw", Content: "${secret:backup}\n", Mode: 0o600})),
		UnitStep("backup", "posse-backup.timer", "enable"),
		UnitStep("mail", "postfix.service", "reload"),
		ProbeStep("mail", "smtp://localhost:25", "mail server answers"),
	}
	p.Notes = []Note{{Service: "directory", Target: "bob", Message: "in the directory but not in the template; left alone (set prune: true to delete)"}}
	return p
}

func TestWriteTextGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteText(&buf, samplePlan(t)); err != nil {
		t.Fatal(err)
	}
	golden(t, "plan.txt", buf.Bytes())
	if bytes.Contains(buf.Bytes(), []byte("s3cr3t")) || bytes.Contains(buf.Bytes(), []byte("old-password")) {
		t.Error("plan text shows a secret")
	}
}

func TestWriteJSONGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, samplePlan(t)); err != nil {
		t.Fatal(err)
	}
	golden(t, "plan.json", buf.Bytes())
	if bytes.Contains(buf.Bytes(), []byte("s3cr3t")) || bytes.Contains(buf.Bytes(), []byte("old-password")) {
		t.Error("plan JSON shows a secret")
	}
}

func TestWriteEmpty(t *testing.T) {
	var buf bytes.Buffer
	p := &Plan{Version: FormatVersion, Site: "x"}
	WriteText(&buf, p)
	golden(t, "empty.txt", buf.Bytes())
	buf.Reset()
	WriteJSON(&buf, p)
	golden(t, "empty.json", buf.Bytes())
}
