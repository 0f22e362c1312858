// SPDX-License-Identifier: GPL-3.0-or-later

package box

import (
	"context"
	"os"
	"strings"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/migrate"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/services/ad"
	"github.com/posse-project/posse/services/directory"
)

// LegacyJoin is what joining an old domain (migrate join) needs: the
// pre-flight's report of it and its admin login.
type LegacyJoin struct {
	Report   *migrate.Report
	User     string
	Password string
	// Hostname and IP are this box's short host name and address.
	Hostname string
	IP       string
	// Secret is the name the password goes by in the join step.
	Secret string
}

// DCRealm is the realm of the domain this box is a domain controller of,
// or "" when it is none.
func (b *Box) DCRealm() (string, error) {
	return directory.ProvisionedRealm(b.env(nil))
}

// LegacyTLSDir is where the box's CA and LDAPS certificate go.
func (b *Box) LegacyTLSDir() string {
	sd := b.StateDir
	if sd == "" {
		sd = host.DefaultStateDir
	}
	return strings.TrimSuffix(sd, "/") + "/" + ad.TLSDir
}

// JoinLegacy makes the box an additional domain controller of the old
// domain with the directory service's own steps: the site CA and LDAPS
// certificate, then the join (samba-tool domain join … DC, the password
// on its stdin). progress is told before each step. Run again on a box
// that has joined, the join changes nothing.
func (b *Box) JoinLegacy(ctx context.Context, j LegacyJoin, progress func(string)) error {
	env, done, err := b.realEnv(ctx, legacySecret{name: j.Secret, value: j.Password})
	if err != nil {
		return err
	}
	defer done()
	env.Hostname, env.IP = j.Hostname, j.IP
	svc := directory.New()
	defer svc.Close()
	r := j.Report
	tlsDir := b.LegacyTLSDir()
	fqdn := strings.ToLower(j.Hostname) + "." + r.Domain
	progress("site CA and LDAPS certificate in " + tlsDir)
	names := ad.TLSNames{Hostname: j.Hostname, FQDN: fqdn, IPs: []string{j.IP}}
	step := plan.NewStep(directory.Name, plan.Create, directory.KindTLS, tlsDir, "site CA and LDAPS certificate", directory.TLSSpec{Dir: tlsDir, Names: names})
	if err := svc.Execute(ctx, step, env); err != nil {
		return err
	}
	progress("joining " + r.Domain + " as a domain controller, replicating from " + r.DC + " (samba-tool domain join; the whole directory comes across)")
	step = plan.NewStep(directory.Name, plan.Create, directory.KindJoin, r.Realm, "join "+r.Realm, legacyJoinSpec(env, j, tlsDir))
	return svc.Execute(ctx, step, env)
}

// legacyJoinSpec is the directory service's join of the old domain, with
// Posse's smb.conf, krb5.conf and resolv.conf (its own DNS first, the old
// DC's second). The DNS forwarder is the box's resolver from before the
// join, unless that is the old DC.
func legacyJoinSpec(env *host.Env, j LegacyJoin, tlsDir string) directory.JoinSpec {
	r := j.Report
	fwd := ""
	for _, p := range []string{directory.ResolvPath + ".posse-orig", directory.ResolvPath} {
		if b, err := os.ReadFile(env.Path(p)); err == nil {
			fwd = directory.Forwarder(b)
			break
		}
	}
	if fwd == r.From {
		fwd = ""
	}
	g := directory.GlobalConfig{Hostname: j.Hostname, Realm: r.Realm, Workgroup: r.NetBIOS, Forwarder: fwd, TLSDir: tlsDir}
	return directory.JoinSpec{
		Conn:      ad.ConnSpec{Realm: r.Realm, FQDN: strings.ToLower(j.Hostname) + "." + r.Domain, AdminSecret: j.Secret},
		Workgroup: r.NetBIOS, Hostname: j.Hostname, IP: j.IP,
		First: r.From, FirstName: r.DC, User: j.User,
		SMBConf:    directory.RenderSMBConf(g),
		KRB5Conf:   directory.RenderKRB5Conf(r.Realm, j.Hostname),
		ResolvConf: directory.RenderDCResolvConf(r.Realm, r.From),
	}
}

// legacySecret is the one secret of a join: the old domain's admin
// password.
type legacySecret struct{ name, value string }

// Lookup implements host.Secrets.
func (s legacySecret) Lookup(name string) (string, bool) {
	if name != s.name {
		return "", false
	}
	return s.value, true
}
