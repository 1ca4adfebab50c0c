package config

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/supervisorgo/supervisor/internal/ini"
)

// EventTypes are the names accepted in an event listener's events= line
// (supervisor.events.EventTypes).
var EventTypes = []string{
	"EVENT",
	"PROCESS_COMMUNICATION", "PROCESS_COMMUNICATION_STDERR", "PROCESS_COMMUNICATION_STDOUT",
	"PROCESS_GROUP", "PROCESS_GROUP_ADDED", "PROCESS_GROUP_REMOVED",
	"PROCESS_LOG", "PROCESS_LOG_STDERR", "PROCESS_LOG_STDOUT",
	"PROCESS_STATE", "PROCESS_STATE_BACKOFF", "PROCESS_STATE_EXITED", "PROCESS_STATE_FATAL",
	"PROCESS_STATE_RUNNING", "PROCESS_STATE_STARTING", "PROCESS_STATE_STOPPED",
	"PROCESS_STATE_STOPPING", "PROCESS_STATE_UNKNOWN",
	"REMOTE_COMMUNICATION",
	"SUPERVISOR_STATE_CHANGE", "SUPERVISOR_STATE_CHANGE_RUNNING", "SUPERVISOR_STATE_CHANGE_STOPPING",
	"TICK", "TICK_3600", "TICK_5", "TICK_60",
}

func isEventType(name string) bool {
	for _, t := range EventTypes {
		if t == name {
			return true
		}
	}
	return false
}

// groups is ServerOptions.process_groups_from_parser: [group:x] sections
// first, then the programs not in a group, event listeners, and fcgi
// programs; sorted by priority and name at the end.
func (l *loader) groups() error {
	var groups []*Group
	excluded := map[string]bool{}
	common := ini.Vars{"here": l.here}
	sections := l.f.Sections()
	intKey := func(sec, key, def string) (int, error) {
		v, err := l.get(sec, key, def, common)
		if err != nil {
			return 0, err
		}
		n, err := integer(v.s)
		if err != nil {
			return 0, l.keyErr(sec, key, v, err)
		}
		return n, nil
	}

	for _, s := range sections {
		if !strings.HasPrefix(s.Name, "group:") {
			continue
		}
		name, err := processOrGroupName(strings.SplitN(s.Name, ":", 2)[1])
		if err != nil {
			return l.errAt(s.Name, nil, err.Error())
		}
		pv, err := l.get(s.Name, "programs", "", common)
		if err != nil {
			return err
		}
		prio, err := intKey(s.Name, "priority", "999")
		if err != nil {
			return err
		}
		g := &Group{Name: name, Kind: KindProcess, Priority: prio, Section: s.Name, File: s.File, Line: s.Line}
		for _, prog := range listOfStrings(pv.s) {
			ps, fs := "program:"+prog, "fcgi-program:"+prog
			hasP, hasF := l.f.Section(ps) != nil, l.f.Section(fs) != nil
			switch {
			case !hasP && !hasF:
				return l.keyErr(s.Name, "programs", pv, fmt.Errorf("[%s] names unknown program or fcgi-program %s", s.Name, prog))
			case hasP && hasF:
				return l.keyErr(s.Name, "programs", pv, fmt.Errorf("[%s] name %s is ambiguous (exists as program and fcgi-program)", s.Name, prog))
			}
			sec := ps
			if !hasP {
				sec = fs
			}
			excluded[sec] = true
			procs, err := l.processes(sec, name, KindProcess)
			if err != nil {
				return err
			}
			g.Processes = append(g.Processes, procs...)
		}
		groups = append(groups, g)
	}

	for _, s := range sections {
		if !strings.HasPrefix(s.Name, "program:") || excluded[s.Name] {
			continue
		}
		name, err := processOrGroupName(strings.SplitN(s.Name, ":", 2)[1])
		if err != nil {
			return l.errAt(s.Name, nil, err.Error())
		}
		prio, err := intKey(s.Name, "priority", "999")
		if err != nil {
			return err
		}
		procs, err := l.processes(s.Name, name, KindProcess)
		if err != nil {
			return err
		}
		groups = append(groups, &Group{Name: name, Kind: KindProcess, Priority: prio, Processes: procs,
			Section: s.Name, File: s.File, Line: s.Line})
	}

	for _, s := range sections {
		if !strings.HasPrefix(s.Name, "eventlistener:") {
			continue
		}
		g, err := l.listenerGroup(s, intKey, common)
		if err != nil {
			return err
		}
		groups = append(groups, g)
	}

	for _, s := range sections {
		if !strings.HasPrefix(s.Name, "fcgi-program:") || excluded[s.Name] {
			continue
		}
		g, err := l.fcgiGroup(s, intKey, common)
		if err != nil {
			return err
		}
		groups = append(groups, g)
	}

	sort.SliceStable(groups, func(i, j int) bool {
		if groups[i].Priority != groups[j].Priority {
			return groups[i].Priority < groups[j].Priority
		}
		return groups[i].Name < groups[j].Name
	})
	l.cfg.Groups = groups
	return nil
}

