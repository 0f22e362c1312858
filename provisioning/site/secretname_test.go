// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"strings"
	"testing"
)

// TestSecretNameGrammar: a secret name is never a path. "/", "." and ".."
// in any position are refused by every place that takes a name: the
// grammar, a ${secret:…} reference, Expand, the environment lookup and the
// secrets file.
func TestSecretNameGrammar(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"backup", true},
		{"domain_admin", true},
		{"a1", true},
		{"_", true},
		{".", false},
		{"..", false},
		{"/", false},
		{"a/b", false},
		{"../backup", false},
		{"backup/..", false},
		{"/etc/shadow", false},
		{"a.b", false},
		{".backup", false},
		{"backup.", false},
		{"./backup", false},
		{"a\\b", false},
		{"a\x00b", false},
		{"", false},
		{strings.Repeat("a", 65), false},
	} {
		if got := ValidSecretName(tc.name); got != tc.ok {
			t.Errorf("ValidSecretName(%q) = %v, want %v", tc.name, got, tc.ok)
		}
		if _, ok := NewSecretRef(tc.name).Name(); ok != tc.ok {
			t.Errorf("${secret:%s}.Name() ok = %v, want %v", tc.name, ok, tc.ok)
		}
		st := NewStore()
		st.Set(tc.name, "value")
		out, err := Expand("x=${secret:"+tc.name+"}", st)
		if tc.ok && (err != nil || out != "x=value") {
			t.Errorf("Expand with %q = %q, %v", tc.name, out, err)
		}
		if !tc.ok && err == nil && strings.Contains(out, "value") {
			t.Errorf("Expand accepted the name %q: %q", tc.name, out)
		}
		if !tc.ok {
			t.Setenv(EnvPrefix+strings.ToUpper(strings.ReplaceAll(tc.name, "\x00", "")), "from-env")
			if _, ok := EnvSecrets().Lookup(tc.name); ok {
				t.Errorf("the environment was asked for the invalid name %q", tc.name)
			}
		}
	}
}

// TestSecretsFileRefusesPathNames: a secrets file whose keys look like
// paths is refused as a whole, naming the key's line.
func TestSecretsFileRefusesPathNames(t *testing.T) {
	for _, key := range []string{`"."`, `".."`, `"a/b"`, `"../x"`, `"/etc/shadow"`} {
		p := writeSecrets(t, "ok: \"v\"\n"+key+": \"v\"\n", 0o600)
		if _, err := LoadSecrets(p); err == nil || !strings.Contains(err.Error(), ":2:") {
			t.Errorf("key %s: %v", key, err)
		}
	}
}
