// SPDX-License-Identifier: GPL-3.0-or-later

package migrate

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"
)

// selfSigned makes a self-signed certificate named like an old DC (no IP
// address in it), as old DCs have.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(4242),
		Subject:               pkix.Name{CommonName: "dc1.old.example"},
		DNSNames:              []string{"dc1.old.example"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// tlsServer accepts TLS connections on loopback and completes the
// handshake; it returns the port.
func tlsServer(t *testing.T, cert tls.Certificate) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				c.(*tls.Conn).Handshake()
				time.Sleep(100 * time.Millisecond)
				c.Close()
			}()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	return port
}

func TestDialLDAPCertificates(t *testing.T) {
	cert, pool := selfSigned(t)
	_, otherPool := selfSigned(t)
	port := tlsServer(t, cert)
	dial := func(mode TLSMode) error {
		d, err := DialLDAP(context.Background(), DialOptions{Addr: "127.0.0.1", TLS: mode, Timeout: 5 * time.Second, ldapsPort: port, ldapPort: closedPort(t)})
		if err == nil {
			d.Close()
		}
		return err
	}
	if err := dial(TLSMode{}); err == nil || !strings.Contains(err.Error(), "--ca FILE") || !strings.Contains(err.Error(), "--insecure-tls") {
		t.Errorf("a self-signed certificate without --ca or --insecure-tls: %v", err)
	}
	if err := dial(TLSMode{CA: otherPool}); err == nil || !strings.Contains(err.Error(), "is not trusted") {
		t.Errorf("another CA: %v", err)
	}
	if err := dial(TLSMode{CA: pool}); err != nil {
		t.Errorf("the DC's own CA, reached by IP: %v", err)
	}
	if err := dial(TLSMode{Insecure: true}); err != nil {
		t.Errorf("--insecure-tls: %v", err)
	}
}

func TestDialLDAPNothingListens(t *testing.T) {
	start := time.Now()
	_, err := DialLDAP(context.Background(), DialOptions{Addr: "127.0.0.1", TLS: TLSMode{Insecure: true}, Timeout: 5 * time.Second, ldapsPort: closedPort(t), ldapPort: closedPort(t)})
	var ue *UnreachableError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "nothing answers LDAP at 127.0.0.1") {
		t.Errorf("nothing listens: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("refused after %s", time.Since(start))
	}
}
