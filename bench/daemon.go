package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// daemon is one running supervisord (reference or ours) under test.
type daemon struct {
	pid     int
	dir     string
	outPath string    // the daemon's own stdout and stderr
	started time.Time // just before fork
	log     *mainLog

	done    chan struct{} // closed once Wait returned
	exited  time.Time     // when Wait returned
	waitErr error
}

// launch starts bin -n -c conf in its own process group, with its output in
// dir/daemon.out. The daemon gets SIGKILL if this program dies
// (Pdeathsig); that signal is tied to the thread that forked, so the fork
// and the Wait run on one goroutine locked to its thread.
func launch(bin, conf, dir string, env []string) (*daemon, error) {
	out, err := os.Create(filepath.Join(dir, "daemon.out"))
	if err != nil {
		return nil, err
	}
	d := &daemon{
		dir:     dir,
		outPath: out.Name(),
		log:     &mainLog{path: filepath.Join(dir, "supervisord.log")},
		done:    make(chan struct{}),
	}
	startErr := make(chan error, 1)
	go func() {
		defer close(d.done)
		defer out.Close()
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		cmd := exec.Command(bin, "-n", "-c", conf)
		cmd.Dir = dir
		if env != nil {
			cmd.Env = append(os.Environ(), env...)
		}
		cmd.Stdout = out
		cmd.Stderr = out
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		d.started = time.Now()
		if err := cmd.Start(); err != nil {
			startErr <- err
			return
		}
		d.pid = cmd.Process.Pid
		startErr <- nil
		d.waitErr = cmd.Wait()
		d.exited = time.Now()
	}()
	if err := <-startErr; err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	return d, nil
}

// alive reports whether the daemon has not exited yet.
func (d *daemon) alive() bool {
	select {
	case <-d.done:
		return false
	default:
		return true
	}
}

// waitLog polls the main log until cond holds, the daemon exits, ctx ends
// or timeout passes.
func (d *daemon) waitLog(ctx context.Context, timeout time.Duration, what string, cond func(*mainLog) bool) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if err := d.log.poll(); err != nil {
			return err
		}
		if cond(d.log) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		case <-d.done:
			_ = d.log.poll()
			if cond(d.log) {
				return nil
			}
			return fmt.Errorf("daemon exited (%v) while waiting for %s; its output ends:\n%s", d.waitErr, what, tailFile(d.outPath, 800))
		case <-deadline.C:
			return fmt.Errorf("timeout after %v waiting for %s (log so far: %s)", timeout, what, d.log.summary())
		case <-tick.C:
		}
	}
}

// sleep waits for dur, failing if ctx ends or the daemon exits meanwhile.
func (d *daemon) sleep(ctx context.Context, dur time.Duration) error {
	t := time.NewTimer(dur)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-d.done:
		return fmt.Errorf("daemon exited (%v) during a measurement; its output ends:\n%s", d.waitErr, tailFile(d.outPath, 800))
	case <-t.C:
		return nil
	}
}

// children lists the daemon's live direct children (its programs).
func (d *daemon) children() []procInfo {
	var out []procInfo
	for _, p := range allProcs() {
		if p.ppid == d.pid && p.state != 'Z' {
			out = append(out, p)
		}
	}
	return out
}

// logEvent is one process-state line of the main log.
type logEvent struct {
	t    time.Time
	kind string // spawned, success, exited, stopped, gave up
	name string
}

// mainLog follows supervisord's main log (its file, not its stdout),
// parsing the lines each poll adds.
type mainLog struct {
	path    string
	off     int64
	partial []byte
	events  []logEvent
	count   map[string]int
	lines   int
}

// logKinds are the message prefixes counted, as the reference words them.
var logKinds = []string{"spawned: '", "success: ", "exited: ", "stopped: ", "gave up: "}

// poll reads what was appended since the last poll.
func (l *mainLog) poll() error {
	if l.count == nil {
		l.count = make(map[string]int)
	}
	f, err := os.Open(l.path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Seek(l.off, io.SeekStart); err != nil {
		return err
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return err
	}
	l.off += int64(len(b))
	b = append(l.partial, b...)
	last := bytes.LastIndexByte(b, '\n')
	if last < 0 {
		l.partial = b
		return nil
	}
	l.partial = append([]byte(nil), b[last+1:]...)
	for line := range strings.SplitSeq(string(b[:last]), "\n") {
		l.lines++
		l.parse(line)
	}
	return nil
}

// parse records one line: "YYYY-MM-DD HH:MM:SS,mmm LEVEL message".
func (l *mainLog) parse(line string) {
	if len(line) < 24 {
		return
	}
	t, err := time.ParseInLocation("2006-01-02 15:04:05,000", line[:23], time.Local)
	if err != nil {
		return
	}
	_, msg, ok := strings.Cut(line[24:], " ")
	if !ok {
		return
	}
	for _, k := range logKinds {
		if rest, ok := strings.CutPrefix(msg, k); ok {
			kind := strings.TrimRight(k, ": '")
			name, _, _ := strings.Cut(strings.TrimPrefix(rest, "'"), " ")
			name = strings.TrimSuffix(name, "'")
			l.events = append(l.events, logEvent{t: t, kind: kind, name: name})
			l.count[kind]++
			return
		}
	}
}

// summary describes what the log showed, for timeout errors.
func (l *mainLog) summary() string {
	return fmt.Sprintf("%d lines, spawned %d, success %d, exited %d, stopped %d, gave up %d",
		l.lines, l.count["spawned"], l.count["success"], l.count["exited"], l.count["stopped"], l.count["gave up"])
}

// last returns the time of the last event of kind.
func (l *mainLog) last(kind string) (time.Time, bool) {
	for i := len(l.events) - 1; i >= 0; i-- {
		if l.events[i].kind == kind {
			return l.events[i].t, true
		}
	}
	return time.Time{}, false
}
