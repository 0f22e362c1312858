// SPDX-License-Identifier: GPL-3.0-or-later

package directory

import (
	"flag"
	"github.com/posse-project/posse/services/ad"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file:\n%s", name, got)
	}
}

func TestRenderGolden(t *testing.T) {
	g := GlobalConfig{Hostname: "dc", Realm: "AD.MUELLER-PARTNER.EXAMPLE", Workgroup: "MUELLER", Forwarder: "192.0.2.53", TLSDir: "/var/lib/posse/tls"}
	golden(t, "smb.conf", RenderSMBConf(g))
	g.Forwarder = ""
	golden(t, "smb-noforwarder.conf", RenderSMBConf(g))
	golden(t, "krb5.conf", RenderKRB5Conf(g.Realm, "dc"))
	golden(t, "resolv.conf", RenderResolvConf(g.Realm))
}

func TestConfRealm(t *testing.T) {
	tests := []struct{ conf, want string }{
		{RenderSMBConf(GlobalConfig{Hostname: "dc", Realm: "AD.X.COM", Workgroup: "X"}), "AD.X.COM"},
		{"[global]\n   workgroup = WORKGROUP\n", ""},
		{"[global]\n  Realm=ad.y.com\n", "AD.Y.COM"},
		{"[global]\n# realm = AD.Z.COM\n", ""},
		{"[share]\nrealm = AD.W.COM\n", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := ad.ConfRealm([]byte(tt.conf)); got != tt.want {
			t.Errorf("ad.ConfRealm(%q) = %q, want %q", tt.conf, got, tt.want)
		}
	}
}

func TestForwarder(t *testing.T) {
	tests := []struct{ resolv, want string }{
		{"nameserver 127.0.0.1\nnameserver 192.0.2.1\n", "192.0.2.1"},
		{"search x\nnameserver 127.0.0.53\n", ""},
		{"nameserver ::1\nnameserver 2001:db8::1\n", "2001:db8::1"},
		{"nameserver not-an-ip\n", ""},
	}
	for _, tt := range tests {
		if got := Forwarder([]byte(tt.resolv)); got != tt.want {
			t.Errorf("Forwarder(%q) = %q, want %q", tt.resolv, got, tt.want)
		}
	}
}
