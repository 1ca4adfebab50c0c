package cache

import (
	"context"
	"testing"

	"github.com/supervisorgo/supervisor/internal/plugins/plugintest"
	"github.com/supervisorgo/supervisor/plugin"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

// TestSequence runs one cache through a sequence of calls: each step sees
// the state the steps before it left.
func TestSequence(t *testing.T) {
	s := &plugintest.Supervisor{DaemonState: plugin.StateRunning}
	methods, err := plugintest.Namespace(context.Background(), New, s, plugin.KeyValue{Key: "ignored", Value: "x"})
	if err != nil {
		t.Fatal(err)
	}
	f := plugintest.Fault
	badKey := f(10, "BAD_NAME: Cache key must be a non-empty string")
	for _, tc := range []plugintest.Case{
		{Name: "version", Method: "getAPIVersion", Want: "0.2"},
		{Name: "no keys", Method: "getKeys", Want: []any{}},
		{Name: "no count", Method: "getCount", Want: 0},
		{Name: "store b", Method: "store", Params: []xmlrpc.Value{"b", "second"}, Want: true},
		{Name: "store a", Method: "store", Params: []xmlrpc.Value{"a", []any{1, "x"}}, Want: true},
		{Name: "store empty key", Method: "store", Params: []xmlrpc.Value{"", "x"}, Fault: badKey},
		{Name: "store int key", Method: "store", Params: []xmlrpc.Value{5, "x"}, Fault: badKey},
		{Name: "store one parameter", Method: "store", Params: []xmlrpc.Value{"a"}, Fault: f(2, "INCORRECT_PARAMETERS")},
		{Name: "keys sorted", Method: "getKeys", Want: []any{"a", "b"}},
		{Name: "count", Method: "getCount", Want: 2},
		{Name: "fetch", Method: "fetch", Params: []xmlrpc.Value{"a"}, Want: []any{1, "x"}},
		{Name: "fetch missing", Method: "fetch", Params: []xmlrpc.Value{"zz"}, Fault: f(10, "BAD_NAME")},
		{Name: "fetch empty key", Method: "fetch", Params: []xmlrpc.Value{""}, Fault: badKey},
		{Name: "delete", Method: "delete", Params: []xmlrpc.Value{"a"}, Want: true},
		{Name: "delete missing", Method: "delete", Params: []xmlrpc.Value{"a"}, Want: true},
		{Name: "delete empty key", Method: "delete", Params: []xmlrpc.Value{""}, Fault: badKey},
		{Name: "keys after delete", Method: "getKeys", Want: []any{"b"}},
		{Name: "clear", Method: "clear", Want: true},
		{Name: "clear with a parameter", Method: "clear", Params: []xmlrpc.Value{1}, Fault: f(2, "INCORRECT_PARAMETERS")},
		{Name: "count after clear", Method: "getCount", Want: 0},
	} {
		t.Run(tc.Name, func(t *testing.T) { tc.Run(t, methods) })
	}
	s.SetState(plugin.StateRestarting)
	plugintest.Case{Method: "getCount", Want: 0}.Run(t, methods)
	s.SetState(plugin.StateShutdown)
	plugintest.Case{Method: "getCount", Fault: f(6, "SHUTDOWN_STATE")}.Run(t, methods)
}
