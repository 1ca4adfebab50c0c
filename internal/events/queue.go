package events

import "sync"

// Queue hands events to a consumer that may be slow (an exec plugin, an
// event stream client) from a goroutine of its own, so that publishing
// never waits for it. It holds at most its size; when full, the oldest
// event is dropped and reported to the drop function.
type Queue struct {
	size    int
	deliver func(e *E, poolSerial int64)
	drop    func(e *E)

	mu     sync.Mutex
	buf    []queued
	serial int64 // the last pool serial given
	wake   chan struct{}
	done   chan struct{}
	closed bool
	wg     sync.WaitGroup
}

type queued struct {
	e          *E
	poolSerial int64
}

// NewQueue starts a queue of at most size events (at least 1); deliver is
// called for each, in order, with the queue's own serial for it (counted
// from 0, as a pool's serial is).
func NewQueue(size int, deliver func(e *E, poolSerial int64), drop func(e *E)) *Queue {
	q := &Queue{size: max(size, 1), deliver: deliver, drop: drop, serial: -1,
		wake: make(chan struct{}, 1), done: make(chan struct{})}
	q.wg.Go(q.run)
	return q
}

// Push is a Handler: it queues e and returns at once.
func (q *Queue) Push(e *E) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	var dropped *E
	if len(q.buf) >= q.size {
		dropped = q.buf[0].e
		q.buf = q.buf[1:]
	}
	q.serial++
	q.buf = append(q.buf, queued{e, q.serial})
	q.mu.Unlock()
	if dropped != nil && q.drop != nil {
		q.drop(dropped)
	}
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *Queue) run() {
	for {
		select {
		case <-q.done:
			return
		case <-q.wake:
		}
		for {
			q.mu.Lock()
			if len(q.buf) == 0 || q.closed {
				q.mu.Unlock()
				break
			}
			it := q.buf[0]
			q.buf = q.buf[1:]
			q.mu.Unlock()
			q.deliver(it.e, it.poolSerial)
		}
	}
}

// Close stops the queue; events not delivered yet are dropped. It waits
// for a delivery in progress to return.
func (q *Queue) Close() {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	q.closed = true
	q.buf = nil
	q.mu.Unlock()
	close(q.done)
	q.wg.Wait()
}
