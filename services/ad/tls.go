// SPDX-License-Identifier: GPL-3.0-or-later

package ad

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/posse-project/posse/internal/fsutil"
)

// Files of the site PKI, relative to the state directory (/var/lib/posse).
const (
	TLSDir        = "tls"
	CACertFile    = "ca.crt"     // site CA certificate, 0644: give it to clients
	CAKeyFile     = "ca.key"     // 0600
	ServerCrtFile = "server.crt" // the DC's LDAPS certificate, 0644
	ServerKeyFile = "server.key" // 0600
)

// DefaultCAPath is where the site CA certificate lives on a box.
const DefaultCAPath = "/var/lib/posse/tls/ca.crt"

// Validity periods.
const (
	caValidity     = 10 * 365 * 24 * time.Hour
	serverValidity = 2 * 365 * 24 * time.Hour
	renewBefore    = 30 * 24 * time.Hour
)

// TLSNames are the names the server certificate must carry.
type TLSNames struct {
	Hostname string   `json:"hostname"` // short host name, dc
	FQDN     string   `json:"fqdn"`     // dc.ad.example.com
	IPs      []string `json:"ips,omitempty"`
}

// DNSNames are the certificate's DNS SANs: the host name and FQDN, sorted.
func (n TLSNames) DNSNames() []string {
	var out []string
	for _, s := range []string{n.Hostname, n.FQDN} {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

func (n TLSNames) ipAddrs() []net.IP {
	var out []net.IP
	for _, s := range n.IPs {
		if ip := net.ParseIP(s); ip != nil {
			out = append(out, ip)
		}
	}
	return out
}

// TLSState says what EnsureTLS would do.
type TLSState struct {
	NewCA     bool
	NewServer bool
	Reason    string
}

// CheckTLS inspects dir and says whether the CA or server certificate has
// to be (re)generated for names at time now.
func CheckTLS(dir string, names TLSNames, now time.Time) TLSState {
	ca, err := readCert(filepath.Join(dir, CACertFile))
	if err != nil || !fileExists(filepath.Join(dir, CAKeyFile)) {
		return TLSState{NewCA: true, NewServer: true, Reason: "no site CA yet"}
	}
	srv, err := readCert(filepath.Join(dir, ServerCrtFile))
	if err != nil || !fileExists(filepath.Join(dir, ServerKeyFile)) {
		return TLSState{NewServer: true, Reason: "no server certificate yet"}
	}
	if srv.CheckSignatureFrom(ca) != nil {
		return TLSState{NewServer: true, Reason: "server certificate not signed by the site CA"}
	}
	if now.Add(renewBefore).After(srv.NotAfter) {
		return TLSState{NewServer: true, Reason: "server certificate expires soon"}
	}
	have := slices.Clone(srv.DNSNames)
	slices.Sort(have)
	if !slices.Equal(have, names.DNSNames()) || !sameIPs(srv.IPAddresses, names.ipAddrs()) {
		return TLSState{NewServer: true, Reason: "host names or addresses changed"}
	}
	return TLSState{}
}

func sameIPs(a, b []net.IP) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.ContainsFunc(b, x.Equal) {
			return false
		}
	}
	return true
}

// EnsureTLS creates the site CA (ECDSA P-256, 10 years) if it is missing and
// a server certificate for names (2 years) if it is missing, stale or has
// other SANs. Keys are written 0600, certificates 0644, atomically.
func EnsureTLS(dir string, names TLSNames, now time.Time) (TLSState, error) {
	st := CheckTLS(dir, names, now)
	if !st.NewCA && !st.NewServer {
		return st, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return st, fmt.Errorf("creating %s: %w", dir, err)
	}
	var ca *x509.Certificate
	var caKey *ecdsa.PrivateKey
	var err error
	if st.NewCA {
		ca, caKey, err = newCA(now)
		if err != nil {
			return st, err
		}
		if err := writeKey(filepath.Join(dir, CAKeyFile), caKey); err != nil {
			return st, err
		}
		if err := writeCert(filepath.Join(dir, CACertFile), ca); err != nil {
			return st, err
		}
	} else {
		if ca, err = readCert(filepath.Join(dir, CACertFile)); err != nil {
			return st, err
		}
		if caKey, err = readKey(filepath.Join(dir, CAKeyFile)); err != nil {
			return st, err
		}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return st, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: names.FQDN, Organization: []string{"Posse"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(serverValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     names.DNSNames(),
		IPAddresses:  names.ipAddrs(),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return st, fmt.Errorf("signing the server certificate: %w", err)
	}
	if err := writeKey(filepath.Join(dir, ServerKeyFile), key); err != nil {
		return st, err
	}
	if err := writeFileAtomic(filepath.Join(dir, ServerCrtFile), pemBlock("CERTIFICATE", der), 0o644); err != nil {
		return st, err
	}
	return st, nil
}

func newCA(now time.Time) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "Posse site CA", Organization: []string{"Posse"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(caValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("creating the site CA: %w", err)
	}
	ca, err := x509.ParseCertificate(der)
	return ca, key, err
}

// serial is a positive random 127-bit serial number.
func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return n.Add(n, big.NewInt(1))
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func writeCert(path string, c *x509.Certificate) error {
	return writeFileAtomic(path, pemBlock("CERTIFICATE", c.Raw), 0o644)
}

func writeKey(path string, k *ecdsa.PrivateKey) error {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, pemBlock("PRIVATE KEY", der), 0o600)
}

func readCert(path string) (*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return x509.ParseCertificate(blk.Bytes)
}

func readKey(path string) (*ecdsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("%s holds no PEM key", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s is not an ECDSA key", path)
	}
	return ek, nil
}

// CAPool loads the site CA certificate as the only trusted root.
func CAPool(path string) (*x509.CertPool, error) {
	c, err := readCert(path)
	if err != nil {
		return nil, fmt.Errorf("reading the site CA: %w (apply the site first to create it)", err)
	}
	p := x509.NewCertPool()
	p.AddCert(c)
	return p, nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// writeFileAtomic writes data atomically with mode, keeping the owner.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	return fsutil.WriteFileAtomic(path, data, mode, fsutil.NoID, fsutil.NoID)
}
