// SPDX-License-Identifier: GPL-3.0-or-later

package directory

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/services/ad"
)

// plainSambaUnits are the file-server daemons a domain controller replaces.
var plainSambaUnits = []string{"smbd.service", "nmbd.service", "winbind.service"}

// setAdminPasswordPy sets the Administrator (RID 500) password from the
// first line of stdin through Samba's own Python bindings on the local
// sam.ldb, so the password is never in argv, and makes it never expire:
// Posse binds with it, whatever max_age_days the template sets for users.
const setAdminPasswordPy = `import sys
from samba.auth import system_session
from samba.param import LoadParm
from samba.samdb import SamDB
lp = LoadParm()
lp.load_default()
pw = sys.stdin.readline().rstrip("\n")
if not pw:
    sys.exit("no password on stdin")
db = SamDB(url=lp.private_path("sam.ldb"), session_info=system_session(), lp=lp)
admin = "(&(objectClass=user)(objectSid=%s-500))" % db.get_domain_sid()
db.setpassword(admin, pw, force_change_at_next_login=False)
db.setexpiry(admin, 0, no_expiry_req=True)
`

// ProvisionArgv is the samba-tool command line for a new domain, with
// the first DC in adSite ("" for Samba's default site). It holds no
// password: samba-tool sets a random one, replaced right after.
func ProvisionArgv(realm, workgroup, ip, adSite string) []string {
	argv := []string{"samba-tool", "domain", "provision", "--use-rfc2307",
		"--realm=" + realm, "--domain=" + workgroup, "--server-role=dc",
		"--dns-backend=SAMBA_INTERNAL", "--host-ip=" + ip}
	if adSite != "" {
		argv = append(argv, "--site="+adSite)
	}
	return argv
}

// provision turns the box into the domain controller of spec's realm.
func (s *Service) provision(ctx context.Context, env *host.Env, spec ProvisionSpec) error {
	if have, err := ProvisionedRealm(env); err != nil {
		return err
	} else if have != "" {
		if have != spec.Conn.Realm {
			return fmt.Errorf("this box is already the domain controller of %s; refusing to re-provision it as %s", have, spec.Conn.Realm)
		}
		return nil // done by an earlier, interrupted apply
	}
	if !realmRE.MatchString(spec.Conn.Realm) || !workgroupRE.MatchString(spec.Workgroup) {
		return errors.New("invalid realm or workgroup in the plan: plan again")
	}
	if env.Secrets == nil {
		return errors.New("provisioning needs the admin password: pass --secrets FILE")
	}
	adminPW, ok := env.Secrets.Lookup(spec.Conn.AdminSecret)
	if !ok {
		return fmt.Errorf("secret %s (the domain admin password) is missing", spec.Conn.AdminSecret)
	}
	if err := prepareDC(ctx, env); err != nil {
		return err
	}
	res, err := env.Runner.Run(ctx, host.Cmd{Argv: ProvisionArgv(spec.Conn.Realm, spec.Workgroup, spec.IP, spec.ADSite)})
	if err != nil {
		why := scrub(append(res.Stderr, res.Stdout...))
		if len(res.Stderr) == 0 && len(res.Stdout) == 0 {
			why = err.Error() + " (is the samba-ad-dc package installed?)"
		}
		return fmt.Errorf("samba-tool domain provision failed: %s\nthe original configuration is in %s%s and %s%s", why, SMBConfPath, origSuffix, KRB5ConfPath, origSuffix)
	}
	res, err = env.Runner.Run(ctx, host.Cmd{Argv: []string{"python3", "-c", setAdminPasswordPy}, Stdin: []byte(adminPW + "\n")})
	if err != nil {
		return fmt.Errorf("setting the domain admin password failed (does it meet Samba's default policy: 7+ characters, 3 of 4 character classes?): %s", scrub(res.Stderr))
	}
	if err := startDC(ctx, env, spec.SMBConf, spec.KRB5Conf, spec.ResolvConf); err != nil {
		return err
	}
	return s.withDirectory(ctx, env, spec.Conn, func(d ad.Directory) error { return s.ensureOU(ctx, d) })
}

