// SPDX-License-Identifier: GPL-3.0-or-later

package directory

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/services/ad"
)

// JoinSpec is the spec of a KindJoin step.
type JoinSpec struct {
	Conn      ad.ConnSpec `json:"conn"`
	Workgroup string      `json:"workgroup"`
	Hostname  string      `json:"hostname"`
	IP        string      `json:"ip"`
	// First is the address of the first domain controller, the join's
	// replication source; FirstName its name in the template.
	First     string `json:"first"`
	FirstName string `json:"first_name"`
	// ADSite is the AD site the box joins ("": the one the domain
	// assigns by the box's address).
	ADSite string `json:"ad_site"`
	// User is the admin account samba-tool logs in as ("" means
	// Administrator); taking over a domain uses the old domain's.
	User string `json:"user,omitempty"`
	// SMBConf, KRB5Conf and ResolvConf are written after samba-tool ran.
	SMBConf    string `json:"smb_conf"`
	KRB5Conf   string `json:"krb5_conf"`
	ResolvConf string `json:"resolv_conf"`
}

// join makes the box an additional domain controller of spec's realm
// with samba-tool domain join, replicating from the first DC.
func (s *Service) join(ctx context.Context, env *host.Env, spec JoinSpec) error {
	if have, err := ProvisionedRealm(env); err != nil {
		return err
	} else if have != "" {
		if have != spec.Conn.Realm {
			return fmt.Errorf("this box is already a domain controller of %s; refusing to join it to %s", have, spec.Conn.Realm)
		}
		return nil // done by an earlier, interrupted apply
	}
	if !realmRE.MatchString(spec.Conn.Realm) || !workgroupRE.MatchString(spec.Workgroup) {
		return errors.New("invalid realm or workgroup in the plan: plan again")
	}
	if env.Secrets == nil {
		return errors.New("joining the domain needs the admin password: pass --secrets FILE")
	}
	adminPW, ok := env.Secrets.Lookup(spec.Conn.AdminSecret)
	if !ok {
		return fmt.Errorf("secret %s (the domain admin password) is missing", spec.Conn.AdminSecret)
	}
	if err := prepareDC(ctx, env); err != nil {
		return err
	}
	// The join finds the domain's DCs and KDC in the first DC's DNS.
	if err := writeFileAtomic(env.Path(ResolvPath), []byte(RenderJoinResolvConf(spec.Conn.Realm, spec.First)), 0o644); err != nil {
		return err
	}
	if err := writeFileAtomic(env.Path(KRB5ConfPath), []byte(spec.KRB5Conf), 0o644); err != nil {
		return err
	}
	argv := AsUser(JoinArgv(ad.DNSDomain(spec.Conn.Realm), spec.Workgroup, spec.First, spec.ADSite), spec.User)
	res, err := env.Runner.Run(ctx, host.Cmd{Argv: argv, Env: JoinEnv, Stdin: []byte(adminPW + "\n")})
	if err != nil {
		why := scrub(append(res.Stderr, res.Stdout...))
		if len(res.Stderr) == 0 && len(res.Stdout) == 0 {
			why = err.Error() + " (is the samba-ad-dc package installed?)"
		}
		return fmt.Errorf("samba-tool domain join (from %s at %s) failed: %s\ncheck that %s is up and this box reaches it (possectl dc status there), that the admin password is the domain's, and that AD site %s exists (apply the template on %s first); the original configuration is in %s%s and %s%s",
			spec.FirstName, spec.First, why, spec.FirstName, spec.ADSite, spec.FirstName, SMBConfPath, origSuffix, KRB5ConfPath, origSuffix)
	}
	if err := startDC(ctx, env, spec.SMBConf, spec.KRB5Conf, spec.ResolvConf); err != nil {
		return err
	}
	// The first DC's KCC adds its connection from this DC now rather than
	// on its next run (up to 15 minutes), and the first DC pulls from this
	// DC now rather than on its next periodic run (up to 5 minutes), which
	// also makes this DC notify it of every change from then on. Best
	// effort: Samba does both on its own, only later.
	pw := []byte(adminPW + "\n")
	_, _ = env.Runner.Run(ctx, host.Cmd{Argv: AsUser(KCCArgv(spec.First, spec.Workgroup), spec.User), Env: JoinEnv, Stdin: pw})
	s.pullFromHere(ctx, env, spec, pw)
	return nil
}

