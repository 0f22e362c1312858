// SPDX-License-Identifier: GPL-3.0-or-later

package provisioning_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning"
	"github.com/posse-project/posse/provisioning/site"
)

// TestWriteTemplateRoundTrip: an exported template loads back to the same
// site, holds no secret values and leaves out empty optional keys.
func TestWriteTemplateRoundTrip(t *testing.T) {
	s, err := site.Load("../examples/small-office.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s.Site.Name = "yes" // a value YAML would read as a boolean if unquoted
	s.Groups[0].Description = "10"
	no := false
	s.Shares[0].Folders = []site.Folder{{Path: "Intern", Write: s.Shares[0].Write, Deny: []string{s.Users[0].Username}, Inherit: &no}}
	var buf bytes.Buffer
	if err := provisioning.WriteTemplate(&buf, s, "share X: a note\nover two lines"); err != nil {
		t.Fatal(err)
	}
	back, err := site.Parse("exported.yaml", buf.Bytes())
	if err != nil {
		t.Fatalf("exported template does not load: %v\n%s", err, buf.String())
	}
	want, _ := json.Marshal(s)
	got, _ := json.Marshal(back)
	if !bytes.Equal(want, got) {
		t.Errorf("round trip differs:\nwant %s\ngot  %s", want, got)
	}
	if strings.Contains(buf.String(), "realm: \"\"") || strings.Contains(buf.String(), ": {") || strings.Contains(buf.String(), ": [") {
		t.Errorf("export has empty keys or flow style:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), "\n# Note: share X: a note over two lines\n") {
		t.Errorf("the note is not a one-line comment:\n%s", buf.String())
	}
}

// TestWriteTemplateDefaultPolicy: a site without a password policy
// exports none that Parse refuses (min_length: 0 is not a valid key).
func TestWriteTemplateDefaultPolicy(t *testing.T) {
	s, err := site.Parse("t.yaml", []byte("version: 1\nsite: {name: T, domain: t.example, workgroup: T}\ndirectory: {admin_password: \"${secret:a}\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := provisioning.WriteTemplate(&buf, s); err != nil {
		t.Fatal(err)
	}
	if _, err := site.Parse("exported.yaml", buf.Bytes()); err != nil {
		t.Errorf("exported template does not load: %v\n%s", err, buf.String())
	}
}
