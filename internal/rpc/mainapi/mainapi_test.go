package mainapi

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/supervisorgo/supervisor/internal/config"
	"github.com/supervisorgo/supervisor/internal/process"
	"github.com/supervisorgo/supervisor/internal/spawn"
	"github.com/supervisorgo/supervisor/internal/supervisor"
	"github.com/supervisorgo/supervisor/plugin"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

func TestFactory(t *testing.T) {
	f, ok := plugin.Lookup(FactoryName)
	if !ok {
		t.Fatalf("%s is not registered", FactoryName)
	}
	if _, err := f(context.Background(), plugin.InitContext{Name: "supervisor", Host: bareHost{}}); err == nil ||
		!strings.Contains(err.Error(), "rpcinterface:supervisor") {
		t.Errorf("host without the interface: err = %v", err)
	}
	host := &fakeHost{}
	_, err := f(context.Background(), plugin.InitContext{Name: "supervisor", Host: host,
		Config: []plugin.KeyValue{{Key: "retries", Value: "3"}}})
	if err == nil || !strings.Contains(err.Error(), "unexpected keyword argument 'retries'") {
		t.Errorf("extra key: err = %v", err)
	}
	ns, err := f(context.Background(), plugin.InitContext{Name: "supervisor", Host: host})
	if err != nil {
		t.Fatal(err)
	}
	ms := ns.Methods()
	if len(ms) != 37 {
		t.Errorf("%d methods, want 37", len(ms))
	}
	ms[0].Name = "changed"
	if ns.Methods()[0].Name == "changed" {
		t.Error("Methods shares its slice with the caller")
	}
}

func TestSimpleGetters(t *testing.T) {
	e := newEnv(t)
	for name, want := range map[string]xmlrpc.Value{
		"getAPIVersion": "3.0", "getVersion": "3.0", "getSupervisorVersion": "4.2.5",
		"getIdentification": "supervisor", "getPID": 4242,
	} {
		if got := e.ok(name); got != want {
			t.Errorf("%s = %#v, want %#v", name, got, want)
		}
	}
	got := e.ok("getState")
	want := xmlrpc.Struct{{Name: "statecode", Value: 1}, {Name: "statename", Value: "RUNNING"}}
	if !slices.Equal(got.(xmlrpc.Struct), want) {
		t.Errorf("getState = %#v", got)
	}
	e.mgr.SetState(supervisor.Fatal) // 2 is not below RUNNING: no fault
	got = e.ok("getState")
	if got.(xmlrpc.Struct)[1].Value != "FATAL" {
		t.Errorf("getState = %#v", got)
	}
}

// validParams are parameters each method accepts, for the checks that
// come before any other (arity, shutdown state).
var validParams = map[string][]xmlrpc.Value{
	"readLog": {0, 0}, "readMainLog": {0, 0}, "addProcessGroup": {"a"}, "removeProcessGroup": {"a"},
	"startProcess": {"a"}, "startProcessGroup": {"a"}, "stopProcess": {"a"}, "stopProcessGroup": {"a"},
	"signalProcess": {"a", "HUP"}, "signalProcessGroup": {"a", "HUP"}, "signalAllProcesses": {"HUP"},
	"getProcessInfo": {"a"}, "readProcessStdoutLog": {"a", 0, 0}, "readProcessLog": {"a", 0, 0},
	"readProcessStderrLog": {"a", 0, 0}, "tailProcessStdoutLog": {"a", 0, 0}, "tailProcessLog": {"a", 0, 0},
	"tailProcessStderrLog": {"a", 0, 0}, "clearProcessLogs": {"a"}, "clearProcessLog": {"a"},
	"sendProcessStdin": {"a", "x"}, "sendRemoteCommEvent": {"t", "d"},
}

func TestArity(t *testing.T) {
	e := newEnv(t, grp("a", 1, prog("a", 1)))
	ref := referenceMethods(t)
	for _, m := range e.api.Methods() {
		r := ref[m.Name]
		if r.Min > 0 {
			params := slices.Repeat([]xmlrpc.Value{"a"}, r.Min-1)
			e.fault(2, "INCORRECT_PARAMETERS", m.Name, params...)
		}
		params := slices.Repeat([]xmlrpc.Value{"a"}, r.Max+1)
		e.fault(2, "INCORRECT_PARAMETERS", m.Name, params...)
	}
	// The arity check comes before the shutdown check.
	e.mgr.SetState(supervisor.Shutdown)
	e.fault(2, "INCORRECT_PARAMETERS", "getState", 1)
}

func TestShutdownState(t *testing.T) {
	for _, state := range []supervisor.State{supervisor.Shutdown, supervisor.Restarting} {
		e := newEnv(t, grp("a", 1, prog("a", 1)))
		e.mgr.SetState(state)
		for _, m := range e.api.Methods() {
			params := validParams[m.Name]
			if m.Name == "sendRemoteCommEvent" {
				if v := e.ok(m.Name, params...); v != true {
					t.Errorf("sendRemoteCommEvent = %v", v)
				}
				continue
			}
			e.fault(6, "SHUTDOWN_STATE", m.Name, params...)
		}
		// signalProcessGroup looks the group up first, but faults on the
		// state before reporting the unknown name.
		e.fault(6, "SHUTDOWN_STATE", "signalProcessGroup", "nope", "HUP")
		// An unhashable name is a TypeError at the lookup, before _update.
		e.fault(2, "INCORRECT_PARAMETERS", "signalProcessGroup", []any{1}, "HUP")
	}
}

