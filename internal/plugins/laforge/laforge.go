// Package laforge is mr.laforge's namespace (fschulze/mr.laforge 0.9,
// section 8.3 of the reference notes) rebuilt on the public plugin API
// only: any signal, by number or name, to a process or a group.
//
//	[rpcinterface:laforge]
//	supervisor.rpcinterface_factory = mr.laforge.rpcinterface:make_laforge_rpcinterface
//
// The answers (results, fault codes and strings) are the original's,
// compared in the tests with answers recorded from it, with two
// deliberate differences: killProcessGroup on an existing group does what
// the original meant (under Python 3 the original fails there with an
// internal error, as it sorts a dict view), and a process in BACKOFF (no
// pid) answers NOT_RUNNING (the original would kill pid 0, that is
// supervisord's own process group).
package laforge

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"syscall"

	"github.com/supervisorgo/supervisor/plugin"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

// FactoryName is the original's factory, which [rpcinterface:x] sections name.
const FactoryName = "mr.laforge.rpcinterface:make_laforge_rpcinterface"

// APIVersion is what laforge.getAPIVersion returns.
const APIVersion = "0.1"

// PackageVersion is what laforge.getMrLaForgeVersion returns: the version
// of mr.laforge whose namespace this is.
const PackageVersion = "0.9"

func init() { plugin.Register(FactoryName, New) }

// Namespace is the laforge namespace.
type Namespace struct {
	sv plugin.Supervisor
}

// New is the factory. Like the original's it ignores the section's keys.
func New(_ context.Context, ic plugin.InitContext) (plugin.Namespace, error) {
	sv, ok := ic.Supervisor()
	if !ok {
		return nil, errors.New("laforge needs a host that implements plugin.Supervisor")
	}
	return &Namespace{sv: sv}, nil
}

// Methods lists the namespace's methods.
func (n *Namespace) Methods() []plugin.Method {
	return []plugin.Method{
		n.method("getAPIVersion", 0, "Return the version of mr.laforge's API.\n\n@return string version",
			[]string{"string"}, n.getAPIVersion),
		n.method("getMrLaForgeVersion", 0, "Return the version of mr.laforge.\n\n@return string version",
			[]string{"string"}, n.getMrLaForgeVersion),
		n.method("killProcess", 2, "Send a signal to a process.\n\n"+
			"@param string signal A number, a name (HUP) or SIGNAME\n"+
			"@param string name A process (name or group:name), or a group (group:*)\n@return boolean Always true",
			[]string{"boolean", "string", "string"}, n.killProcess),
		n.method("killProcessGroup", 2, "Send a signal to the running processes of a group.\n\n"+
			"@param string signal A number, a name (HUP) or SIGNAME\n@param string name The group\n"+
			"@return struct One status per process",
			[]string{"struct", "string", "string"}, n.killProcessGroup),
	}
}

type call func(ctx context.Context, params []xmlrpc.Value) (xmlrpc.Value, error)

// method wraps fn with the original's checks: the number of parameters
// (Python's call), then _update (the daemon must be RUNNING).
func (n *Namespace) method(name string, arity int, help string, sig []string, fn call) plugin.Method {
	return plugin.Method{Name: name, Help: help, Signature: sig,
		Call: func(ctx context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
			if err := plugin.CheckArity(params, arity, arity); err != nil {
				return nil, err
			}
			if err := n.update(); err != nil {
				return nil, err
			}
			return fn(ctx, params)
		}}
}

// update is _update: every method refuses while the daemon restarts or
// shuts down.
func (n *Namespace) update() error {
	if n.sv.State() < plugin.StateRunning {
		return plugin.NewFault(plugin.FaultShutdownState)
	}
	return nil
}

func (n *Namespace) getAPIVersion(context.Context, []xmlrpc.Value) (xmlrpc.Value, error) {
	return APIVersion, nil
}

func (n *Namespace) getMrLaForgeVersion(context.Context, []xmlrpc.Value) (xmlrpc.Value, error) {
	return PackageVersion, nil
}

// killProcess(name, signal).
func (n *Namespace) killProcess(ctx context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
	name, ok := params[0].(string)
	if !ok {
		return nil, fmt.Errorf("laforge.killProcess: name of type %T", params[0]) // an AttributeError there
	}
	group, proc, whole := splitNamespec(name)
	g, ok := n.sv.Group(group)
	if !ok {
		return nil, plugin.NewFaultf(plugin.FaultBadName, name)
	}
	if whole {
		// The original calls killProcessGroup(signal, group_name): its
		// parameters swapped, the signal names the group.
		if err := n.update(); err != nil {
			return nil, err
		}
		return n.killGroup(ctx, params[1], group)
	}
	var target *plugin.ProcessInfo
	for i := range g.Processes {
		if g.Processes[i].Name == proc {
			target = &g.Processes[i]
		}
	}
	if target == nil {
		return nil, plugin.NewFaultf(plugin.FaultBadName, name)
	}
	sig, err := signalOf(params[1])
	if err != nil {
		return nil, err
	}
	if err := n.kill(ctx, *target, sig); err != nil {
		return nil, err
	}
	return true, nil
}

// kill is the deferred killit: NOT_RUNNING unless the process is in a
// running state, then kill(pid, sig).
func (n *Namespace) kill(ctx context.Context, p plugin.ProcessInfo, sig syscall.Signal) error {
	cur, err := n.sv.Process(p.Namespec())
	if err != nil {
		return plugin.NewFault(plugin.FaultNotRunning)
	}
	if !cur.State.IsRunning() || cur.Pid == 0 {
		return plugin.NewFault(plugin.FaultNotRunning)
	}
	if sig < 0 || sig > 64 {
		return fmt.Errorf("kill %d with signal %d: %w", cur.Pid, int(sig), syscall.EINVAL) // an OSError there
	}
	if err := n.sv.Signal(ctx, cur.Group, cur.Name, sig); err != nil {
		if errors.Is(err, plugin.ErrNotRunning) {
			return plugin.NewFault(plugin.FaultNotRunning)
		}
		return err
	}
	return nil
}

