package process

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/supervisorgo/supervisor/internal/config"
)

// State is a process state, numbered as supervisor.states.ProcessStates.
type State int

// The process states.
const (
	Stopped  State = 0
	Starting State = 10
	Running  State = 20
	Backoff  State = 30
	Stopping State = 40
	Exited   State = 100
	Fatal    State = 200
	Unknown  State = 1000
)

var stateNames = map[State]string{
	Stopped: "STOPPED", Starting: "STARTING", Running: "RUNNING", Backoff: "BACKOFF",
	Stopping: "STOPPING", Exited: "EXITED", Fatal: "FATAL", Unknown: "UNKNOWN",
}

func (s State) String() string {
	if n, ok := stateNames[s]; ok {
		return n
	}
	return fmt.Sprintf("STATE(%d)", int(s))
}

// IsStopped reports whether s is one of the reference's STOPPED_STATES.
func (s State) IsStopped() bool {
	return s == Stopped || s == Exited || s == Fatal || s == Unknown
}

// IsRunning reports whether s is one of the reference's RUNNING_STATES.
func (s State) IsRunning() bool { return s == Running || s == Backoff || s == Starting }

// IsSignallable reports whether s is one of the reference's SIGNALLABLE_STATES.
func (s State) IsSignallable() bool { return s == Running || s == Starting || s == Stopping }

// ExitStatus is how a child ended.
type ExitStatus struct {
	Code   int    // the exit code, or -1 when a signal ended it
	Detail string // "exit status 3", "terminated by SIGTERM", ...
}

// Child is a started child process, as a Spawner returns it.
type Child interface {
	Pid() int
	// Signal sends sig to the child, or to its process group.
	Signal(sig syscall.Signal, group bool) error
	// Done delivers the exit status once, after the child was reaped and
	// its output drained.
	Done() <-chan ExitStatus
}

// Spawner starts the child of a process configuration. An error's text is
// the reference's spawnerr for it ("can't find command '/x'").
type Spawner interface {
	Spawn(cfg *config.Process) (Child, error)
}

// Transition is a state change, as events and the API see it.
type Transition struct {
	Name, Group string
	From, To    State
	Expected    bool // for EXITED: the exit code was expected
	Pid         int
	Tries       int // the backoff counter
	At          time.Time
}

// Info is a snapshot of a process.
type Info struct {
	Name, Group string
	Config      *config.Process
	State       State
	Pid         int
	Start, Stop time.Time // zero when never started / stopped
	ExitStatus  int
	SpawnErr    string
	Backoff     int
	Changed     time.Time // when State was entered
}

// Errors of the control methods.
var (
	ErrAlreadyStarted = errors.New("process already started")
	ErrNotRunning     = errors.New("process not running")
	ErrClosed         = errors.New("process is closed")
)

// Deps are what a Process needs from its owner.
type Deps struct {
	Spawner Spawner
	Logger  *slog.Logger
	// OnTransition is called on the process's goroutine after every
	// state change; it must not block.
	OnTransition func(Transition)
}

// Process supervises one configured process. Its state is owned by one
// goroutine (run) that receives commands on a channel and child exits and
// timers in the same select, so there is no polling and no lock on the state.
type Process struct {
	cfg  *config.Process
	deps Deps
	cmds chan command
	info atomic.Pointer[Info]

	mu      sync.Mutex
	changed chan struct{} // closed and replaced at every state change

	done chan struct{} // closed when run returns
}

type cmdKind int

const (
	cmdStart cmdKind = iota
	cmdStop
	cmdSignal
	cmdAllowAuto
	cmdGiveUp
)

type command struct {
	kind  cmdKind
	sig   syscall.Signal
	allow bool
	reply chan error
}

// New makes a Process in state STOPPED. Run must be called to drive it.
func New(cfg *config.Process, deps Deps) *Process {
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	p := &Process{cfg: cfg, deps: deps, cmds: make(chan command), changed: make(chan struct{}), done: make(chan struct{})}
	p.info.Store(&Info{Name: cfg.Name, Group: cfg.Group, Config: cfg, State: Stopped})
	return p
}

// Config returns the process's configuration.
func (p *Process) Config() *config.Process { return p.cfg }

// Info returns the latest snapshot; it never blocks.
func (p *Process) Info() Info { return *p.info.Load() }

// Changed returns a channel closed at the next state change.
func (p *Process) Changed() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.changed
}

// Await waits until cond holds for the process's snapshot, or ctx ends.
func (p *Process) Await(ctx context.Context, cond func(Info) bool) (Info, error) {
	for {
		ch := p.Changed()
		info := p.Info()
		if cond(info) {
			return info, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return p.Info(), ctx.Err()
		case <-p.done:
			info := p.Info()
			if cond(info) {
				return info, nil
			}
			return info, ErrClosed
		}
	}
}

func (p *Process) send(ctx context.Context, c command) error {
	c.reply = make(chan error, 1)
	select {
	case p.cmds <- c:
	case <-p.done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-c.reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Start spawns the process (supervisor.startProcess): it returns once the
// spawn was attempted, with the process in STARTING, or in BACKOFF with a
// spawn error. ErrAlreadyStarted if it is already running.
func (p *Process) Start(ctx context.Context) error { return p.send(ctx, command{kind: cmdStart}) }

// Stop asks the process to stop (stopsignal, then SIGKILL after
// stopwaitsecs). It returns once the signal was sent; Await for STOPPED.
// A process in BACKOFF becomes STOPPED at once.
func (p *Process) Stop(ctx context.Context) error { return p.send(ctx, command{kind: cmdStop}) }

// Signal sends sig to a running process without changing its state.
func (p *Process) Signal(ctx context.Context, sig syscall.Signal) error {
	return p.send(ctx, command{kind: cmdSignal, sig: sig})
}

// AllowAutomatic turns automatic spawns (autostart, autorestart, backoff
// retries) on or off; the supervisor allows them only while it is RUNNING.
func (p *Process) AllowAutomatic(ctx context.Context, allow bool) error {
	return p.send(ctx, command{kind: cmdAllowAuto, allow: allow})
}

// GiveUp moves a process in BACKOFF to FATAL (at shutdown), and is a no-op
// in any other state.
func (p *Process) GiveUp(ctx context.Context) error { return p.send(ctx, command{kind: cmdGiveUp}) }

// Done is closed when Run has returned.
func (p *Process) Done() <-chan struct{} { return p.done }
