package process

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"syscall"
	"time"

	"github.com/supervisorgo/supervisor/internal/config"
)

// actor is the state owned by Run's goroutine; the transitions follow
// supervisor.process.Subprocess (spawn, kill, finish, transition, give_up).
type actor struct {
	p   *Process
	cfg *config.Process
	log *slog.Logger

	state      State
	changedAt  time.Time
	child      Child
	pid        int
	lastPid    int // the pid of the child that just ended, for its transitions
	laststart  time.Time
	laststop   time.Time
	backoff    int
	killing    bool
	exitstatus int
	spawnerr   string
	auto       bool // automatic spawns allowed (the supervisor is RUNNING)

	timer     *time.Timer
	timerFor  State // the state the pending timer belongs to
	restartAt bool  // the pending EXITED timer is a restart delay
}

// Run drives the process until ctx ends. It does not stop the child: the
// owner stops processes (Stop, then Await) before cancelling ctx.
func (p *Process) Run(ctx context.Context) {
	defer close(p.done)
	a := &actor{p: p, cfg: p.cfg, log: p.deps.Logger, state: Stopped, exitstatus: 0}
	a.timer = time.NewTimer(time.Hour)
	a.timer.Stop()
	defer a.timer.Stop()
	for {
		var exited <-chan ExitStatus
		if a.child != nil {
			exited = a.child.Done()
		}
		select {
		case <-ctx.Done():
			return
		case c := <-p.cmds:
			c.reply <- a.handle(c)
		case es := <-exited:
			a.finish(es)
		case <-a.timer.C:
			a.fire()
		}
	}
}

func (a *actor) name() string { return a.cfg.Name }

func (a *actor) arm(d time.Duration) {
	a.timer.Stop()
	a.timerFor = a.state
	a.timer.Reset(max(d, 0))
}

func (a *actor) disarm() {
	a.timer.Stop()
	a.timerFor = -1
}

func (a *actor) setState(to State, expected bool) {
	from := a.state
	if from == to {
		return
	}
	now := time.Now()
	a.state, a.changedAt = to, now
	if to == Backoff {
		a.backoff++
	}
	a.publish()
	if f := a.p.deps.OnTransition; f != nil {
		pid := a.pid
		if pid == 0 {
			pid = a.lastPid
		}
		f(Transition{Name: a.cfg.Name, Group: a.cfg.Group, From: from, To: to, Expected: expected,
			Pid: pid, Tries: a.backoff, At: now})
	}
	a.p.mu.Lock()
	close(a.p.changed)
	a.p.changed = make(chan struct{})
	a.p.mu.Unlock()
}

func (a *actor) publish() {
	a.p.info.Store(&Info{
		Name: a.cfg.Name, Group: a.cfg.Group, Config: a.cfg, State: a.state, Pid: a.pid,
		Start: a.laststart, Stop: a.laststop, ExitStatus: a.exitstatus, SpawnErr: a.spawnerr,
		Backoff: a.backoff, Changed: a.changedAt,
	})
}

func (a *actor) handle(c command) error {
	switch c.kind {
	case cmdStart:
		if a.state.IsRunning() {
			return ErrAlreadyStarted
		}
		a.spawn()
		return nil
	case cmdStop:
		return a.kill(a.cfg.StopSignal)
	case cmdSignal:
		return a.signal(c.sig)
	case cmdAllowAuto:
		a.auto = c.allow
		if a.auto {
			a.automatic()
		}
		return nil
	case cmdGiveUp:
		if a.state == Backoff {
			a.giveUp()
		}
		return nil
	}
	return fmt.Errorf("unknown command %d", c.kind)
}

