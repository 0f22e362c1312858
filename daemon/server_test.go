// SPDX-License-Identifier: GPL-3.0-or-later

package daemon_test

import (
	"encoding/xml"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/daemon/api"
)

func TestUsersRoundTrip(t *testing.T) {
	r := newRig(t, rigOpts{})
	c := r.admin(t)
	x := ctx(t)
	anna := api.User{Username: "anna", GivenName: "Anna", Surname: "Schmidt", DisplayName: "Anna Schmidt", Email: "anna@example.com",
		Aliases: []string{"info@example.com"}, Groups: []string{"office"}}
	if err := c.CreateUser(x, anna, "Sommer2026!x", true); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateUser(x, api.User{Username: "bob"}, "Winter2026!y", false); err != nil {
		t.Fatal(err)
	}
	got, err := c.User(x, "anna")
	if err != nil {
		t.Fatal(err)
	}
	want := anna
	want.MustChangePassword = true // created so
	if !reflect.DeepEqual(got, want) {
		t.Errorf("User(anna) = %+v, want %+v", got, want)
	}
	off := false
	if err := c.UpdateUser(x, "anna", client.UserUpdate{MustChangePassword: &off}); err != nil {
		t.Fatal(err)
	}
	if got, err := c.User(x, "anna"); err != nil || got.MustChangePassword {
		t.Errorf("after turning must-change off: %+v, %v", got, err)
	}
	if r.backend.Password("anna") != "Sommer2026!x" {
		t.Error("password did not reach the backend intact")
	}
	list, err := c.Users(x, "schmidt")
	if err != nil || len(list) != 1 || list[0].Username != "anna" {
		t.Errorf("Users(schmidt) = %+v, %v", list, err)
	}
	all, err := c.Users(x, "")
	if err != nil || len(all) != 2 || all[1].Aliases == nil {
		t.Errorf("Users() = %+v, %v", all, err)
	}
	sur := "Meyer"
	if err := c.UpdateUser(x, "anna", client.UserUpdate{Surname: &sur, Aliases: &[]string{}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.User(x, "anna"); got.Surname != "Meyer" || len(got.Aliases) != 0 || got.GivenName != "Anna" {
		t.Errorf("after update: %+v", got)
	}
	if err := c.SetPassword(x, "anna", "Herbst2026!z", true); err != nil || r.backend.Password("anna") != "Herbst2026!z" {
		t.Errorf("SetPassword: %v", err)
	}
	if err := c.DisableUser(x, "anna"); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.User(x, "anna"); !got.Disabled {
		t.Error("anna not disabled")
	}
	if err := c.EnableUser(x, "anna"); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteUser(x, "anna"); err != nil {
		t.Fatal(err)
	}
	_, err = c.User(x, "anna")
	if !client.IsNotFound(err) || !strings.Contains(err.Error(), "anna") {
		t.Errorf("User(deleted) error = %v, want NotFound", err)
	}
	if err := c.CreateGroup(x, api.Group{Name: "office", Description: "Office"}); err != nil {
		t.Fatal(err)
	}
	gs, err := c.Groups(x)
	if err != nil || len(gs) != 1 || gs[0].Name != "office" || gs[0].Members == nil {
		t.Errorf("Groups() = %+v, %v", gs, err)
	}
}

func TestStatusValidateAndUnavailable(t *testing.T) {
	r := newRig(t, rigOpts{})
	c := r.admin(t)
	x := ctx(t)
	st, err := c.Status(x)
	if err != nil || st.Site != "Test Site" || len(st.Services) != 1 || !st.Services[0].Healthy || st.Busy {
		t.Errorf("Status() = %+v, %v", st, err)
	}
	probs, err := c.Validate(x, []byte("version: 1\nbad"), nil)
	if err != nil || len(probs) != 1 || probs[0].Line != 2 || probs[0].Hint != "fix it" {
		t.Errorf("Validate() = %+v, %v", probs, err)
	}
	probs, err = c.Validate(x, []byte("version: 1\n"), map[string]string{"admin": "x"})
	if err != nil || len(probs) != 0 {
		t.Errorf("Validate(good) = %+v, %v", probs, err)
	}
	u, err := c.Usage(x)
	if err != nil || len(u.Shares) != 1 || u.Shares[0].UsedBytes != 3<<20 || u.Shares[0].MeasuredAt == "" || u.Mail.Messages != 2 || u.Mail.Oldest == "" {
		t.Errorf("Usage() = %+v, %v", u, err)
	}
	_, err = c.Shares(x)
	if !client.IsNotAvailable(err) || !strings.Contains(err.Error(), "share management is not available on this box yet") {
		t.Errorf("Shares() error = %v, want NotAvailable", err)
	}
	err = c.RunBackup(x)
	if !client.IsNotAvailable(err) {
		t.Errorf("RunBackup() error = %v, want NotAvailable", err)
	}
}

func TestInvalidInputIsRefusedBeforeTheBackend(t *testing.T) {
	r := newRig(t, rigOpts{})
	c := r.admin(t)
	x := ctx(t)
	long := strings.Repeat("a", 300)
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"bad username", func() error { return c.CreateUser(x, api.User{Username: "Anna Schmidt"}, "Sommer2026!x", true) }, "username"},
		{"reserved username", func() error { return c.CreateUser(x, api.User{Username: "root"}, "Sommer2026!x", true) }, "reserved"},
		{"injection username", func() error { return c.CreateUser(x, api.User{Username: "a)(cn=*"}, "Sommer2026!x", true) }, "username"},
		{"empty password", func() error { return c.CreateUser(x, api.User{Username: "anna"}, "", true) }, "password is empty"},
		{"newline password", func() error { return c.SetPassword(x, "anna", "abc\ndef", true) }, "control characters"},
		{"bad mail", func() error { return c.CreateUser(x, api.User{Username: "anna", Email: "Anna@"}, "Sommer2026!x", true) }, "mail address"},
		{"bad group", func() error {
			return c.CreateUser(x, api.User{Username: "anna", Groups: []string{"Domain Admins"}}, "Sommer2026!x", true)
		}, "group name"},
		{"long name", func() error {
			return c.CreateUser(x, api.User{Username: "anna", GivenName: long}, "Sommer2026!x", true)
		}, "the limit is 64"},
		// The template's rules, whoever calls.
		{"samba section username", func() error { return c.CreateUser(x, api.User{Username: "sysvol"}, "Sommer2026!x", true) }, "Samba's own sections"},
		{"global username", func() error { return c.CreateUser(x, api.User{Username: "global"}, "Sommer2026!x", true) }, "Samba's own sections"},
		{"escape in name", func() error {
			return c.CreateUser(x, api.User{Username: "anna", Surname: "M\x1b[31m"}, "Sommer2026!x", true)
		}, "control characters"},
		{"service address", func() error {
			return c.CreateUser(x, api.User{Username: "anna", Email: "postmaster@example.com"}, "Sommer2026!x", true)
		}, "service address"},
		{"service alias", func() error {
			return c.UpdateUser(x, "anna", client.UserUpdate{Aliases: &[]string{"abuse@example.com"}})
		}, "service address"},
		{"posse group", func() error { return c.CreateGroup(x, api.Group{Name: "posse-admin"}) }, "Posse's own groups"},
		{"look-alike group", func() error { return c.CreateGroup(x, api.Group{Name: "domain-admins"}) }, "looks like"},
		{"look-alike members", func() error { return c.SetMembers(x, "enterprise_admins", []string{"anna"}, nil) }, "looks like"},
		{"hidden share", func() error { return c.SetShare(x, api.Share{Name: "Data$", Read: []string{"staff"}}) }, "share name"},
		{"service account into a group", func() error { return c.SetMembers(x, "staff", []string{"posse-mail"}, nil) }, "Posse manages it"},
		{"service account out of a group", func() error { return c.SetMembers(x, "staff", nil, []string{"posse-mail"}) }, "Posse manages it"},
		{"service account in a new group", func() error {
			return c.CreateGroup(x, api.Group{Name: "mailers", Members: []string{"posse-mail"}})
		}, "Posse manages it"},
		{"update unknown key", func() error {
			return r.rawCall(c, api.UsersInterface+".Update", "anna", map[string]dbus.Variant{"Password": dbus.MakeVariant("x")})
		}, "unknown attribute"},
		{"update wrong type", func() error {
			return r.rawCall(c, api.UsersInterface+".Update", "anna", map[string]dbus.Variant{"Surname": dbus.MakeVariant(3)})
		}, "must be a string"},
		{"update nothing", func() error { return c.UpdateUser(x, "anna", client.UserUpdate{}) }, "no changes"},
		{"empty template", func() error { _, err := c.Validate(x, nil, nil); return err }, "template is empty"},
		{"bad secret name", func() error { _, err := c.Plan(x, []byte("x"), map[string]string{"Bad-Name": "v"}); return err }, "secret name"},
		{"share name", func() error { return c.SetShare(x, api.Share{Name: "a/b"}) }, "share name"},
		{"share path", func() error { return c.SetShare(x, api.Share{Name: "Data", Path: "/srv/../etc"}) }, "clean absolute path"},
		{"copy name", func() error { return c.RunCopy(x, "../x") }, "backup copy name"},
		{"empty copy name", func() error { return c.RunCopy(x, "") }, "backup copy name"},
		{"snapshot id", func() error { _, err := c.Browse(x, "../../x", "/"); return err }, "snapshot"},
		{"restore nothing", func() error { _, err := c.Restore(x, "latest", nil, "/srv/restore"); return err }, "no paths"},
		{"restore into /", func() error { _, err := c.Restore(x, "latest", []string{"/srv/data"}, "/"); return err }, "refused"},
		{"restore relative", func() error { _, err := c.Restore(x, "latest", []string{"srv/data"}, ""); return err }, "clean absolute path"},
		{"alias target", func() error { return c.SetAlias(x, api.Alias{Address: "info@example.com", To: []string{"A B"}}) }, "alias target"},
		{"members both", func() error { return c.SetMembers(x, "office", []string{"anna"}, []string{"anna"}) }, "both added and removed"},
		{"query control", func() error { _, err := c.Users(x, "a\x01"); return err }, "search text"},
		{"create service account", func() error { return c.CreateUser(x, api.User{Username: "posse-mail"}, "Sommer2026!x", true) }, "Posse manages it"},
		{"password of service account", func() error { return c.SetPassword(x, "posse-mail", "Sommer2026!x", true) }, "Posse manages it"},
		{"disable service account", func() error { return c.DisableUser(x, "posse-mail") }, "Posse manages it"},
		{"enable service account", func() error { return c.EnableUser(x, "posse-mail") }, "Posse manages it"},
		{"delete service account", func() error { return c.DeleteUser(x, "posse-mail") }, "Posse manages it"},
		{"update service account", func() error {
			sn := "x"
			return c.UpdateUser(x, "posse-mail", client.UserUpdate{Surname: &sn})
		}, "Posse manages it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !client.IsInvalidInput(err) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want InvalidInput containing %q", err, tt.want)
			}
			if strings.Contains(fmt.Sprint(err), "Sommer2026") || strings.Contains(fmt.Sprint(err), "abc\ndef") {
				t.Errorf("error leaks the password: %v", err)
			}
		})
	}
	if all, _ := c.Users(x, ""); len(all) != 0 {
		t.Errorf("invalid calls created users: %+v", all)
	}
}

