// Package supervisor is the process manager: the process groups of a
// configuration, the order in which they start and stop, and the daemon's
// own state (RUNNING, RESTARTING, SHUTDOWN). It is the one Go API through
// which the daemon, the XML-RPC namespaces, events and plugins act on
// processes.
//
// Concurrency: every process is an actor (package process) with its own
// goroutine, owned by the Manager and stopped by Close. The set of groups
// changes rarely (add/remove, reload) and sits behind an RWMutex; reads take
// a snapshot. Start and Shutdown are called by the daemon's one control
// loop, never concurrently with each other.
package supervisor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/supervisorgo/supervisor/internal/config"
	"github.com/supervisorgo/supervisor/internal/process"
)

// State is the daemon's state, numbered as supervisor.states.SupervisorStates.
type State int

// The daemon states.
const (
	Fatal      State = 2
	Running    State = 1
	Restarting State = 0
	Shutdown   State = -1
)

func (s State) String() string {
	switch s {
	case Fatal:
		return "FATAL"
	case Running:
		return "RUNNING"
	case Restarting:
		return "RESTARTING"
	case Shutdown:
		return "SHUTDOWN"
	}
	return fmt.Sprintf("STATE(%d)", int(s))
}

// Errors.
var (
	ErrBadName      = errors.New("no such group or process")
	ErrGroupExists  = errors.New("group already exists")
	ErrStillRunning = errors.New("group has processes that are not stopped")
)

// Group is a process group and its processes, in the configuration's order.
type Group struct {
	Config    *config.Group
	Processes []*process.Process
}

// Process returns the group's process called name, or nil.
func (g *Group) Process(name string) *process.Process {
	for _, p := range g.Processes {
		if p.Config().Name == name {
			return p
		}
	}
	return nil
}

// Unstopped returns the processes not in a stopped state.
func (g *Group) Unstopped() []*process.Process {
	var out []*process.Process
	for _, p := range g.Processes {
		if !p.Info().State.IsStopped() {
			out = append(out, p)
		}
	}
	return out
}

// Deps are what the Manager needs.
type Deps struct {
	Spawner process.Spawner
	Logger  *slog.Logger
	// OnTransition sees every process state change (on that process's
	// goroutine; it must not block).
	OnTransition func(process.Transition)
	// OnGroup is told when a group is added or removed.
	OnGroup func(name string, added bool)
}

// Manager owns the process groups.
type Manager struct {
	deps  Deps
	log   *slog.Logger
	state atomic.Int32
	auto  atomic.Bool // automatic spawns allowed

	mu     sync.RWMutex
	groups map[string]*Group
	order  []string // group names in the order they were added

	ctx    context.Context // lifetime of the process actors
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// stops ends the actor of each process, when RemoveGroup or
	// RemoveProcess (members.go) removes it.
	stops map[*process.Process]context.CancelFunc
}

// New returns a Manager with no groups, in state RUNNING.
func New(deps Deps) *Manager {
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &Manager{deps: deps, log: deps.Logger, groups: map[string]*Group{}, ctx: ctx, cancel: cancel,
		stops: map[*process.Process]context.CancelFunc{}}
	m.state.Store(int32(Running))
	return m
}

// State returns the daemon's state.
func (m *Manager) State() State { return State(m.state.Load()) }

// SetState sets the daemon's state (the daemon's control loop does).
func (m *Manager) SetState(s State) { m.state.Store(int32(s)) }

