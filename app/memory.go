// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
)

// Memory defaults, when GOGC and GOMEMLIMIT are not set: collect when the
// heap has grown by half (not doubled), and collect harder above 64 MiB.
// With 5000 users the live heap is about 26 MB, most of it Fyne's parsed
// fonts, so the limit is a backstop that normal use does not reach.
const (
	defaultGCPercent   = 50
	defaultMemoryLimit = 64 << 20
)

// tuneMemory applies the memory defaults.
func tuneMemory() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}

// releaseMemory collects and hands free memory back to the system now
// rather than when the scavenger gets to it: after starting and after a
// big list arrived, the garbage is most of the heap. It runs off the UI
// goroutine.
func releaseMemory() {
	go func() {
		debug.FreeOSMemory()
	}()
}

// memoryReport says where the process's memory is: the kernel's resident
// set (anonymous and file-backed) and, of it, what Go's heap and runtime
// hold. The rest is C: the GL driver, X client libraries, fontconfig.
func memoryReport() string {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	mb := func(b uint64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }
	rss, anon, file := "?", "?", "?"
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			f := strings.Fields(l)
			if len(f) < 2 {
				continue
			}
			switch f[0] {
			case "VmRSS:":
				rss = f[1] + " kB"
			case "RssAnon:":
				anon = f[1] + " kB"
			case "RssFile:":
				file = f[1] + " kB"
			}
		}
	}
	return fmt.Sprintf("rss %s (anon %s, file %s); go: heap in use %s, heap idle not returned %s, stacks %s, runtime other %s, total from OS %s; GOGC %d, memory limit %s",
		rss, anon, file, mb(m.HeapInuse), mb(m.HeapIdle-m.HeapReleased), mb(m.StackSys),
		mb(m.MSpanSys+m.MCacheSys+m.BuckHashSys+m.GCSys+m.OtherSys), mb(m.Sys-m.HeapReleased),
		gcPercent(), mb(uint64(debug.SetMemoryLimit(-1))))
}

func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// writeHeapProfile writes a heap profile (go tool pprof) to file.
func writeHeapProfile(file string) {
	f, err := os.Create(file)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	defer f.Close()
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
}
