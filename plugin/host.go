package plugin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"syscall"
	"time"
)

// Supervisor is the running supervisor as a compiled-in plugin acts on it:
// everything Host gives, plus typed access to the daemon's state, its
// process groups and processes, and the operations the reference's
// plugins reach through the supervisord object (supervisor_twiddler,
// supervisor_cache, mr.laforge). The daemon's Host implements it; a
// factory gets it with InitContext.Supervisor.
//
// Every method may be called from a namespace method, concurrently. A
// factory keeps the Supervisor for its methods; from the factory itself
// only State, Identification and Version are meaningful (at a reload the
// groups are being replaced, and Call is not served yet). Names are a group's name and a process's name inside it; a
// namespec is "name", "group:name", "group:*" or "group:".
type Supervisor interface {
	Host

	// State is the daemon's state (supervisor.getState).
	State() DaemonState

	// Groups returns the process groups in the order the reference's
	// process_groups dictionary holds them: the configuration's groups
	// (by priority, then name), then the groups added later in the order
	// they were added.
	Groups() []GroupInfo
	// Group returns the named group, or false.
	Group(name string) (GroupInfo, bool)
	// Process returns a process by namespec ("name" or "group:name"); the
	// error wraps ErrBadName (a *NameError naming namespec) when there is
	// no such process, or when namespec names a whole group.
	Process(namespec string) (ProcessInfo, error)

	// AddProgram builds the processes of a [program:PROGRAM] section
	// whose keys are options (with the rules and defaults of the
	// configuration file: numprocs, process_name, AUTO logs, %(name)s
	// expansions) and adds them to the existing group, where they start
	// as the group's own processes would (autostart). Nothing is written
	// to the configuration file. It returns the new processes' names.
	// Errors: a *NameError wrapping ErrBadName (Name "group: GROUP") when
	// the group does not exist, a *NameError wrapping ErrProcessExists
	// naming a process already in the group, a *ConfigError for options
	// the configuration file would refuse.
	AddProgram(ctx context.Context, group, program string, options []KeyValue) ([]string, error)
	// RemoveProcess removes one process from a group. Errors: a
	// *NameError wrapping ErrBadName (Name "group: GROUP" for the group,
	// the process's name for the process), or wrapping ErrStillRunning
	// when the process has a pid or is not in a stopped state.
	RemoveProcess(ctx context.Context, group, name string) error

	// StartProcess is supervisor.startProcess(namespec, wait): the error
	// is the *xmlrpc.Fault that call would answer.
	StartProcess(ctx context.Context, namespec string, wait bool) error
	// StopProcess is supervisor.stopProcess(namespec, wait): the error is
	// the *xmlrpc.Fault that call would answer.
	StopProcess(ctx context.Context, namespec string, wait bool) error
	// Signal sends sig to the process's pid, as the reference's
	// options.kill(pid, sig) does: whatever the state, without changing
	// it. Errors: a *NameError wrapping ErrBadName, ErrNotRunning when the
	// process has no pid, or the kill(2) error.
	Signal(ctx context.Context, group, name string, sig syscall.Signal) error

	// Log writes msg to the main log at level (the Level constants below
	// give the reference's CRIT, TRAC and BLAT; slog's own give ERRO,
	// WARN, INFO and DEBG), as supervisord.options.logger.log does.
	Log(level slog.Level, msg string)
}

// Supervisor returns the richer view of the host when the daemon provides
// it (the supervisord binaries always do; a test's fake Host may not).
func (ic InitContext) Supervisor() (Supervisor, bool) {
	s, ok := ic.Host.(Supervisor)
	return s, ok
}

// The main log's levels beyond slog's four, numbered below and above them
// as the reference's loggers.LevelsByName orders them (CRIT 50, ERRO 40,
// WARN 30, INFO 20, DEBG 10, TRAC 5, BLAT 3).
const (
	LevelCritical slog.Level = slog.LevelError + 4 // CRIT
	LevelTrace    slog.Level = slog.LevelDebug - 4 // TRAC
	LevelBlather  slog.Level = slog.LevelDebug - 8 // BLAT
)

// DaemonState is the daemon's state, numbered as the reference's
// supervisor.states.SupervisorStates.
type DaemonState int

