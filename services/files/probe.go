package files

import (
	"context"
	"fmt"
	"strings"

	"github.com/posse-project/posse/provisioning/host"
)

// Probe checks the file server: `testparm -s --suppress-prompt` loads the
// configuration without errors, every share and home directory exists with
// the planned owner, group and ACL, and an anonymous share listing
// (`smbclient -N -L //127.0.0.1`) is refused.
func Probe(ctx context.Context, env *host.Env, spec ProbeSpec) error {
	res, err := env.Runner.Run(ctx, host.Cmd{Argv: []string{"testparm", "-s", "--suppress-prompt"}})
	if err != nil {
		return fmt.Errorf("testparm rejects the Samba configuration: %w", err)
	}
	for _, l := range strings.Split(string(res.Stderr), "\n") {
		if strings.Contains(l, "ERROR") || strings.Contains(l, "Unknown parameter") {
			return fmt.Errorf("testparm reports: %s", strings.TrimSpace(l))
		}
	}
	var users, groups []string
	for _, a := range spec.ACLs {
		u, g := aclNames(a)
		users, groups = appendNew(users, u...), appendNew(groups, g...)
	}
	ids, missing, err := Wbinfo{Runner: env.Runner, Workgroup: spec.Workgroup, Wait: winbindWait}.Resolve(ctx, users, groups)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s not in the directory", strings.Join(missing, ", "))
	}
	for _, a := range spec.ACLs {
		want, err := a.Resolve(ids)
		if err != nil {
			return err
		}
		cur, exists, err := ReadACL(ctx, env, a.Path)
		if err != nil {
			return err
		}
		if !exists {
			return fmt.Errorf("directory %s is missing", a.Path)
		}
		if d := Diff(cur, want, ids.Names()); len(d) > 0 {
			return fmt.Errorf("%s: %s is %q, expected %q (and %d more differences)", a.Path, d[0].Field, d[0].Before, d[0].After, len(d)-1)
		}
	}
	return anonymousRefused(ctx, env)
}

// anonymousRefused runs an anonymous share listing against the local
// server and expects it to be refused.
func anonymousRefused(ctx context.Context, env *host.Env) error {
	res, err := env.Runner.Run(ctx, host.Cmd{Argv: []string{"smbclient", "-N", "-L", "//127.0.0.1"}})
	out := string(res.Stdout) + string(res.Stderr)
	if err == nil {
		return fmt.Errorf("an anonymous user can list the shares (smbclient -N -L //127.0.0.1 succeeded): check restrict anonymous in smb.conf")
	}
	for _, s := range []string{"NT_STATUS_ACCESS_DENIED", "NT_STATUS_LOGON_FAILURE"} {
		if strings.Contains(out, s) {
			return nil
		}
	}
	return fmt.Errorf("anonymous listing failed, but not with access denied: %s", strings.TrimSpace(lastLine(out)))
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
