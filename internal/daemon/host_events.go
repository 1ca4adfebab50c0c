package daemon

import (
	"fmt"

	"github.com/supervisorgo/supervisor/internal/events"
	"github.com/supervisorgo/supervisor/plugin"
)

var _ plugin.EventSource = (*host)(nil)

// Subscribe is plugin.EventSource.
func (h *host) Subscribe(types []string, handle func(plugin.Event)) (func(), error) {
	if len(types) == 0 {
		return nil, fmt.Errorf("no event type given")
	}
	for _, t := range types {
		if !events.Known(t) {
			return nil, fmt.Errorf("unknown event type %q", t)
		}
	}
	return h.events.subscribe("plugin", types, func(e *events.E, _ int64) {
		handle(plugin.Event{Name: e.Name, Serial: e.Serial(), Payload: e.Payload})
	}), nil
}
