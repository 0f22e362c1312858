// SPDX-License-Identifier: GPL-3.0-or-later

package backup

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
)

// Restic runs restic against one repository. Every command names the
// repository with -r and the password with --password-file: the password
// itself never reaches argv or the environment.
type Restic struct {
	Repo         string
	PasswordFile string
	CacheDir     string
	Runner       host.Runner
	// Root is the file system root the repository's path lies under
	// (the box's, "" for /), for measuring free space when restic
	// reports a full disk.
	Root string
}

// NewRestic returns a Restic for repo using the box's password file and
// cache.
func NewRestic(env *host.Env, repo string) *Restic {
	return &Restic{Repo: repo, PasswordFile: PasswordFile, CacheDir: CacheDir, Runner: env.Runner, Root: env.Root}
}

// Argv returns the full argv of restic subcommand sub with args.
func (r *Restic) Argv(sub string, args ...string) []string {
	argv := []string{"restic", "-r", r.Repo, "--password-file", r.PasswordFile}
	if r.CacheDir != "" {
		argv = append(argv, "--cache-dir", r.CacheDir)
	}
	return append(append(argv, sub), args...)
}

// run runs a restic subcommand.
func (r *Restic) run(ctx context.Context, sub string, args ...string) (host.Result, error) {
	if r.Runner == nil {
		return host.Result{}, errors.New("restic cannot run without access to the box")
	}
	res, err := r.Runner.Run(ctx, host.Cmd{Argv: r.Argv(sub, args...)})
	if err != nil {
		return res, explain(res, fmt.Errorf("restic %s: %w", sub, err), r.Repo, passwordRepo(r.Repo, args), r.Root)
	}
	return res, nil
}

// passwordRepo is the repository a wrong password is blamed on: the
// source (--from-repo) of a command that reads one, since Posse opens the
// destination first; else repo.
func passwordRepo(repo string, args []string) string {
	for i, a := range args {
		if a == "--from-repo" && i+1 < len(args) {
			return args[i+1]
		}
	}
	return repo
}

// Exists reports whether the repository exists and opens with the
// password file: restic cat config. A missing repository (exit 10 since
// restic 0.17, "Is there a repository at the following location?" before)
// gives false and no error; a wrong password or an unreachable server is an
// error.
func (r *Restic) Exists(ctx context.Context) (bool, error) {
	res, err := r.run(ctx, "cat", "config")
	if err == nil {
		return true, nil
	}
	if res.ExitCode == 10 || bytes.Contains(res.Stderr, []byte("Is there a repository at the following location?")) {
		return false, nil
	}
	return false, err
}

// Init creates the repository.
func (r *Restic) Init(ctx context.Context) error {
	_, err := r.run(ctx, "init")
	return err
}

// BackupArgs returns the arguments of restic backup for paths. Every
// snapshot gets the same single tag: retention groups by tags, so a second
// tag (say for timer runs) would split the history into groups kept apart.
func BackupArgs(paths, exclude []string) []string {
	args := []string{"--json", "--tag", Tag}
	for _, e := range exclude {
		args = append(args, "--exclude", e)
	}
	return append(append(args, "--"), paths...)
}

// ForgetArgs returns the arguments of restic forget for a keep policy:
// only Posse's snapshots, grouped by tag so a new hostname after a disaster
// recovery keeps one history, then prune.
func ForgetArgs(k site.Keep) ([]string, error) {
	if k.Daily < 0 || k.Weekly < 0 || k.Monthly < 0 {
		return nil, errors.New("keep counts must not be negative")
	}
	if k.Daily == 0 && k.Weekly == 0 && k.Monthly == 0 {
		return nil, errors.New("keep must keep something: set daily, weekly or monthly")
	}
	args := []string{"--tag", Tag, "--group-by", "tags"}
	for _, f := range []struct {
		flag string
		n    int
	}{{"--keep-daily", k.Daily}, {"--keep-weekly", k.Weekly}, {"--keep-monthly", k.Monthly}} {
		if f.n > 0 {
			args = append(args, f.flag, strconv.Itoa(f.n))
		}
	}
	return append(args, "--prune"), nil
}