// automatic spawns the process if the reference's transition() would:
// never started and autostart; EXITED and autorestart says so.
func (a *actor) automatic() {
	if !a.auto {
		return
	}
	switch a.state {
	case Stopped:
		if a.laststart.IsZero() && a.cfg.Autostart {
			a.spawn()
		}
	case Exited:
		if a.shouldRestart() {
			if d := time.Duration(a.cfg.RestartDelaySecs) * time.Second; d > 0 && !a.restartAt {
				a.restartAt = true
				a.arm(d)
				return
			}
			a.spawn()
		}
	case Backoff:
		if a.timerFor != Backoff {
			a.arm(a.retryDelay())
		}
	}
}

func (a *actor) shouldRestart() bool {
	switch a.cfg.Autorestart {
	case config.AutorestartAlways:
		return true
	case config.AutorestartUnexpected:
		return !slices.Contains(a.cfg.ExitCodes, a.exitstatus)
	}
	return false
}

func (a *actor) retryDelay() time.Duration {
	d := time.Duration(a.backoff) * time.Second
	if c := time.Duration(a.cfg.BackoffMaxSecs) * time.Second; c > 0 && d > c {
		d = c
	}
	return d - time.Since(a.changedAt)
}

// spawn is Subprocess.spawn.
func (a *actor) spawn() {
	if a.pid != 0 {
		a.log.Warn(fmt.Sprintf("process '%s' already running", a.name()), "program", a.name())
		return
	}
	a.disarm()
	a.restartAt = false
	a.killing = false
	a.spawnerr = ""
	a.exitstatus = 0
	a.laststart = time.Now()
	a.setState(Starting, true)
	child, err := a.p.deps.Spawner.Spawn(a.cfg)
	if err != nil {
		a.spawnerr = err.Error()
		a.log.Info("spawnerr: "+a.spawnerr, "program", a.name())
		a.enterBackoff()
		return
	}
	a.child, a.pid = child, child.Pid()
	a.log.Info(fmt.Sprintf("spawned: '%s' with pid %d", a.name(), a.pid), "program", a.name(), "pid", a.pid)
	a.publish()
	a.arm(time.Duration(a.cfg.StartSecs) * time.Second)
}

// enterBackoff moves to BACKOFF, then to FATAL at once when the retries are
// used up (the reference does that on its next transition pass).
func (a *actor) enterBackoff() {
	a.setState(Backoff, true)
	if a.backoff > a.cfg.StartRetries {
		a.giveUp()
		a.log.Info(fmt.Sprintf("gave up: %s entered FATAL state, too many start retries too quickly", a.name()), "program", a.name())
		return
	}
	if a.auto {
		a.arm(a.retryDelay())
	} else {
		a.disarm()
	}
}

func (a *actor) giveUp() {
	a.disarm()
	a.backoff = 0
	a.setState(Fatal, true)
}

// fire handles the pending timer of the current state.
func (a *actor) fire() {
	if a.timerFor != a.state {
		return
	}
	a.timerFor = -1
	switch a.state {
	case Starting:
		a.backoff = 0
		a.setState(Running, true)
		a.log.Info(fmt.Sprintf("success: %s entered RUNNING state, process has stayed up for > than %d seconds (startsecs)",
			a.name(), a.cfg.StartSecs), "program", a.name())
	case Backoff:
		if a.auto && a.backoff <= a.cfg.StartRetries {
			a.spawn()
		}
	case Stopping:
		a.log.Warn(fmt.Sprintf("killing '%s' (%d) with SIGKILL", a.name(), a.pid), "program", a.name(), "pid", a.pid)
		a.kill(syscall.SIGKILL)
	case Exited:
		if a.restartAt {
			a.restartAt = false
			if a.auto && a.shouldRestart() {
				a.spawn()
			}
		}
	}
}

