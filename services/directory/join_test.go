// SPDX-License-Identifier: GPL-3.0-or-later

package directory_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/host/hosttest"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/directory"
)

// withServers gives the test site dc1 (the fake box "dc", 10.0.0.2) and
// dc2, both in Hauptsitz, and dc3 in Filiale.
func withServers(first string) func(*site.Site) {
	return func(s *site.Site) {
		s.Servers = []site.Server{
			{Name: first, Address: "10.0.0.1", Role: site.RoleDC, ADSite: "Hauptsitz", Subnet: "10.0.0.0/24"},
			{Name: "dc", Address: "10.0.0.2", Role: site.RoleDC, ADSite: "Hauptsitz", Subnet: "10.0.0.0/24"},
			{Name: "dc3", Address: "192.0.2.10", Role: site.RoleDC, ADSite: "Filiale", Subnet: "192.0.2.0/24"},
		}
	}
}

func TestPartOf(t *testing.T) {
	s := loadSite(t, withServers("dc1"))
	for _, tc := range []struct {
		host, ip string
		join     bool
		self     string
		err      string
	}{
		{"dc1", "10.9.9.9", false, "dc1", ""},
		{"dc", "10.0.0.2", true, "dc", ""},
		{"renamed", "192.0.2.10", true, "dc3", ""},
		{"other", "10.9.9.9", false, "", `this box (host name "other", address "10.9.9.9") is not among the template's servers dc1 (10.0.0.1), dc (10.0.0.2), dc3 (192.0.2.10)`},
	} {
		p, err := directory.PartOf(s, tc.host, tc.ip)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err %v, want %q", tc.host, err, tc.err)
			}
			continue
		}
		if err != nil || p.Join != tc.join || p.Self.Name != tc.self || p.First.Name != "dc1" {
			t.Errorf("%s %s: %+v %v", tc.host, tc.ip, p, err)
		}
	}
	// Without servers every box is the first DC, in Samba's default site.
	p, err := directory.PartOf(loadSite(t, nil), "anything", "")
	if err != nil || p.Join || p.ADSite() != "" {
		t.Errorf("no servers: %+v %v", p, err)
	}
}

func TestDiffSites(t *testing.T) {
	s := loadSite(t, withServers("dc1"))
	sites, nets := s.ADSites()
	have := directory.ADState{Sites: []string{"hauptsitz"}, Subnets: []site.ADSubnet{{CIDR: "192.0.2.0/24", Site: "Hauptsitz"}}}
	d := directory.DiffSites(sites, nets, have)
	if !slices.Equal(d.Sites, []string{"Filiale"}) || len(d.Subnets) != 1 || d.Subnets[0].CIDR != "10.0.0.0/24" ||
		len(d.Move) != 1 || d.Move[0] != (site.ADSubnet{CIDR: "192.0.2.0/24", Site: "Filiale"}) {
		t.Errorf("diff %+v", d)
	}
	got := []string{}
	for _, a := range directory.SitesArgvs(d) {
		got = append(got, strings.Join(a, " "))
	}
	want := []string{"samba-tool sites create Filiale", "samba-tool sites subnet create 10.0.0.0/24 Hauptsitz", "samba-tool sites subnet set-site 192.0.2.0/24 Filiale"}
	if !slices.Equal(got, want) {
		t.Errorf("argvs %q, want %q", got, want)
	}
	all := directory.ADState{Sites: []string{"Filiale", "Hauptsitz"}, Subnets: []site.ADSubnet{{CIDR: "10.0.0.0/24", Site: "Hauptsitz"}, {CIDR: "192.0.2.0/24", Site: "filiale"}}}
	if d := directory.DiffSites(sites, nets, all); !d.Empty() {
		t.Errorf("nothing to do, got %+v", d)
	}
}

