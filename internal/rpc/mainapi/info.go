package mainapi

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync/atomic"
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
	return a.appendProcessInfo(make(xmlrpc.Struct, 0, processInfoLen), group, &info, now, nil)
}

// processInfoLen is the number of members of a processInfo struct.
const processInfoLen = 14

// appendProcessInfo appends processInfo's members to dst: getAllProcessInfo
// puts all its structs in one allocation. bx, when not nil, holds values
// already boxed for this process: those that still hold what the struct
// needs are used instead of boxing the same values again.
func (a *api) appendProcessInfo(dst xmlrpc.Struct, group string, info *process.Info, now time.Time, bx *boxes) xmlrpc.Struct {
	st, v := a.infoParts(group, info, now, bx)
	return appendInfoMembers(dst, st, v)
}

// encodedProcessInfo is processInfo's struct already encoded, for a call
// whose result is only encoded (rpc.EncodeOnly): the encoding is kept in
// bx and made again only when a value changes, at most once a second for
// a running process (its uptime).
func (a *api) encodedProcessInfo(group string, info *process.Info, now time.Time, bx *boxes) (xmlrpc.Value, error) {
	st, v := a.infoParts(group, info, now, bx)
	if e := bx.encoded.Load(); e != nil && e.st == st && e.v == v {
		return e.value, nil
	}
	var members [processInfoLen]xmlrpc.Member
	raw, err := xmlrpc.AppendValue(nil, appendInfoMembers(xmlrpc.Struct(members[:0]), st, v))
	if err != nil {
		return nil, err
	}
	e := &encodedInfo{st: st, v: v, value: xmlrpc.Encoded(raw)}
	bx.encoded.Store(e)
	return e.value, nil
}

// encodedInfo is the encoding of the struct made of st and v.
type encodedInfo struct {
	st    *static
	v     *varying
	value xmlrpc.Value // an xmlrpc.Encoded
}

// infoParts returns the parts of processInfo's struct, from bx (which
// may be nil) when they still hold the same values, else made and stored
// there.
func (a *api) infoParts(group string, info *process.Info, now time.Time, bx *boxes) (*static, *varying) {
	start, stop, nowi := cappedInt(info.Start), cappedInt(info.Stop), cappedInt(now)
	var stdout, stderr string
	if info.Config != nil {
		stdout, stderr = info.Config.Stdout.Path, info.Config.Stderr.Path
	}
	if bx == nil {
		bx = &boxes{}
	}
	st := bx.static.Load()
	if st == nil || st.name != info.Name || st.group != group || st.stdout != stdout || st.stderr != stderr {
		st = &static{name: info.Name, group: group, stdout: stdout, stderr: stderr,
			bName: info.Name, bGroup: group, bStdout: stdout, bStderr: stderr}
		bx.static.Store(st)
	}
	v := bx.last.Load()
	if v == nil || v.state != info.State || v.start != start || v.stop != stop || v.now != nowi ||
		v.pid != info.Pid || v.exitstatus != info.ExitStatus || v.spawnerr != info.SpawnErr || v.name != info.Name {
		var buf [64]byte
		desc := appendDescribe(buf[:0], info.State, start, stop, nowi, info.Pid, info.SpawnErr, info.Name, a.loc)
		v = &varying{state: info.State, start: start, stop: stop, now: nowi, pid: info.Pid,
			exitstatus: info.ExitStatus, spawnerr: info.SpawnErr, name: info.Name,
			bStart: start, bStop: stop, bNow: nowi, bState: int(info.State), bStatename: stateName(info.State),
			bSpawnerr: info.SpawnErr, bExitstatus: info.ExitStatus, bPid: info.Pid, bDesc: string(desc)}
		bx.last.Store(v)
	}
	return st, v
}

// appendInfoMembers appends the members of processInfo's struct.
func appendInfoMembers(dst xmlrpc.Struct, st *static, v *varying) xmlrpc.Struct {
	return append(dst,
		xmlrpc.Member{Name: "name", Value: st.bName},
		xmlrpc.Member{Name: "group", Value: st.bGroup},
		xmlrpc.Member{Name: "start", Value: v.bStart},
		xmlrpc.Member{Name: "stop", Value: v.bStop},
		xmlrpc.Member{Name: "now", Value: v.bNow},
		xmlrpc.Member{Name: "state", Value: v.bState},
		xmlrpc.Member{Name: "statename", Value: v.bStatename},
		xmlrpc.Member{Name: "spawnerr", Value: v.bSpawnerr},
		xmlrpc.Member{Name: "exitstatus", Value: v.bExitstatus},
		xmlrpc.Member{Name: "logfile", Value: st.bStdout},
		xmlrpc.Member{Name: "stdout_logfile", Value: st.bStdout},
		xmlrpc.Member{Name: "stderr_logfile", Value: st.bStderr},
		xmlrpc.Member{Name: "pid", Value: v.bPid},
		xmlrpc.Member{Name: "description", Value: v.bDesc},
	)
}

