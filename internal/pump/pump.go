package pump

import (
	"io"
	"time"
)

// The defaults of Options.
const (
	// DefaultTick is how often the output set is read while output keeps
	// arriving: the most a line waits in its pipe before it is read.
	DefaultTick = 20 * time.Millisecond
	// DefaultDrainPoll and DefaultDrainMax bound the drain of an exited
	// child's pipes that something else (a grandchild) keeps open: they are
	// closed once empty, checked every DrainPoll, or DrainMax after the
	// exit at the latest.
	DefaultDrainPoll = 20 * time.Millisecond
	DefaultDrainMax  = 5 * time.Second
	// DefaultBufSize is the most read from a pipe at once (a pipe holds
	// 64 KiB by default; the reference reads up to 128 KiB).
	DefaultBufSize = 64 << 10
)

// Options configure a Loop; zero fields take the defaults.
type Options struct {
	Tick      time.Duration
	DrainPoll time.Duration
	DrainMax  time.Duration
	BufSize   int
}

func (o Options) withDefaults() Options {
	if o.Tick <= 0 {
		o.Tick = DefaultTick
	}
	if o.DrainPoll <= 0 {
		o.DrainPoll = DefaultDrainPoll
	}
	if o.DrainMax <= 0 {
		o.DrainMax = DefaultDrainMax
	}
	if o.BufSize <= 0 {
		o.BufSize = DefaultBufSize
	}
	return o
}

// Output is the read end of one output pipe of a child.
type Output struct {
	// FD is the read end, a non-blocking descriptor outside Go's poller.
	// The Loop owns it from Add on and closes it at EOF or after the
	// child's drain.
	FD int
	// W gets every chunk read, on the loop's goroutine; its error is
	// ignored (a log that cannot be written must not stop the child).
	W io.Writer
	// Urgent pipes are read as soon as they are readable instead of with
	// the next tick's batch (an event listener's protocol channel).
	Urgent bool
}

// Watch is what a Loop watches for one child.
type Watch struct {
	Outputs []Output
	// Pidfd becomes readable when the child exits; -1 if the child has
	// none, and the caller reports the exit with Loop.Exited instead. The
	// Loop never closes it.
	Pidfd int
	// Reap is called on the loop's goroutine once Pidfd is readable; it
	// reaps the child (and may close Pidfd) and reports whether the child
	// has been reaped. If it has not, it is asked again every DrainPoll.
	Reap func() bool
	// Done is called on the loop's goroutine once the child has exited and
	// its outputs have been read to their end and closed.
	Done func()
}

// A Handle names a Watch that was added to a Loop.
type Handle struct {
	w       Watch
	streams []*stream
	open    int // streams not yet closed

	// Owned by the loop's goroutine.
	exited    bool // reaped (or reported by Exited): the drain is on
	exitedAt  time.Time
	reapRetry bool      // Reap said no: ask again at at
	at        time.Time // next drain check or Reap retry, when timed
	timed     bool
	finished  bool // Done was called
}

type stream struct {
	fd     int
	w      io.Writer
	urgent bool
	closed bool
}

func newHandle(w Watch) *Handle {
	h := &Handle{w: w}
	for _, o := range w.Outputs {
		if o.FD < 0 {
			continue
		}
		h.streams = append(h.streams, &stream{fd: o.FD, w: o.W, urgent: o.Urgent})
	}
	h.open = len(h.streams)
	return h
}
