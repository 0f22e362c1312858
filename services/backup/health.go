// SPDX-License-Identifier: GPL-3.0-or-later

package backup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
)

// DefaultPeriod is the schedule period assumed when systemd cannot be asked.
const DefaultPeriod = 24 * time.Hour

// Health implements provisioning.HealthChecker: the last backup must have
// succeeded and be no older than the schedule's period plus a margin (a
// quarter of the period, at least an hour). Before the first run, a box
// whose backup was set up less than a period ago is healthy.
func (s *Service) Health(ctx context.Context, st *site.Site, env *host.Env) (string, error) {
	c, ok := FromSite(st)
	if !ok {
		return "", nil
	}
	runs, err := ReadRuns(env)
	if err != nil {
		return "", fmt.Errorf("cannot read the backup run log: %w", err)
	}
	period := SchedulePeriod(ctx, env, c.Schedule)
	d, err := Judge(runs, period, SetupTime(env), time.Now())
	if err != nil {
		return d, err
	}
	return d, JudgeCopies(runs, c.Copies)
}

// JudgeCopies fails when a copy's last run failed, naming the copy and
// why.
func JudgeCopies(runs []RunRecord, copies []Copy) error {
	var bad []string
	for _, cp := range copies {
		if last, _ := LastCopy(runs, cp.Name); !last.Start.IsZero() && !last.OK() {
			bad = append(bad, fmt.Sprintf("the last copy to %s (%s, %s) failed: %s", cp.Name, cp.Repository, last.Start.Local().Format("2006-01-02 15:04"), last.Error))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return fmt.Errorf("%s; fix it and run 'possectl backup copy'", strings.Join(bad, "; "))
}

// Judge decides health from the run log: the detail for a healthy backup,
// or an error saying what failed and what to do.
func Judge(runs []RunRecord, period time.Duration, setup, now time.Time) (string, error) {
	margin := max(period/4, time.Hour)
	last, lastOK := Last(runs, KindBackup)
	if last.Start.IsZero() {
		if !setup.IsZero() && now.Sub(setup) <= period+margin {
			return "no backup yet; the first runs on schedule (or run 'possectl backup run' now)", nil
		}
		return "", errors.New("no backup has ever run: check 'systemctl status posse-backup.timer' and run 'possectl backup run'")
	}
	if !last.OK() {
		return "", fmt.Errorf("the last backup (%s) failed: %s; fix it and run 'possectl backup run'", last.Start.Local().Format("2006-01-02 15:04"), last.Error)
	}
	if age := now.Sub(lastOK.Start); age > period+margin {
		return "", fmt.Errorf("the last backup is %s old, more than the schedule allows: check 'systemctl status posse-backup.timer' and run 'possectl backup run'", Age(age))
	}
	d := fmt.Sprintf("last backup %s ago, snapshot %s, %s added", Age(now.Sub(lastOK.Start)), lastOK.SnapshotID, Bytes(lastOK.BytesAdded))
	if last.Warning != "" {
		d += "; warning: " + last.Warning
	}
	if c, _ := Last(runs, KindCheck); !c.Start.IsZero() && !c.OK() {
		return "", fmt.Errorf("the last repository check (%s) failed: %s; run 'possectl backup check' and see docs/backup.md", c.Start.Local().Format("2006-01-02 15:04"), c.Error)
	}
	return d, nil
}

// SetupTime is when the backup was set up on this box: the password
// file's modification time.
func SetupTime(env *host.Env) time.Time {
	if st, err := os.Stat(env.Path(PasswordFile)); err == nil {
		return st.ModTime()
	}
	return time.Time{}
}

// SchedulePeriod asks systemd-analyze for the schedule's next two elapses
// and returns the time between them, or DefaultPeriod.
func SchedulePeriod(ctx context.Context, env *host.Env, schedule string) time.Duration {
	if env.Offline || env.Runner == nil {
		return DefaultPeriod
	}
	res, err := env.Runner.Run(ctx, host.Cmd{Argv: []string{"systemd-analyze", "calendar", "--iterations=2", schedule}, Env: []string{"TZ=UTC"}})
	if err != nil {
		return DefaultPeriod
	}
	if p, ok := ParseCalendarPeriod(string(res.Stdout)); ok {
		return p
	}
	return DefaultPeriod
}

// ParseCalendarPeriod reads the "(in UTC):" lines of systemd-analyze
// calendar --iterations=2 (or the "Next elapse:"/"Iter. #2:" lines when
// TZ is UTC and systemd prints no "(in UTC)" line) and returns their
// distance.
func ParseCalendarPeriod(out string) (time.Duration, bool) {
	var times []time.Time
	for _, l := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(l), ": ")
		if !ok || (k != "Next elapse" && !strings.HasPrefix(k, "Iter. #")) {
			continue
		}
		if t, err := ParseSystemdTime(v); err == nil {
			times = append(times, t)
		}
	}
	if len(times) < 2 || !times[1].After(times[0]) {
		return 0, false
	}
	return times[1].Sub(times[0]), true
}

// ParseSystemdTime parses a timestamp as systemd prints it, such as
// "Mon 2026-11-23 22:00:00 UTC" (any zone abbreviation, read as UTC when
// unknown).
func ParseSystemdTime(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	for _, layout := range []string{"Mon 2006-01-02 15:04:05 MST", "Mon 2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a systemd timestamp: %q", v)
}

// NextRun returns when the backup timer elapses next, from systemd
// (systemctl show -p NextElapseUSecRealtime); ok is false when unknown.
func NextRun(ctx context.Context, env *host.Env) (time.Time, bool) {
	return NextElapse(ctx, env, TimerUnit)
}

// NextElapse returns when timer elapses next, from systemd; ok is false
// when unknown.
func NextElapse(ctx context.Context, env *host.Env, timer string) (time.Time, bool) {
	if env.Offline || env.Runner == nil {
		return time.Time{}, false
	}
	res, err := env.Runner.Run(ctx, host.Cmd{Argv: []string{"systemctl", "show", timer, "--property=NextElapseUSecRealtime", "--value"}, Env: []string{"TZ=UTC"}})
	if err != nil {
		return time.Time{}, false
	}
	t, err := ParseSystemdTime(string(res.Stdout))
	return t, err == nil
}

// Age formats a duration for people: "3d 4h", "5h 10m", "42s".
func Age(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd %dh", int(d.Hours())/24, int(d.Hours())%24)
	case d >= time.Hour:
		return fmt.Sprintf("%dh %dm", int(d.Hours()), int(d.Minutes())%60)
	case d >= time.Minute:
		return fmt.Sprintf("%dm %ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%ds", int(d.Seconds()))
}

// Bytes formats a byte count: "512 B", "1.5 MiB".
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
