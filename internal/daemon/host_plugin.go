package daemon

import (
	"context"
	"errors"
	"log/slog"
	"syscall"

	"github.com/supervisorgo/supervisor/internal/config"
	"github.com/supervisorgo/supervisor/internal/process"
	"github.com/supervisorgo/supervisor/internal/supervisor"
	"github.com/supervisorgo/supervisor/plugin"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

// The host is also the richer plugin.Supervisor: what compiled-in plugins
// (internal/plugins/...) use instead of the daemon's internals.
var _ plugin.Supervisor = (*host)(nil)

// State is plugin.Supervisor.State.
func (h *host) State() plugin.DaemonState { return plugin.DaemonState(h.m.State()) }

// Groups is plugin.Supervisor.Groups.
func (h *host) Groups() []plugin.GroupInfo {
	var out []plugin.GroupInfo
	for _, name := range h.m.GroupNames() {
		if g := h.m.Group(name); g != nil {
			out = append(out, groupInfo(g))
		}
	}
	return out
}

// Group is plugin.Supervisor.Group.
func (h *host) Group(name string) (plugin.GroupInfo, bool) {
	g := h.m.Group(name)
	if g == nil {
		return plugin.GroupInfo{}, false
	}
	return groupInfo(g), true
}

// Process is plugin.Supervisor.Process.
func (h *host) Process(namespec string) (plugin.ProcessInfo, error) {
	g, p, err := h.m.Lookup(namespec)
	if err != nil || p == nil {
		return plugin.ProcessInfo{}, &plugin.NameError{Err: plugin.ErrBadName, Name: namespec}
	}
	return processInfo(g.Config.Name, p), nil
}

func groupInfo(g *supervisor.Group) plugin.GroupInfo {
	gi := plugin.GroupInfo{Name: g.Config.Name, Priority: g.Config.Priority}
	for _, p := range g.Processes {
		gi.Processes = append(gi.Processes, processInfo(g.Config.Name, p))
	}
	return gi
}

func processInfo(group string, p *process.Process) plugin.ProcessInfo {
	i := p.Info()
	return plugin.ProcessInfo{Name: p.Config().Name, Group: group, State: plugin.ProcessState(i.State),
		Pid: i.Pid, Priority: p.Config().Priority, Start: i.Start, Stop: i.Stop,
		ExitStatus: i.ExitStatus, SpawnErr: i.SpawnErr}
}

// AddProgram is plugin.Supervisor.AddProgram, in the order of the checks of
// supervisor_twiddler's addProgramToGroup: the group, the section, the
// names; then the AUTO log names and the processes.
func (h *host) AddProgram(ctx context.Context, group, program string, options []plugin.KeyValue) ([]string, error) {
	g := h.m.Group(group)
	if g == nil {
		return nil, &plugin.NameError{Err: plugin.ErrBadName, Name: "group: " + group}
	}
	kvs := make([]config.KeyValue, len(options))
	for i, kv := range options {
		kvs[i] = config.KeyValue{Key: kv.Key, Value: kv.Value}
	}
	cfg := h.Config()
	procs, _, err := config.ProgramProcesses(cfg, group, program, kvs)
	if err != nil {
		var pe *config.ProgramError
		if errors.As(err, &pe) {
			return nil, &plugin.ConfigError{Section: pe.Section, Msg: pe.Msg}
		}
		return nil, err
	}
	for _, pc := range procs {
		if g.Process(pc.Name) != nil {
			return nil, &plugin.NameError{Err: plugin.ErrProcessExists, Name: pc.Name}
		}
	}
	if err := h.auto.resolve(&config.Group{Name: group, Processes: procs}, cfg.Supervisord); err != nil {
		return nil, err
	}
	if _, err := h.m.AddProcesses(ctx, group, procs); err != nil {
		var pe *supervisor.ProcessExistsError
		switch {
		case errors.As(err, &pe):
			return nil, &plugin.NameError{Err: plugin.ErrProcessExists, Name: pe.Name}
		case errors.Is(err, supervisor.ErrBadName):
			return nil, &plugin.NameError{Err: plugin.ErrBadName, Name: "group: " + group}
		}
		return nil, err
	}
	names := make([]string, len(procs))
	for i, pc := range procs {
		names[i] = pc.Name
	}
	return names, nil
}

// RemoveProcess is plugin.Supervisor.RemoveProcess.
func (h *host) RemoveProcess(_ context.Context, group, name string) error {
	g := h.m.Group(group)
	if g == nil {
		return &plugin.NameError{Err: plugin.ErrBadName, Name: "group: " + group}
	}
	var cfg *config.Process
	if p := g.Process(name); p != nil {
		cfg = p.Config()
	}
	switch err := h.m.RemoveProcess(group, name); {
	case err == nil:
		h.sp.forget(func(p *config.Process) bool { return p == cfg })
		return nil
	case errors.Is(err, supervisor.ErrStillRunning):
		return &plugin.NameError{Err: plugin.ErrStillRunning, Name: name}
	case errors.Is(err, supervisor.ErrBadName):
		if h.m.Group(group) == nil {
			return &plugin.NameError{Err: plugin.ErrBadName, Name: "group: " + group}
		}
		return &plugin.NameError{Err: plugin.ErrBadName, Name: name}
	default:
		return err
	}
}

// StartProcess is plugin.Supervisor.StartProcess.
func (h *host) StartProcess(ctx context.Context, namespec string, wait bool) error {
	_, err := h.Call(ctx, "supervisor.startProcess", xmlrpc.Value(namespec), xmlrpc.Value(wait))
	return err
}

// StopProcess is plugin.Supervisor.StopProcess.
func (h *host) StopProcess(ctx context.Context, namespec string, wait bool) error {
	_, err := h.Call(ctx, "supervisor.stopProcess", xmlrpc.Value(namespec), xmlrpc.Value(wait))
	return err
}

// Signal is plugin.Supervisor.Signal.
func (h *host) Signal(ctx context.Context, group, name string, sig syscall.Signal) error {
	g := h.m.Group(group)
	if g == nil {
		return &plugin.NameError{Err: plugin.ErrBadName, Name: group}
	}
	p := g.Process(name)
	if p == nil {
		return &plugin.NameError{Err: plugin.ErrBadName, Name: name}
	}
	if p.Info().Pid == 0 {
		return plugin.ErrNotRunning
	}
	if err := p.Signal(ctx, sig); err != nil {
		if errors.Is(err, process.ErrNotRunning) {
			return plugin.ErrNotRunning
		}
		return err
	}
	return nil
}

// Log is plugin.Supervisor.Log.
func (h *host) Log(level slog.Level, msg string) {
	h.log.Log(context.Background(), level, msg)
}
