// SPDX-License-Identifier: GPL-3.0-or-later

package backup

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/provisioning/host"
)

// KindDrill is a restore drill in the run log.
const KindDrill = "drill"

// DrillFile is the last drill's full result (the run log keeps a summary).
const DrillFile = StateDir + "/drill.json"

// drillDir is the scratch directory a drill restores into; it is removed
// afterwards.
const drillDir = StateDir + "/drill"

// dumpLimit is the largest file a drill also reads back with restic dump
// to compare checksums; larger ones are checked by restic's own --verify
// and their size.
const dumpLimit = 32 << 20

// DrillOptions says what a restore drill tries.
type DrillOptions struct {
	// Snapshot is the snapshot to restore from; default "latest".
	Snapshot string
	// Sample is how many files to restore; default 20.
	Sample int
	// Scheduled marks a run started by the timer.
	Scheduled bool
	// Progress, if set, hears what the drill is doing.
	Progress func(string)
}

// DrillCheck is one sampled file and what the drill found.
type DrillCheck struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
	// SHA256 is the restored file's checksum ("" when it was not read).
	SHA256 string `json:"sha256,omitempty"`
	OK     bool   `json:"ok"`
	// Problem says what did not match; empty when OK.
	Problem string `json:"problem,omitempty"`
}

// DrillResult is what a restore drill tried and found.
type DrillResult struct {
	Start    time.Time    `json:"start"`
	Seconds  float64      `json:"seconds"`
	Snapshot string       `json:"snapshot"`
	Files    int          `json:"files_in_snapshot"`
	Tried    int          `json:"tried"`
	Matched  int          `json:"matched"`
	Checks   []DrillCheck `json:"checks"`
	// Parts are the directory dump and one mailbox, restored whole.
	Parts []DrillPart `json:"parts,omitempty"`
	// Error is why the drill failed; empty when every sampled file came
	// back whole.
	Error string `json:"error,omitempty"`
}

// OK reports whether every sampled file came back whole.
func (d DrillResult) OK() bool { return d.Error == "" }

// Summary says in one line what the drill restored and found.
func (d DrillResult) Summary() string {
	if !d.OK() {
		return d.Error
	}
	s := fmt.Sprintf("%d of %d sampled files came back whole", d.Matched, d.Tried)
	for _, p := range d.Parts {
		switch p.What {
		case "directory":
			s += ", the directory's dump reads whole"
		case "mailbox":
			s += fmt.Sprintf(", a mailbox with %d messages came back", p.Got)
		}
	}
	return s
}

// Drill restores a random sample of the files of a snapshot into a scratch
// directory and checks each against the snapshot's records: restic
// restore --verify reads every restored file back against the
// repository's checksums, then each file must exist with the recorded
// size, and (up to 32 MiB) hash the same as restic dump streams it from
// the repository. The result goes into the run log and DrillFile. A drill
// never writes outside its scratch directory, which it removes.
func Drill(ctx context.Context, env *host.Env, c Config, opt DrillOptions) (DrillResult, error) {
	res := DrillResult{Start: time.Now().UTC()}
	err := func() error {
		unlock, err := lockRuns(env)
		if err != nil {
			return err
		}
		defer unlock()
		if err := checkPasswordFile(env); err != nil {
			return err
		}
		return drill(ctx, env, c, opt, &res)
	}()
	res.Seconds = time.Since(res.Start).Seconds()
	if err != nil {
		res.Error = err.Error()
	}
	rec := RunRecord{Kind: KindDrill, Start: res.Start, Seconds: res.Seconds, Scheduled: opt.Scheduled, SnapshotID: res.Snapshot, Error: res.Error}
	if lerr := AppendRun(env, rec); lerr != nil && err == nil {
		err = lerr
	}
	if b, jerr := json.MarshalIndent(res, "", "  "); jerr == nil {
		if werr := fsutil.WriteFileAtomic(env.Path(DrillFile), append(b, '\n'), 0o600, fsutil.NoID, fsutil.NoID); werr != nil && err == nil {
			err = werr
		}
	}
	return res, err
}

