// SPDX-License-Identifier: GPL-3.0-or-later

package backup

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
)

func stepList(steps []plan.Step) string {
	var out []string
	for _, s := range steps {
		out = append(out, s.Kind+" "+s.Target)
	}
	return strings.Join(out, "\n")
}

func TestPlanFreshBox(t *testing.T) {
	env, r := fakeBox(t)
	env.Offline = true
	writeFile(t, env.Path("/usr/local/bin/possectl"), "", 0o755)
	removePW(t, env)
	steps, notes, err := New().Plan(t.Context(), testSite(), env)
	if err != nil {
		t.Fatal(err)
	}
	want := `dir /var/lib/posse/backup
file /var/lib/posse/backup/restic.pw
backup.init /srv/posse/backup
file /etc/systemd/system/posse-backup-check.service
file /etc/systemd/system/posse-backup-check.timer
file /etc/systemd/system/posse-backup-drill.service
file /etc/systemd/system/posse-backup-drill.timer
file /etc/systemd/system/posse-backup.service
file /etc/systemd/system/posse-backup.timer
unit systemd
unit posse-backup.timer
unit posse-backup-check.timer
unit posse-backup-drill.timer
probe /srv/posse/backup`
	if got := stepList(steps); got != want {
		t.Errorf("steps:\n%s\nwant:\n%s", got, want)
	}
	if len(notes) != 0 {
		t.Errorf("notes = %+v", notes)
	}
	raw, _ := json.Marshal(steps)
	if strings.Contains(string(raw), testPassword) {
		t.Error("the plan holds the password")
	}
	var pw plan.FileSpec
	steps[1].DecodeSpec(&pw)
	if pw.Content != "${secret:backup}" || pw.Mode != 0o600 || !pw.Secret {
		t.Errorf("password file spec = %+v", pw)
	}
	if !strings.Contains(string(steps[7].Spec), "/usr/local/bin/possectl backup run --scheduled") {
		t.Errorf("the service does not run the installed possectl: %s", steps[7].Spec)
	}
	if !strings.Contains(string(steps[5].Spec), "/usr/local/bin/possectl backup drill --scheduled") {
		t.Errorf("the drill's service does not run the installed possectl: %s", steps[5].Spec)
	}
	if len(r.Cmds()) != 0 {
		t.Errorf("planning offline ran %q", r.Argvs())
	}
}

func removePW(t *testing.T, env *host.Env) {
	t.Helper()
	if err := os.Remove(env.Path(PasswordFile)); err != nil {
		t.Fatal(err)
	}
}

// TestPlanApplied: with every file in place, the repository initialised
// and the timers on, nothing is planned; a timer switched off is switched
// on again without a daemon-reload.
func TestPlanApplied(t *testing.T) {
	env, r := fakeBox(t)
	env.Offline = true
	s := testSite()
	steps, _, err := New().Plan(t.Context(), s, env)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range steps {
		if st.Kind == plan.KindFile || st.Kind == plan.KindDir {
			var f plan.FileSpec
			st.DecodeSpec(&f)
			if st.Kind == plan.KindDir {
				mkdir(t, env.Path(f.Path), 0o700)
				continue
			}
			content, _ := plan.ExpandSecrets(f.Content, env.Secrets)
			writeFile(t, env.Path(f.Path), content, osMode(f.Mode))
		}
	}
	writeFile(t, env.Path("/srv/posse/backup/config"), "x", 0o600)
	steps, _, err = New().Plan(t.Context(), s, env)
	if err != nil || len(steps) != 0 {
		t.Fatalf("second plan: %s, %v", stepList(steps), err)
	}
	env.Offline = false
	fu := env.Units.(interface{ Add(string, bool, bool) })
	fu.Add(TimerUnit, true, true)
	fu.Add(CheckTimerUnit, false, true)
	fu.Add(DrillTimerUnit, true, true)
	steps, _, err = New().Plan(t.Context(), s, env)
	if err != nil || stepList(steps) != "unit posse-backup-check.timer\nprobe /srv/posse/backup" {
		t.Errorf("timer off: %s, %v", stepList(steps), err)
	}
	noSecret(t, r)
}

func TestPlanSFTPAsksRestic(t *testing.T) {
	env, r := fakeBox(t)
	s := testSite()
	s.Backup.Repository = "sftp:backup@nas.example.lan:/backups/office"
	r.On(NewRestic(env, s.Backup.Repository).Argv("cat", "config"), host.Result{ExitCode: 1, Stderr: []byte("Fatal: unable to open config file: Stat: file does not exist\nIs there a repository at the following location?\nsftp:backup@nas.example.lan:/backups/office")})
	steps, _, err := New().Plan(t.Context(), s, env)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stepList(steps), "backup.init sftp:backup@nas.example.lan:/backups/office") {
		t.Errorf("no init step:\n%s", stepList(steps))
	}
	// A wrong password or an unreachable server is a note, not a failed
	// plan: the rest of the site can still be applied.
	r.On(NewRestic(env, s.Backup.Repository).Argv("cat", "config"), host.Result{ExitCode: 1, Stderr: []byte("Fatal: wrong password or no key found")})
	steps, notes, err := New().Plan(t.Context(), s, env)
	if err != nil || len(notes) != 1 || !strings.Contains(notes[0].Message, "wrong password") || strings.Contains(stepList(steps), "backup.init") {
		t.Errorf("wrong password: steps %s, notes %+v, err %v", stepList(steps), notes, err)
	}
	noSecret(t, r)
}

func TestPlanRemove(t *testing.T) {
	env, _ := fakeBox(t)
	writeFile(t, env.Path(SystemdDir+"/"+TimerUnit), "x", 0o644)
	env.Units.(interface{ Add(string, bool, bool) }).Add(TimerUnit, true, true)
	s := testSite()
	s.Backup = nil
	steps, notes, err := New().Plan(t.Context(), s, env)
	if err != nil {
		t.Fatal(err)
	}
	if got := stepList(steps); got != "unit posse-backup.timer\nfile /etc/systemd/system/posse-backup.timer\nunit systemd" || len(notes) != 1 {
		t.Errorf("steps:\n%s\nnotes %+v", got, notes)
	}
}

func TestExecuteInit(t *testing.T) {
	env, r := fakeBox(t)
	rs := NewRestic(env, "/srv/posse/backup")
	r.On(rs.Argv("cat", "config"), host.Result{ExitCode: 10, Stderr: []byte("Fatal: repository does not exist")})
	step := plan.NewStep(Name, plan.Create, KindInit, "/srv/posse/backup", "", InitSpec{Repository: "/srv/posse/backup"})
	if err := New().Execute(t.Context(), step, env); err != nil {
		t.Fatal(err)
	}
	argvs := r.Argvs()
	if len(argvs) != 2 || !strings.HasSuffix(argvs[1], " init") {
		t.Errorf("commands = %q", argvs)
	}
	if st, err := os.Stat(env.Path("/srv/posse/backup")); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("repository dir: %v %v", st, err)
	}
	// An existing repository is not initialised again.
	r.On(rs.Argv("cat", "config"), host.Result{Stdout: []byte("{}")})
	if err := New().Execute(t.Context(), step, env); err != nil {
		t.Fatal(err)
	}
	if n := len(r.Argvs()); n != 3 {
		t.Errorf("ran %d commands, want 3: %q", n, r.Argvs())
	}
	noSecret(t, r)
}
