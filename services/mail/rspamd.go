// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
)

// Rspamd signs outgoing mail with DKIM: Postfix hands every message to
// its proxy worker as a milter on 127.0.0.1:11332.
const (
	RspamdUnit             = "rspamd.service"
	RspamdLocalDir         = "/etc/rspamd/local.d"
	RspamdDKIMSigningPath  = RspamdLocalDir + "/dkim_signing.conf"
	RspamdWorkerProxyPath  = RspamdLocalDir + "/worker-proxy.inc"
	RspamdGreylistPath     = RspamdLocalDir + "/greylist.conf"
	RspamdFuzzyCheckPath   = RspamdLocalDir + "/fuzzy_check.conf"
	RspamdMilterAddr       = "127.0.0.1:11332"
	rspamdBinary           = "/usr/bin/rspamd"
	rspamdPackage          = "rspamd"
	rspamdWorkerProxyAddr  = RspamdMilterAddr
	rspamdDKIMDirMode      = 0o700
	rspamdConfigHeaderLine = "# Managed by Posse: changes here are overwritten by the next apply.\n"
)

// rspamadmConfigtest checks Rspamd's whole configuration (local.d
// included) before Rspamd is reloaded.
var rspamadmConfigtest = []string{"rspamadm", "configtest"}

// RenderDKIMSigning renders local.d/dkim_signing.conf: sign mail from
// authenticated users (submission) and from the box itself (sendmail) for
// the mail domains only, each with its own key and selector; the domain
// is the header From's. Postfix already checks on submission that a user
// sends only as their own addresses (smtpd_sender_login_maps), so Rspamd
// does not compare the login with the From domain again.
func RenderDKIMSigning(c Config) string {
	var b strings.Builder
	b.WriteString(rspamdConfigHeaderLine)
	b.WriteString("# DKIM signing of outgoing mail for the mail domains (mail.dkim).\n")
	b.WriteString("enabled = true;\n")
	b.WriteString("sign_authenticated = true;\n")
	b.WriteString("sign_local = false;\n")
	b.WriteString("sign_networks = [\"127.0.0.1/32\", \"::1/128\"];\n")
	b.WriteString("sign_inbound = false;\n")
	b.WriteString("use_domain = \"header\";\n")
	b.WriteString("use_esld = false;\n")
	b.WriteString("allow_username_mismatch = true;\n")
	b.WriteString("allow_hdrfrom_mismatch = false;\n")
	b.WriteString("allow_envfrom_empty = true;\n")
	b.WriteString("try_fallback = false;\n")
	b.WriteString("use_redis = false;\n")
	b.WriteString("domain {\n")
	for _, d := range c.Domains {
		fmt.Fprintf(&b, "  %q {\n", d)
		fmt.Fprintf(&b, "    path = %q;\n", DKIMKeyPath(d, c.SelectorOf(d)))
		fmt.Fprintf(&b, "    selector = %q;\n", c.SelectorOf(d))
		b.WriteString("  }\n")
	}
	b.WriteString("}\n")
	return b.String()
}

// RenderWorkerProxy renders local.d/worker-proxy.inc: the proxy worker
// is Postfix's milter, on the loopback address only, scanning itself.
func RenderWorkerProxy() string {
	var b strings.Builder
	b.WriteString(rspamdConfigHeaderLine)
	b.WriteString("# Postfix's milter (smtpd_milters, non_smtpd_milters), loopback only.\n")
	fmt.Fprintf(&b, "bind_socket = %q;\n", rspamdWorkerProxyAddr)
	b.WriteString("milter = yes;\n")
	b.WriteString("timeout = 120s;\n")
	b.WriteString("upstream \"local\" {\n  default = yes;\n  self_scan = yes;\n}\n")
	b.WriteString("count = 1;\n")
	return b.String()
}

// RenderDisabled renders a local.d file turning a module off, saying why.
func RenderDisabled(why string) string {
	return rspamdConfigHeaderLine + "# " + why + "\nenabled = false;\n"
}

// Modules a small office's box does without: greylisting needs Redis,
// which the box does not run, and delays mail; fuzzy_check sends hashes
// of every message to rspamd.com's servers.
const (
	greylistOff   = "Greylisting needs Redis and delays mail: off."
	fuzzyCheckOff = "fuzzy_check sends hashes of every message to outside servers: off."
)