func TestPlanJoin(t *testing.T) {
	b := newBox(t)
	s := loadSite(t, withServers("dc1"))
	steps, notes, err := b.svc.Plan(context.Background(), s, b.env)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"create directory.tls /var/lib/posse/tls", "create directory.join AD.EXAMPLE.COM", "run probe samba-ad-dc.service"}
	if got := kinds(steps); !slices.Equal(got, want) {
		t.Errorf("steps %q, want %q", got, want)
	}
	if len(notes) != 1 || !strings.Contains(notes[0].Message, "users, groups and the password policy replicate") {
		t.Errorf("notes %+v", notes)
	}
	noSecrets(t, steps)
	if b.opens != 0 || len(b.run.Cmds()) != 0 {
		t.Errorf("planning a join opened the directory %d times, ran %q", b.opens, b.run.Argvs())
	}
	var js directory.JoinSpec
	if err := steps[1].DecodeSpec(&js); err != nil {
		t.Fatal(err)
	}
	if js.First != "10.0.0.1" || js.FirstName != "dc1" || js.ADSite != "Hauptsitz" || !strings.Contains(js.ResolvConf, "nameserver 127.0.0.1\nnameserver 10.0.0.1\n") {
		t.Errorf("join spec %+v", js)
	}

	// Executing joins once, with the password on stdin only.
	b.units = hosttest.NewFakeUnits()
	b.units.Add("smbd.service", true, true)
	b.units.Add(directory.Unit, false, false)
	b.env.Units = b.units
	b.run.Strict = true
	var resolvAtJoin string
	b.run.OnFunc([]string{"samba-tool", "domain", "join"}, func(host.Cmd) (host.Result, error) {
		r, _ := os.ReadFile(b.env.Path(directory.ResolvPath))
		resolvAtJoin = string(r)
		b.write(t, directory.SamLDBPath, "ldb")
		return host.Result{}, nil
	})
	b.run.On([]string{"samba-tool", "drs", "kcc"}, host.Result{ExitCode: 1, Stderr: []byte("not yet")})
	replicates := 0
	b.run.OnFunc([]string{"samba-tool", "drs", "replicate"}, func(host.Cmd) (host.Result, error) {
		if replicates++; replicates == 1 {
			return host.Result{ExitCode: 1, Stderr: []byte("DsReplicaSync failed: samba-ad-dc is starting")}, nil
		}
		return host.Result{}, nil
	})
	b.write(t, directory.ResolvPath, "nameserver 192.0.2.53\n")
	b.write(t, directory.SMBConfPath, "[global]\n\tworkgroup = WORKGROUP\n")
	for _, st := range steps[:2] {
		if err := b.svc.Execute(context.Background(), st, b.env); err != nil {
			t.Fatal(err)
		}
	}
	cmds := b.run.Cmds()
	if len(cmds) != 8 { // join, kcc, a replicate that failed and its retry, four more
		t.Fatalf("commands %q", b.run.Argvs())
	}
	for i, nc := range directory.NamingContexts("AD.EXAMPLE.COM") {
		want := "samba-tool drs replicate 10.0.0.1 DC " + nc + " --add-ref --username=Administrator --workgroup=EXAMPLE"
		if got := strings.Join(cmds[3+i].Argv, " "); got != want || string(cmds[3+i].Stdin) != secrets["domain_admin"]+"\n" {
			t.Errorf("replicate %q, want %q", got, want)
		}
	}
	join := strings.Join(cmds[0].Argv, " ")
	if join != "samba-tool domain join ad.example.com DC --server=10.0.0.1 --username=Administrator --workgroup=EXAMPLE --dns-backend=SAMBA_INTERNAL --option=idmap_ldb:use rfc2307 = yes --site=Hauptsitz" {
		t.Errorf("join %q", join)
	}
	if string(cmds[0].Stdin) != secrets["domain_admin"]+"\n" || !slices.Equal(cmds[0].Env, []string{"PASSWD_FD=0"}) {
		t.Errorf("join stdin/env: %q", cmds[0].Env)
	}
	if !strings.HasPrefix(strings.Join(cmds[1].Argv, " "), "samba-tool drs kcc 10.0.0.1 --username=Administrator") {
		t.Errorf("kcc %q", cmds[1].Argv)
	}
	if !strings.Contains(resolvAtJoin, "nameserver 10.0.0.1") || strings.Contains(resolvAtJoin, "127.0.0.1") {
		t.Errorf("resolv.conf during the join:\n%s", resolvAtJoin)
	}
	calls := strings.Join(b.units.Calls(), "; ")
	for _, w := range []string{"stop smbd.service", "unmask samba-ad-dc.service", "enable samba-ad-dc.service", "restart samba-ad-dc.service"} {
		if !strings.Contains(calls, w) {
			t.Errorf("unit calls %q lack %q", calls, w)
		}
	}
	if c := b.dir.Calls(); len(c) != 0 {
		t.Errorf("the join wrote to the directory: %v", c)
	}
	conf, _ := os.ReadFile(b.env.Path(directory.SMBConfPath))
	if !strings.Contains(string(conf), "netbios name = DC") || !strings.Contains(string(conf), "realm = AD.EXAMPLE.COM") {
		t.Errorf("smb.conf:\n%s", conf)
	}
	// A second run of the same step does not join again.
	if err := b.svc.Execute(context.Background(), steps[1], b.env); err != nil || len(b.run.Cmds()) != 8 {
		t.Errorf("second join: %v, %q", err, b.run.Argvs())
	}

	// Joined: the next plan has nothing to do and never reads the
	// directory's users.
	b.provisioned(t, s)
	b.run = hosttest.NewFakeRunner(t)
	b.env.Runner = b.run
	steps, _, err = b.svc.Plan(context.Background(), s, b.env)
	if err != nil || len(steps) != 0 || b.opens != 0 {
		t.Errorf("plan on the joined DC: %q, %v, %d opens", kinds(steps), err, b.opens)
	}
}

func TestJoinFailureSaysWhatToDo(t *testing.T) {
	b := newBox(t)
	s := loadSite(t, withServers("dc1"))
	steps := mustPlan(t, b, s)
	b.write(t, directory.ResolvPath, "nameserver 192.0.2.53\n")
	b.run.On([]string{"samba-tool", "domain", "join"}, host.Result{ExitCode: 255, Stderr: []byte("ERROR: Failed to bind - LDAP error 49\nPassword for [EXAMPLE\\Administrator]: secret")})
	err := b.svc.Execute(context.Background(), steps[1], b.env)
	if err == nil || !strings.Contains(err.Error(), "LDAP error 49") || !strings.Contains(err.Error(), "apply the template on dc1 first") || strings.Contains(err.Error(), "Password for") {
		t.Errorf("err %v", err)
	}
}

