// Package twiddler is supervisor_twiddler's namespace (mnaberez/
// supervisor_twiddler 1.0, section 8.1 of the reference notes) rebuilt on
// the public plugin API only: the group names, a line in the main log, and
// programs added to and processes removed from a running group.
//
//	[rpcinterface:twiddler]
//	supervisor.rpcinterface_factory = supervisor_twiddler.rpcinterface:make_twiddler_rpcinterface
//	whitelist = getGroupNames, addProgramToGroup   ; optional
//
// The answers (results, fault codes and strings) are the original's; the
// tests compare them with answers recorded from it.
package twiddler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/supervisorgo/supervisor/plugin"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

// FactoryName is the original's factory, which [rpcinterface:x] sections name.
const FactoryName = "supervisor_twiddler.rpcinterface:make_twiddler_rpcinterface"

// APIVersion is what twiddler.getAPIVersion returns.
const APIVersion = "1.0"

// FaultNotInWhitelist is the fault code of a method the whitelist leaves
// out. The reference has no name for it, so its string is
// "UNKNOWN: methodName".
const FaultNotInWhitelist = 230

func init() { plugin.Register(FactoryName, New) }

// Namespace is the twiddler namespace.
type Namespace struct {
	sv        plugin.Supervisor
	whitelist []string
}

// New is the factory. The only key is whitelist, a comma-separated list of
// the methods that may be called (all when empty); any other key refuses
// start-up, as the original's factory does (a TypeError there).
func New(_ context.Context, ic plugin.InitContext) (plugin.Namespace, error) {
	sv, ok := ic.Supervisor()
	if !ok {
		return nil, errors.New("twiddler needs a host that implements plugin.Supervisor")
	}
	n := &Namespace{sv: sv}
	for _, kv := range ic.Config {
		if kv.Key != "whitelist" {
			return nil, fmt.Errorf("unexpected keyword argument %q (only whitelist is read)", kv.Key)
		}
		n.whitelist = listOfStrings(kv.Value)
	}
	return n, nil
}

// listOfStrings is supervisor.datatypes.list_of_strings.
func listOfStrings(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	return parts
}

// Methods lists the namespace's methods.
func (n *Namespace) Methods() []plugin.Method {
	return []plugin.Method{
		n.method("getAPIVersion", 0, 0, "Return the version of supervisor_twiddler's API (a string, though\n"+
			"the original's help and so its signature say int).\n\n@return int version",
			[]string{"int"}, n.getAPIVersion),
		n.method("getGroupNames", 0, 0, "Return the names of the process groups.\n\n@return array names",
			[]string{"array"}, n.getGroupNames),
		n.method("log", 1, 2, "Write a message to the main log.\n\n@param string message The message\n"+
			"@param string|int level A level name (INFO) or number (20); INFO when absent\n@return boolean Always true",
			[]string{"boolean", "string", "string|int"}, n.log),
		n.method("addProgramToGroup", 3, 3, "Add the processes of a program to an existing group.\n\n"+
			"@param string group_name The group\n@param string program_name The program's name\n"+
			"@param struct program_options The [program:x] keys and values\n@return boolean Always true",
			[]string{"boolean", "string", "string", "struct"}, n.addProgramToGroup),
		n.method("removeProcessFromGroup", 2, 2, "Remove a stopped process from its group.\n\n"+
			"@param string group_name The group\n@param string process_name The process\n@return boolean Always true",
			[]string{"boolean", "string", "string"}, n.removeProcessFromGroup),
	}
}

type call func(ctx context.Context, params []xmlrpc.Value) (xmlrpc.Value, error)

// method wraps fn with the original's checks: the number of parameters
// (Python's call), then _update (the daemon's state, the whitelist).
func (n *Namespace) method(name string, min, max int, help string, sig []string, fn call) plugin.Method {
	return plugin.Method{Name: name, Help: help, Signature: sig,
		Call: func(ctx context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
			if err := plugin.CheckArity(params, min, max); err != nil {
				return nil, err
			}
			if n.sv.State() == plugin.StateShutdown {
				return nil, plugin.NewFault(plugin.FaultShutdownState)
			}
			if len(n.whitelist) > 0 && !slices.Contains(n.whitelist, name) {
				return nil, plugin.NewFaultf(FaultNotInWhitelist, name)
			}
			return fn(ctx, params)
		}}
}

func (n *Namespace) getAPIVersion(context.Context, []xmlrpc.Value) (xmlrpc.Value, error) {
	return APIVersion, nil
}

func (n *Namespace) getGroupNames(context.Context, []xmlrpc.Value) (xmlrpc.Value, error) {
	names := []any{}
	for _, g := range n.sv.Groups() {
		names = append(names, g.Name)
	}
	return names, nil
}

