// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon/api"
	possed "github.com/posse-project/posse/daemon/box"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/spf13/cobra"
)

// siteFlags are the flags plan and apply share.
type siteFlags struct {
	secrets string
	root    string
	json    bool
}

func (f *siteFlags) register(c *cobra.Command) {
	c.Flags().StringVar(&f.secrets, "secrets", "", "secrets `FILE` (YAML map name → value, mode 0600); POSSE_SECRET_<NAME> variables also count")
	c.Flags().StringVar(&f.root, "root", "", "plan against, and with apply write the files under, `DIR` instead of / (local, no possed, no units, no LDAP, no commands)")
}

// local reports whether plan or apply runs in this process: rendering
// under --root, or --direct.
func (f *siteFlags) local() (bool, error) {
	if f.root != "" {
		if connFlags.host != "" {
			return false, usageError{fmt.Errorf("--root renders on this machine: drop --host")}
		}
		return true, nil
	}
	return direct()
}

func init() {
	var f siteFlags
	c := &cobra.Command{
		Use:   "plan FILE",
		Short: "Show what apply would change on the box, without changing anything",
		Long: `Compare a site template with the box and print the steps apply would take.
possed on the box (this one, or --host) makes the plan; the template is
checked here first, and the secrets it references are read from --secrets
FILE or POSSE_SECRET_<NAME> and passed to possed, never stored. Secrets the
box kept from the last apply (domain admin, backup) may be left out.
With --root DIR the plan is made on this machine against the files under
DIR instead (plan writes nothing; 'apply --root DIR' writes them there).`,
		Args: exactArgs(1, "a site template file"),
		RunE: func(c *cobra.Command, args []string) error {
			local, err := f.local()
			if err != nil {
				return err
			}
			if !local {
				return daemonPlan(c, args[0], &f)
			}
			b, s, secrets, closeBox, err := localSite(args[0], &f)
			if err != nil {
				return err
			}
			defer closeBox()
			p, _, err := b.RunSite(c.Context(), s, secrets, possed.RunOptions{PlanOnly: true})
			if err != nil {
				return planFailed(p, err)
			}
			return printPlan(c.OutOrStdout(), p, f.json)
		},
	}
	f.register(c)
	c.Flags().BoolVar(&f.json, "json", false, "print the plan as JSON")
	rootCmd.AddCommand(c)
}

// daemonPlan asks possed for the plan and prints it.
func daemonPlan(c *cobra.Command, file string, f *siteFlags) error {
	d, err := planThroughDaemon(c.Context(), file, f)
	if err != nil {
		return err
	}
	defer d.close()
	return writePlan(c.OutOrStdout(), d.plan, f.json)
}

// writePlan renders a plan as possectl prints every plan, possed's or
// one made in this process.
func writePlan(w io.Writer, p api.PlanResult, asJSON bool) error {
	if asJSON {
		return client.WritePlanJSON(w, p)
	}
	return client.WritePlanText(w, p)
}

// secretRefRE finds ${secret:NAME} references anywhere in a template.
var secretRefRE = regexp.MustCompile(`\$\{secret:([A-Za-z0-9_.-]+)\}`)

// readTemplate reads and checks a template here (problems with
// FILE:LINE:COL) and collects the values of the secrets it references from
// the secrets file or POSSE_SECRET_<NAME>, for possed; the template comes
// back as one document (site.LoadFlat). Secrets not found
// are left to possed, which may have kept them from the last apply.
func readTemplate(file, secretsPath string) ([]byte, map[string]string, error) {
	// With include:, possed gets the merged template: it sees no fragments.
	_, raw, err := site.LoadFlat(file)
	if err != nil {
		return nil, nil, problemsError(err, "fix the problems above and run 'possectl validate "+file+"' again")
	}
	store, err := loadSecrets(secretsPath)
	if err != nil {
		return nil, nil, err
	}
	secrets := map[string]string{}
	for _, m := range secretRefRE.FindAllSubmatch(raw, -1) {
		name := string(m[1])
		if v, ok := store.Lookup(name); ok {
			secrets[name] = v
		}
	}
	return raw, secrets, nil
}

// localSite loads the site and its secrets and starts possed's backend in
// this process (--root, --direct).
func localSite(file string, f *siteFlags) (*possed.Box, *site.Site, host.Secrets, func(), error) {
	s, err := loadSite(file)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	secrets, err := checkSecrets(s, f.secrets)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	b, closeBox, err := localBox(f.root)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return b, s, secrets, closeBox, nil
}

// planFailed names a failure to plan; the plan is nil then.
func planFailed(p *plan.Plan, err error) error {
	if p == nil && err != nil {
		return fmt.Errorf("planning failed: %w", err)
	}
	return err
}

// printPlan prints a plan made in this process (--root, --direct) as
// possed's are printed: through the typed plan and the client's renderer.
func printPlan(w io.Writer, p *plan.Plan, asJSON bool) error {
	r, err := possed.PlanResult(p)
	if err != nil {
		return err
	}
	return writePlan(w, r, asJSON)
}

// daemonPlanned is a plan possed made, with what applying it needs.
type daemonPlanned struct {
	cl      *client.Client
	raw     []byte
	secrets map[string]string
	plan    api.PlanResult
}

// close releases the connection and clears the secrets from memory.
func (d *daemonPlanned) close() {
	d.cl.Close()
	clear(d.secrets)
}

// planThroughDaemon reads the template and the secrets it references,
// connects to possed and asks it for the plan.
func planThroughDaemon(ctx context.Context, file string, f *siteFlags) (*daemonPlanned, error) {
	raw, secrets, err := readTemplate(file, f.secrets)
	if err != nil {
		return nil, err
	}
	cl, err := dial(ctx)
	if err != nil {
		clear(secrets)
		return nil, err
	}
	d := &daemonPlanned{cl: cl, raw: raw, secrets: secrets}
	if d.plan, err = cl.Plan(ctx, raw, secrets); err != nil {
		d.close()
		return nil, namedTemplate(daemonError(err, "plan a site", groupAdmin), file)
	}
	if len(d.plan.Problems) > 0 {
		d.close()
		return nil, templateProblems(file, d.plan.Problems)
	}
	return d, nil
}

// namedTemplate puts file where possed's problems name the template it was
// sent as bytes ("template:LINE:COL: …"), drops possed's "secrets:" header
// and adds the hint for secrets that are not set when possed gave none.
func namedTemplate(err error, file string) error {
	if err == nil {
		return nil
	}
	lines := strings.Split(err.Error(), "\n")
	var out []string
	named, missing, hinted := false, false, false
	for _, l := range lines {
		if rest, ok := strings.CutPrefix(l, "template:"); ok && len(rest) > 0 && rest[0] >= '0' && rest[0] <= '9' {
			l, named = file+":"+rest, true
			missing = missing || strings.Contains(l, "is not set")
		}
		hinted = hinted || strings.Contains(l, "hint:")
		if strings.TrimSpace(l) == "secrets:" || strings.HasSuffix(l, ": secrets:") {
			continue
		}
		out = append(out, l)
	}
	if !named {
		return err
	}
	if missing && !hinted {
		out = append(out, "  hint: put the missing secrets in the --secrets file (mode 0600) or set POSSE_SECRET_<NAME>")
	}
	return errors.New(strings.Join(out, "\n"))
}
