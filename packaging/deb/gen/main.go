// SPDX-License-Identifier: GPL-3.0-or-later

// Command gen writes a man page for one of Posse's programs from a template
// (packaging/deb/*.in) and the program's own --help output, so that the
// reference part of the page never drifts from the binary. scripts/deb.sh
// runs it for the Debian package:
//
//	go run ./packaging/deb/gen -template packaging/deb/possectl.1.in \
//	    -version 1.2.3 -date 2026-11-23 bin/possectl > possectl.1
//
// The template is roff with three placeholders: @VERSION@, @DATE@ and
// @REFERENCE@. For a cobra program (its help lists "Available Commands:")
// the reference is one subsection per command, walked recursively; for a
// program using the flag package it is an OPTIONS list.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strings"
)

func main() {
	tmpl := flag.String("template", "", "roff template with @VERSION@, @DATE@ and @REFERENCE@")
	version := flag.String("version", "", "version shown in the page footer")
	date := flag.String("date", "", "date shown in the page footer (YYYY-MM-DD)")
	flag.Parse()
	if *tmpl == "" || flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: gen -template FILE -version V -date YYYY-MM-DD PROGRAM")
		os.Exit(2)
	}
	t, err := os.ReadFile(*tmpl)
	if err != nil {
		fail(err)
	}
	bin := flag.Arg(0)
	root := help(bin)
	var ref string
	if strings.Contains(root, "\nAvailable Commands:\n") {
		ref = cobraReference(bin)
	} else {
		ref = flagReference(root)
	}
	out := strings.NewReplacer(
		"@VERSION@", escape(*version),
		"@DATE@", *date,
		"@REFERENCE@", strings.TrimSuffix(ref, "\n"),
	).Replace(string(t))
	os.Stdout.WriteString(out)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gen:", err)
	os.Exit(1)
}

