package events

import (
	"strconv"
	"sync"
	"unicode/utf8"
)

// Handler receives published events. It is called with the bus's lock
// held, in subscription order: it must not block and must not call the
// bus.
type Handler func(e *E)

type subscription struct {
	types []string
	h     Handler
}

// Bus hands every published event to the handlers subscribed to its type,
// in the order they subscribed (events.notify). Publish may be called from
// any goroutine; events from one goroutine reach each handler in the order
// they were published.
type Bus struct {
	mu   sync.Mutex
	subs []*subscription
	next int64 // the next serial to give; the first event gets 0
}

// Subscribe calls h for every later event whose type is one of types or a
// subtype of one. The returned function ends the subscription.
func (b *Bus) Subscribe(types []string, h Handler) (unsubscribe func()) {
	s := &subscription{types: append([]string(nil), types...), h: h}
	b.mu.Lock()
	b.subs = append(b.subs, s)
	b.mu.Unlock()
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for i, x := range b.subs {
			if x == s {
				b.subs = append(b.subs[:i:i], b.subs[i+1:]...)
				return
			}
		}
	}
}

// Publish gives e a serial if anyone subscribed to its type (an event no
// one receives consumes no serial, as in the reference) and hands it to
// each such subscriber.
func (b *Bus) Publish(e *E) {
	if e == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, s := range b.subs {
		if !Matches(e.Name, s.types) {
			continue
		}
		if e.serial < 0 {
			e.serial = b.next
			b.next++
		}
		s.h(e)
	}
}

// Envelope is the text an event listener reads for an event: the header
// line then the payload (the reference's _eventEnvelope). len counts code
// points, as the reference's len() of a str does.
func Envelope(e *E, server, pool string, poolSerial int64) string {
	return "ver:3.0 server:" + server + " serial:" + strconv.FormatInt(e.serial, 10) +
		" pool:" + pool + " poolserial:" + strconv.FormatInt(poolSerial, 10) +
		" eventname:" + e.Name + " len:" + strconv.Itoa(utf8.RuneCountInString(e.Payload)) + "\n" + e.Payload
}

// Headers are the envelope's header tokens as a map (for exec plugins and
// the event stream).
func Headers(e *E, server, pool string, poolSerial int64) map[string]string {
	return map[string]string{"ver": "3.0", "server": server, "serial": strconv.FormatInt(e.serial, 10),
		"pool": pool, "poolserial": strconv.FormatInt(poolSerial, 10), "eventname": e.Name,
		"len": strconv.Itoa(utf8.RuneCountInString(e.Payload))}
}
