// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/posse-project/posse/internal/printable"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/spf13/cobra"
)

// mailDNSService is what the mail service offers for the DNS records;
// its result is a JSON-encodable list read here through its JSON form,
// so that this command needs no import of the service.
type mailDNSService interface {
	MailDNS(ctx context.Context, st *site.Site, env *host.Env) (any, error)
}

// mailDNSRecord is one record as possectl mail dns prints it.
type mailDNSRecord struct {
	Domain  string `json:"domain"`
	Purpose string `json:"purpose"`
	Name    string `json:"name"`
	Type    string `json:"type"`
	Value   string `json:"value"`
	// Selector and Role name a DKIM record's key: signing, next or
	// retiring (see possectl mail dkim).
	Selector string   `json:"selector,omitempty"`
	Role     string   `json:"role,omitempty"`
	Status   string   `json:"status"`
	Found    []string `json:"found,omitempty"`
	Error    string   `json:"error,omitempty"`
}

func init() {
	mail := subcommand(rootCmd, "mail")
	if mail == nil {
		panic("possectl: mail dns needs the mail command")
	}
	mail.AddCommand(mailDNSCmd())
}

// subcommand finds the command named name under parent (nil when there
// is none).
func subcommand(parent *cobra.Command, name string) *cobra.Command {
	for _, c := range parent.Commands() {
		if c.Name() == name {
			return c
		}
	}
	return nil
}

func mailDNSCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "dns",
		Short: "Print the DNS records the mail domains need (MX, SPF, DKIM, DMARC) and check them",
		Long: `Print, for every mail domain of the site applied to this box, the DNS
records the office must publish at its DNS provider: MX (this box), SPF
("v=spf1 mx -all"), DKIM (the public half of the signing key generated on
the box, SELECTOR._domainkey.DOMAIN) and DMARC (_dmarc.DOMAIN). Each is
checked against what DNS answers from the box: ok, missing, or different
(with the value found). A DKIM value longer than 255 characters is one
record of several strings; the table shows it whole, as most DNS
providers' forms take it.

--json prints a list of {"domain", "purpose", "name", "type", "value",
"status", "found", "error"}. Runs in this process as root on the box
(the key is readable by root and Rspamd only). See docs/mail.md.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			recs, err := mailDNS(c.Context())
			if err != nil {
				return err
			}
			out := c.OutOrStdout()
			if asJSON {
				return printSafeJSON(out, recs)
			}
			return printMailDNS(out, recs)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the records and their status as JSON")
	return c
}

// mailDNS loads the applied site and asks the mail service for the
// records.
func mailDNS(ctx context.Context) ([]mailDNSRecord, error) {
	s, svc, env, cleanup, err := appliedService[mailDNSService](ctx, "mail dns needs root on the box (it reads the DKIM keys): run with sudo", hasMail, "no service lists mail DNS records in this build")
	if err != nil {
		return nil, err
	}
	defer cleanup()
	v, err := svc.MailDNS(ctx, s, env)
	if err != nil {
		return nil, err
	}
	var recs []mailDNSRecord
	if err := reJSON(v, &recs); err != nil {
		return nil, err
	}
	if recs == nil {
		recs = []mailDNSRecord{}
	}
	return recs, nil
}

// printMailDNS prints one table per domain: status, name, type, value,
// and under a record that differs the values DNS answered.
func printMailDNS(w io.Writer, recs []mailDNSRecord) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	domain := ""
	for _, r := range recs {
		if r.Domain != domain {
			if domain != "" {
				fmt.Fprintln(tw)
			}
			domain = r.Domain
			fmt.Fprintf(tw, "%s\nSTATUS\tNAME\tTYPE\tVALUE\n", printable.String(domain))
		}
		fmt.Fprintf(tw, "%s\t%s.\t%s\t%s\n", r.Status, printable.String(r.Name), r.Type, printable.String(quoteTXT(r)))
		if r.Role != "" && r.Role != "signing" {
			fmt.Fprintf(tw, "\t\t\t(%s: %s)\n", r.Role, dkimRoleNote(r.Role))
		}
		for _, f := range r.Found {
			fmt.Fprintf(tw, "\t\t\tfound: %s\n", printable.String(f))
		}
		if r.Error != "" {
			fmt.Fprintf(tw, "\t\t\tlookup failed: %s\n", printable.String(r.Error))
		}
	}
	return tw.Flush()
}

// quoteTXT quotes a TXT value; MX values stand as they are.
func quoteTXT(r mailDNSRecord) string {
	if r.Type != "TXT" {
		return r.Value
	}
	return `"` + strings.ReplaceAll(r.Value, `"`, `\"`) + `"`
}

// dkimRoleNote says what to do with a rotated or retiring DKIM record.
func dkimRoleNote(role string) string {
	switch role {
	case "next":
		return "publish it, then possectl mail dkim activate"
	case "retiring":
		return "keep it until possectl mail dkim retire"
	}
	return role
}