func sortProcesses(ps []*Process) {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Priority != ps[j].Priority {
			return ps[i].Priority < ps[j].Priority
		}
		return ps[i].Name < ps[j].Name
	})
}

func (l *loader) listenerGroup(s *ini.Section, intKey func(sec, key, def string) (int, error), common ini.Vars) (*Group, error) {
	name := strings.SplitN(s.Name, ":", 2)[1]
	prio, err := intKey(s.Name, "priority", "-1")
	if err != nil {
		return nil, err
	}
	bufSize, err := intKey(s.Name, "buffer_size", "10")
	if err != nil {
		return nil, err
	}
	if bufSize < 1 {
		return nil, l.errAt(s.Name, l.f.Get(s.Name, "buffer_size"), fmt.Sprintf("[%s] section sets invalid buffer_size (%d)", s.Name, bufSize))
	}
	rh, err := l.get(s.Name, "result_handler", DefaultResultHandler, common)
	if err != nil {
		return nil, err
	}
	known := rh.s == DefaultResultHandler
	if l.opts.ResultHandler != nil {
		known = l.opts.ResultHandler(rh.s)
	}
	if !known {
		return nil, l.keyErr(s.Name, "result_handler", rh, fmt.Errorf("%s cannot be resolved within [%s]", rh.s, s.Name))
	}
	ev, err := l.get(s.Name, "events", "", common)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var events []string
	for _, e := range listOfStrings(ev.s) {
		e = strings.ToUpper(e)
		if !seen[e] {
			seen[e] = true
			events = append(events, e)
		}
	}
	if len(events) == 0 {
		return nil, l.errAt(s.Name, ev.key, fmt.Sprintf("[%s] section requires an \"events\" line", s.Name))
	}
	sort.Strings(events)
	for _, e := range events {
		if !isEventType(e) {
			return nil, l.keyErr(s.Name, "events", ev, fmt.Errorf("unknown event type %s in [%s] events", e, s.Name))
		}
	}
	rv, err := l.get(s.Name, "redirect_stderr", "false", common)
	if err != nil {
		return nil, err
	}
	redirect, err := boolean(rv.s)
	if err != nil {
		return nil, l.keyErr(s.Name, "redirect_stderr", rv, err)
	}
	if redirect {
		return nil, l.keyErr(s.Name, "redirect_stderr", rv, fmt.Errorf("[%s] section sets redirect_stderr=true but this is not allowed because it will interfere with the eventlistener protocol", s.Name))
	}
	procs, err := l.processes(s.Name, name, KindEventListener)
	if err != nil {
		return nil, err
	}
	return &Group{Name: name, Kind: KindEventListener, Priority: prio, Processes: procs,
		Section: s.Name, File: s.File, Line: s.Line,
		Listener: &ListenerPool{BufferSize: bufSize, Events: events, ResultHandler: rh.s}}, nil
}

var tcpSocket = regexp.MustCompile(`^tcp://([^\s:]+):(\d+)$`)