// The daemon states.
const (
	StateFatal      DaemonState = 2
	StateRunning    DaemonState = 1
	StateRestarting DaemonState = 0
	StateShutdown   DaemonState = -1
)

// String returns the state's name as supervisor.getState's statename.
func (s DaemonState) String() string {
	switch s {
	case StateFatal:
		return "FATAL"
	case StateRunning:
		return "RUNNING"
	case StateRestarting:
		return "RESTARTING"
	case StateShutdown:
		return "SHUTDOWN"
	}
	return fmt.Sprintf("STATE(%d)", int(s))
}

// ProcessState is a process's state, numbered as the reference's
// supervisor.states.ProcessStates.
type ProcessState int

// The process states.
const (
	ProcessStopped  ProcessState = 0
	ProcessStarting ProcessState = 10
	ProcessRunning  ProcessState = 20
	ProcessBackoff  ProcessState = 30
	ProcessStopping ProcessState = 40
	ProcessExited   ProcessState = 100
	ProcessFatal    ProcessState = 200
	ProcessUnknown  ProcessState = 1000
)

// String returns the state's name as getProcessInfo's statename.
func (s ProcessState) String() string {
	switch s {
	case ProcessStopped:
		return "STOPPED"
	case ProcessStarting:
		return "STARTING"
	case ProcessRunning:
		return "RUNNING"
	case ProcessBackoff:
		return "BACKOFF"
	case ProcessStopping:
		return "STOPPING"
	case ProcessExited:
		return "EXITED"
	case ProcessFatal:
		return "FATAL"
	}
	return "UNKNOWN"
}

// IsStopped reports whether s is one of the reference's STOPPED_STATES.
func (s ProcessState) IsStopped() bool {
	return s == ProcessStopped || s == ProcessExited || s == ProcessFatal || s == ProcessUnknown
}

// IsRunning reports whether s is one of the reference's RUNNING_STATES
// (BACKOFF included).
func (s ProcessState) IsRunning() bool {
	return s == ProcessRunning || s == ProcessBackoff || s == ProcessStarting
}

// IsSignallable reports whether s is one of the reference's
// SIGNALLABLE_STATES.
func (s ProcessState) IsSignallable() bool {
	return s == ProcessRunning || s == ProcessStarting || s == ProcessStopping
}

// GroupInfo is a snapshot of a process group.
type GroupInfo struct {
	Name     string
	Priority int
	// Processes are the group's processes in the order the reference's
	// group.processes dictionary holds them: the configuration's order
	// (by priority, then name), then processes added later.
	Processes []ProcessInfo
}

// ProcessInfo is a snapshot of a process.
type ProcessInfo struct {
	Name, Group string
	State       ProcessState
	Pid         int // 0 when there is no child
	Priority    int
	Start, Stop time.Time // zero when never started / stopped
	ExitStatus  int
	SpawnErr    string
}

// Namespec is the process's name as the reference's make_namespec gives
// it: "name" when the group has the process's name, else "group:name".
func (p ProcessInfo) Namespec() string {
	if p.Group == p.Name {
		return p.Name
	}
	return p.Group + ":" + p.Name
}

// Errors of the Supervisor methods, checked with errors.Is.
var (
	ErrBadName        = errors.New("no such group or process")
	ErrProcessExists  = errors.New("process already exists in the group")
	ErrStillRunning   = errors.New("process is not stopped")
	ErrNotRunning     = errors.New("process is not running")
	ErrNotImplemented = errors.New("not implemented by this host")
)

// NameError is an error about a name: Err is one of the errors above,
// Name the text the reference puts in its fault ("group: web", "web_01").
type NameError struct {
	Err  error
	Name string
}

// Error returns "Err: Name".
func (e *NameError) Error() string { return e.Err.Error() + ": " + e.Name }

// Unwrap returns Err.
func (e *NameError) Unwrap() error { return e.Err }

// ConfigError is a program section AddProgram refuses. Msg is the
// reference's text for it, as ServerOptions.processes_from_section raises
// it: the problem, then " in section 'program:NAME' (file: 'PATH')" with
// PATH the main configuration file.
type ConfigError struct {
	Section string
	Msg     string
}

// Error returns Msg.
func (e *ConfigError) Error() string { return e.Msg }
