package daemon

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/supervisorgo/supervisor/internal/testutil"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

// End-to-end tests run the real supervisord binary (built once by
// TestMain) on configurations whose programs are this test binary started
// again in a helper mode (see helperMain).

const helperEnv = "SUPERVISOR_GO_TEST_HELPER"

var supervisordBin string

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		helperMain(mode, os.Args[1:])
		return
	}
	dir, err := os.MkdirTemp("", "svbin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	supervisordBin = filepath.Join(dir, "supervisord")
	out, err := exec.Command("go", "build", "-o", supervisordBin, "../../cmd/supervisord").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building supervisord: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// helperMain is a child program for the tests, chosen by mode:
//
//	run            print "started", then wait for a signal (default dispositions)
//	talk           write a line, a capture-mode message and a line at once, then wait
//	exit N         exit with status N at once
//	ignore-term    ignore SIGTERM and wait
//	once-fail F    the first time (F does not exist): create F, run 1.5 s, exit 3; later: run
//	flood N ID     write N bytes (ID's deterministic pattern) to stdout in random-size chunks, exit 0
func helperMain(mode string, args []string) {
	switch mode {
	case "run":
		fmt.Println("started")
		select {}
	case "talk":
		// One write: a line, a capture-mode message, another line.
		os.Stdout.WriteString("hello\n<!--XSUPERVISOR:BEGIN-->commdata<!--XSUPERVISOR:END-->bye\n")
		select {}
	case "exit":
		n, _ := strconv.Atoi(args[0])
		os.Exit(n)
	case "ignore-term":
		signal.Ignore(syscall.SIGTERM)
		fmt.Println("started")
		select {}
	case "once-fail":
		if _, err := os.Stat(args[0]); err != nil {
			os.WriteFile(args[0], nil, 0o644)
			time.Sleep(1500 * time.Millisecond)
			os.Exit(3)
		}
		select {}
	case "accept":
		// fd 0 is a listening socket: answer each connection.
		ln, err := net.FileListener(os.Stdin)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		for {
			c, err := ln.Accept()
			if err != nil {
				os.Exit(4)
			}
			fmt.Fprintf(c, "hello from %d\n", os.Getpid())
			c.Close()
		}
	case "flood":
		n, _ := strconv.Atoi(args[0])
		w := bufio.NewWriterSize(os.Stdout, 1<<16)
		floodPattern(w, n, args[1])
		w.Flush()
		os.Exit(0)
	}
	fmt.Fprintln(os.Stderr, "unknown helper mode", mode)
	os.Exit(2)
}

// floodPattern writes n bytes of lines that name id and count up, so that
// any lost, duplicated or reordered byte shows.
func floodPattern(w interface{ WriteString(string) (int, error) }, n int, id string) {
	for i := 0; n > 0; i++ {
		line := fmt.Sprintf("%s %09d abcdefghijklmnopqrstuvwxyz\n", id, i)
		if len(line) > n {
			line = line[:n]
		}
		w.WriteString(line)
		n -= len(line)
	}
}

// daemonRun is a supervisord (ours or the reference) running in the
// foreground on a configuration in its own directory.
type daemonRun struct {
	t    *testing.T
	dir  string
	cmd  *exec.Cmd
	done chan struct{}
	out  bytes.Buffer // stdout and stderr
	mu   sync.Mutex
}

// configFor writes body (after a [supervisord] section pointing every file
// into dir) to dir/supervisord.conf. "@HELPER@" in body is the command
// that starts this test binary in a helper mode.
func configFor(t *testing.T, dir, body string) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`[supervisord]
nodaemon=true
logfile=%[1]s/supervisord.log
pidfile=%[1]s/supervisord.pid
childlogdir=%[1]s
loglevel=info
identifier=svtest

`, dir) + strings.ReplaceAll(body, "@HELPER@", self)
	path := filepath.Join(dir, "supervisord.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// shortDir is testutil.ShortDir.
func shortDir(t *testing.T) string { return testutil.ShortDir(t) }

func startDaemon(t *testing.T, bin, dir, body string) *daemonRun {
	t.Helper()
	return startDaemonWith(t, bin, dir, body, nil)
}

// startDaemonWith is startDaemon with files the daemon inherits as its
// fds 3, 4, ... (without close-on-exec, as a careless parent leaves them).
func startDaemonWith(t *testing.T, bin, dir, body string, inherit []*os.File) *daemonRun {
	t.Helper()
	conf := configFor(t, dir, body)
	d := &daemonRun{t: t, dir: dir, done: make(chan struct{})}
	d.cmd = exec.Command(bin, "-c", conf)
	d.cmd.ExtraFiles = inherit
	d.cmd.Dir = dir
	// A race-enabled helper would wait 1 s at exit (GORACE atexit_sleep_ms).
	d.cmd.Env = append(os.Environ(), helperEnv+"=", "GORACE=atexit_sleep_ms=0")
	d.cmd.Stdout = lockedWriter{&d.mu, &d.out}
	d.cmd.Stderr = lockedWriter{&d.mu, &d.out}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.cmd.Wait(); close(d.done) }()
	t.Cleanup(func() {
		select {
		case <-d.done:
		default:
			d.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-d.done:
			case <-time.After(30 * time.Second):
				d.cmd.Process.Kill()
				<-d.done
			}
		}
	})
	return d
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (d *daemonRun) log() string {
	b, _ := os.ReadFile(filepath.Join(d.dir, "supervisord.log"))
	return string(b)
}

