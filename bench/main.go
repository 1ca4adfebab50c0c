// Command bench compares the speed and memory of our supervisord with the
// reference (Python Supervisor 4.2.5) on generated configurations.
//
//	go run ./bench [-scenarios=chatty-100,bulk] [-out=FILE] [-keep]
//
// It builds ./cmd/supervisord and ./bench/child, then runs every scenario
// with the reference and with ours, one after the other, on the same
// configuration, and prints a table (scenario, metric, reference, ours,
// ratio ours/reference). It measures and reports; it asserts nothing. See
// bench/README.md.
//
// Every process it starts is killed before it exits, also on error or
// Ctrl-C: daemons run in their own process group with a parent-death
// signal, this process is the subreaper of their orphans, and each run ends
// by SIGKILLing everything below it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// impl is one supervisord under test.
type impl struct {
	name string // "reference" or "ours"
	bin  string
}

// backgroundKey holds, in a run's results, how busy the machine was (in
// percent of all CPUs) in the second before the run started.
const backgroundKey = "background"

// runner holds what every scenario needs.
type runner struct {
	child   string // the bench child binary
	tmp     string // root of the temp dirs
	keep    bool
	window  time.Duration
	profile string // directory for profiles of ours, or ""
	// quiet is the machine busy share (percent) under which a run may start;
	// quietWait is how long to wait for it before starting anyway.
	quiet     float64
	quietWait time.Duration
	logw      io.Writer

	mu      sync.Mutex
	tracked map[int]bool // daemon pids whose Wait is pending
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	names := make([]string, len(scenarios))
	for i, s := range scenarios {
		names[i] = s.name
	}
	list := fs.String("scenarios", strings.Join(names, ","), "comma-separated scenarios to run")
	out := fs.String("out", "", "also write the results table (markdown) to this file")
	ref := fs.String("ref", "/usr/bin/supervisord", "the reference supervisord")
	keep := fs.Bool("keep", false, "keep the temp dirs (configs, logs) for inspection")
	window := fs.Duration("window", 10*time.Second, "CPU measurement window")
	count := fs.Int("count", 1, "run each scenario this many times per implementation and report medians")
	quiet := fs.Float64("quiet", 30, "before each run, wait up to -quiet-wait for a second in which the machine is at most this busy (percent of all CPUs)")
	quietWait := fs.Duration("quiet-wait", 20*time.Second, "longest wait for a quiet machine before each run")
	profile := fs.String("profile", "", "build ours with profiling hooks (bench/profd) and write CPU and heap profiles of its measurement windows to this directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *count < 1 {
		return fmt.Errorf("-count must be at least 1")
	}
	var selected []*scenario
	for n := range strings.SplitSeq(*list, ",") {
		n = strings.TrimSpace(n)
		i := slices.Index(names, n)
		if i < 0 {
			return fmt.Errorf("unknown scenario %q (have %s)", n, strings.Join(names, ", "))
		}
		selected = append(selected, scenarios[i])
	}

	if err := setSubreaper(); err != nil {
		return fmt.Errorf("prctl(PR_SET_CHILD_SUBREAPER): %w", err)
	}
	// 1000 programs take about 5000 descriptors in either daemon; they
	// inherit our limit, and the configurations keep the default minfds.
	if err := raiseNoFile(minNoFile); err != nil {
		return err
	}
	r := &runner{keep: *keep, window: *window, quiet: *quiet, quietWait: *quietWait, logw: stderr, tracked: make(map[int]bool)}
	r.tmp, err = os.MkdirTemp("", "svbench-")
	if err != nil {
		return err
	}
	if !r.keep {
		defer os.RemoveAll(r.tmp)
	} else {
		fmt.Fprintln(stderr, "keeping", r.tmp)
	}
	// Whatever happens, nothing we started outlives us (this runs before
	// the temp dir is removed).
	defer func() {
		if kerr := killTree(15*time.Second, r.isTracked); kerr != nil {
			err = errors.Join(err, kerr)
		}
	}()

	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	ours := filepath.Join(r.tmp, "supervisord")
	oursPkg := "./cmd/supervisord"
	if *profile != "" {
		if r.profile, err = filepath.Abs(*profile); err != nil {
			return err
		}
		if err := os.MkdirAll(r.profile, 0o755); err != nil {
			return err
		}
		oursPkg = "./bench/profd"
	}
	r.child = filepath.Join(r.tmp, "child")
	for _, b := range [][2]string{{ours, oursPkg}, {r.child, "./bench/child"}} {
		if err := goBuild(ctx, root, b[0], b[1]); err != nil {
			return err
		}
	}
	impls := []impl{{"reference", *ref}, {"ours", ours}}

	load0 := loadavg()
	start := time.Now()
	var rows []row
	var failures, background []string
	for _, s := range selected {
		// runs[i] holds implementation i's results, one per repetition; the
		// implementations alternate so slow drifts in load hit both.
		runs := make([][]results, len(impls))
		for rep := range *count {
			for i, im := range impls {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				fmt.Fprintf(stderr, "== %s: %s (run %d of %d)\n", s.name, im.name, rep+1, *count)
				sctx, cancel := context.WithTimeout(ctx, s.timeout)
				res, err := r.runOne(sctx, s, im)
				cancel()
				if err != nil {
					failures = append(failures, fmt.Sprintf("%s (%s): %v", s.name, im.name, err))
					fmt.Fprintf(stderr, "   error: %v\n", err)
				}
				background = append(background, fmt.Sprintf("%s %s %s%%", s.name, im.name, res[backgroundKey].format(0)))
				for _, m := range s.metrics {
					if v, ok := res[m.key]; ok {
						fmt.Fprintf(stderr, "   %-32s %s\n", m.label, v.format(m.prec))
					}
				}
				runs[i] = append(runs[i], res)
			}
		}
		for _, m := range s.metrics {
			rows = append(rows, row{scenario: s.name, metric: m, ref: median(runs[0], m.key), ours: median(runs[1], m.key)})
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	runsNote := "one run each"
	if *count > 1 {
		runsNote = fmt.Sprintf("medians of %d runs each", *count)
	}
	header := fmt.Sprintf("%s, %s, %d CPUs, %s; %s; load average before %s, after %s; %.0f s",
		start.Format("2006-01-02 15:04 MST"), runtime.GOOS+"/"+runtime.GOARCH, runtime.NumCPU(),
		runtime.Version(), runsNote, load0, loadavg(), time.Since(start).Seconds())
	table := formatTable(header, rows, failures)
	table += fmt.Sprintf("\nMachine busy (all CPUs) in the second before each run started (each waited up to %v for one at most %.0f%% busy): %s.\n",
		r.quietWait, r.quiet, strings.Join(background, ", "))
	fmt.Fprint(stdout, table)
	if *out != "" {
		if err := os.WriteFile(*out, []byte(table), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// runOne runs one scenario with one implementation in a fresh temp dir and
// kills whatever it left running.
func (r *runner) runOne(ctx context.Context, s *scenario, im impl) (res results, err error) {
	dir, err := os.MkdirTemp(r.tmp, s.name+"-"+im.name+"-")
	if err != nil {
		return nil, err
	}
	res = make(results)
	// How busy the machine is before we start (the share of other work, or
	// the kernel still cleaning up after the last run): wait, for a while,
	// for a quiet second.
	for deadline := time.Now().Add(r.quietWait); ; {
		b0, t0 := machineBusy()
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(time.Second):
		}
		b1, t1 := machineBusy()
		if t1 <= t0 {
			break
		}
		busy := float64(b1-b0) / float64(t1-t0) * 100
		res[backgroundKey] = value{v: busy, ok: true}
		if busy <= r.quiet || time.Now().After(deadline) {
			break
		}
	}
	defer func() {
		if kerr := killTree(15*time.Second, r.isTracked); kerr != nil {
			err = errors.Join(err, kerr)
		}
		if s.removeNow && !r.keep {
			_ = os.RemoveAll(dir)
		}
	}()
	err = s.run(ctx, r, &run1{r: r, im: im, scenario: s.name, dir: dir, res: res})
	return res, err
}

func (r *runner) isTracked(pid int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tracked[pid]
}

// run1 is one scenario run with one implementation.
type run1 struct {
	r        *runner
	im       impl
	scenario string
	dir      string
	res      results
	d        *daemon
	marks    int // profile signals sent
}

// profiling reports whether this run is of ours built with bench/profd.
func (x *run1) profiling() bool { return x.r.profile != "" && x.im.name == "ours" }

// profileMark starts (first call) or stops (second call) a CPU profile of
// ours; after a stop it waits for bench/profd to write its snapshot.
func (x *run1) profileMark() error {
	if !x.profiling() {
		return nil
	}
	if err := syscall.Kill(x.d.pid, syscall.SIGUSR1); err != nil {
		return err
	}
	x.marks++
	if x.marks%2 == 1 {
		return nil
	}
	last := filepath.Join(x.r.profile, fmt.Sprintf("%s-memstats-%d.txt", x.scenario, x.marks/2-1))
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(last); err == nil {
			x.logf("profile written: %s", strings.TrimSuffix(last, "memstats-"+strconv.Itoa(x.marks/2-1)+".txt")+"*")
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("no profile snapshot %s after 15 s", last)
}

// start writes the configuration and launches the daemon on it.
func (x *run1) start(conf string) (*daemon, error) {
	path := filepath.Join(x.dir, "supervisord.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	var env []string
	if x.profiling() {
		env = []string{"SVBENCH_PROFILE_PREFIX=" + filepath.Join(x.r.profile, x.scenario+"-")}
	}
	d, err := launch(x.im.bin, path, x.dir, env)
	if err != nil {
		return nil, err
	}
	x.r.mu.Lock()
	x.r.tracked[d.pid] = true
	x.r.mu.Unlock()
	go func() {
		<-d.done
		x.r.mu.Lock()
		delete(x.r.tracked, d.pid)
		x.r.mu.Unlock()
	}()
	x.d = d
	return d, nil
}

// set records a metric.
func (x *run1) set(key string, v float64) { x.res[key] = value{v: v, ok: true} }

// setBound records a metric known only as a lower bound (e.g. a timeout).
func (x *run1) setBound(key string, v float64) { x.res[key] = value{v: v, ok: true, atLeast: true} }

func (x *run1) logf(format string, args ...any) {
	fmt.Fprintf(x.r.logw, "   "+format+"\n", args...)
}

func moduleRoot(ctx context.Context) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "env", "GOMOD")
	b, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(b))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside a Go module: run from the repository")
	}
	return filepath.Dir(mod), nil
}

func goBuild(ctx context.Context, root, out, pkg string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = root
	b, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, b)
	}
	return nil
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
