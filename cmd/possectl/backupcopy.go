// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/services/backup"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// copyJSON is one off-site copy in possectl backup status --json and
// possectl backup copy --json.
type copyJSON struct {
	Name       string `json:"name"`
	Repository string `json:"repository"`
	Schedule   string `json:"schedule"`
	// LastRunAt and LastResult ("success", "failed") are the last run's
	// start and outcome, LastError why it failed.
	LastRunAt  *time.Time `json:"last_run_at,omitempty"`
	LastResult string     `json:"last_result,omitempty"`
	LastError  string     `json:"last_error,omitempty"`
	// LastSuccessAt is the last successful run, Snapshots how many
	// snapshots the copy held after it.
	LastSuccessAt *time.Time `json:"last_success_at,omitempty"`
	Snapshots     int        `json:"snapshots"`
	// SizeBytes is what the copy's repository stores, measured after its
	// last successful run; absent when unknown.
	SizeBytes int64      `json:"size_bytes,omitempty"`
	NextRun   *time.Time `json:"next_run,omitempty"`
	Running   bool       `json:"running"`
}

// OK reports whether the copy's last run succeeded (true before the
// first run).
func (c copyJSON) OK() bool { return c.LastResult != "failed" }

func rfc3339(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil
	}
	return &t
}

// copyFromAPI converts possed's copy status.
func copyFromAPI(c api.CopyStatus) copyJSON {
	return copyJSON{Name: c.Name, Repository: c.Repository, Schedule: c.Schedule, LastRunAt: rfc3339(c.LastRun), LastResult: c.LastResult,
		LastError: c.LastError, LastSuccessAt: rfc3339(c.LastSuccess), Snapshots: int(c.Snapshots), SizeBytes: int64(c.SizeBytes), NextRun: rfc3339(c.NextRun), Running: c.Running}
}

// copyFromRuns builds a copy's status from the run log.
func copyFromRuns(runs []backup.RunRecord, cp backup.Copy) copyJSON {
	out := copyJSON{Name: cp.Name, Repository: cp.Repository, Schedule: cp.Schedule}
	last, ok := backup.LastCopy(runs, cp.Name)
	if !last.Start.IsZero() {
		t := last.Start
		out.LastRunAt, out.LastResult, out.LastError = &t, "success", last.Error
		if !last.OK() {
			out.LastResult = "failed"
		}
	}
	if !ok.Start.IsZero() {
		t := ok.Start
		out.LastSuccessAt, out.Snapshots = &t, ok.Snapshots
	}
	out.SizeBytes, _ = backup.LastSize(runs, backup.KindCopy, cp.Name)
	return out
}

// printCopies prints the copies' lines of possectl backup status.
func printCopies(w io.Writer, copies []copyJSON) {
	for _, c := range copies {
		state := "never ran"
		if c.LastRunAt != nil {
			state = "last run " + c.LastRunAt.Local().Format("2006-01-02 15:04") + ": ok"
			if !c.OK() {
				state = "last run " + c.LastRunAt.Local().Format("2006-01-02 15:04") + ": FAILED: " + c.LastError
			}
		}
		if c.Running {
			state += "; running now"
		}
		fmt.Fprintf(w, "copy %s\t%s (%s): %s\n", c.Name, c.Repository, c.Schedule, state)
		size := ""
		if c.SizeBytes > 0 {
			size = ", " + backup.Bytes(c.SizeBytes)
		}
		if c.LastSuccessAt != nil && !(c.LastRunAt != nil && c.LastSuccessAt.Equal(*c.LastRunAt)) {
			fmt.Fprintf(w, "\tlast success %s, %d snapshots%s\n", c.LastSuccessAt.Local().Format("2006-01-02 15:04"), c.Snapshots, size)
		} else if c.LastSuccessAt != nil {
			fmt.Fprintf(w, "\t%d snapshots in the copy%s\n", c.Snapshots, size)
		}
	}
}