// waitLog waits until the main log matches every pattern.
func (d *daemonRun) waitLog(timeout time.Duration, patterns ...string) {
	d.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		log := d.log()
		missing := ""
		for _, p := range patterns {
			if !regexp.MustCompile(p).MatchString(log) {
				missing = p
				break
			}
		}
		if missing == "" {
			return
		}
		select {
		case <-d.done:
			d.t.Fatalf("supervisord exited before the log showed %q\nlog:\n%s\noutput:\n%s", missing, log, d.out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("the log did not show %q within %v\nlog:\n%s", missing, timeout, log)
		}
	}
}

func (d *daemonRun) stop(sig syscall.Signal, timeout time.Duration) {
	d.t.Helper()
	d.cmd.Process.Signal(sig)
	select {
	case <-d.done:
	case <-time.After(timeout):
		d.t.Fatalf("supervisord did not exit within %v of %v\nlog:\n%s", timeout, sig, d.log())
	}
}

var lifecycleLine = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (\w{4}) (spawned: '([^']+)' with pid \d+|success: (\S+) entered RUNNING state.*|exited: (\S+) \((.*)\)|gave up: (\S+) entered FATAL state.*|stopped: (\S+) \((.*)\)|killing '([^']+)' \(\d+\) with SIGKILL|spawnerr: (.*))$`)

// lifecycle extracts, per process, the sequence of lifecycle lines of a
// main log: the level and the message without pids.
func lifecycle(log string) map[string][]string {
	out := map[string][]string{}
	for _, line := range strings.Split(log, "\n") {
		m := lifecycleLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		level := m[1]
		switch {
		case m[3] != "":
			out[m[3]] = append(out[m[3]], level+" spawned")
		case m[4] != "":
			out[m[4]] = append(out[m[4]], level+" success")
		case m[5] != "":
			out[m[5]] = append(out[m[5]], level+" exited ("+m[6]+")")
		case m[7] != "":
			out[m[7]] = append(out[m[7]], level+" gave up")
		case m[8] != "":
			out[m[8]] = append(out[m[8]], level+" stopped ("+m[9]+")")
		case m[10] != "":
			// The reference may log this twice: its 1 s poll can run
			// transition() again before it reaps the killed child.
			if l := out[m[10]]; len(l) == 0 || l[len(l)-1] != level+" killing with SIGKILL" {
				out[m[10]] = append(out[m[10]], level+" killing with SIGKILL")
			}
		case m[11] != "":
			out["spawnerr"] = append(out["spawnerr"], level+" spawnerr: "+m[11])
		}
	}
	return out
}

const referenceBin = "/usr/bin/supervisord"

func requireReferenceDaemon(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(referenceBin); err != nil {
		t.Fatalf("the reference %s is missing: install Debian's supervisor package (scripts/test does)", referenceBin)
	}
}

// TestDifferentialLifecycle runs one configuration under the reference and
// under ours, stops both with SIGTERM once the same milestones were logged,
// and compares the lifecycle lines of every process.
func TestDifferentialLifecycle(t *testing.T) {
	requireReferenceDaemon(t)
	body := `
[program:ok]
command=@HELPER@
environment=SUPERVISOR_GO_TEST_HELPER="run"
startsecs=1

[program:quick]
command=@HELPER@ 0
environment=SUPERVISOR_GO_TEST_HELPER="exit"
startretries=2
; exits at once, but a loaded machine may take seconds to start it: it
; must still exit within startsecs to back off
startsecs=20

[program:crashonce]
command=@HELPER@ %(here)s/crashed
environment=SUPERVISOR_GO_TEST_HELPER="once-fail"
autorestart=unexpected

[program:missing]
command=/nonexistent/program --flag
startretries=1

[program:stubborn]
command=@HELPER@
environment=SUPERVISOR_GO_TEST_HELPER="ignore-term"
stopwaitsecs=1

[program:manual]
command=@HELPER@
environment=SUPERVISOR_GO_TEST_HELPER="run"
autostart=false

[program:fastexit]
command=@HELPER@ 4
environment=SUPERVISOR_GO_TEST_HELPER="exit"
startsecs=0
autorestart=false
`
	milestones := []string{`gave up: quick`, `gave up: missing`, `success: ok`, `success: stubborn`,
		`(?s)exited: crashonce.*success: crashonce`, `exited: fastexit`}
	logs := map[string]map[string][]string{}
	var wg sync.WaitGroup
	for name, bin := range map[string]string{"reference": referenceBin, "ours": supervisordBin} {
		wg.Go(func() {
			t.Run(name, func(t *testing.T) {
				d := startDaemon(t, bin, t.TempDir(), body)
				d.waitLog(90*time.Second, milestones...)
				d.stop(syscall.SIGTERM, 30*time.Second)
				logs[name] = lifecycle(d.log())
			})
		})
		wg.Wait() // one after the other: the two do not share the machine's time
	}
	ref, ours := logs["reference"], logs["ours"]
	if ref == nil || ours == nil {
		t.Fatal("a daemon did not finish")
	}
	names := map[string]bool{}
	for n := range ref {
		names[n] = true
	}
	for n := range ours {
		names[n] = true
	}
	for n := range names {
		if !slices.Equal(ref[n], ours[n]) {
			t.Errorf("%s:\n reference %q\n ours      %q", n, ref[n], ours[n])
		}
	}
	if len(ref["stubborn"]) == 0 || len(ref["quick"]) < 6 {
		t.Errorf("the scenario did not run as planned: %q", ref)
	}
}

// TestLogStress has 50 children write at full speed into logs that rotate
// every 64 KiB; the backups and the current file must hold exactly what
// each child wrote.
func TestLogStress(t *testing.T) {
	const children, size = 50, 2 << 20
	dir := t.TempDir()
	var body strings.Builder
	for i := 0; i < children; i++ {
		fmt.Fprintf(&body, `
[program:flood%02d]
command=@HELPER@ %d flood%02d
environment=SUPERVISOR_GO_TEST_HELPER="flood"
startsecs=0
autorestart=false
stdout_logfile=%s/flood%02d.log
stdout_logfile_maxbytes=64KB
stdout_logfile_backups=1000
`, i, size, i, dir, i)
	}
	d := startDaemon(t, supervisordBin, dir, body.String())
	var want []string
	for i := 0; i < children; i++ {
		want = append(want, fmt.Sprintf(`exited: flood%02d \(exit status 0; expected\)`, i))
	}
	d.waitLog(2*time.Minute, want...)
	d.stop(syscall.SIGTERM, 30*time.Second)
	for i := 0; i < children; i++ {
		base := filepath.Join(dir, fmt.Sprintf("flood%02d.log", i))
		var got bytes.Buffer
		backups, _ := filepath.Glob(base + ".*")
		for n := len(backups); n >= 1; n-- {
			b, err := os.ReadFile(base + "." + strconv.Itoa(n))
			if err != nil {
				t.Fatal(err)
			}
			got.Write(b)
		}
		cur, _ := os.ReadFile(base)
		got.Write(cur)
		var exp bytes.Buffer
		floodPattern(&exp, size, fmt.Sprintf("flood%02d", i))
		if !bytes.Equal(got.Bytes(), exp.Bytes()) {
			g, e := got.Bytes(), exp.Bytes()
			at := 0
			for at < len(g) && at < len(e) && g[at] == e[at] {
				at++
			}
			t.Errorf("flood%02d: logs hold %d bytes, want %d (%d backups); first difference at byte %d", i, got.Len(), exp.Len(), len(backups), at)
		}
	}
}

// TestSignals checks SIGUSR2 (reopen logs after an external rename) and
// SIGHUP (restart in place: same pid, programs spawned again).
func TestSignals(t *testing.T) {
	dir := t.TempDir()
	d := startDaemon(t, supervisordBin, dir, `
[program:ok]
command=@HELPER@
environment=SUPERVISOR_GO_TEST_HELPER="run"
startsecs=0
`)
	d.waitLog(10*time.Second, `success: ok`)
	logPath := filepath.Join(dir, "supervisord.log")
	if err := os.Rename(logPath, logPath+".old"); err != nil {
		t.Fatal(err)
	}
	d.cmd.Process.Signal(syscall.SIGUSR2)
	// The reference logs the request and "supervisord logreopen" to the
	// old file, then opens a new one.
	waitFor(t, 10*time.Second, "a new main log", func() bool {
		_, err := os.Stat(logPath)
		return err == nil
	})
	old, _ := os.ReadFile(logPath + ".old")
	if !regexp.MustCompile(`(?s)received SIGUSR2 indicating log reopen request.*supervisord logreopen`).Match(old) {
		t.Errorf("the old log does not end with the reopen request:\n%s", old)
	}

	pid := d.cmd.Process.Pid
	d.cmd.Process.Signal(syscall.SIGHUP)
	d.waitLog(10*time.Second, `received SIGHUP indicating restart request`, `(?s)stopped: ok.*spawned: 'ok'.*success: ok`,
		fmt.Sprintf(`supervisord started with pid %d`, pid))
	pidfile, _ := os.ReadFile(filepath.Join(dir, "supervisord.pid"))
	if strings.TrimSpace(string(pidfile)) != strconv.Itoa(pid) {
		t.Errorf("pidfile %q, want %d", pidfile, pid)
	}
	d.stop(syscall.SIGINT, 10*time.Second)
	if _, err := os.Stat(filepath.Join(dir, "supervisord.pid")); err == nil {
		t.Error("the pidfile is still there after shutdown")
	}
	if code := d.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit code %d", code)
	}
}

// TestDaemonizes starts supervisord without -n: the command returns 0
// once the daemon runs, in its own session, and the pidfile names it.
func TestDaemonizes(t *testing.T) {
	dir := t.TempDir()
	conf := configFor(t, dir, `
[program:ok]
command=@HELPER@
environment=SUPERVISOR_GO_TEST_HELPER="run"
`)
	b, _ := os.ReadFile(conf)
	os.WriteFile(conf, bytes.Replace(b, []byte("nodaemon=true"), []byte("nodaemon=false"), 1), 0o644)
	cmd := exec.Command(supervisordBin, "-c", conf)
	cmd.Env = append(os.Environ(), helperEnv+"=", "GORACE=atexit_sleep_ms=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("supervisord: %v\n%s", err, out)
	}
	pidText, err := os.ReadFile(filepath.Join(dir, "supervisord.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(pidText)))
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	if sid, _ := getsid(pid); sid != pid {
		t.Errorf("the daemon (pid %d) is not a session leader (sid %d)", pid, sid)
	}
	d := &daemonRun{t: t, dir: dir, done: make(chan struct{})}
	d.waitLog(10*time.Second, `daemonizing the supervisord process`, `success: ok`)
	syscall.Kill(pid, syscall.SIGTERM)
	deadline := time.Now().Add(10 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatal("the daemon did not exit on SIGTERM")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v", what, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func getsid(pid int) (int, error) {
	sid, _, errno := syscall.RawSyscall(syscall.SYS_GETSID, uintptr(pid), 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(sid), nil
}

// TestBrokenConfig: one line with file:line, exit 2, nothing started.
func TestBrokenConfig(t *testing.T) {
	dir := t.TempDir()
	conf := configFor(t, dir, "[program:web]\ncommand=/bin/true\nstopsignal=TERMX\n")
	out, err := exec.CommandContext(context.Background(), supervisordBin, "-c", conf).CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 2 {
		t.Fatalf("exit %v, want 2", err)
	}
	want := fmt.Sprintf("Error: %s:11: [program:web] stopsignal: unknown signal \"TERMX\"\n", conf)
	if string(out) != want {
		t.Errorf("output %q, want %q", out, want)
	}
}

// TestParentDeathSignal: with parent_death_signal (beyond the reference,
// Supervisor issue #1101) a child dies when supervisord is killed with
// SIGKILL; without it the child survives, as under the reference.
func TestParentDeathSignal(t *testing.T) {
	d := startDaemon(t, supervisordBin, t.TempDir(), `
[program:guarded]
command=@HELPER@
environment=SUPERVISOR_GO_TEST_HELPER="run"
startsecs=0
parent_death_signal=KILL

[program:orphan]
command=@HELPER@
environment=SUPERVISOR_GO_TEST_HELPER="run"
startsecs=0
`)
	d.waitLog(10*time.Second, `success: guarded`, `success: orphan`)
	pidOf := func(name string) int {
		m := regexp.MustCompile(`spawned: '` + name + `' with pid (\d+)`).FindStringSubmatch(d.log())
		pid, _ := strconv.Atoi(m[1])
		return pid
	}
	guarded, orphan := pidOf("guarded"), pidOf("orphan")
	t.Cleanup(func() { syscall.Kill(orphan, syscall.SIGKILL) })
	d.cmd.Process.Kill()
	<-d.done
	waitFor(t, 10*time.Second, "end of the guarded child", func() bool {
		// Reaped by init once it died (or a zombie of ours if we are init).
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", guarded))
		return err != nil || strings.Contains(string(b), ") Z ")
	})
	if err := syscall.Kill(orphan, 0); err != nil {
		t.Errorf("the child without parent_death_signal died too: %v", err)
	}
}

// TestFastCGISocket: the processes of an fcgi-program get the group's
// listening socket as fd 0 (the helper answers one connection on it); the
// same test passes against the reference.
func TestFastCGISocket(t *testing.T) {
	requireReferenceDaemon(t)
	for _, bin := range []struct{ name, path string }{{"reference", referenceBin}, {"ours", supervisordBin}} {
		t.Run(bin.name, func(t *testing.T) { testFastCGISocket(t, bin.path) })
	}
}

func testFastCGISocket(t *testing.T, bin string) {
	sockDir := shortDir(t)
	sock := filepath.Join(sockDir, "fcgi.sock")
	d := startDaemon(t, bin, t.TempDir(), fmt.Sprintf(`
[fcgi-program:echo]
command=@HELPER@
environment=SUPERVISOR_GO_TEST_HELPER="accept"
socket=unix://%s
socket_mode=0660
process_name=%%(program_name)s_%%(process_num)d
numprocs=2
startsecs=0
`, sock))
	d.waitLog(10*time.Second, `Creating socket unix://`, `success: echo_0`, `success: echo_1`)
	st, err := os.Stat(sock)
	if err != nil || st.Mode().Perm() != 0o660 || st.Mode()&os.ModeSocket == 0 {
		t.Fatalf("socket %v, %v", st, err)
	}
	for i := 0; i < 2; i++ {
		conn, err := net.Dial("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		reply, _ := io.ReadAll(conn)
		conn.Close()
		if !strings.HasPrefix(string(reply), "hello from ") {
			t.Errorf("reply %q", reply)
		}
	}
	d.stop(syscall.SIGTERM, 10*time.Second)
	if !strings.Contains(d.log(), "Closing socket unix://") {
		t.Error("the socket was not closed after the last process")
	}
}

// TestReapsOrphansAsPID1 runs supervisord as PID 1 of a new PID namespace
// (as in a container): a program whose child outlives it leaves an orphan
// that supervisord must reap.
func TestReapsOrphansAsPID1(t *testing.T) {
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Fatal("unshare (util-linux) is needed to run supervisord as PID 1")
	}
	dir := t.TempDir()
	conf := configFor(t, dir, `
[program:parent]
command=/bin/sh -c '(sleep 0.3; exit 7) & exit 0'
startsecs=0
autorestart=false
`)
	// --kill-child: when unshare dies, supervisord (PID 1 inside) gets SIGTERM.
	cmd := exec.Command(unshare, "--pid", "--fork", "--mount-proc", "--kill-child=SIGTERM", supervisordBin, "-c", conf)
	cmd.Env = append(os.Environ(), helperEnv+"=")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
	})
	d := &daemonRun{t: t, dir: dir, done: done, cmd: cmd}
	d.waitLog(10*time.Second, `exited: parent \(exit status 0; expected\)`, `reaped unknown pid \d+ \(exit status 7\)`)
	cmd.Process.Kill()
	<-done
	waitFor(t, 10*time.Second, "shutdown of the PID 1 supervisord", func() bool {
		return strings.Contains(d.log(), "received SIGTERM indicating exit request")
	})
}