// boxes holds the values of one process's info struct as interface values
// (an interface holding a string or an int usually points to a copy on
// the heap), so that a dashboard polling getAllProcessInfo does not
// allocate them again for every process at every call. The values that
// change (times, state, pid, description) are in last, the others in
// static, and encoded holds the encoding of the struct they make (see
// encodedProcessInfo); each is replaced as a whole when one of its values
// differs, and never modified, so results sharing them are independent
// values.
type boxes struct {
	static  atomic.Pointer[static]
	last    atomic.Pointer[varying]
	encoded atomic.Pointer[encodedInfo]
}

// static is the part of a process's info struct that the configuration
// sets.
type static struct {
	name, group, stdout, stderr     string // what the boxes below hold
	bName, bGroup, bStdout, bStderr any
}

// varying is the part of a process's info struct that changes, for the
// inputs it was made from.
type varying struct {
	state                       process.State
	start, stop, now, pid       int
	exitstatus                  int
	spawnerr                    string
	name                        string // in a description of FATAL or BACKOFF
	bStart, bStop, bNow, bState any
	bStatename, bSpawnerr       any
	bExitstatus, bPid, bDesc    any
}

// boxesOf returns the cached boxes of p, made empty if there are none.
// Making them is when the cache may hold boxes of processes that are gone
// (p is new: groups may have been removed too): they are dropped then.
func (a *api) boxesOf(p *process.Process) *boxes {
	if bx, ok := a.boxes.Load(p); ok {
		return bx.(*boxes)
	}
	bx, loaded := a.boxes.LoadOrStore(p, &boxes{})
	if !loaded && a.nboxes.Add(1)%64 == 0 {
		a.pruneBoxes()
	}
	return bx.(*boxes)
}

// pruneBoxes drops the boxes of processes that are gone, when the cache
// holds more entries than there are processes.
func (a *api) pruneBoxes() {
	groups := a.host.Manager().Groups()
	n := 0
	for _, g := range groups {
		n += len(g.Processes)
	}
	if a.nboxes.Load() <= int64(n) {
		return
	}
	live := make(map[*process.Process]bool, n)
	for _, g := range groups {
		for _, p := range g.Processes {
			live[p] = true
		}
	}
	a.boxes.Range(func(k, _ any) bool {
		if !live[k.(*process.Process)] {
			if _, deleted := a.boxes.LoadAndDelete(k); deleted {
				a.nboxes.Add(-1)
			}
		}
		return true
	})
}

// stateName is s.String() as a Value: the names of the known states are
// constants, which an interface holds without allocating.
func stateName(s process.State) xmlrpc.Value {
	switch s {
	case process.Stopped:
		return "STOPPED"
	case process.Starting:
		return "STARTING"
	case process.Running:
		return "RUNNING"
	case process.Backoff:
		return "BACKOFF"
	case process.Stopping:
		return "STOPPING"
	case process.Exited:
		return "EXITED"
	case process.Fatal:
		return "FATAL"
	case process.Unknown:
		return "UNKNOWN"
	}
	return s.String()
}

// describe is SupervisorNamespaceRPCInterface._interpretProcessInfo, on
// the capped timestamps getProcessInfo puts in its struct.
func describe(state process.State, start, stop, now, pid int, spawnerr, name string, loc *time.Location) string {
	return string(appendDescribe(nil, state, start, stop, now, pid, spawnerr, name, loc))
}

// appendDescribe appends describe's text to dst.
func appendDescribe(dst []byte, state process.State, start, stop, now, pid int, spawnerr, name string, loc *time.Location) []byte {
	switch state {
	case process.Running:
		dst = append(dst, "pid "...)
		dst = strconv.AppendInt(dst, int64(pid), 10)
		dst = append(dst, ", uptime "...)
		return appendUptime(dst, int64(now)-int64(start))
	case process.Fatal, process.Backoff:
		if spawnerr == "" {
			return fmt.Appendf(dst, "unknown error (try \"tail %s\")", name)
		}
		return append(dst, spawnerr...)
	case process.Stopped, process.Exited:
		if start == 0 {
			return append(dst, "Not started"...)
		}
		// time.localtime(stop) formatted with '%b %d %I:%M %p' (C locale).
		return time.Unix(int64(stop), 0).In(loc).AppendFormat(dst, "Jan 02 03:04 PM")
	}
	return dst
}

