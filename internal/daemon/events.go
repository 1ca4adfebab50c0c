package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/supervisorgo/supervisor/internal/config"
	"github.com/supervisorgo/supervisor/internal/events"
	"github.com/supervisorgo/supervisor/internal/listener"
	"github.com/supervisorgo/supervisor/internal/process"
	"github.com/supervisorgo/supervisor/internal/supervisor"
)

// hub connects the event bus to the rest of the daemon: it publishes the
// process, group, supervisor and remote events, and keeps one listener
// pool per [eventlistener:x] group, subscribed to the bus.
type hub struct {
	bus    *events.Bus
	log    *slog.Logger
	server string // supervisord's identifier
	m      *supervisor.Manager

	ctx context.Context // lifetime of the pools' dispatchers
	wg  sync.WaitGroup

	mu      sync.Mutex
	pools   map[string]*pool            // by group name
	members map[string]*listener.Member // by group:name
	closers []func()                    // subscriptions that are not pools' (exec plugins)
}

type pool struct {
	p           *listener.Pool
	unsubscribe func()
	cancel      context.CancelFunc
}

func newHub(ctx context.Context, bus *events.Bus, log *slog.Logger, server string) *hub {
	return &hub{bus: bus, log: log, server: server, ctx: ctx, pools: map[string]*pool{},
		members: map[string]*listener.Member{}}
}

// transition is the Manager's OnTransition: the PROCESS_STATE event, and
// a listener's RUNNING state for its pool.
func (h *hub) transition(t process.Transition) {
	// The event first, as the reference notifies it from change_state
	// before its pool dispatches: a listener that just became RUNNING
	// finds its own RUNNING event buffered behind the older ones.
	h.bus.Publish(events.ProcessStateChange(events.StateChange{Process: t.Name, Group: t.Group,
		From: t.From.String(), To: t.To.String(), Pid: t.Pid, Tries: t.Tries, Expected: t.Expected}))
	h.mu.Lock()
	m := h.members[t.Group+":"+t.Name]
	h.mu.Unlock()
	if m != nil {
		m.SetRunning(t.To == process.Running)
	}
}

// group is the Manager's OnGroup: a listener group's pool is made (or
// ended) and PROCESS_GROUP_ADDED (or _REMOVED) published, in the
// reference's order.
func (h *hub) group(name string, added bool) {
	if !added {
		h.removePool(name)
		h.bus.Publish(events.GroupRemoved(name))
		return
	}
	if g := h.m.Group(name); g != nil && g.Config.Kind == config.KindEventListener {
		h.addPool(g.Config)
	}
	h.bus.Publish(events.GroupAdded(name))
}

func (h *hub) addPool(g *config.Group) {
	p := listener.New(listener.Options{Name: g.Name, Server: h.server, BufferSize: g.Listener.BufferSize, Log: h.log})
	h.mu.Lock()
	for _, pc := range g.Processes {
		h.members[pc.Group+":"+pc.Name] = p.Add(pc.Name)
	}
	ctx, cancel := context.WithCancel(h.ctx)
	h.pools[g.Name] = &pool{p: p, unsubscribe: h.bus.Subscribe(g.Listener.Events, p.Accept), cancel: cancel}
	h.mu.Unlock()
	h.wg.Go(func() { p.Run(ctx) })
}

func (h *hub) removePool(name string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.pools[name]
	if p == nil {
		return
	}
	p.unsubscribe()
	p.cancel()
	delete(h.pools, name)
	for key := range h.members {
		if strings.HasPrefix(key, name+":") {
			delete(h.members, key)
		}
	}
}

// member returns the pool member of a listener process, or nil.
func (h *hub) member(pc *config.Process) *listener.Member {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.members[pc.Group+":"+pc.Name]
}

// subscribe hands the events of types to deliver from a queue of its own
// (for plugins), until the returned function is called or the hub closes.
func (h *hub) subscribe(name string, types []string, deliver func(e *events.E, poolSerial int64)) (unsubscribe func()) {
	q := events.NewQueue(10000, deliver, func(e *events.E) {
		h.log.Error(fmt.Sprintf("%s event queue overflowed, discarding event %d", name, e.Serial()))
	})
	unsub := h.bus.Subscribe(types, q.Push)
	h.mu.Lock()
	h.closers = append(h.closers, func() { unsub(); q.Close() })
	h.mu.Unlock()
	// The subscriber may end its subscription from its own handler: the
	// queue is closed without waiting for that delivery to return.
	return func() { unsub(); go q.Close() }
}

// close ends every subscription and pool of this life of the daemon (the
// bus lives on across restarts, as the reference's global serial does).
func (h *hub) close() {
	h.mu.Lock()
	for name := range h.pools {
		p := h.pools[name]
		p.unsubscribe()
		p.cancel()
	}
	h.pools = map[string]*pool{}
	closers := h.closers
	h.closers = nil
	h.mu.Unlock()
	for _, c := range closers {
		c()
	}
	h.wg.Wait()
}
