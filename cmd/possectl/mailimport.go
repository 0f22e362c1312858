// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/posse-project/posse/internal/printable"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/spf13/cobra"
)

// mailImportService is what the mail service offers for importing old
// mail; its result is read through its JSON form.
type mailImportService interface {
	MailImport(ctx context.Context, st *site.Site, env *host.Env, user, source, folder string, progress io.Writer) (any, error)
}

// mailImportFolder is one folder of possectl mail import --json.
type mailImportFolder struct {
	Name     string `json:"name"`
	New      int    `json:"new"`
	Existing int    `json:"existing"`
}

// mailImportResult is possectl mail import --json.
type mailImportResult struct {
	User     string             `json:"user"`
	Source   string             `json:"source"`
	Kind     string             `json:"kind"`
	Folder   string             `json:"folder"`
	Folders  []mailImportFolder `json:"folders"`
	New      int                `json:"new"`
	Existing int                `json:"existing"`
	Seconds  float64            `json:"seconds"`
}

// mailImportDefaultFolder is where the folders of a source land without
// --folder: apart from the user's own mail, one folder to delete if wrong.
const mailImportDefaultFolder = "Imported"

func init() {
	mail := subcommand(rootCmd, "mail")
	if mail == nil {
		panic("possectl: mail import needs the mail command")
	}
	var folder string
	var asJSON bool
	c := &cobra.Command{
		Use:   "import USER SOURCE",
		Short: "Copy old mail (an mbox file or a Maildir) into a user's mailbox",
		Long: `Copy the messages of SOURCE into the mailbox of USER (a username or mail
address of the site) on this box, with their read, answered, flagged and
draft flags and their received dates. SOURCE is a file or directory on
the box:

  an mbox file     what Thunderbird keeps per folder (Inbox, Sent, ...),
                   what readpst and most mail programs export: one folder,
                   named after the file (Inbox and mbox become INBOX)
  a Maildir        a directory with cur and new, and its Maildir++
                   subfolders (.Sent, .Archive.2019): every folder

Outlook .pst files are refused: convert them first with readpst (package
pst-utils: readpst -r -o DIR FILE.pst) and import the mbox files it writes.

The folders land under --folder, "Imported" unless given: INBOX of the
source becomes Imported/INBOX, Sent becomes Imported/Sent, apart from the
user's own mail and subscribed so mail programs show them. --folder ""
puts them at the top of the mailbox (INBOX into INBOX).

Running the import again copies only what is not there yet: a message
counts as there when its folder holds one with the same Message-ID (or,
without one, the same Date, From and Subject). Progress goes to stderr;
--json prints {"user", "source", "kind", "folder", "folders": [{"name",
"new", "existing"}], "new", "existing", "seconds"}. Runs in this process
as root on the box, like 'possectl mail dns'. See docs/mail.md.`,
		Example: `  possectl mail import anna /root/export/Inbox.mbox
  possectl mail import anna /root/export/Sent.mbox
  possectl mail import bert@example.com /srv/old/bert/Maildir --folder "Old server"`,
		Args: exactArgs(2, "a user and a source (mbox file or Maildir)"),
		RunE: func(c *cobra.Command, args []string) error {
			res, err := runMailImport(c, args[0], args[1], folder)
			if err != nil {
				return err
			}
			out := c.OutOrStdout()
			if asJSON {
				return printSafeJSON(out, res)
			}
			return printMailImport(out, res)
		},
	}
	c.Flags().StringVar(&folder, "folder", mailImportDefaultFolder, `the folder the source's folders land under ("" for the top of the mailbox)`)
	c.Flags().BoolVar(&asJSON, "json", false, "print what was imported as JSON")
	mail.AddCommand(c)
}

// runMailImport loads the applied site and runs the import in the mail
// service, with progress on stderr.
func runMailImport(c *cobra.Command, user, source, folder string) (mailImportResult, error) {
	var res mailImportResult
	ctx := c.Context()
	s, svc, env, cleanup, err := appliedService[mailImportService](ctx, "mail import needs root on the box (it writes into the mailboxes): run with sudo", hasMail, "no service imports mail in this build")
	if err != nil {
		return res, err
	}
	defer cleanup()
	v, err := svc.MailImport(ctx, s, env, user, source, folder, c.ErrOrStderr())
	if err != nil {
		return res, err
	}
	if err := reJSON(v, &res); err != nil {
		return res, err
	}
	if res.Folders == nil {
		res.Folders = []mailImportFolder{}
	}
	return res, nil
}

// printMailImport prints a table of the folders and the totals.
func printMailImport(w io.Writer, r mailImportResult) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FOLDER\tNEW\tALREADY THERE")
	for _, f := range r.Folders {
		fmt.Fprintf(tw, "%s\t%d\t%d\n", printable.String(f.Name), f.New, f.Existing)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	rate := ""
	if r.Seconds > 0 && r.New > 0 {
		rate = fmt.Sprintf(" (%.0f messages/s)", float64(r.New)/r.Seconds)
	}
	fmt.Fprintf(w, "%s: %d new messages, %d already there, in %.1fs%s\n", printable.String(r.User), r.New, r.Existing, r.Seconds, rate)
	return nil
}
