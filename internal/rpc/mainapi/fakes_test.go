package mainapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/supervisorgo/supervisor/internal/config"
	"github.com/supervisorgo/supervisor/internal/process"
	"github.com/supervisorgo/supervisor/internal/supervisor"
	"github.com/supervisorgo/supervisor/plugin"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

// behaviour scripts the children of one program for the fake spawner.
type behaviour struct {
	spawnErr  error         // every spawn fails with this
	life      time.Duration // exits on its own after this (0: never)
	code      int           // with this exit code
	stubborn  bool          // only SIGKILL ends it
	dieAfter  time.Duration // how long a fatal signal takes to end it
	signalErr error         // Signal fails with this
}

// fatal reports whether sig ends a child that is not stubborn.
func fatal(sig syscall.Signal) bool {
	switch sig {
	case syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGKILL:
		return true
	}
	return false
}

type fakeChild struct {
	pid  int
	name string
	b    behaviour
	sp   *fakeSpawner
	done chan process.ExitStatus
	once sync.Once
}

func (c *fakeChild) Pid() int                        { return c.pid }
func (c *fakeChild) Done() <-chan process.ExitStatus { return c.done }

func (c *fakeChild) exit(es process.ExitStatus) {
	c.once.Do(func() { c.done <- es; close(c.done) })
}

// after runs f after d (fake time) unless the spawner is closed first.
func (c *fakeChild) after(d time.Duration, f func()) {
	c.sp.wg.Go(func() {
		select {
		case <-time.After(d):
			f()
		case <-c.sp.stop:
		}
	})
}

func (c *fakeChild) Signal(sig syscall.Signal, group bool) error {
	c.sp.record(fmt.Sprintf("%s %s", c.name, config.SignalName(sig)))
	if c.b.signalErr != nil {
		return c.b.signalErr
	}
	if sig == syscall.SIGKILL || (fatal(sig) && !c.b.stubborn) {
		c.after(c.b.dieAfter, func() {
			c.exit(process.ExitStatus{Code: -1, Detail: "terminated by " + config.SignalName(sig)})
		})
	}
	return nil
}

// fakeSpawner starts fake children scripted per process name.
type fakeSpawner struct {
	mu      sync.Mutex
	plan    map[string]behaviour
	pid     int
	signals []string
	stop    chan struct{}
	wg      sync.WaitGroup
}

func (s *fakeSpawner) record(line string) {
	s.mu.Lock()
	s.signals = append(s.signals, line)
	s.mu.Unlock()
}

func (s *fakeSpawner) sent() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.signals)
}

func (s *fakeSpawner) set(name string, b behaviour) {
	s.mu.Lock()
	s.plan[name] = b
	s.mu.Unlock()
}

func (s *fakeSpawner) Spawn(cfg *config.Process) (process.Child, error) {
	s.mu.Lock()
	b := s.plan[cfg.Name]
	s.mu.Unlock()
	if b.spawnErr != nil {
		return nil, b.spawnErr
	}
	s.mu.Lock()
	s.pid++
	c := &fakeChild{pid: 100 + s.pid, name: cfg.Name, b: b, sp: s, done: make(chan process.ExitStatus, 1)}
	s.mu.Unlock()
	if b.life > 0 {
		c.after(b.life, func() {
			c.exit(process.ExitStatus{Code: b.code, Detail: fmt.Sprintf("exit status %d", b.code)})
		})
	}
	return c, nil
}

// fakeHost is the daemon as the namespace sees it.
type fakeHost struct {
	mgr *supervisor.Manager

	mu          sync.Mutex
	cfg         *config.Config
	next        *config.Config // what Reread returns
	rereadErr   error
	mainLog     string
	clearErr    error
	shutdowns   int
	restarts    int
	commandErr  map[string]error // CheckCommand, by process name
	clearLogErr map[string]error
	cleared     []string
	stdin       map[string]string
	stdinErr    error
	remote      []string
	late        map[string]bool // log files EnsureLogFile creates
}