func TestNameResolution(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		multi0, multi1 := prog("multi_00", 1), prog("multi_01", 1)
		e := newEnv(t, grp("solo", 1, prog("solo", 1)), grp("multi", 2, multi0, multi1))
		for _, tc := range []struct{ spec, want string }{
			{"solo", "solo"}, {"solo:solo", "solo"}, {"multi:multi_01", "multi_01"},
		} {
			info := e.ok("getProcessInfo", tc.spec).(xmlrpc.Struct)
			if info[0].Value != tc.want {
				t.Errorf("%s resolves to %v", tc.spec, info[0].Value)
			}
		}
		for _, spec := range []string{"nope", "multi_00", "multi:nope", "multi:*", "multi:", ":solo", "nope:solo"} {
			e.fault(10, "BAD_NAME: "+spec, "getProcessInfo", spec)
		}
		// A name that is not a string is the reference's internal error.
		if _, err := e.call("getProcessInfo", 5); err == nil || isFault(err) {
			t.Errorf("getProcessInfo(5): %v", err)
		}
	})
}

func isFault(err error) bool {
	var f *xmlrpc.Fault
	return errors.As(err, &f)
}

func TestStartProcess(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		quick := prog("quick", 1)
		quick.StartSecs = 0
		e := newEnv(t, grp("slow", 1, prog("slow", 1)), grp("quick", 1, quick), grp("nowait", 1, prog("nowait", 1)))

		start := time.Now()
		if v := e.ok("startProcess", "slow"); v != true {
			t.Fatalf("startProcess = %v", v)
		}
		if d := time.Since(start); d != time.Second {
			t.Errorf("startProcess waited %v, want startsecs (1s)", d)
		}
		if s := e.state("slow"); s != process.Running {
			t.Errorf("slow is %v", s)
		}
		e.fault(60, "ALREADY_STARTED: slow", "startProcess", "slow")
		e.fault(60, "ALREADY_STARTED: slow:slow", "startProcess", "slow:slow")

		start = time.Now()
		e.ok("startProcess", "quick")
		if d := time.Since(start); d != 0 || e.state("quick") != process.Running {
			t.Errorf("startsecs=0: waited %v, state %v", d, e.state("quick"))
		}

		start = time.Now()
		e.ok("startProcess", "nowait", false)
		if d := time.Since(start); d != 0 || e.state("nowait") != process.Starting {
			t.Errorf("wait=false: waited %v, state %v", d, e.state("nowait"))
		}
		// wait is read with Python's truthiness.
		e.ok("stopProcess", "nowait")
		e.ok("startProcess", "nowait", 0)
		if s := e.state("nowait"); s != process.Starting {
			t.Errorf("wait=0: state %v", s)
		}
		e.ok("stopProcess", "nowait")
		e.ok("startProcess", "nowait", "")
		if s := e.state("nowait"); s != process.Starting {
			t.Errorf("wait='': state %v", s)
		}
	})
}

func TestStartProcessFaults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, grp("broken", 1, prog("broken", 1)), grp("early", 1, prog("early", 1)),
			grp("cmd", 1, prog("cmd", 1)), grp("dir", 1, prog("dir", 1)), grp("victim", 1, prog("victim", 1)),
			grp("odd", 1, prog("odd", 1)))
		e.sp.set("broken", behaviour{spawnErr: errors.New("can't find command '/bin/broken'")})
		e.sp.set("early", behaviour{life: 500 * time.Millisecond})
		e.sp.set("odd", behaviour{signalErr: syscall.EPERM})
		e.host.commandErr["cmd"] = &spawn.Error{Kind: spawn.NotFound, Msg: "can't find command '/bin/cmd'"}
		e.host.commandErr["dir"] = &spawn.Error{Kind: spawn.NotExecutable, Msg: "command at '/bin/dir' is a directory"}

		e.fault(10, "BAD_NAME: nope", "startProcess", "nope")
		e.fault(20, "NO_FILE: can't find command '/bin/cmd'", "startProcess", "cmd")
		e.fault(21, "NOT_EXECUTABLE: command at '/bin/dir' is a directory", "startProcess", "dir")
		e.fault(50, "SPAWN_ERROR: broken", "startProcess", "broken")
		if info := e.proc("broken").Info(); info.State != process.Backoff || info.SpawnErr == "" {
			t.Errorf("broken: %v %q", info.State, info.SpawnErr)
		}
		e.fault(60, "ALREADY_STARTED: broken", "startProcess", "broken") // BACKOFF is a running state
		start := time.Now()
		e.fault(50, "SPAWN_ERROR: early", "startProcess", "early")
		if d := time.Since(start); d != 500*time.Millisecond {
			t.Errorf("early exit reported after %v", d)
		}
		if s := e.proc("early").Info().SpawnErr; s != "Exited too quickly (process log may have details)" {
			t.Errorf("spawnerr %q", s)
		}

		// The command check comes before the state check.
		e.running("odd")
		e.host.commandErr["odd"] = &spawn.Error{Kind: spawn.NotFound, Msg: "can't find command '/bin/odd'"}
		e.fault(20, "NO_FILE: can't find command '/bin/odd'", "startProcess", "odd")
		delete(e.host.commandErr, "odd")

		// A kill that fails leaves the process UNKNOWN.
		pid := e.proc("odd").Info().Pid
		e.fault(30, "FAILED: unknown problem killing odd ("+itoa(pid)+"):operation not permitted", "stopProcess", "odd")
		if s := e.state("odd"); s != process.Unknown {
			t.Fatalf("odd is %v", s)
		}
		e.fault(30, "FAILED: odd is in an unknown process state", "startProcess", "odd")

		// Stopped while waiting for RUNNING: ABNORMAL_TERMINATION.
		type result struct {
			v   xmlrpc.Value
			err error
		}
		res := make(chan result, 1)
		go func() {
			v, err := e.call("startProcess", "victim")
			res <- result{v, err}
		}()
		synctest.Wait()
		if s := e.state("victim"); s != process.Starting {
			t.Fatalf("victim is %v", s)
		}
		e.ok("stopProcess", "victim", false)
		r := <-res
		var f *xmlrpc.Fault
		if !errors.As(r.err, &f) || f.Code != 40 || f.String != "ABNORMAL_TERMINATION: victim" {
			t.Errorf("startProcess(victim) = %v, %v", r.v, r.err)
		}
	})
}

