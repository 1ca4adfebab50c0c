// Package listener is the event listener protocol of [eventlistener:x]
// pools: each pool buffers the events it subscribed to (at most
// buffer_size, dropping the oldest), and hands the oldest to the first of
// its processes that is RUNNING and has said READY; the process answers
// RESULT <len>\n<result>, and an event it rejects, or that was in flight
// when it died, goes back to the head of the buffer.
//
// The texts of the log lines and the protocol's corner cases are those of
// the reference's EventListenerPool and PEventListenerDispatcher.
package listener

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/supervisorgo/supervisor/internal/events"
)

// State is a listener process's protocol state.
type State int

// The listener states (supervisor.states.EventListenerStates).
const (
	Acknowledged State = iota
	Ready
	Busy
	Unknown
)

func (s State) String() string {
	switch s {
	case Acknowledged:
		return "ACKNOWLEDGED"
	case Ready:
		return "READY"
	case Busy:
		return "BUSY"
	}
	return "UNKNOWN"
}

// ErrRejected is what a result handler returns for an event the listener
// did not accept (the reference's RejectEvent): it is buffered again.
var ErrRejected = errors.New("event rejected")

// ResultHandler judges a listener's result for an event. nil accepts; any
// other error than ErrRejected puts the listener in the UNKNOWN state.
type ResultHandler func(e *events.E, result []byte) error

// DefaultResultHandler is supervisor.dispatchers:default_handler: the
// result "OK" accepts the event, anything else rejects it.
func DefaultResultHandler(_ *events.E, result []byte) error {
	if string(result) == "OK" {
		return nil
	}
	return ErrRejected
}

// Options describe a pool.
type Options struct {
	Name       string // the pool's (group's) name
	Server     string // supervisord's identifier, for the envelope
	BufferSize int
	Log        *slog.Logger
	Result     ResultHandler // nil for DefaultResultHandler
}

type item struct {
	e          *events.E
	poolSerial int64
}

// Pool is one [eventlistener:x] group. Its methods may be called from any
// goroutine; Run does the dispatching.
type Pool struct {
	opts Options
	log  *slog.Logger
	wake chan struct{}

	mu      sync.Mutex
	buf     []*item
	next    int64 // the next pool serial
	members []*Member
}

// New returns a pool with no members.
func New(opts Options) *Pool {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Result == nil {
		opts.Result = DefaultResultHandler
	}
	if opts.BufferSize < 1 {
		opts.BufferSize = 1
	}
	return &Pool{opts: opts, log: opts.Log, wake: make(chan struct{}, 1)}
}

// Add adds a listener process; members are offered events in the order
// they were added (the configuration's order).
func (p *Pool) Add(name string) *Member {
	m := &Member{pool: p, name: name, resultLen: -1}
	p.mu.Lock()
	p.members = append(p.members, m)
	p.mu.Unlock()
	return m
}

// Accept buffers an event (the pool's bus Handler).
func (p *Pool) Accept(e *events.E) {
	p.mu.Lock()
	p.accept(&item{e: e, poolSerial: -1}, false)
	p.mu.Unlock()
	p.signal()
}

// Buffered returns how many events wait in the buffer.
func (p *Pool) Buffered() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.buf)
}

// accept is _acceptEvent; p.mu is held.
func (p *Pool) accept(it *item, head bool) {
	if it.poolSerial < 0 {
		it.poolSerial = p.next
		p.next++
	} else {
		p.log.Debug(fmt.Sprintf("rebuffering event %d for pool %s (buf size=%d, max=%d)",
			it.e.Serial(), p.opts.Name, len(p.buf), p.opts.BufferSize))
	}
	if len(p.buf) >= p.opts.BufferSize && len(p.buf) > 0 {
		discarded := p.buf[0]
		p.buf = p.buf[1:]
		p.log.Error(fmt.Sprintf("pool %s event buffer overflowed, discarding event %d", p.opts.Name, discarded.e.Serial()))
	}
	if head {
		p.buf = append([]*item{it}, p.buf...)
	} else {
		p.buf = append(p.buf, it)
	}
}

func (p *Pool) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Run dispatches events until ctx ends.
func (p *Pool) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.wake:
		}
		p.dispatch()
	}
}

// dispatch hands buffered events, oldest first, to ready members until
// the buffer is empty or no member is ready (EventListenerPool.dispatch).
func (p *Pool) dispatch() {
	for {
		p.mu.Lock()
		if len(p.buf) == 0 {
			p.mu.Unlock()
			return
		}
		var m *Member
		for _, x := range p.members {
			if x.running && x.state == Ready && x.stdin != nil {
				m = x
				break
			}
		}
		if m == nil {
			p.mu.Unlock()
			return
		}
		it := p.buf[0]
		p.buf = p.buf[1:]
		m.state, m.inflight = Busy, it
		w, gen := m.stdin, m.gen
		env := events.Envelope(it.e, p.opts.Server, p.opts.Name, it.poolSerial)
		p.mu.Unlock()

		_, err := io.WriteString(w, env)

		p.mu.Lock()
		if err != nil {
			p.log.Debug(fmt.Sprintf("epipe occurred while sending event %d to listener %s, listener state unchanged", it.e.Serial(), m.name))
			if m.gen == gen && m.inflight == it {
				m.state, m.inflight, m.stdin = Ready, nil, nil
			}
			p.accept(it, true)
		} else {
			p.log.Debug(fmt.Sprintf("event %d sent to listener %s", it.e.Serial(), m.name))
		}
		p.mu.Unlock()
	}
}

