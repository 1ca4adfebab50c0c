package mainapi

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/supervisorgo/supervisor/internal/config"
	"github.com/supervisorgo/supervisor/internal/process"
	"github.com/supervisorgo/supervisor/internal/rpc"
	"github.com/supervisorgo/supervisor/internal/supervisor"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

// cappedInt is supervisor.xmlrpc.capped_int of a timestamp: whole seconds
// (truncated towards zero, as int() does), limited to the XML-RPC int
// range. The zero time (never started, never stopped) is 0.
func cappedInt(t time.Time) int {
	if t.IsZero() {
		return 0
	}
	s := t.Unix()
	if s < 0 && t.Nanosecond() > 0 {
		s++
	}
	return int(min(max(s, xmlrpc.MinInt), xmlrpc.MaxInt))
}

// processInfo is getProcessInfo's struct for a snapshot, with the keys in
// the reference's order (description last: it is added after the others).
func (a *api) processInfo(group string, info process.Info, now time.Time) xmlrpc.Struct {
	start, stop, nowi := cappedInt(info.Start), cappedInt(info.Stop), cappedInt(now)
	var stdout, stderr string
	if info.Config != nil {
		stdout, stderr = info.Config.Stdout.Path, info.Config.Stderr.Path
	}
	return xmlrpc.Struct{
		{Name: "name", Value: info.Name},
		{Name: "group", Value: group},
		{Name: "start", Value: start},
		{Name: "stop", Value: stop},
		{Name: "now", Value: nowi},
		{Name: "state", Value: int(info.State)},
		{Name: "statename", Value: info.State.String()},
		{Name: "spawnerr", Value: info.SpawnErr},
		{Name: "exitstatus", Value: info.ExitStatus},
		{Name: "logfile", Value: stdout},
		{Name: "stdout_logfile", Value: stdout},
		{Name: "stderr_logfile", Value: stderr},
		{Name: "pid", Value: info.Pid},
		{Name: "description", Value: describe(info.State, start, stop, nowi, info.Pid, info.SpawnErr, info.Name, a.loc)},
	}
}

// describe is SupervisorNamespaceRPCInterface._interpretProcessInfo, on
// the capped timestamps getProcessInfo puts in its struct.
func describe(state process.State, start, stop, now, pid int, spawnerr, name string, loc *time.Location) string {
	switch state {
	case process.Running:
		return fmt.Sprintf("pid %d, uptime %s", pid, uptime(int64(now)-int64(start)))
	case process.Fatal, process.Backoff:
		if spawnerr == "" {
			return fmt.Sprintf("unknown error (try \"tail %s\")", name)
		}
		return spawnerr
	case process.Stopped, process.Exited:
		if start == 0 {
			return "Not started"
		}
		// time.localtime(stop) formatted with '%b %d %I:%M %p' (C locale).
		return time.Unix(int64(stop), 0).In(loc).Format("Jan 02 03:04 PM")
	}
	return ""
}

// uptime renders seconds like str(datetime.timedelta): "H:MM:SS", with
// "N day, " or "N days, " in front; a negative span (the clock went back)
// is 0:00:00.
func uptime(secs int64) string {
	if secs < 0 {
		secs = 0
	}
	days, rest := secs/86400, secs%86400
	hms := fmt.Sprintf("%d:%02d:%02d", rest/3600, rest/60%60, rest%60)
	switch days {
	case 0:
		return hms
	case 1:
		return "1 day, " + hms
	}
	return fmt.Sprintf("%d days, %s", days, hms)
}

func (a *api) getProcessInfo(_ context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
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
		return nil, newFaultf(rpc.BadName, name)
	}
	return a.processInfo(g.Config.Name, p.Info(), a.now()), nil
}

// getAllProcessInfo lists the processes sorted by group name, then by
// process name (_getAllProcesses(lexical=True)).
func (a *api) getAllProcessInfo(context.Context, []xmlrpc.Value) (xmlrpc.Value, error) {
	if err := a.update(); err != nil {
		return nil, err
	}
	groups := a.host.Manager().Groups()
	slices.SortFunc(groups, func(x, y *supervisor.Group) int { return cmp.Compare(x.Config.Name, y.Config.Name) })
	out := []any{}
	for _, g := range groups {
		ps := slices.Clone(g.Processes)
		slices.SortFunc(ps, func(x, y *process.Process) int { return cmp.Compare(x.Config().Name, y.Config().Name) })
		for _, p := range ps {
			out = append(out, a.processInfo(g.Config.Name, p.Info(), a.now()))
		}
	}
	return out, nil
}

