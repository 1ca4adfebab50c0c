//go:build !linux

package spawn

import (
	"errors"
	"syscall"
)

// pdeathsigSupported reports whether Options.Pdeathsig can be honoured:
// only Linux has a parent-death signal.
const pdeathsigSupported = false

func setPdeathsig(*syscall.SysProcAttr, syscall.Signal) {}

// errnoNames is empty here: errno names print as numbers, as Python's
// errno.errorcode.get(code, code) does for a code it does not know.
var errnoNames = map[syscall.Errno]string{}

// forkExec is syscall.ForkExec; there are no pidfds here.
func forkExec(path string, argv []string, attr *syscall.ProcAttr) (pid, pidfd int, err error) {
	pid, err = syscall.ForkExec(path, argv, attr)
	return pid, -1, err
}

// waitExited would block until pid has exited without reaping it; there
// is no portable way here, so it returns false at once and the reaper
// waits by reaping (SignalGroup then has a tiny window, between the
// reaping and the Child noticing it, in which the pid could be reused).
func waitExited(int, int) bool { return false }

// pipeCloexec makes a pipe whose two ends are close-on-exec, under
// syscall.ForkLock so that no fork sees them without the flag.
func pipeCloexec() ([2]int, error) {
	var p [2]int
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	if err := syscall.Pipe(p[:]); err != nil {
		return p, err
	}
	syscall.CloseOnExec(p[0])
	syscall.CloseOnExec(p[1])
	return p, nil
}

// StartForker is unsupported here: spawns fork from the calling thread.
func StartForker() error { return errors.ErrUnsupported }
