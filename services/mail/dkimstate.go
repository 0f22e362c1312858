// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
)

// The rotation state: which selector signs for each rotated domain, read
// by every plan (see dkimrotate.go for the steps that change it).

// DKIMRotation is the rotation state of the box: per mail domain.
type DKIMRotation struct {
	Domains map[string]*DKIMDomainState `json:"domains"`
}

// DKIMDomainState is one domain's selectors after its first rotation.
type DKIMDomainState struct {
	// Template is mail.dkim.selector when the rotation began: a template
	// that names another selector since wins over this state.
	Template string `json:"template"`
	// Signing is the selector Rspamd signs with.
	Signing string `json:"signing"`
	// Next is a rotated key not yet signing.
	Next string `json:"next,omitempty"`
	// Retiring are old keys still published.
	Retiring []string `json:"retiring,omitempty"`
	// ActivatedAt is when Signing began to sign.
	ActivatedAt time.Time `json:"activated_at,omitzero"`
}

// readDKIMRotation reads the rotation state; empty when there is none.
func readDKIMRotation(env *host.Env) (DKIMRotation, error) {
	r := DKIMRotation{Domains: map[string]*DKIMDomainState{}}
	data, err := os.ReadFile(env.Path(DKIMRotationPath))
	if errors.Is(err, os.ErrNotExist) {
		return r, nil
	}
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return r, fmt.Errorf("%s is not Posse's DKIM rotation state (%v): restore it from a backup or move it away", DKIMRotationPath, err)
	}
	if r.Domains == nil {
		r.Domains = map[string]*DKIMDomainState{}
	}
	for d, st := range r.Domains {
		for _, sel := range append([]string{st.Template, st.Signing, st.Next}, st.Retiring...) {
			if sel != "" && !site.ValidDKIMSelector(sel) {
				return r, fmt.Errorf("%s: selector %q of %s is not one lower-case DNS label: restore the file from a backup", DKIMRotationPath, sel, d)
			}
		}
	}
	return r, nil
}

// writeDKIMRotation writes the state atomically, 0600 root.
func writeDKIMRotation(env *host.Env, r DKIMRotation) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	uid, gid := fsutil.NoID, fsutil.NoID
	if !env.Offline {
		uid, gid = 0, 0
	}
	_, err = fsutil.EnsureFile(env.Path(DKIMRotationPath), append(data, '\n'), fsutil.FromUnix(0o600), uid, gid)
	return err
}

// current is the state of domain d that applies to the template's
// selector sel: nil when d was never rotated or the template changed its
// selector since.
func (r DKIMRotation) current(d, sel string) *DKIMDomainState {
	st := r.Domains[d]
	if st == nil || st.Template != sel || st.Signing == "" {
		return nil
	}
	return st
}

// applyRotation sets the signing selector of every rotated domain of c.
func (c *Config) applyRotation(r DKIMRotation) {
	for _, d := range c.Domains {
		if st := r.current(d, c.DKIMSelector); st != nil {
			if c.DKIMSelectors == nil {
				c.DKIMSelectors = map[string]string{}
			}
			c.DKIMSelectors[d] = st.Signing
		}
	}
}

// SelectorOf is the selector domain d signs with.
func (c Config) SelectorOf(d string) string {
	if s, ok := c.DKIMSelectors[d]; ok {
		return s
	}
	return c.DKIMSelector
}
