// SPDX-License-Identifier: GPL-3.0-or-later

package ad

import (
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestEnsureTLS(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	names := TLSNames{Hostname: "dc", FQDN: "dc.ad.example.com", IPs: []string{"10.0.0.2"}}

	st, err := EnsureTLS(dir, names, now)
	if err != nil {
		t.Fatal(err)
	}
	if !st.NewCA || !st.NewServer {
		t.Fatalf("first run: %+v", st)
	}
	modes := map[string]os.FileMode{CACertFile: 0o644, CAKeyFile: 0o600, ServerCrtFile: 0o644, ServerKeyFile: 0o600}
	for f, m := range modes {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != m {
			t.Errorf("%s mode %o, want %o", f, fi.Mode().Perm(), m)
		}
	}
	pool, err := CAPool(filepath.Join(dir, CACertFile))
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := readCert(filepath.Join(dir, ServerCrtFile))
	ca, _ := readCert(filepath.Join(dir, CACertFile))
	if srv.SerialNumber.Sign() <= 0 || ca.SerialNumber.Sign() <= 0 {
		t.Error("serial numbers must be positive")
	}
	if ca.NotAfter.Sub(now) < 9*365*24*time.Hour || srv.NotAfter.Sub(now) > 2*366*24*time.Hour {
		t.Errorf("validity: CA until %v, server until %v", ca.NotAfter, srv.NotAfter)
	}
	for _, name := range []string{"dc", "dc.ad.example.com", "10.0.0.2"} {
		if _, err := srv.Verify(x509.VerifyOptions{DNSName: name, Roots: pool, CurrentTime: now}); err != nil {
			t.Errorf("verify for %s: %v", name, err)
		}
	}
	if _, err := srv.Verify(x509.VerifyOptions{DNSName: "other.example.com", Roots: pool, CurrentTime: now}); err == nil {
		t.Error("certificate valid for a name it should not carry")
	}

	before, _ := os.ReadFile(filepath.Join(dir, ServerCrtFile))
	st, err = EnsureTLS(dir, names, now.Add(time.Hour))
	if err != nil || st.NewCA || st.NewServer {
		t.Fatalf("second run changed something: %+v %v", st, err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, ServerCrtFile))
	if string(before) != string(after) {
		t.Error("idempotent run rewrote the certificate")
	}

	caBefore, _ := os.ReadFile(filepath.Join(dir, CACertFile))
	names.IPs = []string{"10.0.0.3"}
	st, err = EnsureTLS(dir, names, now)
	if err != nil || st.NewCA || !st.NewServer {
		t.Fatalf("IP change: %+v %v", st, err)
	}
	caAfter, _ := os.ReadFile(filepath.Join(dir, CACertFile))
	if string(caBefore) != string(caAfter) {
		t.Error("the CA changed with the server certificate")
	}
	srv, _ = readCert(filepath.Join(dir, ServerCrtFile))
	if len(srv.IPAddresses) != 1 || !srv.IPAddresses[0].Equal(net.ParseIP("10.0.0.3")) {
		t.Errorf("IP SANs = %v", srv.IPAddresses)
	}
	if st := CheckTLS(dir, names, now.Add(2*365*24*time.Hour-10*24*time.Hour)); !st.NewServer {
		t.Error("a certificate expiring in 10 days is not renewed")
	}
}