// prepareDC readies a box for samba-tool provision or join: the plain
// file-server daemons stopped and masked, samba-ad-dc unmasked, the old
// smb.conf and krb5.conf moved aside and resolv.conf kept.
func prepareDC(ctx context.Context, env *host.Env) error {
	for _, u := range plainSambaUnits {
		st, err := env.Units.Status(ctx, u)
		if err == nil && st.LoadState == "not-found" {
			continue
		}
		if err == nil && st.ActiveState != "inactive" && st.ActiveState != "failed" {
			if err := env.Units.Stop(ctx, u); err != nil {
				return fmt.Errorf("stopping %s: %w", u, err)
			}
		}
	}
	_ = env.Units.Disable(ctx, plainSambaUnits...) // masked units cannot be disabled; masking below covers it
	if err := env.Units.Mask(ctx, plainSambaUnits...); err != nil {
		return fmt.Errorf("masking %s: %w", strings.Join(plainSambaUnits, ", "), err)
	}
	if err := env.Units.Unmask(ctx, Unit); err != nil {
		return fmt.Errorf("unmasking %s: %w", Unit, err)
	}
	for _, p := range []string{SMBConfPath, KRB5ConfPath} {
		if err := moveAside(env.Path(p)); err != nil {
			return err
		}
	}
	if err := keepOriginal(env.Path(ResolvPath)); err != nil {
		return err
	}
	// The stock smbd leaves negative idmap entries in gencache that break
	// logons for minutes after provisioning.
	stale, _ := filepath.Glob(env.Path("/run/samba/*.tdb"))
	for _, f := range stale {
		os.Remove(f)
	}
	return nil
}

// startDC writes Posse's smb.conf, krb5.conf and resolv.conf over what
// samba-tool left, makes sure the shares include exists, and enables and
// starts samba-ad-dc.
func startDC(ctx context.Context, env *host.Env, smb, krb, resolv string) error {
	for _, f := range []struct{ path, content string }{
		{SMBConfPath, smb}, {KRB5ConfPath, krb}, {ResolvPath, resolv},
	} {
		if err := writeFileAtomic(env.Path(f.path), []byte(f.content), 0o644); err != nil {
			return err
		}
	}
	if err := ensureSharesInclude(env); err != nil {
		return err
	}
	if err := env.Units.Enable(ctx, Unit); err != nil {
		return fmt.Errorf("enabling %s: %w", Unit, err)
	}
	if err := env.Units.Restart(ctx, Unit); err != nil {
		return fmt.Errorf("starting %s: %w (see journalctl -u %s)", Unit, err, Unit)
	}
	return nil
}

// moveAside renames p to p.posse-orig, unless an original is already kept,
// in which case p is removed.
func moveAside(p string) error {
	if _, err := os.Lstat(p); os.IsNotExist(err) {
		return nil
	}
	if _, err := os.Lstat(p + origSuffix); err == nil {
		return os.Remove(p)
	}
	if err := os.Rename(p, p+origSuffix); err != nil {
		return fmt.Errorf("moving %s aside: %w", p, err)
	}
	return nil
}

// keepOriginal copies p (following a symlink) to p.posse-orig once.
func keepOriginal(p string) error {
	if _, err := os.Lstat(p + origSuffix); err == nil {
		return nil
	}
	b, err := os.ReadFile(p)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return writeFileAtomic(p+origSuffix, b, 0o644)
}

// scrub returns the last lines of a command's stderr without any line that
// mentions a password (samba-tool logs the random admin password).
func scrub(stderr []byte) string {
	var keep []string
	sc := bufio.NewScanner(bytes.NewReader(stderr))
	for sc.Scan() {
		l := sc.Text()
		if strings.Contains(strings.ToLower(l), "pass") {
			continue
		}
		keep = append(keep, l)
	}
	if len(keep) > 8 {
		keep = keep[len(keep)-8:]
	}
	if len(keep) == 0 {
		return "(no output)"
	}
	return strings.Join(keep, "\n")
}

// ensureSharesInclude creates an empty SharesInclude when there is none:
// samba refuses to start when an included file is missing (testparm does
// not notice). The files service owns the file's content.
func ensureSharesInclude(env *host.Env) error {
	p := env.Path(SharesInclude)
	if _, err := os.Stat(p); err == nil {
		return nil
	}
	return writeFileAtomic(p, []byte(sharesIncludeStub), 0o644)
}

// sharesIncludeStub is the content of a new, empty SharesInclude.
const sharesIncludeStub = "# Share sections, managed by Posse's files service.\n"

// writeFileAtomic writes data atomically with mode, keeping the owner.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	return fsutil.WriteFileAtomic(path, data, mode, fsutil.NoID, fsutil.NoID)
}