// getAllConfigInfo lists the processes of the last-read configuration,
// sorted (stably) by process name. Values the reference holds as None are
// "none", AUTO log files not yet named "auto".
func (a *api) getAllConfigInfo(context.Context, []xmlrpc.Value) (xmlrpc.Value, error) {
	if err := a.update(); err != nil {
		return nil, err
	}
	type entry struct {
		name string
		info xmlrpc.Struct
	}
	var entries []entry
	mgr := a.host.Manager()
	if cfg := a.host.Config(); cfg != nil {
		for _, g := range cfg.Groups {
			inuse := mgr.Group(g.Name) != nil
			for _, p := range g.Processes {
				entries = append(entries, entry{p.Name, configInfo(g, p, inuse)})
			}
		}
	}
	slices.SortStableFunc(entries, func(x, y entry) int { return cmp.Compare(x.name, y.name) })
	out := make([]any, len(entries))
	for i, e := range entries {
		out[i] = e.info
	}
	return out, nil
}

// configInfo is one struct of getAllConfigInfo, keys in the reference's
// order.
func configInfo(g *config.Group, p *config.Process, inuse bool) xmlrpc.Struct {
	orNone := func(s string) any {
		if s == "" {
			return "none"
		}
		return s
	}
	var uid any = "none"
	if p.User != "" {
		uid = p.UID
	}
	exitcodes := make([]any, len(p.ExitCodes))
	for i, c := range p.ExitCodes {
		exitcodes[i] = c
	}
	return xmlrpc.Struct{
		{Name: "autostart", Value: p.Autostart},
		{Name: "directory", Value: orNone(p.Directory)},
		{Name: "uid", Value: uid},
		{Name: "command", Value: p.Command},
		{Name: "exitcodes", Value: exitcodes},
		{Name: "group", Value: g.Name},
		{Name: "group_prio", Value: g.Priority},
		{Name: "inuse", Value: inuse},
		{Name: "killasgroup", Value: p.KillAsGroup},
		{Name: "name", Value: p.Name},
		{Name: "process_prio", Value: p.Priority},
		{Name: "redirect_stderr", Value: p.RedirectStderr},
		{Name: "startretries", Value: p.StartRetries},
		{Name: "startsecs", Value: p.StartSecs},
		{Name: "stdout_capture_maxbytes", Value: int(p.Stdout.CaptureMaxBytes)},
		{Name: "stdout_events_enabled", Value: p.Stdout.EventsEnabled},
		{Name: "stdout_logfile", Value: logName(p.Stdout)},
		{Name: "stdout_logfile_backups", Value: p.Stdout.Backups},
		{Name: "stdout_logfile_maxbytes", Value: int(p.Stdout.MaxBytes)},
		{Name: "stdout_syslog", Value: p.Stdout.Syslog},
		{Name: "stopsignal", Value: int(p.StopSignal)},
		{Name: "stopwaitsecs", Value: p.StopWaitSecs},
		{Name: "stderr_capture_maxbytes", Value: int(p.Stderr.CaptureMaxBytes)},
		{Name: "stderr_events_enabled", Value: p.Stderr.EventsEnabled},
		{Name: "stderr_logfile", Value: logName(p.Stderr)},
		{Name: "stderr_logfile_backups", Value: p.Stderr.Backups},
		{Name: "stderr_logfile_maxbytes", Value: int(p.Stderr.MaxBytes)},
		{Name: "stderr_syslog", Value: p.Stderr.Syslog},
		{Name: "serverurl", Value: orNone(p.ServerURL)},
	}
}

// logName is a log file as getAllConfigInfo shows it: its path once
// named, "auto" for an AUTO file not named yet, else "none".
func logName(lf config.LogFile) string {
	switch {
	case lf.Path != "":
		return lf.Path
	case lf.Auto:
		return "auto"
	}
	return "none"
}