// TestLogToDevStdout: the Docker setup, stdout_logfile=/dev/stdout with
// maxbytes 0, sends a program's output to supervisord's own stdout, under
// the reference and ours.
func TestLogToDevStdout(t *testing.T) {
	requireReferenceDaemon(t)
	for _, bin := range []struct{ name, path string }{{"reference", referenceBin}, {"ours", supervisordBin}} {
		t.Run(bin.name, func(t *testing.T) {
			d := startDaemon(t, bin.path, t.TempDir(), `
[program:talker]
command=@HELPER@
environment=SUPERVISOR_GO_TEST_HELPER="run"
stdout_logfile=/dev/stdout
stdout_logfile_maxbytes=0
startsecs=0
`)
			d.waitLog(10*time.Second, `success: talker`)
			waitFor(t, 10*time.Second, `"started" on supervisord's stdout`, func() bool {
				d.mu.Lock()
				defer d.mu.Unlock()
				return strings.Contains(d.out.String(), "started\n")
			})
		})
	}
}

// TestChildDescriptors: a program gets fds 0, 1 and 2 and nothing else,
// neither what supervisord inherited without close-on-exec nor any of the
// pipes of the programs started before it, under the reference (which
// closes 3..minfds in the child) and ours (whose children fork from a
// thread with its own small descriptor table).
func TestChildDescriptors(t *testing.T) {
	requireReferenceDaemon(t)
	var body strings.Builder
	for i := range 20 {
		fmt.Fprintf(&body, "[program:idle%02d]\ncommand=@HELPER@\nenvironment=SUPERVISOR_GO_TEST_HELPER=\"run\"\nstartsecs=0\npriority=1\n\n", i)
	}
	body.WriteString(`[program:lister]
command=/bin/sh -c "exec ls /proc/self/fd"
startsecs=0
autorestart=false
priority=2
stdout_logfile=%(here)s/lister.out
`)
	for _, bin := range []struct{ name, path string }{{"reference", referenceBin}, {"ours", supervisordBin}} {
		t.Run(bin.name, func(t *testing.T) {
			leaked, err := os.Open(os.DevNull)
			if err != nil {
				t.Fatal(err)
			}
			defer leaked.Close()
			dir := t.TempDir()
			d := startDaemonWith(t, bin.path, dir, body.String(), []*os.File{leaked})
			d.waitLog(20*time.Second, `exited: lister`)
			out, err := os.ReadFile(filepath.Join(dir, "lister.out"))
			if err != nil {
				t.Fatal(err)
			}
			// ls's own descriptor for the directory it lists is the lowest
			// free one: 3 when nothing was inherited.
			if got := strings.Fields(string(out)); !slices.Equal(got, []string{"0", "1", "2", "3"}) {
				t.Errorf("the program had the descriptors %q, want 0 1 2 (and ls's own 3)", got)
			}
		})
	}
}