// killProcessGroup(name, signal).
func (n *Namespace) killProcessGroup(ctx context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
	return n.killGroup(ctx, params[0], params[1])
}

// killGroup is killProcessGroup as the original means it: make_allfunc
// over the group's processes in a running state, by priority, each
// killProcess(namespec, signal) giving one status struct.
func (n *Namespace) killGroup(ctx context.Context, namev, sigv xmlrpc.Value) (xmlrpc.Value, error) {
	name, ok := namev.(string)
	if !ok {
		switch namev.(type) {
		case []any, map[string]any, xmlrpc.Struct:
			return nil, plugin.NewFault(plugin.FaultIncorrectParameters) // unhashable
		}
		return nil, plugin.NewFaultf(plugin.FaultBadName, pyStr(namev))
	}
	g, ok := n.sv.Group(name)
	if !ok {
		return nil, plugin.NewFaultf(plugin.FaultBadName, name)
	}
	procs := g.Processes
	sortByPriority(procs)
	results := []any{}
	for _, p := range procs {
		if !p.State.IsRunning() {
			continue
		}
		status, desc := plugin.FaultSuccess, "OK"
		sig, err := signalOf(sigv)
		if err == nil {
			err = n.kill(ctx, p, sig)
		}
		if err != nil {
			var f *xmlrpc.Fault
			if !errors.As(err, &f) {
				return nil, err
			}
			status, desc = f.Code, faultText(f)
		}
		results = append(results, xmlrpc.Struct{
			{Name: "name", Value: p.Name},
			{Name: "group", Value: g.Name},
			{Name: "status", Value: status},
			{Name: "description", Value: desc},
		})
	}
	return results, nil
}

// faultText is RPCError.text: the fault string without "NAME: ".
func faultText(f *xmlrpc.Fault) string {
	name := plugin.FaultName(f.Code)
	if rest, ok := strings.CutPrefix(f.String, name+": "); ok {
		return rest
	}
	return f.String
}

func sortByPriority(ps []plugin.ProcessInfo) {
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && ps[j].Priority < ps[j-1].Priority; j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

// splitNamespec is supervisor.options.split_namespec: whole is true for
// "group:" and "group:*".
func splitNamespec(s string) (group, name string, whole bool) {
	g, nm, ok := strings.Cut(s, ":")
	if !ok {
		return s, s, false
	}
	if nm == "" || nm == "*" {
		return g, "", true
	}
	return g, nm, false
}

// pyInts are the int attributes of Python's signal module on Linux, which
// the original's getattr(signal, NAME) finds.
var pyInts = map[string]int{
	"ITIMER_PROF": 2, "ITIMER_REAL": 0, "ITIMER_VIRTUAL": 1, "NSIG": 65,
	"SIGABRT": 6, "SIGALRM": 14, "SIGBUS": 7, "SIGCHLD": 17, "SIGCLD": 17, "SIGCONT": 18,
	"SIGFPE": 8, "SIGHUP": 1, "SIGILL": 4, "SIGINT": 2, "SIGIO": 29, "SIGIOT": 6, "SIGKILL": 9,
	"SIGPIPE": 13, "SIGPOLL": 29, "SIGPROF": 27, "SIGPWR": 30, "SIGQUIT": 3, "SIGRTMAX": 64,
	"SIGRTMIN": 34, "SIGSEGV": 11, "SIGSTKFLT": 16, "SIGSTOP": 19, "SIGSYS": 31, "SIGTERM": 15,
	"SIGTRAP": 5, "SIGTSTP": 20, "SIGTTIN": 21, "SIGTTOU": 22, "SIGURG": 23, "SIGUSR1": 10,
	"SIGUSR2": 12, "SIGVTALRM": 26, "SIGWINCH": 28, "SIGXCPU": 24, "SIGXFSZ": 25,
	"SIG_BLOCK": 0, "SIG_DFL": 0, "SIG_IGN": 1, "SIG_SETMASK": 2, "SIG_UNBLOCK": 1,
}

// signalOf is _getSignalFromString: int() of the value, else NAME or
// SIGNAME in the signal module; BAD_ARGUMENTS otherwise.
func signalOf(v xmlrpc.Value) (syscall.Signal, error) {
	switch x := v.(type) {
	case int:
		return syscall.Signal(x), nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return 0, fmt.Errorf("int() of %v", x) // an OverflowError/ValueError there
		}
		return syscall.Signal(int(x)), nil
	case string:
		if n, err := strconv.Atoi(strings.TrimSpace(x)); err == nil {
			return syscall.Signal(n), nil
		}
		up := strings.ToUpper(x)
		if n, ok := pyInts[up]; ok {
			return syscall.Signal(n), nil
		}
		if n, ok := pyInts["SIG"+up]; ok {
			return syscall.Signal(n), nil
		}
		return 0, plugin.NewFaultf(plugin.FaultBadArguments, x)
	}
	return 0, plugin.NewFault(plugin.FaultIncorrectParameters) // int() of a list: a TypeError
}

// pyStr is Python's str() of a scalar parameter.
func pyStr(v xmlrpc.Value) string {
	switch x := v.(type) {
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int:
		return strconv.Itoa(x)
	case nil:
		return "None"
	}
	return fmt.Sprint(v)
}

var _ plugin.Namespace = (*Namespace)(nil)
