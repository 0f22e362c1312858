// SPDX-License-Identifier: GPL-3.0-or-later

// Command mutate is Posse's mutation testing (make mutate). It applies
// each mutant of a fixed list — a small, realistic bug where Posse's
// promises are strongest: atomic writes, the apply engine, possed's
// authorisation, systemd jobs — to a copy of one file, runs that
// package's tests against it through go test -overlay (the tree is never
// modified), and reports whether the tests noticed (killed) or not
// (survived).
//
// A mutant that survives must say why that is acceptable (mutant.Accept);
// one that survives without a reason, one whose original text is no longer
// in its file exactly once (the code moved on: update the list), one that
// does not compile, or a package whose tests fail without any mutant makes
// the run fail.
//
// Usage:
//
//	go run ./scripts/mutate [-pkg REGEXP] [-run REGEXP] [-p N] [-v] [-check] [-md]
//
// -check only checks that every mutant applies; -md prints the summary as
// the Markdown table in docs/proof.md; -v prints the tests' output of
// survivors and broken mutants.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
)

// mutant is one bug: From, text that occurs exactly once in File, is
// replaced by To.
type mutant struct {
	Name string
	File string // relative to the module root
	From string
	To   string
	// Accept says why the tests may miss this mutant; empty means they
	// must kill it.
	Accept string
	// Root: only a test that runs as root can kill it (giving files
	// away); as another user it is skipped and not counted.
	Root bool
}

// suite is one package and its mutants. Runs are the go test flags of
// each run (no flags: one plain run); a mutant is killed when any run
// fails.
type suite struct {
	Pkg     string
	Runs    [][]string
	Mutants []mutant
}

// Outcomes of one mutant.
const (
	killed   = "killed"
	survived = "survived"
	broken   = "broken" // does not compile
	stale    = "stale"  // From is not in File exactly once
	skipped  = "skipped"
)

type result struct {
	suite  *suite
	mutant mutant
	status string
	by     string // what killed it: the first failing test, or a timeout
	output string
	took   time.Duration
}

