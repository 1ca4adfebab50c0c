package laforge

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
		{Name: "web", Processes: []plugin.ProcessInfo{{Name: "web", Group: "web", State: plugin.ProcessRunning, Pid: 10}}},
		{Name: "grp", Processes: []plugin.ProcessInfo{
			{Name: "late", Group: "grp", State: plugin.ProcessRunning, Pid: 11, Priority: 9},
			{Name: "early", Group: "grp", State: plugin.ProcessRunning, Pid: 12, Priority: 1},
			{Name: "off", Group: "grp", State: plugin.ProcessStopped},
			{Name: "backoff", Group: "grp", State: plugin.ProcessBackoff, Priority: 5},
		}},
	}}
}

func TestMethods(t *testing.T) {
	f := plugintest.Fault
	status := func(name, group string, code int, desc string) xmlrpc.Struct {
		return xmlrpc.Struct{{Name: "name", Value: name}, {Name: "group", Value: group},
			{Name: "status", Value: code}, {Name: "description", Value: desc}}
	}
	for _, tc := range []struct {
		plugintest.Case
		signalled []string
	}{
		{Case: plugintest.Case{Name: "version", Method: "getAPIVersion", Want: "0.1"}},
		{Case: plugintest.Case{Name: "package version", Method: "getMrLaForgeVersion", Want: "0.9"}},
		{Case: plugintest.Case{Name: "kill by name", Method: "killProcess", Params: []xmlrpc.Value{"web", "hup"}, Want: true},
			signalled: []string{"web:web 1"}},
		{Case: plugintest.Case{Name: "kill by SIGNAME", Method: "killProcess", Params: []xmlrpc.Value{"grp:early", "SIGUSR1"}, Want: true},
			signalled: []string{"grp:early 10"}},
		{Case: plugintest.Case{Name: "kill by number", Method: "killProcess", Params: []xmlrpc.Value{"web", 18}, Want: true},
			signalled: []string{"web:web 18"}},
		{Case: plugintest.Case{Name: "kill by number text", Method: "killProcess", Params: []xmlrpc.Value{"web", " 9 "}, Want: true},
			signalled: []string{"web:web 9"}},
		{Case: plugintest.Case{Name: "bad signal", Method: "killProcess", Params: []xmlrpc.Value{"web", "BOGUS"},
			Fault: f(3, "BAD_ARGUMENTS: BOGUS")}},
		{Case: plugintest.Case{Name: "no group", Method: "killProcess", Params: []xmlrpc.Value{"nope", "HUP"},
			Fault: f(10, "BAD_NAME: nope")}},
		{Case: plugintest.Case{Name: "no process", Method: "killProcess", Params: []xmlrpc.Value{"grp:nope", "HUP"},
			Fault: f(10, "BAD_NAME: grp:nope")}},
		{Case: plugintest.Case{Name: "stopped", Method: "killProcess", Params: []xmlrpc.Value{"grp:off", "HUP"},
			Fault: f(70, "NOT_RUNNING")}},
		{Case: plugintest.Case{Name: "backoff has no pid", Method: "killProcess", Params: []xmlrpc.Value{"grp:backoff", "HUP"},
			Fault: f(70, "NOT_RUNNING")}},
		{Case: plugintest.Case{Name: "whole group: the parameters swapped", Method: "killProcess", Params: []xmlrpc.Value{"grp:*", "HUP"},
			Fault: f(10, "BAD_NAME: HUP")}},
		{Case: plugintest.Case{Name: "one parameter", Method: "killProcess", Params: []xmlrpc.Value{"web"},
			Fault: f(2, "INCORRECT_PARAMETERS")}},
		{Case: plugintest.Case{Name: "group: no such group", Method: "killProcessGroup", Params: []xmlrpc.Value{"nope", "HUP"},
			Fault: f(10, "BAD_NAME: nope")}},
		{Case: plugintest.Case{Name: "group by priority", Method: "killProcessGroup", Params: []xmlrpc.Value{"grp", "CONT"},
			Want: []any{status("early", "grp", 80, "OK"), status("backoff", "grp", 70, "NOT_RUNNING"), status("late", "grp", 80, "OK")}},
			signalled: []string{"grp:early 18", "grp:late 18"}},
		{Case: plugintest.Case{Name: "group bad signal", Method: "killProcessGroup", Params: []xmlrpc.Value{"web", "BOGUS"},
			Want: []any{status("web", "web", 3, "BOGUS")}}},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			s := fake()
			methods, err := plugintest.Namespace(context.Background(), New, s)
			if err != nil {
				t.Fatal(err)
			}
			tc.Run(t, methods)
			if _, got := s.Records(); !slices.Equal(got, tc.signalled) {
				t.Errorf("signalled %q, want %q", got, tc.signalled)
			}
		})
	}
}

func TestNotRunningDaemon(t *testing.T) {
	for _, st := range []plugin.DaemonState{plugin.StateRestarting, plugin.StateShutdown} {
		s := fake()
		s.SetState(st)
		methods, err := plugintest.Namespace(context.Background(), New, s)
		if err != nil {
			t.Fatal(err)
		}
		plugintest.Case{Method: "getAPIVersion", Fault: plugintest.Fault(6, "SHUTDOWN_STATE")}.Run(t, methods)
	}
}