// kill is Subprocess.kill.
func (a *actor) kill(sig syscall.Signal) error {
	if a.state == Backoff {
		a.log.Debug(fmt.Sprintf("Attempted to kill %s, which is in BACKOFF state.", a.name()), "program", a.name())
		a.disarm()
		a.setState(Stopped, true)
		return nil
	}
	if a.pid == 0 {
		msg := fmt.Sprintf("attempted to kill %s with sig %s but it wasn't running", a.name(), config.SignalName(sig))
		a.log.Debug(msg, "program", a.name())
		return ErrNotRunning
	}
	group := a.cfg.StopAsGroup
	if a.state == Stopping {
		group = a.cfg.KillAsGroup
	}
	as := ""
	if group {
		as = "process group "
	}
	a.log.Debug(fmt.Sprintf("killing %s (pid %d) %swith signal %s", a.name(), a.pid, as, config.SignalName(sig)), "program", a.name(), "pid", a.pid)
	a.killing = true
	a.setState(Stopping, true)
	a.arm(time.Duration(a.cfg.StopWaitSecs) * time.Second)
	if err := a.child.Signal(sig, group); err != nil {
		if errors.Is(err, syscall.ESRCH) {
			a.log.Debug(fmt.Sprintf("unable to signal %s (pid %d), it probably just exited on its own: %v", a.name(), a.pid, err), "program", a.name())
			return nil
		}
		a.log.Error(fmt.Sprintf("unknown problem killing %s (%d):%v", a.name(), a.pid, err), "program", a.name())
		a.killing = false
		a.disarm()
		a.setState(Unknown, true)
		return err
	}
	return nil
}

// signal is Subprocess.signal.
func (a *actor) signal(sig syscall.Signal) error {
	if a.pid == 0 {
		a.log.Debug(fmt.Sprintf("attempted to send %s sig %s but it wasn't running", a.name(), config.SignalName(sig)), "program", a.name())
		return ErrNotRunning
	}
	a.log.Debug(fmt.Sprintf("sending %s (pid %d) sig %s", a.name(), a.pid, config.SignalName(sig)), "program", a.name(), "pid", a.pid)
	if err := a.child.Signal(sig, false); err != nil {
		if errors.Is(err, syscall.ESRCH) {
			return nil
		}
		a.log.Error(fmt.Sprintf("unknown problem sending sig %s (%d):%v", a.name(), a.pid, err), "program", a.name())
		a.setState(Unknown, true)
		return err
	}
	return nil
}

// finish is Subprocess.finish: the child was reaped. The pid is cleared
// before the state changes, so that whoever sees the new state sees no
// pid; the transitions still carry it.
func (a *actor) finish(es ExitStatus) {
	now := time.Now()
	a.laststop = now
	tooQuickly := now.Sub(a.laststart) < time.Duration(a.cfg.StartSecs)*time.Second
	expected := slices.Contains(a.cfg.ExitCodes, es.Code)
	a.disarm()
	a.lastPid = a.pid
	a.child, a.pid = nil, 0
	defer func() { a.lastPid = 0 }()
	switch {
	case a.killing:
		a.killing = false
		a.exitstatus = es.Code
		a.setState(Stopped, true)
		msg := fmt.Sprintf("stopped: %s (%s)", a.name(), es.Detail)
		if expected {
			a.log.Info(msg, "program", a.name())
		} else {
			a.log.Warn(msg, "program", a.name())
		}
	case tooQuickly && a.state == Starting:
		a.exitstatus = 0
		a.spawnerr = "Exited too quickly (process log may have details)"
		a.log.Warn(fmt.Sprintf("exited: %s (%s; not expected)", a.name(), es.Detail), "program", a.name())
		a.enterBackoff()
	default:
		a.backoff = 0
		a.exitstatus = es.Code
		if a.state == Starting {
			a.setState(Running, true)
		}
		if expected {
			a.setState(Exited, true)
			a.log.Info(fmt.Sprintf("exited: %s (%s; expected)", a.name(), es.Detail), "program", a.name())
		} else {
			a.spawnerr = fmt.Sprintf("Bad exit code %d", es.Code)
			a.setState(Exited, false)
			a.log.Warn(fmt.Sprintf("exited: %s (%s; not expected)", a.name(), es.Detail), "program", a.name())
		}
		a.automatic()
	}
}
