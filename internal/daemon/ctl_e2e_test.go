package daemon

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The reference's own supervisorctl drives the reference daemon and ours
// through the same sequence of commands; outputs and exit codes must be
// the same once pids, uptimes and dates are masked.

const referenceCtl = "/usr/bin/supervisorctl"

var ctlMasks = []struct {
	re   *regexp.Regexp
	with string
}{
	// A Ctrl-C that reaches the reference's supervisorctl inside its HTTP
	// client is reported as a connection error instead of ending tail -f
	// with an empty line: a race of that client, whichever daemon serves.
	{regexp.MustCompile(`(?m)^\S+ Cannot connect, error: <class 'KeyboardInterrupt'> \(\)$`), ""},
	{regexp.MustCompile(`pid \d+, uptime \d+:\d\d:\d\d`), "pid PID, uptime UPTIME"},
	{regexp.MustCompile(`[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M`), "DATE"},
	{regexp.MustCompile(`(?m)^\d+$`), "PID"},
	{regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}`), "TIME"},
	{regexp.MustCompile(` +`), " "},
}

func maskCtl(s string) string {
	for _, m := range ctlMasks {
		s = m.re.ReplaceAllString(s, m.with)
	}
	return s
}

func runCtl(t *testing.T, conf string, args ...string) string {
	t.Helper()
	cmd := exec.Command(referenceCtl, append([]string{"-c", conf}, args...)...)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("supervisorctl %q: %v", args, err)
	}
	text := maskCtl(string(out))
	if slices.ContainsFunc(args, func(a string) bool { return a == "all" || strings.HasSuffix(a, ":*") }) {
		// Among processes of equal priority the reference's order follows
		// Python's string hashing, randomised per run: compare the lines
		// of a many-process answer as a set.
		lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
		slices.Sort(lines)
		text = strings.Join(lines, "\n") + "\n"
	}
	return fmt.Sprintf("$ supervisorctl %s\n%s[exit %d]\n", strings.Join(args, " "), text, code)
}

// tailF runs a following supervisorctl command until it has printed its
// first lines, then interrupts it as a user's Ctrl-C would.
func tailF(t *testing.T, conf string, args ...string) string {
	t.Helper()
	cmd := exec.Command(referenceCtl, append([]string{"-c", conf}, args...)...)
	cmd.Env = append(os.Environ(), "PYTHONUNBUFFERED=1")
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 60*time.Second, "tail -f output", func() bool { return strings.Contains(out.String(), "started") })
	cmd.Process.Signal(syscall.SIGINT)
	cmd.Wait()
	return fmt.Sprintf("$ supervisorctl %s\n%s[interrupted]\n", strings.Join(args, " "), maskCtl(out.String()))
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestReferenceCtlDrivesBoth(t *testing.T) {
	requireReferenceDaemon(t)
	if _, err := os.Stat(referenceCtl); err != nil {
		t.Fatal("the reference supervisorctl is missing: install Debian's supervisor package")
	}
	transcripts := map[string]string{}
	for _, bin := range []struct{ name, path string }{{"reference", referenceBin}, {"ours", supervisordBin}} {
		t.Run(bin.name, func(t *testing.T) {
			sockDir := shortDir(t)
			sock := filepath.Join(sockDir, "s.sock")
			dir := t.TempDir()
			d := startDaemon(t, bin.path, dir, fmt.Sprintf(`
[unix_http_server]
file=%[1]s

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://%[1]s

[program:alpha]
command=@HELPER@
environment=SUPERVISOR_GO_TEST_HELPER="run"
startsecs=0
stdout_logfile=%[2]s/alpha.out

[program:beta]
command=@HELPER@
environment=SUPERVISOR_GO_TEST_HELPER="run"
startsecs=0
autostart=false

[program:gamma]
command=@HELPER@ 3
environment=SUPERVISOR_GO_TEST_HELPER="exit"
startsecs=0
autorestart=false

[group:grp]
programs=beta,gamma
`, sock, dir))
			d.waitLog(10*time.Second, `success: alpha`, `exited: gamma`)
			conf := filepath.Join(dir, "supervisord.conf")
			var tr strings.Builder
			for _, args := range [][]string{
				{"status"},
				{"status", "alpha"},
				{"status", "nosuch"},
				{"pid", "alpha"},
				{"start", "grp:beta"},
				{"start", "grp:beta"},
				{"start", "nosuch"},
				{"stop", "alpha"},
				{"stop", "alpha"},
				{"status"},
				{"start", "alpha"},
				{"restart", "alpha"},
				{"signal", "HUP", "alpha"},
				{"signal", "BOGUS", "alpha"},
				{"tail", "alpha"},
				{"tail", "-c", "4", "alpha"},
				{"avail"},
				{"clear", "alpha"},
				{"tail", "alpha"},
				{"stop", "grp:*"},
				{"status"},
				{"start", "all"},
				{"status"},
				{"stop", "all"},
				{"reread"},
				{"update"},
				{"remove", "grp"},
				{"add", "grp"},
				{"status"},
				{"version"},
				{"start", "alpha"},
				{"maintail", "-5"},
				{"fg", "nosuch"},
			} {
				tr.WriteString(runCtl(t, conf, args...))
			}
			// tail -f follows the log through /logtail until interrupted.
			tr.WriteString(tailF(t, conf, "tail", "-f", "alpha"))
			// reload: the daemon restarts in place and answers again.
			tr.WriteString(runCtl(t, conf, "reload"))
			waitFor(t, 20*time.Second, "the daemon back after reload", func() bool {
				return strings.Count(d.log(), "supervisord started with pid") == 2 &&
					strings.Contains(runCtl(t, conf, "status", "alpha"), "RUNNING")
			})
			tr.WriteString(runCtl(t, conf, "status"))
			tr.WriteString(runCtl(t, conf, "shutdown"))
			select {
			case <-d.done:
			case <-time.After(30 * time.Second):
				d.cmd.Process.Signal(syscall.SIGKILL)
				t.Fatal("the daemon did not exit after shutdown")
			}
			transcripts[bin.name] = tr.String()
		})
	}
	ref, ours := transcripts["reference"], transcripts["ours"]
	if ref == "" || ours == "" {
		t.Fatal("a run did not finish")
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
			t.Errorf("transcripts differ at line %d:\nreference: %q\nours:      %q\n\nfull reference:\n%s\nfull ours:\n%s", i+1, r, o, ref, ours)
			break
		}
	}
}
