package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/posse-project/posse/provisioning"
	"github.com/posse-project/posse/provisioning/apply"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/backup"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

func init() {
	c := &cobra.Command{
		Use:   "backup",
		Short: "Back up and restore this box with restic",
		Long: `Back up the site applied to this box (directory, shares, homes, mail, Posse's
state and configs) into the restic repository of its template, list and
browse snapshots, restore a file, a home or a mailbox, or rebuild a freshly
installed box from the repository (restore-site). Runs as root on the box.`,
	}
	c.AddCommand(backupRunCmd(), backupCheckCmd(), backupStatusCmd(), backupSnapshotsCmd(),
		backupLsCmd(), backupRestoreCmd(), backupRestoreSiteCmd(), backupSetupCmd())
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
	env, cleanup, err := boxEnv(ctx, "", secrets)
	if err != nil {
		return nil, backup.Config{}, nil, nil, err
	}
	env.Runner = backup.StreamRunner{Runner: env.Runner}
	return s, cfg, env, cleanup, nil
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
		Short: "Back up now (with progress on a terminal), then apply the retention policy",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
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
	c.Flags().BoolVar(&scheduled, "scheduled", false, "mark the run as started by the timer (no progress)")
	c.Flags().BoolVar(&asJSON, "json", false, "print the run's result as JSON")
	return c
}

