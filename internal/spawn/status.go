package spawn

import (
	"fmt"
	"syscall"

	"github.com/supervisorgo/supervisor/internal/config"
)

// ExitStatus is how a child ended, decoded as
// supervisor.options.decode_wait_status does.
type ExitStatus struct {
	// Code is the exit code, or -1 when the child did not exit normally
	// (decode_wait_status's first result).
	Code int
	// Signal is the signal that killed the child, 0 if none.
	Signal syscall.Signal
	// CoreDumped reports a core dump along with Signal.
	CoreDumped bool
	// Raw is the status as wait4 returned it.
	Raw syscall.WaitStatus
}

// DecodeWaitStatus decodes a wait status (decode_wait_status).
func DecodeWaitStatus(ws syscall.WaitStatus) ExitStatus {
	s := ExitStatus{Code: -1, Raw: ws}
	switch {
	case ws.Exited():
		s.Code = ws.ExitStatus() & 0xffff
	case ws.Signaled():
		s.Signal = ws.Signal()
		s.CoreDumped = ws.CoreDump()
	}
	return s
}

// Exited reports whether the child exited normally (with Code).
func (s ExitStatus) Exited() bool { return s.Raw.Exited() }

// Describe returns decode_wait_status's message: "exit status 3",
// "terminated by SIGTERM", "terminated by SIGSEGV (core dumped)",
// "terminated by signal 35" for a signal without a name, or
// "unknown termination cause 0x137f".
func (s ExitStatus) Describe() string {
	switch {
	case s.Raw.Exited():
		return fmt.Sprintf("exit status %d", s.Code)
	case s.Raw.Signaled():
		msg := "terminated by " + config.SignalName(s.Signal)
		if s.CoreDumped {
			msg += " (core dumped)"
		}
		return msg
	}
	return fmt.Sprintf("unknown termination cause 0x%04x", uint32(s.Raw))
}

// String is Describe.
func (s ExitStatus) String() string { return s.Describe() }
