// Package execplugin writes supervisord exec plugins in Go: programs that
// serve an XML-RPC namespace of supervisord over JSON-RPC on their stdin
// and stdout, mounted with the exec factory:
//
//	[rpcinterface:counter]
//	supervisor.rpcinterface_factory = exec
//	command = /usr/local/bin/counter
//	start = 10
//
// It speaks the plugin's side of the protocol (exec-plugin-protocol.md of
// the project's specifications; internal/execplugin is supervisord's
// side): it answers the initialize handshake with the methods and event
// types registered, serves calls concurrently, answers errors as faults,
// calls supervisord back, sends log lines, receives events, and returns
// when supervisord closes stdin. A complete plugin:
//
//	package main
//
//	import (
//		"context"
//		"fmt"
//		"strconv"
//		"sync/atomic"
//
//		"github.com/supervisorgo/supervisor/plugin/execplugin"
//	)
//
//	func main() {
//		var n atomic.Int64
//		p := execplugin.New()
//		p.OnInit(func(ctx context.Context, in execplugin.Init) error {
//			start, err := strconv.Atoi(in.Config["start"])
//			if err != nil {
//				return fmt.Errorf("start: %v", err) // supervisord refuses to start, saying so
//			}
//			n.Store(int64(start))
//			return nil
//		})
//		p.Handle("add", "Add delta to the counter and return it.\n@param int delta\n@return int",
//			execplugin.Func1(func(ctx context.Context, delta int) (int, error) {
//				if delta < 0 {
//					return 0, execplugin.Errorf(execplugin.FaultBadArguments, "BAD_ARGUMENTS: delta %d < 0", delta)
//				}
//				return int(n.Add(int64(delta))), nil
//			}))
//		p.Handle("state", "Return supervisord's state, asked back.\n@return string",
//			execplugin.Func0(func(ctx context.Context) (string, error) {
//				st, err := p.Call(ctx, "supervisor.getState")
//				if err != nil {
//					return "", err
//				}
//				m, _ := execplugin.As[map[string]any](st)
//				return fmt.Sprint(m["statename"]), nil
//			}))
//		p.Subscribe(func(ctx context.Context, e execplugin.Event) {
//			p.Logf(execplugin.LevelInfo, "%s is now %s", e.Fields()["processname"], e.Name)
//		}, "PROCESS_STATE")
//		p.Main()
//	}
//
// counter.add(5) over XML-RPC then returns 15, system.methodSignature
// ("counter.add") is ["int", "int"], and each process state change writes a
// line to the main log.
//
// # Methods
//
// Handle registers a method whose parameters and result are Go types
// (Func0 to Func3, generic: no reflection); its signature is read from the
// types. Method registers one over the raw []any parameters with an
// explicit signature. Parameters arrive as the protocol's table maps
// XML-RPC values: int as int, double as float64, boolean as bool, string,
// base64 as []byte, dateTime.iso8601 as time.Time (UTC), array as []any,
// struct as map[string]any, nil as nil; As converts them to narrower Go
// types. Results go back the same way, with any Go integer, []string,
// map[string]string and the like accepted too; other values (structs with
// json tags) go through encoding/json. A float64 result is always sent with
// a fraction, so that it arrives as a double.
//
// A method returning a *Fault answers with that faultCode and faultString;
// any other error answers FAILED (30) with "FAILED: " and the error's text;
// a panic is recovered, printed on stderr and answered as an error. A call
// with the wrong number or types of parameters of a typed method answers
// INCORRECT_PARAMETERS (2).
//
// # Concurrency
//
// Each call runs on its own goroutine, as soon as it arrives: methods must
// be safe for concurrent use, and a method may Call supervisord, even into
// its own namespace, without deadlock. Events are handled one at a time,
// in the order sent, on one goroutine of their own (a slow handler queues
// events, it never stops calls). Events and calls are not ordered with
// each other: a call that arrives after an event may run before the
// event's handler has. Call, Log and Logf may be used from any
// goroutine while the plugin serves; before and after, they return
// ErrNotServing. supervisord serves at most 64 of a plugin's calls at a
// time: beyond that, Call returns a FAILED *Fault at once.
//
// # Stdout and stderr
//
// Stdout carries the protocol: a plugin must not print to it (a line
// that is not JSON-RPC is logged by supervisord as a warning and skipped).
// Stderr goes to supervisord's main log, one line per line, as does Log.
//
// # Life cycle
//
// Serve (or Main, which calls it and exits) returns when supervisord closes
// stdin, which it does on shutdown and reload, after every call in
// progress has returned and every event received has been handled. A
// plugin that exits or breaks the protocol is restarted by supervisord,
// with a new handshake.
package execplugin
