package mainapi

import (
	"context"
	"errors"
	"maps"
	"slices"

	"github.com/supervisorgo/supervisor/internal/config"
	"github.com/supervisorgo/supervisor/internal/rpc"
	"github.com/supervisorgo/supervisor/internal/supervisor"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

func (a *api) reloadConfig(ctx context.Context, _ []xmlrpc.Value) (xmlrpc.Value, error) {
	if err := a.update(); err != nil {
		return nil, err
	}
	cfg, err := a.host.Reread(ctx)
	if err != nil {
		if passThrough(err) {
			return nil, err
		}
		return nil, newFaultf(rpc.CantReread, err.Error())
	}
	var active []*config.Group
	for _, g := range a.host.Manager().Groups() {
		active = append(active, g.Config)
	}
	added, changed, removed := diff(cfg.Groups, active)
	// "cannot return len > 1, apparently": one array holding the three.
	return []any{[]any{names(added), names(changed), names(removed)}}, nil
}

func names(gs []*config.Group) []any {
	out := make([]any, len(gs))
	for i, g := range gs {
		out[i] = g.Name
	}
	return out
}

// diff is Supervisor.diff_to_active: the groups of the new configuration
// that are not active (added), the active groups it lacks (removed), and
// those in both whose configuration differs (changed). Added and changed
// keep the new configuration's order, removed the active order.
func diff(next, active []*config.Group) (added, changed, removed []*config.Group) {
	cur := make(map[string]*config.Group, len(active))
	for _, g := range active {
		cur[g.Name] = g
	}
	inNext := make(map[string]bool, len(next))
	for _, g := range next {
		inNext[g.Name] = true
		switch old, ok := cur[g.Name]; {
		case !ok:
			added = append(added, g)
		case !sameGroup(g, old):
			changed = append(changed, g)
		}
	}
	for _, g := range active {
		if !inNext[g.Name] {
			removed = append(removed, g)
		}
	}
	return added, changed, removed
}

// sameGroup is the __eq__ of the reference's group configurations:
// ProcessGroupConfig (name, priority, process configs in order),
// EventListenerPoolConfig (also buffer_size, events, result_handler) and
// FastCGIGroupConfig (also the socket's URL). Groups of different kinds
// always differ.
func sameGroup(a, b *config.Group) bool {
	if a.Kind != b.Kind || a.Name != b.Name || a.Priority != b.Priority {
		return false
	}
	if !slices.EqualFunc(a.Processes, b.Processes, sameProcess) {
		return false
	}
	switch a.Kind {
	case config.KindEventListener:
		la, lb := a.Listener, b.Listener
		if (la == nil) != (lb == nil) {
			return false
		}
		if la != nil && (la.BufferSize != lb.BufferSize || !slices.Equal(la.Events, lb.Events) || la.ResultHandler != lb.ResultHandler) {
			return false
		}
	case config.KindFastCGI:
		sa, sb := a.Socket, b.Socket
		if (sa == nil) != (sb == nil) {
			return false
		}
		if sa != nil && sa.URL != sb.URL {
			return false
		}
	}
	return true
}

// sameProcess is ProcessConfig.__eq__: every parameter of the process
// compared, except that a log file that is AUTO on either side (not yet
// named) matches anything.
func sameProcess(a, b *config.Process) bool {
	uid := func(p *config.Process) int {
		if p.User == "" {
			return -1
		}
		return p.UID
	}
	umaskEq := (a.Umask == nil) == (b.Umask == nil) && (a.Umask == nil || *a.Umask == *b.Umask)
	return a.Name == b.Name && uid(a) == uid(b) && a.Command == b.Command && a.Directory == b.Directory &&
		umaskEq && a.Priority == b.Priority && a.Autostart == b.Autostart && a.Autorestart == b.Autorestart &&
		a.StartSecs == b.StartSecs && a.StartRetries == b.StartRetries &&
		sameLog(a.Stdout, b.Stdout) && sameLog(a.Stderr, b.Stderr) &&
		a.StopSignal == b.StopSignal && a.StopWaitSecs == b.StopWaitSecs &&
		a.StopAsGroup == b.StopAsGroup && a.KillAsGroup == b.KillAsGroup &&
		slices.Equal(a.ExitCodes, b.ExitCodes) && a.RedirectStderr == b.RedirectStderr &&
		maps.Equal(a.Environment, b.Environment) && a.ServerURL == b.ServerURL
}

// sameLog compares the options of one output channel; the file name is
// skipped when either side is AUTO and not named yet (Automatic).
func sameLog(a, b config.LogFile) bool {
	auto := (a.Auto && a.Path == "") || (b.Auto && b.Path == "")
	return (auto || a.Path == b.Path) && a.MaxBytes == b.MaxBytes && a.Backups == b.Backups &&
		a.CaptureMaxBytes == b.CaptureMaxBytes && a.EventsEnabled == b.EventsEnabled && a.Syslog == b.Syslog
}

func (a *api) addProcessGroup(ctx context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
	if err := a.update(); err != nil {
		return nil, err
	}
	name, isString := params[0].(string)
	if cfg := a.host.Config(); cfg != nil && isString {
		for _, g := range cfg.Groups {
			if g.Name != name {
				continue
			}
			if a.host.Manager().Group(name) != nil {
				return nil, newFaultf(rpc.AlreadyAdded, name)
			}
			if err := a.host.AddGroup(ctx, g); err != nil {
				if errors.Is(err, supervisor.ErrGroupExists) {
					return nil, newFaultf(rpc.AlreadyAdded, name)
				}
				return nil, err
			}
			return true, nil
		}
	}
	return nil, newFaultf(rpc.BadName, pyStr(params[0]))
}

func (a *api) removeProcessGroup(_ context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
	if err := a.update(); err != nil {
		return nil, err
	}
	g, err := a.groupArg(params[0])
	if err != nil {
		return nil, err
	}
	name := g.Config.Name
	switch err := a.host.Manager().RemoveGroup(name); {
	case errors.Is(err, supervisor.ErrStillRunning):
		return nil, newFaultf(rpc.StillRunning, name)
	case errors.Is(err, supervisor.ErrBadName):
		return nil, newFaultf(rpc.BadName, name)
	case err != nil:
		return nil, err
	}
	return true, nil
}
