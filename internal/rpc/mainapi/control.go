package mainapi

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/supervisorgo/supervisor/internal/config"
	"github.com/supervisorgo/supervisor/internal/process"
	"github.com/supervisorgo/supervisor/internal/rpc"
	"github.com/supervisorgo/supervisor/internal/spawn"
	"github.com/supervisorgo/supervisor/internal/supervisor"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

// stopReportEvery is how often a stop with wait logs "waiting for x to
// stop" while the process is STOPPING (Subprocess.stop_report).
const stopReportEvery = 2 * time.Second

// target is one process with its group.
type target struct {
	g *supervisor.Group
	p *process.Process
}

// namespec is supervisor.options.make_namespec.
func (t target) namespec() string {
	group, name := t.g.Config.Name, t.p.Config().Name
	if group == name {
		return name
	}
	return group + ":" + name
}

// status is a status-result struct of the *Group, *All and
// clearAllProcessLogs methods.
func (t target) status(code int, description string) xmlrpc.Struct {
	return xmlrpc.Struct{
		{Name: "name", Value: t.p.Config().Name},
		{Name: "group", Value: t.g.Config.Name},
		{Name: "status", Value: code},
		{Name: "description", Value: description},
	}
}

// byPriority returns a group's processes sorted by priority, stable in
// the configuration's order (processes.sort() in the reference).
func byPriority(g *supervisor.Group) []target {
	ps := slices.Clone(g.Processes)
	slices.SortStableFunc(ps, func(a, b *process.Process) int { return cmp.Compare(a.Config().Priority, b.Config().Priority) })
	ts := make([]target, len(ps))
	for i, p := range ps {
		ts[i] = target{g: g, p: p}
	}
	return ts
}

// allByPriority is _getAllProcesses(lexical=False): groups by priority,
// then each group's processes by priority.
func (a *api) allByPriority() []target {
	var ts []target
	for _, g := range a.host.Manager().Groups() {
		ts = append(ts, byPriority(g)...)
	}
	return ts
}

// lookup is _getGroupAndProcess: a nil process means the whole group.
func (a *api) lookup(name string) (*supervisor.Group, *process.Process, error) {
	g, p, err := a.host.Manager().Lookup(name)
	if err != nil {
		return nil, nil, newFaultf(rpc.BadName, name)
	}
	return g, p, nil
}

// groupArg is the group name of the *Group methods, which the reference
// looks up in a dict: an unhashable value is a TypeError, any other
// value that is not a group's name BAD_NAME.
func (a *api) groupArg(v xmlrpc.Value) (*supervisor.Group, error) {
	if !hashable(v) {
		return nil, errTypeError
	}
	if s, ok := v.(string); ok {
		if g := a.host.Manager().Group(s); g != nil {
			return g, nil
		}
	}
	return nil, newFaultf(rpc.BadName, pyStr(v))
}

// passThrough reports errors that are not the method's outcome but the
// call's end: the client went away, or the daemon is closing.
func passThrough(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, process.ErrClosed)
}

// waiter finishes a call that waits for a process to settle; it returns
// nil or a fault.
type waiter func(ctx context.Context) error

