package supervisor

import (
	"context"
	"errors"
	"slices"

	"github.com/supervisorgo/supervisor/internal/config"
	"github.com/supervisorgo/supervisor/internal/process"
)

// ErrProcessExists is the identity of a *ProcessExistsError.
var ErrProcessExists = errors.New("process already exists in the group")

// ProcessExistsError names a process AddProcesses would duplicate.
type ProcessExistsError struct{ Name string }

func (e *ProcessExistsError) Error() string {
	return "process " + e.Name + " already exists in the group"
}

// Is makes errors.Is(err, ErrProcessExists) true.
func (e *ProcessExistsError) Is(target error) bool { return target == ErrProcessExists }

// GroupNames returns the names of the groups in the order they were
// added: the order of the reference's process_groups dictionary.
func (m *Manager) GroupNames() []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return slices.Clone(m.order)
}

// AddProcesses adds processes to an existing group, after its own, as
// supervisor_twiddler's addProgramToGroup does: ErrBadName when there is no
// such group, a *ProcessExistsError when a name is already in the group
// (nothing is added then). The new processes are automatic (autostart,
// autorestart) once the Manager has started, like a group's own.
//
// The group is replaced, not changed: a *Group obtained before the call
// still lists the processes it had (readers need no lock), and Group and
// Groups return the new one.
func (m *Manager) AddProcesses(ctx context.Context, group string, procs []*config.Process) ([]*process.Process, error) {
	m.mu.Lock()
	old, ok := m.groups[group]
	if !ok {
		m.mu.Unlock()
		return nil, ErrBadName
	}
	for _, pc := range procs {
		if old.Process(pc.Name) != nil {
			m.mu.Unlock()
			return nil, &ProcessExistsError{Name: pc.Name}
		}
	}
	cfg := *old.Config
	cfg.Processes = append(slices.Clone(old.Config.Processes), procs...)
	g := &Group{Config: &cfg, Processes: slices.Clone(old.Processes)}
	added := make([]*process.Process, 0, len(procs))
	for _, pc := range procs {
		p := m.runLocked(pc)
		g.Processes = append(g.Processes, p)
		added = append(added, p)
	}
	m.groups[group] = g
	m.mu.Unlock()
	if m.auto.Load() {
		sorted := slices.Clone(added)
		slices.SortStableFunc(sorted, func(a, b *process.Process) int { return a.Config().Priority - b.Config().Priority })
		for _, p := range sorted {
			if err := p.AllowAutomatic(ctx, true); err != nil {
				return added, err
			}
		}
	}
	return added, nil
}

// RemoveProcess removes a process from its group, as supervisor_twiddler's
// removeProcessFromGroup does: ErrBadName when there is no such group or
// process, ErrStillRunning when the process has a pid or is not in a
// stopped state. Like AddProcesses it replaces the group. The process's
// actor ends now.
func (m *Manager) RemoveProcess(group, name string) error {
	m.mu.Lock()
	old, ok := m.groups[group]
	if !ok {
		m.mu.Unlock()
		return ErrBadName
	}
	p := old.Process(name)
	if p == nil {
		m.mu.Unlock()
		return ErrBadName
	}
	if info := p.Info(); info.Pid != 0 || !info.State.IsStopped() {
		m.mu.Unlock()
		return ErrStillRunning
	}
	cfg := *old.Config
	cfg.Processes = slices.DeleteFunc(slices.Clone(old.Config.Processes), func(pc *config.Process) bool { return pc.Name == name })
	g := &Group{Config: &cfg, Processes: slices.DeleteFunc(slices.Clone(old.Processes), func(q *process.Process) bool { return q == p })}
	m.groups[group] = g
	stop := m.stops[p]
	delete(m.stops, p)
	m.mu.Unlock()
	if stop != nil {
		stop()
	}
	return nil
}
