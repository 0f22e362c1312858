// SPDX-License-Identifier: GPL-3.0-or-later

package fsutil

import (
	"fmt"
	"strings"
)

// DiffContext is the number of unchanged lines shown around each change.
const DiffContext = 3

// maxEditDistance bounds the work of the line diff; beyond it the diff
// degrades to "replace everything", which is still correct.
const maxEditDistance = 4000

type opKind byte

const (
	opEqual opKind = ' '
	opDel   opKind = '-'
	opIns   opKind = '+'
)

type edit struct {
	op   opKind
	a, b int // line index in a (equal, del) and b (equal, ins)
}

// Unified returns a unified diff (as diff -u prints it, without timestamps)
// from text a, labelled oldName, to text b, labelled newName. It returns ""
// when the texts are equal. The output is deterministic.
func Unified(oldName, newName, a, b string) string {
	if a == b {
		return ""
	}
	al, bl := splitLines(a), splitLines(b)
	edits := diffLines(al, bl)
	var sb strings.Builder
	fmt.Fprintf(&sb, "--- %s\n+++ %s\n", oldName, newName)
	for _, h := range hunks(edits, DiffContext) {
		writeHunk(&sb, h, al, bl)
	}
	return sb.String()
}

// noEOL marks a last line without a newline, so that "x" and "x\n" differ.
const noEOL = "\x00"

// splitLines splits text into lines without their newlines; an
// unterminated last line ends in noEOL.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.Split(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	} else {
		lines[len(lines)-1] += noEOL
	}
	return lines
}

// diffLines computes a shortest edit script with Myers' O(ND) algorithm,
// after trimming the common prefix and suffix.
func diffLines(a, b []string) []edit {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var out []edit
	for i := 0; i < pre; i++ {
		out = append(out, edit{opEqual, i, i})
	}
	for _, e := range myers(a[pre:len(a)-suf], b[pre:len(b)-suf]) {
		e.a += pre
		e.b += pre
		out = append(out, e)
	}
	for i := suf; i > 0; i-- {
		out = append(out, edit{opEqual, len(a) - i, len(b) - i})
	}
	return out
}

func myers(a, b []string) []edit {
	n, m := len(a), len(b)
	max := n + m
	if max == 0 {
		return nil
	}
	if max > maxEditDistance {
		return replaceAll(n, m)
	}
	off := max
	v := make([]int, 2*max+2)
	var trace [][]int
	found := false
	for d := 0; d <= max && !found; d++ {
		trace = append(trace, append([]int(nil), v...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				found = true
				break
			}
		}
	}
	// Backtrack from (n, m) through the saved V arrays.
	var rev []edit
	x, y := n, m
	for d := len(trace) - 1; d >= 0; d-- {
		vd := trace[d]
		k := x - y
		var pk int
		if k == -d || (k != d && vd[off+k-1] < vd[off+k+1]) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := vd[off+pk]
		py := px - pk
		for x > px && y > py {
			x--
			y--
			rev = append(rev, edit{opEqual, x, y})
		}
		if d == 0 {
			break
		}
		if x == px {
			y--
			rev = append(rev, edit{opIns, x, y})
		} else {
			x--
			rev = append(rev, edit{opDel, x, y})
		}
	}
	out := make([]edit, len(rev))
	for i, e := range rev {
		out[len(rev)-1-i] = e
	}
	return out
}

func replaceAll(n, m int) []edit {
	out := make([]edit, 0, n+m)
	for i := 0; i < n; i++ {
		out = append(out, edit{opDel, i, 0})
	}
	for j := 0; j < m; j++ {
		out = append(out, edit{opIns, n, j})
	}
	return out
}

// hunks groups edits into hunks with ctx lines of context.
func hunks(edits []edit, ctx int) [][]edit {
	var out [][]edit
	i := 0
	for i < len(edits) {
		// Find the next change.
		for i < len(edits) && edits[i].op == opEqual {
			i++
		}
		if i == len(edits) {
			break
		}
		start := max(i-ctx, 0)
		end := i
		for end < len(edits) {
			if edits[end].op != opEqual {
				end++
				continue
			}
			// Run of equal lines: does another change follow closely?
			j := end
			for j < len(edits) && edits[j].op == opEqual {
				j++
			}
			if j < len(edits) && j-end <= 2*ctx {
				end = j
				continue
			}
			end = min(end+ctx, len(edits))
			break
		}
		out = append(out, edits[start:end])
		i = end
	}
	return out
}

func writeHunk(sb *strings.Builder, h []edit, al, bl []string) {
	aStart, bStart := h[0].a, h[0].b
	aLen, bLen := 0, 0
	for _, e := range h {
		switch e.op {
		case opEqual:
			aLen++
			bLen++
		case opDel:
			aLen++
		case opIns:
			bLen++
		}
	}
	fmt.Fprintf(sb, "@@ -%s +%s @@\n", hunkRange(aStart, aLen), hunkRange(bStart, bLen))
	for _, e := range h {
		var line string
		if e.op == opIns {
			line = bl[e.b]
		} else {
			line = al[e.a]
		}
		sb.WriteByte(byte(e.op))
		if text, ok := strings.CutSuffix(line, noEOL); ok {
			sb.WriteString(text)
			sb.WriteString("\n\\ No newline at end of file\n")
			continue
		}
		sb.WriteString(line)
		sb.WriteByte('\n')
	}
}

func hunkRange(start, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start)
	case 1:
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}
