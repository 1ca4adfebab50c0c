package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// scenario is one benchmark, run once per implementation.
type scenario struct {
	name    string
	metrics []metricDef
	timeout time.Duration // per implementation
	// removeNow deletes the run's files as soon as it ends (bulk: gigabytes
	// that should not be written back to disk during later runs). Other runs'
	// files stay until the end: deleting thousands of files just before a
	// run makes ext4's inode allocation, and so the next run's log file
	// creation, much slower.
	removeNow bool
	run       func(ctx context.Context, r *runner, x *run1) error
}

// metricDef is one row of the table.
type metricDef struct {
	key    string
	label  string
	prec   int    // digits after the point
	target string // the target for ours, shown as is
}

var scenarios = []*scenario{
	chatty(100, "<= 1/10 ref", false),
	chatty(500, "<= 1/4 ref", true),
	bulk(),
	idle1000(),
	start1000(),
	restartLatency(),
	shutdown100(),
	api1000(),
	events5000(),
}

// program is one [program:x] section.
type program struct {
	name string
	keys [][2]string // key = value, in order
}

// config renders a configuration whose files all live in dir.
func config(dir string, progs []program) (string, error) {
	for _, sub := range []string{"childlogs", "logs"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return "", err
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "[supervisord]\nnodaemon=true\nlogfile=%[1]s/supervisord.log\npidfile=%[1]s/supervisord.pid\n"+
		"childlogdir=%[1]s/childlogs\nloglevel=info\n", dir)
	for _, p := range progs {
		fmt.Fprintf(&b, "\n[program:%s]\n", p.name)
		for _, kv := range p.keys {
			fmt.Fprintf(&b, "%s=%s\n", kv[0], kv[1])
		}
	}
	return b.String(), nil
}

// programs makes n programs p0000... with the same keys; keys may use
// {name} and {dir}.
func programs(n int, dir string, keys ...[2]string) []program {
	out := make([]program, n)
	for i := range out {
		name := fmt.Sprintf("p%04d", i)
		kv := make([][2]string, 0, len(keys)+1)
		for _, k := range keys {
			v := strings.NewReplacer("{name}", name, "{dir}", dir).Replace(k[1])
			kv = append(kv, [2]string{k[0], v})
		}
		// One thread of Go scheduling per child keeps the children cheap.
		kv = append(kv, [2]string{"environment", `GOMAXPROCS="1"`})
		out[i] = program{name: name, keys: kv}
	}
	return out
}

// cpuWindow measures the daemon's CPU use (percent of one core) and the
// whole machine's busy share over the measurement window.
func (x *run1) cpuWindow(ctx context.Context) (daemonPct, machinePct float64, err error) {
	d := x.d
	c0, err := cpuSeconds(d.pid)
	if err != nil {
		return 0, 0, err
	}
	b0, t0 := machineBusy()
	w0 := time.Now()
	if err := x.profileMark(); err != nil {
		return 0, 0, err
	}
	if err := d.sleep(ctx, x.r.window); err != nil {
		return 0, 0, err
	}
	c1, err := cpuSeconds(d.pid)
	if err != nil {
		return 0, 0, err
	}
	b1, t1 := machineBusy()
	if err := x.profileMark(); err != nil {
		return 0, 0, err
	}
	wall := time.Since(w0).Seconds()
	daemonPct = (c1 - c0) / wall * 100
	if t1 > t0 {
		machinePct = float64(b1-b0) / float64(t1-t0) * 100
	}
	return daemonPct, machinePct, nil
}

