// SPDX-License-Identifier: GPL-3.0-or-later

package migrate

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/posse-project/posse/internal/printable"
)

// Bytes writes a byte count for people: 1.5 GB, 320 kB, 12 B.
func Bytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}

// Phases is the plan of the later phases for a report.
func Phases(r *Report) []Phase {
	join := Phase{Name: "join", Steps: []string{
		fmt.Sprintf("join %s as an additional domain controller (Samba's DC join, DRS replication)", r.Domain),
		fmt.Sprintf("replicate %s (%d disabled), %s and %s with their SIDs and password hashes; nothing is re-created",
			plural(r.Users, "user", "users"), r.Disabled, plural(r.Groups, "group", "groups"), plural(r.Computers, "computer", "computers")),
		"replicate the domain's DNS zones",
		"copy SYSVOL with its ACLs (samba-tool ntacl sysvolreset)",
	}}
	files := Phase{Name: "files", Bytes: r.CopyBytes}
	for _, s := range CopyShares(r.Shares) {
		step := fmt.Sprintf("copy share %s", s.Name)
		if s.Walked {
			step += fmt.Sprintf(" (%d files, %s)", s.Files, Bytes(s.Bytes))
		} else {
			step += " (size not counted)"
		}
		step += " over SMB with its ACLs, owners, timestamps and attributes"
		files.Steps = append(files.Steps, step)
	}
	if len(files.Steps) == 0 {
		files.Steps = []string{"no share to copy"}
	} else {
		files.Steps = append(files.Steps, fmt.Sprintf("estimated data to copy: %s; a second run copies only what changed", Bytes(r.CopyBytes)))
	}
	owners := map[string]bool{}
	for _, ro := range r.FSMO {
		if ro.Owner != "" {
			owners[ro.Owner] = true
		}
	}
	from := r.DC
	if len(owners) > 1 {
		from = fmt.Sprintf("%d domain controllers", len(owners))
	}
	cut := Phase{Name: "cut-over", Steps: []string{
		"copy the shares once more (only what changed since the files phase)",
		fmt.Sprintf("transfer the five FSMO roles from %s to this box", from),
		"make this box the DNS server the clients use",
		fmt.Sprintf("demote %s (or remove its metadata when it is gone), after confirmation", r.DC),
	}}
	adopt := Phase{Name: "adopt", Steps: []string{
		"write a site template from the result (possectl export)",
		"from then on the box is managed by that template; possectl plan of it is empty",
	}}
	if len(r.Refused) > 0 {
		adopt.Steps = append(adopt.Steps, fmt.Sprintf("%d users and groups whose names Posse refuses stay in the directory but out of the template until renamed", len(r.Refused)))
	}
	return []Phase{join, files, cut, adopt}
}

// WriteText prints the report for people. Everything that came from the
// old server is escaped, so no name drives the terminal.
func WriteText(w io.Writer, r *Report) error {
	p := printable.String
	var b strings.Builder
	fmt.Fprintf(&b, "Pre-flight of taking over %s from %s (%s)\n", p(r.Domain), p(r.DC), p(r.From))
	fmt.Fprintf(&b, "  realm %s, NetBIOS %s, base %s\n", p(r.Realm), p(r.NetBIOS), p(r.BaseDN))
	fmt.Fprintf(&b, "  domain level %s (%d), forest level %s (%d), schema %d (%s)\n",
		r.DomainLevelName, r.DomainLevel, r.ForestLevelName, r.ForestLevel, r.Schema, r.SchemaName)
	fmt.Fprintf(&b, "  %s (%d disabled), %s, %s (the domain's own accounts included)\n",
		plural(r.Users, "user", "users"), r.Disabled, plural(r.Groups, "group", "groups"), plural(r.Computers, "computer", "computers"))
	if len(r.DCs) > 0 {
		fmt.Fprintf(&b, "  domain controllers: %s\n", p(strings.Join(r.DCs, ", ")))
	}
	b.WriteString("\n")

	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tRESULT\tDETAIL")
	for _, c := range r.Checks {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", c.Name, c.Status, p(c.Detail))
	}
	tw.Flush()

	if len(r.FSMO) > 0 {
		b.WriteString("\nFSMO roles:\n")
		tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		for _, ro := range r.FSMO {
			fmt.Fprintf(tw, "  %s\t%s\n", ro.Role, p(ro.Owner))
		}
		tw.Flush()
	}

	if len(r.Shares) > 0 {
		b.WriteString("\nShares:\n")
		tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  NAME\tPATH\tFILES\tSIZE\tACL\tNOTE")
		for _, s := range r.Shares {
			files, size := "-", "-"
			if s.Walked {
				files, size = fmt.Sprint(s.Files), Bytes(s.Bytes)
			}
			acl := "-"
			if s.Owner != "" {
				acl = fmt.Sprintf("owner %s, %d entries", p(s.Owner), s.ACEs)
			}
			note := s.NameProblem
			switch {
			case s.DomainShare:
				note = "the domain's own share: comes with the join"
			case !strings.EqualFold(s.Type, "Disk"):
				note = s.Type + ": not copied"
			case strings.HasSuffix(s.Name, "$"):
				note = "administrative share: not copied"
			case s.WalkError != "":
				note = s.WalkError
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", p(s.Name), p(orDash(s.Path)), files, size, acl, p(note))
		}
		tw.Flush()
	}

	if len(r.Refused) > 0 {
		b.WriteString("\nNames Posse refuses:\n")
		for _, n := range r.Refused {
			fmt.Fprintf(&b, "  %s %s: %s\n    fix: %s\n", n.Kind, p(n.Name), p(n.Problem), p(n.Fix))
		}
	}

	b.WriteString("\nPlan of the later phases (none of them runs yet):\n")
	for i, ph := range r.Phases {
		fmt.Fprintf(&b, "  %d. %s\n", i+2, ph.Name)
		for _, s := range ph.Steps {
			fmt.Fprintf(&b, "     - %s\n", p(s))
		}
	}
	if r.Ready {
		b.WriteString("\nReady: no check failed. Nothing was changed.\n")
	} else {
		b.WriteString("\nNot ready: fix the failed checks above and run the pre-flight again. Nothing was changed.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
