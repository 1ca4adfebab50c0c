package ctl

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// ptySession is our supervisorctl binary on a pseudo-terminal.
type ptySession struct {
	t    *testing.T
	cmd  *exec.Cmd
	tty  *os.File
	out  syncBuffer
	mark int
	done chan struct{}
}

func startPTY(t *testing.T, args ...string) *ptySession {
	t.Helper()
	s := &ptySession{t: t, cmd: exec.Command(oursCtl, args...), done: make(chan struct{})}
	s.cmd.Env = append(os.Environ(), "TERM=xterm")
	tty, err := pty.StartWithSize(s.cmd, &pty.Winsize{Rows: 40, Cols: 150})
	if err != nil {
		t.Fatal(err)
	}
	s.tty = tty
	go func() {
		io.Copy(&s.out, tty)
		s.cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		<-s.done
		tty.Close()
	})
	return s
}

// expect waits until the output since the last expect holds want.
func (s *ptySession) expect(want string) {
	s.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	waitFor(s.t, time.Hour, "the terminal to show "+want, func() bool {
		if time.Now().After(deadline) {
			s.t.Fatalf("timed out waiting for the terminal to show %q; output since the last match:\n%q", want, s.out.String()[s.mark:])
		}
		out := s.out.String()
		if i := strings.Index(out[s.mark:], want); i >= 0 {
			s.mark += i + len(want)
			return true
		}
		return false
	})
}

func (s *ptySession) send(keys string) {
	s.t.Helper()
	if _, err := s.tty.WriteString(keys); err != nil {
		s.t.Fatal(err)
	}
}

func (s *ptySession) wait() int {
	s.t.Helper()
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		s.t.Fatalf("supervisorctl did not exit; output:\n%q", s.out.String())
	}
	return s.cmd.ProcessState.ExitCode()
}

func TestShellOnTerminal(t *testing.T) {
	requireReference(t)
	t.Parallel()
	d := startDaemon(t, refDaemon)
	hist := filepath.Join(t.TempDir(), "history")

	// Completion of commands, process and group names; history kept.
	s := startPTY(t, "-c", d.conf, "-r", hist)
	s.expect("grp:gamma")
	s.expect("supervisor> ")
	s.send("stat\tal\t\r") // status alpha
	s.expect("RUNNING")
	s.expect("supervisor> ")
	if strings.Contains(s.out.String()[strings.LastIndex(s.out.String(), "status"):], "beta") {
		t.Errorf("status alpha (completed) showed other processes:\n%q", s.out.String())
	}
	s.send("stat\tgrp:g\t\r") // status grp:gamma
	s.expect("grp:gamma")
	s.expect("supervisor> ")
	s.send("\x04") // ^D
	if code := s.wait(); code != 0 {
		t.Errorf("exit %d after ^D", code)
	}
	data, err := os.ReadFile(hist)
	if err != nil {
		t.Fatal(err)
	}
	if h := string(data); !strings.Contains(h, "status alpha") || !strings.Contains(h, "status grp:gamma") {
		t.Errorf("history file holds %q", h)
	}

	// The history is read back: up arrow twice, then Enter.
	s = startPTY(t, "-c", d.conf, "-r", hist)
	s.expect("supervisor> ")
	s.send("\x1b[A\x1b[A\r")
	s.expect("alpha")
	s.expect("RUNNING")
	s.expect("supervisor> ")

	// fg: typed lines reach the process, its output shows, ^C detaches.
	s.send("fg echo\r")
	s.expect("==> Press Ctrl-C to exit <==")
	s.send("ping\r")
	s.expect("got:ping")
	s.send("\x03")
	s.expect("Exiting foreground")
	s.expect("supervisor> ")
	s.send("version\r")
	s.expect("4.2.5")
	s.expect("supervisor> ")
	// tail -f: ^C ends it, back to the prompt.
	s.send("tail -f alpha\r")
	s.expect("alpha-out")
	s.send("\x03")
	s.expect("supervisor> ")
	s.send("quit\r")
	if code := s.wait(); code != 0 {
		t.Errorf("exit %d after quit", code)
	}

	// ^C at the prompt leaves the shell, as in the reference.
	s = startPTY(t, "-c", d.conf)
	s.expect("supervisor> ")
	s.send("\x03")
	if code := s.wait(); code != 0 {
		t.Errorf("exit %d after ^C", code)
	}
}
