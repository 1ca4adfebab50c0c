package daemon

import (
	"log/slog"
	"testing"
	"time"

	"github.com/supervisorgo/supervisor/internal/events"
	"github.com/supervisorgo/supervisor/plugin"
)

func TestHostSubscribe(t *testing.T) {
	bus := &events.Bus{}
	ev := newHub(t.Context(), bus, slog.New(slog.DiscardHandler), "sv")
	defer ev.close()
	h := &host{events: ev}
	if _, err := h.Subscribe([]string{"NOPE"}, func(plugin.Event) {}); err == nil {
		t.Error("an unknown type was accepted")
	}
	if _, err := h.Subscribe(nil, func(plugin.Event) {}); err == nil {
		t.Error("no type was accepted")
	}
	got := make(chan plugin.Event, 10)
	var unsubscribe func()
	unsubscribe, err := h.Subscribe([]string{events.ProcessGroup}, func(e plugin.Event) {
		unsubscribe() // from its own handler: must not deadlock
		got <- e
	})
	if err != nil {
		t.Fatal(err)
	}
	bus.Publish(events.TickAt(5, 0)) // not subscribed
	bus.Publish(events.GroupAdded("web"))
	select {
	case e := <-got:
		if e.Name != events.ProcessGroupAdded || e.Fields()["groupname"] != "web" || e.Serial != 0 {
			t.Errorf("got %+v", e)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no event")
	}
	bus.Publish(events.GroupAdded("later"))
	select {
	case e := <-got:
		t.Errorf("got %+v after unsubscribing", e)
	default:
	}
}
