// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/posse-project/posse/provisioning/host"
	"gopkg.in/yaml.v3"
)

// Checking a secrets file against a template without a box (possectl
// validate --secrets), and making the values a secrets file lacks
// (possectl secrets generate, possectl init).

// Messages of this file, in the words of errors.go.
const (
	errSecretUnused      = "secret %q is not used by the template"
	hintSecretUnused     = "remove it from the secrets file, or reference it as ${secret:%s}"
	hintSecretUnusedNear = "the template references %q, which the secrets file lacks: is one of them misspelt?"
	hintSecretNear       = "did you mean %q (%s)? rename the secret in the template or in the secrets file so that they match"
	// BackupGeneratedLength is the length of generated backup passwords:
	// a restic repository key nobody types, so longer than a user's.
	BackupGeneratedLength = 32
	// maxSecretTypo is the largest edit distance between a missing secret
	// and one in the file for "did you mean".
	maxSecretTypo = 2
)

// SecretUse is one secret a site references, with every place that
// references it and what its value must satisfy there.
type SecretUse struct {
	// Name is the secret's name.
	Name string
	// Paths are the model paths referencing it, in template order.
	Paths []string
	// checks test a value for each reference; gen makes a value for the
	// first.
	checks []func(string) error
	gen    func() (string, error)
}

// SecretUses returns the secrets s references, each once, in the order of
// their first reference. Invalid references are left out: Validate reports
// them. The checks are CheckSecrets' (the password policy with the
// administrator's or the user's name, at least MinBackupPasswordLength
// characters for the backup).
func (s *Site) SecretUses() []SecretUse {
	policy := s.Policy()
	var uses []SecretUse
	index := map[string]int{}
	for _, r := range s.SecretRefs() {
		name, ok := r.Ref.Name()
		if !ok {
			continue
		}
		check, gen := secretRule(s, policy, r.Path)
		i, seen := index[name]
		if !seen {
			i = len(uses)
			index[name] = i
			uses = append(uses, SecretUse{Name: name, gen: gen})
		}
		uses[i].Paths = append(uses[i].Paths, r.Path)
		uses[i].checks = append(uses[i].checks, check)
	}
	return uses
}

// secretRule is what the value of the secret at path must satisfy and how
// to make one that does.
func secretRule(s *Site, policy PasswordPolicy, path string) (check func(string) error, gen func() (string, error)) {
	account := ""
	switch {
	case path == "backup.password":
		backup := PasswordPolicy{MinLength: MinBackupPasswordLength}
		return func(v string) error { return CheckPassword(backup, "", v) },
			func() (string, error) {
				return GeneratePassword(PasswordPolicy{MinLength: BackupGeneratedLength, Complexity: true}, "")
			}
	case path == "directory.admin_password":
		account = "administrator"
	case strings.HasPrefix(path, "users[") && strings.HasSuffix(path, "].password"):
		if i, err := strconv.Atoi(path[len("users[") : len(path)-len("].password")]); err == nil && i < len(s.Users) {
			account = s.Users[i].Username
		}
	}
	// The administrator's and users' passwords, and a secret field added
	// later that this function does not know yet: the site's policy.
	return func(v string) error { return CheckPassword(policy, account, v) },
		func() (string, error) { return GeneratePassword(policy, account) }
}

// Check returns what is wrong with value for the first reference it does
// not satisfy, or nil. The error never contains the value.
func (u SecretUse) Check(value string) error {
	for _, c := range u.checks {
		if err := c(value); err != nil {
			return err
		}
	}
	return nil
}

// Generate makes a new random value (GeneratePassword) that satisfies
// every reference: a user's password does not contain the username, a
// backup password has BackupGeneratedLength characters.
func (u SecretUse) Generate() (string, error) {
	if u.gen == nil {
		return "", errors.New("secret " + u.Name + " is not referenced by a site")
	}
	for range 100 {
		v, err := u.gen()
		if err != nil {
			return "", err
		}
		if u.Check(v) == nil {
			return v, nil
		}
	}
	return "", fmt.Errorf("could not generate a value for secret %s that meets every place it is used", u.Name)
}

// GeneratedSecret is a value made for a secret. Its String and GoString
// never show the value.
type GeneratedSecret struct {
	Name  string
	Value string
}

func (g GeneratedSecret) String() string   { return "secret " + g.Name + " (generated)" }
func (g GeneratedSecret) GoString() string { return g.String() }

// GenerateMissingSecrets makes a value for every secret s references that
// have reports as absent, in the order of SecretUses. have may be nil (no
// secret present).
func GenerateMissingSecrets(s *Site, have func(name string) bool) ([]GeneratedSecret, error) {
	var out []GeneratedSecret
	for _, u := range s.SecretUses() {
		if have != nil && have(u.Name) {
			continue
		}
		v, err := u.Generate()
		if err != nil {
			return nil, err
		}
		out = append(out, GeneratedSecret{Name: u.Name, Value: v})
	}
	return out, nil
}

