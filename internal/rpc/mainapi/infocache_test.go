package mainapi

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/supervisorgo/supervisor/internal/config"
	"github.com/supervisorgo/supervisor/internal/process"
	"github.com/supervisorgo/supervisor/internal/rpc"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

// TestInfoCache checks that the boxes reused between calls of
// getProcessInfo and getAllProcessInfo never show stale values: after
// each change (start, stop, the clock, a log path, a group removed and
// added again) both answer what a struct built from scratch holds, and a
// result already returned does not change.
func TestInfoCache(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := prog("p", 1)
		p.Stdout.Path = "/logs/p.out"
		q := prog("q", 1)
		e := newEnv(t, grp("g", 1, p, q))
		e.host.cfg = &config.Config{Groups: []*config.Group{grp("g", 1, p, q)}}
		now := time.Unix(1700000000, 0)
		e.api.now = func() time.Time { return now }

		fresh := func(spec string) string {
			g, proc, err := e.mgr.Lookup(spec)
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprint(e.api.processInfo(g.Config.Name, proc.Info(), now))
		}
		srv, err := rpc.New([]rpc.Mount{{Name: "supervisor", Namespace: e.api}}, rpc.Options{})
		if err != nil {
			t.Fatal(err)
		}
		// wire checks that the response to an XML-RPC request (whose
		// results are encoded from the cache) is the encoding of what an
		// in-process call returns.
		wire := func(step, method string, params ...any) {
			t.Helper()
			body, err := xmlrpc.MarshalCall(method, params...)
			if err != nil {
				t.Fatal(err)
			}
			got, status := srv.Handle(context.Background(), bytes.NewReader(body))
			v, err := srv.Call(context.Background(), method, params)
			if err != nil {
				t.Fatal(err)
			}
			want, err := xmlrpc.MarshalResponse(v)
			if err != nil {
				t.Fatal(err)
			}
			if status != 200 || !bytes.Equal(got, want) {
				t.Errorf("%s: %s: HTTP %d\n%s\nwant\n%s", step, method, status, got, want)
			}
			srv.Release(got)
		}
		check := func(step string) {
			t.Helper()
			wire(step, "supervisor.getAllProcessInfo")
			wire(step, "supervisor.getProcessInfo", "g:p")
			wire(step, "system.multicall", []any{
				map[string]any{"methodName": "supervisor.getProcessInfo", "params": []any{"q"}},
				map[string]any{"methodName": "supervisor.getAllProcessInfo"},
				map[string]any{"methodName": "supervisor.getProcessInfo", "params": []any{"nope"}},
			})
			for _, spec := range []string{"g:p", "g:q"} {
				if got, want := fmt.Sprint(e.ok("getProcessInfo", spec)), fresh(spec); got != want {
					t.Errorf("%s: getProcessInfo(%s) = %s, want %s", step, spec, got, want)
				}
			}
			all := e.ok("getAllProcessInfo").([]any)
			if len(all) != 2 {
				t.Fatalf("%s: getAllProcessInfo = %v, want 2 structs", step, all)
			}
			for i, spec := range []string{"g:p", "g:q"} {
				if got, want := fmt.Sprint(all[i].(xmlrpc.Struct)), fresh(spec); got != want {
					t.Errorf("%s: getAllProcessInfo[%d] = %s, want %s", step, i, got, want)
				}
			}
		}

		check("stopped")
		if _, proc, _ := e.mgr.Lookup("g:p"); e.api.boxesOf(proc).encoded.Load() == nil {
			t.Fatal("the responses were not encoded from the cache")
		}
		before := fmt.Sprint(e.ok("getAllProcessInfo"))
		kept := e.ok("getAllProcessInfo")
		e.running("g:p")
		check("p running")
		now = now.Add(time.Second)
		check("a second later")
		now = now.Add(25 * time.Hour)
		check("a day later")
		e.ok("stopProcess", "g:p")
		check("p stopped")
		p.Stdout.Path = "/logs/p2.out"
		check("log path changed")
		if got := fmt.Sprint(kept); got != before {
			t.Errorf("an earlier result changed:\n%s\nwas\n%s", got, before)
		}

		// The boxes of removed processes are dropped.
		e.ok("removeProcessGroup", "g")
		e.ok("addProcessGroup", "g")
		check("group added again")
		if n := e.api.nboxes.Load(); n != 2 {
			t.Errorf("%d boxes cached for 2 processes", n)
		}
	})
}

// TestStateName checks stateName against process.State.String.
func TestStateName(t *testing.T) {
	for _, s := range []process.State{process.Stopped, process.Starting, process.Running, process.Backoff,
		process.Stopping, process.Exited, process.Fatal, process.Unknown, 7} {
		if got := stateName(s); got != s.String() {
			t.Errorf("stateName(%d) = %v, want %q", int(s), got, s.String())
		}
	}
}

// TestMethodFinder checks that Method finds what Methods lists.
func TestMethodFinder(t *testing.T) {
	e := newEnv(t)
	for _, m := range e.api.Methods() {
		got, ok := e.api.Method(m.Name)
		if !ok || got.Name != m.Name || got.Help != m.Help || fmt.Sprint(got.Signature) != fmt.Sprint(m.Signature) || got.Call == nil {
			t.Errorf("Method(%q) = %+v, %v", m.Name, got, ok)
		}
	}
	if _, ok := e.api.Method("nope"); ok {
		t.Error("Method(nope) found")
	}
}