func (h *fakeHost) Manager() *supervisor.Manager { return h.mgr }
func (h *fakeHost) Identification() string       { return "supervisor" }
func (h *fakeHost) Pid() int                     { return 4242 }
func (h *fakeHost) MainLogPath() string          { h.mu.Lock(); defer h.mu.Unlock(); return h.mainLog }

func (h *fakeHost) ClearMainLog(context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cleared = append(h.cleared, "main")
	return h.clearErr
}

func (h *fakeHost) RequestShutdown() {
	h.mu.Lock()
	h.shutdowns++
	h.mu.Unlock()
	h.mgr.SetState(supervisor.Shutdown)
}

func (h *fakeHost) RequestRestart() {
	h.mu.Lock()
	h.restarts++
	h.mu.Unlock()
	h.mgr.SetState(supervisor.Restarting)
}

func (h *fakeHost) Config() *config.Config { h.mu.Lock(); defer h.mu.Unlock(); return h.cfg }

func (h *fakeHost) Reread(context.Context) (*config.Config, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.rereadErr != nil {
		return nil, h.rereadErr
	}
	h.cfg = h.next
	return h.cfg, nil
}

// AddGroup names the AUTO log files as the reference does
// (NAME-CHANNEL---IDENTIFIER-XXXXXX.log in childlogdir), in place.
func (h *fakeHost) AddGroup(ctx context.Context, g *config.Group) error {
	h.mu.Lock()
	dir := "/tmp"
	if h.cfg != nil && h.cfg.Supervisord.ChildLogDir != "" {
		dir = h.cfg.Supervisord.ChildLogDir
	}
	for _, p := range g.Processes {
		for ch, lf := range map[string]*config.LogFile{"stdout": &p.Stdout, "stderr": &p.Stderr} {
			if lf.Auto && lf.Path == "" {
				lf.Path = filepath.Join(dir, fmt.Sprintf("%s-%s---supervisor-x1y2z3.log", p.Name, ch))
			}
		}
	}
	h.mu.Unlock()
	return h.mgr.AddGroup(ctx, g)
}

func (h *fakeHost) EnsureLogFile(path string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.late[path] {
		delete(h.late, path)
		os.WriteFile(path, nil, 0o600)
	}
}

func (h *fakeHost) CheckCommand(p *config.Process) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.commandErr[p.Name]
}

func (h *fakeHost) ClearProcessLogs(_ context.Context, p *process.Process) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cleared = append(h.cleared, p.Config().Name)
	return h.clearLogErr[p.Config().Name]
}

func (h *fakeHost) WriteStdin(_ context.Context, p *process.Process, data []byte) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stdinErr != nil {
		return h.stdinErr
	}
	h.stdin[p.Config().Name] += string(data)
	return nil
}

func (h *fakeHost) RemoteCommunication(typ, data string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.remote = append(h.remote, typ+"|"+data)
}

var _ Supervisor = (*fakeHost)(nil)

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// env is a namespace over a real Manager with fake children.
type env struct {
	t    testing.TB
	mgr  *supervisor.Manager
	sp   *fakeSpawner
	host *fakeHost
	api  *api
	log  *syncBuffer
}

// newEnv builds the namespace over groups (added, not started: nothing
// autostarts). Call it inside a synctest bubble when the test waits.
func newEnv(t testing.TB, groups ...*config.Group) *env {
	t.Helper()
	sp := &fakeSpawner{plan: map[string]behaviour{}, stop: make(chan struct{})}
	mgr := supervisor.New(supervisor.Deps{Spawner: sp})
	host := &fakeHost{mgr: mgr, cfg: &config.Config{Groups: groups}, commandErr: map[string]error{},
		clearLogErr: map[string]error{}, stdin: map[string]string{}}
	logs := &syncBuffer{}
	ns, err := New(context.Background(), plugin.InitContext{Name: "supervisor", Host: host,
		Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Stop what runs, then the actors, then the fake children.
		mgr.Shutdown(context.Background(), supervisor.Shutdown)
		mgr.Close()
		close(sp.stop)
		sp.wg.Wait()
	})
	for _, g := range groups {
		if err := host.AddGroup(context.Background(), g); err != nil {
			t.Fatal(err)
		}
	}
	return &env{t: t, mgr: mgr, sp: sp, host: host, api: ns.(*api), log: logs}
}

