package daemon

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSignalStorm sends restart, reopen and child signals in a burst,
// at odd times (during start-up, during restarts): the daemon must end up
// running every program once, with no child left behind, and still shut
// down cleanly.
func TestSignalStorm(t *testing.T) {
	t.Parallel()
	token := fmt.Sprintf("%d-storm", os.Getpid())
	t.Cleanup(func() {
		for _, pid := range tokenProcesses(token) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	body := strings.ReplaceAll(`
[program:a]
command=@HELPER@
environment=SUPERVISOR_GO_TEST_HELPER="run",APIDIFF_TOKEN="@TOKEN@"
startsecs=0

[program:b]
command=@HELPER@
environment=SUPERVISOR_GO_TEST_HELPER="run",APIDIFF_TOKEN="@TOKEN@"
startsecs=0
numprocs=2
process_name=%(program_name)s_%(process_num)d

[eventlistener:lis]
command=/bin/sh -c 'echo READY; exec cat >/dev/null'
environment=APIDIFF_TOKEN="@TOKEN@"
events=PROCESS_STATE
startsecs=0
`, "@TOKEN@", token)
	d := startDaemon(t, supervisordBin, t.TempDir(), body)
	pid := d.cmd.Process.Pid
	// Before the Go runtime runs, a SIGHUP would end any process: wait
	// until supervisord has said anything.
	d.waitLog(30*time.Second, `supervisord started with pid`)
	sigs := []syscall.Signal{syscall.SIGHUP, syscall.SIGUSR2, syscall.SIGCHLD}
	for i := range 30 {
		d.cmd.Process.Signal(sigs[i%len(sigs)])
		if i%7 == 0 {
			// Let some land in the middle of a restart.
			d.waitLog(30*time.Second, `received SIGHUP indicating restart request`)
		}
	}
	// After the last restart request, every program is up once more.
	settled := func() bool {
		log := d.log()
		i := strings.LastIndex(log, "received SIGHUP indicating restart request")
		if i < 0 {
			return false
		}
		tail := log[i:]
		for _, p := range []string{`success: a `, `success: b_0 `, `success: b_1 `, `success: lis `} {
			if !strings.Contains(tail, p) {
				return false
			}
		}
		return true
	}
	waitFor(t, 60*time.Second, "the programs to run after the storm", settled)
	deadline := time.Now().Add(30 * time.Second)
	for len(tokenProcesses(token)) != 4 {
		if time.Now().After(deadline) {
			var cmds []string
			for _, p := range tokenProcesses(token) {
				b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p))
				st, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
				cmds = append(cmds, fmt.Sprintf("%d %q %s", p, b, st))
			}
			t.Fatalf("children: %q\nlog:\n%s", cmds, d.log())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !regexp.MustCompile(fmt.Sprintf(`supervisord started with pid %d`, pid)).MatchString(d.log()) {
		t.Errorf("restarted under another pid?\n%s", d.log())
	}
	d.stop(syscall.SIGTERM, 30*time.Second)
	if code := d.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit code %d\n%s", code, d.log())
	}
	waitFor(t, 10*time.Second, "no child left", func() bool { return len(tokenProcesses(token)) == 0 })
}
