// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"fmt"
	"strings"
	"testing"
)

// bigTemplate returns a valid template with n users, n/50 groups and
// shares, and one alias per group.
func bigTemplate(n int) []byte {
	var b strings.Builder
	b.WriteString("version: 1\nsite: {name: Big, domain: big.example, workgroup: BIG}\n")
	b.WriteString("directory: {admin_password: '${secret:domain_admin}'}\ngroups:\n")
	groups := n/50 + 1
	for g := 0; g < groups; g++ {
		fmt.Fprintf(&b, "  - {name: team%d, description: \"Team %d\"}\n", g, g)
	}
	b.WriteString("users:\n")
	for u := 0; u < n; u++ {
		fmt.Fprintf(&b, "  - username: user%d\n    given_name: Given%d\n    surname: Surname%d\n    groups: [team%d]\n    password: ${secret:user%d}\n    aliases: [alias%d@big.example]\n",
			u, u, u, u%groups, u, u)
	}
	b.WriteString("shares:\n")
	for g := 0; g < groups; g++ {
		fmt.Fprintf(&b, "  - {name: Share%d, read: [team%d], write: [team%d]}\n", g, g, (g+1)%groups)
	}
	b.WriteString("mail:\n  domains: [big.example]\n  aliases:\n")
	for g := 0; g < groups; g++ {
		fmt.Fprintf(&b, "    - {address: team%d@big.example, to: [user%d, user%d]}\n", g, g, g+1)
	}
	return []byte(b.String())
}

// TestParse5000Users: a 5000-user template fits the size limit and
// parses. How fast is BenchmarkParse5000Users' business (docs/benchmarks.md):
// tests assert no wall time.
func TestParse5000Users(t *testing.T) {
	data := bigTemplate(5000)
	if len(data) > MaxTemplateSize {
		t.Fatalf("benchmark template is %d bytes, over the limit", len(data))
	}
	s, err := Parse("big.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Users) != 5000 {
		t.Fatalf("got %d users", len(s.Users))
	}
}

func BenchmarkParse5000Users(b *testing.B) {
	data := bigTemplate(5000)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse("big.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

// TestParseManyProblems: a template at the size limit that is wrong
// everywhere reports its problems (BenchmarkParseManyProblems measures the
// time, which guards against quadratic work).
func TestParseManyProblems(t *testing.T) {
	data := manyProblems()
	_, err := Parse("bad.yaml", data)
	ps, _ := err.(Problems)
	if len(ps) < 50000 {
		t.Fatalf("want many problems, got %d", len(ps))
	}
}

func BenchmarkParseManyProblems(b *testing.B) {
	data := manyProblems()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		Parse("bad.yaml", data)
	}
}

// manyProblems is a template just under the size limit with an unknown
// key, a bad username and a bad password reference in every user.
func manyProblems() []byte {
	var b strings.Builder
	b.WriteString("version: 1\nusers:\n")
	for b.Len() < MaxTemplateSize-200 {
		fmt.Fprintf(&b, "  - {username: U%d, groups: x, password: p, zz: 1}\n", b.Len())
	}
	return []byte(b.String())
}
