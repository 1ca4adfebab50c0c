//go:build linux

package pump

import (
	"os"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// maxEvents is the most events taken from an epoll set at once; more ready
// descriptors are taken by the next epoll_wait, at once.
const maxEvents = 256

// drainReads bounds the reads of one pipe in one drain pass, so that a
// grandchild writing without a pause cannot hold the loop.
const drainReads = 16

// Loop reads the output pipes of many children and watches their exits
// on one goroutine (see the package doc).
type Loop struct {
	opts   Options
	epMain int // wake, pidfds, urgent outputs, epOut (one-shot)
	epOut  int // the other outputs
	wake   int // eventfd

	mu      sync.Mutex
	queue   []command
	closing bool
	done    chan struct{}

	// Owned by the loop's goroutine.
	srcs    []source // by descriptor
	buf     []byte
	evs     []syscall.EpollEvent
	polling bool      // epOut is disarmed and read every tick
	next    time.Time // when epOut may be read next
	timed   []*Handle // exited children waiting for a drain check or a Reap retry
	spare   []*Handle // checkTimed's other slice
}

type source struct {
	h   *Handle
	out *stream // nil for the pidfd
}

type command struct {
	h    *Handle
	exit bool // Exited, else Add
}

// New creates the epoll sets and starts the loop's goroutine.
func New(opts Options) (*Loop, error) {
	l := &Loop{opts: opts.withDefaults(), epMain: -1, epOut: -1, wake: -1, done: make(chan struct{})}
	var err error
	if l.epMain, err = syscall.EpollCreate1(syscall.EPOLL_CLOEXEC); err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	if l.epOut, err = syscall.EpollCreate1(syscall.EPOLL_CLOEXEC); err != nil {
		l.closeFDs()
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	fd, _, e := syscall.Syscall(syscall.SYS_EVENTFD2, 0, syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
	if e != 0 {
		l.closeFDs()
		return nil, os.NewSyscallError("eventfd2", e)
	}
	l.wake = int(fd)
	if err := l.ctl(syscall.EPOLL_CTL_ADD, l.epMain, l.wake, syscall.EPOLLIN); err != nil {
		l.closeFDs()
		return nil, err
	}
	if err := l.ctl(syscall.EPOLL_CTL_ADD, l.epMain, l.epOut, syscall.EPOLLIN|syscall.EPOLLONESHOT); err != nil {
		l.closeFDs()
		return nil, err
	}
	l.buf = make([]byte, l.opts.BufSize)
	l.evs = make([]syscall.EpollEvent, maxEvents)
	go l.run()
	return l, nil
}

// Add starts watching a child. After Close it only closes the outputs.
func (l *Loop) Add(w Watch) *Handle {
	h := newHandle(w)
	if !l.post(command{h: h}) {
		for _, s := range h.streams {
			syscall.Close(s.fd)
		}
	}
	return h
}

// Exited reports that the child of h, which has no pidfd, has been reaped:
// its outputs are drained, then Done is called.
func (l *Loop) Exited(h *Handle) {
	l.post(command{h: h, exit: true})
}

// Close stops the loop and waits for its goroutine. The outputs still
// open are closed; the Done of their Watches is not called.
func (l *Loop) Close() error {
	l.mu.Lock()
	first := !l.closing
	l.closing = true
	l.mu.Unlock()
	if first {
		l.signal()
	}
	<-l.done
	return nil
}

// post queues a command and wakes the loop if the queue was empty (the
// loop reads the eventfd before it takes the queue).
func (l *Loop) post(c command) bool {
	l.mu.Lock()
	if l.closing {
		l.mu.Unlock()
		return false
	}
	wasEmpty := len(l.queue) == 0
	l.queue = append(l.queue, c)
	l.mu.Unlock()
	if wasEmpty {
		l.signal()
	}
	return true
}

func (l *Loop) signal() {
	one := uint64(1)
	for {
		_, err := syscall.Write(l.wake, (*[8]byte)(unsafe.Pointer(&one))[:])
		if err != syscall.EINTR {
			return
		}
	}
}

func (l *Loop) ctl(op, ep, fd int, events uint32) error {
	ev := syscall.EpollEvent{Events: events, Fd: int32(fd)}
	if err := syscall.EpollCtl(ep, op, fd, &ev); err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	return nil
}

func (l *Loop) run() {
	defer close(l.done)
	for {
		n, err := syscall.EpollWait(l.epMain, l.evs, l.timeout(time.Now()))
		if err != nil {
			n = 0 // EINTR
		}
		now := time.Now()
		for _, ev := range l.evs[:n] {
			switch fd := int(ev.Fd); fd {
			case l.wake:
				if l.commands(now) {
					l.shutdown()
					return
				}
			case l.epOut:
				l.polling = true // the one-shot registration is now disarmed
			default:
				src := l.source(fd)
				switch {
				case src.h == nil:
				case src.out == nil:
					l.pidReady(src.h, fd, now)
				default:
					l.read(src.h, src.out)
				}
			}
		}
		if l.polling && !now.Before(l.next) {
			l.service(now)
		}
		if len(l.timed) > 0 {
			l.checkTimed(now)
		}
	}
}

// timeout is epoll_wait's: until the next tick when polling, or the next
// timed check, else forever; in milliseconds, rounded up.
func (l *Loop) timeout(now time.Time) int {
	var d time.Duration = -1
	if l.polling {
		d = max(l.next.Sub(now), 0)
	}
	for _, h := range l.timed {
		if t := max(h.at.Sub(now), 0); d < 0 || t < d {
			d = t
		}
	}
	if d < 0 {
		return -1
	}
	return int((d + time.Millisecond - 1) / time.Millisecond)
}

// commands runs the queued commands and reports whether the loop closes.
func (l *Loop) commands(now time.Time) bool {
	var v [8]byte
	syscall.Read(l.wake, v[:])
	l.mu.Lock()
	queue, closing := l.queue, l.closing
	l.queue = nil
	l.mu.Unlock()
	for _, c := range queue {
		if c.exit {
			if !c.h.exited && !c.h.finished {
				l.exit(c.h, now)
			}
			continue
		}
		l.add(c.h, now)
	}
	return closing
}

func (l *Loop) add(h *Handle, now time.Time) {
	for _, s := range h.streams {
		l.setSource(s.fd, source{h: h, out: s})
		ep := l.epOut
		if s.urgent {
			ep = l.epMain
		}
		if l.ctl(syscall.EPOLL_CTL_ADD, ep, s.fd, syscall.EPOLLIN) != nil {
			l.closeStream(h, s)
		}
	}
	if fd := h.w.Pidfd; fd >= 0 {
		l.setSource(fd, source{h: h})
		if l.ctl(syscall.EPOLL_CTL_ADD, l.epMain, fd, syscall.EPOLLIN) != nil {
			l.setSource(fd, source{})
			l.retryReap(h, now)
		}
	}
}

// pidReady: the child's pidfd is readable.
func (l *Loop) pidReady(h *Handle, fd int, now time.Time) {
	l.ctl(syscall.EPOLL_CTL_DEL, l.epMain, fd, 0)
	l.setSource(fd, source{})
	if h.w.Reap == nil || h.w.Reap() {
		l.exit(h, now)
		return
	}
	l.retryReap(h, now)
}

func (l *Loop) retryReap(h *Handle, now time.Time) {
	h.reapRetry = true
	l.schedule(h, now.Add(l.opts.DrainPoll))
}

// exit starts the drain of a reaped child: what its pipes hold is read at
// once; if they are not all at EOF, again every DrainPoll.
func (l *Loop) exit(h *Handle, now time.Time) {
	h.exited, h.exitedAt = true, now
	l.drain(h)
	if h.open == 0 {
		l.finish(h)
		return
	}
	l.schedule(h, now.Add(l.opts.DrainPoll))
}

func (l *Loop) schedule(h *Handle, at time.Time) {
	h.at = at
	if !h.timed {
		h.timed = true
		l.timed = append(l.timed, h)
	}
}

func (l *Loop) checkTimed(now time.Time) {
	timed := l.timed
	l.timed, l.spare = l.spare[:0], nil
	for _, h := range timed {
		h.timed = false
		switch {
		case h.finished:
		case now.Before(h.at):
			l.schedule(h, h.at)
		case h.reapRetry:
			if h.w.Reap() {
				h.reapRetry = false
				l.exit(h, now)
			} else {
				l.schedule(h, now.Add(l.opts.DrainPoll))
			}
		default:
			if empty := l.drain(h); h.open == 0 || empty || now.Sub(h.exitedAt) >= l.opts.DrainMax {
				l.finish(h)
			} else {
				l.schedule(h, now.Add(l.opts.DrainPoll))
			}
		}
	}
	clear(timed)
	l.spare = timed[:0]
}

// drain reads the open pipes of h until each is empty or at EOF, at most
// drainReads buffers each, and reports whether all are empty or closed.
func (l *Loop) drain(h *Handle) bool {
	empty := true
	for _, s := range h.streams {
		i := 0
		for ; i < drainReads && !s.closed; i++ {
			if n := l.read(h, s); n == 0 {
				break
			}
		}
		if i == drainReads {
			empty = false
		}
	}
	return empty
}

// service reads every ready pipe of the output set once, or re-arms the
// set when none is ready.
func (l *Loop) service(now time.Time) {
	n, err := syscall.EpollWait(l.epOut, l.evs, 0)
	if err != nil {
		n = 0
	}
	if n == 0 {
		l.polling = false
		l.ctl(syscall.EPOLL_CTL_MOD, l.epMain, l.epOut, syscall.EPOLLIN|syscall.EPOLLONESHOT)
		return
	}
	again := n == len(l.evs)
	for _, ev := range l.evs[:n] {
		src := l.source(int(ev.Fd))
		if src.out != nil && l.read(src.h, src.out) == len(l.buf) {
			again = true
		}
	}
	l.next = now.Add(l.opts.Tick)
	if again {
		l.next = now
	}
}

// read reads s once and hands what it got to its writer; at EOF (or an
// error) it closes s. It returns the bytes read: 0 for an empty pipe.
func (l *Loop) read(h *Handle, s *stream) int {
	for {
		n, err := syscall.Read(s.fd, l.buf)
		switch {
		case err == syscall.EINTR:
			continue
		case n > 0:
			s.w.Write(l.buf[:n])
			return n
		case err == syscall.EAGAIN:
			return 0
		}
		l.closeStream(h, s)
		if h.exited && h.open == 0 {
			l.finish(h)
		}
		return 0
	}
}

func (l *Loop) closeStream(h *Handle, s *stream) {
	if s.closed {
		return
	}
	ep := l.epOut
	if s.urgent {
		ep = l.epMain
	}
	l.ctl(syscall.EPOLL_CTL_DEL, ep, s.fd, 0)
	if l.source(s.fd).out == s {
		l.setSource(s.fd, source{})
	}
	syscall.Close(s.fd)
	s.closed = true
	h.open--
}

// finish closes what is left of h and calls its Done, once.
func (l *Loop) finish(h *Handle) {
	if h.finished {
		return
	}
	h.finished = true
	for _, s := range h.streams {
		l.closeStream(h, s)
	}
	if h.w.Done != nil {
		h.w.Done()
	}
}

func (l *Loop) source(fd int) source {
	if fd < 0 || fd >= len(l.srcs) {
		return source{}
	}
	return l.srcs[fd]
}

func (l *Loop) setSource(fd int, s source) {
	if fd >= len(l.srcs) {
		l.srcs = append(l.srcs, make([]source, fd+1-len(l.srcs)+len(l.srcs)/2)...)
	}
	l.srcs[fd] = s
}

// shutdown closes every output still open and the loop's descriptors.
func (l *Loop) shutdown() {
	for fd, src := range l.srcs {
		if src.out != nil && !src.out.closed {
			syscall.Close(fd)
			src.out.closed = true
		}
	}
	l.srcs = nil
	l.closeFDs()
}

func (l *Loop) closeFDs() {
	for _, fd := range []int{l.wake, l.epOut, l.epMain} {
		if fd >= 0 {
			syscall.Close(fd)
		}
	}
}
