package directory

import (
	"strings"
	"testing"
)

func TestGeneratePassword(t *testing.T) {
	p := Policy{MinLength: 16, Complexity: true}
	seen := map[string]bool{}
	for range 200 {
		pw, err := GeneratePassword(16)
		if err != nil {
			t.Fatal(err)
		}
		if len(pw) != 16 || seen[pw] {
			t.Fatalf("bad or repeated password")
		}
		seen[pw] = true
		if err := CheckPassword(pw, "someone", p); err != nil {
			t.Fatalf("generated password fails the policy: %v", err)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	p := Policy{MinLength: 10, Complexity: true}
	tests := []struct {
		pw, user string
		ok       bool
	}{
		{"Abcdefgh12", "x", true},
		{"abcdefgh12", "x", false}, // two classes
		{"Abc1!", "x", false},      // short
		{"Xamueller-1", "amueller", false},
		{"Anna-Secret-Pw-1", "amueller", true},
	}
	for _, tt := range tests {
		err := CheckPassword(tt.pw, tt.user, p)
		if (err == nil) != tt.ok {
			t.Errorf("CheckPassword(%q) = %v", tt.pw, err)
		}
		if err != nil && strings.Contains(err.Error(), tt.pw) {
			t.Error("error contains the password")
		}
	}
}

func TestScrub(t *testing.T) {
	in := []byte("INFO: Admin password:        8h7l;pUQfsGJl9Hp\nERROR: something broke\n")
	got := scrub(in)
	if strings.Contains(got, "8h7l") || !strings.Contains(got, "something broke") {
		t.Errorf("scrub = %q", got)
	}
}
