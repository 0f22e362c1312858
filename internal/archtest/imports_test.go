// SPDX-License-Identifier: GPL-3.0-or-later

package archtest

import (
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/posse-project/posse"

// rule says which module packages a group of packages may not import.
type rule struct {
	name string
	// applies reports whether the rule covers an importing package.
	applies func(pkg string) bool
	// forbidden reports whether importing imp from pkg breaks the rule.
	forbidden func(pkg, imp string) bool
}

func under(p, dir string) bool { return p == dir || strings.HasPrefix(p, dir+"/") }

// service is the services/X a package belongs to ("" if none).
func service(p string) string {
	if !under(p, "services") {
		return ""
	}
	parts := strings.Split(p, "/")
	if len(parts) < 2 {
		return ""
	}
	return parts[1]
}

// sharedServices are packages under services/ that no service owns: what
// services share (the AD domain's names and connection) lives there.
var sharedServices = map[string]bool{"ad": true}

// compositionRoots are the packages that wire services into the engine.
var compositionRoots = []string{"daemon/box"}

var rules = []rule{
	{
		name:    "the app imports only the client, the API types and the shared rules",
		applies: func(p string) bool { return p == "" || under(p, "app") },
		forbidden: func(p, imp string) bool {
			if p == "" { // main.go: the app only
				return imp != "app" && !under(imp, "internal/version")
			}
			// internal/sheet is the password sheet's content, shared with
			// possectl users --sheet and secrets sheet: a leaf that lays
			// out what it is given.
			for _, ok := range []string{"app", "client", "daemon/api", "api", "internal/version", "internal/sheet", "packaging/icon", "rules"} {
				if under(imp, ok) {
					return false
				}
			}
			return true
		},
	},
	{
		name:    "a service never imports another service",
		applies: func(p string) bool { return service(p) != "" && !sharedServices[service(p)] },
		forbidden: func(p, imp string) bool {
			s := service(imp)
			return s != "" && s != service(p) && !sharedServices[s]
		},
	},
	{
		name:    "provisioning imports no service, command, app or daemon",
		applies: func(p string) bool { return under(p, "provisioning") },
		forbidden: func(p, imp string) bool {
			return under(imp, "services") || under(imp, "cmd") || under(imp, "app") || under(imp, "daemon")
		},
	},
	{
		name:    "internal packages import nothing of the engine, services or clients",
		applies: func(p string) bool { return under(p, "internal") },
		forbidden: func(p, imp string) bool {
			for _, bad := range []string{"provisioning", "services", "daemon", "client", "app", "cmd", "sandbox"} {
				if under(imp, bad) {
					return true
				}
			}
			return false
		},
	},
	{
		name:    "only the composition root wires services",
		applies: func(p string) bool { return service(p) == "" && !under(p, "e2e") },
		forbidden: func(p, imp string) bool {
			if service(imp) == "" || sharedServices[service(imp)] {
				return false
			}
			for _, r := range compositionRoots {
				if under(p, r) {
					return false
				}
			}
			return true
		},
	},
	{
		name:      "the shared rules import nothing of the module",
		applies:   func(p string) bool { return under(p, "rules") },
		forbidden: func(p, imp string) bool { return true },
	},
	{
		name:    "the client imports only the API types and leaf helpers",
		applies: func(p string) bool { return under(p, "client") },
		forbidden: func(p, imp string) bool {
			// client/fleet builds on the client; the leaf helpers import
			// nothing of the module (the internal rule keeps them so):
			// printable escapes text for a terminal, fsutil writes the
			// fleet file atomically.
			if under(p, "client/fleet") && imp == "client" {
				return false
			}
			for _, ok := range []string{"daemon/api", "api", "internal/version", "internal/printable", "internal/fsutil"} {
				if under(imp, ok) {
					return false
				}
			}
			return true
		},
	},
}

// allowed lists today's violations, to be removed one by one; an entry
// that no longer matches a violation fails the test, so the list only
// shrinks.
var allowed = map[string]bool{
	"app -> provisioning/site":        true,
	"cmd/possectl -> services/backup": true,
}

type pkg struct {
	ImportPath string
	Imports    []string
}

// imports lists every package of the module with its module imports (not
// test imports), as relative paths ("" for the module root).
func imports(t *testing.T) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports", module+"/...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	rel := func(p string) (string, bool) {
		if p == module {
			return "", true
		}
		r, ok := strings.CutPrefix(p, module+"/")
		return r, ok
	}
	res := map[string][]string{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		name, _ := rel(p.ImportPath)
		res[name] = nil
		for _, imp := range p.Imports {
			if r, ok := rel(imp); ok {
				res[name] = append(res[name], r)
			}
		}
	}
	return res
}

func violations(graph map[string][]string) map[string]string {
	found := map[string]string{}
	for p, imps := range graph {
		for _, imp := range imps {
			for _, r := range rules {
				if r.applies(p) && r.forbidden(p, imp) {
					found[fmt.Sprintf("%s -> %s", p, imp)] = r.name
				}
			}
		}
	}
	return found
}

func TestImportRules(t *testing.T) {
	found := violations(imports(t))
	var bad, stale []string
	for v, why := range found {
		if !allowed[v] {
			bad = append(bad, v+" ("+why+")")
		}
	}
	for v := range allowed {
		if _, ok := found[v]; !ok {
			stale = append(stale, v)
		}
	}
	sort.Strings(bad)
	sort.Strings(stale)
	for _, v := range bad {
		t.Errorf("import breaks a rule: %s", v)
	}
	for _, v := range stale {
		t.Errorf("allowed violation %q is gone: remove it from the list in imports_test.go", v)
	}
	t.Logf("%d violations still allowed", len(allowed)-len(stale))
}

// TestRulesCatchViolations checks the rules against a made-up graph, so a
// rule that stopped matching anything would be noticed.
func TestRulesCatchViolations(t *testing.T) {
	graph := map[string][]string{
		"app":                 {"provisioning/site", "client"},
		"services/mail":       {"services/directory", "services/ad", "provisioning/plan"},
		"services/ad":         {"provisioning/host"},
		"provisioning/apply":  {"services/systemd", "provisioning/host"},
		"internal/execx":      {"provisioning/host"},
		"cmd/possectl":        {"services/backup", "client"},
		"daemon/box":          {"services/backup"},
		"client":              {"daemon/api", "provisioning/plan"},
		"":                    {"app", "client"},
		"e2e":                 {"services/mail"},
		"services/files/fake": {"services/files"},
		"rules":               {"internal/version"},
	}
	want := []string{
		" -> client",
		"app -> provisioning/site",
		"client -> provisioning/plan",
		"cmd/possectl -> services/backup",
		"internal/execx -> provisioning/host",
		"provisioning/apply -> services/systemd",
		"rules -> internal/version",
		"services/mail -> services/directory",
	}
	found := violations(graph)
	var got []string
	for v := range found {
		got = append(got, v)
	}
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("violations:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