// pullFromHere asks the first DC to replicate every naming context from
// this DC with ADD_REF, retrying while samba-ad-dc here starts up.
func (s *Service) pullFromHere(ctx context.Context, env *host.Env, spec JoinSpec, pw []byte) {
	deadline := time.Now().Add(s.LDAPWait)
	for _, nc := range NamingContexts(spec.Conn.Realm) {
		for {
			argv := AsUser(ReplicateArgv(spec.First, strings.ToUpper(spec.Hostname), nc, spec.Workgroup), spec.User)
			_, err := env.Runner.Run(ctx, host.Cmd{Argv: argv, Env: JoinEnv, Stdin: pw})
			if err == nil || time.Now().After(deadline) || ctx.Err() != nil {
				break
			}
			time.Sleep(2 * time.Second)
		}
	}
}

// NamingContexts are the naming contexts a Samba domain replicates.
func NamingContexts(realm string) []string {
	base := ad.BaseDN(realm)
	return []string{base, "CN=Configuration," + base, "CN=Schema,CN=Configuration," + base,
		"DC=DomainDnsZones," + base, "DC=ForestDnsZones," + base}
}

// ReplicateArgv asks the DC at dest to replicate naming context nc from
// the DC named source now, and source to notify dest of changes from
// then on (--add-ref); as the domain Administrator, password on stdin
// (JoinEnv).
func ReplicateArgv(dest, source, nc, workgroup string) []string {
	return []string{"samba-tool", "drs", "replicate", dest, source, nc, "--add-ref", "--username=Administrator", "--workgroup=" + workgroup}
}

// AsUser replaces the --username=Administrator of a samba-tool command
// line with user; "" keeps Administrator.
func AsUser(argv []string, user string) []string {
	if user == "" {
		return argv
	}
	out := make([]string, len(argv))
	for i, a := range argv {
		if a == "--username=Administrator" {
			a = "--username=" + user
		}
		out[i] = a
	}
	return out
}

// KCCArgv runs the knowledge consistency checker on the DC at server,
// authenticated as the domain Administrator (password on stdin, JoinEnv).
func KCCArgv(server, workgroup string) []string {
	return []string{"samba-tool", "drs", "kcc", server, "--username=Administrator", "--workgroup=" + workgroup}
}

// ensureSites creates the AD sites and subnets of spec that the domain
// lacks; it reads the domain first, so that running it again (or after
// an interrupted run) changes nothing.
func (s *Service) ensureSites(ctx context.Context, env *host.Env, spec SitesSpec) error {
	have, err := readADState(ctx, env)
	if err != nil {
		return err
	}
	var want SitesSpec
	want.Sites = spec.Sites
	want.Subnets = append(append(want.Subnets, spec.Subnets...), spec.Move...)
	todo := DiffSites(want.Sites, want.Subnets, have)
	for _, argv := range SitesArgvs(todo) {
		if res, err := env.Runner.Run(ctx, host.Cmd{Argv: argv}); err != nil {
			return fmt.Errorf("%s failed: %s", argvString(argv), scrub(append(res.Stderr, res.Stdout...)))
		}
	}
	return nil
}

// readADState reads the domain's AD sites and subnets from the local
// sam.ldb.
func readADState(ctx context.Context, env *host.Env) (ADState, error) {
	res, err := env.Runner.Run(ctx, host.Cmd{Argv: []string{"python3", "-c", sitesPy}})
	if err != nil {
		return ADState{}, fmt.Errorf("reading the AD sites: %s", scrub(append(res.Stderr, []byte(err.Error())...)))
	}
	return ParseADState(res.Stdout)
}

func argvString(argv []string) string { return strings.Join(argv, " ") }
