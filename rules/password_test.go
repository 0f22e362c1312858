// SPDX-License-Identifier: GPL-3.0-or-later

package rules

import (
	"strings"
	"testing"
	"unicode"
)

// TestGeneratePassword: the one generator makes passwords of the asked
// length with all four classes, never starting like a spreadsheet formula,
// never containing the username, and passing the policy.
func TestGeneratePassword(t *testing.T) {
	seen := map[string]bool{}
	for i := range 2000 {
		policy := PasswordPolicy{MinLength: 10, Complexity: true}
		want := GeneratedPasswordLength
		if i%4 == 1 {
			policy.MinLength, want = 24, 24
		}
		user := []string{"abc", "bob", "anna.mueller", ""}[i%4]
		pw, err := GeneratePassword(policy, user)
		if err != nil {
			t.Fatal(err)
		}
		if len(pw) != want {
			t.Fatalf("length %d, want %d", len(pw), want)
		}
		if strings.ContainsAny(pw[:1], formulaStart) {
			t.Fatalf("password starts with %q, a spreadsheet formula", pw[:1])
		}
		var lower, upper, digit, symbol bool
		for _, r := range pw {
			switch {
			case unicode.IsLower(r):
				lower = true
			case unicode.IsUpper(r):
				upper = true
			case unicode.IsDigit(r):
				digit = true
			case strings.ContainsRune(pwSymbol, r):
				symbol = true
			default:
				t.Fatalf("unexpected character %q", r)
			}
		}
		if !lower || !upper || !digit || !symbol {
			t.Fatalf("a character class is missing")
		}
		if strings.ContainsAny(pw, "0O1lI") {
			t.Fatal("look-alike characters")
		}
		if len(user) >= 3 && strings.Contains(strings.ToLower(pw), user) {
			t.Fatal("password contains the username")
		}
		if err := CheckPassword(policy, user, pw); err != nil {
			t.Fatalf("generated password fails the policy: %v", err)
		}
		if seen[pw] {
			t.Fatal("repeated password")
		}
		seen[pw] = true
	}
	if _, err := GeneratePassword(PasswordPolicy{MinLength: MaxPasswordLength + 1, Complexity: true}, "x"); err == nil {
		t.Error("a policy no password meets must fail")
	}
	if pw, err := GeneratePassword(PasswordPolicy{}, "anna"); err != nil || len(pw) != GeneratedPasswordLength {
		t.Errorf("zero policy: %d characters, %v", len(pw), err)
	}
}
