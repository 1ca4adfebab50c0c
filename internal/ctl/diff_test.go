package ctl

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/supervisorgo/supervisor/internal/testutil"
)

// The differential test: the reference's supervisorctl and ours drive two
// identical daemons through the same commands, and the transcripts
// (output and exit code of each command) must be the same once pids,
// uptimes, dates and temporary directories are masked. It runs against
// two reference supervisords, then against two of ours.

const (
	refDaemon = "/usr/bin/supervisord"
	refCtl    = "/usr/bin/supervisorctl"
)

var (
	oursDaemon string // built by TestMain
	oursCtl    string
	buildErr   error
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := func() int {
		if !testing.Short() {
			dir, err := os.MkdirTemp("", "ctlbin")
			if err != nil {
				buildErr = err
			} else {
				defer os.RemoveAll(dir)
				oursDaemon = filepath.Join(dir, "supervisord")
				oursCtl = filepath.Join(dir, "supervisorctl")
				for bin, pkg := range map[string]string{oursDaemon: "github.com/supervisorgo/supervisor/cmd/supervisord", oursCtl: "github.com/supervisorgo/supervisor/cmd/supervisorctl"} {
					if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
						buildErr = fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
					}
				}
			}
		}
		return m.Run()
	}()
	os.Exit(code)
}

func requireReference(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("the differential tests run the reference: not in -short mode")
	}
	for _, p := range []string{refDaemon, refCtl} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s is missing: install Debian's supervisor package (the reference, 4.2.5)", p)
		}
	}
	if buildErr != nil {
		t.Fatal(buildErr)
	}
}

var masks = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`pid \d+, uptime \d+:\d\d:\d\d`), "pid PID, uptime UPTIME"},
	{regexp.MustCompile(`[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M`), "DATE"},
	{regexp.MustCompile(`(?m)^\d+$`), "PID"},
	{regexp.MustCompile(`"(supervisord|alpha)": \d+`), `"$1": PID`},
	// A Ctrl-C that reaches the reference inside its HTTP client's
	// handler is reported as a connection error instead of ending the
	// follow quietly with an empty line.
	{regexp.MustCompile(`(?m)^\S+ Cannot connect, error: <class 'KeyboardInterrupt'> \(\)$`), ""},
	// The reference prints a Python exception summary where ours prints
	// one line saying what to check: both must print an error line.
	{regexp.MustCompile(`(?m)^error: .*$`), "error: ..."},
}

// sortIfUnordered sorts the lines of the output of commands acting on
// several processes at once: the reference daemon answers them in an
// order that varies from run to run (stopAllProcesses, stopProcessGroup).
func sortIfUnordered(args []string, out string) string {
	several := false
	for _, a := range args[1:] {
		if a == "all" || strings.HasSuffix(a, ":*") {
			several = true
		}
	}
	if !several || !contains([]string{"start", "stop", "restart", "signal", "clear"}, args[0]) {
		return out
	}
	lines := strings.SplitAfter(out, "\n")
	sort.Strings(lines)
	return strings.Join(lines, "")
}

func mask(s, dir string, port int) string {
	s = strings.ReplaceAll(s, dir, "DIR")
	s = strings.ReplaceAll(s, fmt.Sprintf("127.0.0.1:%d", port), "127.0.0.1:PORT")
	for _, m := range masks {
		s = m.re.ReplaceAllString(s, m.with)
	}
	return s
}

// freePort is testutil.FreePort.
func freePort(t *testing.T) int { return testutil.FreePort(t) }

const daemonConf = `[unix_http_server]
file=DIR/s.sock

[inet_http_server]
port=127.0.0.1:PORT
username=user
password=pass

[supervisord]
logfile=DIR/main.log
pidfile=DIR/supervisord.pid
childlogdir=DIR

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://DIR/s.sock

[program:alpha]
command=/bin/sh -c 'echo alpha-out; echo alpha-err >&2; exec sleep 1000'
startsecs=0
stdout_logfile=DIR/alpha.out
stderr_logfile=DIR/alpha.err

[program:beta]
command=/bin/sleep 1000
autostart=false
startsecs=0

[program:echo]
command=/bin/sh -c 'while read l; do echo "got:$l"; done'
startsecs=0
stdout_logfile=DIR/echo.out

[program:gamma]
command=/bin/sleep 1000
startsecs=0

[program:delta]
command=/bin/sleep 1000
startsecs=0

[group:grp]
programs=gamma,delta
`

