package spawn

import (
	"os"
	"strconv"
	"syscall"
)

// MarkCloseOnExec sets close-on-exec on every open file descriptor from fd
// from upwards, so that no child inherits them. It works on the calling
// thread's descriptor table.
//
// The reference closes fds 3..minfds-1 in every child
// (Subprocess._prepare_child_fds). Go cannot run code in the child; it
// passes the child only Options' files, but a descriptor without
// close-on-exec is inherited by every child. Every descriptor Go opens has
// close-on-exec, so the only ones without it are those supervisord itself
// inherited when it was started (a shell's "3>file", a leaky parent). The
// daemon calls MarkCloseOnExec(3) once at start-up, before the first spawn.
func MarkCloseOnExec(from int) error {
	// thread-self first: a thread with its own descriptor table (the
	// forker's) sees that table there, not the process's.
	for _, dir := range []string{"/proc/thread-self/fd", "/proc/self/fd", "/dev/fd"} {
		ents, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range ents {
			fd, err := strconv.Atoi(e.Name())
			if err != nil || fd < from {
				continue
			}
			// The directory's own descriptor is listed too and is already
			// closed; setting the flag on a closed fd is harmless.
			syscall.CloseOnExec(fd)
		}
		return nil
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	max := lim.Cur
	if max > 1<<20 {
		max = 1 << 20
	}
	for fd := from; uint64(fd) < max; fd++ {
		syscall.CloseOnExec(fd)
	}
	return nil
}
