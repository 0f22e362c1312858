// SPDX-License-Identifier: GPL-3.0-or-later

package plan

import (
	"fmt"
	"regexp"
	"slices"

	"github.com/posse-project/posse/provisioning/host"
)

// secretRef matches a ${secret:NAME} reference in file content.
var secretRef = regexp.MustCompile(`\$\{secret:([A-Za-z_][A-Za-z0-9_]*)\}`)

// SecretNames returns the names of the secrets content refers to, sorted
// and without duplicates.
func SecretNames(content string) []string {
	var names []string
	for _, m := range secretRef.FindAllStringSubmatch(content, -1) {
		names = append(names, m[1])
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// ExpandSecrets replaces every ${secret:NAME} in content with its value from
// secrets. A missing secret is an error that names it, never a value.
func ExpandSecrets(content string, secrets host.Secrets) (string, error) {
	var missing string
	out := secretRef.ReplaceAllStringFunc(content, func(ref string) string {
		name := secretRef.FindStringSubmatch(ref)[1]
		if secrets != nil {
			if v, ok := secrets.Lookup(name); ok {
				return v
			}
		}
		if missing == "" {
			missing = name
		}
		return ref
	})
	if missing != "" {
		return "", fmt.Errorf("secret %s is not set: add it to the secrets file or set POSSE_SECRET_%s", missing, missing)
	}
	return out, nil
}