func (l *loader) fcgiGroup(s *ini.Section, intKey func(sec, key, def string) (int, error), common ini.Vars) (*Group, error) {
	name, err := processOrGroupName(strings.SplitN(s.Name, ":", 2)[1])
	if err != nil {
		return nil, l.errAt(s.Name, nil, err.Error())
	}
	prio, err := intKey(s.Name, "priority", "999")
	if err != nil {
		return nil, err
	}
	procUID := -1
	uv, err := l.get(s.Name, "user", "\x00", common)
	if err != nil {
		return nil, err
	}
	if uv.s != "\x00" {
		if procUID, err = nameToUID(uv.s); err != nil {
			return nil, l.keyErr(s.Name, "user", uv, err)
		}
	}
	sock := &FCGISocket{}
	modeSet := false
	bv, err := l.get(s.Name, "socket_backlog", "\x00", common)
	if err != nil {
		return nil, err
	}
	if bv.s != "\x00" {
		n, err := integer(bv.s)
		if err == nil && (n < 1 || n > 65535) {
			err = fmt.Errorf("invalid socket_backlog value %s", bv.s)
		}
		if err != nil {
			return nil, l.keyErr(s.Name, "socket_backlog", bv, err)
		}
		sock.Backlog = n
	}
	ov, err := l.get(s.Name, "socket_owner", "\x00", common)
	if err != nil {
		return nil, err
	}
	if ov.s != "\x00" {
		o, err := userGroup(ov.s)
		if err != nil {
			return nil, l.keyErr(s.Name, "socket_owner", ov, fmt.Errorf("invalid socket_owner value %s", ov.s))
		}
		sock.Owner = &o
	}
	mv, err := l.get(s.Name, "socket_mode", "\x00", common)
	if err != nil {
		return nil, err
	}
	if mv.s != "\x00" {
		modeSet = true
		if sock.Mode, err = octal(mv.s); err != nil {
			return nil, l.keyErr(s.Name, "socket_mode", mv, fmt.Errorf("invalid socket_mode value %s", mv.s))
		}
	}
	vars := common.Clone()
	vars["program_name"] = name
	sv, err := l.get(s.Name, "socket", "", vars)
	if err != nil {
		return nil, err
	}
	if sv.s == "" {
		return nil, l.errAt(s.Name, sv.key, fmt.Sprintf("[%s] section requires a \"socket\" line", s.Name))
	}
	sockErr := func(msg string) error {
		return l.keyErr(s.Name, "socket", sv, fmt.Errorf("%s in [%s] socket", msg, s.Name))
	}
	switch {
	case strings.HasPrefix(sv.s, "unix://"):
		p := sv.s[len("unix://"):]
		if !strings.HasPrefix(p, "/") {
			return nil, sockErr(fmt.Sprintf("unix socket path %s is not an absolute path", p))
		}
		sock.Network, sock.Path = "unix", l.normalizePath(p)
		sock.URL = "unix://" + sock.Path
		if sock.Owner == nil && procUID >= 0 && procUID != os.Getuid() {
			gid, err := gidForUID(procUID)
			if err != nil {
				return nil, sockErr(err.Error())
			}
			sock.Owner = &Owner{UID: procUID, GID: gid}
		}
		if !modeSet {
			sock.Mode = 0o700
		}
	default:
		if sock.Owner != nil || modeSet {
			return nil, sockErr("socket_owner and socket_mode params should only be used with a Unix domain socket")
		}
		m := tcpSocket.FindStringSubmatch(sv.s)
		if m == nil {
			return nil, sockErr(fmt.Sprintf("bad socket format %s", sv.s))
		}
		port, err := strconv.Atoi(m[2])
		if err != nil || port < 1 || port > 0xffff {
			return nil, sockErr(fmt.Sprintf("%s is not a valid port number", m[2]))
		}
		sock.Network, sock.Host, sock.Port = "tcp", strings.ToLower(m[1]), port
		sock.URL = fmt.Sprintf("tcp://%s:%d", sock.Host, port)
	}
	procs, err := l.processes(s.Name, name, KindFastCGI)
	if err != nil {
		return nil, err
	}
	return &Group{Name: name, Kind: KindFastCGI, Priority: prio, Processes: procs,
		Section: s.Name, File: s.File, Line: s.Line, Socket: sock}, nil
}

// MaxNumprocs bounds numprocs (the reference has no bound, and would take
// hours to build a billion process configurations).
const MaxNumprocs = 100000