// rspamdFiles are the Rspamd files Posse owns, rendered for c.
func rspamdFiles(c Config) []plan.FileSpec {
	return []plan.FileSpec{
		{Path: RspamdDKIMSigningPath, Content: RenderDKIMSigning(c), Mode: 0o644, Owner: "root", Group: "root"},
		{Path: RspamdWorkerProxyPath, Content: RenderWorkerProxy(), Mode: 0o644, Owner: "root", Group: "root"},
		{Path: RspamdGreylistPath, Content: RenderDisabled(greylistOff), Mode: 0o644, Owner: "root", Group: "root"},
		{Path: RspamdFuzzyCheckPath, Content: RenderDisabled(fuzzyCheckOff), Mode: 0o644, Owner: "root", Group: "root"},
		{Path: RspamdBayesPath, Content: RenderBayes(), Mode: 0o644, Owner: "root", Group: "root"},
	}
}

// checkRspamd refuses a box without Rspamd when DKIM is on.
func checkRspamd(env *host.Env) error {
	if _, err := os.Stat(env.Path(rspamdBinary)); err != nil {
		return fmt.Errorf("DKIM signing needs the package %s: install it with apt-get install %s, then plan again (or turn signing off with mail.dkim: {enabled: false})", rspamdPackage, rspamdPackage)
	}
	return nil
}

// rspamdChange says what a plan changes of Rspamd's.
type rspamdChange struct {
	// reload is set when files or keys changed. A reload (SIGHUP) also
	// opens a new listener of the proxy worker, and, unlike a restart,
	// keeps a first start's work (Rspamd compiles its regular expression
	// databases once per box, which takes from seconds to a minute).
	reload bool
}

// rspamdSteps plans the key directory, the keys, Rspamd's files and,
// when any changed, rspamadm configtest. Offline (--root) it plans the
// files only.
func rspamdSteps(env *host.Env, c Config) ([]plan.Step, rspamdChange, error) {
	var ch rspamdChange
	if !c.DKIM {
		return nil, ch, nil
	}
	var steps []plan.Step
	if !env.Offline {
		if err := checkRspamd(env); err != nil {
			return nil, ch, err
		}
		// The first key step creates the directory (so that a rollback
		// removes the key before the directory); an existing one is
		// repaired here.
		if cur, err := fsutil.ReadState(env.Path(DKIMDir)); err != nil {
			return nil, ch, err
		} else if cur.Exists {
			step, ok, err := plan.DirStep(Name, env, plan.DirSpec{Path: DKIMDir, Mode: rspamdDKIMDirMode, Owner: RspamdUser, Group: RspamdUser})
			if err != nil {
				return nil, ch, err
			}
			if ok {
				steps = append(steps, step)
			}
		}
		for _, d := range c.Domains {
			step, ok, err := dkimKeyStep(env, d, c.SelectorOf(d))
			if err != nil {
				return nil, ch, err
			}
			if ok {
				steps = append(steps, step)
			}
		}
	}
	for _, f := range rspamdFiles(c) {
		step, ok, err := plan.FileStep(Name, env, f)
		if err != nil {
			return nil, ch, err
		}
		if ok {
			steps = append(steps, step)
		}
	}
	ch.reload = len(steps) > 0
	if ch.reload && !env.Offline {
		steps = append(steps, plan.CheckStep(Name, rspamadmConfigtest...))
	}
	return steps, ch, nil
}

// rspamdUnitSteps starts Redis (the Bayes filter's store) and Rspamd
// when they are not running, reloads Rspamd when its files or keys
// changed, and enables both.
func rspamdUnitSteps(ctx context.Context, env *host.Env, ch rspamdChange) ([]plan.Step, error) {
	var steps []plan.Step
	for _, u := range []struct {
		unit   string
		reload bool
	}{{RedisUnit, false}, {RspamdUnit, ch.reload}} {
		st, err := env.Units.Status(ctx, u.unit)
		if err != nil {
			return nil, fmt.Errorf("reading the state of %s: %w", u.unit, err)
		}
		switch {
		case st.ActiveState != "active":
			steps = append(steps, plan.UnitStep(Name, u.unit, "restart"))
		case u.reload:
			steps = append(steps, plan.UnitStep(Name, u.unit, "reload"))
		}
		if st.UnitFileState != "enabled" {
			steps = append(steps, plan.UnitStep(Name, u.unit, "enable"))
		}
	}
	return steps, nil
}
