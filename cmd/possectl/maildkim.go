// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/posse-project/posse/internal/printable"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/spf13/cobra"
)

// mailDKIMService is what the mail service offers for rotating DKIM
// keys; its result is read through its JSON form.
type mailDKIMService interface {
	MailDKIM(ctx context.Context, st *site.Site, env *host.Env, op, domain string, force bool) (any, error)
}

// mailDKIMResult is possectl mail dkim rotate, activate and retire
// --json.
type mailDKIMResult struct {
	Domain      string   `json:"domain"`
	Signing     string   `json:"signing"`
	Next        string   `json:"next,omitempty"`
	Retiring    []string `json:"retiring"`
	Retired     []string `json:"retired,omitempty"`
	Record      string   `json:"record,omitempty"`
	RetireAfter string   `json:"retire_after,omitempty"`
}

func init() {
	mail := subcommand(rootCmd, "mail")
	if mail == nil {
		panic("possectl: mail dkim needs the mail command")
	}
	dkim := &cobra.Command{
		Use:   "dkim",
		Short: "Rotate a mail domain's DKIM key: rotate, activate, retire",
		Long: `Replace the DKIM signing key of a mail domain in three steps, so that no
message is ever signed with a key DNS does not publish:

  rotate DOMAIN    generates a key under a new selector (posseYYYYMMDD);
                   the old key keeps signing. 'possectl mail dns' lists
                   the new record (role next): publish it.
  activate DOMAIN  once DNS answers the new record, Rspamd signs with the
                   new key; the old record stays listed (role retiring).
                   Refused while DNS does not answer it, unless --force.
  retire DOMAIN    after 7 days (mail signed with the old key may wait in
                   queues that long) removes the old key; 'mail dns' stops
                   listing it and its record can be deleted. --force
                   retires earlier.

The selectors live next to the keys (backed up and restored with them) and
every apply keeps them. Runs in this process as root on the box, like
'possectl mail dns'. See docs/mail.md.`,
	}
	var rot struct{ asJSON bool }
	rotate := &cobra.Command{
		Use:   "rotate DOMAIN",
		Short: "Generate a new DKIM key under a new selector; the old one keeps signing",
		Args:  exactArgs(1, "a mail domain"),
		RunE: func(c *cobra.Command, args []string) error {
			return runMailDKIM(c, "rotate", args[0], false, rot.asJSON)
		},
	}
	rotate.Flags().BoolVar(&rot.asJSON, "json", false, "print the domain's selectors as JSON")
	var act struct{ asJSON, force bool }
	activate := &cobra.Command{
		Use:   "activate DOMAIN",
		Short: "Sign with the rotated key once DNS publishes it",
		Args:  exactArgs(1, "a mail domain"),
		RunE: func(c *cobra.Command, args []string) error {
			return runMailDKIM(c, "activate", args[0], act.force, act.asJSON)
		},
	}
	activate.Flags().BoolVar(&act.asJSON, "json", false, "print the domain's selectors as JSON")
	activate.Flags().BoolVar(&act.force, "force", false, "activate although DNS does not answer the new record (yet)")
	var ret struct{ asJSON, force bool }
	retire := &cobra.Command{
		Use:   "retire DOMAIN",
		Short: "Remove the old DKIM key after the grace period; its record may go",
		Args:  exactArgs(1, "a mail domain"),
		RunE: func(c *cobra.Command, args []string) error {
			return runMailDKIM(c, "retire", args[0], ret.force, ret.asJSON)
		},
	}
	retire.Flags().BoolVar(&ret.asJSON, "json", false, "print the domain's selectors as JSON")
	retire.Flags().BoolVar(&ret.force, "force", false, "retire before the 7 days of grace have passed")
	dkim.AddCommand(rotate, activate, retire)
	mail.AddCommand(dkim)
}

// runMailDKIM loads the applied site and runs op in the mail service.
func runMailDKIM(c *cobra.Command, op, domain string, force, asJSON bool) error {
	domain = strings.ToLower(domain)
	ctx := c.Context()
	s, svc, env, cleanup, err := appliedService[mailDKIMService](ctx, fmt.Sprintf("mail dkim %s needs root on the box (it writes the DKIM keys): run with sudo", op), hasMail, "no service rotates DKIM keys in this build")
	if err != nil {
		return err
	}
	defer cleanup()
	v, err := svc.MailDKIM(ctx, s, env, op, domain, force)
	if err != nil {
		return err
	}
	var res mailDKIMResult
	if err := reJSON(v, &res); err != nil {
		return err
	}
	if res.Retiring == nil {
		res.Retiring = []string{}
	}
	out := c.OutOrStdout()
	if asJSON {
		return printSafeJSON(out, res)
	}
	printMailDKIM(out, op, res)
	return nil
}

// printMailDKIM says what the step did and what comes next.
func printMailDKIM(w io.Writer, op string, r mailDKIMResult) {
	d := printable.String(r.Domain)
	switch op {
	case "rotate":
		fmt.Fprintf(w, "%s: new DKIM key, selector %s; %s still signs.\nPublish this record at the DNS provider:\n  %s\nthen run: possectl mail dkim activate %s\n",
			d, printable.String(r.Next), printable.String(r.Signing), printable.String(r.Record), d)
	case "activate":
		fmt.Fprintf(w, "%s: Rspamd signs with selector %s now; %s stays published.\n", d, printable.String(r.Signing), orDashList(r.Retiring))
		if r.RetireAfter != "" {
			fmt.Fprintf(w, "after %s run: possectl mail dkim retire %s\n", printable.String(r.RetireAfter), d)
		}
	case "retire":
		fmt.Fprintf(w, "%s: removed the DKIM keys of %s; delete their records at the DNS provider. %s signs.\n", d, orDashList(r.Retired), printable.String(r.Signing))
	}
}
