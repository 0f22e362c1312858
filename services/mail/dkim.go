// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path"

	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
)

// DKIM signing keys: one RSA key per mail domain and selector, generated
// on the box, readable only by Rspamd, never in a plan or a log.
const (
	// DKIMDir holds the keys, DOMAIN.SELECTOR.key.
	DKIMDir = "/var/lib/rspamd/dkim"
	// RspamdUser is the Debian package's system user (and group).
	RspamdUser = "_rspamd"
	// DKIMKeyBits is the size of a new key.
	DKIMKeyBits = 2048
	// KindDKIMKey generates a missing key or repairs its mode and owner.
	KindDKIMKey = "mail.dkim-key"
)

// DKIMKeyPath is the box path of the key of domain and selector.
func DKIMKeyPath(domain, selector string) string {
	return DKIMDir + "/" + domain + "." + selector + ".key"
}

// DKIMKeySpec is the spec of a KindDKIMKey step: where the key is and
// whose it is; never the key.
type DKIMKeySpec struct {
	Path     string `json:"path"`
	Domain   string `json:"domain"`
	Selector string `json:"selector"`
}

// parseDKIMKey reads a PEM RSA private key (PKCS#1 or PKCS#8). Errors
// never quote the file.
func parseDKIMKey(data []byte) (*rsa.PrivateKey, error) {
	blk, _ := pem.Decode(data)
	if blk == nil {
		return nil, errors.New("not a PEM file")
	}
	if k, err := x509.ParsePKCS1PrivateKey(blk.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, errors.New("not an RSA private key")
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("not an RSA private key")
	}
	return rk, nil
}

// readDKIMKey reads and parses the key at box path p; ok is false when
// there is none.
func readDKIMKey(env *host.Env, p string) (*rsa.PrivateKey, fsutil.State, bool, error) {
	cur, err := fsutil.ReadState(env.Path(p))
	if err != nil {
		return nil, cur, false, err
	}
	if !cur.Exists {
		return nil, cur, false, nil
	}
	if cur.Dir {
		return nil, cur, false, fmt.Errorf("%s is a directory, expected a DKIM key; move it away and plan again", p)
	}
	k, err := parseDKIMKey(cur.Data)
	if err != nil {
		return nil, cur, false, fmt.Errorf("%s: %w; Posse keeps DKIM keys it did not make: move it away and plan again", p, err)
	}
	return k, cur, true, nil
}

// DKIMPublicKey is the base64 DER public key of the key of domain and
// selector on the box: the p= tag of the DKIM record.
func DKIMPublicKey(env *host.Env, domain, selector string) (string, error) {
	p := DKIMKeyPath(domain, selector)
	k, _, ok, err := readDKIMKey(env, p)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("there is no DKIM key %s yet: apply the site", p)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(der), nil
}

// dkimKeyStep plans a key: generated when missing; mode 0600 and owner
// _rspamd repaired when they differ; nothing when it is right. The step
// shows no key.
func dkimKeyStep(env *host.Env, domain, selector string) (plan.Step, bool, error) {
	spec := DKIMKeySpec{Path: DKIMKeyPath(domain, selector), Domain: domain, Selector: selector}
	_, cur, ok, err := readDKIMKey(env, spec.Path)
	if err != nil {
		return plan.Step{}, false, err
	}
	if !ok {
		st := plan.NewStep(Name, plan.Create, KindDKIMKey, spec.Path,
			fmt.Sprintf("generate the DKIM key of %s, selector %s (RSA %d, on the box)", domain, selector, DKIMKeyBits), spec)
		st.Changes = []plan.Change{{Field: "content", Sensitive: true}, {Field: "mode", After: "0600"}, {Field: "owner", After: RspamdUser + ":" + RspamdUser}}
		return st, true, nil
	}
	var changes []plan.Change
	if m := fsutil.ToUnix(cur.Mode); m != 0o600 {
		changes = append(changes, plan.Change{Field: "mode", Before: fmt.Sprintf("%04o", m), After: "0600"})
	}
	if !env.Offline {
		uid, gid, err := fsutil.Owner(env.Path("/"), RspamdUser, RspamdUser)
		if err != nil {
			return plan.Step{}, false, fmt.Errorf("%s: %w (is rspamd installed?)", spec.Path, err)
		}
		if uid != cur.UID || gid != cur.GID {
			changes = append(changes, plan.Change{Field: "owner", Before: fmt.Sprintf("%d:%d", cur.UID, cur.GID), After: RspamdUser + ":" + RspamdUser})
		}
	}
	if len(changes) == 0 {
		return plan.Step{}, false, nil
	}
	st := plan.NewStep(Name, plan.Update, KindDKIMKey, spec.Path, "DKIM key of "+domain+", kept", spec)
	st.Changes = changes
	return st, true, nil
}

// ensureDKIMKey makes the key of spec exist with mode 0600 and owner
// _rspamd: an existing key is kept, a missing one generated and written
// atomically. The key never leaves this function.
func ensureDKIMKey(env *host.Env, spec DKIMKeySpec) error {
	if err := plan.CleanPath(spec.Path); err != nil {
		return err
	}
	if spec.Path != DKIMKeyPath(spec.Domain, spec.Selector) || path.Dir(spec.Path) != DKIMDir {
		return fmt.Errorf("%s is not a DKIM key path the mail service writes", spec.Path)
	}
	uid, gid := fsutil.NoID, fsutil.NoID
	if !env.Offline {
		var err error
		if uid, gid, err = fsutil.Owner(env.Path("/"), RspamdUser, RspamdUser); err != nil {
			return fmt.Errorf("%s: %w (is rspamd installed?)", spec.Path, err)
		}
	}
	_, cur, ok, err := readDKIMKey(env, spec.Path)
	if err != nil {
		return err
	}
	data := cur.Data
	if !ok {
		k, err := rsa.GenerateKey(rand.Reader, DKIMKeyBits)
		if err != nil {
			return fmt.Errorf("generating the DKIM key of %s: %w", spec.Domain, err)
		}
		data = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
	}
	if _, err := os.Stat(env.Path(DKIMDir)); err != nil {
		return fmt.Errorf("%s: %w", DKIMDir, err)
	}
	_, err = fsutil.EnsureFile(env.Path(spec.Path), data, fsutil.FromUnix(0o600), uid, gid)
	return err
}