// changedConf adds "new", changes beta and drops grp's delta.
func changedConf(conf string) string {
	conf = strings.Replace(conf, "command=/bin/sleep 1000\nautostart=false", "command=/bin/sleep 999\nautostart=false", 1)
	conf = strings.Replace(conf, "programs=gamma,delta", "programs=gamma", 1)
	return conf + "\n[program:new]\ncommand=/bin/sleep 1000\nstartsecs=0\n"
}

type daemon struct {
	dir, conf string
	port      int
	cmd       *exec.Cmd
	done      chan struct{}
}

// startDaemon starts bin on a fresh configuration and waits until every
// autostarted program runs. The inet port is picked free just before; when
// another test takes it first, the daemon refuses to start and is started
// again on another port.
func startDaemon(t *testing.T, bin string) *daemon {
	t.Helper()
	for attempt := 1; ; attempt++ {
		d, portTaken := startDaemonOnce(t, bin)
		if !portTaken {
			return d
		}
		if attempt == 5 {
			t.Fatalf("%s: the port was taken five times in a row", bin)
		}
	}
}

func startDaemonOnce(t *testing.T, bin string) (d *daemon, portTaken bool) {
	t.Helper()
	dir := shortTempDir(t)
	d = &daemon{dir: dir, conf: filepath.Join(dir, "supervisord.conf"), port: freePort(t), done: make(chan struct{})}
	d.write(t, daemonConf)
	logf, err := os.Create(filepath.Join(dir, "daemon.out"))
	if err != nil {
		t.Fatal(err)
	}
	d.cmd = exec.Command(bin, "-n", "-c", d.conf)
	d.cmd.Stdout, d.cmd.Stderr = logf, logf
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		d.cmd.Wait()
		logf.Close()
		close(d.done)
	}()
	t.Cleanup(func() {
		d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.done:
		case <-time.After(20 * time.Second):
			d.cmd.Process.Kill()
			<-d.done
		}
	})
	// Until the daemon answers a call (its listeners are all open by
	// then), an early exit may be the port.
	cl, err := newClient("unix://"+filepath.Join(dir, "s.sock"), "", "")
	if err != nil {
		t.Fatal(err)
	}
	defer cl.close()
	deadline := time.Now().Add(45 * time.Second)
	for {
		select {
		case <-d.done:
			out, _ := os.ReadFile(filepath.Join(dir, "daemon.out"))
			if bytes.Contains(out, []byte("Another program is already listening")) {
				return nil, true
			}
			t.Fatalf("the daemon exited:\n%s", out)
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := cl.call(ctx, "supervisor.getState")
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not answer: %v", bin, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	d.waitRunning(t, "alpha", "echo", "grp:gamma", "grp:delta")
	return d, false
}

func (d *daemon) write(t *testing.T, conf string) {
	t.Helper()
	conf = strings.ReplaceAll(conf, "DIR", d.dir)
	conf = strings.ReplaceAll(conf, "PORT", fmt.Sprint(d.port))
	if err := os.WriteFile(d.conf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
}

// waitRunning waits until the daemon answers and the named processes run.
func (d *daemon) waitRunning(t *testing.T, names ...string) {
	t.Helper()
	cl, err := newClient("unix://"+filepath.Join(d.dir, "s.sock"), "", "")
	if err != nil {
		t.Fatal(err)
	}
	defer cl.close()
	deadline := time.Now().Add(45 * time.Second)
	waitFor(t, time.Hour, "the daemon", func() bool {
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(filepath.Join(d.dir, "main.log"))
			t.Fatalf("timed out waiting for the daemon and %s; its log:\n%s", strings.Join(names, ", "), out)
		}
		select {
		case <-d.done:
			out, _ := os.ReadFile(filepath.Join(d.dir, "daemon.out"))
			t.Fatalf("the daemon exited:\n%s", out)
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		v, err := cl.call(ctx, "supervisor.getAllProcessInfo")
		if err != nil {
			return false
		}
		running := map[string]bool{}
		for _, info := range structs(v) {
			running[makeNamespec(str(info, "group"), str(info, "name"))] = str(info, "statename") == "RUNNING"
		}
		for _, n := range names {
			if !running[n] {
				return false
			}
		}
		return true
	})
}

// runner runs supervisorctl commands: the reference's as a subprocess,
// ours in-process.
type runner interface {
	run(t *testing.T, conf, stdin string, args ...string) (string, int)
	// follow runs a following command until its output holds until, then
	// interrupts it as Ctrl-C would.
	follow(t *testing.T, conf, until string, args ...string) string
	// fg runs fg NAME, types input, waits for until, then ends its input.
	fg(t *testing.T, conf, name, input, until string) string
}

type refRunner struct{}

func (refRunner) run(t *testing.T, conf, stdin string, args ...string) (string, int) {
	t.Helper()
	if conf != "" {
		args = append([]string{"-c", conf}, args...)
	}
	cmd := exec.Command(refCtl, args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("supervisorctl %q: %v", args, err)
	}
	return string(out), code
}

func (refRunner) follow(t *testing.T, conf, until string, args ...string) string {
	t.Helper()
	cmd := exec.Command(refCtl, append([]string{"-c", conf}, args...)...)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, fmt.Sprintf("%q in %q", until, args), func() bool { return strings.Contains(out.String(), until) })
	cmd.Process.Signal(syscall.SIGINT)
	cmd.Wait()
	return fmt.Sprintf("%s[exit %d]\n", out.String(), cmd.ProcessState.ExitCode())
}

func (refRunner) fg(t *testing.T, conf, name, input, until string) string {
	t.Helper()
	cmd := exec.Command(refCtl, "-c", conf, "fg", name)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "fg to start", func() bool { return strings.Contains(out.String(), "Ctrl-C") })
	io.WriteString(in, input)
	waitFor(t, 30*time.Second, until, func() bool { return strings.Contains(out.String(), until) })
	in.Close()
	// The reference then lingers until its output thread's select times
	// out (up to 30 s) before exiting 0: stop it once it has detached.
	waitFor(t, 30*time.Second, "Exiting foreground", func() bool { return strings.Contains(out.String(), "Exiting foreground") })
	cmd.Process.Kill()
	cmd.Wait()
	return out.String() + "[detached]\n"
}

