//go:build linux

package spawn

import (
	"bytes"
	"context"
	"errors"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/supervisorgo/supervisor/internal/pump"
)

// lockedBuffer is a bytes.Buffer written by the loop and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
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

// TestRaw: with Options.Raw the output ends are raw descriptors and the
// exit is the caller's to watch (here with a pump.Loop, as the daemon
// does); a child that fails before its exec works the same way.
func TestRaw(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name           string
		mode           string
		opts           Options
		stdout, stderr string
		status         string
	}{
		{"output", "output", Options{}, "out1\nout2\n", "err1\nerr2\n", "exit status 0"},
		{"redirected", "output", Options{RedirectStderr: true}, "out1\nerr1\nout2\nerr2\n", "", "exit status 0"},
		{"exit code", "exit", Options{}, "", "", "exit status 7"},
		{"missing directory", "output", Options{Dir: dir + "/missing"}, "",
			"supervisor: couldn't chdir to " + dir + "/missing: ENOENT\nsupervisor: child process was not spawned\n", "exit status 127"},
	}
	l, err := pump.New(pump.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.opts
			o.Raw = true
			c := startHelper(t, tc.mode, o, "7")
			if c.Stdout != nil || c.Stderr != nil {
				t.Fatalf("Raw child has os.File outputs")
			}
			if c.StdoutFD < 0 || (c.StderrFD < 0) != tc.opts.RedirectStderr {
				t.Fatalf("StdoutFD %d, StderrFD %d", c.StdoutFD, c.StderrFD)
			}
			pidfd := c.Pidfd()
			if pidfd < 0 {
				t.Skip("no pidfd on this kernel")
			}
			var out, errOut lockedBuffer
			finished := make(chan struct{})
			l.Add(pump.Watch{
				Outputs: []pump.Output{{FD: c.StdoutFD, W: &out}, {FD: c.StderrFD, W: &errOut}},
				Pidfd:   pidfd, Reap: c.Reap, Done: func() { close(finished) },
			})
			c.StdoutFD, c.StderrFD = -1, -1 // the loop's now
			select {
			case <-finished:
			case <-time.After(deadline):
				t.Fatal("no Done")
			}
			ctx, cancel := context.WithTimeout(t.Context(), time.Second)
			defer cancel()
			st, err := c.Wait(ctx) // Done comes after the reaping
			if err != nil || st.Describe() != tc.status {
				t.Errorf("Wait = %v (%s), %v; want %s", st, st.Describe(), err, tc.status)
			}
			if out.String() != tc.stdout || errOut.String() != tc.stderr {
				t.Errorf("stdout %q stderr %q, want %q and %q", out.String(), errOut.String(), tc.stdout, tc.stderr)
			}
			if c.Pidfd() != -1 {
				t.Errorf("pidfd still open after Reap")
			}
			if err := c.SignalGroup(syscall.SIGTERM); !errors.Is(err, os.ErrProcessDone) {
				t.Errorf("SignalGroup after Reap = %v", err)
			}
		})
	}
}