func itoa(n int) string { return strings.TrimSpace(pyRepr(n)) }

func TestWaitingBlocksNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		slow := prog("slow", 1)
		slow.StartSecs = 30
		e := newEnv(t, grp("slow", 1, slow), grp("other", 1, prog("other", 1)))
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() {
			_, err := e.callCtx(ctx, "startProcess", "slow")
			errc <- err
		}()
		synctest.Wait()
		// Other calls are answered while one waits.
		e.ok("getState")
		e.ok("startProcess", "other")
		if s := e.state("other"); s != process.Running {
			t.Errorf("other is %v", s)
		}
		select {
		case err := <-errc:
			t.Fatalf("startProcess(slow) returned early: %v", err)
		default:
		}
		// The client goes away: the call ends with the context.
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled call: %v", err)
		}
		if s := e.state("slow"); s != process.Starting {
			t.Errorf("slow is %v", s)
		}
	})
}

func TestStopProcess(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		stubborn := prog("stubborn", 1)
		stubborn.StopWaitSecs = 5
		e := newEnv(t, grp("a", 1, prog("a", 1)), grp("b", 1, prog("b", 1)), grp("stubborn", 1, stubborn),
			grp("backoff", 1, prog("backoff", 1)))
		e.sp.set("a", behaviour{dieAfter: 300 * time.Millisecond})
		e.sp.set("b", behaviour{dieAfter: 300 * time.Millisecond})
		e.sp.set("stubborn", behaviour{stubborn: true})
		e.sp.set("backoff", behaviour{spawnErr: errors.New("can't find command '/bin/backoff'")})

		e.fault(70, "NOT_RUNNING: a", "stopProcess", "a")
		e.running("a", "b", "stubborn")

		start := time.Now()
		e.ok("stopProcess", "a")
		if d := time.Since(start); d != 300*time.Millisecond || e.state("a") != process.Stopped {
			t.Errorf("stop a: waited %v, state %v", d, e.state("a"))
		}
		e.fault(70, "NOT_RUNNING: a", "stopProcess", "a")

		e.ok("stopProcess", "b", false)
		if s := e.state("b"); s != process.Stopping {
			t.Errorf("wait=false: b is %v", s)
		}

		start = time.Now()
		e.ok("stopProcess", "stubborn")
		if d := time.Since(start); d != 5*time.Second {
			t.Errorf("stubborn stopped after %v, want stopwaitsecs", d)
		}
		if got := strings.Count(e.log.String(), "waiting for stubborn to stop"); got != 3 {
			t.Errorf("%d 'waiting for stubborn to stop' lines (at 0, 2 and 4 s), want 3:\n%s", got, e.log.String())
		}
		want := []string{"a SIGTERM", "b SIGTERM", "stubborn SIGTERM", "stubborn SIGKILL"}
		if got := e.sp.sent(); !slices.Equal(got, want) {
			t.Errorf("signals %q, want %q", got, want)
		}

		// BACKOFF goes to STOPPED without a signal.
		e.fault(50, "SPAWN_ERROR: backoff", "startProcess", "backoff")
		e.ok("stopProcess", "backoff")
		if s := e.state("backoff"); s != process.Stopped {
			t.Errorf("backoff is %v", s)
		}
	})
}

func TestGroupStartStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b, c, d := prog("a", 1), prog("b", 2), prog("c", 3), prog("d", 4)
		a.StartSecs, b.StartSecs = 3, 1
		e := newEnv(t, grp("g", 5, a, b, c, d), grp("other", 1, prog("x", 1)))
		e.sp.set("d", behaviour{spawnErr: errors.New("can't find command '/bin/d'")})
		e.sp.set("a", behaviour{dieAfter: time.Second})
		e.sp.set("b", behaviour{dieAfter: 2 * time.Second})
		e.running("g:c")

		// Faults and immediate outcomes first, in priority order; the
		// waited-for processes as they become RUNNING (b before a);
		// c, already running, is not in the result.
		got := statuses(t, e.ok("startProcessGroup", "g"))
		want := []string{"d:g:50:SPAWN_ERROR: g:d", "b:g:80:OK", "a:g:80:OK"}
		if !slices.Equal(got, want) {
			t.Errorf("startProcessGroup = %q, want %q", got, want)
		}
		// Everything is in a running state now (d in BACKOFF): nothing to do.
		if got := statuses(t, e.ok("startProcessGroup", "g")); len(got) != 0 {
			t.Errorf("second startProcessGroup = %q", got)
		}

		// Stop: the running processes, d (BACKOFF) included. d stops at
		// once (no signal), c as soon as signalled: those two first, then a
		// after 1 s and b after 2 s.
		got = statuses(t, e.ok("stopProcess", "g:*"))
		if len(got) != 4 || !sameSet(got[:2], []string{"c:g:80:OK", "d:g:80:OK"}) ||
			!slices.Equal(got[2:], []string{"a:g:80:OK", "b:g:80:OK"}) {
			t.Errorf("stopProcess(g:*) = %q", got)
		}
		if got := statuses(t, e.ok("stopProcessGroup", "g")); len(got) != 0 {
			t.Errorf("stopProcessGroup on a stopped group = %q", got)
		}

		// wait=false: everything answered at once, in priority order.
		got = statuses(t, e.ok("startProcess", "g:", false))
		want = []string{"a:g:80:OK", "b:g:80:OK", "c:g:80:OK", "d:g:50:SPAWN_ERROR: g:d"}
		if !slices.Equal(got, want) {
			t.Errorf("startProcess(g:, false) = %q, want %q", got, want)
		}
		got = statuses(t, e.ok("stopProcessGroup", "g", false))
		want = []string{"a:g:80:OK", "b:g:80:OK", "c:g:80:OK", "d:g:80:OK"}
		if !slices.Equal(got, want) {
			t.Errorf("stopProcessGroup(g, false) = %q, want %q", got, want)
		}

		e.fault(10, "BAD_NAME: nope", "startProcessGroup", "nope")
		e.fault(10, "BAD_NAME: nope", "stopProcessGroup", "nope")
		e.fault(10, "BAD_NAME: nope:*", "startProcess", "nope:*")
		e.fault(10, "BAD_NAME: 5", "startProcessGroup", 5)
		e.fault(10, "BAD_NAME: None", "stopProcessGroup", nil)
		e.fault(2, "INCORRECT_PARAMETERS", "startProcessGroup", []any{"g"})
		e.fault(2, "INCORRECT_PARAMETERS", "stopProcessGroup", map[string]any{})
	})
}

