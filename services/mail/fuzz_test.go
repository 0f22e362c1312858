// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/host"
)

// FuzzParseQueue feeds arbitrary postqueue -j output: never a panic, and a
// count only for lines that are queue entries.
func FuzzParseQueue(f *testing.F) {
	f.Add([]byte(`{"queue_name": "deferred", "queue_id": "A1"}` + "\n"))
	f.Add([]byte("Mail queue is empty\n"))
	f.Add([]byte("\n\n{}\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := ParseQueue(in)
		if err == nil && r.QueueSize > strings.Count(string(in), "\n")+1 {
			t.Fatalf("%d entries from %d lines", r.QueueSize, strings.Count(string(in), "\n")+1)
		}
		if r.Deferred > r.QueueSize {
			t.Fatal("more deferred than queued")
		}
	})
}

// FuzzExport feeds arbitrary Posse-owned files back to Export: never a
// panic, and everything exported passes the same checks as rendering.
func FuzzExport(f *testing.F) {
	f.Add("virtual_mailbox_domains = a.example, b.example\n", "  quota_rule = *:storage=10M\n", "info@a.example x@a.example, y@b.example\n")
	f.Add("virtual_mailbox_domains = \n", "quota_rule = *:storage=M\n", "bad\n")
	f.Add("virtual_mailbox_domains = a.example\nrelayhost = x\n", "", "#x@a.example y@a.example\n")
	f.Add("virtual_mailbox_domains = a.example\n", "dovecot_config_version = 2.4.0\nquota_storage_size = 10M\n", "")
	f.Add("virtual_mailbox_domains = a.example\n", "quota_storage_size = 1G\n", "")
	f.Fuzz(func(t *testing.T, mainCf, dovecot, aliases string) {
		env := &host.Env{Root: t.TempDir()}
		for p, c := range map[string]string{MainCfPath: header + mainCf, DovecotConfPath: dovecot, AliasesPath: header + aliases} {
			os.MkdirAll(filepath.Dir(env.Path(p)), 0o755)
			os.WriteFile(env.Path(p), []byte(c), 0o644)
		}
		m, err := Export(env)
		if err != nil || m == nil {
			return
		}
		c := Config{FQDN: "dc.ad.a.example", Domain: "a.example", Domains: m.Domains, QuotaMB: m.MailboxQuotaMB,
			SearchBase: "OU=Posse,DC=a", BindDN: "CN=x,DC=a", TLSDir: "/x"}
		for _, a := range m.Aliases {
			c.Aliases = append(c.Aliases, Alias{Address: a.Address, Targets: a.To})
		}
		if len(c.Domains) == 0 {
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("exported a mail section that does not render: %v", err)
		}
	})
}
