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
	// is nil with RedirectStderr, Stdout and Stderr are nil with
	// Options.Raw. They are the caller's: the Child never reads, writes or
	// closes them (see ClosePipes).
	Stdin, Stdout, Stderr *os.File
	// StdoutFD and StderrFD are, with Options.Raw, the read ends of the
	// output pipes as raw non-blocking descriptors (-1 when absent, and
	// always without Raw). They are the caller's as well.
	StdoutFD, StderrFD int

	raw bool // Options.Raw: the caller calls Reap

	mu     sync.Mutex // guards pidfd and exited against Signal and SignalGroup
	pidfd  int        // the child's pidfd until it is reaped; -1 if none
	exited bool       // the child has been reaped: its pid may be reused

	done   chan struct{} // closed once status and err are set
	status ExitStatus
	err    error
}

// run starts watching the child's exit: with Raw and a pidfd the caller
// does it (Reap), else one goroutine per child waits and reaps it.
func (c *Child) run(pid, pidfd int) {
	c.Pid, c.pidfd = pid, pidfd
	if c.raw && pidfd >= 0 {
		return
	}
	go c.reap()
}

func (c *Child) reap() {
	// Learn of the exit without reaping, so that SignalGroup, which holds
	// mu, never signals a process group whose leader's pid was freed.
	if !waitExited(c.Pid, c.pidfd) {
		c.reapBlocking()
		return
	}
	for !c.Reap() {
		waitExited(c.Pid, -1) // not reapable yet: should not happen
	}
}

// reapBlocking reaps the child with a blocking wait4, where the exit
// cannot be learnt without reaping.
func (c *Child) reapBlocking() {
	var ws syscall.WaitStatus
	var err error
	for {
		_, err = syscall.Wait4(c.Pid, &ws, 0, nil)
		if err != syscall.EINTR {
			break
		}
	}
	c.mu.Lock()
	c.exited = true
	if err != nil {
		c.err = os.NewSyscallError("wait", err)
	} else {
		c.status = DecodeWaitStatus(ws)
	}
	c.mu.Unlock()
	close(c.done)
}

// Pidfd returns the child's pidfd, which becomes readable when the child
// exits, or -1 if it has none (a kernel before Linux 5.3, or a synthetic
// child). It is closed by Reap once the child has been reaped.
func (c *Child) Pidfd() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pidfd
}

// Reap reaps the child if it has exited (wait4 with WNOHANG), closes its
// pidfd and Done, and reports whether it has been reaped. With Options.Raw
// the caller calls it once the pidfd is readable; calling it again later
// does nothing and returns true.
func (c *Child) Reap() bool {
	c.mu.Lock()
	if c.exited {
		c.mu.Unlock()
		return true
	}
	var ws syscall.WaitStatus
	var (
		pid int
		err error
	)
	for {
		pid, err = syscall.Wait4(c.Pid, &ws, syscall.WNOHANG, nil)
		if err != syscall.EINTR {
			break
		}
	}
	if err == nil && pid == 0 {
		c.mu.Unlock()
		return false
	}
	c.exited = true
	if err != nil {
		c.err = os.NewSyscallError("wait", err)
	} else {
		c.status = DecodeWaitStatus(ws)
	}
	if c.pidfd >= 0 {
		syscall.Close(c.pidfd)
		c.pidfd = -1
	}
	c.mu.Unlock()
	close(c.done)
	return true
}

// Signal sends sig to the child (os.kill(pid, sig)). Once the child has
// been reaped it returns os.ErrProcessDone.
func (c *Child) Signal(sig syscall.Signal) error {
	return c.kill(c.Pid, sig)
}

// SignalGroup sends sig to the child's process group (os.kill(-pid, sig)),
// which holds the child and the descendants that did not leave it. Once
// the child has been reaped it returns os.ErrProcessDone, as its pid may be
// reused: the reference only signals a group while the child is running.
func (c *Child) SignalGroup(sig syscall.Signal) error {
	return c.kill(-c.Pid, sig)
}

// kill signals under mu: the pid cannot be reaped, hence reused, meanwhile.
func (c *Child) kill(pid int, sig syscall.Signal) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Pid == 0 || c.exited {
		return os.ErrProcessDone
	}
	err := syscall.Kill(pid, sig)
	if err == syscall.ESRCH && pid > 0 {
		return os.ErrProcessDone
	}
	return err
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
	for _, fd := range []*int{&c.StdoutFD, &c.StderrFD} {
		if *fd >= 0 {
			if err := syscall.Close(*fd); err != nil {
				errs = append(errs, os.NewSyscallError("close", err))
			}
			*fd = -1
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
func (c *Child) stillborn(o Options, fds []uintptr, msg string) {
	text := "supervisor: " + msg + "supervisor: child process was not spawned\n"
	writeNow(int(fds[2]), []byte(text))
	shell := standInShell
	if o.standIn != "" {
		shell = o.standIn
	}
	if shell != "-" {
		sys := &syscall.SysProcAttr{Setpgid: true}
		setPdeathsig(sys, o.Pdeathsig)
		pid, pidfd, err := forkExec(shell, []string{"sh", "-c", "exit 127"},
			&syscall.ProcAttr{Env: []string{}, Files: fds, Sys: sys})
		if err == nil {
			c.run(pid, pidfd)
			return
		}
	}
	c.exited = true
	c.status = DecodeWaitStatus(syscall.WaitStatus(127 << 8))
	close(c.done)
}

// writeNow writes b into the empty pipe fd (the child's end, blocking) at
// once. Nobody reads the pipe yet: at most PIPE_BUF (4096) bytes are
// written, which an empty pipe always takes whole; the rest of an overlong
// text is dropped.
func writeNow(fd int, b []byte) {
	const pipeBuf = 4096
	if len(b) > pipeBuf {
		b = b[:pipeBuf]
	}
	for {
		_, err := syscall.Write(fd, b)
		if err != syscall.EINTR {
			return
		}
	}
}
