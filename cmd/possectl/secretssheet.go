// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/posse-project/posse/internal/sheet"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/rules"
	"github.com/spf13/cobra"
)

func init() {
	var secretsPath, out, server string
	c := &cobra.Command{
		Use:   "sheet TEMPLATE --secrets FILE -o FILE.pdf [--server HOST]",
		Short: "Write a PDF with one password sheet per user, for the integrator to hand out",
		Long: `Write a PDF with one page per enabled user of the template: the person's
name, the logon name (WORKGROUP\username), the initial password from the
secrets file, what to do at the first logon on Windows (with the site's
password rules), the shares the person's groups reach and the home folder,
and the settings for mail on a phone (IMAP 993, SMTP 587, the address as
the username). It is the sheet the app shows for a new user.

Everything comes from the template and the secrets file, so it works at the
consultant's desk before the box exists: run 'possectl secrets generate'
first. --server names the box (its host name) for the network paths and the
mail settings; without it they are left out.

The PDF holds passwords: it is created with mode 0600 and never written over
an existing file or through a link. Print it, hand the pages out, delete it.`,
		Args: exactArgs(1, "a site template file"),
		RunE: func(c *cobra.Command, args []string) error {
			if secretsPath == "" || out == "" {
				return usageError{errors.New("possectl secrets sheet needs --secrets FILE and -o FILE.pdf\nrun 'possectl secrets sheet --help' for usage")}
			}
			if server != "" {
				if err := rules.ServerNameError(server); err != nil {
					return usageError{fmt.Errorf("--server: %w", err)}
				}
			}
			s, err := loadSite(args[0])
			if err != nil {
				return err
			}
			store, err := loadSecrets(secretsPath)
			if err != nil {
				return err
			}
			sheets, err := passwordSheets(s, store, server)
			if err != nil {
				return err
			}
			data, err := sheet.PDF(sheets, "Posse: "+s.Site.Name)
			if err != nil {
				return err
			}
			if err := writePrivatePDF(out, data); err != nil {
				return err
			}
			fmt.Fprintf(c.OutOrStdout(), "wrote %s (mode 0600): %d %s, one page each; it holds their passwords\n",
				out, len(sheets), plural(len(sheets), "user", "users"))
			return nil
		},
	}
	c.Flags().StringVar(&secretsPath, "secrets", "", "the secrets `FILE` with the users' passwords (required)")
	c.Flags().StringVarP(&out, "output", "o", "", "the PDF `FILE` to create (required; never overwritten)")
	c.Flags().StringVar(&server, "server", "", "the box's host `NAME`, for network paths and mail settings")
	secretsCmd.AddCommand(c)
}

// passwordSheets builds one sheet per enabled user of s, in English.
func passwordSheets(s *site.Site, store *site.Store, server string) ([]sheet.Sheet, error) {
	policy := s.Policy()
	var out []sheet.Sheet
	var missing []string
	for _, u := range s.Users {
		if u.Disabled {
			continue
		}
		name, _ := u.Password.Name()
		pw, ok := store.Lookup(name)
		if !ok {
			missing = append(missing, u.Username)
			continue
		}
		in := sheet.Input{Name: strings.TrimSpace(u.GivenName + " " + u.Surname), Logon: s.Site.Workgroup + `\` + u.Username,
			Password: pw, MustChange: u.MustChange(), Server: server, Policy: &policy}
		if in.Name == "" {
			in.Name = u.Username
		}
		unc := func(share string) string {
			if server == "" {
				return share
			}
			return `\\` + server + `\` + share
		}
		for _, sh := range s.Shares {
			switch rules.ShareAccess(u.Groups, sh.Write, sh.Read) {
			case rules.WriteAccess:
				in.Folders = append(in.Folders, sheet.Folder{Path: unc(sh.Name), Write: true})
			case rules.ReadAccess:
				in.Folders = append(in.Folders, sheet.Folder{Path: unc(sh.Name)})
			}
		}
		if s.Homes.Enabled && server != "" {
			in.Home = unc(u.Username)
		}
		if s.Mail != nil {
			in.Email = s.UserEmail(u)
			if server != "" {
				in.MailHost = server + "." + s.DNSDomain()
			}
		}
		out = append(out, sheet.Build(in, sheet.English))
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("the secrets file has no password for %s: run 'possectl secrets generate %s --secrets FILE' first",
			strings.Join(missing, ", "), s.Source.File)
	}
	if len(out) == 0 {
		return nil, errors.New("the template has no enabled user: there is no sheet to write")
	}
	return out, nil
}