func sameSet(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

func TestAllProcesses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		late := prog("late", 1)
		late.StartSecs = 2
		e := newEnv(t, grp("web", 20, prog("web", 1)), grp("db", 10, prog("db", 1)), grp("late", 5, late))
		e.sp.set("db", behaviour{dieAfter: 500 * time.Millisecond})
		got := statuses(t, e.ok("startAllProcesses"))
		// db and web become RUNNING at the same instant; late after 2 s.
		if len(got) != 3 || !sameSet(got[:2], []string{"db:db:80:OK", "web:web:80:OK"}) || got[2] != "late:late:80:OK" {
			t.Errorf("startAllProcesses = %q", got)
		}
		if got := statuses(t, e.ok("startAllProcesses", true)); len(got) != 0 {
			t.Errorf("startAllProcesses with everything running = %q", got)
		}
		got = statuses(t, e.ok("stopAllProcesses"))
		if len(got) != 3 || !sameSet(got[:2], []string{"late:late:80:OK", "web:web:80:OK"}) || got[2] != "db:db:80:OK" {
			t.Errorf("stopAllProcesses = %q", got)
		}
		got = statuses(t, e.ok("startAllProcesses", false))
		want := []string{"late:late:80:OK", "db:db:80:OK", "web:web:80:OK"} // group priority order
		if !slices.Equal(got, want) {
			t.Errorf("startAllProcesses(false) = %q, want %q", got, want)
		}
		got = statuses(t, e.ok("stopAllProcesses", false))
		if !slices.Equal(got, want) {
			t.Errorf("stopAllProcesses(false) = %q, want %q", got, want)
		}
	})
}

func TestSignal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, grp("p", 1, prog("p", 1)), grp("g", 2, prog("x", 1), prog("y", 2), prog("z", 3)),
			grp("bad", 3, prog("bad", 1)))
		e.sp.set("bad", behaviour{signalErr: syscall.EPERM})
		e.fault(70, "NOT_RUNNING: p", "signalProcess", "p", "HUP")
		e.fault(11, "BAD_SIGNAL: FOO", "signalProcess", "p", "FOO") // the signal is checked first
		e.running("p", "g:x", "g:z", "bad")
		for _, sig := range []xmlrpc.Value{"HUP", "sighup", " SIGUSR1 ", "1", 10, true, 12.7, "SIG_DFL", "0", "_ign"} {
			if v := e.ok("signalProcess", "p", sig); v != true {
				t.Errorf("signalProcess(p, %#v) = %v", sig, v)
			}
		}
		want := []string{"p SIGHUP", "p SIGHUP", "p SIGUSR1", "p SIGHUP", "p SIGUSR1", "p SIGHUP", "p SIGUSR2",
			"p signal 0", "p signal 0", "p SIGHUP"}
		if got := e.sp.sent(); !slices.Equal(got, want) {
			t.Errorf("signals %q, want %q", got, want)
		}
		for _, sig := range []xmlrpc.Value{"FOO", "99", 99, -1, "32", "", "SIGRTMIN+1"} {
			e.fault(11, "BAD_SIGNAL: "+pyStr(sig), "signalProcess", "p", sig)
		}
		// Neither a number nor text: the reference's internal error.
		if _, err := e.call("signalProcess", "p", []any{}); err == nil || isFault(err) {
			t.Errorf("signalProcess(p, []): %v", err)
		}
		e.fault(10, "BAD_NAME: nope", "signalProcess", "nope", "HUP")
		e.fault(30, "FAILED: unknown problem sending sig bad ("+itoa(e.proc("bad").Info().Pid)+"):operation not permitted",
			"signalProcess", "bad", "HUP")
		if s := e.state("bad"); s != process.Unknown {
			t.Errorf("bad is %v", s)
		}

		// Groups: only signallable processes (y is stopped), in order.
		got := statuses(t, e.ok("signalProcessGroup", "g", "USR2"))
		if want := []string{"x:g:80:OK", "z:g:80:OK"}; !slices.Equal(got, want) {
			t.Errorf("signalProcessGroup = %q, want %q", got, want)
		}
		got = statuses(t, e.ok("signalProcess", "g:*", "USR2"))
		if want := []string{"x:g:80:OK", "z:g:80:OK"}; !slices.Equal(got, want) {
			t.Errorf("signalProcess(g:*) = %q, want %q", got, want)
		}
		// A bad signal is a fault per process, not for the call.
		got = statuses(t, e.ok("signalProcessGroup", "g", "NOPE"))
		if want := []string{"x:g:11:BAD_SIGNAL: NOPE", "z:g:11:BAD_SIGNAL: NOPE"}; !slices.Equal(got, want) {
			t.Errorf("signalProcessGroup(NOPE) = %q, want %q", got, want)
		}
		e.fault(10, "BAD_NAME: nope", "signalProcessGroup", "nope", "HUP")

		got = statuses(t, e.ok("signalAllProcesses", "HUP"))
		if want := []string{"p:p:80:OK", "x:g:80:OK", "z:g:80:OK"}; !slices.Equal(got, want) {
			t.Errorf("signalAllProcesses = %q, want %q", got, want)
		}
		e.ok("stopAllProcesses")
		// Nothing signallable: an empty array, even for a bad signal.
		if got := statuses(t, e.ok("signalAllProcesses", "NOPE")); len(got) != 0 {
			t.Errorf("signalAllProcesses with nothing running = %q", got)
		}
	})
}