func main() {
	pkgRE := flag.String("pkg", "", "only suites whose package matches this regexp")
	runRE := flag.String("run", "", "only mutants whose name matches this regexp")
	par := flag.Int("p", max(1, runtime.NumCPU()/2), "mutants tested at once")
	verbose := flag.Bool("v", false, "print the test output of survivors and broken mutants")
	check := flag.Bool("check", false, "only check that every mutant applies")
	md := flag.Bool("md", false, "print the summary as a Markdown table")
	timeout := flag.Duration("timeout", 90*time.Second, "go test -timeout of each run")
	flag.Parse()

	root, err := moduleRoot()
	if err != nil {
		fail(err)
	}
	var suites []*suite
	for i := range suites0 {
		s := &suites0[i]
		if *pkgRE != "" && !regexp.MustCompile(*pkgRE).MatchString(s.Pkg) {
			continue
		}
		suites = append(suites, s)
	}
	nameRE := regexp.MustCompile(*runRE)
	if err := checkNames(); err != nil {
		fail(err)
	}

	tmp, err := os.MkdirTemp("", "posse-mutate-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(tmp)

	// Apply every mutant first: a stale one is reported without running.
	type job struct {
		s   *suite
		m   mutant
		ov  string
		err error
	}
	var jobs []job
	for _, s := range suites {
		for _, m := range s.Mutants {
			if !nameRE.MatchString(m.Name) {
				continue
			}
			ov, err := writeOverlay(root, tmp, len(jobs), m)
			jobs = append(jobs, job{s, m, ov, err})
		}
	}
	if *check {
		bad := 0
		for _, j := range jobs {
			if j.err != nil {
				fmt.Printf("STALE  %s %s: %v\n", j.s.Pkg, j.m.Name, j.err)
				bad++
			}
		}
		fmt.Printf("%d mutants, %d stale\n", len(jobs), bad)
		if bad > 0 {
			os.Exit(1)
		}
		return
	}

	// The tests must pass without mutants, or nothing below means anything.
	for _, s := range suites {
		for _, run := range runsOf(s) {
			if r := goTest(root, s.Pkg, run, "", *timeout); r.status != survived {
				fmt.Print(r.output)
				fail(fmt.Errorf("%s: tests fail without any mutant (go test %s); fix them first", s.Pkg, strings.Join(run, " ")))
			}
		}
	}

	start := time.Now()
	results := make([]result, len(jobs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, *par)
	var mu sync.Mutex
	for i, j := range jobs {
		if j.err != nil {
			results[i] = result{suite: j.s, mutant: j.m, status: stale, output: j.err.Error()}
			continue
		}
		if j.m.Root && os.Getuid() != 0 {
			results[i] = result{suite: j.s, mutant: j.m, status: skipped}
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			t0 := time.Now()
			r := result{suite: j.s, mutant: j.m, status: survived}
			for _, run := range runsOf(j.s) {
				tr := goTest(root, j.s.Pkg, run, j.ov, *timeout)
				r.output += tr.output
				if tr.status != survived {
					r.status, r.by = tr.status, tr.by
					if len(run) > 0 {
						r.by += " (" + strings.Join(run, " ") + ")"
					}
					break
				}
			}
			r.took = time.Since(t0)
			results[i] = r
			mu.Lock()
			printResult(r, *verbose)
			mu.Unlock()
		}()
	}
	wg.Wait()
	for _, r := range results {
		if r.status == stale || r.status == skipped {
			printResult(r, *verbose)
		}
	}
	ok := summary(results, *md)
	fmt.Printf("(%s)\n", time.Since(start).Round(time.Second))
	if !ok {
		os.Exit(1)
	}
}

func runsOf(s *suite) [][]string {
	if len(s.Runs) == 0 {
		return [][]string{nil}
	}
	return s.Runs
}

// writeOverlay writes m's version of its file and an overlay file naming
// it, and returns the overlay's path.
func writeOverlay(root, tmp string, n int, m mutant) (string, error) {
	path := filepath.Join(root, m.File)
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	if c := strings.Count(string(b), m.From); c != 1 {
		return "", fmt.Errorf("the original text occurs %d times in %s, want once: update the mutant", c, m.File)
	}
	dir := filepath.Join(tmp, fmt.Sprint(n))
	if err := os.Mkdir(dir, 0o700); err != nil {
		return "", err
	}
	src := filepath.Join(dir, filepath.Base(path))
	if err := os.WriteFile(src, []byte(strings.Replace(string(b), m.From, m.To, 1)), 0o600); err != nil {
		return "", err
	}
	ov, _ := json.Marshal(map[string]map[string]string{"Replace": {path: src}})
	ovPath := filepath.Join(dir, "overlay.json")
	return ovPath, os.WriteFile(ovPath, ov, 0o600)
}

var failLine = regexp.MustCompile(`(?m)^\s*--- FAIL: (\S+)`)

// goTest runs the package's tests, with the overlay if given. Its status
// is survived when they pass, killed when they fail, broken when the
// package does not build.
func goTest(root, pkg string, flags []string, overlay string, timeout time.Duration) result {
	args := []string{"test", "-count=1", "-vet=off", "-timeout", timeout.String()}
	if overlay != "" {
		args = append(args, "-overlay", overlay)
	}
	args = append(append(args, flags...), strings.Fields(pkg)...) // a suite may name several packages
	ctx, cancel := context.WithTimeout(context.Background(), timeout+time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	r := result{status: survived, output: out.String()}
	if err == nil {
		return r
	}
	r.status = killed
	switch {
	case strings.Contains(r.output, "[build failed]") || strings.Contains(r.output, "[setup failed]"):
		r.status, r.by = broken, "build failed"
	case strings.Contains(r.output, "panic: test timed out"):
		r.by = "timeout"
	case ctx.Err() != nil:
		r.by = "killed after " + (timeout + time.Minute).String()
	default:
		if m := failLine.FindStringSubmatch(r.output); m != nil {
			r.by = m[1]
		} else {
			r.by = "go test failed"
		}
	}
	return r
}

func printResult(r result, verbose bool) {
	line := fmt.Sprintf("%-8s %-22s %s", strings.ToUpper(r.status), r.suite.Pkg, r.mutant.Name)
	switch r.status {
	case killed:
		line += "  by " + r.by
	case skipped:
		line += "  (only a test run as root can kill it)"
	case survived:
		if r.mutant.Accept != "" {
			line += "  (accepted: " + r.mutant.Accept + ")"
		} else {
			line += "  NOT ACCEPTED: add a test that catches it, or say why it may survive"
		}
	}
	if r.took > 0 {
		line += fmt.Sprintf(" [%s]", r.took.Round(100*time.Millisecond))
	}
	fmt.Println(line)
	if verbose && (r.status == survived || r.status == broken || r.status == stale) {
		fmt.Println(indent(r.output))
	}
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}

// summary prints the kill rate of each package and reports whether the
// run passes: no unaccepted survivor, no stale or broken mutant.
func summary(results []result, md bool) bool {
	type count struct{ total, killed, accepted, bad int }
	per := map[string]*count{}
	var order []string
	ok := true
	for _, r := range results {
		if r.status == skipped {
			continue
		}
		c := per[r.suite.Pkg]
		if c == nil {
			c = &count{}
			per[r.suite.Pkg] = c
			order = append(order, r.suite.Pkg)
		}
		c.total++
		switch {
		case r.status == killed:
			c.killed++
		case r.status == survived && r.mutant.Accept != "":
			c.accepted++
		default:
			c.bad++
			ok = false
		}
	}
	sort.Strings(order)
	fmt.Println()
	if md {
		fmt.Println("| package | mutants | killed | survived (accepted) | kill rate |")
		fmt.Println("|---|---|---|---|---|")
	}
	var all count
	for _, p := range order {
		c := per[p]
		all.total, all.killed, all.accepted, all.bad = all.total+c.total, all.killed+c.killed, all.accepted+c.accepted, all.bad+c.bad
		printCount(md, p, c.total, c.killed, c.accepted, c.bad)
	}
	printCount(md, "all", all.total, all.killed, all.accepted, all.bad)
	return ok
}

func printCount(md bool, pkg string, total, k, accepted, bad int) {
	rate := 0.0
	if total > 0 {
		rate = 100 * float64(k) / float64(total)
	}
	if md {
		fmt.Printf("| `%s` | %d | %d | %d | %.0f%% |\n", pkg, total, k, accepted, rate)
		return
	}
	fmt.Printf("%-22s %3d mutants, %3d killed, %2d survived (accepted), %2d failing the run: kill rate %.0f%%\n", pkg, total, k, accepted, bad, rate)
}

// checkNames makes sure mutant names are unique.
func checkNames() error {
	seen := map[string]bool{}
	for _, s := range suites0 {
		for _, m := range s.Mutants {
			if seen[m.Name] {
				return fmt.Errorf("two mutants are called %q", m.Name)
			}
			seen[m.Name] = true
		}
	}
	return nil
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("run mutate inside Posse's module")
	}
	return filepath.Dir(mod), nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "mutate:", err)
	os.Exit(1)
}
