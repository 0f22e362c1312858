// SPDX-License-Identifier: GPL-3.0-or-later

package box

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/migrate"
)

func TestLegacyJoinSpec(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	env := &host.Env{Root: root, Hostname: "posse", IP: "10.0.0.3"}
	r := &migrate.Report{Domain: "old.example", Realm: "OLD.EXAMPLE", NetBIOS: "OLD", DC: "legacy.old.example", From: "10.0.0.2"}
	for _, c := range []struct{ resolv, orig, fwd string }{
		{"nameserver 9.9.9.9\n", "", "9.9.9.9"},
		// An interrupted join left the old DC in resolv.conf; the
		// original is kept aside.
		{"nameserver 10.0.0.2\n", "nameserver 1.1.1.1\n", "1.1.1.1"},
		{"nameserver 10.0.0.2\n", "", ""},
	} {
		os.WriteFile(filepath.Join(root, "etc/resolv.conf"), []byte(c.resolv), 0o644)
		os.Remove(filepath.Join(root, "etc/resolv.conf.posse-orig"))
		if c.orig != "" {
			os.WriteFile(filepath.Join(root, "etc/resolv.conf.posse-orig"), []byte(c.orig), 0o644)
		}
		js := legacyJoinSpec(env, LegacyJoin{Report: r, User: `OLD\admin`, Hostname: "posse", IP: "10.0.0.3", Secret: "legacy_admin"}, "/var/lib/posse/tls")
		if js.User != `OLD\admin` || js.First != "10.0.0.2" || js.FirstName != "legacy.old.example" || js.Workgroup != "OLD" ||
			js.Conn.Realm != "OLD.EXAMPLE" || js.Conn.AdminSecret != "legacy_admin" || js.Conn.FQDN != "posse.old.example" || js.ADSite != "" {
			t.Errorf("join spec: %+v", js)
		}
		for _, want := range []string{"netbios name = POSSE", "realm = OLD.EXAMPLE", "workgroup = OLD", "tls certfile = /var/lib/posse/tls/"} {
			if !strings.Contains(js.SMBConf, want) {
				t.Errorf("smb.conf lacks %q:\n%s", want, js.SMBConf)
			}
		}
		if got := strings.Contains(js.SMBConf, "dns forwarder = "+c.fwd); c.fwd != "" && !got || c.fwd == "" && strings.Contains(js.SMBConf, "dns forwarder") {
			t.Errorf("forwarder, want %q:\n%s", c.fwd, js.SMBConf)
		}
		if !strings.Contains(js.ResolvConf, "nameserver 127.0.0.1\nnameserver 10.0.0.2\n") || !strings.Contains(js.KRB5Conf, "default_realm = OLD.EXAMPLE") {
			t.Errorf("resolv.conf/krb5.conf:\n%s\n%s", js.ResolvConf, js.KRB5Conf)
		}
	}
	if v, ok := (legacySecret{"a", "b"}).Lookup("a"); !ok || v != "b" {
		t.Error("legacySecret")
	}
	if _, ok := (legacySecret{"a", "b"}).Lookup("c"); ok {
		t.Error("legacySecret found another secret")
	}
}
