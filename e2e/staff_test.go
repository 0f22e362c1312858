// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/e2e/harness"
	"github.com/posse-project/posse/provisioning/site"
)

// staffCSV is eight people as Excel in Germany saves a staff list (UTF-8
// with BOM, ';', CRLF, German headers, a phone column), with umlauts,
// ß, Polish and French letters and the same name twice.
const staffCSV = "testdata/staff/mitarbeiter.csv"

// TestStaffList takes a staff list from a spreadsheet to people logging on:
// possectl init (on the host, the binary of POSSE_BIN) writes the template
// and the secrets file, secrets generate fills in two secrets taken out of
// it (a user's initial password and the backup's), validate --secrets
// passes, and the template is applied to a fresh box. Then, from outside,
// Jürgen Groß logs on over SMB as juergen.gross with the password secrets
// generate made: first refused because he must change it, then, after
// changing it with kpasswd, into the share of everybody and his
// home, and not into a department share of which he is not a member.
//
// The password is changed over Kerberos (kpasswd), as Windows changes it
// at the first logon: smbpasswd -r fails against the DC for a user who
// must change the password ("Failed to change password!").
func TestStaffList(t *testing.T) {
	for _, tool := range []string{"smbclient", "kpasswd"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed on the host (scripts/deps.sh installs it for CI: apt-get install smbclient krb5-user)", tool)
		}
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "kunde")
	tmpl, secrets := filepath.Join(out, "site.yaml"), filepath.Join(out, "site.secrets.yaml")
	run := func(args ...string) string {
		t.Helper()
		o, e, code := harness.HostPossectl(t, nil, args...)
		if code != 0 {
			t.Fatalf("possectl %s: exit %d\n%s%s", strings.Join(args, " "), code, o, e)
		}
		return o
	}

	o := run("init", "--staff", staffCSV, "--domain", "praxis-sonne.example", "--name", "Praxis Sonne", "--out", out)
	for _, want := range []string{"8 people", "juergen.gross", "guel.oeztuerk", "anna.mueller2", "lucja.wasowska",
		"francoise.lefevre", "zoe.schaefer@praxis-sonne.example", "staff, empfang, labor", "(10 passwords, mode 0600)"} {
		if !strings.Contains(o, want) {
			t.Errorf("possectl init's output lacks %q:\n%s", want, o)
		}
	}

	// Take Jürgen's initial password and the backup's out of the file:
	// secrets generate makes them again, and Jürgen logs on with his.
	raw, err := os.ReadFile(secrets)
	if err != nil {
		t.Fatal(err)
	}
	kept := regexp.MustCompile(`(?m)^(juergen_gross|backup): .*\n`).ReplaceAllString(string(raw), "")
	if strings.Count(string(raw), "\n")-strings.Count(kept, "\n") != 2 {
		t.Fatalf("the secrets file lacks juergen_gross or backup:\n%s", regexp.MustCompile(`: ".*"`).ReplaceAllString(string(raw), ": …"))
	}
	if err := os.WriteFile(secrets, []byte(kept), 0o600); err != nil {
		t.Fatal(err)
	}
	if o := run("secrets", "generate", tmpl, "--secrets", secrets); !strings.Contains(o, "2 secrets: juergen_gross, backup") {
		t.Errorf("possectl secrets generate: %s", o)
	}
	if o := run("validate", tmpl, "--secrets", secrets); !strings.Contains(o, "valid: site \"Praxis Sonne\", 8 users, 4 groups, 4 shares, mail, backup, 10 secrets") {
		t.Errorf("possectl validate --secrets: %s", o)
	}
	store, err := site.LoadSecrets(secrets)
	if err != nil {
		t.Fatal(err)
	}
	initial, ok := store.Lookup("juergen_gross")
	if !ok {
		t.Fatal("no juergen_gross in the secrets file")
	}
	changed, err := site.GeneratePassword(site.PasswordPolicy{}, "juergen.gross")
	if err != nil {
		t.Fatal(err)
	}

	tb := harness.Box(t, "staff")
	start := time.Now()
	tb.Apply(t, tmpl, secrets)
	t.Logf("applied the template of 8 users in %.1fs", time.Since(start).Seconds())
	ip := tb.IP()
	logon := func(share, pw, cmds string) (string, error) {
		auth := filepath.Join(dir, "auth")
		if err := os.WriteFile(auth, []byte("username = juergen.gross\npassword = "+pw+"\ndomain = PRAXIS\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return harness.Host("smbclient", "//"+ip+"/"+share, "-A", auth, "-c", cmds)
	}

	t.Run("the initial password must be changed first", func(t *testing.T) {
		o, err := logon("Shared", initial, "ls")
		if err == nil || !strings.Contains(o, "NT_STATUS_PASSWORD_MUST_CHANGE") {
			t.Fatalf("logon with the initial password: %v: %s", err, o)
		}
		// A wrong password is refused differently: the initial one was right.
		if o, _ := logon("Shared", initial+"x", "ls"); !strings.Contains(o, "NT_STATUS_LOGON_FAILURE") {
			t.Errorf("logon with a wrong password: %s", o)
		}
	})
	t.Run("after the change he logs on", func(t *testing.T) {
		// kpasswd reads the old password, then the new one twice, from a
		// krb5.conf that names the box as KDC and password server.
		const realm = "AD.PRAXIS-SONNE.EXAMPLE"
		conf := filepath.Join(dir, "krb5.conf")
		if err := os.WriteFile(conf, []byte(fmt.Sprintf("[libdefaults]\n\tdefault_realm = %s\n\tdns_lookup_kdc = false\n[realms]\n%s = {\n\tkdc = %s\n\tkpasswd_server = %s\n}\n", realm, realm, ip, ip)), 0o644); err != nil {
			t.Fatal(err)
		}
		env := []string{"KRB5_CONFIG=" + conf, "KRB5CCNAME=FILE:" + filepath.Join(dir, "cc")}
		if o, err := harness.HostWith(initial+"\n"+changed+"\n"+changed+"\n", env, "kpasswd", "juergen.gross@"+realm); err != nil || !strings.Contains(o, "Password changed") {
			t.Fatalf("kpasswd: %v: %s", err, o)
		}
		up := filepath.Join(dir, "hallo.txt")
		os.WriteFile(up, []byte("Grüße aus der Buchhaltung\n"), 0o644)
		harness.Eventually(t, 30*time.Second, func() error {
			if o, err := logon("Shared", changed, "put "+up+" hallo.txt; ls"); err != nil || !strings.Contains(o, "hallo.txt") {
				return fmt.Errorf("put into Shared: %v: %s", err, o)
			}
			return nil
		})
		if o, err := logon("juergen.gross", changed, "put "+up+" privat.txt; ls"); err != nil || !strings.Contains(o, "privat.txt") {
			t.Errorf("his home folder: %v: %s", err, o)
		}
		if o, err := logon("Buchhaltung", changed, "ls"); err != nil {
			t.Errorf("the share of his department: %v: %s", err, o)
		}
		if o, err := logon("Labor", changed, "ls"); err == nil || !strings.Contains(o, "NT_STATUS_ACCESS_DENIED") {
			t.Errorf("the share of a department he is not in: %v: %s", err, o)
		}
	})
}