// TestRemovedGroupClosesLogs: once a group is removed
// (removeProcessGroup, as supervisorctl update does for a changed or
// deleted program) the daemon no longer holds its log file open.
func TestRemovedGroupClosesLogs(t *testing.T) {
	sockDir := shortDir(t)
	sock := filepath.Join(sockDir, "s.sock")
	dir := t.TempDir()
	logPath := filepath.Join(dir, "talker.log")
	d := startDaemon(t, supervisordBin, dir, fmt.Sprintf(`
[unix_http_server]
file=%s

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[program:talker]
command=@HELPER@
environment=SUPERVISOR_GO_TEST_HELPER="run"
stdout_logfile=%s
startsecs=0
`, sock, logPath))
	d.waitLog(10*time.Second, `success: talker`)
	holds := func() bool {
		fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", d.cmd.Process.Pid))
		for _, fd := range fds {
			if target, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", d.cmd.Process.Pid, fd.Name())); target == logPath {
				return true
			}
		}
		return false
	}
	waitFor(t, 10*time.Second, "the log file open once the program wrote", holds)
	for _, call := range []struct {
		method string
		args   []xmlrpc.Value
	}{{"supervisor.stopProcess", []xmlrpc.Value{"talker"}}, {"supervisor.removeProcessGroup", []xmlrpc.Value{"talker"}}} {
		if _, err := rpcCall(t, sock, call.method, call.args...); err != nil {
			t.Fatalf("%s: %v", call.method, err)
		}
	}
	waitFor(t, 10*time.Second, "the log file closed after removeProcessGroup", func() bool { return !holds() })
}