// call runs a method by name.
func (e *env) call(name string, params ...xmlrpc.Value) (xmlrpc.Value, error) {
	return e.callCtx(context.Background(), name, params...)
}

func (e *env) callCtx(ctx context.Context, name string, params ...xmlrpc.Value) (xmlrpc.Value, error) {
	e.t.Helper()
	for _, m := range e.api.Methods() {
		if m.Name == name {
			if params == nil {
				params = []xmlrpc.Value{}
			}
			return m.Call(ctx, params)
		}
	}
	e.t.Fatalf("no method %s", name)
	return nil, nil
}

// ok runs a method that must succeed.
func (e *env) ok(name string, params ...xmlrpc.Value) xmlrpc.Value {
	e.t.Helper()
	v, err := e.call(name, params...)
	if err != nil {
		e.t.Fatalf("%s%v: %v", name, params, err)
	}
	return v
}

// fault runs a method that must answer the fault code/text.
func (e *env) fault(code int, text string, name string, params ...xmlrpc.Value) {
	e.t.Helper()
	v, err := e.call(name, params...)
	var f *xmlrpc.Fault
	if !errors.As(err, &f) {
		e.t.Fatalf("%s%v = %v, %v; want fault %d %q", name, params, v, err, code, text)
	}
	if f.Code != code || f.String != text {
		e.t.Fatalf("%s%v: fault %d %q; want %d %q", name, params, f.Code, f.String, code, text)
	}
}

// proc returns a process by namespec.
func (e *env) proc(spec string) *process.Process {
	e.t.Helper()
	_, p, err := e.mgr.Lookup(spec)
	if err != nil || p == nil {
		e.t.Fatalf("no process %s", spec)
	}
	return p
}

func (e *env) state(spec string) process.State { return e.proc(spec).Info().State }

// start starts a process without waiting and lets it reach RUNNING.
func (e *env) running(specs ...string) {
	e.t.Helper()
	for _, s := range specs {
		e.ok("startProcess", s, false)
	}
	for _, s := range specs {
		if _, err := e.proc(s).Await(context.Background(), func(i process.Info) bool { return i.State == process.Running }); err != nil {
			e.t.Fatal(err)
		}
	}
}

// statuses renders status-result structs as "name:group:code:description".
func statuses(t *testing.T, v xmlrpc.Value) []string {
	t.Helper()
	arr, ok := v.([]any)
	if !ok {
		t.Fatalf("not an array: %#v", v)
	}
	out := []string{}
	for _, x := range arr {
		s := x.(xmlrpc.Struct)
		var keys []string
		for _, m := range s {
			keys = append(keys, m.Name)
		}
		if strings.Join(keys, ",") != "name,group,status,description" {
			t.Fatalf("status struct keys %v", keys)
		}
		out = append(out, fmt.Sprintf("%s:%s:%d:%s", s[0].Value, s[1].Value, s[2].Value, s[3].Value))
	}
	return out
}

func prog(name string, prio int) *config.Process {
	return &config.Process{Name: name, Program: name, Command: "/bin/" + name, Priority: prio, Autostart: true,
		Autorestart: config.AutorestartNever, StartSecs: 1, StartRetries: 3, StopSignal: syscall.SIGTERM,
		StopWaitSecs: 10, ExitCodes: []int{0}}
}

func grp(name string, prio int, procs ...*config.Process) *config.Group {
	for _, p := range procs {
		p.Group = name
	}
	return &config.Group{Name: name, Priority: prio, Processes: procs}
}

// Call and Version complete plugin.Host.
func (h *fakeHost) Call(context.Context, string, ...xmlrpc.Value) (xmlrpc.Value, error) {
	return nil, errors.New("no calls in these tests")
}

func (h *fakeHost) Version() string { return SupervisorVersion }

// bareHost is a plugin.Host that is not a mainapi.Supervisor.
type bareHost struct{}

func (bareHost) Call(context.Context, string, ...xmlrpc.Value) (xmlrpc.Value, error) { return nil, nil }
func (bareHost) Identification() string                                              { return "" }
func (bareHost) Version() string                                                     { return "" }