// pickCopies returns the copies a backup copy command names: NAME, every
// one with --all, or the only one.
func pickCopies(have []string, args []string, all bool) ([]string, error) {
	switch {
	case len(have) == 0:
		return nil, errors.New("the site has no backup copies: add backup.copies to the template and apply it (see docs/backup.md)")
	case all && len(args) > 0:
		return nil, usageError{errors.New("name a copy or give --all, not both")}
	case all:
		return have, nil
	case len(args) == 0 && len(have) == 1:
		return have, nil
	case len(args) == 0:
		return nil, usageError{fmt.Errorf("name the copy to run (%s) or give --all", strings.Join(have, ", "))}
	}
	for _, h := range have {
		if h == args[0] {
			return args[:1], nil
		}
	}
	return nil, fmt.Errorf("no backup copy %q: the site has %s", args[0], strings.Join(have, ", "))
}

func backupCopyCmd() *cobra.Command {
	var scheduled, all, asJSON bool
	c := &cobra.Command{
		Use:   "copy [NAME | --all]",
		Short: "Copy the backup repository's snapshots to an off-site copy now",
		Long: `Run an off-site copy of the backup template's backup.copies now: restic copy
of the repository's snapshots into the copy's repository (initialised on its
first run), then the keep policy on the copy. NAME is a copy's name as
'possectl backup status' lists it; --all runs every copy in turn; with one
copy, NAME may be left out.

possed starts the copy's unit (posse-backup-copy-NAME.service, the one its
timer starts) and possectl waits for the result. With --direct (root on the
box) the copy runs in this process. --scheduled is what the unit runs: in
process, the run marked as the timer's. Exits 1 when a copy failed; the
failure is recorded and shown by 'possectl backup status'.`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageError{fmt.Errorf("%s takes at most one copy name\nrun '%s --help' for usage", c.CommandPath(), c.CommandPath())}
			}
			return nil
		},
		ValidArgsFunction: completeFromBox(func(ctx context.Context, cl *client.Client, args []string) ([]string, error) {
			if len(args) > 0 {
				return nil, nil
			}
			st, err := cl.BackupStatus(ctx)
			var names []string
			for _, cp := range st.Copies {
				names = append(names, cp.Name)
			}
			return names, err
		}),
		RunE: func(c *cobra.Command, args []string) error {
			if scheduled && connFlags.host != "" {
				return usageError{errors.New("--scheduled runs the copy in process on the box itself: drop --host")}
			}
			if !scheduled {
				cl, err := backupClient(c)
				if err != nil {
					return err
				}
				if cl != nil {
					defer cl.Close()
					return daemonCopy(c, cl, args, all, asJSON)
				}
			}
			_, cfg, env, cleanup, err := backupBox(c.Context())
			if err != nil {
				return err
			}
			defer cleanup()
			var have []string
			for _, cp := range cfg.Copies {
				have = append(have, cp.Name)
			}
			names, err := pickCopies(have, args, all)
			if err != nil {
				return err
			}
			out := c.OutOrStdout()
			recs := []backup.RunRecord{}
			var failed []string
			for _, n := range names {
				cp, _ := cfg.Copy(n)
				rec, err := backup.RunCopy(c.Context(), env, cfg, cp, backup.CopyOptions{Scheduled: scheduled})
				recs = append(recs, rec)
				if err != nil {
					failed = append(failed, fmt.Sprintf("copy %s failed: %v", n, err))
					continue
				}
				if !asJSON {
					fmt.Fprintf(out, "copy %s done in %.1fs: %d snapshots in %s (newest %s)\n", n, rec.Seconds, rec.Snapshots, cp.Repository, orDash(rec.SnapshotID))
					if rec.Warning != "" {
						fmt.Fprintln(out, "warning:", rec.Warning)
					}
				}
			}
			if asJSON {
				if err := printJSON(out, recs); err != nil {
					return err
				}
			}
			if len(failed) > 0 {
				return errors.New(strings.Join(failed, "; "))
			}
			return nil
		},
	}
	c.Flags().BoolVar(&all, "all", false, "run every copy, one after the other")
	c.Flags().BoolVar(&scheduled, "scheduled", false, "run in process as the timer's unit does, the run marked as scheduled")
	c.Flags().BoolVar(&asJSON, "json", false, "print the copies' results as JSON")
	return c
}

