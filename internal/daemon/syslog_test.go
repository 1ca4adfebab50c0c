package daemon

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSyslog sends the main log (logfile=syslog) and a program's output
// (stdout_syslog) to a syslog socket of the test's own: supervisord runs
// in a mount namespace where the socket is where the syslog client looks
// (/dev/log, or /run/log when the machine has no /dev/log).
func TestSyslog(t *testing.T) {
	t.Parallel()
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Fatal("unshare (util-linux) is needed to give supervisord a syslog socket")
	}
	dir := t.TempDir()
	runDir := filepath.Join(dir, "run")
	os.Mkdir(runDir, 0o755)
	sock := filepath.Join(runDir, "log")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var mu sync.Mutex
	var got []string
	go func() {
		buf := make([]byte, 65536)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			mu.Lock()
			got = append(got, string(buf[:n]))
			mu.Unlock()
		}
	}()
	self, _ := os.Executable()
	conf := filepath.Join(dir, "supervisord.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf(`[supervisord]
nodaemon=true
logfile=syslog
pidfile=%[1]s/supervisord.pid
childlogdir=%[1]s
loglevel=info

[program:talker]
command=/bin/sh -c 'echo hello syslog; echo second line; exec %[2]s'
environment=SUPERVISOR_GO_TEST_HELPER="run"
stdout_syslog=true
stdout_logfile=NONE
startsecs=0
`, dir, self)), 0o644)
	mount := "mount --bind " + runDir + " /run"
	if _, err := os.Stat("/dev/log"); err == nil {
		mount = "mount --bind " + sock + " /dev/log"
	}
	cmd := exec.Command(unshare, "--mount", "--fork", "--kill-child=SIGTERM", "/bin/sh", "-c",
		mount+` && exec "$0" -c "$1"`, supervisordBin, conf)
	cmd.Env = append(os.Environ(), helperEnv+"=")
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		// unshare does not pass SIGTERM on; killed, it has supervisord
		// sent SIGTERM (--kill-child), which then stops its program.
		cmd.Process.Kill()
		<-done
	})
	want := []string{"supervisord started with pid", "success: talker entered RUNNING state", "talker hello syslog", "talker second line"}
	waitFor(t, 30*time.Second, "the syslog messages", func() bool {
		mu.Lock()
		defer mu.Unlock()
		all := strings.Join(got, "\n")
		for _, w := range want {
			if !strings.Contains(all, w) {
				return false
			}
		}
		return true
	})
	mu.Lock()
	defer mu.Unlock()
	for _, m := range got {
		// Each message is one line: "<14>" priority (user.info), then the
		// main log's own format or the program's name and its line.
		if !strings.HasPrefix(m, "<14>") || strings.Count(strings.TrimRight(m, "\n"), "\n") > 0 {
			t.Errorf("syslog message %q", m)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out.String())
	}
}