// startOne is the part of startProcess that acts on one process: it
// returns a waiter when the answer must wait (the reference's deferred
// onwait), nil when the process is started.
func (a *api) startOne(ctx context.Context, name string, p *process.Process, wait bool) (waiter, error) {
	cfg := p.Config()
	if err := a.host.CheckCommand(cfg); err != nil {
		if errors.Is(err, spawn.NotFound) {
			return nil, newFaultf(rpc.NoFile, err.Error())
		}
		return nil, newFaultf(rpc.NotExecutable, err.Error())
	}
	info := p.Info()
	if info.State.IsRunning() {
		return nil, newFaultf(rpc.AlreadyStarted, name)
	}
	if info.State == process.Unknown {
		return nil, newFaultf(rpc.Failed, name+" is in an unknown process state")
	}
	if err := p.Start(ctx); err != nil {
		if errors.Is(err, process.ErrAlreadyStarted) {
			return nil, newFaultf(rpc.AlreadyStarted, name)
		}
		return nil, err
	}
	info = p.Info()
	if info.SpawnErr != "" {
		return nil, newFaultf(rpc.SpawnError, name)
	}
	// The reference runs one transition right away, so a process with
	// startsecs=0 answers RUNNING without deferring: wait for that step.
	if cfg.StartSecs <= 0 && info.State == process.Starting {
		var err error
		if info, err = p.Await(ctx, leftStarting); err != nil {
			return nil, err
		}
	}
	if !wait || info.State == process.Running {
		return nil, nil
	}
	return func(ctx context.Context) error {
		info, err := p.Await(ctx, leftStarting)
		if err != nil {
			return err
		}
		switch {
		case info.SpawnErr != "":
			return newFaultf(rpc.SpawnError, name)
		case info.State != process.Running:
			return newFaultf(rpc.AbnormalTermination, name)
		}
		return nil
	}, nil
}

// leftStarting is startProcess's onwait condition: a spawn error, or any
// state other than STARTING.
func leftStarting(i process.Info) bool { return i.SpawnErr != "" || i.State != process.Starting }

// stopOne is the part of stopProcess that acts on one process.
func (a *api) stopOne(ctx context.Context, name string, p *process.Process, wait bool) (waiter, error) {
	info := p.Info()
	if !info.State.IsRunning() {
		return nil, newFaultf(rpc.NotRunning, name)
	}
	cfg := p.Config()
	if err := p.Stop(ctx); err != nil {
		switch {
		case errors.Is(err, process.ErrNotRunning):
			return nil, newFaultf(rpc.Failed, fmt.Sprintf("attempted to kill %s with sig %s but it wasn't running",
				cfg.Name, config.SignalName(cfg.StopSignal)))
		case passThrough(err):
			return nil, err
		}
		return nil, newFaultf(rpc.Failed, fmt.Sprintf("unknown problem killing %s (%d):%v", cfg.Name, info.Pid, err))
	}
	if !wait || p.Info().State.IsStopped() {
		return nil, nil
	}
	return func(ctx context.Context) error { return a.awaitStopped(ctx, p) }, nil
}

func stopped(i process.Info) bool { return i.State.IsStopped() }

// awaitStopped waits until p is in a stopped state, logging "waiting for
// x to stop" at once and then every 2 seconds while it is STOPPING.
func (a *api) awaitStopped(ctx context.Context, p *process.Process) error {
	report := func(i process.Info) {
		if i.State == process.Stopping {
			a.log.Info("waiting for " + p.Config().Name + " to stop")
		}
	}
	report(p.Info())
	for {
		wctx, cancel := context.WithTimeout(ctx, stopReportEvery)
		info, err := p.Await(wctx, stopped)
		cancel()
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		case !errors.Is(err, context.DeadlineExceeded):
			return err
		}
		report(info)
	}
}

// signalOne is the part of signalProcess that acts on one process.
func (a *api) signalOne(ctx context.Context, name string, p *process.Process, sigv xmlrpc.Value) error {
	sig, err := signalArg(sigv)
	if err != nil {
		return err
	}
	info := p.Info()
	if !info.State.IsSignallable() {
		return newFaultf(rpc.NotRunning, name)
	}
	if err := p.Signal(ctx, sig); err != nil {
		cfg := p.Config()
		switch {
		case errors.Is(err, process.ErrNotRunning):
			return newFaultf(rpc.Failed, fmt.Sprintf("attempted to send %s sig %s but it wasn't running",
				cfg.Name, config.SignalName(sig)))
		case passThrough(err):
			return err
		}
		return newFaultf(rpc.Failed, fmt.Sprintf("unknown problem sending sig %s (%d):%v", cfg.Name, info.Pid, err))
	}
	return nil
}