type oursRunner struct{}

func (oursRunner) run(t *testing.T, conf, stdin string, args ...string) (string, int) {
	t.Helper()
	if conf != "" {
		args = append([]string{"-c", conf}, args...)
	}
	return runOurs(t, stdin, args...)
}

func (oursRunner) follow(t *testing.T, conf, until string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	done := make(chan int)
	go func() {
		done <- Main(ctx, refCtl, append([]string{"-c", conf}, args...), strings.NewReader(""), &out, &out)
	}()
	waitFor(t, 30*time.Second, fmt.Sprintf("%q in %q", until, args), func() bool { return strings.Contains(out.String(), until) })
	cancel()
	code := <-done
	return fmt.Sprintf("%s[exit %d]\n", out.String(), code)
}

func (oursRunner) fg(t *testing.T, conf, name, input, until string) string {
	t.Helper()
	pr, pw := io.Pipe()
	var out syncBuffer
	done := make(chan int)
	go func() {
		done <- Main(context.Background(), refCtl, []string{"-c", conf, "fg", name}, pr, &out, &out)
	}()
	waitFor(t, 30*time.Second, "fg to start", func() bool { return strings.Contains(out.String(), "Ctrl-C") })
	io.WriteString(pw, input)
	waitFor(t, 30*time.Second, until, func() bool { return strings.Contains(out.String(), until) })
	pw.Close()
	if code := <-done; code != 0 {
		t.Errorf("fg exited %d", code)
	}
	return out.String() + "[detached]\n"
}