func TestPlanFirstDCWithServers(t *testing.T) {
	b := newBox(t)
	s := loadSite(t, withServers("dc"))
	s.Servers[1].Name = "dc2"
	steps, _, err := b.svc.Plan(context.Background(), s, b.env)
	if err != nil {
		t.Fatal(err)
	}
	got := kinds(steps)
	if len(got) < 3 || got[1] != "create directory.provision AD.EXAMPLE.COM" || got[2] != "create directory.sites AD sites" {
		t.Fatalf("steps %q", got)
	}
	var ps directory.ProvisionSpec
	if err := steps[1].DecodeSpec(&ps); err != nil || ps.ADSite != "Hauptsitz" {
		t.Errorf("provision spec %+v %v", ps, err)
	}
	if argv := strings.Join(directory.ProvisionArgv("AD.EXAMPLE.COM", "EXAMPLE", "10.0.0.2", ps.ADSite), " "); !strings.HasSuffix(argv, "--host-ip=10.0.0.2 --site=Hauptsitz") {
		t.Errorf("provision argv %q", argv)
	}
	var sp directory.SitesSpec
	if err := steps[2].DecodeSpec(&sp); err != nil || !slices.Equal(sp.Sites, []string{"Filiale"}) || len(sp.Subnets) != 2 {
		t.Errorf("sites spec %+v %v", sp, err)
	}

	// Executing reads the domain first and creates only what is missing.
	b.run.Strict = true
	b.run.On([]string{"python3", "-c"}, host.Result{Stdout: []byte(`{"sites": ["Filiale", "Hauptsitz"], "subnets": [{"cidr": "10.0.0.0/24", "site": "Hauptsitz"}], "own_site": "Hauptsitz"}`)})
	b.run.On([]string{"samba-tool", "sites"}, host.Result{})
	if err := b.svc.Execute(context.Background(), steps[2], b.env); err != nil {
		t.Fatal(err)
	}
	if a := b.run.Argvs(); len(a) != 2 || a[1] != "samba-tool sites subnet create 192.0.2.0/24 Filiale" {
		t.Errorf("commands %q", a)
	}

	// Provisioned with every site in place: nothing to do.
	b.provisioned(t, s)
	b.run = hosttest.NewFakeRunner(t)
	b.env.Runner = b.run
	b.run.On([]string{"python3", "-c"}, host.Result{Stdout: []byte(`{"sites": ["Filiale", "Hauptsitz"], "subnets": [{"cidr": "10.0.0.0/24", "site": "Hauptsitz"}, {"cidr": "192.0.2.0/24", "site": "Filiale"}], "own_site": "Default-First-Site-Name"}`)})
	steps, notes, err := b.svc.Plan(context.Background(), s, b.env)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range steps {
		if st.Kind == directory.KindSites {
			t.Errorf("sites step on a complete domain: %+v", st)
		}
	}
	if len(notes) != 1 || !strings.Contains(notes[0].Message, "is in AD site Default-First-Site-Name") {
		t.Errorf("notes %+v", notes)
	}
}

// TestForwarderIsNotTheFirstDC: on an additional DC whose original
// resolver was the box itself, the second nameserver Posse wrote (the
// first DC) does not become the DNS forwarder on the next plan.
func TestForwarderIsNotTheFirstDC(t *testing.T) {
	b := newBox(t)
	s := loadSite(t, withServers("dc1"))
	b.write(t, directory.ResolvPath+".posse-orig", "nameserver 127.0.0.1\n")
	b.write(t, directory.ResolvPath, directory.RenderDCResolvConf("AD.EXAMPLE.COM", "10.0.0.1"))
	off := *b.env
	off.Offline = true
	steps, _, err := b.svc.Plan(context.Background(), s, &off)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, st := range steps {
		if st.Target == directory.SMBConfPath {
			found = true
			if strings.Contains(string(st.Spec), "dns forwarder") {
				t.Errorf("smb.conf forwards DNS: %s", st.Spec)
			}
		}
	}
	if !found {
		t.Error("no smb.conf step")
	}
}

func TestAsUser(t *testing.T) {
	argv := directory.JoinArgv("old.example", "OLD", "10.0.0.2", "")
	got := directory.AsUser(argv, `OLD\admin`)
	if !slices.Contains(got, `--username=OLD\admin`) || slices.Contains(got, "--username=Administrator") {
		t.Errorf("AsUser: %q", got)
	}
	if !slices.Contains(argv, "--username=Administrator") {
		t.Errorf("AsUser changed its argument: %q", argv)
	}
	if got := directory.AsUser(argv, ""); !slices.Equal(got, argv) {
		t.Errorf("AsUser with no user: %q", got)
	}
}