func TestProcessInfo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := prog("p", 1)
		p.Stdout.Path = "/var/log/p.out"
		q := prog("q", 1)
		q.Stdout.Auto, q.Stderr.Auto = true, true
		e := newEnv(t, grp("p", 1, p), grp("g", 2, q, prog("a", 2)))
		e.api.loc = time.UTC
		info := e.ok("getProcessInfo", "p").(xmlrpc.Struct)
		now := int(time.Now().Unix())
		want := xmlrpc.Struct{
			{Name: "name", Value: "p"}, {Name: "group", Value: "p"}, {Name: "start", Value: 0},
			{Name: "stop", Value: 0}, {Name: "now", Value: now}, {Name: "state", Value: 0},
			{Name: "statename", Value: "STOPPED"}, {Name: "spawnerr", Value: ""}, {Name: "exitstatus", Value: 0},
			{Name: "logfile", Value: "/var/log/p.out"}, {Name: "stdout_logfile", Value: "/var/log/p.out"},
			{Name: "stderr_logfile", Value: ""}, {Name: "pid", Value: 0}, {Name: "description", Value: "Not started"},
		}
		if !slices.Equal(info, want) {
			t.Errorf("getProcessInfo(p) =\n%v\nwant\n%v", info, want)
		}
		e.running("p")
		time.Sleep(time.Hour + 5*time.Second)
		info = e.ok("getProcessInfo", "p").(xmlrpc.Struct)
		pid := e.proc("p").Info().Pid
		if d := info[13].Value; d != "pid "+itoa(pid)+", uptime 1:00:06" {
			t.Errorf("description %q", d)
		}
		e.ok("stopProcess", "p")
		info = e.ok("getProcessInfo", "p").(xmlrpc.Struct)
		if d, want := info[13].Value, time.Now().UTC().Format("Jan 02 03:04 PM"); d != want {
			t.Errorf("description %q, want %q", d, want)
		}
		if info[11].Value != "" || info[8].Value != -1 {
			t.Errorf("stderr_logfile %v exitstatus %v", info[11].Value, info[8].Value)
		}

		info = e.ok("getProcessInfo", "g:q").(xmlrpc.Struct)
		if info[10].Value != "/tmp/q-stdout---supervisor-x1y2z3.log" || info[1].Value != "g" {
			t.Errorf("getProcessInfo(g:q) = %v", info)
		}

		var names []string
		for _, v := range e.ok("getAllProcessInfo").([]any) {
			s := v.(xmlrpc.Struct)
			names = append(names, s[1].Value.(string)+":"+s[0].Value.(string))
		}
		if want := []string{"g:a", "g:q", "p:p"}; !slices.Equal(names, want) {
			t.Errorf("getAllProcessInfo order %q, want %q", names, want)
		}
	})
}

func TestDescribe(t *testing.T) {
	loc := time.FixedZone("X", 3600)
	for _, tc := range []struct {
		state                  process.State
		start, stop, now, pid  int
		spawnerr, name, expect string
	}{
		{process.Running, 100, 0, 103, 7, "", "p", "pid 7, uptime 0:00:03"},
		{process.Running, 0, 0, 86401, 7, "", "p", "pid 7, uptime 1 day, 0:00:01"},
		{process.Running, 0, 0, 5*86400 + 3600*7 + 18*60 + 14, 7, "", "p", "pid 7, uptime 5 days, 7:18:14"},
		{process.Running, 200, 0, 100, 7, "", "p", "pid 7, uptime 0:00:00"},
		{process.Backoff, 1, 0, 2, 0, "", "p", `unknown error (try "tail p")`},
		{process.Fatal, 1, 0, 2, 0, "Exited too quickly (process log may have details)", "p", "Exited too quickly (process log may have details)"},
		{process.Stopped, 0, 500, 2, 0, "", "p", "Not started"},
		{process.Exited, 1, 0, 2, 0, "", "p", "Jan 01 01:00 AM"},
		{process.Stopped, 1, 1700000000, 2, 0, "", "p", "Nov 14 11:13 PM"},
		{process.Starting, 1, 1, 2, 3, "x", "p", ""},
		{process.Stopping, 1, 1, 2, 3, "x", "p", ""},
		{process.Unknown, 1, 1, 2, 3, "x", "p", ""},
	} {
		if got := describe(tc.state, tc.start, tc.stop, tc.now, tc.pid, tc.spawnerr, tc.name, loc); got != tc.expect {
			t.Errorf("describe(%v, %d, %d, %d) = %q, want %q", tc.state, tc.start, tc.stop, tc.now, got, tc.expect)
		}
	}
	for _, tc := range []struct {
		t    time.Time
		want int
	}{
		{time.Time{}, 0},
		{time.Unix(1700000000, 999999999), 1700000000},
		{time.Unix(1<<40, 0), xmlrpc.MaxInt},
		{time.Unix(-1<<40, 0), xmlrpc.MinInt},
		{time.Unix(-5, 500), -4},
	} {
		if got := cappedInt(tc.t); got != tc.want {
			t.Errorf("cappedInt(%v) = %d, want %d", tc.t, got, tc.want)
		}
	}
}

