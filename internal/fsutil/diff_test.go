// SPDX-License-Identifier: GPL-3.0-or-later

package fsutil

import (
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"testing"
)

func TestUnified(t *testing.T) {
	tests := []struct {
		name, a, b, want string
	}{
		{"equal", "a\nb\n", "a\nb\n", ""},
		{"create", "", "a\nb\n", "--- old\n+++ new\n@@ -0,0 +1,2 @@\n+a\n+b\n"},
		{"delete", "a\n", "", "--- old\n+++ new\n@@ -1 +0,0 @@\n-a\n"},
		{"change middle", "1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nfive\n6\n7\n8\n9\n",
			"--- old\n+++ new\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"},
		{"two hunks", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", "one\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\ntwelve\n",
			"--- old\n+++ new\n@@ -1,4 +1,4 @@\n-1\n+one\n 2\n 3\n 4\n@@ -9,4 +9,4 @@\n 9\n 10\n 11\n-12\n+twelve\n"},
		{"no newline", "a\nb", "a\nb\n", "--- old\n+++ new\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n"},
	}
	for _, tt := range tests {
		if got := Unified("old", "new", tt.a, tt.b); got != tt.want {
			t.Errorf("%s:\ngot:\n%s\nwant:\n%s", tt.name, got, tt.want)
		}
	}
}

// TestUnifiedRoundTrip applies random diffs back and checks they rebuild b.
func TestUnifiedRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	words := []string{"a", "b", "c", "d", "e"}
	gen := func() string {
		var sb strings.Builder
		for i := r.Intn(30); i > 0; i-- {
			sb.WriteString(words[r.Intn(len(words))] + "\n")
		}
		return sb.String()
	}
	for i := 0; i < 500; i++ {
		a, b := gen(), gen()
		d := Unified("a", "b", a, b)
		got, err := patch(a, d)
		if err != nil || got != b {
			t.Fatalf("round trip %d failed (%v):\na=%q\nb=%q\ndiff:\n%s\ngot %q", i, err, a, b, d, got)
		}
	}
}

// patch applies a unified diff made by Unified (newline-terminated texts).
func patch(a, d string) (string, error) {
	if d == "" {
		return a, nil
	}
	al := splitLines(a)
	var out []string
	pos := 0
	for _, line := range strings.Split(strings.TrimSuffix(d, "\n"), "\n")[2:] {
		switch {
		case strings.HasPrefix(line, "@@"):
			f := strings.Fields(line)[1]
			start, _ := strconv.Atoi(strings.Split(f[1:], ",")[0])
			if !strings.HasSuffix(f, ",0") { // ",0": start is the line before the hunk
				start--
			}
			for pos < start {
				out = append(out, al[pos])
				pos++
			}
		case line[0] == ' ':
			if al[pos] != line[1:] {
				return "", fmt.Errorf("context mismatch at %d", pos)
			}
			out = append(out, al[pos])
			pos++
		case line[0] == '-':
			pos++
		case line[0] == '+':
			out = append(out, line[1:])
		}
	}
	out = append(out, al[pos:]...)
	if len(out) == 0 {
		return "", nil
	}
	return strings.Join(out, "\n") + "\n", nil
}