// TestExecPlugin: an [rpcinterface:x] section with the exec factory runs
// a plugin written in Python; Python's xmlrpc.client calls it through
// supervisord like any other namespace.
func TestExecPlugin(t *testing.T) {
	kv, err := filepath.Abs("../execplugin/testdata/kv.py")
	if err != nil {
		t.Fatal(err)
	}
	port := freeTCPPort(t)
	d := startDaemon(t, supervisordBin, t.TempDir(), fmt.Sprintf(`
[inet_http_server]
port=127.0.0.1:%d

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[rpcinterface:kv]
supervisor.rpcinterface_factory = exec
command = /usr/bin/python3 %s
max_keys = 2
`, port, kv))
	d.waitLog(10*time.Second, `supervisord started with pid`)
	script := fmt.Sprintf(`
import xmlrpc.client as x
s = x.ServerProxy('http://127.0.0.1:%d/RPC2')
print(s.kv.store('a', '1'), s.kv.get('a'), s.kv.count())
print(sorted(m for m in s.system.listMethods() if m.startswith('kv.')))
s.kv.store('b', '2')
try:
    s.kv.store('c', '3')
except x.Fault as f:
    print('fault', f.faultCode, f.faultString)
try:
    s.kv.nosuch()
except x.Fault as f:
    print('fault', f.faultCode, f.faultString)
`, port)
	out, err := exec.Command("/usr/bin/python3", "-c", script).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	want := "True 1 1\n['kv.count', 'kv.get', 'kv.store']\nfault 10 FULL: max_keys (2) reached\nfault 1 UNKNOWN_METHOD\n"
	if string(out) != want {
		t.Errorf("output\n%s\nwant\n%s", out, want)
	}
	d.stop(syscall.SIGTERM, 20*time.Second)
}
