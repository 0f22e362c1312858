// SPDX-License-Identifier: GPL-3.0-or-later

package client

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"

	"github.com/posse-project/posse/daemon/api"
)

// NoChanges is what WritePlanText prints for an empty plan.
const NoChanges = "No changes. The box matches the site."

// masked stands for a sensitive value.
const masked = "(sensitive)"

// symbols mark each step's action in text output.
var symbols = map[string]string{
	"create":  "+",
	"update":  "~",
	"delete":  "-",
	"restart": "↻",
	"reload":  "↻",
	"run":     "•",
}

// WritePlanText prints a plan for people, as possectl and the app show
// it: steps grouped by service, each with its field changes and diff
// indented below it (secrets masked), then the notes and a summary line
// such as "Plan: 3 to create, 2 to update, 0 to delete, 1 restart, 1
// reload." or NoChanges.
func WritePlanText(w io.Writer, p api.PlanResult) error {
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
	bw.WriteString(PlanSummary(p))
	bw.WriteString("\n")
	return bw.Flush()
}

// StepLine describes a step in one line, such as
// "+ create file /etc/samba/smb.conf" or "↻ restart unit smbd.service".
func StepLine(s api.PlanStep) string {
	sym, ok := symbols[s.Action]
	if !ok {
		sym = "?"
	}
	verb := s.Action
	if s.Kind == "unit" && s.Op != "" {
		verb = s.Op
	}
	line := fmt.Sprintf("%s %s %s %s", sym, verb, s.Kind, s.Target)
	if s.Summary != "" {
		line += " (" + s.Summary + ")"
	}
	return line
}

// PlanSummary is a plan's last line: counts of creates, updates, deletes,
// restarts and reloads, or NoChanges.
func PlanSummary(p api.PlanResult) string {
	if p.Empty() {
		return NoChanges
	}
	n := p.Counts
	return fmt.Sprintf("Plan: %d to create, %d to update, %d to delete, %s, %s.",
		n.Create, n.Update, n.Delete, count(n.Restart, "restart"), count(n.Reload, "reload"))
}

func count(n int32, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func changeLine(c api.Change) string {
	switch {
	case c.Sensitive:
		return c.Field + ": " + masked
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

// The JSON of a plan, in the shape and key order possectl plan --json has
// always printed.
type (
	planJSON struct {
		Version      int32          `json:"version"`
		Site         string         `json:"site"`
		TemplateHash string         `json:"template_hash"`
		Steps        []planStepJSON `json:"steps"`
		Notes        []planNoteJSON `json:"notes,omitempty"`
	}
	planStepJSON struct {
		Service string       `json:"service"`
		Action  string       `json:"action"`
		Kind    string       `json:"kind"`
		Target  string       `json:"target"`
		Summary string       `json:"summary,omitempty"`
		Diff    string       `json:"diff,omitempty"`
		Changes []changeJSON `json:"changes,omitempty"`
		Spec    *unitJSON    `json:"spec,omitempty"`
	}
	changeJSON struct {
		Field     string `json:"field"`
		Before    string `json:"before,omitempty"`
		After     string `json:"after,omitempty"`
		Sensitive bool   `json:"sensitive,omitempty"`
	}
	unitJSON struct {
		Unit string `json:"unit"`
		Op   string `json:"op"`
	}
	planNoteJSON struct {
		Service string `json:"service"`
		Target  string `json:"target"`
		Message string `json:"message"`
	}
)

// WritePlanJSON writes a plan as indented JSON for programs: {"version",
// "site", "template_hash", "steps": [{"service", "action", "kind",
// "target", "summary", "diff", "changes": [{"field", "before", "after",
// "sensitive"}], "spec": {"unit", "op"}}], "notes": [{"service", "target",
// "message"}]}. An empty plan has "steps": []; spec is there for unit
// steps only; sensitive values are "(sensitive)".
func WritePlanJSON(w io.Writer, p api.PlanResult) error {
	out := planJSON{Version: p.Version, Site: p.Site, TemplateHash: p.TemplateHash, Steps: make([]planStepJSON, 0, len(p.Steps))}
	for _, s := range p.Steps {
		js := planStepJSON{Service: s.Service, Action: s.Action, Kind: s.Kind, Target: s.Target, Summary: s.Summary, Diff: s.Diff}
		for _, c := range s.Changes {
			js.Changes = append(js.Changes, changeJSON(c))
		}
		if s.Kind == "unit" && (s.Unit != "" || s.Op != "") {
			js.Spec = &unitJSON{Unit: s.Unit, Op: s.Op}
		}
		out.Steps = append(out.Steps, js)
	}
	for _, n := range p.Notes {
		out.Notes = append(out.Notes, planNoteJSON(n))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(&out)
}

// ProblemLines prints problems as "FILE:LINE:COL: message" lines, each
// followed by its "  hint: …" line when it has one; file names the
// template as the person knows it.
func ProblemLines(file string, ps []api.Problem) string {
	lines := make([]string, 0, len(ps))
	for _, p := range ps {
		l := position(file, p) + ": " + p.Message
		if p.Hint != "" {
			l += "\n  hint: " + p.Hint
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n")
}

// position is "FILE:LINE:COL", dropping what is unknown; without a line
// it names the template's path (users[0].password).
func position(file string, p api.Problem) string {
	switch {
	case p.Line > 0 && p.Column > 0:
		return fmt.Sprintf("%s:%d:%d", file, p.Line, p.Column)
	case p.Line > 0:
		return fmt.Sprintf("%s:%d", file, p.Line)
	case p.Path != "":
		return file + ": " + p.Path
	}
	return file
}