// Backup runs restic backup, passing each status line to progress (may be
// nil) as it arrives when the runner can stream, and returns the summary.
func (r *Restic) Backup(ctx context.Context, paths, exclude []string, progress func(Status)) (Summary, error) {
	var sum Summary
	var got bool
	onLine := func(line []byte) {
		m, err := ParseBackupLine(line)
		if err != nil {
			return
		}
		switch v := m.(type) {
		case Status:
			if progress != nil {
				progress(v)
			}
		case Summary:
			sum, got = v, true
		}
	}
	argv := r.Argv("backup", BackupArgs(paths, exclude)...)
	var res host.Result
	var err error
	if lr, ok := r.Runner.(LineRunner); ok {
		res, err = lr.RunLines(ctx, host.Cmd{Argv: argv}, onLine)
	} else if r.Runner == nil {
		return sum, errors.New("restic cannot run without access to the box")
	} else {
		res, err = r.Runner.Run(ctx, host.Cmd{Argv: argv})
		forLines(res.Stdout, onLine)
	}
	// Exit 3: the snapshot was made but some files could not be read.
	if err != nil && !(res.ExitCode == 3 && got) {
		return sum, explain(res, fmt.Errorf("restic backup: %w", err), r.Repo, r.Repo, r.Root)
	}
	if !got {
		return sum, errors.New("restic backup printed no summary; is restic 0.12 or newer installed?")
	}
	if res.ExitCode == 3 {
		sum.Warning = "some files could not be read" + lastLine(res.Stderr)
	}
	return sum, nil
}

// Forget applies the keep policy and prunes.
func (r *Restic) Forget(ctx context.Context, k site.Keep) error {
	args, err := ForgetArgs(k)
	if err != nil {
		return err
	}
	_, err = r.run(ctx, "forget", args...)
	return err
}

// Check verifies the repository's structure (restic check).
func (r *Restic) Check(ctx context.Context, readDataSubset string) error {
	var args []string
	if readDataSubset != "" {
		args = append(args, "--read-data-subset="+readDataSubset)
	}
	_, err := r.run(ctx, "check", args...)
	return err
}

// Stats returns the bytes the repository stores: restic stats --mode
// raw-data, its blobs as they are stored (after deduplication and
// compression). It reads the index only, not the data.
func (r *Restic) Stats(ctx context.Context) (int64, error) {
	res, err := r.run(ctx, "stats", "--mode", "raw-data", "--json")
	if err != nil {
		return 0, err
	}
	return ParseStats(res.Stdout)
}

// Snapshots lists the snapshots, oldest first.
func (r *Restic) Snapshots(ctx context.Context) ([]Snapshot, error) {
	res, err := r.run(ctx, "snapshots", "--json")
	if err != nil {
		return nil, err
	}
	return ParseSnapshots(res.Stdout)
}

// Ls lists the nodes of snapshot under dir ("" for all).
func (r *Restic) Ls(ctx context.Context, snapshot, dir string) (Snapshot, []Node, error) {
	args := []string{"--json", "--", snapshot}
	if dir != "" {
		args = append(args, dir)
	}
	res, err := r.run(ctx, "ls", args...)
	if err != nil {
		return Snapshot{}, nil, err
	}
	return ParseLs(res.Stdout)
}

// RestoreTo restores the given paths of snapshot into target, keeping
// their full paths below it.
func (r *Restic) RestoreTo(ctx context.Context, snapshot, target string, include ...string) error {
	args := []string{"--target", target}
	for _, p := range include {
		args = append(args, "--include", p)
	}
	_, err := r.run(ctx, "restore", append(args, "--", snapshot)...)
	return err
}

func forLines(out []byte, f func([]byte)) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		f(sc.Bytes())
	}
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) == 0 || lines[len(lines)-1] == "" {
		return ""
	}
	return ": " + strings.TrimSpace(lines[len(lines)-1])
}

// Snapshot resolves id ("latest" or an ID prefix) to one snapshot.
func (r *Restic) Snapshot(ctx context.Context, id string) (Snapshot, error) {
	res, err := r.run(ctx, "snapshots", "--json", "--", id)
	if err != nil {
		return Snapshot{}, err
	}
	snaps, err := ParseSnapshots(res.Stdout)
	if err != nil {
		return Snapshot{}, err
	}
	if len(snaps) != 1 {
		return Snapshot{}, fmt.Errorf("snapshot %q not found (or not unique): list them with 'possectl backup snapshots'", id)
	}
	return snaps[0], nil
}