// processes is ServerOptions.processes_from_section: the processes of one
// program-like section, for group. Keys read before the per-process loop do
// not know process_num; the loop's keys do, and each key read in the loop
// also sees the names the earlier iterations added (the reference updates
// one dictionary in place).
func (l *loader) processes(section, group string, kind GroupKind) ([]*Process, error) {
	progName, err := processOrGroupName(strings.SplitN(section, ":", 2)[1])
	if err != nil {
		return nil, l.errAt(section, nil, err.Error())
	}
	common := ini.Vars{"here": l.here, "program_name": progName, "host_node_name": l.hostname, "group_name": group}
	p := Process{Program: progName, Group: group, Section: section,
		EventListener: kind == KindEventListener, FastCGI: kind == KindFastCGI}
	if s := l.f.Section(section); s != nil {
		p.File, p.Line = s.File, s.Line
	}
	get := func(key, def string) (value, error) { return l.get(section, key, def, common) }
	var firstErr error
	conv := func(key, def string, fn func(string) error) {
		if firstErr != nil {
			return
		}
		v, err := get(key, def)
		if err != nil {
			firstErr = err
			return
		}
		if err := fn(v.s); err != nil {
			firstErr = l.keyErr(section, key, v, err)
		}
	}
	intTo := func(dst *int) func(string) error {
		return func(s string) (err error) { *dst, err = integer(s); return }
	}
	boolTo := func(dst *bool) func(string) error {
		return func(s string) (err error) { *dst, err = boolean(s); return }
	}
	var numprocs, numprocsStart int
	conv("priority", "999", intTo(&p.Priority))
	conv("autostart", "true", boolTo(&p.Autostart))
	conv("autorestart", "unexpected", func(s string) (err error) { p.Autorestart, err = autoRestart(s); return })
	conv("startsecs", "1", intTo(&p.StartSecs))
	conv("startretries", "3", intTo(&p.StartRetries))
	conv("stopsignal", "TERM", func(s string) (err error) { p.StopSignal, err = signalNumber(s); return })
	conv("stopwaitsecs", "10", intTo(&p.StopWaitSecs))
	conv("stopasgroup", "false", boolTo(&p.StopAsGroup))
	def := "false"
	if p.StopAsGroup {
		def = "true"
	}
	conv("killasgroup", def, boolTo(&p.KillAsGroup))
	conv("exitcodes", "0", func(s string) (err error) { p.ExitCodes, err = exitCodes(s); return })
	conv("redirect_stderr", "false", boolTo(&p.RedirectStderr))
	conv("numprocs", "1", intTo(&numprocs))
	conv("numprocs_start", "0", intTo(&numprocsStart))
	if firstErr != nil {
		return nil, firstErr
	}
	envRaw := l.getRaw(section, "environment", "")
	conv("stdout_capture_maxbytes", "0", func(s string) (err error) { p.Stdout.CaptureMaxBytes, err = byteSize(s); return })
	conv("stdout_events_enabled", "false", boolTo(&p.Stdout.EventsEnabled))
	conv("stderr_capture_maxbytes", "0", func(s string) (err error) { p.Stderr.CaptureMaxBytes, err = byteSize(s); return })
	conv("stderr_events_enabled", "false", boolTo(&p.Stderr.EventsEnabled))
	conv("serverurl", "\x00", func(s string) error {
		if s != "\x00" && strings.ToUpper(ini.TrimSpace(s)) != "AUTO" {
			p.ServerURL = s
		}
		return nil
	})
	conv("user", "\x00", func(s string) (err error) {
		if s != "\x00" {
			p.User = s
			p.UID, err = nameToUID(s)
		}
		return err
	})
	conv("umask", "\x00", func(s string) (err error) {
		if s != "\x00" {
			var m int
			m, err = octal(s)
			p.Umask = &m
		}
		return err
	})
	nonNegative := func(dst *int) func(string) error {
		return func(s string) (err error) {
			if *dst, err = integer(s); err == nil && *dst < 0 {
				err = fmt.Errorf("%d is below lower bound (0)", *dst)
			}
			return
		}
	}
	conv("backoff_max_secs", "0", nonNegative(&p.BackoffMaxSecs))
	conv("restart_delay_secs", "0", nonNegative(&p.RestartDelaySecs))
	conv("parent_death_signal", "\x00", func(s string) (err error) {
		if s != "\x00" && strings.ToLower(ini.TrimSpace(s)) != "none" {
			p.ParentDeathSignal, err = signalNumber(s)
		}
		return err
	})
	if firstErr != nil {
		return nil, firstErr
	}
	nameRaw := l.getRaw(section, "process_name", "%(program_name)s")
	if nameRaw.s, err = processOrGroupName(nameRaw.s); err != nil {
		return nil, l.keyErr(section, "process_name", nameRaw, err)
	}
	if numprocs > MaxNumprocs {
		return nil, l.keyErr(section, "numprocs", value{key: l.f.Get(section, "numprocs")}, fmt.Errorf("%d processes is more than %d", numprocs, MaxNumprocs))
	}
	if numprocs > 1 && !strings.Contains(nameRaw.s, "%(process_num)") {
		return nil, l.keyErr(section, "process_name", nameRaw, fmt.Errorf("%%(process_num) must be present within process_name when numprocs > 1"))
	}
	if p.StopAsGroup && !p.KillAsGroup {
		return nil, l.errAt(section, l.f.Get(section, "killasgroup"), "cannot set stopasgroup=true and killasgroup=false")
	}

	var procs []*Process
	for num := numprocsStart; num < numprocsStart+numprocs; num++ {
		common["process_num"] = num
		common["numprocs"] = numprocs
		for k, v := range l.envVars {
			common[k] = v
		}
		proc := p
		proc.ProcessNum, proc.NumProcs = num, numprocs
		envStr, err := l.expand(envRaw.s, common, section, envRaw.key)
		if err != nil {
			return nil, err
		}
		env, _, err := keyValuePairs(envStr)
		if err != nil {
			return nil, l.keyErr(section, "environment", envRaw, err)
		}
		for k, v := range env {
			common["ENV_"+k] = v
		}
		merged := make(map[string]string, len(env)+len(l.cfg.Supervisord.Environment))
		for k, v := range l.cfg.Supervisord.Environment {
			merged[k] = v
		}
		for k, v := range env {
			merged[k] = v
		}
		proc.Environment = merged

		dv, err := get("directory", "\x00")
		if err != nil {
			return nil, err
		}
		if dv.s != "\x00" {
			proc.Directory = dv.s
		}
		stderrNamed := false
		for _, ch := range []struct {
			name string
			lf   *LogFile
		}{{"stdout", &proc.Stdout}, {"stderr", &proc.Stderr}} {
			named, err := l.logFile(section, ch.name, ch.lf, common)
			if err != nil {
				return nil, err
			}
			stderrNamed = named && ch.name == "stderr"
		}
		if proc.RedirectStderr {
			if stderrNamed {
				l.warn(section, fmt.Sprintf("For [%s], redirect_stderr=true but stderr_logfile has also been set to a filename, the filename has been ignored", section))
			}
			proc.Stderr.Path, proc.Stderr.Auto = "", false
		}
		cv, err := get("command", "\x00")
		if err != nil {
			return nil, err
		}
		if cv.s == "\x00" {
			return nil, l.errAt(section, nil, fmt.Sprintf("program section %s does not specify a command", section))
		}
		proc.Command = cv.s
		if proc.Name, err = l.expand(nameRaw.s, common, section, nameRaw.key); err != nil {
			return nil, err
		}
		procs = append(procs, &proc)
	}
	sortProcesses(procs)
	return procs, nil
}

