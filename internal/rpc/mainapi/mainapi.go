package mainapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/supervisorgo/supervisor/internal/config"
	"github.com/supervisorgo/supervisor/internal/process"
	"github.com/supervisorgo/supervisor/internal/rpc"
	"github.com/supervisorgo/supervisor/internal/supervisor"
	"github.com/supervisorgo/supervisor/plugin"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

// FactoryName is the name the namespace's factory is registered under: the
// reference's supervisor.rpcinterface_factory value for [rpcinterface:supervisor].
const FactoryName = "supervisor.rpcinterface:make_main_rpcinterface"

// APIVersion is what getAPIVersion (and getVersion) return
// (supervisor.rpcinterface.API_VERSION).
const APIVersion = "3.0"

// SupervisorVersion is what getSupervisorVersion returns: the version of
// the reference this implementation follows.
const SupervisorVersion = "4.2.5"

// ErrStdinClosed is returned by Supervisor.WriteStdin when the process has
// no stdin channel or it was closed (the reference's EPIPE): NO_FILE.
var ErrStdinClosed = errors.New("process stdin is closed")

// Supervisor is what the namespace needs from the daemon beyond the
// process manager: the operations the reference's methods perform on the
// supervisord object and its options. The daemon passes a value
// implementing it as plugin.InitContext.Host. Methods are called from the
// goroutines serving XML-RPC requests, concurrently; none may block for
// long.
type Supervisor interface {
	// Manager returns the process manager: groups, processes and the
	// daemon's state (SHUTDOWN_STATE is answered while it is not RUNNING).
	Manager() *supervisor.Manager

	// Identification returns the [supervisord] identifier option
	// (getIdentification).
	Identification() string

	// Pid returns supervisord's pid (getPID).
	Pid() int

	// MainLogPath returns the main log's path ([supervisord] logfile,
	// options.logfile), or "" when there is none. readLog and clearLog
	// answer NO_FILE when it is "" or does not exist.
	MainLogPath() string

	// ClearMainLog removes the main log file and reopens it (clearLog, once
	// the file was found to exist; the reference logs "reopening log file"
	// at INFO before reopening). An error becomes FAILED.
	ClearMainLog(ctx context.Context) error

	// RequestShutdown and RequestRestart ask the daemon to shut down or to
	// restart (re-read the configuration and start over), as
	// supervisor.shutdown and supervisor.restart do by setting
	// options.mood. They must set the Manager's state (SHUTDOWN,
	// RESTARTING) before they return, so that later calls fault with
	// SHUTDOWN_STATE, and must not wait for the shutdown: the call answers
	// true first, and the daemon should let that answer be sent.
	RequestShutdown()
	RequestRestart()

	// Config returns the last-read configuration: the one the daemon
	// started with, or the last one Reread returned. addProcessGroup looks
	// groups up in it; getAllConfigInfo lists it.
	Config() *config.Config

	// Reread parses the configuration file again (reloadConfig). On success
	// the new configuration becomes what Config returns; nothing is
	// applied. On failure Config is unchanged and the error's text is
	// CANT_REREAD's extra text (the reference's ValueError message).
	Reread(ctx context.Context) (*config.Config, error)

	// AddGroup makes a group of the last-read configuration active
	// (supervisord.add_process_group): it gives the AUTO log files their
	// names (as ProcessConfig.create_autochildlogs: it may fill in the
	// LogFile paths of g in place, as the reference does, so that
	// getAllConfigInfo shows them), then calls Manager().AddGroup, whose
	// OnGroup hook emits PROCESS_GROUP_ADDED. supervisor.ErrGroupExists
	// becomes ALREADY_ADDED.
	AddGroup(ctx context.Context, g *config.Group) error

	// CheckCommand resolves a process's command as the spawn would
	// (Subprocess.get_execv_args), without starting anything: startProcess
	// does it before looking at the state. An error matching spawn.NotFound
	// becomes NO_FILE, any other NOT_EXECUTABLE, each with the error's
	// text (the spawnerr, e.g. "can't find command '/x'").
	CheckCommand(p *config.Process) error

	// EnsureLogFile is called with a process's log file before the file is
	// read (readProcess*Log, tailProcess*Log): a daemon that creates log
	// files later than the reference does creates it now, so that the
	// reader finds it as it would there.
	EnsureLogFile(path string)

	// ClearProcessLogs truncates a process's stdout and stderr logs: close,
	// remove and reopen each file, and empty the capture buffers
	// (Subprocess.removelogs). An error becomes FAILED.
	ClearProcessLogs(ctx context.Context, p *process.Process) error

	// WriteStdin writes data to the running process's stdin
	// (Subprocess.write, then flush). process.ErrNotRunning becomes
	// NOT_RUNNING, ErrStdinClosed NO_FILE.
	WriteStdin(ctx context.Context, p *process.Process, data []byte) error

	// RemoteCommunication emits a REMOTE_COMMUNICATION event with the
	// given type and data (sendRemoteCommEvent).
	RemoteCommunication(typ, data string)
}