// chatty: n programs each printing a short line every 10 ms. With pin,
// once all are RUNNING the daemon gets CPU 0 to itself and the children
// the other CPUs (see the README's Caveats).
func chatty(n int, target string, pin bool) *scenario {
	return &scenario{
		name:    fmt.Sprintf("chatty-%d", n),
		timeout: 4 * time.Minute,
		metrics: []metricDef{
			{"cpu", "daemon CPU % of one core", 1, target},
			{"perline", "daemon CPU us per line", 1, ""},
			{"rate", fmt.Sprintf("lines/s captured (of %d)", n*100), 0, ""},
			{"machine", "machine busy % (all CPUs)", 0, ""},
			{"lost", "lines lost or out of order", 0, "0"},
		},
		run: func(ctx context.Context, r *runner, x *run1) error {
			conf, err := config(x.dir, programs(n, x.dir,
				[2]string{"command", r.child + " chatty -every 10ms"},
				[2]string{"stdout_logfile", "{dir}/logs/{name}.log"},
			))
			if err != nil {
				return err
			}
			d, err := x.start(conf)
			if err != nil {
				return err
			}
			if err := d.waitLog(ctx, 2*time.Minute, fmt.Sprintf("%d RUNNING", n), func(l *mainLog) bool { return l.count["success"] >= n }); err != nil {
				return err
			}
			if pin {
				if err := pinApart(d, n); err != nil {
					return err
				}
			}
			if err := d.sleep(ctx, time.Second); err != nil {
				return err
			}
			logs := filepath.Join(x.dir, "logs", "p*.log")
			size0, err := sizeGlob(logs)
			if err != nil {
				return err
			}
			cpu, machine, err := x.cpuWindow(ctx)
			if err != nil {
				return err
			}
			size1, err := sizeGlob(logs)
			if err != nil {
				return err
			}
			x.set("cpu", cpu)
			x.set("machine", machine)
			// Lines captured during the window, from the growth of the logs.
			lines := float64(size1-size0) / chattyLineLen
			x.set("rate", lines/x.r.window.Seconds())
			if lines > 0 {
				x.set("perline", cpu/100*x.r.window.Seconds()/lines*1e6)
			}

			// Stop the children ourselves (each prints "END <count>" and
			// exits 0), so the check does not depend on the daemon's
			// shutdown order, then let the daemon drain their pipes.
			kids := d.children()
			if len(kids) != n {
				x.logf("warning: daemon has %d live children, want %d", len(kids), n)
			}
			for _, k := range kids {
				_ = syscall.Kill(k.pid, syscall.SIGTERM)
			}
			if err := d.waitLog(ctx, time.Minute, fmt.Sprintf("%d exited", n), func(l *mainLog) bool { return l.count["exited"] >= n }); err != nil {
				return err
			}
			var st chattyStats
			deadline := time.Now().Add(20 * time.Second)
			for {
				st, err = checkChatty(filepath.Join(x.dir, "logs"), n)
				if err != nil {
					return err
				}
				if st.noEnd == 0 || time.Now().After(deadline) {
					break
				}
				if err := d.sleep(ctx, 200*time.Millisecond); err != nil {
					return err
				}
			}
			x.logf("checked %d lines in %d logs", st.lines, n)
			x.set("lost", float64(st.lost))
			if st.noEnd > 0 {
				return fmt.Errorf("%d of %d logs lack their END line (output lost or not drained)", st.noEnd, n)
			}
			return nil
		},
	}
}

// pinApart gives the daemon CPU 0 and its n children the other CPUs, so
// that the daemon is not starved by children that need more CPU than the
// machine has. It does nothing on a machine with one CPU.
func pinApart(d *daemon, n int) error {
	ncpu := runtime.NumCPU()
	if ncpu < 2 {
		return nil
	}
	others := make([]int, 0, ncpu-1)
	for c := 1; c < ncpu; c++ {
		others = append(others, c)
	}
	kids := d.children()
	if len(kids) != n {
		return fmt.Errorf("pin: daemon has %d live children, want %d", len(kids), n)
	}
	for _, k := range kids {
		if err := pinTasks(k.pid, others); err != nil {
			return err
		}
	}
	return pinTasks(d.pid, []int{0})
}

// chattyLineLen is the length of a chatty child's line, "%08d chatty line\n".
const chattyLineLen = 21

// chattyStats sums the check of every chatty log.
type chattyStats struct {
	lines int // numbered lines found in order
	lost  int // numbered lines missing or out of order
	noEnd int // logs without the final END line
}

// checkChatty reads dir/p*.log: each must hold 00000000, 00000001, ... in
// order, then "END <count>".
func checkChatty(dir string, n int) (chattyStats, error) {
	var st chattyStats
	for i := range n {
		f, err := os.Open(filepath.Join(dir, fmt.Sprintf("p%04d.log", i)))
		if err != nil {
			return st, err
		}
		next, end, bad := 0, -1, 0
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := sc.Text()
			if rest, ok := strings.CutPrefix(line, "END "); ok {
				end, _ = strconv.Atoi(rest)
				continue
			}
			num, _, _ := strings.Cut(line, " ")
			seq, err := strconv.Atoi(num)
			switch {
			case err != nil || seq < next:
				bad++
			case seq == next:
				st.lines++
				next++
			default:
				bad += seq - next
				st.lines++
				next = seq + 1
			}
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return st, err
		}
		if end < 0 {
			st.noEnd++
			st.lost += bad
		} else {
			st.lost += bad + max(end-next, 0)
		}
	}
	return st, nil
}

