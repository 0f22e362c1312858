// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"fmt"
	"os"
	"path"
	"strings"

	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/services/ad"
)

// Copies of the site PKI in Postfix's and Dovecot's configuration. The
// originals live in Posse's state directory, which only root may enter:
// the CA must be readable by Postfix's and Dovecot's unprivileged lookup
// processes, and copying the server certificate and key as well means a
// certificate the directory service renews changes a mail file, so the
// next plan reloads Postfix and Dovecot.
const (
	PostfixCAPath   = "/etc/postfix/posse-ca.crt"
	PostfixCertPath = "/etc/postfix/posse-server.crt"
	PostfixKeyPath  = "/etc/postfix/posse-server.key"
	DovecotCAPath   = "/etc/dovecot/posse-ca.crt"
	DovecotCertPath = "/etc/dovecot/posse-server.crt"
	DovecotKeyPath  = "/etc/dovecot/posse-server.key"
)

// tlsCopy is one copy: its path, the PKI file it copies, its mode.
type tlsCopy struct {
	path, source string // source is a file name in the PKI directory
	mode         uint32
	postfix      bool // Postfix's (else Dovecot's)
}

var tlsCopies = []tlsCopy{
	{PostfixCAPath, ad.CACertFile, 0o644, true},
	{PostfixCertPath, ad.ServerCrtFile, 0o644, true},
	{PostfixKeyPath, ad.ServerKeyFile, 0o600, true},
	{DovecotCAPath, ad.CACertFile, 0o644, false},
	{DovecotCertPath, ad.ServerCrtFile, 0o644, false},
	{DovecotKeyPath, ad.ServerKeyFile, 0o600, false},
}

func findTLSCopy(p string) (tlsCopy, bool) {
	for _, c := range tlsCopies {
		if c.path == p {
			return c, true
		}
	}
	return tlsCopy{}, false
}

func (c tlsCopy) secret() bool { return c.source == ad.ServerKeyFile }

// readPKI reads a PEM file of the site PKI under the root: a private key
// for the key, a certificate (and no key) otherwise.
func readPKI(env *host.Env, p string, key bool) ([]byte, error) {
	b, err := os.ReadFile(env.Path(p))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w (the directory service creates the site PKI)", p, err)
	}
	hasKey := strings.Contains(string(b), "PRIVATE KEY-----")
	hasCert := strings.Contains(string(b), "-----BEGIN CERTIFICATE-----")
	if key && (!hasKey || hasCert) || !key && (hasKey || !hasCert) {
		return nil, fmt.Errorf("%s is not the PEM file Posse expects there", p)
	}
	return b, nil
}

// tlsFileStep compares a copy with the box. When the source does not
// exist yet (the directory creates it in the same apply) the copy is
// always planned. A key's content is never shown.
func tlsFileStep(env *host.Env, cp tlsCopy, tlsDir string) (plan.Step, bool, error) {
	from := tlsDir + "/" + cp.source
	cur, err := fsutil.ReadState(env.Path(cp.path))
	if err != nil {
		return plan.Step{}, false, err
	}
	if cur.Dir {
		return plan.Step{}, false, fmt.Errorf("%s is a directory, expected a file; move it away and plan again", cp.path)
	}
	src, srcErr := readPKI(env, from, cp.secret())
	if srcErr == nil && cur.Exists && string(cur.Data) == string(src) && fsutil.ToUnix(cur.Mode) == cp.mode {
		return plan.Step{}, false, nil
	}
	action := plan.Update
	if !cur.Exists {
		action = plan.Create
	}
	st := plan.NewStep(Name, action, KindTLSFile, cp.path, "copy of "+from, TLSFileSpec{Path: cp.path, From: from})
	switch {
	case cp.secret():
		st.Changes = []plan.Change{{Field: "content", Sensitive: true}}
	case srcErr == nil && cur.Exists:
		st.Diff = fsutil.Unified(cp.path, cp.path, string(cur.Data), string(src))
	}
	return st, true, nil
}

// writeTLSFile copies a PKI file to one of the known copies, with the
// copy's own mode, after remembering the previous state for Rollback.
func (s *Service) writeTLSFile(env *host.Env, spec TLSFileSpec) error {
	cp, ok := findTLSCopy(spec.Path)
	if !ok {
		return fmt.Errorf("%s is not a file the mail service copies the site PKI to", spec.Path)
	}
	if err := plan.CleanPath(spec.From); err != nil {
		return err
	}
	if path.Base(spec.From) != cp.source {
		return fmt.Errorf("%s must be a copy of %s, not of %s; make the plan again", spec.Path, cp.source, spec.From)
	}
	data, err := readPKI(env, spec.From, cp.secret())
	if err != nil {
		return err
	}
	return s.replaceFile(env, plan.FileSpec{Path: cp.path, Mode: cp.mode, Owner: "root", Group: "root"}, data)
}