// AddGroup creates a group's processes (supervisord.add_process_group).
// They start only once automatic spawns are allowed (Start), or when asked.
func (m *Manager) AddGroup(ctx context.Context, cfg *config.Group) error {
	m.mu.Lock()
	if _, ok := m.groups[cfg.Name]; ok {
		m.mu.Unlock()
		return ErrGroupExists
	}
	g := &Group{Config: cfg}
	for _, pc := range cfg.Processes {
		g.Processes = append(g.Processes, m.runLocked(pc))
	}
	m.groups[cfg.Name] = g
	m.order = append(m.order, cfg.Name)
	m.mu.Unlock()
	if m.deps.OnGroup != nil {
		m.deps.OnGroup(cfg.Name, true)
	}
	if m.auto.Load() {
		for _, p := range g.sortedProcesses() {
			if err := p.AllowAutomatic(ctx, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// runLocked makes a process and starts its actor, which runs until the
// process is removed or the Manager closes. m.mu must be held.
func (m *Manager) runLocked(pc *config.Process) *process.Process {
	p := process.New(pc, process.Deps{Spawner: m.deps.Spawner, Logger: m.log, OnTransition: m.deps.OnTransition})
	pctx, stop := context.WithCancel(m.ctx)
	m.stops[p] = stop
	m.wg.Go(func() { p.Run(pctx) })
	return p
}

// RemoveGroup removes a group whose processes are all stopped
// (supervisord.remove_process_group), and ends their actors.
func (m *Manager) RemoveGroup(name string) error {
	m.mu.Lock()
	g, ok := m.groups[name]
	if !ok {
		m.mu.Unlock()
		return ErrBadName
	}
	if len(g.Unstopped()) > 0 {
		m.mu.Unlock()
		return ErrStillRunning
	}
	delete(m.groups, name)
	m.order = slices.DeleteFunc(m.order, func(n string) bool { return n == name })
	var stops []context.CancelFunc
	for _, p := range g.Processes {
		stops = append(stops, m.stops[p])
		delete(m.stops, p)
	}
	m.mu.Unlock()
	for _, stop := range stops {
		if stop != nil {
			stop()
		}
	}
	if m.deps.OnGroup != nil {
		m.deps.OnGroup(name, false)
	}
	return nil
}

// Groups returns the groups sorted by priority, and in the order they
// were added among equal priorities, as the reference's stable sort of its
// process_groups dictionary gives (a configuration's groups come sorted
// by priority and name; groups added later come after them).
func (m *Manager) Groups() []*Group {
	m.mu.RLock()
	gs := make([]*Group, 0, len(m.groups))
	for _, name := range m.order {
		gs = append(gs, m.groups[name])
	}
	m.mu.RUnlock()
	sort.SliceStable(gs, func(i, j int) bool { return gs[i].Config.Priority < gs[j].Config.Priority })
	return gs
}

// Group returns the named group, or nil.
func (m *Manager) Group(name string) *Group {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.groups[name]
}

// Lookup resolves a namespec ("name", "group:name", "group:*", "group:")
// like the reference's _getGroupAndProcess: a nil process means the
// whole group.
func (m *Manager) Lookup(namespec string) (*Group, *process.Process, error) {
	group, name, whole := splitNamespec(namespec)
	g := m.Group(group)
	if g == nil {
		return nil, nil, ErrBadName
	}
	if whole {
		return g, nil, nil
	}
	p := g.Process(name)
	if p == nil {
		return nil, nil, ErrBadName
	}
	return g, p, nil
}

// splitNamespec is supervisor.options.split_namespec.
func splitNamespec(s string) (group, name string, whole bool) {
	g, n, ok := strings.Cut(s, ":")
	if !ok {
		return s, s, false
	}
	if n == "" || n == "*" {
		return g, "", true
	}
	return g, n, false
}

// sortedProcesses returns the processes in the order the reference
// transitions them: by priority, stable in the configuration's order.
func (g *Group) sortedProcesses() []*process.Process {
	ps := slices.Clone(g.Processes)
	slices.SortStableFunc(ps, func(a, b *process.Process) int { return a.Config().Priority - b.Config().Priority })
	return ps
}

// Start allows automatic spawns and spawns the autostart processes, group
// by group in priority order; it does not wait for any to be RUNNING.
func (m *Manager) Start(ctx context.Context) error {
	m.auto.Store(true)
	m.SetState(Running)
	for _, g := range m.Groups() {
		for _, p := range g.sortedProcesses() {
			if err := p.AllowAutomatic(ctx, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// Shutdown stops every process as the reference's shutdown does: nothing
// is started any more; then one group at a time, from the highest priority
// number down, RUNNING and STARTING processes are stopped (in descending
// priority) and BACKOFF ones given up, and the next group waits until
// this one has no unstopped process. It logs "waiting for ... to die"
// every 3 seconds and returns when all are stopped or ctx ends.
func (m *Manager) Shutdown(ctx context.Context, state State) error {
	m.SetState(state)
	m.auto.Store(false)
	groups := m.Groups()
	for _, g := range groups {
		for _, p := range g.Processes {
			if err := p.AllowAutomatic(ctx, false); err != nil {
				return err
			}
		}
	}
	report := time.NewTicker(3 * time.Second)
	defer report.Stop()
	for i := len(groups) - 1; i >= 0; i-- {
		g := groups[i]
		ps := g.sortedProcesses()
		for j := len(ps) - 1; j >= 0; j-- {
			p := ps[j]
			switch p.Info().State {
			case process.Running, process.Starting:
				if err := p.Stop(ctx); err != nil && !errors.Is(err, process.ErrNotRunning) {
					m.log.Warn(fmt.Sprintf("stopping %s: %v", p.Config().Name, err))
				}
			case process.Backoff:
				p.GiveUp(ctx)
			}
		}
		for {
			unstopped := g.Unstopped()
			if len(unstopped) == 0 {
				break
			}
			p := unstopped[0]
			changed := p.Changed()
			if p.Info().State.IsStopped() {
				continue
			}
			select {
			case <-changed:
			case <-report.C:
				m.logWaiting(groups[:i+1])
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return nil
}

func (m *Manager) logWaiting(groups []*Group) {
	var names []string
	for _, g := range groups {
		for _, p := range g.Unstopped() {
			names = append(names, p.Config().Name)
		}
	}
	if len(names) > 0 {
		m.log.Info("waiting for " + strings.Join(names, ", ") + " to die")
	}
}

// Close stops the process actors (not the children: Shutdown first) and
// waits for them.
func (m *Manager) Close() {
	m.cancel()
	m.wg.Wait()
}
