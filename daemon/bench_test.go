// SPDX-License-Identifier: GPL-3.0-or-later

package daemon_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/posse-project/posse/daemon"
)

// BenchmarkStatus measures a Status call through the client on a private
// bus, with the polkit check (fake authority on the same bus: one extra
// round trip, as with the real polkitd minus its own work). It reports
// p50 and p99 besides the mean.
func BenchmarkStatus(b *testing.B) {
	r := newRig(b, rigOpts{})
	c := r.client(b, false, daemon.ActionStatus)
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := time.Now()
		if _, err := c.Status(ctx); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(s))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