func init() {
	plugin.Register(FactoryName, New)
}

// New is the namespace's factory (make_main_rpcinterface). The host must
// implement Supervisor; the section may have no keys besides the factory
// (the reference's factory takes no keyword arguments).
func New(_ context.Context, ic plugin.InitContext) (plugin.Namespace, error) {
	host, ok := ic.Host.(Supervisor)
	if !ok {
		return nil, fmt.Errorf("rpcinterface:%s: the host (%T) does not implement mainapi.Supervisor", ic.Name, ic.Host)
	}
	if len(ic.Config) > 0 {
		return nil, fmt.Errorf("rpcinterface:%s: make_main_rpcinterface() got an unexpected keyword argument '%s'", ic.Name, ic.Config[0].Key)
	}
	log := ic.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &api{host: host, log: log, now: time.Now, loc: time.Local}
	a.methods = a.table()
	a.byName = make(map[string]int, len(a.methods))
	for i, m := range a.methods {
		if _, dup := a.byName[m.Name]; !dup {
			a.byName[m.Name] = i
		}
	}
	return a, nil
}

// api is the supervisor namespace (SupervisorNamespaceRPCInterface).
type api struct {
	host Supervisor
	log  *slog.Logger
	now  func() time.Time
	loc  *time.Location // for the stop time in descriptions (time.localtime)

	methods []plugin.Method // built once
	byName  map[string]int  // index in methods of each name's first method

	// boxes caches, per process, the values of its info struct for
	// getProcessInfo and getAllProcessInfo, boxed and encoded (see boxes).
	boxes   sync.Map // *process.Process -> *boxes
	nboxes  atomic.Int64
	lastAll atomic.Pointer[listBoxes] // see allBoxes
}

// call is a method's implementation; params have passed the arity check.
type call func(ctx context.Context, params []xmlrpc.Value) (xmlrpc.Value, error)

// method builds a Method whose Call checks the number of parameters
// (Python's TypeError: INCORRECT_PARAMETERS) before running fn.
func method(name, help string, sig []string, min, max int, fn call) plugin.Method {
	return plugin.Method{Name: name, Help: help, Signature: sig,
		Call: func(ctx context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
			if err := arity(params, min, max); err != nil {
				return nil, err
			}
			v, err := fn(ctx, params)
			if errors.Is(err, errTypeError) {
				return nil, newFault(rpc.IncorrectParameters)
			}
			return v, err
		}}
}

// Methods returns the 37 methods of the supervisor namespace of 4.2.5,
// aliases included, each with the reference's docstring and signature.
func (a *api) Methods() []plugin.Method { return slices.Clone(a.methods) }

// Method finds a method by name (rpc.MethodFinder): the dispatcher calls
// it for every call, and it does not copy the whole table as Methods does.
func (a *api) Method(name string) (plugin.Method, bool) {
	i, ok := a.byName[name]
	if !ok {
		return plugin.Method{}, false
	}
	return a.methods[i], true
}