// uptime renders seconds like str(datetime.timedelta): "H:MM:SS", with
// "N day, " or "N days, " in front; a negative span (the clock went back)
// is 0:00:00.
func uptime(secs int64) string { return string(appendUptime(nil, secs)) }

// appendUptime appends uptime's text to dst.
func appendUptime(dst []byte, secs int64) []byte {
	if secs < 0 {
		secs = 0
	}
	days, rest := secs/86400, secs%86400
	switch days {
	case 0:
	case 1:
		dst = append(dst, "1 day, "...)
	default:
		dst = strconv.AppendInt(dst, days, 10)
		dst = append(dst, " days, "...)
	}
	dst = strconv.AppendInt(dst, rest/3600, 10)
	dst = append(dst, ':')
	dst = append2(dst, rest/60%60)
	dst = append(dst, ':')
	return append2(dst, rest%60)
}

// append2 appends n (0..99) as two digits.
func append2(dst []byte, n int64) []byte {
	return append(dst, byte('0'+n/10), byte('0'+n%10))
}

func (a *api) getProcessInfo(ctx context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
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
	info := p.Info()
	if rpc.EncodeOnly(ctx) {
		return a.encodedProcessInfo(g.Config.Name, &info, a.now(), a.boxesOf(p))
	}
	return a.appendProcessInfo(make(xmlrpc.Struct, 0, processInfoLen), g.Config.Name, &info, a.now(), a.boxesOf(p)), nil
}

// getAllProcessInfo lists the processes sorted by group name, then by
// process name (_getAllProcesses(lexical=True)).
func (a *api) getAllProcessInfo(ctx context.Context, _ []xmlrpc.Value) (xmlrpc.Value, error) {
	if err := a.update(); err != nil {
		return nil, err
	}
	groups := a.host.Manager().Groups()
	slices.SortFunc(groups, func(x, y *supervisor.Group) int { return cmp.Compare(x.Config.Name, y.Config.Name) })
	n := 0
	for _, g := range groups {
		n += len(g.Processes)
	}
	all := make([]entry, 0, n)
	var ps []*process.Process
	for _, g := range groups {
		ps = append(ps[:0], g.Processes...)
		slices.SortFunc(ps, func(x, y *process.Process) int { return cmp.Compare(x.Config().Name, y.Config().Name) })
		for _, p := range ps {
			all = append(all, entry{g.Config.Name, p})
		}
	}
	if a.nboxes.Load() > int64(len(all)) {
		a.pruneBoxes()
	}
	// The reference reads the clock for each process; one reading for the
	// whole list (which takes well under a millisecond here) gives what it
	// gives whenever no second boundary falls within its loop.
	now := a.now()
	bxs := a.allBoxes(ps[:0], all)
	out := make([]any, len(all))
	if rpc.EncodeOnly(ctx) {
		for i, e := range all {
			info := e.p.Info()
			v, err := a.encodedProcessInfo(e.group, &info, now, bxs[i])
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	// Every struct is a slice of one backing array, allocated once.
	members := make([]xmlrpc.Member, 0, len(all)*processInfoLen)
	for i, e := range all {
		info := e.p.Info()
		k := len(members)
		members = a.appendProcessInfo(members, e.group, &info, now, bxs[i])
		out[i] = xmlrpc.Struct(members[k:len(members):len(members)])
	}
	return out, nil
}

// allBoxes returns the boxes of each entry's process. The last call's
// list, kept with its boxes, usually names the same processes in the same
// order: it saves a lookup in a.boxes per process.
func (a *api) allBoxes(ps []*process.Process, all []entry) []*boxes {
	prev := a.lastAll.Load()
	bxs := make([]*boxes, len(all))
	same := prev != nil && len(prev.procs) == len(all)
	for i, e := range all {
		if same && prev.procs[i] == e.p {
			bxs[i] = prev.boxes[i]
			continue
		}
		same = false
		bxs[i] = a.boxesOf(e.p)
	}
	if !same {
		for _, e := range all {
			ps = append(ps, e.p)
		}
		a.lastAll.Store(&listBoxes{procs: ps, boxes: bxs})
	}
	return bxs
}

// listBoxes is the list of processes of a getAllProcessInfo, with their
// boxes; neither slice is modified once stored.
type listBoxes struct {
	procs []*process.Process
	boxes []*boxes
}

// entry is a process getAllProcessInfo lists, with its group's name.
type entry struct {
	group string
	p     *process.Process
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
