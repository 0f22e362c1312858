// SPDX-License-Identifier: GPL-3.0-or-later

package plan

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
)

// FormatVersion is the plan format version MakePlan writes.
const FormatVersion = 1

// NoChanges is what WriteText prints for an empty plan.
const NoChanges = "No changes. The box matches the site."

// symbols mark each step's action in text output.
var symbols = map[Action]string{
	Create:  "+",
	Update:  "~",
	Delete:  "-",
	Restart: "↻",
	Reload:  "↻",
	Run:     "•",
}

// WriteText prints p for people: steps grouped by service, each with its
// diff or field changes indented below it (secrets masked), then notes and a
// summary line such as "Plan: 3 to create, 2 to update, 0 to delete,
// 1 restart, 1 reload." or NoChanges.
func WriteText(w io.Writer, p *Plan) error {
	bw := bufio.NewWriter(w)
	service := "\x00"
	for _, s := range p.Steps {
		if s.Service != service {
			if service != "\x00" {
				bw.WriteString("\n")
			}
			service = s.Service
			fmt.Fprintf(bw, "%s\n", service)
		}
		fmt.Fprintf(bw, "  %s\n", StepLine(s))
		for _, c := range s.Changes {
			fmt.Fprintf(bw, "      %s\n", changeLine(c))
		}
		if s.Diff != "" {
			for _, l := range strings.Split(strings.TrimSuffix(s.Diff, "\n"), "\n") {
				fmt.Fprintf(bw, "      %s\n", l)
			}
		}
	}
	if len(p.Steps) > 0 {
		bw.WriteString("\n")
	}
	if len(p.Notes) > 0 {
		bw.WriteString("Notes:\n")
		for _, n := range p.Notes {
			fmt.Fprintf(bw, "  %s: %s: %s\n", n.Service, n.Target, n.Message)
		}
		bw.WriteString("\n")
	}
	bw.WriteString(Summary(p))
	bw.WriteString("\n")
	return bw.Flush()
}

// StepLine describes a step in one line, such as
// "+ create file /etc/samba/smb.conf" or "↻ restart unit smbd.service".
func StepLine(s Step) string {
	sym, ok := symbols[s.Action]
	if !ok {
		sym = "?"
	}
	verb := string(s.Action)
	if s.Kind == KindUnit {
		var u UnitSpec
		if s.DecodeSpec(&u) == nil && u.Op != "" {
			verb = u.Op
		}
	}
	line := fmt.Sprintf("%s %s %s %s", sym, verb, s.Kind, s.Target)
	if s.Summary != "" {
		line += " (" + s.Summary + ")"
	}
	return line
}

// Summary is the plan's last line: counts of creates, updates, deletes,
// restarts and reloads, or NoChanges.
func Summary(p *Plan) string {
	if p.Empty() {
		return NoChanges
	}
	n := map[Action]int{}
	for _, s := range p.Steps {
		n[s.Action]++
	}
	return fmt.Sprintf("Plan: %d to create, %d to update, %d to delete, %s, %s.",
		n[Create], n[Update], n[Delete], count(n[Restart], "restart"), count(n[Reload], "reload"))
}

func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func changeLine(c Change) string {
	switch {
	case c.Sensitive:
		return c.Field + ": " + Masked
	case c.Before == "":
		return c.Field + ": " + show(c.After)
	case c.After == "":
		return c.Field + ": " + show(c.Before) + " → (none)"
	}
	return c.Field + ": " + show(c.Before) + " → " + show(c.After)
}

// show quotes a value only when it would be ambiguous unquoted.
func show(v string) string {
	if v == "" || strings.TrimSpace(v) != v || strings.ContainsFunc(v, func(r rune) bool {
		return r == '"' || r == '→' || !unicode.IsPrint(r)
	}) {
		return strconv.Quote(v)
	}
	return v
}

// WriteJSON writes p as indented JSON; an empty plan has "steps": [].
// Before and after values of sensitive changes are written as Masked.
func WriteJSON(w io.Writer, p *Plan) error {
	c := *p
	c.Steps = make([]Step, len(p.Steps))
	for i, s := range p.Steps {
		if len(s.Changes) > 0 {
			s.Changes = append([]Change(nil), s.Changes...)
			for j, ch := range s.Changes {
				if ch.Sensitive {
					s.Changes[j].Before, s.Changes[j].After = maskIf(ch.Before), maskIf(ch.After)
				}
			}
		}
		c.Steps[i] = s
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(&c)
}

func maskIf(v string) string {
	if v == "" {
		return ""
	}
	return Masked
}