func drill(ctx context.Context, env *host.Env, c Config, opt DrillOptions, res *DrillResult) error {
	say := opt.Progress
	if say == nil {
		say = func(string) {}
	}
	id := opt.Snapshot
	if id == "" {
		id = "latest"
	}
	n := opt.Sample
	if n <= 0 {
		n = 20
	}
	r := NewRestic(env, c.Repository)
	snap, err := r.Snapshot(ctx, id)
	if err != nil {
		return err
	}
	res.Snapshot = snap.ID
	say(fmt.Sprintf("listing snapshot %s of %s", snap.ShortID, snap.Time.Local().Format("2006-01-02 15:04")))
	_, nodes, err := r.Ls(ctx, snap.ID, "")
	if err != nil {
		return err
	}
	var files []Node
	for _, nd := range nodes {
		if nd.Type == "file" {
			files = append(files, nd)
		}
	}
	res.Files = len(files)
	if len(files) == 0 {
		return fmt.Errorf("snapshot %s holds no files: run a backup first ('possectl backup run')", snap.ShortID)
	}
	sample, err := sampleNodes(files, n)
	if err != nil {
		return err
	}
	res.Tried = len(sample)

	scratch := env.Path(drillDir)
	if err := os.RemoveAll(scratch); err != nil {
		return err
	}
	if err := os.MkdirAll(scratch, 0o700); err != nil {
		return err
	}
	defer os.RemoveAll(scratch)
	say(fmt.Sprintf("restoring %d of its %d files into a scratch folder", len(sample), len(files)))
	args := []string{"--target", scratch, "--verify"}
	for _, nd := range sample {
		args = append(args, "--include", nd.Path)
	}
	_, restoreErr := r.run(ctx, "restore", append(args, "--", snap.ID)...)

	for _, nd := range sample {
		chk := DrillCheck{Path: nd.Path, Size: nd.Size}
		chk.SHA256, chk.Problem = checkRestored(ctx, r, snap.ID, filepath.Join(scratch, nd.Path), nd)
		chk.OK = chk.Problem == ""
		if chk.OK {
			res.Matched++
		}
		res.Checks = append(res.Checks, chk)
	}
	say("restoring the directory's dump and one mailbox")
	res.Parts = drillParts(ctx, r, snap.ID, scratch, env.IP, nodes)
	var failed []string
	for _, p := range res.Parts {
		if !p.OK {
			failed = append(failed, fmt.Sprintf("the %s %s did not come back whole: %s", p.What, p.Path, p.Note))
		}
	}
	const next = "; run 'possectl backup check' and see docs/backup.md, 'When a drill fails'"
	if res.Matched == res.Tried {
		if len(failed) > 0 {
			return errors.New(strings.Join(failed, "; ") + next)
		}
		if restoreErr != nil {
			return fmt.Errorf("every sampled file came back, but restic restore reported a problem: %w", restoreErr)
		}
		return nil
	}
	var bad []string
	for _, chk := range res.Checks {
		if !chk.OK {
			bad = append(bad, chk.Path+" ("+chk.Problem+")")
		}
	}
	msg := fmt.Sprintf("%d of %d sampled files did not come back whole: %s", res.Tried-res.Matched, res.Tried, strings.Join(bad, "; "))
	if len(failed) > 0 {
		msg += "; " + strings.Join(failed, "; ")
	}
	msg += next
	if restoreErr != nil {
		msg += " (restic restore: " + restoreErr.Error() + ")"
	}
	return errors.New(msg)
}

// checkRestored compares the restored file p with the snapshot's record
// nd, and (when small enough) with restic dump's stream of it.
func checkRestored(ctx context.Context, r *Restic, snap, p string, nd Node) (sum, problem string) {
	st, err := os.Lstat(p)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "", "not restored"
	case err != nil:
		return "", err.Error()
	case !st.Mode().IsRegular():
		return "", "restored as " + st.Mode().Type().String() + ", not a file"
	case st.Size() != nd.Size:
		return "", fmt.Sprintf("%d bytes restored, %d recorded", st.Size(), nd.Size)
	}
	sum, err = hashFile(p)
	if err != nil {
		return "", err.Error()
	}
	if nd.Size > dumpLimit {
		return sum, ""
	}
	out, err := r.run(ctx, "dump", "--", snap, nd.Path)
	if err != nil {
		return sum, "restic dump: " + err.Error()
	}
	if d := fmt.Sprintf("%x", sha256.Sum256(out.Stdout)); d != sum {
		return sum, "restored content differs from the repository's"
	}
	return sum, ""
}

func hashFile(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return fmt.Sprintf("%x", h.Sum(nil)), nil
}

// sampleNodes picks n of files at random (all of them when there are not
// more), in path order.
func sampleNodes(files []Node, n int) ([]Node, error) {
	if n >= len(files) {
		out := append([]Node(nil), files...)
		sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
		return out, nil
	}
	idx := make([]int, len(files))
	for i := range idx {
		idx[i] = i
	}
	// A partial Fisher-Yates shuffle with crypto/rand: a drill need not be
	// repeatable, and a fixed seed would sample the same files every month.
	for i := 0; i < n; i++ {
		j, err := rand.Int(rand.Reader, big.NewInt(int64(len(files)-i)))
		if err != nil {
			return nil, err
		}
		k := i + int(j.Int64())
		idx[i], idx[k] = idx[k], idx[i]
	}
	out := make([]Node, n)
	for i := range out {
		out[i] = files[idx[i]]
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// ReadDrill returns the last drill's result; ok is false before the first.
func ReadDrill(env *host.Env) (res DrillResult, ok bool, err error) {
	b, err := os.ReadFile(env.Path(DrillFile))
	if errors.Is(err, os.ErrNotExist) {
		return res, false, nil
	}
	if err != nil {
		return res, false, err
	}
	if err := json.Unmarshal(b, &res); err != nil {
		return res, false, fmt.Errorf("%s: %w", DrillFile, err)
	}
	return res, true, nil
}