func TestGetAllConfigInfo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		web := prog("web", 5)
		web.Stdout.Auto, web.Stderr.Auto = true, true
		web.User, web.UID = "www", 33
		web.Directory = "/srv"
		web.ServerURL = "unix:///tmp/s.sock"
		web.ExitCodes = []int{0, 2}
		idle := prog("idle", 1)
		idle.Stdout.Auto, idle.Stderr.Path = true, "/var/log/idle.err"
		e := newEnv(t, grp("web", 3, web))
		e.host.cfg = &config.Config{Groups: []*config.Group{grp("web", 3, web), grp("zz", 9, idle)}}
		got := e.ok("getAllConfigInfo").([]any)
		if len(got) != 2 {
			t.Fatalf("%d entries", len(got))
		}
		first, second := got[0].(xmlrpc.Struct).Map(), got[1].(xmlrpc.Struct).Map()
		if first["name"] != "idle" || second["name"] != "web" {
			t.Fatalf("not sorted by name: %v, %v", first["name"], second["name"])
		}
		for k, want := range map[string]any{
			"inuse": false, "group": "zz", "group_prio": 9, "stdout_logfile": "auto", "stderr_logfile": "/var/log/idle.err",
			"directory": "none", "uid": "none", "serverurl": "none", "stopsignal": 15, "process_prio": 1,
		} {
			if first[k] != want {
				t.Errorf("idle %s = %#v, want %#v", k, first[k], want)
			}
		}
		for k, want := range map[string]any{
			"inuse": true, "stdout_logfile": "/tmp/web-stdout---supervisor-x1y2z3.log", "uid": 33,
			"directory": "/srv", "serverurl": "unix:///tmp/s.sock",
		} {
			if second[k] != want {
				t.Errorf("web %s = %#v, want %#v", k, second[k], want)
			}
		}
		if !slices.Equal(second["exitcodes"].([]any), []any{0, 2}) {
			t.Errorf("exitcodes %v", second["exitcodes"])
		}
		if len(got[0].(xmlrpc.Struct)) != 29 {
			t.Errorf("%d keys, want 29", len(got[0].(xmlrpc.Struct)))
		}
	})
}

func TestGroupAddRemoveReload(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := grp("a", 1, prog("a", 1))
		e := newEnv(t, a)
		b := grp("b", 2, prog("b", 1))
		b.Processes[0].Stdout.Auto = true
		e.host.cfg = &config.Config{Groups: []*config.Group{a, b}, Supervisord: config.Supervisord{ChildLogDir: "/logs"}}

		e.fault(90, "ALREADY_ADDED: a", "addProcessGroup", "a")
		e.fault(10, "BAD_NAME: nope", "addProcessGroup", "nope")
		e.fault(10, "BAD_NAME: [1]", "addProcessGroup", []any{1})
		e.ok("addProcessGroup", "b")
		if e.mgr.Group("b") == nil {
			t.Fatal("b not added")
		}
		if p := e.proc("b").Config().Stdout.Path; p != "/logs/b-stdout---supervisor-x1y2z3.log" {
			t.Errorf("AUTO log not named: %q", p)
		}

		e.running("b")
		e.fault(91, "STILL_RUNNING: b", "removeProcessGroup", "b")
		e.ok("stopProcess", "b")
		e.ok("removeProcessGroup", "b")
		e.fault(10, "BAD_NAME: b", "removeProcessGroup", "b")
		e.fault(10, "BAD_NAME: 5", "removeProcessGroup", 5)
		e.fault(2, "INCORRECT_PARAMETERS", "removeProcessGroup", []any{"a"})

		// reloadConfig: a changed, c added; b is not active any more.
		a2 := grp("a", 1, prog("a", 1))
		a2.Processes[0].Command = "/bin/a --new"
		c := grp("c", 3, prog("c", 1))
		e.host.next = &config.Config{Groups: []*config.Group{a2, c}}
		got := e.ok("reloadConfig")
		want := []any{[]any{[]any{"c"}, []any{"a"}, []any{}}}
		if !equalValues(got, want) {
			t.Errorf("reloadConfig = %#v, want %#v", got, want)
		}
		if e.host.Config() != e.host.next {
			t.Error("reloadConfig did not keep the new configuration")
		}
		e.ok("addProcessGroup", "c") // from the last-read configuration
		e.host.next = &config.Config{}
		got = e.ok("reloadConfig")
		want = []any{[]any{[]any{}, []any{}, []any{"a", "c"}}}
		if !equalValues(got, want) {
			t.Errorf("reloadConfig = %#v, want %#v", got, want)
		}
		e.host.rereadErr = errors.New("could not find config file /nope.conf")
		e.fault(92, "CANT_REREAD: could not find config file /nope.conf", "reloadConfig")
	})
}