// daemonCopy has possed start each named copy and waits for its result.
func daemonCopy(c *cobra.Command, cl *client.Client, args []string, all, asJSON bool) error {
	ctx := c.Context()
	st, err := cl.BackupStatus(ctx)
	if err != nil {
		return backupError(err)
	}
	if !st.Configured {
		return errNoBackup()
	}
	var have []string
	for _, cp := range st.Copies {
		have = append(have, cp.Name)
	}
	names, err := pickCopies(have, args, all)
	if err != nil {
		return err
	}
	out := c.OutOrStdout()
	results := []copyJSON{}
	var failed []string
	for _, n := range names {
		res, took, err := daemonCopyOne(c, cl, n, asJSON)
		if err != nil {
			return err
		}
		results = append(results, res)
		if !res.OK() {
			failed = append(failed, fmt.Sprintf("copy %s failed after %s: %s", n, took, res.LastError))
			continue
		}
		if !asJSON {
			fmt.Fprintf(out, "copy %s done in %s: %d snapshots in %s\n", n, took, res.Snapshots, res.Repository)
		}
	}
	if asJSON {
		if err := printJSON(out, results); err != nil {
			return err
		}
	}
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "; "))
	}
	return nil
}

// findCopy returns the copy named name of a backup status.
func findCopy(st api.BackupStatus, name string) (api.CopyStatus, bool) {
	for _, cp := range st.Copies {
		if cp.Name == name {
			return cp, true
		}
	}
	return api.CopyStatus{}, false
}

// daemonCopyOne starts one copy through possed and waits until its run is
// recorded.
func daemonCopyOne(c *cobra.Command, cl *client.Client, name string, asJSON bool) (copyJSON, time.Duration, error) {
	ctx := c.Context()
	out := c.OutOrStdout()
	unit := backup.CopyServiceUnit(name)
	st, err := cl.BackupStatus(ctx)
	if err != nil {
		return copyJSON{}, 0, backupError(err)
	}
	before, _ := findCopy(st, name)
	if err := cl.RunCopy(ctx, name); err != nil {
		return copyJSON{}, 0, backupError(err)
	}
	start := time.Now()
	tty := !asJSON && term.IsTerminal(int(os.Stdout.Fd()))
	if !tty && !asJSON {
		fmt.Fprintf(out, "copy %s started on %s (%s); waiting for it to finish\n", name, box(), unit)
	}
	clear := func() {
		if tty {
			fmt.Fprint(out, "\r\033[K")
		}
	}
	sawRunning := before.Running
	var stopped time.Time // when the unit was first seen stopped without a new record
	tick := time.NewTicker(runPoll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			clear()
			return copyJSON{}, 0, fmt.Errorf("stopped waiting; copy %s goes on on %s: see 'possectl backup status'", name, box())
		case <-tick.C:
		}
		st, err := cl.BackupStatus(ctx)
		if err != nil {
			clear()
			return copyJSON{}, 0, backupError(err)
		}
		now, ok := findCopy(st, name)
		if !ok {
			clear()
			return copyJSON{}, 0, fmt.Errorf("copy %s is no longer in the site applied on %s", name, box())
		}
		if now.Running {
			sawRunning = true
		}
		if tty {
			fmt.Fprintf(out, "\r\033[Kcopying to %s on %s  %s", name, box(), time.Since(start).Round(time.Second))
		}
		if now.Running {
			stopped = time.Time{}
			continue
		}
		if now.LastRun == before.LastRun && sawRunning {
			// Looks stopped but not recorded yet: wait a little (runRecordGrace).
			if stopped.IsZero() {
				stopped = time.Now()
			}
			if time.Since(stopped) <= runRecordGrace {
				continue
			}
		}
		if now.LastRun != before.LastRun || sawRunning {
			clear()
			if now.LastRun == "" || now.LastRun == before.LastRun {
				return copyJSON{}, 0, fmt.Errorf("%s ended without recording a run on %s: see 'journalctl -u %s'", unit, box(), unit)
			}
			return copyFromAPI(now), time.Since(start).Round(100 * time.Millisecond), nil
		}
		if time.Since(start) > runStartGrace {
			clear()
			return copyJSON{}, 0, fmt.Errorf("%s did not run within %s of being started on %s: see 'systemctl status %s' and 'journalctl -u %s'", unit, runStartGrace, box(), unit, unit)
		}
	}
}