// each is make_allfunc: fn is applied to the targets whose state pred
// accepts, in order. Faults and immediate successes are reported in that
// order; then the waiters run concurrently and are reported as they
// finish (completion order). Errors that are not faults end the call.
func each(ctx context.Context, targets []target, pred func(process.State) bool,
	fn func(ctx context.Context, name string, t target) (waiter, error)) ([]any, error) {
	results := []any{}
	type pending struct {
		t target
		w waiter
	}
	var waiting []pending
	for _, t := range targets {
		if !pred(t.p.Info().State) {
			continue
		}
		w, err := fn(ctx, t.namespec(), t)
		switch f, isFault := asFault(err); {
		case isFault:
			results = append(results, t.status(f.Code, f.String))
		case err != nil:
			return nil, err
		case w == nil:
			results = append(results, t.status(int(rpc.Success), "OK"))
		default:
			waiting = append(waiting, pending{t, w})
		}
	}
	if len(waiting) == 0 {
		return results, nil
	}
	type outcome struct {
		i   int // position in waiting
		t   target
		err error
	}
	done := make(chan outcome, len(waiting))
	var wg sync.WaitGroup
	defer wg.Wait()
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for i, pe := range waiting {
		wg.Go(func() { done <- outcome{i, pe.t, pe.w(wctx)} })
	}
	// The reference polls its deferred callbacks every 50 ms and reports
	// those done in a pass in their order: outcomes are gathered the same
	// way, so two processes that stop together are listed in order.
	tick := time.NewTicker(pollPass)
	defer tick.Stop()
	var batch []outcome
	for received := 0; received < len(waiting) || len(batch) > 0; {
		select {
		case o := <-done:
			batch = append(batch, o)
			received++
			continue
		case <-tick.C:
		}
		sort.Slice(batch, func(a, b int) bool { return batch[a].i < batch[b].i })
		for _, o := range batch {
			switch f, isFault := asFault(o.err); {
			case isFault:
				results = append(results, o.t.status(f.Code, f.String))
			case o.err != nil:
				return nil, o.err
			default:
				results = append(results, o.t.status(int(rpc.Success), "OK"))
			}
		}
		batch = batch[:0]
	}
	return results, nil
}

// pollPass is the reference's interval between passes over deferred
// callbacks (http.deferring_http_channel's delay, 0.05 s).
const pollPass = 50 * time.Millisecond

func notRunning(s process.State) bool { return !s.IsRunning() }
func running(s process.State) bool    { return s.IsRunning() }
func signallable(s process.State) bool {
	return s.IsSignallable()
}

// settle runs a single-process waiter, if any, and answers true.
func settle(ctx context.Context, w waiter) (xmlrpc.Value, error) {
	if w != nil {
		if err := w(ctx); err != nil {
			return nil, err
		}
	}
	return true, nil
}

// verb is what startProcess and stopProcess (and their group and all
// variants, make_allfunc's callers) share: the action on one process and
// the states it applies to in a group.
type verb struct {
	one     func(ctx context.Context, name string, p *process.Process, wait bool) (waiter, error)
	applies func(process.State) bool
}

func (a *api) start() verb { return verb{a.startOne, notRunning} }
func (a *api) stop() verb  { return verb{a.stopOne, running} }

func (a *api) startProcess(ctx context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
	return a.single(ctx, params, a.start())
}

func (a *api) startProcessGroup(ctx context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
	return a.group(ctx, params[0], optionalWait(params, 1), a.start())
}

func (a *api) startAllProcesses(ctx context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
	return a.all(ctx, optionalWait(params, 0), a.start())
}

func (a *api) stopProcess(ctx context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
	return a.single(ctx, params, a.stop())
}

func (a *api) stopProcessGroup(ctx context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
	return a.group(ctx, params[0], optionalWait(params, 1), a.stop())
}