// bulk: 4 programs writing as fast as they can for 5 s.
func bulk() *scenario {
	const (
		nprog   = 4
		writing = 5 * time.Second
	)
	return &scenario{
		name:      "bulk",
		timeout:   3 * time.Minute,
		removeNow: true,
		metrics: []metricDef{
			{"rate", "captured MB/s", 0, ">= ref"},
			{"cpumb", "daemon CPU ms per MB", 3, "<= ref"},
			{"mb", "MB captured", 0, ""},
			{"lostmb", "MB written but not captured", 1, "0"},
		},
		run: func(ctx context.Context, r *runner, x *run1) error {
			conf, err := config(x.dir, programs(nprog, x.dir,
				[2]string{"command", fmt.Sprintf("%s bulk -delay 1s -for %s", r.child, writing)},
				[2]string{"startsecs", "0"},
				[2]string{"autorestart", "false"},
				[2]string{"stdout_logfile", "{dir}/logs/{name}.log"},
				[2]string{"stdout_logfile_maxbytes", "50MB"},
				// Enough backups to keep everything, so the sizes add up to
				// all that was captured.
				[2]string{"stdout_logfile_backups", "200"},
				[2]string{"stderr_logfile", "{dir}/logs/{name}.err"},
			))
			if err != nil {
				return err
			}
			d, err := x.start(conf)
			if err != nil {
				return err
			}
			if err := d.waitLog(ctx, time.Minute, "4 RUNNING", func(l *mainLog) bool { return l.count["success"] >= nprog }); err != nil {
				return err
			}
			c0, err := cpuSeconds(d.pid)
			if err != nil {
				return err
			}
			if err := x.profileMark(); err != nil {
				return err
			}
			if err := d.waitLog(ctx, 2*time.Minute, "4 exited", func(l *mainLog) bool { return l.count["exited"] >= nprog }); err != nil {
				return err
			}
			// Wait for the sizes to settle (the rest of the pipes drained).
			pattern := filepath.Join(x.dir, "logs", "p*.log*")
			var captured int64
			for stable, deadline := 0, time.Now().Add(30*time.Second); stable < 3 && time.Now().Before(deadline); {
				size, err := sizeGlob(pattern)
				if err != nil {
					return err
				}
				if size == captured {
					stable++
				} else {
					stable, captured = 0, size
				}
				if err := d.sleep(ctx, 200*time.Millisecond); err != nil {
					return err
				}
			}
			c1, err := cpuSeconds(d.pid)
			if err != nil {
				return err
			}
			if err := x.profileMark(); err != nil {
				return err
			}
			var written int64
			for i := range nprog {
				b, err := os.ReadFile(filepath.Join(x.dir, "logs", fmt.Sprintf("p%04d.err", i)))
				if err != nil {
					return err
				}
				w, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "wrote ")
				if !ok {
					return fmt.Errorf("child p%04d stderr: %q", i, b)
				}
				n, err := strconv.ParseInt(w, 10, 64)
				if err != nil {
					return err
				}
				written += n
			}
			mb := float64(captured) / 1e6
			x.set("rate", mb/writing.Seconds())
			x.set("mb", mb)
			x.set("lostmb", float64(written-captured)/1e6)
			if mb > 0 {
				x.set("cpumb", (c1-c0)*1000/mb)
			}
			return nil
		},
	}
}

// idlePrograms is n idle programs with startsecs=0.
func idlePrograms(r *runner, x *run1, n int) (string, error) {
	return config(x.dir, programs(n, x.dir,
		[2]string{"command", r.child + " idle"},
		[2]string{"startsecs", "0"},
	))
}

// idle1000: CPU and memory of the daemon watching 1000 idle programs.
func idle1000() *scenario {
	const n = 1000
	return &scenario{
		name:    "idle-1000",
		timeout: 4 * time.Minute,
		metrics: []metricDef{
			{"cpu", "daemon CPU % of one core", 2, "<= 1/10 ref"},
			{"machine", "machine busy % (all CPUs)", 0, ""},
			{"rss", "daemon RSS MB", 1, "<= 1/2 ref"},
			{"threads", "daemon threads", 0, ""},
		},
		run: func(ctx context.Context, r *runner, x *run1) error {
			conf, err := idlePrograms(r, x, n)
			if err != nil {
				return err
			}
			d, err := x.start(conf)
			if err != nil {
				return err
			}
			if err := d.waitLog(ctx, 2*time.Minute, "1000 RUNNING", func(l *mainLog) bool { return l.count["success"] >= n }); err != nil {
				return err
			}
			if err := d.sleep(ctx, 2*time.Second); err != nil {
				return err
			}
			cpu, machine, err := x.cpuWindow(ctx)
			if err != nil {
				return err
			}
			x.set("cpu", cpu)
			x.set("machine", machine)
			rss, err := rssMB(d.pid)
			if err != nil {
				return err
			}
			x.set("rss", rss)
			threads, err := statusField(d.pid, "Threads")
			if err != nil {
				return err
			}
			x.set("threads", threads)
			return nil
		},
	}
}

