// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// marker is a secret value that must never show up in any error.
const marker = "Zq9!MARKER-secret-value"

func TestSecretRefName(t *testing.T) {
	tests := []struct {
		ref  SecretRef
		name string
		ok   bool
	}{
		{"${secret:amueller}", "amueller", true},
		{"${secret:a_1}", "a_1", true},
		{SecretRef("${secret:" + strings.Repeat("a", 64) + "}"), strings.Repeat("a", 64), true},
		{SecretRef("${secret:" + strings.Repeat("a", 65) + "}"), "", false},
		{"${secret:}", "", false},
		{"${secret:Anna}", "", false},
		{"${secret:a-b}", "", false},
		{"${secret:a} ", "", false},
		{" ${secret:a}", "", false},
		{"${SECRET:a}", "", false},
		{"hunter2", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		name, ok := tt.ref.Name()
		if name != tt.name || ok != tt.ok {
			t.Errorf("%q.Name() = %q, %v; want %q, %v", tt.ref, name, ok, tt.name, tt.ok)
		}
	}
	if NewSecretRef("x") != "${secret:x}" {
		t.Error("NewSecretRef")
	}
	if s := SecretRef(marker).String(); strings.Contains(s, marker) {
		t.Errorf("String leaks an inline value: %q", s)
	}
}

func TestStore(t *testing.T) {
	t.Setenv("POSSE_SECRET_FROM_ENV", "env-value")
	t.Setenv("POSSE_SECRET_BOTH", "env-loses")
	st := EnvSecrets()
	st.Set("both", "set-wins")
	if v, ok := st.Lookup("from_env"); !ok || v != "env-value" {
		t.Errorf("env lookup = %q, %v", v, ok)
	}
	if v, _ := st.Lookup("both"); v != "set-wins" {
		t.Errorf("Set value should win over the environment, got %q", v)
	}
	if _, ok := st.Lookup("FROM_ENV"); ok {
		t.Error("invalid names must not be looked up in the environment")
	}
	if _, ok := NewStore().Lookup("from_env"); ok {
		t.Error("NewStore must not read the environment")
	}
	var zero Store
	zero.Set("a", "b")
	if v, _ := zero.Lookup("a"); v != "b" {
		t.Error("zero Store must be usable")
	}
	st.Set("m", marker)
	if strings.Contains(st.String(), marker) {
		t.Error("Store.String leaks values")
	}
}

func TestExpand(t *testing.T) {
	st := NewStore()
	st.Set("a", "AAA")
	st.Set("b", marker)
	tests := []struct {
		in, want, err string
	}{
		{"plain", "plain", ""},
		{"x=${secret:a}", "x=AAA", ""},
		{"${secret:a}:${secret:a}", "AAA:AAA", ""},
		{"${secret:nope}", "", `secret "nope" is not set`},
		{"${secret:Bad}", "", "malformed secret reference"},
		{"x=${secret:a", "", "unterminated secret reference"},
		{"${secret:b} ${secret:nope}", "", `secret "nope" is not set`},
	}
	for _, tt := range tests {
		got, err := Expand(tt.in, st)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || strings.Contains(err.Error(), marker) {
				t.Errorf("Expand(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Expand(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if !ContainsSecretRef("a ${secret:x} b") || ContainsSecretRef("a $secret b") {
		t.Error("ContainsSecretRef")
	}
}

func writeSecrets(t *testing.T, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "secrets.yaml")
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadSecrets(t *testing.T) {
	p := writeSecrets(t, "admin: \""+marker+"\"\nanna: Anna-Pw-123\n", 0o600)
	st, err := LoadSecrets(p)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := st.Lookup("admin"); v != marker {
		t.Errorf("admin = %q", v)
	}
	t.Setenv("POSSE_SECRET_ONLY_ENV", "x")
	if _, ok := st.Lookup("only_env"); !ok {
		t.Error("a file store falls back to the environment")
	}
	for _, mode := range []os.FileMode{0o640, 0o604, 0o644, 0o660} {
		p := writeSecrets(t, "a: b\n", mode)
		_, err := LoadSecrets(p)
		if err == nil || !strings.Contains(err.Error(), "chmod 600 "+p) {
			t.Errorf("mode %o: %v", mode, err)
		}
	}
	if _, err := LoadSecrets(writeSecrets(t, "a: b\n", 0o400)); err != nil {
		t.Errorf("mode 0400 is stricter than 0600 and fine: %v", err)
	}
	if _, err := LoadSecrets(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("missing file must be an error")
	}
}

func TestLoadSecretsOwner(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to give a file away")
	}
	p := writeSecrets(t, "a: b\n", 0o600)
	if err := os.Chown(p, 4242, 4242); err != nil {
		t.Fatal(err)
	}
	_, err := LoadSecrets(p)
	if err == nil || !strings.Contains(err.Error(), "owned by uid 4242") {
		t.Errorf("foreign owner: %v", err)
	}
}

func TestParseSecretsProblemsHideValues(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Bad-Name: \"" + marker + "\"\n", `s.yaml:1:1: invalid secret name`},
		{"\"" + marker + "\": anna\n", `s.yaml:1:1: invalid secret name`},
		{"a: \"" + marker + "\"\na: \"" + marker + "\"\n", `s.yaml:2:1: duplicate secret "a" (first defined at s.yaml:1:1)`},
		{"a: 12345678\n", `s.yaml:1:4: secret "a" must be a string`},
		{"a: [\"" + marker + "\"]\n", `s.yaml:1:4: secret "a" must be a string`},
		{"a:\n", `s.yaml:1:3: secret "a" must be a string`},
		{"a: \"\"\n", `s.yaml:1:4: secret "a" is empty`},
		{"a: &x \"" + marker + "\"\nb: *x\n", `s.yaml:1:4: secret "a": anchors (&) and aliases (*) are not allowed`},
		{"- \"" + marker + "\"\n", "s.yaml:1:1: secrets file must be a mapping"},
		{"a: \"" + marker + "\n", "secrets file is not valid YAML"},
		{"a: '" + marker + "\xff'\n", "s.yaml:1:28: secrets file is not valid UTF-8"},
	}
	for _, tt := range tests {
		_, ps := ParseSecrets("s.yaml", []byte(tt.in))
		got := ps.Error()
		if !strings.Contains(got, tt.want) {
			t.Errorf("ParseSecrets(%q):\n%s\nwant %q", tt.in, got, tt.want)
		}
		if strings.Contains(got, marker) || strings.Contains(got, "12345678") {
			t.Errorf("problem leaks a value: %s", got)
		}
	}
	if st, ps := ParseSecrets("s.yaml", []byte("# none yet\n")); len(ps) != 0 || st.Len() != 0 {
		t.Errorf("an empty secrets file is fine: %v", ps)
	}
}