func (a *api) table() []plugin.Method {
	return []plugin.Method{
		method("getAPIVersion", docGetAPIVersion, []string{"string"}, 0, 0, a.getAPIVersion),
		method("getVersion", docGetVersion, []string{"string"}, 0, 0, a.getAPIVersion),
		method("getSupervisorVersion", docGetSupervisorVersion, []string{"string"}, 0, 0, a.getSupervisorVersion),
		method("getIdentification", docGetIdentification, []string{"string"}, 0, 0, a.getIdentification),
		method("getState", docGetState, []string{"struct"}, 0, 0, a.getState),
		method("getPID", docGetPID, []string{"int"}, 0, 0, a.getPID),
		method("readLog", docReadLog, []string{"string", "int", "int"}, 2, 2, a.readLog),
		method("readMainLog", docReadMainLog, []string{"string", "int", "int"}, 2, 2, a.readLog),
		method("clearLog", docClearLog, []string{"boolean"}, 0, 0, a.clearLog),
		method("shutdown", docShutdown, []string{"boolean"}, 0, 0, a.shutdown),
		method("restart", docRestart, []string{"boolean"}, 0, 0, a.restart),
		method("reloadConfig", docReloadConfig, []string{"array"}, 0, 0, a.reloadConfig),
		method("addProcessGroup", docAddProcessGroup, []string{"boolean", "string"}, 1, 1, a.addProcessGroup),
		method("removeProcessGroup", docRemoveProcessGroup, []string{"boolean", "string"}, 1, 1, a.removeProcessGroup),
		method("startProcess", docStartProcess, []string{"boolean", "string", "boolean"}, 1, 2, a.startProcess),
		method("startProcessGroup", docStartProcessGroup, []string{"array", "string", "boolean"}, 1, 2, a.startProcessGroup),
		method("startAllProcesses", docStartAllProcesses, []string{"array", "boolean"}, 0, 1, a.startAllProcesses),
		method("stopProcess", docStopProcess, []string{"boolean", "string", "boolean"}, 1, 2, a.stopProcess),
		method("stopProcessGroup", docStopProcessGroup, []string{"array", "string", "boolean"}, 1, 2, a.stopProcessGroup),
		method("stopAllProcesses", docStopAllProcesses, []string{"array", "boolean"}, 0, 1, a.stopAllProcesses),
		method("signalProcess", docSignalProcess, []string{"boolean", "string", "string"}, 2, 2, a.signalProcess),
		method("signalProcessGroup", docSignalProcessGroup, []string{"array", "string", "string"}, 2, 2, a.signalProcessGroup),
		method("signalAllProcesses", docSignalAllProcesses, []string{"array", "string"}, 1, 1, a.signalAllProcesses),
		method("getAllConfigInfo", docGetAllConfigInfo, []string{"array"}, 0, 0, a.getAllConfigInfo),
		method("getProcessInfo", docGetProcessInfo, []string{"struct", "string"}, 1, 1, a.getProcessInfo),
		method("getAllProcessInfo", docGetAllProcessInfo, []string{"array"}, 0, 0, a.getAllProcessInfo),
		method("readProcessStdoutLog", docReadProcessStdoutLog, []string{"string", "string", "int", "int"}, 3, 3, a.readStdout),
		method("readProcessLog", docReadProcessLog, []string{"string", "string", "int", "int"}, 3, 3, a.readStdout),
		method("readProcessStderrLog", docReadProcessStderrLog, []string{"string", "string", "int", "int"}, 3, 3, a.readStderr),
		method("tailProcessStdoutLog", docTailProcessStdoutLog, []string{"array", "string", "int", "int"}, 3, 3, a.tailStdout),
		method("tailProcessLog", docTailProcessLog, []string{"array", "string", "int", "int"}, 3, 3, a.tailStdout),
		method("tailProcessStderrLog", docTailProcessStderrLog, []string{"array", "string", "int", "int"}, 3, 3, a.tailStderr),
		method("clearProcessLogs", docClearProcessLogs, []string{"boolean", "string"}, 1, 1, a.clearProcessLogs),
		method("clearProcessLog", docClearProcessLog, []string{"boolean", "string"}, 1, 1, a.clearProcessLogs),
		method("clearAllProcessLogs", docClearAllProcessLogs, []string{"array"}, 0, 0, a.clearAllProcessLogs),
		method("sendProcessStdin", docSendProcessStdin, []string{"boolean", "string", "string"}, 2, 2, a.sendProcessStdin),
		method("sendRemoteCommEvent", docSendRemoteCommEvent, []string{"boolean", "string", "string"}, 2, 2, a.sendRemoteCommEvent),
	}
}

// update is SupervisorNamespaceRPCInterface._update: SHUTDOWN_STATE while
// the daemon is restarting or shutting down.
func (a *api) update() error {
	if a.host.Manager().State() < supervisor.Running {
		return newFault(rpc.ShutdownState)
	}
	return nil
}

func (a *api) getAPIVersion(context.Context, []xmlrpc.Value) (xmlrpc.Value, error) {
	if err := a.update(); err != nil {
		return nil, err
	}
	return APIVersion, nil
}

func (a *api) getSupervisorVersion(context.Context, []xmlrpc.Value) (xmlrpc.Value, error) {
	if err := a.update(); err != nil {
		return nil, err
	}
	return SupervisorVersion, nil
}

func (a *api) getIdentification(context.Context, []xmlrpc.Value) (xmlrpc.Value, error) {
	if err := a.update(); err != nil {
		return nil, err
	}
	return a.host.Identification(), nil
}

func (a *api) getState(context.Context, []xmlrpc.Value) (xmlrpc.Value, error) {
	if err := a.update(); err != nil {
		return nil, err
	}
	s := a.host.Manager().State()
	return xmlrpc.Struct{{Name: "statecode", Value: int(s)}, {Name: "statename", Value: s.String()}}, nil
}

func (a *api) getPID(context.Context, []xmlrpc.Value) (xmlrpc.Value, error) {
	if err := a.update(); err != nil {
		return nil, err
	}
	return a.host.Pid(), nil
}

func (a *api) shutdown(context.Context, []xmlrpc.Value) (xmlrpc.Value, error) {
	if err := a.update(); err != nil {
		return nil, err
	}
	a.host.RequestShutdown()
	return true, nil
}

func (a *api) restart(context.Context, []xmlrpc.Value) (xmlrpc.Value, error) {
	if err := a.update(); err != nil {
		return nil, err
	}
	a.host.RequestRestart()
	return true, nil
}

func (a *api) sendRemoteCommEvent(_ context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
	// No shutdown check: the reference has none here.
	a.host.RemoteCommunication(pyStr(params[0]), pyStr(params[1]))
	return true, nil
}

var (
	_ plugin.Namespace = (*api)(nil)
	_ rpc.MethodFinder = (*api)(nil)
)
