// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon/api"
	possed "github.com/posse-project/posse/daemon/box"
	"github.com/posse-project/posse/provisioning"
	"github.com/posse-project/posse/provisioning/apply"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/backup"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

func init() {
	c := &cobra.Command{
		Use:   "backup",
		Short: "Back up and restore this box with restic",
		Long: `Back up the site applied to the box (directory, shares, homes, mail, Posse's
state and configs) into the restic repository of its template, list and
browse snapshots, restore a file, a home or a mailbox, or rebuild a freshly
installed box from the repository (restore-site). share-snapshots,
browse-share and restore-files bring back files of the shares and home
folders by share name, without box paths: office managers may.

status, run, snapshots, ls and restore ask possed on the box (this one, or
--host): reading the status is open to posse-office, the others need
posse-admin; polkit decides. With --direct (root on the box) they run restic
in this process instead. setup, check and restore-site always run in this
process as root on the box: they configure or rebuild the box itself (or,
for check, are what the weekly timer runs).`,
	}
	c.AddCommand(backupRunCmd(), backupCheckCmd(), backupStatusCmd(), backupSnapshotsCmd(),
		backupLsCmd(), backupRestoreCmd(), backupRestoreSiteCmd(), backupSetupCmd(), backupDrillCmd(), backupCopyCmd(),
		backupShareSnapshotsCmd(), backupBrowseShareCmd(), backupRestoreFilesCmd())
	rootCmd.AddCommand(c)
}

// backupBox loads the applied site and its secrets and connects to the box.
func backupBox(ctx context.Context) (*site.Site, backup.Config, *host.Env, func(), error) {
	s, secrets, err := provisioning.LoadApplied(&host.Env{Root: "/", StateDir: host.DefaultStateDir})
	if err != nil {
		return nil, backup.Config{}, nil, nil, err
	}
	cfg, ok := backup.FromSite(s)
	if !ok {
		return nil, backup.Config{}, nil, nil, errors.New("the applied site has no backup section: add one to the template and apply it")
	}
	env, cleanup, err := boxEnv(ctx, secrets)
	if err != nil {
		return nil, backup.Config{}, nil, nil, err
	}
	env.Runner = backup.StreamRunner{Runner: env.Runner}
	return s, cfg, env, cleanup, nil
}

// backupClient returns a client of possed for a backup command, or nil
// with --direct, when the command runs restic in this process.
func backupClient(c *cobra.Command) (*client.Client, error) {
	isDirect, err := direct()
	if err != nil || isDirect {
		return nil, err
	}
	return dial(c.Context())
}

// backupError explains possed's refusals of the backup methods that need
// the site action (run, snapshots, browse, restore).
func backupError(err error) error {
	return daemonError(err, "manage backups", groupAdmin)
}

// backupStatusError explains refusals of reading the backup status.
func backupStatusError(err error) error {
	return daemonError(err, "read the backup status", groupOffice)
}

// localOnly refuses --host for the commands that change or rebuild the
// box they run on (they never go through possed).
func localOnly(c *cobra.Command) error {
	if connFlags.host == "" {
		return nil
	}
	return usageError{fmt.Errorf("%s runs in process as root on the box itself, not through possed: drop --host and run it there (e.g. ssh %s possectl %s)", c.CommandPath(), connFlags.host, strings.TrimPrefix(c.CommandPath(), "possectl "))}
}

