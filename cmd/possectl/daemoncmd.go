// SPDX-License-Identifier: GPL-3.0-or-later

package main

// Helpers of the commands that only talk to possed (groups, shares, mail,
// job): connecting, possed's errors with what to do next, confirming a
// destructive change, and completing names from the box.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/internal/printable"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// possedClient connects to possed on this box or on --host, like the users
// commands do. These commands have no in-process path: --direct is a
// usage error.
func possedClient(c *cobra.Command) (*client.Client, error) {
	isDirect, err := direct()
	if err != nil {
		return nil, err
	}
	if isDirect {
		return nil, usageError{fmt.Errorf("%s always goes through possed: drop --direct", c.CommandPath())}
	}
	return dial(c.Context())
}

// possedError explains an error of possed. Refusals and a missing possed
// read as daemonError makes them (what: the action in words, group: the
// polkit group that may). possed checks every name itself, so its own
// message is passed on as it is, with control characters escaped, and
// followed by what to do next: for a name possed does not know, notFound
// (such as "see 'possectl groups list'").
func possedError(err error, what, group, notFound string) error {
	if err == nil {
		return nil
	}
	var ce *client.Error
	if !errors.As(err, &ce) {
		return err
	}
	if de := daemonError(err, what, group); de != err {
		return de
	}
	msg := printableLines(ce.Message)
	switch {
	case client.IsInvalidInput(err):
		return fmt.Errorf("%s\nnothing was changed: correct it and run the command again", msg)
	case client.IsNotFound(err) && notFound != "":
		return fmt.Errorf("%s: %s", msg, notFound)
	}
	return errors.New(msg)
}

// printableLines escapes control characters line by line, so a message of
// several lines keeps its lines.
func printableLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = printable.String(l)
	}
	return strings.Join(lines, "\n")
}

// stdinIsTerminal reports whether the command's stdin is a terminal that
// can answer a question; tests replace it.
var stdinIsTerminal = func(in io.Reader) bool {
	f, ok := in.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// confirmChange asks question on the terminal (on stderr, so that stdout
// stays clean for --json) and returns nil only for the answer "yes".
// Without a terminal it refuses: scripts say --yes.
func confirmChange(c *cobra.Command, question string) error {
	in := c.InOrStdin()
	if !stdinIsTerminal(in) {
		return usageError{fmt.Errorf("%s asks for confirmation, but stdin is not a terminal: pass --yes", c.CommandPath())}
	}
	fmt.Fprintf(c.ErrOrStderr(), "%s Only 'yes' is accepted: ", question)
	line, _ := bufio.NewReader(in).ReadString('\n')
	if strings.TrimSpace(line) != "yes" {
		return fmt.Errorf("%s cancelled: nothing was changed", c.CommandPath())
	}
	return nil
}

// printSafeJSON prints v with printJSON, with the characters JSON leaves
// as they are but a terminal would act on (DEL, C1 controls, direction
// marks and overrides) written as \u escapes. Outside strings JSON has
// none of them, so the document means the same; a person who runs --json
// on a terminal sees them escaped, as in the tables.
func printSafeJSON(w io.Writer, v any) error {
	var b strings.Builder
	if err := printJSON(&b, v); err != nil {
		return err
	}
	var out strings.Builder
	for _, r := range b.String() {
		if r >= 0x7f && printable.String(string(r)) != string(r) {
			fmt.Fprintf(&out, `\u%04x`, r)
			continue
		}
		out.WriteRune(r)
	}
	_, err := io.WriteString(w, out.String())
	return err
}

// deletedJSON is what the deleting commands print with --json.
type deletedJSON struct {
	Deleted string `json:"deleted"`
}

// emptyIfNil makes a nil list print as [] in JSON.
func emptyIfNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// orDashList joins a list for a table cell, "-" when it is empty, with
// control characters escaped.
func orDashList(s []string) string {
	if len(s) == 0 {
		return "-"
	}
	return printable.String(strings.Join(s, ", "))
}

// completionTimeout bounds the call that completes a name: a shell waits
// for it.
const completionTimeout = 3 * time.Second

// completeFromBox completes an argument with names possed lists. names
// gets the arguments given so far and returns the candidates, or nil when
// this argument is not a name it knows. Any error (no possed, no right to
// list, an unknown host key) completes nothing; nothing is ever printed.
func completeFromBox(names func(ctx context.Context, cl *client.Client, args []string) ([]string, error)) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(c *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if connFlags.direct {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx := c.Context()
		if ctx == nil {
			ctx = context.Background()
		}
		ctx, cancel := context.WithTimeout(ctx, completionTimeout)
		defer cancel()
		cl, err := dial(ctx)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		defer cl.Close()
		all, err := names(ctx, cl, args)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []string
		for _, n := range all {
			// A name with control characters cannot be typed; one line
			// per candidate is the completion protocol.
			if n != printable.String(n) || strings.ContainsAny(n, "\t\n") {
				continue
			}
			if strings.HasPrefix(strings.ToLower(n), strings.ToLower(toComplete)) && !containsFold(args, n) {
				out = append(out, n)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// containsFold reports whether list holds s, ignoring case.
func containsFold(list []string, s string) bool {
	for _, l := range list {
		if strings.EqualFold(l, s) {
			return true
		}
	}
	return false
}

// findNamed picks the item whose key matches name case-insensitively (as
// possed compares group, share and alias names) out of a list from possed.
func findNamed[T any](items []T, err error, key func(T) string, name string) (T, bool, error) {
	var zero T
	if err != nil {
		return zero, false, err
	}
	for _, it := range items {
		if strings.EqualFold(key(it), name) {
			return it, true, nil
		}
	}
	return zero, false, nil
}

// namesOf lists the keys of a list from possed, for completions; a list
// that failed still yields what arrived, with its error.
func namesOf[T any](items []T, err error, key func(T) string) ([]string, error) {
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, key(it))
	}
	return out, err
}