func TestCheckPassword(t *testing.T) {
	def := PasswordPolicy{MinLength: 10, Complexity: true}
	tests := []struct {
		policy   PasswordPolicy
		user, pw string
		want     string // "" for ok
	}{
		{def, "anna", "Winter-2026!", ""},
		{def, "anna", "Short1!", "too short: the policy needs at least 10 characters, it has 7"},
		{def, "anna", "alllowercase", "too simple"},
		{def, "anna", "lowercase123", "too simple"},
		{def, "anna", "ALLUPPER123!", ""},
		{def, "anna", "Ünïcödé-Pässwört", ""},
		{def, "anna", "MyAnna-2026!", "contains the username"},
		{def, "al", "Al-was-here-1", ""},
		// AD counts the username from three characters on.
		{def, "bob", "Mybob-2026!x", "contains the username"},
		{def, "bob", "xxBOB-2026!y", "contains the username"},
		{def, "bo", "Mybo-2026!xy", ""},
		{def, "anna", "Tab\tinside-2026", "control characters"},
		{def, "anna", "Line\nbreak-2026", "control characters"},
		{PasswordPolicy{MinLength: 8}, "anna", "simplepw", ""},
		{PasswordPolicy{MinLength: 8}, "anna", "anna1234", ""},
		{PasswordPolicy{}, "anna", "simplepassword", "too simple"},
		{PasswordPolicy{}, "anna", "Sh0rt!", "at least 10"},
		{def, "anna", strings.Repeat("Aa1!", 65), "longer than 256"},
	}
	for _, tt := range tests {
		err := CheckPassword(tt.policy, tt.user, tt.pw)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("CheckPassword(%+v, %q, %q) = %v, want ok", tt.policy, tt.user, tt.pw, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("CheckPassword(%+v, %q, %q) = %v, want %q", tt.policy, tt.user, tt.pw, err, tt.want)
		case err != nil && strings.Contains(err.Error(), tt.pw):
			t.Errorf("error leaks the password: %v", err)
		}
	}
}

func TestCheckSecrets(t *testing.T) {
	s := validSite()
	st := NewStore()
	st.Set("domain_admin", "Admin-Pw-2026!")
	st.Set("amueller", "amueller-"+marker) // contains the username
	// bschmidt missing
	st.Set("backup", "short-"+"x") // 7 characters
	ps := CheckSecrets(s, st)
	got := ps.Error()
	for _, want := range []string{
		`users[0].password: secret "amueller" (initial password of amueller): password contains the username`,
		`users[1].password: secret "bschmidt" is not set` + "\n  hint: add bschmidt to the secrets file or set POSSE_SECRET_BSCHMIDT",
		`backup.password: secret "backup" (backup password): password is too short: the policy needs at least 12 characters`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("want %q in:\n%s", want, got)
		}
	}
	if len(ps) != 3 {
		t.Errorf("want 3 problems, got %d:\n%s", len(ps), got)
	}
	if strings.Contains(got, marker) {
		t.Errorf("problems leak a secret value:\n%s", got)
	}
	st.Set("amueller", "Anna-Pw-2026!")
	st.Set("bschmidt", "Bernd-Pw-2026!")
	st.Set("backup", "a long backup key")
	if ps := CheckSecrets(s, st); len(ps) != 0 {
		t.Errorf("want no problems, got:\n%v", ps)
	}
	if ps := CheckSecrets(s, nil); len(ps) != 4 {
		t.Errorf("nil secrets: want 4 missing, got:\n%v", ps)
	}
}

func TestCheckSecretsPositions(t *testing.T) {
	s, err := Parse("site.yaml", []byte(minimalYAML))
	if err != nil {
		t.Fatal(err)
	}
	got := CheckSecrets(s, NewStore()).Error()
	want := "site.yaml:7:19: secret \"domain_admin\" is not set\n  hint: add domain_admin to the secrets file or set POSSE_SECRET_DOMAIN_ADMIN\n" +
		"site.yaml:13:15: secret \"anna\" is not set\n  hint: add anna to the secrets file or set POSSE_SECRET_ANNA"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}
