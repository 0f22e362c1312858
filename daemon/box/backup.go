package box

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path"
	"time"

	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/internal/execx"
	"github.com/posse-project/posse/provisioning/host"
)

// restic runs restic on the applied site's backup repository with the kept
// password on stdin (--password-file /dev/stdin), never in argv or the
// environment.
func (b *Box) restic(ctx context.Context, args ...string) ([]byte, error) {
	s, kept, err := b.applied()
	if err != nil {
		return nil, err
	}
	if s.Backup == nil {
		return nil, mark(daemon.ErrNotAvailable, fmt.Errorf("this site has no backup: add a backup section to the template and apply it"))
	}
	pw, err := s.Backup.Password.Resolve(kept)
	if err != nil {
		return nil, fmt.Errorf("the backup password was not kept on this box: apply the site again with its secrets: %w", err)
	}
	runner := b.Runner
	if runner == nil {
		runner = execx.New()
	}
	argv := append([]string{"restic", "--no-cache", "--password-file", "/dev/stdin", "--repo", s.Backup.Repository}, args...)
	res, err := runner.Run(ctx, host.Cmd{Argv: argv, Stdin: []byte(pw + "\n"), Env: []string{"HOME=/root"}})
	if err != nil {
		return nil, fmt.Errorf("restic %s: %w", args[0], err)
	}
	return res.Stdout, nil
}

// resticSnapshot is one entry of `restic snapshots --json`.
type resticSnapshot struct {
	Time  time.Time `json:"time"`
	Paths []string  `json:"paths"`
	Tags  []string  `json:"tags"`
	ID    string    `json:"id"`
}

// Snapshots implements daemon.Backend, oldest first.
func (b *Box) Snapshots(ctx context.Context) ([]api.Snapshot, error) {
	out, err := b.restic(ctx, "snapshots", "--json")
	if err != nil {
		return nil, err
	}
	var snaps []resticSnapshot
	if err := json.Unmarshal(out, &snaps); err != nil {
		return nil, fmt.Errorf("restic snapshots gave unreadable output: %w", err)
	}
	r := make([]api.Snapshot, 0, len(snaps))
	for _, s := range snaps {
		r = append(r, api.Snapshot{ID: s.ID, Time: s.Time.UTC().Format(time.RFC3339), Paths: s.Paths, Tags: s.Tags})
	}
	return r, nil
}

// resticNode is one line of `restic ls --json`.
type resticNode struct {
	StructType string    `json:"struct_type"`
	Path       string    `json:"path"`
	Type       string    `json:"type"`
	Size       uint64    `json:"size"`
	MTime      time.Time `json:"mtime"`
}

// Browse implements daemon.Backend: the direct children of dir.
func (b *Box) Browse(ctx context.Context, snapshot, dir string) ([]api.Entry, error) {
	out, err := b.restic(ctx, "ls", "--json", snapshot, dir)
	if err != nil {
		return nil, err
	}
	r := []api.Entry{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var n resticNode
		if json.Unmarshal(sc.Bytes(), &n) != nil || n.StructType != "node" || n.Path == dir || path.Dir(n.Path) != dir {
			continue
		}
		r = append(r, api.Entry{Path: n.Path, Type: n.Type, Size: n.Size, ModTime: n.MTime.UTC().Format(time.RFC3339)})
	}
	return r, sc.Err()
}

// Restore implements daemon.Backend. It restores into a separate
// directory only: restoring over the live files is refused.
func (b *Box) Restore(ctx context.Context, snapshot string, paths []string, target string) error {
	if target == "/" {
		return invalid(fmt.Errorf("restoring over the live files is refused: restore into a separate directory such as /srv/restore and copy back what you need"))
	}
	args := []string{"restore", snapshot, "--target", target}
	for _, p := range paths {
		args = append(args, "--include", p)
	}
	_, err := b.restic(ctx, args...)
	return err
}