// FormatSecrets writes secrets as lines of a secrets file, name: "value",
// each value in double quotes (strconv.Quote: for valid UTF-8 its escapes
// are YAML's, so ParseSecrets reads the value back as it was).
func FormatSecrets(secrets []GeneratedSecret) []byte {
	var b strings.Builder
	for _, g := range secrets {
		b.WriteString(g.Name)
		b.WriteString(": ")
		b.WriteString(strconv.Quote(g.Value))
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// SecretsFileNames returns the secret names a secrets file defines, in file
// order, with where each is written. It reads names only: data must be a
// secrets file ParseSecrets accepts; on other input it returns what it can.
func SecretsFileNames(data []byte) []SecretName {
	root, p := parseYAML("", data)
	if p != nil || root.Kind != yaml.MappingNode {
		return nil
	}
	var out []SecretName
	for i := 0; i+1 < len(root.Content); i += 2 {
		k := root.Content[i]
		if k.Kind == yaml.ScalarNode && ValidSecretName(k.Value) {
			out = append(out, SecretName{Name: k.Value, Pos: Pos{Line: k.Line, Col: k.Column}})
		}
	}
	return out
}

// SecretName is a secret's name and where a secrets file writes it.
type SecretName struct {
	Name string
	Pos  Pos
}

// CheckSecretsFile checks the secrets a template needs against a secrets
// file, as plan and apply will, without a box: CheckSecrets (every secret
// set, the password policy) on secrets, the file's values with the
// environment behind them (LoadSecrets). file and data are the secrets
// file's name and bytes, for two more findings:
//
//   - a secret the template references that neither the file nor the
//     environment has gets "did you mean" a name in the file at most two
//     edits away (amuller for amueller);
//   - names in the file that the template does not reference come back as
//     unused, with their position in the file: warnings, not problems.
func CheckSecretsFile(s *Site, secrets host.Secrets, file string, data []byte) (problems, unused Problems) {
	names := SecretsFileNames(data)
	referenced := map[string]bool{}
	for _, u := range s.SecretUses() {
		referenced[u.Name] = true
	}
	problems = CheckSecrets(s, secrets)
	near := map[string]string{} // file name → the missing one it is close to
	for i, p := range problems {
		missing, ok := missingSecret(p)
		if !ok {
			continue
		}
		if n, ok := closestSecret(missing, names, referenced); ok {
			problems[i].Hint = fmt.Sprintf(hintSecretNear, n.Name, formatPos(file, n.Pos.Line, n.Pos.Col, ""))
			if _, dup := near[n.Name]; !dup {
				near[n.Name] = missing
			}
		}
	}
	for _, n := range names {
		if referenced[n.Name] {
			continue
		}
		hint := fmt.Sprintf(hintSecretUnused, n.Name)
		if m, ok := near[n.Name]; ok {
			hint = fmt.Sprintf(hintSecretUnusedNear, m)
		}
		unused = append(unused, Problem{File: file, Line: n.Pos.Line, Col: n.Pos.Col,
			Message: fmt.Sprintf(errSecretUnused, n.Name), Hint: hint})
	}
	return problems, unused
}

// closestSecret finds the name in the file closest to missing, at most
// maxSecretTypo edits away and fewer than missing has characters;
// unreferenced names first, then file order.
func closestSecret(missing string, names []SecretName, referenced map[string]bool) (SecretName, bool) {
	var best SecretName
	bestD, bestUsed := -1, false
	for _, n := range names {
		d := levenshtein(missing, n.Name)
		if d > maxSecretTypo || d >= len(missing) || n.Name == missing {
			continue
		}
		used := referenced[n.Name]
		if bestD < 0 || d < bestD || (d == bestD && bestUsed && !used) {
			best, bestD, bestUsed = n, d, used
		}
	}
	return best, bestD >= 0
}

// IsSecretMissing reports whether p is CheckSecrets' problem for a secret
// that is not set (rather than one whose value is refused).
func IsSecretMissing(p Problem) bool {
	_, ok := missingSecret(p)
	return ok
}

// missingSecret returns the name of the secret a "not set" problem is
// about.
func missingSecret(p Problem) (string, bool) {
	rest, ok := strings.CutPrefix(p.Message, "secret ")
	if !ok {
		return "", false
	}
	q, ok := strings.CutSuffix(rest, " is not set")
	if !ok {
		return "", false
	}
	name, err := strconv.Unquote(q)
	if err != nil || p.Message != msgSecretMissing(name) {
		return "", false
	}
	return name, true
}
