package spawn

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// A fork copies the parent's file descriptor table into the child, and
// the exec then closes every close-on-exec descriptor of the copy, one by
// one, before the parent learns that the exec succeeded. A supervisord
// with a thousand children holds four descriptors for each (stdin, stdout
// and stderr pipes and a pidfd), so every spawn would copy and close
// thousands of descriptors, and the last spawns of a start-up would each
// cost twice what the first did.
//
// The forker avoids that: every fork and exec is made on one OS thread
// whose descriptor table is its own (unshare(CLONE_FILES)), taken when
// the process held almost nothing open, and kept small. The descriptors
// the child is to get are passed into that table over a socket pair
// (SCM_RIGHTS), the child's pidfd comes back the same way, and the copies
// are closed once the child runs. The child is the same process's child
// as before, and its parent-death signal follows the forker's thread,
// which lives as long as the process.
//
// The thread is locked to its goroutine for good (runtime.LockOSThread,
// never undone), so the Go scheduler runs nothing else on it and starts
// new threads from a clean one (its template thread).

// forkerWait is how long a spawn waits for the forker to be free before
// it forks by itself.
const forkerWait = time.Second

// forker is the thread with the private table; nil until StartForker.
var (
	forkerMu  sync.Mutex
	theForker *forker
)

type forker struct {
	turn   chan struct{} // holds one token: one request at a time, as the socket carries their fds in order
	sock   int           // our end, in the shared table
	reqs   chan *forkRequest
	broken bool // a message went astray: the socket is out of step, fork directly
}

type forkRequest struct {
	path     string
	argv     []string
	attr     syscall.ProcAttr // Files are the shared table's; rewritten on the thread
	received bool             // the descriptors reached the thread
	pid      int
	pidfd    bool // a pidfd came back over the socket
	err      error
	done     chan struct{}
}

// StartForker starts the forker thread (Linux only). Call it early, when
// the process holds few descriptors: every descriptor open now stays open
// in the forker's table until the process ends (a listening socket opened
// before would stay bound). Later spawns by Start use it; if it cannot be
// started they fork from whatever thread they run on, as before. It is
// idempotent.
func StartForker() error {
	forkerMu.Lock()
	defer forkerMu.Unlock()
	if theForker != nil {
		return nil
	}
	// The runtime's poller (an epoll and an eventfd descriptor) must exist
	// before the table is copied, so that both tables hold it: any thread
	// may wake the poller, the forker's too.
	if r, w, err := os.Pipe(); err == nil {
		r.Close()
		w.Close()
	}
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_SEQPACKET|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("forker: socketpair: %w", err)
	}
	f := &forker{sock: fds[0], reqs: make(chan *forkRequest), turn: make(chan struct{}, 1)}
	ready := make(chan error, 1)
	go f.run(fds[1], ready)
	if err := <-ready; err != nil {
		syscall.Close(fds[0])
		return err
	}
	// The forker's end, fds[1], is in its own table now; close the copy
	// left in this one.
	syscall.Close(fds[1])
	theForker = f
	return nil
}

func currentForker() *forker {
	forkerMu.Lock()
	defer forkerMu.Unlock()
	return theForker
}

// run is the forker's goroutine, locked to its thread for good: when it
// returns (only if the setup failed) the thread ends with it.
func (f *forker) run(sock int, ready chan<- error) {
	runtime.LockOSThread()
	if err := syscall.Unshare(syscall.CLONE_FILES); err != nil {
		syscall.Close(sock)
		ready <- fmt.Errorf("forker: unshare: %w", err)
		return
	}
	// The shared table keeps f.sock, ours keeps sock: close each copy in
	// the other table. What supervisord inherited without close-on-exec
	// gets it here too (the flag belongs to the table, and the daemon may
	// set it in its own only later).
	syscall.Close(f.sock)
	MarkCloseOnExec(3)
	ready <- nil
	for r := range f.reqs {
		f.serve(sock, r)
		close(r.done)
	}
}

// serve receives the request's descriptors, forks and execs, and sends
// the pidfd back.
func (f *forker) serve(sock int, r *forkRequest) {
	fds, err := recvFDs(sock, len(r.attr.Files))
	if err != nil {
		r.err = err
		return
	}
	r.received = true
	defer func() {
		for _, fd := range fds {
			syscall.Close(fd)
		}
	}()
	files := make([]uintptr, len(fds))
	for i, fd := range fds {
		files[i] = uintptr(fd)
	}
	r.attr.Files = files
	pidfd := -1
	sys := *r.attr.Sys
	sys.PidFD = &pidfd
	r.attr.Sys = &sys
	r.pid, r.err = syscall.ForkExec(r.path, r.argv, &r.attr)
	if r.err != nil || pidfd < 0 {
		return
	}
	defer syscall.Close(pidfd)
	if err := sendFDs(sock, []int{pidfd}); err == nil {
		r.pidfd = true
	}
}

// forkExec is forkExec made on the forker's thread. ok is false when the
// request could not be handed over: the caller forks by itself then.
func (f *forker) forkExec(path string, argv []string, attr *syscall.ProcAttr) (pid, pidfd int, err error, ok bool) {
	// A fork is over in a millisecond, but a child can hang before its
	// exec (a chdir into a dead NFS mount), and the forker with it: then
	// the other spawns fork by themselves rather than wait.
	select {
	case f.turn <- struct{}{}:
	case <-time.After(forkerWait):
		return 0, -1, nil, false
	}
	defer func() { <-f.turn }()
	if f.broken {
		return 0, -1, nil, false
	}
	fds := make([]int, len(attr.Files))
	for i, fd := range attr.Files {
		fds[i] = int(fd)
	}
	if err := sendFDs(f.sock, fds); err != nil {
		return 0, -1, nil, false
	}
	r := &forkRequest{path: path, argv: argv, attr: *attr, done: make(chan struct{})}
	f.reqs <- r
	<-r.done
	if !r.received {
		f.broken = true
		return 0, -1, nil, false
	}
	pidfd = -1
	if r.pidfd {
		got, err := recvFDs(f.sock, 1)
		if err != nil {
			f.broken = true
		} else {
			pidfd = got[0]
		}
	}
	if r.err != nil {
		return 0, -1, r.err, true
	}
	return r.pid, pidfd, nil, true
}

// sendFDs sends descriptors as one message (SCM_RIGHTS).
func sendFDs(sock int, fds []int) error {
	for {
		err := syscall.Sendmsg(sock, []byte{0}, syscall.UnixRights(fds...), nil, 0)
		if err != syscall.EINTR {
			return err
		}
	}
}

// recvFDs receives one message of n descriptors, close-on-exec.
func recvFDs(sock, n int) ([]int, error) {
	buf := make([]byte, 1)
	oob := make([]byte, syscall.CmsgSpace(n*4))
	var oobn int
	var err error
	for {
		_, oobn, _, _, err = syscall.Recvmsg(sock, buf, oob, syscall.MSG_CMSG_CLOEXEC)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("forker: recvmsg: %w", err)
	}
	msgs, err := syscall.ParseSocketControlMessage(oob[:oobn])
	if err != nil {
		return nil, fmt.Errorf("forker: %w", err)
	}
	var fds []int
	for _, m := range msgs {
		got, err := syscall.ParseUnixRights(&m)
		if err != nil {
			continue
		}
		fds = append(fds, got...)
	}
	if len(fds) != n {
		for _, fd := range fds {
			syscall.Close(fd)
		}
		return nil, fmt.Errorf("forker: got %d descriptors, want %d", len(fds), n)
	}
	return fds, nil
}
