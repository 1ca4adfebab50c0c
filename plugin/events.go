package plugin

import "strings"

// Event is one supervisord event, as an [eventlistener:x] receives it:
// its type name (PROCESS_STATE_RUNNING, TICK_5, ...), its serial, and its
// payload text (see the reference's event documentation).
type Event struct {
	Name    string
	Serial  int64
	Payload string
}

// Fields returns the "key:value" tokens of the payload's first line
// (processname, groupname, from_state, pid, type, when, ...).
func (e Event) Fields() map[string]string {
	line, _, _ := strings.Cut(e.Payload, "\n")
	out := map[string]string{}
	for _, tok := range strings.Fields(line) {
		if k, v, ok := strings.Cut(tok, ":"); ok {
			out[k] = v
		}
	}
	return out
}

// Data returns what follows the payload's first line: the output of a
// PROCESS_LOG or PROCESS_COMMUNICATION event, the data of a
// REMOTE_COMMUNICATION event; "" for the others.
func (e Event) Data() string {
	_, data, _ := strings.Cut(e.Payload, "\n")
	return data
}

// EventSource lets a compiled-in plugin follow supervisord's events.
type EventSource interface {
	// Subscribe calls handle for every later event of one of types (event
	// type names as [eventlistener:x] events= takes them; a type covers
	// its subtypes, EVENT covers all). handle runs on a goroutine of the
	// subscription's own, one event at a time, in order; a subscriber
	// that falls more than 10000 events behind loses the oldest (logged).
	// An unknown type name is an error. Subscriptions end with the
	// returned function, or when the daemon stops or reloads.
	Subscribe(types []string, handle func(Event)) (unsubscribe func(), err error)
}

// Events returns the host's event source when the daemon provides it (the
// supervisord binaries always do).
func (ic InitContext) Events() (EventSource, bool) {
	s, ok := ic.Host.(EventSource)
	return s, ok
}