// start1000: from fork of the daemon to the 1000th "success:" line.
func start1000() *scenario {
	const n = 1000
	return &scenario{
		name:    "start-1000",
		timeout: 3 * time.Minute,
		metrics: []metricDef{
			{"time", "launch to 1000 RUNNING, s", 3, "<= 1/5 ref"},
			{"cpu", "daemon CPU s until then", 3, ""},
		},
		run: func(ctx context.Context, r *runner, x *run1) error {
			conf, err := idlePrograms(r, x, n)
			if err != nil {
				return err
			}
			d, err := x.start(conf)
			if err != nil {
				return err
			}
			if err := d.waitLog(ctx, 2*time.Minute, "1000 RUNNING", func(l *mainLog) bool { return l.count["success"] >= n }); err != nil {
				return err
			}
			cpu, err := cpuSeconds(d.pid)
			if err != nil {
				return err
			}
			t, _ := d.log.last("success")
			x.set("time", t.Sub(d.started).Seconds())
			x.set("cpu", cpu)
			return nil
		},
	}
}

// restartLatency: a program with autorestart=true that exits after 1 s.
func restartLatency() *scenario {
	const cycles = 5
	return &scenario{
		name:    "restart-latency",
		timeout: 90 * time.Second,
		metrics: []metricDef{
			{"mean", "exited -> spawned, mean ms", 0, "<= 50"},
			{"max", "exited -> spawned, max ms", 0, "<= 50"},
		},
		run: func(ctx context.Context, r *runner, x *run1) error {
			conf, err := config(x.dir, programs(1, x.dir,
				[2]string{"command", r.child + " exit -after 1s"},
				[2]string{"startsecs", "0"},
				[2]string{"autorestart", "true"},
			))
			if err != nil {
				return err
			}
			d, err := x.start(conf)
			if err != nil {
				return err
			}
			if err := d.waitLog(ctx, time.Minute, fmt.Sprintf("%d restarts", cycles), func(l *mainLog) bool { return l.count["spawned"] >= cycles+1 }); err != nil {
				return err
			}
			var sum, worst float64
			var exited time.Time
			k := 0
			for _, e := range d.log.events {
				switch e.kind {
				case "exited":
					exited = e.t
				case "spawned":
					if !exited.IsZero() && k < cycles {
						ms := float64(e.t.Sub(exited)) / float64(time.Millisecond)
						sum += ms
						worst = max(worst, ms)
						k++
						exited = time.Time{}
					}
				}
			}
			if k == 0 {
				return errors.New("no exited -> spawned pair in the log")
			}
			x.set("mean", sum/float64(k))
			x.set("max", worst)
			return nil
		},
	}
}

// shutdown100: SIGTERM to a daemon running 100 idle programs.
func shutdown100() *scenario {
	const (
		n     = 100
		limit = 90 * time.Second
	)
	return &scenario{
		name:    "shutdown-100",
		timeout: 4 * time.Minute,
		metrics: []metricDef{
			{"time", "SIGTERM to exit, s", 2, "about 1"},
			{"left", "programs left running", 0, "0"},
		},
		run: func(ctx context.Context, r *runner, x *run1) error {
			conf, err := idlePrograms(r, x, n)
			if err != nil {
				return err
			}
			d, err := x.start(conf)
			if err != nil {
				return err
			}
			if err := d.waitLog(ctx, time.Minute, "100 RUNNING", func(l *mainLog) bool { return l.count["success"] >= n }); err != nil {
				return err
			}
			if err := d.sleep(ctx, time.Second); err != nil {
				return err
			}
			t0 := time.Now()
			if err := syscall.Kill(d.pid, syscall.SIGTERM); err != nil {
				return err
			}
			t := time.NewTimer(limit)
			defer t.Stop()
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-t.C:
				x.setBound("time", limit.Seconds())
				_ = d.log.poll()
				x.logf("still running after %v (%s)", limit, d.log.summary())
				return nil
			case <-d.done:
			}
			x.set("time", d.exited.Sub(t0).Seconds())
			// The children of an exited daemon are re-parented to us.
			left := 0
			for _, p := range descendants(os.Getpid()) {
				if p.state != 'Z' {
					left++
				}
			}
			x.set("left", float64(left))
			return nil
		},
	}
}
