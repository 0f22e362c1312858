package app

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
)

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