func equalValues(a, b any) bool {
	x, ok1 := a.([]any)
	y, ok2 := b.([]any)
	if ok1 && ok2 {
		return slices.EqualFunc(x, y, equalValues)
	}
	return a == b
}

func TestShutdownRestart(t *testing.T) {
	e := newEnv(t)
	if v := e.ok("shutdown"); v != true || e.host.shutdowns != 1 {
		t.Fatalf("shutdown = %v (%d requests)", v, e.host.shutdowns)
	}
	e.fault(6, "SHUTDOWN_STATE", "shutdown")
	e.fault(6, "SHUTDOWN_STATE", "restart")
	e.mgr.SetState(supervisor.Running)
	if v := e.ok("restart"); v != true || e.host.restarts != 1 || e.mgr.State() != supervisor.Restarting {
		t.Fatalf("restart = %v (%d requests, state %v)", v, e.host.restarts, e.mgr.State())
	}
	e.fault(6, "SHUTDOWN_STATE", "getState")
}

func TestStdinAndRemoteComm(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		stubborn := prog("s", 1)
		e := newEnv(t, grp("p", 1, prog("p", 1)), grp("s", 1, stubborn))
		e.sp.set("s", behaviour{stubborn: true})
		e.fault(2, "INCORRECT_PARAMETERS: 5", "sendProcessStdin", "nope", 5) // checked before the name
		e.fault(2, "INCORRECT_PARAMETERS: None", "sendProcessStdin", "p", nil)
		e.fault(2, "INCORRECT_PARAMETERS: ['a', 1]", "sendProcessStdin", "p", []any{"a", 1})
		e.fault(10, "BAD_NAME: nope", "sendProcessStdin", "nope", "x")
		e.fault(70, "NOT_RUNNING: p", "sendProcessStdin", "p", "x")
		e.running("p", "s")
		e.ok("sendProcessStdin", "p", "héllo\n")
		e.ok("sendProcessStdin", "p:p", "again")
		if got := e.host.stdin["p"]; got != "héllo\nagain" {
			t.Errorf("stdin got %q", got)
		}
		e.ok("stopProcess", "s", false) // STOPPING: being killed
		e.fault(70, "NOT_RUNNING: s", "sendProcessStdin", "s", "x")
		e.host.stdinErr = ErrStdinClosed
		e.fault(20, "NO_FILE: p", "sendProcessStdin", "p", "x")
		e.host.stdinErr = process.ErrNotRunning
		e.fault(70, "NOT_RUNNING: p", "sendProcessStdin", "p", "x")

		e.ok("sendRemoteCommEvent", "type", "data")
		e.ok("sendRemoteCommEvent", 5, []any{"x"})
		if got := e.host.remote; !slices.Equal(got, []string{"type|data", "5|['x']"}) {
			t.Errorf("remote events %q", got)
		}
	})
}

func TestPyConversions(t *testing.T) {
	for _, tc := range []struct {
		v    xmlrpc.Value
		repr string
	}{
		{nil, "None"}, {true, "True"}, {5, "5"}, {1.5, "1.5"}, {2.0, "2.0"}, {"a'b", `"a'b"`},
		{"a'\"b", `'a\'"b'`}, {"\x00\n", `'\x00\n'`}, {[]any{1, "x", []any{}}, "[1, 'x', []]"},
		{map[string]any{"b": 1, "a": false}, "{'a': False, 'b': 1}"},
		{time.Date(2024, 1, 2, 3, 4, 0, 0, time.UTC), "datetime.datetime(2024, 1, 2, 3, 4)"},
	} {
		if got := pyRepr(tc.v); got != tc.repr {
			t.Errorf("pyRepr(%#v) = %s, want %s", tc.v, got, tc.repr)
		}
	}
	if got := pyStr(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)); got != "2024-01-02 03:04:05" {
		t.Errorf("pyStr(datetime) = %s", got)
	}
	for _, v := range []xmlrpc.Value{nil, []any{}, map[string]any{}, time.Time{}} {
		if _, err := intArg(v); !errors.Is(err, errTypeError) {
			t.Errorf("intArg(%#v) = %v, want a TypeError", v, err)
		}
	}
	for v, want := range map[xmlrpc.Value]int64{true: 1, 2.9: 2, -2.9: -2, " 1_0 ": 10, "-7": -7} {
		if got, err := intArg(v); err != nil || got != want {
			t.Errorf("intArg(%#v) = %d, %v", v, got, err)
		}
	}
	for _, v := range []string{"", "1__0", "_1", "0x10", "1.5"} {
		if _, err := intArg(v); err == nil || errors.Is(err, errTypeError) {
			t.Errorf("intArg(%q) = %v, want a ValueError", v, err)
		}
	}
}

