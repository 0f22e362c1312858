// SPDX-License-Identifier: GPL-3.0-or-later

package backup

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/host/hosttest"
	"github.com/posse-project/posse/provisioning/site"
)

const testPassword = "Sehr-Geheim-Backup-42!"

// testSite is a site with a share, homes, mail and a local repository.
func testSite() *site.Site {
	return &site.Site{
		Shares: []site.Share{{Name: "Akten"}, {Name: "Scans", Path: "/srv/scans"}},
		Homes:  site.Homes{Enabled: true},
		Mail:   &site.Mail{Domains: []string{"example.lan"}},
		Backup: &site.Backup{
			Repository: "/srv/posse/backup",
			Password:   site.NewSecretRef("backup"),
			Schedule:   "*-*-* 22:00",
			Keep:       site.Keep{Daily: 7, Weekly: 4, Monthly: 12},
			Include:    []string{"directory", "shares", "homes", "mail"},
		},
	}
}

// fakeBox is a temp root with the password file in place, a FakeRunner
// and FakeUnits.
func fakeBox(t *testing.T) (*host.Env, *hosttest.FakeRunner) {
	t.Helper()
	r := hosttest.NewFakeRunner(t)
	env := &host.Env{Root: t.TempDir(), Runner: r, Units: hosttest.NewFakeUnits(), Secrets: hosttest.MapSecrets{"backup": testPassword}}
	writeFile(t, env.Path(PasswordFile), testPassword, 0o600)
	return env, r
}

func writeFile(t *testing.T, p, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// noSecret fails the test when the password appears in any recorded
// command's argv, environment or stdin.
func noSecret(t *testing.T, r *hosttest.FakeRunner) {
	t.Helper()
	for _, c := range r.Cmds() {
		all := strings.Join(c.Argv, " ") + " " + strings.Join(c.Env, " ") + " " + string(c.Stdin)
		if strings.Contains(all, testPassword) {
			t.Errorf("the repository password reached command %q", c.Argv)
		}
	}
}

func osMode(m uint32) os.FileMode { return os.FileMode(m) }

func mkdir(t *testing.T, p string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(p, mode); err != nil {
		t.Fatal(err)
	}
	os.Chmod(p, mode)
}