func backupCheckCmd() *cobra.Command {
	var scheduled bool
	c := &cobra.Command{
		Use:   "check",
		Short: "Check the repository's integrity (restic check); the weekly timer runs this",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
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

// BackupStatus is what possectl backup status --json prints.
type BackupStatus struct {
	Repository string             `json:"repository"`
	Schedule   string             `json:"schedule"`
	LastRun    *backup.RunRecord  `json:"last_run,omitempty"`
	LastOK     *backup.RunRecord  `json:"last_success,omitempty"`
	LastCheck  *backup.RunRecord  `json:"last_check,omitempty"`
	NextRun    *time.Time         `json:"next_run,omitempty"`
	Healthy    bool               `json:"healthy"`
	Detail     string             `json:"detail"`
	Runs       []backup.RunRecord `json:"-"`
}

func backupStatusCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "status",
		Short: "Show the last backup, its age and the next scheduled run",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			s, cfg, env, cleanup, err := backupBox(c.Context())
			if err != nil {
				return err
			}
			defer cleanup()
			runs, err := backup.ReadRuns(env)
			if err != nil {
				return err
			}
			st := BackupStatus{Repository: cfg.Repository, Schedule: cfg.Schedule}
			if last, ok := backup.Last(runs, backup.KindBackup); !last.Start.IsZero() {
				st.LastRun = &last
				if !ok.Start.IsZero() {
					st.LastOK = &ok
				}
			}
			if chk, _ := backup.Last(runs, backup.KindCheck); !chk.Start.IsZero() {
				st.LastCheck = &chk
			}
			if t, ok := backup.NextRun(c.Context(), env); ok {
				st.NextRun = &t
			}
			detail, herr := backup.New().Health(c.Context(), s, env)
			st.Healthy, st.Detail = herr == nil, detail
			if herr != nil {
				st.Detail = herr.Error()
			}
			out := c.OutOrStdout()
			if asJSON {
				if err := printJSON(out, st); err != nil {
					return err
				}
			} else {
				printBackupStatus(out, st)
			}
			if herr != nil {
				return fmt.Errorf("backup is not healthy: %w", herr)
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the status as JSON")
	return c
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
	} else {
		fmt.Fprintf(tw, "last run\tnever\n")
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
	if st.NextRun != nil {
		fmt.Fprintf(tw, "next run\t%s (in %s)\n", st.NextRun.Local().Format("2006-01-02 15:04"), backup.Age(time.Until(*st.NextRun)))
	} else {
		fmt.Fprintf(tw, "next run\tunknown (is posse-backup.timer enabled?)\n")
	}
	health := "ok"
	if !st.Healthy {
		health = "FAILED"
	}
	fmt.Fprintf(tw, "health\t%s: %s\n", health, st.Detail)
	tw.Flush()
}

func backupSnapshotsCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "snapshots",
		Short: "List the snapshots in the repository",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			_, cfg, env, cleanup, err := backupBox(c.Context())
			if err != nil {
				return err
			}
			defer cleanup()
			snaps, err := backup.NewRestic(env, cfg.Repository).Snapshots(c.Context())
			if err != nil {
				return err
			}
			out := c.OutOrStdout()
			if asJSON {
				if snaps == nil {
					snaps = []backup.Snapshot{}
				}
				return printJSON(out, snaps)
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tTIME\tHOST\tTAGS")
			for _, s := range snaps {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.ShortID, s.Time.Local().Format("2006-01-02 15:04:05"), s.Hostname, strings.Join(s.Tags, ","))
			}
			return tw.Flush()
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the snapshots as JSON")
	return c
}

func backupLsCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "ls SNAPSHOT [PATH]",
		Short: "List the files of a snapshot (\"latest\" or an ID), optionally below PATH",
		Args: func(c *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return usageError{fmt.Errorf("%s needs a snapshot and optionally a path\nrun '%s --help' for usage", c.CommandPath(), c.CommandPath())}
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			_, cfg, env, cleanup, err := backupBox(c.Context())
			if err != nil {
				return err
			}
			defer cleanup()
			dir := ""
			if len(args) == 2 {
				dir = args[1]
			}
			_, nodes, err := backup.NewRestic(env, cfg.Repository).Ls(c.Context(), args[0], dir)
			if err != nil {
				return err
			}
			out := c.OutOrStdout()
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
	c.Flags().BoolVar(&asJSON, "json", false, "print the nodes as JSON")
	return c
}

func backupRestoreCmd() *cobra.Command {
	var opt backup.RestoreOptions
	var home, mailbox string
	var asJSON bool
	c := &cobra.Command{
		Use:   "restore SNAPSHOT [PATH...]",
		Short: "Restore files, a home (--home USER) or a mailbox (--mailbox USER) from a snapshot",
		Long: `Restore from SNAPSHOT ("latest" or an ID). In place, missing files are put back,
identical ones left alone, and a file that differs from the backup is never
overwritten: the restored one goes next to it as "NAME (restored DATE).EXT",
DATE being the snapshot's date, unless --overwrite. With --to DIR the paths
are restored below DIR (full paths kept) and nothing in place is touched.`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) < 1 {
				return usageError{fmt.Errorf("%s needs a snapshot (\"latest\" or an ID)\nrun '%s --help' for usage", c.CommandPath(), c.CommandPath())}
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			s, cfg, env, cleanup, err := backupBox(c.Context())
			if err != nil {
				return err
			}
			defer cleanup()
			opt.Snapshot, opt.Paths = args[0], args[1:]
			if home != "" {
				p, err := backup.HomePath(home)
				if err != nil {
					return usageError{err}
				}
				opt.Paths = append(opt.Paths, p)
			}
			if mailbox != "" {
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
	c.Flags().BoolVar(&opt.Overwrite, "overwrite", false, "replace files that differ from the backup")
	c.Flags().StringVar(&home, "home", "", "restore this user's home folder")
	c.Flags().StringVar(&mailbox, "mailbox", "", "restore this user's mailbox (missing messages come back)")
	c.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return c
}

func backupSetupCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "setup",
		Short: "Apply only the backup part of the site applied to this box",
		Long: `Plan and apply the backup service alone for the site last applied to this
box: password file, repository initialisation, timers. 'possectl apply' does
the same as part of the whole site.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ctx := c.Context()
			s, secrets, err := provisioning.LoadApplied(&host.Env{Root: "/", StateDir: host.DefaultStateDir})
			if err != nil {
				return err
			}
			env, cleanup, err := boxEnv(ctx, "", secrets)
			if err != nil {
				return err
			}
			defer cleanup()
			svc := backup.New()
			p, err := provisioning.MakePlan(ctx, s, env, []provisioning.Service{svc})
			if err != nil {
				return err
			}
			out := c.OutOrStdout()
			if err := printPlan(out, p, false); err != nil {
				return err
			}
			if p.Empty() {
				return nil
			}
			res, err := apply.Apply(ctx, p, env, map[string]apply.Executor{svc.Name(): svc}, apply.NewTextProgress(out, term.IsTerminal(int(os.Stdout.Fd()))))
			if res != nil {
				fmt.Fprintln(out, res.Summary())
			}
			if err != nil {
				return fmt.Errorf("backup setup failed: %w", err)
			}
			return nil
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
restored site is applied to bring every service up. See
docs/disaster-recovery.md.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
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
			env, cleanup, err := boxEnv(ctx, "", nil)
			if err != nil {
				return err
			}
			defer cleanup()
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
			env.Secrets = secrets
			services := provisioning.Services()
			if !slices.ContainsFunc(services, func(s provisioning.Service) bool { return s.Name() == backup.Name }) {
				services = append(services, backup.New())
			}
			execs := map[string]apply.Executor{}
			for _, svc := range services {
				execs[svc.Name()] = svc
			}
			p, err := provisioning.MakePlan(ctx, s, env, services)
			if err != nil {
				return fmt.Errorf("files and directory are restored, but the site cannot be planned: %w; fix it and run 'possectl apply /var/lib/posse/site.yaml --secrets FILE'", err)
			}
			fmt.Fprintln(out, "applying the restored site ...")
			res, err := apply.Apply(ctx, p, env, execs, apply.NewTextProgress(out, term.IsTerminal(int(os.Stdout.Fd()))))
			if res != nil {
				fmt.Fprintln(out, res.Summary())
			}
			if err != nil {
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