func TestLogs(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	p := prog("p", 1)
	p.Stdout.Path = write("p.out", "hello\nworld\n")
	p.Stderr.Path = write("p.err", "oops\n")
	missing := prog("missing", 2)
	missing.Stdout.Path = filepath.Join(dir, "nope.out")
	none := prog("none", 3)
	bad := prog("bad", 4)
	bad.Stdout.Path = write("bad.out", "ok\xff\n")
	e := newEnv(t, grp("p", 1, p), grp("g", 2, missing, none), grp("bad", 3, bad))

	// The main log.
	e.fault(20, "NO_FILE", "readLog", 0, 0)
	e.fault(20, "NO_FILE", "clearLog")
	e.host.mainLog = filepath.Join(dir, "main.log")
	e.fault(20, "NO_FILE: "+e.host.mainLog, "readLog", 0, 0)
	e.fault(20, "NO_FILE", "clearLog")
	write("main.log", "0123456789")
	for _, tc := range []struct {
		method         string
		offset, length xmlrpc.Value
		want           string
	}{
		{"readLog", 0, 0, "0123456789"}, {"readMainLog", 2, 3, "234"}, {"readLog", -4, 0, "6789"},
		{"readLog", -40, 0, "0123456789"}, {"readLog", 20, 0, ""}, {"readLog", "3", 1.9, "3"},
	} {
		if got := e.ok(tc.method, tc.offset, tc.length); got != tc.want {
			t.Errorf("%s(%v, %v) = %q, want %q", tc.method, tc.offset, tc.length, got, tc.want)
		}
	}
	e.fault(3, "BAD_ARGUMENTS", "readLog", -1, 5)
	e.fault(3, "BAD_ARGUMENTS", "readLog", 0, -1)
	e.fault(2, "INCORRECT_PARAMETERS", "readLog", []any{}, 0)
	if _, err := e.call("readLog", "x", 0); err == nil || isFault(err) {
		t.Errorf("readLog('x', 0): %v", err)
	}
	if v := e.ok("clearLog"); v != true || !slices.Equal(e.host.cleared, []string{"main"}) {
		t.Errorf("clearLog = %v, host saw %q", v, e.host.cleared)
	}
	e.host.clearErr = errors.New("EACCES")
	e.fault(30, "FAILED", "clearLog")

	// Process logs.
	for _, m := range []string{"readProcessStdoutLog", "readProcessLog"} {
		if got := e.ok(m, "p", 6, 0); got != "world\n" {
			t.Errorf("%s = %q", m, got)
		}
	}
	if got := e.ok("readProcessStderrLog", "p:p", -3, 0); got != "ps\n" {
		t.Errorf("readProcessStderrLog = %q", got)
	}
	e.fault(20, "NO_FILE: "+missing.Stdout.Path, "readProcessStdoutLog", "g:missing", 0, 0)
	// A log file the host creates late (an AUTO log during the start-up)
	// is made to exist before it is read.
	e.host.mu.Lock()
	e.host.late = map[string]bool{missing.Stdout.Path: true}
	e.host.mu.Unlock()
	if got := e.ok("readProcessStdoutLog", "g:missing", 0, 0); got != "" {
		t.Errorf("readProcessStdoutLog of a late log = %q, want \"\"", got)
	}
	os.Remove(missing.Stdout.Path)
	e.fault(20, "NO_FILE", "readProcessStdoutLog", "g:none", 0, 0)
	e.fault(20, "NO_FILE", "readProcessStderrLog", "g:none", "not even checked", 0)
	e.fault(10, "BAD_NAME: g:*", "readProcessStdoutLog", "g:*", 0, 0)
	e.fault(10, "BAD_NAME: nope", "readProcessStdoutLog", "nope", 0, 0)
	e.fault(3, "BAD_ARGUMENTS", "readProcessStdoutLog", "p", -1, 1)
	if _, err := e.call("readProcessStdoutLog", "bad", 0, 0); err == nil || isFault(err) {
		t.Errorf("undecodable log: %v", err)
	}

	for _, tc := range []struct {
		method, name   string
		offset, length int
		want           []any
	}{
		{"tailProcessStdoutLog", "p", 0, 2, []any{"d\n", 12, true}},
		{"tailProcessLog", "p", 0, 100, []any{"hello\nworld\n", 12, false}},
		{"tailProcessStdoutLog", "p", 10, 5, []any{"orld\n", 12, false}},
		{"tailProcessStdoutLog", "p", 12, 5, []any{"", 12, false}},
		{"tailProcessStderrLog", "p", 0, 2, []any{"s\n", 5, true}},
		{"tailProcessStdoutLog", "g:missing", 0, 2, []any{"", 0, false}},
		{"tailProcessStderrLog", "g:none", 0, 2, []any{"", 0, false}},
	} {
		if got := e.ok(tc.method, tc.name, tc.offset, tc.length); !equalValues(got, tc.want) {
			t.Errorf("%s(%s, %d, %d) = %#v, want %#v", tc.method, tc.name, tc.offset, tc.length, got, tc.want)
		}
	}
	e.fault(10, "BAD_NAME: g:", "tailProcessStdoutLog", "g:", 0, 1)
	e.fault(2, "INCORRECT_PARAMETERS", "tailProcessStdoutLog", "p", nil, 1)

	// Clearing process logs is the host's; its failure is FAILED: name.
	e.host.cleared = nil
	e.ok("clearProcessLogs", "p")
	e.ok("clearProcessLog", "g:none")
	e.fault(10, "BAD_NAME: g:*", "clearProcessLogs", "g:*")
	e.host.clearLogErr["none"] = errors.New("EACCES")
	e.fault(30, "FAILED: g:none", "clearProcessLogs", "g:none")
	got := statuses(t, e.ok("clearAllProcessLogs"))
	want := []string{"p:p:80:OK", "missing:g:80:OK", "none:g:30:FAILED: g:none", "bad:bad:80:OK"}
	if !slices.Equal(got, want) {
		t.Errorf("clearAllProcessLogs = %q, want %q", got, want)
	}
	if want := []string{"p", "none", "none", "p", "missing", "none", "bad"}; !slices.Equal(e.host.cleared, want) {
		t.Errorf("host cleared %q, want %q", e.host.cleared, want)
	}
}