// errNoBackup is the answer for a site without a backup section.
func errNoBackup() error {
	return fmt.Errorf("the site applied on %s has no backup section: add one to the template and apply it", box())
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func backupRunCmd() *cobra.Command {
	var scheduled, asJSON bool
	c := &cobra.Command{
		Use:   "run",
		Short: "Back up now and wait for the result (progress on a terminal), then apply the retention policy",
		Long: `Back up now. possed starts posse-backup.service on the box (the unit the
timer starts) and possectl waits for it, showing the elapsed time on a
terminal, then prints the result; interrupting possectl does not stop the
backup. With --direct (root on the box) the backup runs in this process and
shows restic's progress. --scheduled is what the unit itself runs: in
process, no progress, the run marked as the timer's.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if scheduled && connFlags.host != "" {
				return usageError{errors.New("--scheduled runs the backup in process on the box itself: drop --host")}
			}
			if !scheduled {
				cl, err := backupClient(c)
				if err != nil {
					return err
				}
				if cl != nil {
					defer cl.Close()
					return daemonRun(c, cl, asJSON)
				}
			}
			_, cfg, env, cleanup, err := backupBox(c.Context())
			if err != nil {
				return err
			}
			defer cleanup()
			out := c.OutOrStdout()
			opt := backup.RunOptions{Scheduled: scheduled}
			tty := !asJSON && !scheduled && term.IsTerminal(int(os.Stdout.Fd()))
			if tty {
				var last time.Time
				opt.Progress = func(s backup.Status) {
					if time.Since(last) < 200*time.Millisecond && s.PercentDone < 1 {
						return
					}
					last = time.Now()
					fmt.Fprintf(out, "\r\033[K%5.1f%%  %d/%d files  %s/%s", s.PercentDone*100, s.FilesDone, s.TotalFiles, backup.Bytes(s.BytesDone), backup.Bytes(s.TotalBytes))
				}
			}
			rec, err := backup.RunBackup(c.Context(), env, cfg, opt)
			if tty {
				fmt.Fprint(out, "\r\033[K")
			}
			if asJSON {
				if jerr := printJSON(out, rec); jerr != nil {
					return jerr
				}
			} else if err == nil {
				fmt.Fprintf(out, "snapshot %s: %d new, %d changed, %d unchanged files, %s added, in %.1fs (directory dump %.1fs, restic backup %.1fs, retention %.1fs)\n",
					rec.SnapshotID, rec.FilesNew, rec.FilesChanged, rec.FilesUnmodified, backup.Bytes(rec.BytesAdded), rec.Seconds, rec.DumpSeconds, rec.BackupSeconds, rec.ForgetSeconds)
				if rec.Warning != "" {
					fmt.Fprintln(out, "warning:", rec.Warning)
				}
			}
			if err != nil {
				return fmt.Errorf("backup failed: %w", err)
			}
			return nil
		},
	}
	c.Flags().BoolVar(&scheduled, "scheduled", false, "run in process as the timer's unit does: no progress, the run marked as scheduled")
	c.Flags().BoolVar(&asJSON, "json", false, "print the run's result as JSON (with possed: the backup status after the run)")
	return c
}

// Timing of daemonRun: how often it asks possed, how long the unit may
// take to start (a queued start waits for network-online.target), and how
// long a unit that looks stopped may take to show its run's record (a
// state read that failed under load shows a running unit as stopped).
var (
	runPoll        = time.Second
	runStartGrace  = 3 * time.Minute
	runRecordGrace = 15 * time.Second
)

// daemonRun asks possed to start a backup and waits until the run is
// recorded: possed's Run returns once systemd took the job, and the backup
// status tells when the unit is running and what the last run did.
func daemonRun(c *cobra.Command, cl *client.Client, asJSON bool) error {
	ctx := c.Context()
	out := c.OutOrStdout()
	before, err := cl.BackupStatus(ctx)
	if err != nil {
		return backupError(err)
	}
	if !before.Configured {
		return errNoBackup()
	}
	if err := cl.RunBackup(ctx); err != nil {
		return backupError(err)
	}
	start := time.Now()
	tty := !asJSON && term.IsTerminal(int(os.Stdout.Fd()))
	if !tty && !asJSON {
		fmt.Fprintf(out, "backup started on %s (posse-backup.service); waiting for it to finish\n", box())
	}
	spin := []rune("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")
	frame := 0
	sawRunning := before.Running
	var stopped time.Time // when the unit was first seen stopped without a new record
	tick := time.NewTicker(runPoll)
	defer tick.Stop()
	var st api.BackupStatus
	for {
		select {
		case <-ctx.Done():
			if tty {
				fmt.Fprint(out, "\r\033[K")
			}
			return fmt.Errorf("stopped waiting; the backup goes on on %s: see 'possectl backup status'", box())
		case <-tick.C:
		}
		st, err = cl.BackupStatus(ctx)
		if err != nil {
			if tty {
				fmt.Fprint(out, "\r\033[K")
			}
			return backupError(err)
		}
		if st.Running {
			sawRunning = true
		}
		if tty {
			what := "waiting for posse-backup.service to start"
			if sawRunning {
				what = "backing up"
			}
			fmt.Fprintf(out, "\r\033[K%c %s on %s  %s", spin[frame%len(spin)], what, box(), time.Since(start).Round(time.Second))
			frame++
		}
		if st.Running {
			stopped = time.Time{}
			continue
		}
		if st.LastRun != before.LastRun {
			break
		}
		if sawRunning {
			if stopped.IsZero() {
				stopped = time.Now()
			}
			if time.Since(stopped) > runRecordGrace {
				break
			}
			continue
		}
		if time.Since(start) > runStartGrace {
			if tty {
				fmt.Fprint(out, "\r\033[K")
			}
			return fmt.Errorf("posse-backup.service did not run within %s of being started on %s: see 'systemctl status posse-backup.service' and 'journalctl -u posse-backup.service'", runStartGrace, box())
		}
	}
	if tty {
		fmt.Fprint(out, "\r\033[K")
	}
	if st.LastRun == "" || st.LastRun == before.LastRun {
		return fmt.Errorf("posse-backup.service ended without recording a run on %s: see 'journalctl -u posse-backup.service'", box())
	}
	res, herr := daemonBackupStatus(ctx, cl, st)
	if herr != nil {
		return herr
	}
	if asJSON {
		if err := printJSON(out, res); err != nil {
			return err
		}
	}
	took := time.Since(start).Round(100 * time.Millisecond)
	if st.LastResult != "success" {
		return fmt.Errorf("backup failed after %s: %s", took, res.Detail)
	}
	if !asJSON {
		// possed's health of a good backup carries no detail; the newest
		// snapshot is the one this run made.
		done := res.Detail
		if snaps, err := cl.Snapshots(ctx); err == nil && len(snaps) > 0 {
			done = "snapshot " + shortID(snaps[len(snaps)-1].ID)
			if res.Detail != "" {
				done += "; " + res.Detail
			}
		}
		fmt.Fprintf(out, "backup done in %s: %s\n", took, done)
	}
	return nil
}

func backupCheckCmd() *cobra.Command {
	var scheduled bool
	c := &cobra.Command{
		Use:   "check",
		Short: "Check the repository's integrity (restic check); the weekly timer runs this",
		Long: `Run restic check on the repository, in this process as root on the box (the
weekly timer's unit runs this; possed has no check method), and log the
result as a check record that status and health read.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := localOnly(c); err != nil {
				return err
			}
			_, cfg, env, cleanup, err := backupBox(c.Context())
			if err != nil {
				return err
			}
			defer cleanup()
			rec, err := backup.RunCheck(c.Context(), env, cfg, scheduled)
			if err != nil {
				return fmt.Errorf("repository check failed: %w", err)
			}
			fmt.Fprintf(c.OutOrStdout(), "repository %s is fine (checked in %.1fs)\n", cfg.Repository, rec.Seconds)
			return nil
		},
	}
	c.Flags().BoolVar(&scheduled, "scheduled", false, "mark the run as started by the timer")
	return c
}

// BackupStatus is what possectl backup status --json prints. possed
// reports the fields up to Detail; the run records (last_run,
// last_success, last_check) come with --direct only.
type BackupStatus struct {
	Repository string `json:"repository"`
	Schedule   string `json:"schedule"`
	// LastRunAt and LastResult ("success", "failed") are the last
	// backup's start and outcome; absent before the first run.
	LastRunAt  *time.Time `json:"last_run_at,omitempty"`
	LastResult string     `json:"last_result,omitempty"`
	Running    bool       `json:"running"`
	NextRun    *time.Time `json:"next_run,omitempty"`
	Healthy    bool       `json:"healthy"`
	Detail     string     `json:"detail"`
	// SizeBytes is what the repository stores, measured after the last
	// successful backup (restic stats --mode raw-data); absent when
	// unknown.
	SizeBytes int64 `json:"size_bytes,omitempty"`

	LastRun   *backup.RunRecord  `json:"last_run,omitempty"`
	LastOK    *backup.RunRecord  `json:"last_success,omitempty"`
	LastCheck *backup.RunRecord  `json:"last_check,omitempty"`
	LastDrill *backup.RunRecord  `json:"last_drill,omitempty"`
	Runs      []backup.RunRecord `json:"-"`
	// Copies are the off-site copies and their last runs.
	Copies []copyJSON `json:"copies,omitempty"`
}

func backupStatusCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "status",
		Short: "Show the last backup, its age and the next scheduled run",
		Long: `Ask possed on the box for the backup's repository, schedule, last run and
its result, the next scheduled run and the backup's health. With --direct
(root on the box) the run log is read in this process and the last run,
last success and last check are shown in full. Exits 1 when the backup is
not healthy.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cl, err := backupClient(c)
			if err != nil {
				return err
			}
			var st BackupStatus
			if cl != nil {
				defer cl.Close()
				raw, err := cl.BackupStatus(c.Context())
				if err != nil {
					return backupStatusError(err)
				}
				if !raw.Configured {
					return errNoBackup()
				}
				if st, err = daemonBackupStatus(c.Context(), cl, raw); err != nil {
					return err
				}
			} else if st, err = directBackupStatus(c); err != nil {
				return err
			}
			out := c.OutOrStdout()
			if asJSON {
				if err := printJSON(out, st); err != nil {
					return err
				}
			} else {
				printBackupStatus(out, st)
			}
			if !st.Healthy {
				return fmt.Errorf("backup is not healthy: %s", st.Detail)
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the status as JSON")
	return c
}

// daemonBackupStatus completes possed's backup status with the backup's
// health.
func daemonBackupStatus(ctx context.Context, cl *client.Client, raw api.BackupStatus) (BackupStatus, error) {
	st := BackupStatus{Repository: raw.Repository, Schedule: raw.Schedule, LastResult: raw.LastResult, Running: raw.Running, SizeBytes: int64(raw.SizeBytes)}
	for _, cp := range raw.Copies {
		st.Copies = append(st.Copies, copyFromAPI(cp))
	}
	if t, err := time.Parse(time.RFC3339, raw.LastRun); err == nil {
		st.LastRunAt = &t
	}
	if t, err := time.Parse(time.RFC3339, raw.NextRun); err == nil {
		st.NextRun = &t
	}
	hs, err := cl.Health(ctx, backup.Name)
	if err != nil {
		return st, backupStatusError(err)
	}
	if len(hs) == 0 {
		return st, fmt.Errorf("possed reported no health for the backup on %s", box())
	}
	st.Healthy, st.Detail = hs[0].Healthy, hs[0].Detail
	if st.Healthy && st.Detail == "" {
		st.Detail = "no backup yet"
		if st.LastRunAt != nil {
			st.Detail = "last backup " + backup.Age(time.Since(*st.LastRunAt)) + " ago"
		}
	}
	return st, nil
}

// directBackupStatus reads the run log, the timer and the health in this
// process.
func directBackupStatus(c *cobra.Command) (BackupStatus, error) {
	s, cfg, env, cleanup, err := backupBox(c.Context())
	if err != nil {
		return BackupStatus{}, err
	}
	defer cleanup()
	runs, err := backup.ReadRuns(env)
	if err != nil {
		return BackupStatus{}, err
	}
	st := BackupStatus{Repository: cfg.Repository, Schedule: cfg.Schedule}
	st.SizeBytes, _ = backup.LastSize(runs, backup.KindBackup, "")
	if last, ok := backup.Last(runs, backup.KindBackup); !last.Start.IsZero() {
		st.LastRun = &last
		t := last.Start
		st.LastRunAt, st.LastResult = &t, "success"
		if !last.OK() {
			st.LastResult = "failed"
		}
		if !ok.Start.IsZero() {
			st.LastOK = &ok
		}
	}
	if chk, _ := backup.Last(runs, backup.KindCheck); !chk.Start.IsZero() {
		st.LastCheck = &chk
	}
	if d, _ := backup.Last(runs, backup.KindDrill); !d.Start.IsZero() {
		st.LastDrill = &d
	}
	if t, ok := backup.NextRun(c.Context(), env); ok {
		st.NextRun = &t
	}
	if res, err := env.Runner.Run(c.Context(), host.Cmd{Argv: []string{"systemctl", "show", "-p", "ActiveState", "--value", backup.ServiceUnit}}); err == nil {
		st.Running = strings.TrimSpace(string(res.Stdout)) == "activating"
	}
	for _, cp := range cfg.Copies {
		cj := copyFromRuns(runs, cp)
		if t, ok := backup.NextElapse(c.Context(), env, backup.CopyTimerUnit(cp.Name)); ok {
			cj.NextRun = &t
		}
		if res, err := env.Runner.Run(c.Context(), host.Cmd{Argv: []string{"systemctl", "show", "-p", "ActiveState", "--value", backup.CopyServiceUnit(cp.Name)}}); err == nil {
			cj.Running = strings.TrimSpace(string(res.Stdout)) == "activating"
		}
		st.Copies = append(st.Copies, cj)
	}
	detail, herr := backup.New().Health(c.Context(), s, env)
	st.Healthy, st.Detail = herr == nil, detail
	if herr != nil {
		st.Detail = herr.Error()
	}
	return st, nil
}

func printBackupStatus(out io.Writer, st BackupStatus) {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "repository\t%s\n", st.Repository)
	fmt.Fprintf(tw, "schedule\t%s\n", st.Schedule)
	if r := st.LastRun; r != nil {
		state := "ok"
		if !r.OK() {
			state = "FAILED: " + r.Error
		}
		fmt.Fprintf(tw, "last run\t%s (%s ago, %.1fs): %s\n", r.Start.Local().Format("2006-01-02 15:04"), backup.Age(time.Since(r.Start)), r.Seconds, state)
	} else if t := st.LastRunAt; t != nil {
		state := "ok"
		if st.LastResult != "success" {
			state = "FAILED (see health)"
		}
		fmt.Fprintf(tw, "last run\t%s (%s ago): %s\n", t.Local().Format("2006-01-02 15:04"), backup.Age(time.Since(*t)), state)
	} else {
		fmt.Fprintf(tw, "last run\tnever\n")
	}
	if st.Running {
		fmt.Fprintf(tw, "running\tyes, a backup is running now\n")
	}
	if st.SizeBytes > 0 {
		fmt.Fprintf(tw, "size\t%s in the repository\n", backup.Bytes(st.SizeBytes))
	}
	if r := st.LastOK; r != nil {
		fmt.Fprintf(tw, "last success\t%s, snapshot %s, %d new, %d changed files, %s added\n", r.Start.Local().Format("2006-01-02 15:04"), r.SnapshotID, r.FilesNew, r.FilesChanged, backup.Bytes(r.BytesAdded))
	}
	if r := st.LastCheck; r != nil {
		state := "ok"
		if !r.OK() {
			state = "FAILED: " + r.Error
		}
		fmt.Fprintf(tw, "last check\t%s: %s\n", r.Start.Local().Format("2006-01-02 15:04"), state)
	}
	if r := st.LastDrill; r != nil {
		state := "ok"
		if !r.OK() {
			state = "FAILED: " + r.Error
		}
		fmt.Fprintf(tw, "last drill\t%s: %s\n", r.Start.Local().Format("2006-01-02 15:04"), state)
	}
	if st.NextRun != nil {
		fmt.Fprintf(tw, "next run\t%s (in %s)\n", st.NextRun.Local().Format("2006-01-02 15:04"), backup.Age(time.Until(*st.NextRun)))
	} else {
		fmt.Fprintf(tw, "next run\tunknown (is posse-backup.timer enabled?)\n")
	}
	printCopies(tw, st.Copies)
	health := "ok"
	if !st.Healthy {
		health = "FAILED"
	}
	fmt.Fprintf(tw, "health\t%s: %s\n", health, st.Detail)
	tw.Flush()
}

// snapshotJSON is one snapshot of possectl backup snapshots --json.
// possed does not report the host name.
type snapshotJSON struct {
	ID       string    `json:"id"`
	ShortID  string    `json:"short_id"`
	Time     time.Time `json:"time"`
	Paths    []string  `json:"paths"`
	Hostname string    `json:"hostname,omitempty"`
	Tags     []string  `json:"tags,omitempty"`
}

func backupSnapshotsCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "snapshots",
		Short: "List the snapshots in the repository, oldest first",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			snaps := []snapshotJSON{}
			cl, err := backupClient(c)
			if err != nil {
				return err
			}
			if cl != nil {
				defer cl.Close()
				got, err := cl.Snapshots(c.Context())
				if err != nil {
					return backupError(err)
				}
				for _, s := range got {
					t, _ := time.Parse(time.RFC3339, s.Time)
					snaps = append(snaps, snapshotJSON{ID: s.ID, ShortID: shortID(s.ID), Time: t, Paths: s.Paths, Hostname: s.Host, Tags: s.Tags})
				}
			} else {
				_, cfg, env, cleanup, err := backupBox(c.Context())
				if err != nil {
					return err
				}
				defer cleanup()
				got, err := backup.NewRestic(env, cfg.Repository).Snapshots(c.Context())
				if err != nil {
					return err
				}
				for _, s := range got {
					snaps = append(snaps, snapshotJSON{ID: s.ID, ShortID: s.ShortID, Time: s.Time, Paths: s.Paths, Hostname: s.Hostname, Tags: s.Tags})
				}
			}
			out := c.OutOrStdout()
			if asJSON {
				return printJSON(out, snaps)
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tTIME\tHOST\tTAGS")
			for _, s := range snaps {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.ShortID, s.Time.Local().Format("2006-01-02 15:04:05"), orDash(s.Hostname), strings.Join(s.Tags, ","))
			}
			return tw.Flush()
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the snapshots as JSON")
	return c
}

// shortID is restic's short form of a snapshot id.
func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// entryJSON is one entry of possectl backup ls --json through possed.
type entryJSON struct {
	Name  string    `json:"name"`
	Type  string    `json:"type"`
	Path  string    `json:"path"`
	Size  uint64    `json:"size"`
	MTime time.Time `json:"mtime"`
}

func backupLsCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "ls SNAPSHOT [PATH]",
		Short: "List a folder of a snapshot (\"latest\" or an ID); default /",
		Long: `List the entries of PATH (default /) in SNAPSHOT ("latest" or an ID).
possed lists PATH's direct entries (type, size, time); with --direct restic
ls runs in this process and shows owners and permissions too.`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return usageError{fmt.Errorf("%s needs a snapshot and optionally a path\nrun '%s --help' for usage", c.CommandPath(), c.CommandPath())}
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			dir := ""
			if len(args) == 2 {
				dir = args[1]
			}
			cl, err := backupClient(c)
			if err != nil {
				return err
			}
			out := c.OutOrStdout()
			if cl != nil {
				defer cl.Close()
				if dir == "" {
					dir = "/"
				}
				if dir != "/" {
					dir = strings.TrimRight(dir, "/")
				}
				es, err := cl.Browse(c.Context(), args[0], dir)
				if err != nil {
					return backupError(err)
				}
				list := make([]entryJSON, 0, len(es))
				for _, e := range es {
					t, _ := time.Parse(time.RFC3339, e.ModTime)
					list = append(list, entryJSON{Name: path.Base(e.Path), Type: e.Type, Path: e.Path, Size: e.Size, MTime: t})
				}
				if asJSON {
					return printJSON(out, list)
				}
				tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				for _, e := range list {
					name := e.Path
					if e.Type == "dir" {
						name += "/"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.Type, backup.Bytes(int64(min(e.Size, math.MaxInt64))), e.MTime.Local().Format("2006-01-02 15:04"), name)
				}
				return tw.Flush()
			}
			_, cfg, env, cleanup, err := backupBox(c.Context())
			if err != nil {
				return err
			}
			defer cleanup()
			_, nodes, err := backup.NewRestic(env, cfg.Repository).Ls(c.Context(), args[0], dir)
			if err != nil {
				return err
			}
			if asJSON {
				if nodes == nil {
					nodes = []backup.Node{}
				}
				return printJSON(out, nodes)
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			for _, n := range nodes {
				fmt.Fprintf(tw, "%s\t%d:%d\t%s\t%s\t%s\n", n.Perm, n.UID, n.GID, backup.Bytes(n.Size), n.MTime.Local().Format("2006-01-02 15:04"), n.Path)
			}
			return tw.Flush()
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the entries as JSON")
	return c
}

func backupRestoreCmd() *cobra.Command {
	var opt backup.RestoreOptions
	var home, mailbox string
	var asJSON bool
	c := &cobra.Command{
		Use:   "restore SNAPSHOT [PATH...]",
		Short: "Restore files, a home (--home USER) or a mailbox (--mailbox USER) from a snapshot",
		Long: `Restore from SNAPSHOT ("latest" or an ID), through possed on the box. In
place, missing files are put back, identical ones left alone, and a file
that differs from the backup is never overwritten: the restored one goes
next to it as "NAME (restored DATE).EXT", DATE being the snapshot's date.
With --to DIR the paths are restored below DIR (full paths kept) and nothing
in place is touched. --overwrite (replace files that differ) works only with
--direct, as root on the box, where the restore runs in this process.`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) < 1 {
				return usageError{fmt.Errorf("%s needs a snapshot (\"latest\" or an ID)\nrun '%s --help' for usage", c.CommandPath(), c.CommandPath())}
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			cl, err := backupClient(c)
			if err != nil {
				return err
			}
			if cl != nil {
				defer cl.Close()
				if c.Flags().Changed("overwrite") {
					return usageError{errors.New("--overwrite works only with --direct, as root on the box: possed never overwrites a file that differs (it restores the backup next to it)")}
				}
			}
			opt.Snapshot, opt.Paths = args[0], args[1:]
			if home != "" {
				p, err := backup.HomePath(home)
				if err != nil {
					return usageError{err}
				}
				opt.Paths = append(opt.Paths, p)
			}
			if mailbox != "" {
				var s *site.Site
				if cl != nil {
					s, err = exportedSite(c.Context(), cl)
				} else {
					s, _, err = provisioning.LoadApplied(&host.Env{Root: "/", StateDir: host.DefaultStateDir})
				}
				if err != nil {
					return err
				}
				ps, err := backup.MailboxPaths(s, mailbox)
				if err != nil {
					return usageError{err}
				}
				opt.Paths = append(opt.Paths, ps...)
				opt.SkipMissing, opt.Maildir = true, true
			}
			if len(opt.Paths) == 0 {
				return usageError{fmt.Errorf("name a PATH, --home USER or --mailbox USER to restore")}
			}
			if cl != nil {
				return daemonRestore(c, cl, opt, asJSON)
			}
			_, cfg, env, cleanup, err := backupBox(c.Context())
			if err != nil {
				return err
			}
			defer cleanup()
			res, err := backup.Restore(c.Context(), env, cfg.Repository, opt)
			if err != nil {
				return fmt.Errorf("restore failed: %w", err)
			}
			out := c.OutOrStdout()
			if asJSON {
				return printJSON(out, res)
			}
			if res.To != "" {
				fmt.Fprintf(out, "restored %s from snapshot %s into %s\n", strings.Join(opt.Paths, ", "), res.Snapshot.ShortID, res.To)
				return nil
			}
			for _, p := range res.Restored {
				fmt.Fprintf(out, "restored     %s\n", p)
			}
			for _, p := range res.Overwritten {
				fmt.Fprintf(out, "overwritten  %s\n", p)
			}
			for _, b := range res.Beside {
				fmt.Fprintf(out, "kept both    %s  (backup restored as %s)\n", b.Path, b.As)
			}
			fmt.Fprintf(out, "snapshot %s of %s: %d restored, %d overwritten, %d next to a changed file, %d unchanged\n",
				res.Snapshot.ShortID, res.Snapshot.Time.Local().Format("2006-01-02 15:04"), len(res.Restored), len(res.Overwritten), len(res.Beside), res.Unchanged)
			return nil
		},
	}
	c.Flags().StringVar(&opt.To, "to", "", "restore below this directory instead of in place")
	c.Flags().BoolVar(&opt.Overwrite, "overwrite", false, "replace files that differ from the backup (only with --direct)")
	c.Flags().StringVar(&home, "home", "", "restore this user's home folder")
	c.Flags().StringVar(&mailbox, "mailbox", "", "restore this user's mailbox (missing messages come back)")
	c.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return c
}

// exportedSite is the site applied on the box, as possed exports it
// (without secret values), for the mail domains of --mailbox.
func exportedSite(ctx context.Context, cl *client.Client) (*site.Site, error) {
	raw, err := cl.Export(ctx)
	if err != nil {
		return nil, backupError(err)
	}
	s, err := site.Parse("applied site", raw)
	if s == nil {
		return nil, fmt.Errorf("cannot read the site applied on %s: %w", box(), err)
	}
	return s, nil
}

// restoreJSON is possectl backup restore --json through possed.
type restoreJSON struct {
	Snapshot  string          `json:"snapshot"`
	To        string          `json:"to,omitempty"`
	Restored  []string        `json:"restored"`
	Beside    []backup.Beside `json:"beside"`
	Unchanged int             `json:"unchanged"`
}

// daemonRestore has possed restore opt's paths (possed picks the mailbox
// merge for paths below the Maildirs itself).
func daemonRestore(c *cobra.Command, cl *client.Client, opt backup.RestoreOptions, asJSON bool) error {
	r, err := cl.Restore(c.Context(), opt.Snapshot, opt.Paths, opt.To)
	if err != nil {
		if client.IsNotAuthorized(err) {
			return backupError(err)
		}
		return fmt.Errorf("restore failed: %w", backupError(err))
	}
	res := restoreJSON{Snapshot: r.Snapshot, To: r.To, Restored: r.Restored, Beside: []backup.Beside{}, Unchanged: int(r.Unchanged)}
	if res.Restored == nil {
		res.Restored = []string{}
	}
	for _, b := range r.Beside {
		p, as, _ := strings.Cut(b, " → ")
		res.Beside = append(res.Beside, backup.Beside{Path: p, As: as})
	}
	out := c.OutOrStdout()
	if asJSON {
		return printJSON(out, res)
	}
	if res.To != "" {
		fmt.Fprintf(out, "restored %s from snapshot %s into %s\n", strings.Join(opt.Paths, ", "), shortID(res.Snapshot), res.To)
		return nil
	}
	for _, p := range res.Restored {
		fmt.Fprintf(out, "restored     %s\n", p)
	}
	for _, b := range res.Beside {
		fmt.Fprintf(out, "kept both    %s  (backup restored as %s)\n", b.Path, b.As)
	}
	fmt.Fprintf(out, "snapshot %s: %d restored, %d next to a changed file, %d unchanged\n",
		shortID(res.Snapshot), len(res.Restored), len(res.Beside), res.Unchanged)
	return nil
}

func backupSetupCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "setup",
		Short: "Apply only the backup part of the site applied to this box",
		Long: `Plan and apply the backup service alone for the site last applied to this
box: password file, repository initialisation, timers. 'possectl apply' does
the same as part of the whole site. Runs in this process as root on the box,
without possed: it configures the box itself (--host does not apply).`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := localOnly(c); err != nil {
				return err
			}
			ctx := c.Context()
			s, secrets, err := provisioning.LoadApplied(&host.Env{Root: "/", StateDir: host.DefaultStateDir})
			if err != nil {
				return err
			}
			b, closeBox, err := localBox("")
			if err != nil {
				return err
			}
			defer closeBox()
			out := c.OutOrStdout()
			p, res, err := b.RunSite(ctx, s, secrets, possed.RunOptions{
				Services:  []string{backup.Name},
				SkipEmpty: true,
				Progress:  apply.NewTextProgress(out, term.IsTerminal(int(os.Stdout.Fd()))),
				Check:     func(p *plan.Plan) error { return printPlan(out, p, false) },
			})
			if res != nil {
				fmt.Fprintln(out, res.Summary())
			}
			if err != nil && p != nil {
				return fmt.Errorf("backup setup failed: %w", err)
			}
			return err
		},
	}
}

func backupRestoreSiteCmd() *cobra.Command {
	var opt backup.SiteRestoreOptions
	var yes, noApply bool
	c := &cobra.Command{
		Use:   "restore-site",
		Short: "Rebuild a freshly installed box from the backup repository",
		Long: `Rebuild this box from a snapshot (default: the latest) of the repository:
Posse's state (the site template and its stored secrets), the configs, shares,
homes and Maildirs are restored in place, the directory is restored from the
snapshot's AD backup as a new domain controller named after this box (so the
box needs another host name than the old one), samba-ad-dc is started, and the
restored site is applied to bring every service up. Runs in this process as
root on the freshly installed box, without possed (it rebuilds the box
possed would manage; --host does not apply). See docs/disaster-recovery.md.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := localOnly(c); err != nil {
				return err
			}
			ctx := c.Context()
			out := c.OutOrStdout()
			if opt.Repository == "" {
				if s, _, err := provisioning.LoadApplied(&host.Env{Root: "/", StateDir: host.DefaultStateDir}); err == nil && s.Backup != nil {
					opt.Repository = s.Backup.Repository
				} else {
					return usageError{errors.New("name the repository with --repo (a path or sftp:user@host:/path) and its password with --password-file")}
				}
			}
			if !yes {
				ok, err := confirm("Restore this box from " + opt.Repository + "? Files in place are overwritten.")
				if err != nil {
					return err
				}
				if !ok {
					return errors.New("restore-site cancelled: nothing was changed")
				}
			}
			b, closeBox, err := localBox("")
			if err != nil {
				return err
			}
			defer closeBox()
			env, closeEnv, err := b.HostEnv(ctx, nil)
			if err != nil {
				return err
			}
			defer closeEnv()
			opt.Log = func(l string) { fmt.Fprintln(out, l) }
			if _, err := backup.RestoreSite(ctx, env, opt); err != nil {
				return fmt.Errorf("restore-site failed: %w", err)
			}
			if noApply {
				fmt.Fprintln(out, "restored; run 'possectl apply /var/lib/posse/site.yaml --secrets FILE' to bring the services up")
				return nil
			}
			s, secrets, err := provisioning.LoadApplied(env)
			if err != nil {
				return fmt.Errorf("the snapshot holds no applied site: %w", err)
			}
			p, res, err := b.RunSite(ctx, s, secrets, possed.RunOptions{
				Progress: apply.NewTextProgress(out, term.IsTerminal(int(os.Stdout.Fd()))),
				Check: func(*plan.Plan) error {
					fmt.Fprintln(out, "applying the restored site ...")
					return nil
				},
			})
			if res != nil {
				fmt.Fprintln(out, res.Summary())
			}
			switch {
			case p == nil && err != nil:
				return fmt.Errorf("files and directory are restored, but the site cannot be planned: %w; fix it and run 'possectl apply /var/lib/posse/site.yaml --secrets FILE'", err)
			case err != nil:
				return fmt.Errorf("files and directory are restored, but applying the site failed: %w; fix it and run 'possectl apply /var/lib/posse/site.yaml --secrets FILE'", err)
			}
			return nil
		},
	}
	c.Flags().StringVar(&opt.Repository, "repo", "", "repository: a path or sftp:user@host:/path (default: the applied site's)")
	c.Flags().StringVar(&opt.PasswordFile, "password-file", "", "file holding the repository password (default: "+backup.PasswordFile+")")
	c.Flags().StringVar(&opt.Snapshot, "snapshot", "latest", "snapshot to restore")
	c.Flags().BoolVarP(&yes, "yes", "y", false, "restore without asking for confirmation")
	c.Flags().BoolVar(&noApply, "no-apply", false, "restore files and directory only; do not apply the restored site")
	return c
}
