package plugin

import (
	"context"
	"errors"
	"testing"

	"github.com/supervisorgo/supervisor/xmlrpc"
)

func TestFaults(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  *xmlrpc.Fault
		want xmlrpc.Fault
	}{
		{"bare", NewFault(FaultShutdownState), xmlrpc.Fault{Code: 6, String: "SHUTDOWN_STATE"}},
		{"with extra", NewFaultf(FaultBadName, "group: web"), xmlrpc.Fault{Code: 10, String: "BAD_NAME: group: web"}},
		{"a plugin's own code", NewFaultf(230, "log"), xmlrpc.Fault{Code: 230, String: "UNKNOWN: log"}},
		{"still running", NewFaultf(FaultStillRunning, "x"), xmlrpc.Fault{Code: 91, String: "STILL_RUNNING: x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if *tc.got != tc.want {
				t.Errorf("got %v, want %v", tc.got, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		n, min, max int
		ok          bool
	}{{0, 0, 0, true}, {1, 0, 0, false}, {1, 1, 2, true}, {2, 1, 2, true}, {3, 1, 2, false}, {0, 1, 2, false}} {
		err := CheckArity(make([]xmlrpc.Value, tc.n), tc.min, tc.max)
		if (err == nil) != tc.ok {
			t.Errorf("CheckArity(%d params, %d, %d) = %v", tc.n, tc.min, tc.max, err)
		}
	}
}

func TestStates(t *testing.T) {
	for _, tc := range []struct {
		s                             ProcessState
		name                          string
		stopped, running, signallable bool
	}{
		{ProcessStopped, "STOPPED", true, false, false},
		{ProcessStarting, "STARTING", false, true, true},
		{ProcessRunning, "RUNNING", false, true, true},
		{ProcessBackoff, "BACKOFF", false, true, false},
		{ProcessStopping, "STOPPING", false, false, true},
		{ProcessExited, "EXITED", true, false, false},
		{ProcessFatal, "FATAL", true, false, false},
		{ProcessUnknown, "UNKNOWN", true, false, false},
	} {
		if tc.s.String() != tc.name || tc.s.IsStopped() != tc.stopped || tc.s.IsRunning() != tc.running ||
			tc.s.IsSignallable() != tc.signallable {
			t.Errorf("%d: %s stopped=%v running=%v signallable=%v", int(tc.s), tc.s, tc.s.IsStopped(), tc.s.IsRunning(), tc.s.IsSignallable())
		}
	}
	for s, name := range map[DaemonState]string{StateFatal: "FATAL", StateRunning: "RUNNING", StateRestarting: "RESTARTING", StateShutdown: "SHUTDOWN"} {
		if s.String() != name {
			t.Errorf("%d is %s, want %s", int(s), s, name)
		}
	}
	if (ProcessInfo{Name: "web", Group: "web"}).Namespec() != "web" || (ProcessInfo{Name: "a", Group: "g"}).Namespec() != "g:a" {
		t.Error("Namespec")
	}
}

func TestNameError(t *testing.T) {
	var err error = &NameError{Err: ErrStillRunning, Name: "web"}
	var ne *NameError
	if !errors.Is(err, ErrStillRunning) || errors.Is(err, ErrBadName) || !errors.As(err, &ne) || ne.Name != "web" {
		t.Errorf("%v", err)
	}
}

type plainHost struct{}

func (plainHost) Call(context.Context, string, ...xmlrpc.Value) (xmlrpc.Value, error) {
	return nil, nil
}
func (plainHost) Identification() string { return "" }
func (plainHost) Version() string        { return "" }

func TestInitContextSupervisor(t *testing.T) {
	if _, ok := (InitContext{Host: plainHost{}}).Supervisor(); ok {
		t.Error("a plain Host is not a Supervisor")
	}
	if _, ok := (InitContext{}).Supervisor(); ok {
		t.Error("no Host is not a Supervisor")
	}
}