// transcript drives d through the commands of part (1 or 2) with r.
// The parts run on their own daemons, at the same time.
func transcript(t *testing.T, r runner, d *daemon, part int) string {
	var b strings.Builder
	run := func(args ...string) {
		start := time.Now()
		defer func() {
			if el := time.Since(start); el > 5*time.Second {
				t.Logf("%T %q took %v", r, args, el)
			}
		}()
		out, code := r.run(t, d.conf, "", args...)
		out = sortIfUnordered(args, out)
		fmt.Fprintf(&b, "$ supervisorctl %s\n%s[exit %d]\n", strings.Join(args, " "), out, code)
	}
	if part == 2 {
		return transcript2(t, r, d, &b, run)
	}
	for _, args := range [][]string{
		{"status"}, {"status", "alpha"}, {"status", "grp:*"}, {"status", "nosuch", "nosuch:*", "grp:nosuch"},
		{"pid"}, {"pid", "alpha", "beta", "nosuch"}, {"pid", "all"},
		{"avail"}, {"version"},
		{"help"}, {"help", "status"}, {"help", "nosuch"},
		{"tail", "alpha"}, {"tail", "-5", "alpha"}, {"tail", "nosuch"}, {"tail", "-x", "alpha"},
		{"tail", "alpha", "foo"}, {"tail"}, {"tail", "beta"},
		{"maintail", "-x"},
		{"start", "beta"}, {"start", "beta"}, {"start", "nosuch"}, {"start"},
		{"stop", "beta"}, {"stop", "beta"},
		{"stop", "grp:*"}, {"status"}, {"start", "grp:*"},
		{"restart", "alpha"}, {"restart", "grp:*", "beta"}, {"restart"},
		{"signal", "CONT", "alpha"}, {"signal", "BOGUS", "alpha"}, {"signal", "CONT"},
		{"clear", "alpha"}, {"tail", "alpha"}, {"clear", "nosuch"}, {"clear"},
		{"stop", "all"}, {"status"}, {"start", "all"},
		{"reread"}, {"update"}, {"avail", "x"},
		{"remove", "grp"}, {"add", "grp"}, {"add", "nosuch"},
		{"fg"}, {"fg", "nosuch"},
		{"open", "ftp://x"}, {"open", "unix://" + filepath.Join(d.dir, "s.sock")},
		{"foo"}, {"quit"}, {"?"}, {"!ls"}, {"-x"},
		{"reload", "x"},
	} {
		run(args...)
	}
	return mask(b.String(), d.dir, d.port)
}