// Member is one listener process of a pool.
type Member struct {
	pool *Pool
	name string

	// Guarded by pool.mu.
	running   bool
	state     State
	stdin     io.Writer
	gen       int    // spawn count
	pending   []byte // output not yet understood (state_buffer)
	result    []byte
	resultLen int // -1 until the RESULT line was read
	inflight  *item
}

// State returns the member's protocol state.
func (m *Member) State() State {
	m.pool.mu.Lock()
	defer m.pool.mu.Unlock()
	return m.state
}

// Spawned is told that the process was started with stdin as its standard
// input: it is ACKNOWLEDGED until it says READY.
func (m *Member) Spawned(stdin io.Writer) {
	p := m.pool
	p.mu.Lock()
	defer p.mu.Unlock()
	m.gen++
	m.state, m.stdin, m.inflight = Acknowledged, stdin, nil
	m.pending, m.result, m.resultLen = nil, nil, -1
}

// SetRunning is told whether the process is in the RUNNING state: only
// RUNNING listeners are offered events.
func (m *Member) SetRunning(running bool) {
	m.pool.mu.Lock()
	m.running = running
	m.pool.mu.Unlock()
	if running {
		m.pool.signal()
	}
}

// Exited is told that the process ended (its output read to the end): an
// event it was processing goes back to the head of the buffer.
func (m *Member) Exited() {
	p := m.pool
	p.mu.Lock()
	m.running, m.stdin = false, nil
	if it := m.inflight; it != nil {
		m.inflight = nil
		p.accept(it, true)
	}
	p.mu.Unlock()
	p.signal()
}

// Output reads what the process wrote on its stdout
// (handle_listener_state_change).
func (m *Member) Output(data []byte) {
	p := m.pool
	p.mu.Lock()
	wake := m.output(data)
	p.mu.Unlock()
	if wake {
		p.signal()
	}
}

var readyToken = []byte("READY\n")

// output parses; pool.mu is held. It reports whether the member became
// ready or an event went back to the buffer.
func (m *Member) output(data []byte) (wake bool) {
	m.pending = append(m.pending, data...)
	for len(m.pending) > 0 {
		switch m.state {
		case Unknown:
			m.pending = nil
			return wake
		case Acknowledged:
			if len(m.pending) < len(readyToken) {
				return wake
			}
			if bytes.HasPrefix(m.pending, readyToken) {
				m.change(Ready)
				m.pending = m.pending[len(readyToken):]
				wake = true
			} else {
				m.change(Unknown)
				m.pending = nil
			}
			m.inflight = nil
		case Ready:
			// Spurious data: the reference is strict about it.
			m.change(Unknown)
			m.pending, m.inflight = nil, nil
			return wake
		case Busy:
			if m.resultLen < 0 {
				i := bytes.IndexByte(m.pending, '\n')
				if i < 0 {
					return wake
				}
				line := m.pending[:i]
				m.pending = m.pending[i+1:]
				n, ok := resultLength(line)
				if !ok {
					m.pool.log.Warn(fmt.Sprintf("%s: bad result line: '%s'", m.name, text(line)))
					m.change(Unknown)
					m.pending = nil
					m.reject()
					return true
				}
				m.resultLen = n
				continue
			}
			if need := m.resultLen - len(m.result); need > 0 {
				take := min(need, len(m.pending))
				m.result = append(m.result, m.pending[:take]...)
				m.pending = m.pending[take:]
			}
			if len(m.result) == m.resultLen {
				if m.handleResult() {
					wake = true
				}
				m.result, m.resultLen = nil, -1
			}
		}
	}
	return wake
}

// handleResult judges the result of the event in flight; it reports
// whether the event went back to the buffer.
func (m *Member) handleResult() (rejected bool) {
	log := m.pool.log
	it := m.inflight
	var err error
	if it != nil {
		err = m.pool.opts.Result(it.e, m.result)
	}
	switch {
	case err == nil:
		log.Debug(m.name + ": event was processed")
		m.change(Acknowledged)
		m.inflight = nil
		return false
	case errors.Is(err, ErrRejected):
		log.Warn(m.name + ": event was rejected")
		m.change(Acknowledged)
	default:
		log.Warn(m.name + ": event caused an error")
		m.change(Unknown)
	}
	m.reject()
	return true
}

// reject puts the event in flight back at the head of the buffer.
func (m *Member) reject() {
	if it := m.inflight; it != nil {
		m.inflight = nil
		m.pool.accept(it, true)
	}
}

func (m *Member) change(to State) {
	log := m.pool.log
	log.Debug(fmt.Sprintf("%s: %s -> %s", m.name, m.state, to))
	m.state = to
	if to == Unknown {
		log.Warn(m.name + ": has entered the UNKNOWN state and will no longer receive events, " +
			"this usually indicates the process violated the eventlistener protocol")
	}
}
