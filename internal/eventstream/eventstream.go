// Package eventstream serves supervisord's events over HTTP as
// Server-Sent Events, so that a dashboard can follow them without an
// event listener process. Beyond the reference.
//
// GET /events?events=PROCESS_STATE,TICK_5 streams the events of those
// types (and their subtypes; all events without the parameter). Each
// event is one SSE message: "id" is its serial, "event" its type name,
// and "data" one line of JSON {"headers": {...}, "payload": "..."} with
// the headers and payload an [eventlistener:x] would receive (the pool
// is "eventstream", the pool serial counts this client's events). A
// client that reads too slowly loses the oldest events, and is told so
// by a comment line ": dropped N events".
package eventstream

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/supervisorgo/supervisor/internal/events"
)

// Path is where the stream is served.
const Path = "/events"

// queueSize is how many events wait for a slow client.
const queueSize = 1000

// keepAlive is how often an idle stream gets a comment line, so that
// proxies and clients see it is alive.
var keepAlive = 15 * time.Second

// Handler streams bus's events until the client leaves or ctx ends;
// server gives supervisord's identifier.
func Handler(ctx context.Context, bus *events.Bus, server func() string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		types := []string{events.Event}
		if q := r.URL.Query().Get("events"); q != "" {
			types = nil
			for _, t := range strings.Split(q, ",") {
				t = strings.ToUpper(strings.TrimSpace(t))
				if !events.Known(t) {
					http.Error(w, fmt.Sprintf("unknown event type %q", t), http.StatusBadRequest)
					return
				}
				types = append(types, t)
			}
		}
		flusher, ok := w.(http.Flusher)
		if !ok {
			http.Error(w, "streaming not supported", http.StatusInternalServerError)
			return
		}
		msgs := make(chan []byte, 1)
		gone := make(chan struct{}) // closed when the handler returns
		var dropped atomic.Int64
		id := server()
		q := events.NewQueue(queueSize, func(e *events.E, serial int64) {
			b, _ := json.Marshal(struct {
				Headers map[string]string `json:"headers"`
				Payload string            `json:"payload"`
			}{events.Headers(e, id, "eventstream", serial), e.Payload})
			msg := fmt.Appendf(nil, "id: %d\nevent: %s\ndata: %s\n\n", e.Serial(), e.Name, b)
			select {
			case msgs <- msg:
			case <-gone:
			}
		}, func(*events.E) { dropped.Add(1) })
		unsubscribe := bus.Subscribe(types, q.Push)
		defer func() { close(gone); unsubscribe(); q.Close() }()

		h := w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Accel-Buffering", "no")
		w.WriteHeader(http.StatusOK)
		flusher.Flush()
		if r.Method == http.MethodHead {
			return
		}

		tick := time.NewTicker(keepAlive)
		defer tick.Stop()
		for {
			var err error
			select {
			case <-r.Context().Done():
				return
			case <-ctx.Done():
				return
			case msg := <-msgs:
				if n := dropped.Swap(0); n > 0 {
					fmt.Fprintf(w, ": dropped %d events\n\n", n)
				}
				_, err = w.Write(msg)
			case <-tick.C:
				_, err = w.Write([]byte(": keep-alive\n\n"))
			}
			if err != nil {
				return
			}
			flusher.Flush()
		}
	})
}
