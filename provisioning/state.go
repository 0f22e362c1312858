// SPDX-License-Identifier: GPL-3.0-or-later

package provisioning

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"sort"

	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
	"gopkg.in/yaml.v3"
)

// Files under the state directory that record the applied site.
const (
	AppliedSiteFile    = "site.yaml"
	AppliedSecretsFile = "secrets.yaml"
)

// SaveApplied records the template that was applied and the secrets the box
// needs later (the domain admin password to manage users, the backup
// password), so status, user management and the daemon work without the
// consultant's secrets file. Both files are 0600 root.
func SaveApplied(env *host.Env, s *site.Site, secrets host.Secrets) error {
	raw, err := os.ReadFile(s.Source.File)
	if err != nil {
		return fmt.Errorf("cannot record the applied template: %w", err)
	}
	sum := sha256.Sum256(raw)
	if s.Source.Hash != "" && hex.EncodeToString(sum[:]) != s.Source.Hash {
		return fmt.Errorf("%s changed while it was being applied; apply it again", s.Source.File)
	}
	keep := map[string]string{}
	for _, ref := range persistentSecrets(s) {
		name, ok := ref.Name()
		if !ok {
			continue
		}
		if v, ok := secrets.Lookup(name); ok {
			keep[name] = v
		}
	}
	if _, err := fsutil.EnsureDir(env.State(), 0o700, 0, 0); err != nil {
		return err
	}
	if err := fsutil.WriteFileAtomic(env.State(AppliedSiteFile), raw, 0o600, 0, 0); err != nil {
		return err
	}
	names := make([]string, 0, len(keep))
	for n := range keep {
		names = append(names, n)
	}
	sort.Strings(names)
	doc := &yaml.Node{Kind: yaml.MappingNode}
	for _, n := range names {
		doc.Content = append(doc.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Value: n},
			&yaml.Node{Kind: yaml.ScalarNode, Value: keep[n], Style: yaml.DoubleQuotedStyle})
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(env.State(AppliedSecretsFile), out, 0o600, 0, 0)
}

// LoadApplied reads the site last applied to this box and its stored secrets.
func LoadApplied(env *host.Env) (*site.Site, *site.Store, error) {
	s, err := site.Load(env.State(AppliedSiteFile))
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil, fmt.Errorf("no site has been applied to this box yet: run 'possectl apply FILE --secrets SECRETS' first")
		}
		return nil, nil, err
	}
	store, err := site.LoadSecrets(env.State(AppliedSecretsFile))
	if err != nil {
		return nil, nil, err
	}
	return s, store, nil
}

// persistentSecrets are the secrets a box keeps after apply.
func persistentSecrets(s *site.Site) []site.SecretRef {
	refs := []site.SecretRef{s.Directory.AdminPassword}
	if s.Backup != nil {
		refs = append(refs, s.Backup.Password)
	}
	return refs
}