func (a *api) stopAllProcesses(ctx context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
	return a.all(ctx, optionalWait(params, 0), a.stop())
}

// single is startProcess/stopProcess(name, wait): a whole-group name
// delegates to the group variant (and so answers an array).
func (a *api) single(ctx context.Context, params []xmlrpc.Value, v verb) (xmlrpc.Value, error) {
	if err := a.update(); err != nil {
		return nil, err
	}
	wait := optionalWait(params, 1)
	name, err := stringArg(params[0], "name")
	if err != nil {
		return nil, err
	}
	g, p, err := a.lookup(name)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return a.group(ctx, g.Config.Name, wait, v)
	}
	w, err := v.one(ctx, name, p, wait)
	if err != nil {
		return nil, err
	}
	return settle(ctx, w)
}

// group is start/stopProcessGroup(name, wait).
func (a *api) group(ctx context.Context, name xmlrpc.Value, wait bool, v verb) (xmlrpc.Value, error) {
	if err := a.update(); err != nil {
		return nil, err
	}
	g, err := a.groupArg(name)
	if err != nil {
		return nil, err
	}
	return each(ctx, byPriority(g), v.applies, a.eachOne(v, wait))
}

// all is start/stopAllProcesses(wait).
func (a *api) all(ctx context.Context, wait bool, v verb) (xmlrpc.Value, error) {
	if err := a.update(); err != nil {
		return nil, err
	}
	return each(ctx, a.allByPriority(), v.applies, a.eachOne(v, wait))
}

// eachOne is the single-process call as make_allfunc makes it, with the
// shutdown check of a call of its own.
func (a *api) eachOne(v verb, wait bool) func(ctx context.Context, name string, t target) (waiter, error) {
	return func(ctx context.Context, name string, t target) (waiter, error) {
		if err := a.update(); err != nil {
			return nil, err
		}
		return v.one(ctx, name, t.p, wait)
	}
}

func (a *api) signalProcess(ctx context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
	if err := a.update(); err != nil {
		return nil, err
	}
	name, err := stringArg(params[0], "name")
	if err != nil {
		return nil, err
	}
	g, p, err := a.lookup(name)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return a.signalGroup(ctx, g.Config.Name, params[1])
	}
	if err := a.signalOne(ctx, name, p, params[1]); err != nil {
		return nil, err
	}
	return true, nil
}

func (a *api) signalProcessGroup(ctx context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
	return a.signalGroup(ctx, params[0], params[1])
}

// signalGroup is signalProcessGroup, which looks the group up before its
// shutdown check (so BAD_NAME wins over SHUTDOWN_STATE).
func (a *api) signalGroup(ctx context.Context, name, sig xmlrpc.Value) (xmlrpc.Value, error) {
	g, gerr := a.groupArg(name)
	if errors.Is(gerr, errTypeError) {
		return nil, gerr
	}
	if err := a.update(); err != nil {
		return nil, err
	}
	if gerr != nil {
		return nil, gerr
	}
	return each(ctx, byPriority(g), signallable, a.signalEach(sig))
}

// signalAllProcesses has no shutdown check of its own before signalling;
// but each signalProcess it makes has one, so during a shutdown nothing
// is signalled and the final check faults.
func (a *api) signalAllProcesses(ctx context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
	results, err := each(ctx, a.allByPriority(), signallable, a.signalEach(params[0]))
	if err != nil {
		return nil, err
	}
	if err := a.update(); err != nil {
		return nil, err
	}
	return results, nil
}

// signalEach is signalProcess(name, signal) as make_allfunc calls it.
func (a *api) signalEach(sig xmlrpc.Value) func(ctx context.Context, name string, t target) (waiter, error) {
	return func(ctx context.Context, name string, t target) (waiter, error) {
		if err := a.update(); err != nil {
			return nil, err
		}
		return nil, a.signalOne(ctx, name, t.p, sig)
	}
}
