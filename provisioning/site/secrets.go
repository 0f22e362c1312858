// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/posse-project/posse/provisioning/host"
)

// EnvPrefix is the prefix of environment variables holding secrets:
// POSSE_SECRET_<NAME> with NAME upper-cased.
const EnvPrefix = "POSSE_SECRET_"

var (
	secretRefRE    = regexp.MustCompile(SecretRefPattern)
	secretInlineRE = regexp.MustCompile(`\$\{secret:([^}]*)\}`)
)

// NewSecretRef returns the reference ${secret:name}. It does not check name.
func NewSecretRef(name string) SecretRef { return SecretRef("${secret:" + name + "}") }

// Name returns the referenced secret's name. ok is false when r is not
// exactly ${secret:NAME} with a valid NAME (an inline value, for example).
func (r SecretRef) Name() (name string, ok bool) {
	if !secretRefRE.MatchString(string(r)) {
		return "", false
	}
	return string(r)[len("${secret:") : len(r)-1], true
}

// IsZero reports whether no secret is referenced.
func (r SecretRef) IsZero() bool { return r == "" }

// String returns the reference itself, never a value.
func (r SecretRef) String() string {
	if _, ok := r.Name(); ok {
		return string(r)
	}
	if r == "" {
		return ""
	}
	return "(invalid secret reference)"
}

// Resolve looks the reference up in secrets. The error names the secret,
// never a value.
func (r SecretRef) Resolve(secrets host.Secrets) (string, error) {
	name, ok := r.Name()
	if !ok {
		return "", errors.New(errNotSecretRef)
	}
	if secrets != nil {
		if v, ok := secrets.Lookup(name); ok {
			return v, nil
		}
	}
	return "", fmt.Errorf("%s; %s", msgSecretMissing(name), hintSecretMissing(name))
}

// ValidSecretName reports whether name is 1 to 64 of [a-z0-9_].
func ValidSecretName(name string) bool { return secretNameRE.MatchString(name) }

// ContainsSecretRef reports whether s holds a ${secret:…} reference.
func ContainsSecretRef(s string) bool { return strings.Contains(s, "${secret:") }

// Expand replaces every ${secret:NAME} in s with the secret's value. It is
// used when writing files that hold secrets. Errors name the secret, never a
// value; an unknown name or a malformed reference is an error.
func Expand(s string, secrets host.Secrets) (string, error) {
	if !ContainsSecretRef(s) {
		return s, nil
	}
	var missing []string
	bad := false
	out := secretInlineRE.ReplaceAllStringFunc(s, func(ref string) string {
		name := ref[len("${secret:") : len(ref)-1]
		if !ValidSecretName(name) {
			bad = true
			return ref
		}
		if secrets != nil {
			if v, ok := secrets.Lookup(name); ok {
				return v
			}
		}
		missing = append(missing, name)
		return ref
	})
	switch {
	case bad:
		return "", errors.New(errSecretRefMalformed + hintSecretName)
	case len(missing) > 0:
		return "", fmt.Errorf("%s; %s", msgSecretMissing(missing[0]), hintSecretMissing(missing[0]))
	}
	// A reference without its closing brace is left over in the input.
	if strings.Count(s, "${secret:") != len(secretInlineRE.FindAllStringIndex(s, -1)) {
		return "", errors.New(errSecretRefUnterminated)
	}
	return out, nil
}

// Store holds secret values by name and implements host.Secrets. Lookup
// tries values set or loaded from a file first, then, if enabled, the
// environment (POSSE_SECRET_<NAME>). The zero Store is empty.
type Store struct {
	values map[string]string
	env    bool
}

var _ host.Secrets = (*Store)(nil)

// NewStore returns an empty store that does not read the environment.
func NewStore() *Store { return &Store{values: map[string]string{}} }

// EnvSecrets returns a store that reads POSSE_SECRET_<NAME> variables.
func EnvSecrets() *Store { return &Store{values: map[string]string{}, env: true} }

// Set stores a value under name, replacing any earlier value.
func (st *Store) Set(name, value string) {
	if st.values == nil {
		st.values = map[string]string{}
	}
	st.values[name] = value
}

// Lookup returns the value of the named secret.
func (st *Store) Lookup(name string) (string, bool) {
	if st == nil {
		return "", false
	}
	if v, ok := st.values[name]; ok {
		return v, true
	}
	if st.env && ValidSecretName(name) {
		return os.LookupEnv(EnvPrefix + strings.ToUpper(name))
	}
	return "", false
}

// Len returns how many values the store holds itself (not counting the
// environment).
func (st *Store) Len() int { return len(st.values) }

// String never prints values.
func (st *Store) String() string { return fmt.Sprintf("secrets(%d values)", st.Len()) }

// GoString never prints values.
func (st *Store) GoString() string { return st.String() }
