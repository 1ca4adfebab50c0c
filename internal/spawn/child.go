package spawn

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"sync"
	"syscall"
)

// Child is a started child process.
type Child struct {
	// Pid is the child's process id, and its process group id. It is 0
	// only for a failed child whose stand-in could not be started (see the
	// package doc).
	Pid int
	// Stdin, Stdout and Stderr are the parent ends of the child's pipes:
	// Stdin is nil when Options.Stdin or NoStdin replaced the pipe, Stderr
	// is nil with RedirectStderr. They are the caller's: the Child never
	// reads, writes or closes them (see ClosePipes).
	Stdin, Stdout, Stderr *os.File

	proc *os.Process // nil for a synthetic child

	mu     sync.Mutex // guards exited against SignalGroup
	exited bool       // the child is dead, perhaps reaped: its pid may be reused

	done   chan struct{} // closed once status and err are set
	status ExitStatus
	err    error
}

// run starts the reaper: one goroutine per child, which ends when the
// child has exited and been reaped.
func (c *Child) run(p *os.Process) {
	c.proc, c.Pid = p, p.Pid
	go c.reap()
}

func (c *Child) reap() {
	// Learn of the exit without reaping, so that SignalGroup, which holds
	// mu, never signals a process group whose leader's pid was freed.
	waitExited(c.Pid)
	c.mu.Lock()
	c.exited = true
	c.mu.Unlock()
	st, err := c.proc.Wait()
	if err != nil {
		c.err = err
	} else {
		c.status = DecodeWaitStatus(st.Sys().(syscall.WaitStatus))
	}
	close(c.done)
}

// Signal sends sig to the child (os.kill(pid, sig)). Once the child has
// been reaped it returns os.ErrProcessDone.
func (c *Child) Signal(sig syscall.Signal) error {
	if c.proc == nil {
		return os.ErrProcessDone
	}
	return c.proc.Signal(sig)
}

// SignalGroup sends sig to the child's process group (os.kill(-pid, sig)),
// which holds the child and the descendants that did not leave it. Once
// the child has exited it returns os.ErrProcessDone, as its pid may be
// reused: the reference only signals a group while the child is running.
func (c *Child) SignalGroup(sig syscall.Signal) error {
	if c.proc == nil {
		return os.ErrProcessDone
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.exited {
		return os.ErrProcessDone
	}
	return syscall.Kill(-c.Pid, sig)
}

// Done is closed once the child has exited and been reaped.
func (c *Child) Done() <-chan struct{} { return c.done }

// Wait waits until the child has exited and been reaped, or ctx ends, and
// returns how it ended. It never touches the pipes: output the child wrote
// is still readable, to EOF, after Wait returned (EOF comes when every
// process holding the write end, the child and any descendant, closed it).
// The error is ctx's, or the reaping's (ECHILD if something else in the
// process reaped the child: nothing else may wait for children by pid -1).
func (c *Child) Wait(ctx context.Context) (ExitStatus, error) {
	select {
	case <-c.done:
		return c.status, c.err
	case <-ctx.Done():
		return ExitStatus{}, ctx.Err()
	}
}

// ClosePipes closes the parent ends of the pipes that are not closed yet.
func (c *Child) ClosePipes() error {
	var errs []error
	for _, f := range []*os.File{c.Stdin, c.Stdout, c.Stderr} {
		if f == nil {
			continue
		}
		if err := f.Close(); err != nil && !errors.Is(err, fs.ErrClosed) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// standInShell runs the stand-in of a child that failed before its exec.
const standInShell = "/bin/sh"

// stillborn mirrors a child that fails in _spawn_as_child after the fork:
// the reference's child writes "supervisor: <msg>" and "supervisor: child
// process was not spawned" to its fd 2 and calls _exit(127). Go's child
// cannot write anything, so the parent writes both lines into the pipe the
// child's fd 2 is (the stderr pipe, or stdout with RedirectStderr) and
// starts a stand-in, "/bin/sh -c 'exit 127'" in its own process group on
// the same fds, so that there is a real pid to log and reap. If even that
// cannot start, the Child is synthetic: Pid 0, already exited with status
// 127.
func (c *Child) stillborn(o Options, fds []*os.File, msg string) {
	text := "supervisor: " + msg + "supervisor: child process was not spawned\n"
	writeNow(fds[2], []byte(text))
	shell := standInShell
	if o.standIn != "" {
		shell = o.standIn
	}
	if shell != "-" {
		sys := &syscall.SysProcAttr{Setpgid: true}
		setPdeathsig(sys, o.Pdeathsig)
		p, err := os.StartProcess(shell, []string{"sh", "-c", "exit 127"},
			&os.ProcAttr{Env: []string{}, Files: fds, Sys: sys})
		if err == nil {
			c.run(p)
			return
		}
	}
	c.exited = true
	c.status = DecodeWaitStatus(syscall.WaitStatus(127 << 8))
	close(c.done)
}

// writeNow writes b into the empty pipe f at once. Nobody reads the pipe
// yet, and os.StartProcess may have made the descriptor blocking: at most
// PIPE_BUF (4096) bytes are written, which an empty pipe always takes
// whole; the rest of an overlong text is dropped.
func writeNow(f *os.File, b []byte) {
	const pipeBuf = 4096
	if len(b) > pipeBuf {
		b = b[:pipeBuf]
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	rc.Write(func(fd uintptr) bool {
		for {
			_, err := syscall.Write(int(fd), b)
			if err != syscall.EINTR {
				return true
			}
		}
	})
}
