package twiddler

import (
	"context"
	"slices"
	"testing"

	"github.com/supervisorgo/supervisor/internal/plugins/plugintest"
	"github.com/supervisorgo/supervisor/plugin"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

func fake() *plugintest.Supervisor {
	return &plugintest.Supervisor{DaemonState: plugin.StateRunning, GroupList: []plugin.GroupInfo{
		{Name: "web", Processes: []plugin.ProcessInfo{{Name: "web", Group: "web", State: plugin.ProcessStopped}}},
		{Name: "grp", Processes: []plugin.ProcessInfo{
			{Name: "a", Group: "grp", State: plugin.ProcessStopped},
			{Name: "busy", Group: "grp", State: plugin.ProcessRunning, Pid: 42},
		}},
	}}
}

func TestMethods(t *testing.T) {
	f := plugintest.Fault
	for _, tc := range []plugintest.Case{
		{Name: "version", Method: "getAPIVersion", Want: "1.0"},
		{Name: "version with a parameter", Method: "getAPIVersion", Params: []xmlrpc.Value{1}, Fault: f(2, "INCORRECT_PARAMETERS")},
		{Name: "group names in order", Method: "getGroupNames", Want: []any{"web", "grp"}},
		{Name: "log", Method: "log", Params: []xmlrpc.Value{"hi"}, Want: true},
		{Name: "log by name", Method: "log", Params: []xmlrpc.Value{"hi", "crit"}, Want: true},
		{Name: "log by number", Method: "log", Params: []xmlrpc.Value{"hi", 5}, Want: true},
		{Name: "log bad name", Method: "log", Params: []xmlrpc.Value{"hi", "bogus"}, Fault: f(2, "INCORRECT_PARAMETERS")},
		{Name: "log bad number", Method: "log", Params: []xmlrpc.Value{"hi", 99}, Fault: f(2, "INCORRECT_PARAMETERS")},
		{Name: "log nothing", Method: "log", Fault: f(2, "INCORRECT_PARAMETERS")},
		{Name: "add to no group", Method: "addProgramToGroup", Params: []xmlrpc.Value{"nope", "x", map[string]any{}},
			Fault: f(10, "BAD_NAME: group: nope")},
		{Name: "add without a struct", Method: "addProgramToGroup", Params: []xmlrpc.Value{"grp", "x", "s"},
			Fault: f(2, "INCORRECT_PARAMETERS")},
		{Name: "add", Method: "addProgramToGroup",
			Params: []xmlrpc.Value{"grp", "new", map[string]any{"command": "c", "autostart": false, "priority": 7}}, Want: true},
		{Name: "add pairs", Method: "addProgramToGroup",
			Params: []xmlrpc.Value{"grp", "pairs", []any{[]any{"command", "c"}}}, Want: true},
		{Name: "add a duplicate", Method: "addProgramToGroup", Params: []xmlrpc.Value{"grp", "a", map[string]any{"command": "c"}},
			Fault: f(10, "BAD_NAME: a")},
		{Name: "remove from no group", Method: "removeProcessFromGroup", Params: []xmlrpc.Value{"nope", "a"},
			Fault: f(10, "BAD_NAME: group: nope")},
		{Name: "remove no process", Method: "removeProcessFromGroup", Params: []xmlrpc.Value{"grp", "nope"},
			Fault: f(10, "BAD_NAME: nope")},
		{Name: "remove a running process", Method: "removeProcessFromGroup", Params: []xmlrpc.Value{"grp", "busy"},
			Fault: f(91, "STILL_RUNNING: busy")},
		{Name: "remove", Method: "removeProcessFromGroup", Params: []xmlrpc.Value{"grp", "a"}, Want: true},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			s := fake()
			methods, err := plugintest.Namespace(context.Background(), New, s)
			if err != nil {
				t.Fatal(err)
			}
			tc.Run(t, methods)
		})
	}
}

func TestSideEffects(t *testing.T) {
	s := fake()
	methods, err := plugintest.Namespace(context.Background(), New, s)
	if err != nil {
		t.Fatal(err)
	}
	plugintest.Case{Method: "log", Params: []xmlrpc.Value{"one"}, Want: true}.Run(t, methods)
	plugintest.Case{Method: "log", Params: []xmlrpc.Value{"two", "WARN"}, Want: true}.Run(t, methods)
	plugintest.Case{Method: "log", Params: []xmlrpc.Value{"three", 50.0}, Want: true}.Run(t, methods)
	logged, _ := s.Records()
	if want := []string{"INFO one", "WARN two", "ERROR+4 three"}; !slices.Equal(logged, want) {
		t.Errorf("logged %q, want %q", logged, want)
	}
	plugintest.Case{Method: "addProgramToGroup", Want: true,
		Params: []xmlrpc.Value{"grp", "new", map[string]any{"command": "c", "autostart": false, "startsecs": 0}}}.Run(t, methods)
	want := []plugin.KeyValue{{Key: "autostart", Value: "False"}, {Key: "command", Value: "c"}, {Key: "startsecs", Value: "0"}}
	if got := s.Added["new"]; !slices.Equal(got, want) {
		t.Errorf("options %v, want %v", got, want)
	}
	s.AddErr = &plugin.ConfigError{Section: "program:bad", Msg: "no command in section 'program:bad'"}
	plugintest.Case{Method: "addProgramToGroup", Params: []xmlrpc.Value{"grp", "bad", map[string]any{}},
		Fault: plugintest.Fault(2, "INCORRECT_PARAMETERS: no command in section 'program:bad'")}.Run(t, methods)
}

func TestShutdownAndWhitelist(t *testing.T) {
	s := fake()
	methods, err := plugintest.Namespace(context.Background(), New, s, plugin.KeyValue{Key: "whitelist", Value: "log, getAPIVersion"})
	if err != nil {
		t.Fatal(err)
	}
	plugintest.Case{Method: "getAPIVersion", Want: "1.0"}.Run(t, methods)
	plugintest.Case{Method: "getGroupNames", Fault: plugintest.Fault(230, "UNKNOWN: getGroupNames")}.Run(t, methods)
	s.SetState(plugin.StateRestarting)
	plugintest.Case{Method: "getAPIVersion", Want: "1.0"}.Run(t, methods)
	s.SetState(plugin.StateShutdown)
	plugintest.Case{Method: "getAPIVersion", Fault: plugintest.Fault(6, "SHUTDOWN_STATE")}.Run(t, methods)
	if _, err := plugintest.Namespace(context.Background(), New, s, plugin.KeyValue{Key: "other", Value: "x"}); err == nil {
		t.Error("an unknown key was accepted")
	}
}