// logFile reads the keys of one output channel ("stdout" or "stderr").
// The file name is expanded twice, as the reference does.
// It reports whether the channel names a file (not AUTO, NONE or syslog).
func (l *loader) logFile(section, ch string, lf *LogFile, vars ini.Vars) (named bool, err error) {
	key := ch + "_logfile"
	v, err := l.get(section, key, "\x00", vars)
	if err != nil {
		return false, err
	}
	lf.Path, lf.Auto = "", true
	syslogMagic := false
	if v.s != "\x00" {
		var s string
		s, err = l.expand(v.s, vars, section, v.key)
		if err != nil {
			return false, err
		}
		switch strings.ToLower(s) {
		case "none", "off":
			lf.Auto = false
		case "auto":
		case "syslog":
			lf.Auto, syslogMagic = false, true
		default:
			lf.Auto, named = false, true
			if lf.Path, err = l.existingDirpath(s); err != nil {
				return false, l.keyErr(section, key, v, err)
			}
		}
	}
	bv, err := l.get(section, key+"_backups", "10", vars)
	if err != nil {
		return false, err
	}
	if lf.Backups, err = integer(bv.s); err != nil {
		return false, l.keyErr(section, key+"_backups", bv, err)
	}
	mv, err := l.get(section, key+"_maxbytes", "50MB", vars)
	if err != nil {
		return false, err
	}
	if lf.MaxBytes, err = byteSize(mv.s); err != nil {
		return false, l.keyErr(section, key+"_maxbytes", mv, err)
	}
	sv, err := l.get(section, ch+"_syslog", "false", vars)
	if err != nil {
		return false, err
	}
	if lf.Syslog, err = boolean(sv.s); err != nil {
		return false, l.keyErr(section, ch+"_syslog", sv, err)
	}
	if syslogMagic {
		l.warn(section, fmt.Sprintf("For [%s], %s=syslog but this is deprecated and will be removed.  Use %s_syslog=true to enable syslog instead.", section, key, ch))
		lf.Syslog = true
	}
	if lf.Auto && lf.MaxBytes == 0 {
		l.warn(section, fmt.Sprintf("For [%s], AUTO logging used for %s without rollover, set maxbytes > 0 to avoid filling up filesystem unintentionally", section, key))
	}
	return named, nil
}

func (l *loader) warn(section, msg string) {
	w := Warning{Msg: msg}
	if s := l.f.Section(section); s != nil {
		w.File, w.Line = s.File, s.Line
	}
	l.cfg.Warnings = append(l.cfg.Warnings, w)
}