// rawCall calls possed with arguments the typed client would never send.
func (r *rig) rawCall(c *client.Client, method string, args ...any) error {
	call := c.Conn().Object(api.BusName, api.ObjectPath).Call(method, 0, args...)
	if call.Err == nil {
		return nil
	}
	var de dbus.Error
	if errors.As(call.Err, &de) {
		msg, _ := de.Body[0].(string)
		return &client.Error{Name: de.Name, Message: msg}
	}
	return call.Err
}

func TestApplyReportsProgressToTheCaller(t *testing.T) {
	tests := []struct {
		name     string
		template string
		outcome  string
		ok       bool
		events   []string
	}{
		{"applied", "site: ok", "applied", true, []string{"+0", "-0 done", "+1", "-1 done", "+2", "-2 done"}},
		{"rolled back", "site: fail", "rolled-back", false, []string{"+0", "-0 done", "+1", "-1 failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, rigOpts{})
			c := r.admin(t)
			other := r.admin(t) // must hear nothing of c's apply
			heard := make(chan *dbus.Signal, 16)
			other.Conn().Signal(heard)
			var got []string
			res, err := c.Apply(ctx(t), []byte(tt.template), map[string]string{"admin_password": "s3cret"}, func(e client.Event) {
				if e.Started {
					got = append(got, fmt.Sprintf("+%d", e.Index))
				} else {
					got = append(got, fmt.Sprintf("-%d %s", e.Index, e.Status))
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.Outcome != tt.outcome || res.OK != tt.ok || res.Job == "" {
				t.Errorf("result = %+v", res)
			}
			if !reflect.DeepEqual(got, tt.events) {
				t.Errorf("events = %v, want %v", got, tt.events)
			}
			select {
			case s := <-heard:
				if s.Name != "org.freedesktop.DBus.NameAcquired" {
					t.Errorf("another client heard %s", s.Name)
				}
			case <-time.After(100 * time.Millisecond):
			}
		})
	}
}

func TestApplyDoesNotBlockStatusAndChangesWait(t *testing.T) {
	r := newRig(t, rigOpts{})
	started, release := r.backend.HoldApply()
	c := r.admin(t)
	x := ctx(t)
	done := make(chan api.ApplyResult, 1)
	go func() {
		res, err := c.Apply(x, []byte("site"), nil, nil)
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	<-started
	start := time.Now()
	st, err := c.Status(x)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("status took %s during an apply", d)
	}
	if !st.Busy || st.Job == "" {
		t.Errorf("status during apply = %+v, want busy with a job", st)
	}
	created := make(chan error, 1)
	go func() { created <- c.CreateUser(x, api.User{Username: "late"}, "Sommer2026!x", true) }()
	select {
	case err := <-created:
		t.Fatalf("a change ran during the apply: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	if _, finished, err := c.JobResult(x, st.Job); err != nil || finished {
		t.Errorf("JobResult during the apply: finished %v, %v", finished, err)
	}
	release()
	res := <-done
	if !res.OK || res.Job != st.Job {
		t.Errorf("apply result = %+v, status job %s", res, st.Job)
	}
	if got, finished, err := c.JobResult(x, st.Job); err != nil || !finished || got.Outcome != res.Outcome || got.Job != res.Job {
		t.Errorf("JobResult after the apply = %+v, %v, %v", got, finished, err)
	}
	if _, _, err := c.JobResult(x, "0123456789abcdef"); !client.IsNotFound(err) {
		t.Errorf("JobResult(unknown) error = %v", err)
	}
	if err := <-created; err != nil {
		t.Fatal(err)
	}
	if r.backend.MaxConcurrentChanges() != 1 {
		t.Errorf("%d changes ran at once", r.backend.MaxConcurrentChanges())
	}
}

func TestConcurrentCreationsAreSerialised(t *testing.T) {
	r := newRig(t, rigOpts{})
	r.backend.SetDelay(time.Millisecond)
	c := r.admin(t)
	x := ctx(t)
	const n = 100
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- c.CreateUser(x, api.User{Username: fmt.Sprintf("user%03d", i)}, "Sommer2026!x", true)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	all, err := c.Users(x, "")
	if err != nil || len(all) != n {
		t.Fatalf("%d users after %d creations: %v", len(all), n, err)
	}
	if m := r.backend.MaxConcurrentChanges(); m != 1 {
		t.Errorf("%d changes ran at once, want 1", m)
	}
}

func TestIdleExitReleasesTheName(t *testing.T) {
	r := newRig(t, rigOpts{idle: 300 * time.Millisecond})
	c := r.admin(t)
	if _, err := c.Status(ctx(t)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := r.srv.Serve(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 200*time.Millisecond || d > 5*time.Second {
		t.Errorf("Serve returned after %s with a 300ms idle timeout", d)
	}
	var has bool
	if err := c.Conn().BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, api.BusName).Store(&has); err != nil || has {
		t.Errorf("bus name still owned after idle exit (%v)", err)
	}
}

func TestIntrospection(t *testing.T) {
	r := newRig(t, rigOpts{})
	c := r.admin(t)
	var data string
	if err := c.Conn().Object(api.BusName, api.ObjectPath).Call("org.freedesktop.DBus.Introspectable.Introspect", 0).Store(&data); err != nil {
		t.Fatal(err)
	}
	var node struct {
		Interfaces []struct {
			Name    string `xml:"name,attr"`
			Methods []struct {
				Name string `xml:"name,attr"`
			} `xml:"method"`
			Signals []struct {
				Name string `xml:"name,attr"`
			} `xml:"signal"`
		} `xml:"interface"`
	}
	if err := xml.Unmarshal([]byte(data), &node); err != nil {
		t.Fatalf("introspection is not XML: %v", err)
	}
	methods := map[string]bool{}
	signals := map[string]bool{}
	for _, in := range node.Interfaces {
		for _, m := range in.Methods {
			methods[in.Name+"."+m.Name] = true
		}
		for _, s := range in.Signals {
			signals[s.Name] = true
		}
	}
	for _, m := range []string{api.Interface + "." + api.MethodApply, api.Interface + ".Usage", api.UsersInterface + ".Create", api.BackupInterface + ".Restore"} {
		if !methods[m] {
			t.Errorf("introspection lacks %s", m)
		}
		if daemon.ActionFor(m[:strings.LastIndex(m, ".")], m[strings.LastIndex(m, ".")+1:]) == "" {
			t.Errorf("%s has no action", m)
		}
	}
	for _, s := range []string{api.SignalStepStarted, api.SignalStepFinished, api.SignalApplyFinished} {
		if !signals[s] {
			t.Errorf("introspection lacks signal %s", s)
		}
	}
}

func TestNoIdleExitDuringAnApply(t *testing.T) {
	r := newRig(t, rigOpts{idle: 200 * time.Millisecond})
	started, release := r.backend.HoldApply()
	c := r.admin(t)
	applied := make(chan error, 1)
	go func() {
		_, err := c.Apply(ctx(t), []byte("site"), nil, nil)
		applied <- err
	}()
	<-started
	served := make(chan error, 1)
	go func() { served <- r.srv.Serve(ctx(t)) }()
	select {
	case <-served:
		t.Fatal("possed went idle while an apply was running")
	case <-time.After(700 * time.Millisecond):
	}
	release()
	if err := <-applied; err != nil {
		t.Fatal(err)
	}
	select {
	case <-served:
	case <-time.After(5 * time.Second):
		t.Fatal("possed did not go idle after the apply")
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestSecretsStayOutOfTheLog(t *testing.T) {
	var log syncBuffer
	r := newRig(t, rigOpts{log: &log})
	c := r.admin(t)
	x := ctx(t)
	const pw, pw2, secret = "Sommer-2026-Geheim", "Herbst-2026-Geheim", "Apply-Secret-Value-9"
	if err := c.CreateUser(x, api.User{Username: "anna"}, pw, true); err != nil {
		t.Fatal(err)
	}
	c.SetPassword(x, "nobody1", pw2, true)                              // fails: not found
	c.SetPassword(x, "Bad Name", pw2, true)                             // fails: invalid
	c.Apply(x, []byte("fail"), map[string]string{"admin": secret}, nil) // rolled back
	out := log.String()
	for _, s := range []string{pw, pw2, secret} {
		if strings.Contains(out, s) {
			t.Errorf("the log holds a secret:\n%s", out)
		}
	}
	for _, want := range []string{"Users.Create", "Error.NotFound", "Error.InvalidInput", "apply finished"} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %q:\n%s", want, out)
		}
	}
}

func TestBackendPanicFailsOnlyThatCall(t *testing.T) {
	r := newRig(t, rigOpts{})
	c := r.admin(t)
	_, err := c.Users(ctx(t), "panic")
	if !client.Is(err, api.ErrFailed) || !strings.Contains(err.Error(), "internal error in possed") {
		t.Errorf("error = %v, want Failed with an internal error", err)
	}
	if _, err := c.Status(ctx(t)); err != nil {
		t.Errorf("possed is gone after a backend panic: %v", err)
	}
}

func TestApplyPlanAppliesOnlyThePlanShown(t *testing.T) {
	r := newRig(t, rigOpts{})
	c := r.admin(t)
	x := ctx(t)
	tmpl := []byte("site: ok")
	shown, err := c.Plan(x, tmpl, nil)
	if err != nil {
		t.Fatal(err)
	}
	steps := 0
	count := func(client.Event) { steps++ }
	res, err := c.ApplyPlan(x, tmpl, nil, shown, count)
	if err != nil || !res.OK || res.Outcome != "applied" || steps != 6 {
		t.Errorf("ApplyPlan of the plan shown = %+v, %v, %d events", res, err, steps)
	}

	// The box changes between the plan and the apply: nothing is applied.
	shown, _ = c.Plan(x, tmpl, nil)
	r.backend.ChangeBox()
	steps = 0
	res, err = c.ApplyPlan(x, tmpl, nil, shown, count)
	if err != nil || res.OK || !client.PlanChanged(res) || res.Error != "the box changed since the plan was shown; review the new plan" || steps != 0 || res.Job == "" {
		t.Errorf("ApplyPlan after the box changed = %+v, %v, %d events", res, err, steps)
	}
	if done, jr, err := c.JobResult(x, res.Job); err != nil || !jr || done.Outcome != api.OutcomePlanChanged {
		t.Errorf("JobResult = %+v, %v, %v", done, jr, err)
	}
	// Another template than the plan's is refused the same way.
	shown, _ = c.Plan(x, tmpl, nil)
	if res, err := c.ApplyPlan(x, []byte("site: other"), nil, shown, nil); err != nil || !client.PlanChanged(res) {
		t.Errorf("ApplyPlan of another template = %+v, %v", res, err)
	}
	// A plan id that is not one.
	var job string
	err = c.Conn().Object(api.BusName, api.ObjectPath).CallWithContext(x, api.Interface+"."+api.MethodApplyPlan, 0, tmpl, map[string]string{}, "not-a-plan").Store(&job)
	var derr dbus.Error
	if !errors.As(err, &derr) || derr.Name != api.ErrInvalidInput || !strings.Contains(err.Error(), "make the plan again") {
		t.Errorf("ApplyPlan with a bad plan id: %v", err)
	}
}
