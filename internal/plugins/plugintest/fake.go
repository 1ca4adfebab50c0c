// Package plugintest is a fake plugin.Supervisor for the unit tests of the
// compiled-in plugins: groups and processes held in memory, with every
// change and log line recorded.
package plugintest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/supervisorgo/supervisor/plugin"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

// Supervisor is the fake. Set its fields before use; the methods are safe
// for concurrent use.
type Supervisor struct {
	mu sync.Mutex
	// DaemonState is what State returns.
	DaemonState plugin.DaemonState
	// GroupList are the groups, in order.
	GroupList []plugin.GroupInfo
	// AddErr, when set, is what AddProgram returns after the group check.
	AddErr error
	// Logged are the Log calls, as "LEVEL message".
	Logged []string
	// Signalled are the Signal calls, as "group:name SIG".
	Signalled []string
	// Added are the AddProgram calls' options, by program.
	Added map[string][]plugin.KeyValue
}

var _ plugin.Supervisor = (*Supervisor)(nil)

// Call is not supported.
func (s *Supervisor) Call(context.Context, string, ...xmlrpc.Value) (xmlrpc.Value, error) {
	return nil, plugin.ErrNotImplemented
}

// Identification returns "supervisor".
func (s *Supervisor) Identification() string { return "supervisor" }

// Version returns "4.2.5".
func (s *Supervisor) Version() string { return "4.2.5" }

// State returns DaemonState.
func (s *Supervisor) State() plugin.DaemonState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.DaemonState
}

// SetState sets DaemonState.
func (s *Supervisor) SetState(st plugin.DaemonState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.DaemonState = st
}

// Groups returns a copy of GroupList.
func (s *Supervisor) Groups() []plugin.GroupInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]plugin.GroupInfo, len(s.GroupList))
	for i, g := range s.GroupList {
		out[i] = g
		out[i].Processes = append([]plugin.ProcessInfo(nil), g.Processes...)
	}
	return out
}

// Group finds a group.
func (s *Supervisor) Group(name string) (plugin.GroupInfo, bool) {
	for _, g := range s.Groups() {
		if g.Name == name {
			return g, true
		}
	}
	return plugin.GroupInfo{}, false
}

// Process finds a process by namespec.
func (s *Supervisor) Process(namespec string) (plugin.ProcessInfo, error) {
	group, name, ok := strings.Cut(namespec, ":")
	if !ok {
		name = group
	}
	if g, ok := s.Group(group); ok {
		for _, p := range g.Processes {
			if p.Name == name {
				return p, nil
			}
		}
	}
	return plugin.ProcessInfo{}, &plugin.NameError{Err: plugin.ErrBadName, Name: namespec}
}

// AddProgram records the options and adds one STOPPED process named
// program, or returns AddErr.
func (s *Supervisor) AddProgram(_ context.Context, group, program string, options []plugin.KeyValue) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.GroupList {
		g := &s.GroupList[i]
		if g.Name != group {
			continue
		}
		if s.AddErr != nil {
			return nil, s.AddErr
		}
		for _, p := range g.Processes {
			if p.Name == program {
				return nil, &plugin.NameError{Err: plugin.ErrProcessExists, Name: program}
			}
		}
		if s.Added == nil {
			s.Added = map[string][]plugin.KeyValue{}
		}
		s.Added[program] = options
		g.Processes = append(g.Processes, plugin.ProcessInfo{Name: program, Group: group, State: plugin.ProcessStopped})
		return []string{program}, nil
	}
	return nil, &plugin.NameError{Err: plugin.ErrBadName, Name: "group: " + group}
}

// RemoveProcess removes a stopped process.
func (s *Supervisor) RemoveProcess(_ context.Context, group, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.GroupList {
		g := &s.GroupList[i]
		if g.Name != group {
			continue
		}
		for j, p := range g.Processes {
			if p.Name != name {
				continue
			}
			if p.Pid != 0 || !p.State.IsStopped() {
				return &plugin.NameError{Err: plugin.ErrStillRunning, Name: name}
			}
			g.Processes = append(g.Processes[:j:j], g.Processes[j+1:]...)
			return nil
		}
		return &plugin.NameError{Err: plugin.ErrBadName, Name: name}
	}
	return &plugin.NameError{Err: plugin.ErrBadName, Name: "group: " + group}
}

// StartProcess is not supported.
func (s *Supervisor) StartProcess(context.Context, string, bool) error {
	return plugin.ErrNotImplemented
}

// StopProcess is not supported.
func (s *Supervisor) StopProcess(context.Context, string, bool) error {
	return plugin.ErrNotImplemented
}

// Signal records the call; ErrNotRunning without a pid.
func (s *Supervisor) Signal(_ context.Context, group, name string, sig syscall.Signal) error {
	p, err := s.Process(group + ":" + name)
	if err != nil {
		return err
	}
	if p.Pid == 0 {
		return plugin.ErrNotRunning
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Signalled = append(s.Signalled, fmt.Sprintf("%s:%s %d", group, name, int(sig)))
	return nil
}

// Log records the line.
func (s *Supervisor) Log(level slog.Level, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Logged = append(s.Logged, level.String()+" "+msg)
}

// Records returns copies of Logged and Signalled.
func (s *Supervisor) Records() (logged, signalled []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.Logged...), append([]string(nil), s.Signalled...)
}

// Namespace builds a namespace with factory and returns its methods by
// name; config are the section's keys.
func Namespace(ctx context.Context, f plugin.Factory, s *Supervisor, config ...plugin.KeyValue) (map[string]plugin.Method, error) {
	ns, err := f(ctx, plugin.InitContext{Name: "test", Config: config, Host: s, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, err
	}
	methods := map[string]plugin.Method{}
	for _, m := range ns.Methods() {
		methods[m.Name] = m
	}
	return methods, nil
}

// Case is one call of a table-driven test: Method with Params gives Want,
// or the fault Fault.
type Case struct {
	Name   string
	Method string
	Params []xmlrpc.Value
	Want   xmlrpc.Value
	Fault  *xmlrpc.Fault
}

// Run calls c's method and reports a result or fault other than c's.
func (c Case) Run(t testing.TB, methods map[string]plugin.Method) {
	t.Helper()
	m, ok := methods[c.Method]
	if !ok {
		t.Fatalf("no method %s", c.Method)
	}
	got, err := m.Call(context.Background(), c.Params)
	if c.Fault != nil {
		var f *xmlrpc.Fault
		if !errors.As(err, &f) || *f != *c.Fault {
			t.Errorf("%s%v = %v, %v; want fault %v", c.Method, c.Params, got, err, c.Fault)
		}
		return
	}
	if err != nil || !reflect.DeepEqual(got, c.Want) {
		t.Errorf("%s%v = %#v, %v; want %#v", c.Method, c.Params, got, err, c.Want)
	}
}

// Fault is a fault value for a Case.
func Fault(code int, s string) *xmlrpc.Fault { return &xmlrpc.Fault{Code: code, String: s} }