// help runs bin with args and --help and returns its output (stdout, or
// stderr for the flag package, which prints usage there and exits 2).
func help(bin string, args ...string) string {
	cmd := exec.Command(bin, append(args, "--help")...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	cmd.Env = append(os.Environ(), "LANG=C.UTF-8", "LC_ALL=C.UTF-8", "NO_COLOR=1")
	cmd.Run() // the exit code of --help varies; the output is what counts
	if o.Len() > 0 {
		return o.String()
	}
	if e.Len() == 0 {
		fail(fmt.Errorf("%s %s --help printed nothing", bin, strings.Join(args, " ")))
	}
	return e.String()
}

// commandLine is a line of "Available Commands:"; cobra pads the names to
// the longest one, which gets a single space.
var commandLine = regexp.MustCompile(`^  (\S+)(?:\s|$)`)

// subcommands lists the commands under "Available Commands:".
func subcommands(h string) []string {
	var out []string
	in := false
	for _, l := range strings.Split(h, "\n") {
		switch {
		case l == "Available Commands:":
			in = true
		case in && l == "":
			in = false
		case in:
			if m := commandLine.FindStringSubmatch(l); m != nil {
				out = append(out, m[1])
			}
		}
	}
	return out
}

// section cuts a block ("Global Flags:" …) out of a help text and returns
// the rest and the block (without its heading).
func section(h, heading string) (rest, block string) {
	lines := strings.Split(h, "\n")
	var r, b []string
	in := false
	for _, l := range lines {
		switch {
		case l == heading:
			in = true
		case in && l == "":
			in = false
			r = append(r, l)
		case in:
			b = append(b, l)
		default:
			r = append(r, l)
		}
	}
	return strings.Join(r, "\n"), strings.Join(b, "\n")
}

var moreInfo = regexp.MustCompile(`(?m)^Use ".*" for more information about a command\.\n?`)

// cobraReference is a COMMANDS section with every command's help, and a
// GLOBAL FLAGS section with the global flags most commands share (a
// command with other global flags keeps them in its own subsection).
func cobraReference(bin string) string {
	type entry struct{ path, text, global string }
	var entries []entry
	var walk func(path []string)
	walk = func(path []string) {
		h := help(bin, path...)
		rest, global := section(h, "Global Flags:")
		rest = moreInfo.ReplaceAllString(rest, "")
		if len(path) > 0 {
			entries = append(entries, entry{strings.Join(path, " "), strings.TrimSpace(rest), global})
		}
		for _, c := range subcommands(h) {
			if c == "help" || (len(path) > 0 && path[len(path)-1] == "completion") {
				continue
			}
			walk(append(append([]string(nil), path...), c))
		}
	}
	walk(nil)

	count := map[string]int{}
	for _, e := range entries {
		if e.global != "" {
			count[e.global]++
		}
	}
	var common string
	var globals []string
	for g := range count {
		globals = append(globals, g)
	}
	sort.Strings(globals)
	for _, g := range globals {
		if count[g] > count[common] {
			common = g
		}
	}

	name := bin[strings.LastIndex(bin, "/")+1:]
	var b strings.Builder
	b.WriteString(".SH COMMANDS\n")
	fmt.Fprintf(&b, "Every command prints this text with\n.BR \"%s \\fIcommand\\fP \\-\\-help\" .\n", escape(name))
	for _, e := range entries {
		fmt.Fprintf(&b, ".SS \"%s %s\"\n", escape(name), escape(e.path))
		text := e.text
		if e.global != "" && e.global != common {
			text += "\n\nGlobal Flags:\n" + e.global
		}
		b.WriteString(verbatim(text))
	}
	if common != "" {
		b.WriteString(".SH GLOBAL FLAGS\n")
		b.WriteString("Commands that manage a box accept these flags (a command's own section lists them if they differ):\n")
		b.WriteString(verbatim(common))
	}
	return b.String()
}

var (
	flagLine = regexp.MustCompile(`^  (-\S+)(?: (.+))?$`)
	descLine = regexp.MustCompile(`^    \t(.*)$`)
)

// flagReference is an OPTIONS section from the flag package's usage text.
func flagReference(h string) string {
	var b strings.Builder
	b.WriteString(".SH OPTIONS\n")
	n := 0
	for _, l := range strings.Split(h, "\n") {
		if m := flagLine.FindStringSubmatch(l); m != nil {
			b.WriteString(".TP\n")
			if m[2] != "" {
				fmt.Fprintf(&b, ".BI \"%s\" \" %s\"\n", escape("-"+m[1]), escape(m[2]))
			} else {
				fmt.Fprintf(&b, ".B \"%s\"\n", escape("-"+m[1]))
			}
			n++
			continue
		}
		if m := descLine.FindStringSubmatch(l); m != nil {
			b.WriteString(text(m[1]) + "\n")
		}
	}
	if n == 0 {
		fail(fmt.Errorf("no flags found in:\n%s", h))
	}
	return b.String()
}

// verbatim is a no-fill block of text.
func verbatim(s string) string {
	var b strings.Builder
	b.WriteString(".PP\n.nf\n")
	for _, l := range strings.Split(s, "\n") {
		b.WriteString(text(l) + "\n")
	}
	b.WriteString(".fi\n")
	return b.String()
}

// text escapes one line of running text: a leading . or ' would be a
// request.
func text(l string) string {
	l = escape(l)
	if strings.HasPrefix(l, ".") || strings.HasPrefix(l, "'") {
		l = `\&` + l
	}
	return l
}

// escape makes s safe inside roff: backslashes, minus signs (so that
// options can be copied) and non-ASCII characters as \[uXXXX].
func escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\e`)
		case r == '-':
			b.WriteString(`\-`)
		case r == '"':
			b.WriteString(`\(dq`)
		case r == '\t':
			b.WriteString("        ")
		case r > 0x7e:
			fmt.Fprintf(&b, `\[u%04X]`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