func transcript2(t *testing.T, r runner, d *daemon, b *strings.Builder, run func(...string)) string {
	// Changed configuration: reread and update, by group too.
	d.write(t, changedConf(daemonConf))
	for _, args := range [][]string{{"reread"}, {"update", "beta", "nosuch"}, {"update"}, {"avail"}, {"status"},
		{"stop", "grp:*"}, {"remove", "grp"}, {"status", "grp:*"}, {"add", "grp"}, {"add", "grp"}, {"update", "all"}} {
		run(args...)
	}
	// Server URLs, credentials, connection errors.
	inet := fmt.Sprintf("http://127.0.0.1:%d", d.port)
	for _, args := range [][]string{
		{"-s", inet, "status", "alpha"},
		{"-s", inet, "-u", "user", "-p", "wrong", "status", "alpha"},
		{"-s", inet, "-u", "user", "-p", "pass", "status", "alpha"},
		{"-s", "unix://" + filepath.Join(d.dir, "missing.sock"), "status"},
		{"-s", "unix://" + filepath.Join(d.dir, "missing.sock"), "start", "alpha"},
		{"-s", "unix://" + filepath.Join(d.dir, "missing.sock"), "shutdown"},
		{"-s", "http://127.0.0.1:1", "status"},
		{"-s", "http://127.0.0.1:1", "shutdown"},
		{"-s", "foo", "status"},
		{"-s", "a:b", "-s", "c:d", "status"},
	} {
		run(args...)
	}
	for _, args := range [][]string{{"-c", filepath.Join(d.dir, "missing.conf"), "status"}, {"-c", d.conf, "-z"}, {"-h"}} {
		out, code := r.run(t, "", "", args...)
		fmt.Fprintf(b, "$ supervisorctl %s\n%s[exit %d]\n", strings.Join(args, " "), out, code)
	}
	// The shell, on a pipe.
	out, code := r.run(t, d.conf, "status alpha\nfoo\n\nhelp quit\nversion\npid nosuch\n")
	fmt.Fprintf(b, "$ supervisorctl (shell)\n%s[exit %d]\n", out, code)
	out, code = r.run(t, d.conf, "version\nquit\nversion\n")
	fmt.Fprintf(b, "$ supervisorctl (shell, quit)\n%s[exit %d]\n", out, code)
	// Following and foreground.
	// Each follow waits for the whole log (alpha wrote it before sleeping).
	for _, ch := range []struct{ file, channel string }{{"alpha.out", "stdout"}, {"alpha.err", "stderr"}} {
		log, err := os.ReadFile(filepath.Join(d.dir, ch.file))
		if err != nil || len(log) == 0 || len(log) > 1024 {
			t.Fatalf("%s: %d bytes, %v", ch.file, len(log), err)
		}
		b.WriteString("$ supervisorctl tail -f alpha " + ch.channel + "\n" + r.follow(t, d.conf, string(log), "tail", "-f", "alpha", ch.channel))
	}
	b.WriteString("$ supervisorctl fg echo\n" + r.fg(t, d.conf, "echo", "ping\n", "got:ping"))
	run("stop", "echo")
	run("fg", "echo")
	// Reload, then shut down.
	run("reload")
	d.waitRunning(t, "alpha", "echo")
	run("status", "alpha")
	run("shutdown")
	select {
	case <-d.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the daemon did not exit after shutdown")
	}
	run("shutdown")
	run("status")
	return mask(b.String(), d.dir, d.port)
}

func TestDifferential(t *testing.T) {
	requireReference(t)
	for _, kind := range []struct{ name, bin string }{{"reference daemon", refDaemon}, {"our daemon", oursDaemon}} {
		for part := 1; part <= 2; part++ {
			t.Run(fmt.Sprintf("%s, part %d", kind.name, part), func(t *testing.T) {
				t.Parallel()
				dRef, dOurs := startDaemon(t, kind.bin), startDaemon(t, kind.bin)
				var ref, ours string
				t.Run("transcripts", func(t *testing.T) {
					t.Run("reference supervisorctl", func(t *testing.T) {
						t.Parallel()
						ref = transcript(t, refRunner{}, dRef, part)
					})
					t.Run("our supervisorctl", func(t *testing.T) {
						t.Parallel()
						ours = transcript(t, oursRunner{}, dOurs, part)
					})
				})
				if t.Failed() {
					return
				}
				compareTranscripts(t, ref, ours)
			})
		}
	}
}

func compareTranscripts(t *testing.T, ref, ours string) {
	t.Helper()
	// Our help lists the extension commands in a table of their own.
	ours = regexp.MustCompile(`supervisor-go extensions \(type help <topic>\):\n=+\n[^\n]*\n\n`).ReplaceAllString(ours, "")
	if ref == ours {
		return
	}
	refL, oursL := strings.Split(ref, "\n"), strings.Split(ours, "\n")
	for i := 0; i < max(len(refL), len(oursL)); i++ {
		var r, o string
		if i < len(refL) {
			r = refL[i]
		}
		if i < len(oursL) {
			o = oursL[i]
		}
		if r != o {
			lo := max(0, i-8)
			t.Fatalf("transcripts differ at line %d:\nreference: %q\nours:      %q\ncontext (reference):\n%s\ncontext (ours):\n%s",
				i+1, r, o, strings.Join(refL[lo:min(len(refL), i+3)], "\n"), strings.Join(oursL[lo:min(len(oursL), i+3)], "\n"))
		}
	}
}
