// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
)

// Probe checks the file server: the include file defines none of Samba's
// own sections, `testparm -s --suppress-prompt` loads the configuration
// without errors, every home directory exists with the planned owner,
// group and POSIX ACL, every share root and template folder with the
// planned Windows ACL as Samba serves it, and an anonymous share listing
// (`smbclient -N -L //127.0.0.1`) is refused.
func Probe(ctx context.Context, env *host.Env, spec ProbeSpec) error {
	if err := checkOwnSections(env); err != nil {
		return err
	}
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
	if err := probeNTACLs(ctx, env, spec.NTACLs); err != nil {
		return err
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

// checkOwnSections refuses an include file with a section named like one
// of Samba's own ([global], [sysvol], [netlogon], [homes], …, any case;
// site.IsSambaSection): smb.conf includes the file after its own sections,
// so such a section replaces the domain controller's (a home folder of a
// user named sysvol would take the domain's logon scripts and policies
// away), and testparm does not mind. A site apply rewrites the file
// without it.
func checkOwnSections(env *host.Env) error {
	data, err := os.ReadFile(env.Path(ConfPath))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if bad := ownSections(data); len(bad) > 0 {
		return fmt.Errorf("%s defines %s, which replaces Samba's own section of that name and breaks the domain's shares or settings: apply the site again to rewrite the file, and rename any user or share of that name", ConfPath, strings.Join(bad, ", "))
	}
	return nil
}

// ownSections returns the section headers of an include file that name
// one of Samba's own sections.
func ownSections(data []byte) []string {
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		t := strings.TrimSpace(l)
		if len(t) > 2 && t[0] == '[' && t[len(t)-1] == ']' && site.IsSambaSection(t[1:len(t)-1]) {
			out = append(out, t)
		}
	}
	return out
}
