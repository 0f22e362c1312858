// SPDX-License-Identifier: GPL-3.0-or-later

package daemon

import (
	"bufio"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/posse-project/posse/daemon/api"
)

const pkg = "../packaging"

func readPkg(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(pkg, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPolicyMatchesActions parses the .policy file and checks its actions
// are exactly the ones possed checks, with the intended defaults.
func TestPolicyMatchesActions(t *testing.T) {
	var doc struct {
		XMLName xml.Name `xml:"policyconfig"`
		Actions []struct {
			ID          string `xml:"id,attr"`
			Description string `xml:"description"`
			Message     string `xml:"message"`
			Defaults    struct {
				Any      string `xml:"allow_any"`
				Inactive string `xml:"allow_inactive"`
				Active   string `xml:"allow_active"`
			} `xml:"defaults"`
		} `xml:"action"`
	}
	if err := xml.Unmarshal(readPkg(t, "polkit/org.posse.Posse1.policy"), &doc); err != nil {
		t.Fatalf("policy file is not valid XML: %v", err)
	}
	var inFile []string
	wantActive := map[string]string{ActionStatus: "yes", ActionHealth: "auth_admin_keep", ActionUsers: "auth_admin_keep", ActionSite: "auth_admin_keep"}
	for _, a := range doc.Actions {
		inFile = append(inFile, a.ID)
		if a.Description == "" || a.Message == "" {
			t.Errorf("action %s lacks a description or message", a.ID)
		}
		if w, ok := wantActive[a.ID]; ok && a.Defaults.Active != w {
			t.Errorf("action %s: allow_active %q, want %q", a.ID, a.Defaults.Active, w)
		}
		if a.ID != ActionStatus && (a.Defaults.Any == "yes" || a.Defaults.Inactive == "yes" || a.Defaults.Active == "yes") {
			t.Errorf("action %s: a default of yes would let any user change the box", a.ID)
		}
		if a.ID == ActionStatus && a.Defaults.Any != "yes" {
			t.Errorf("action %s: allow_any %q, want yes (status over SSH)", a.ID, a.Defaults.Any)
		}
	}
	inGo := append([]string(nil), Actions...)
	for _, a := range methodActions {
		if !contains(inGo, a) {
			t.Errorf("methodActions uses %s, which is not in Actions", a)
		}
	}
	sort.Strings(inFile)
	sort.Strings(inGo)
	if strings.Join(inFile, " ") != strings.Join(inGo, " ") {
		t.Errorf("actions in the .policy file %v differ from the Go table %v", inFile, inGo)
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// TestRulesGrantTheGroups evaluates 50-posse.rules with a stub of polkit's
// JavaScript API (needs node; skipped without it) for each group and action.
func TestRulesGrantTheGroups(t *testing.T) {
	rules := string(readPkg(t, "polkit/50-posse.rules"))
	for _, id := range regexp.MustCompile(`"org\.posse\.Posse1\.[a-z]+"`).FindAllString(rules, -1) {
		if id = strings.Trim(id, `"`); !contains(Actions, id) {
			t.Errorf("rules mention unknown action %s", id)
		}
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the rules' syntax and decisions were not evaluated")
	}
	stub := `var rule; var polkit = {Result: {YES: "yes", NO: "no", NOT_HANDLED: "not-handled"}, addRule: function(f) { rule = f; }};
` + rules + `
var groups = {"posse-admin": ["posse-admin"], "posse-office": ["posse-office"], "plain": []};
var actions = ["org.posse.Posse1.status", "org.posse.Posse1.users", "org.posse.Posse1.site", "org.freedesktop.other"];
for (var g in groups) { for (var i = 0; i < actions.length; i++) {
  var subject = {isInGroup: function(x) { return groups[g].indexOf(x) >= 0; }};
  console.log(g + " " + actions[i] + " " + rule({id: actions[i]}, subject));
}}`
	out, err := exec.Command(node, "-e", stub).CombinedOutput()
	if err != nil {
		t.Fatalf("rules do not evaluate: %v\n%s", err, out)
	}
	want := `posse-admin org.posse.Posse1.status yes
posse-admin org.posse.Posse1.users yes
posse-admin org.posse.Posse1.site yes
posse-admin org.freedesktop.other not-handled
posse-office org.posse.Posse1.status yes
posse-office org.posse.Posse1.users yes
posse-office org.posse.Posse1.site not-handled
posse-office org.freedesktop.other not-handled
plain org.posse.Posse1.status not-handled
plain org.posse.Posse1.users not-handled
plain org.posse.Posse1.site not-handled
plain org.freedesktop.other not-handled
`
	if string(out) != want {
		t.Errorf("rule decisions:\n%s\nwant:\n%s", out, want)
	}
}

// TestBusPolicy parses the system bus policy: root owns the name, and the
// default context may call every interface possed exports (polkit decides).
func TestBusPolicy(t *testing.T) {
	type rule struct {
		Own       string `xml:"own,attr"`
		SendDest  string `xml:"send_destination,attr"`
		SendIface string `xml:"send_interface,attr"`
	}
	var doc struct {
		XMLName  xml.Name `xml:"busconfig"`
		Policies []struct {
			User    string `xml:"user,attr"`
			Context string `xml:"context,attr"`
			Allow   []rule `xml:"allow"`
			Deny    []rule `xml:"deny"`
		} `xml:"policy"`
	}
	if err := xml.Unmarshal(readPkg(t, "dbus/org.posse.Posse1.conf"), &doc); err != nil {
		t.Fatalf("bus policy is not valid XML: %v", err)
	}
	rootOwns := false
	callable := map[string]bool{}
	for _, p := range doc.Policies {
		for _, a := range p.Allow {
			if a.Own != "" && (p.User != "root" || a.Own != api.BusName) {
				t.Errorf("policy lets %q%q own %s", p.User, p.Context, a.Own)
			}
			if a.Own == api.BusName && p.User == "root" {
				rootOwns = true
			}
			if p.Context == "default" && a.SendDest == api.BusName {
				if a.SendIface == "" {
					t.Errorf("default policy allows every interface of %s; list them", api.BusName)
				}
				callable[a.SendIface] = true
			}
		}
	}
	if !rootOwns {
		t.Error("root may not own " + api.BusName)
	}
	s := &Server{}
	for iface := range s.objects() {
		if !callable[iface] {
			t.Errorf("the default policy does not allow calling %s", iface)
		}
	}
}

// TestActivationFiles checks the D-Bus service file and the systemd unit
// agree on the bus name, the unit and the binary.
func TestActivationFiles(t *testing.T) {
	svc := parseINI(t, "dbus/org.posse.Posse1.service")
	unit := parseINI(t, "systemd/possed.service")
	checks := []struct{ got, want, what string }{
		{svc["D-BUS Service.Name"], api.BusName, "service file Name"},
		{svc["D-BUS Service.User"], "root", "service file User"},
		{svc["D-BUS Service.SystemdService"], "possed.service", "service file SystemdService"},
		{unit["Service.Type"], "dbus", "unit Type"},
		{unit["Service.BusName"], api.BusName, "unit BusName"},
		{strings.Fields(unit["Service.ExecStart"])[0], svc["D-BUS Service.Exec"], "unit ExecStart binary"},
		{svc["D-BUS Service.Exec"], "/usr/sbin/possed", "service file Exec"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
	if _, ok := unit["Install.WantedBy"]; ok {
		t.Error("possed.service must be started by D-Bus activation, not enabled")
	}
}

// parseINI reads "[Section]" and "Key=Value" lines into "Section.Key".
func parseINI(t *testing.T, name string) map[string]string {
	t.Helper()
	m := map[string]string{}
	sec := ""
	sc := bufio.NewScanner(strings.NewReader(string(readPkg(t, name))))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		switch {
		case l == "" || strings.HasPrefix(l, "#"):
		case strings.HasPrefix(l, "[") && strings.HasSuffix(l, "]"):
			sec = l[1 : len(l)-1]
		default:
			k, v, ok := strings.Cut(l, "=")
			if !ok {
				t.Fatalf("%s: bad line %q", name, l)
			}
			m[sec+"."+k] = v
		}
	}
	return m
}