// levels are supervisor.loggers.LevelsByName and LOG_LEVELS_BY_NUM.
var levels = []struct {
	name  string
	num   int
	level slog.Level
}{
	{"CRIT", 50, plugin.LevelCritical},
	{"ERRO", 40, slog.LevelError},
	{"WARN", 30, slog.LevelWarn},
	{"INFO", 20, slog.LevelInfo},
	{"DEBG", 10, slog.LevelDebug},
	{"TRAC", 5, plugin.LevelTrace},
	{"BLAT", 3, plugin.LevelBlather},
}

func (n *Namespace) log(_ context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
	level := slog.LevelInfo
	if len(params) > 1 {
		var ok bool
		if level, ok = logLevel(params[1]); !ok {
			return nil, plugin.NewFault(plugin.FaultIncorrectParameters)
		}
	}
	n.sv.Log(level, pyStr(params[0]))
	return true, nil
}

// logLevel is the original's level lookup: a name (any case) of
// LevelsByName, or a number of LOG_LEVELS_BY_NUM (Python's dict lookup
// finds 20 for 20.0 and 1 for True).
func logLevel(v xmlrpc.Value) (slog.Level, bool) {
	num := -1
	switch x := v.(type) {
	case string:
		for _, l := range levels {
			if l.name == strings.ToUpper(x) {
				return l.level, true
			}
		}
		return 0, false
	case int:
		num = x
	case bool:
		if x {
			num = 1
		} else {
			num = 0
		}
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e9 {
			num = int(x)
		}
	}
	for _, l := range levels {
		if l.num == num {
			return l.level, true
		}
	}
	return 0, false
}

func (n *Namespace) addProgramToGroup(ctx context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
	group, ok := hashableStr(params[0])
	if !ok {
		return nil, plugin.NewFault(plugin.FaultIncorrectParameters)
	}
	if _, ok := n.sv.Group(group); !ok {
		return nil, plugin.NewFaultf(plugin.FaultBadName, "group: "+group)
	}
	options, ok := optionsOf(params[2])
	if !ok {
		return nil, plugin.NewFault(plugin.FaultIncorrectParameters)
	}
	_, err := n.sv.AddProgram(ctx, group, pyStr(params[1]), options)
	return addRemoveResult(err)
}

func (n *Namespace) removeProcessFromGroup(ctx context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
	group, ok := hashableStr(params[0])
	if !ok {
		return nil, plugin.NewFault(plugin.FaultIncorrectParameters)
	}
	name, ok := hashableStr(params[1])
	if !ok {
		return nil, plugin.NewFault(plugin.FaultIncorrectParameters)
	}
	return addRemoveResult(n.sv.RemoveProcess(ctx, group, name))
}

// addRemoveResult maps the host's errors to the original's faults.
func addRemoveResult(err error) (xmlrpc.Value, error) {
	var ne *plugin.NameError
	var ce *plugin.ConfigError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &ce):
		return nil, plugin.NewFaultf(plugin.FaultIncorrectParameters, ce.Msg)
	case errors.As(err, &ne) && (errors.Is(err, plugin.ErrBadName) || errors.Is(err, plugin.ErrProcessExists)):
		return nil, plugin.NewFaultf(plugin.FaultBadName, ne.Name)
	case errors.As(err, &ne) && errors.Is(err, plugin.ErrStillRunning):
		return nil, plugin.NewFaultf(plugin.FaultStillRunning, ne.Name)
	}
	return nil, err
}

// optionsOf is dict(program_options) with str() of each value: a struct,
// or an array of two-element arrays; anything else is the TypeError or
// ValueError the original answers with INCORRECT_PARAMETERS.
func optionsOf(v xmlrpc.Value) ([]plugin.KeyValue, bool) {
	var out []plugin.KeyValue
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, plugin.KeyValue{Key: k, Value: pyStr(x[k])})
		}
	case xmlrpc.Struct:
		for _, m := range x {
			out = append(out, plugin.KeyValue{Key: m.Name, Value: pyStr(m.Value)})
		}
	case []any:
		for _, item := range x {
			pair, ok := item.([]any)
			if !ok || len(pair) != 2 {
				return nil, false
			}
			k, ok := pair[0].(string)
			if !ok {
				return nil, false
			}
			out = append(out, plugin.KeyValue{Key: k, Value: pyStr(pair[1])})
		}
	default:
		return nil, false
	}
	return out, true
}

// hashableStr is str() of a value used as a dictionary key: lists and
// dicts are unhashable (a TypeError).
func hashableStr(v xmlrpc.Value) (string, bool) {
	switch v.(type) {
	case []any, map[string]any, xmlrpc.Struct:
		return "", false
	}
	return pyStr(v), true
}

// pyStr is Python's str() of a scalar parameter.
func pyStr(v xmlrpc.Value) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int:
		return strconv.Itoa(x)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e16 {
			return strconv.FormatFloat(x, 'f', 1, 64)
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	case nil:
		return "None"
	}
	return fmt.Sprint(v)
}

var _ plugin.Namespace = (*Namespace)(nil)
