package events

import (
	"fmt"
	"strconv"

	"github.com/supervisorgo/supervisor/internal/python"
)

// E is one event: its type name and its rendered payload. Its serial is
// assigned by the Bus when it is first published to a subscriber.
type E struct {
	Name    string
	Payload string
	serial  int64
}

// Serial is the global serial the Bus gave the event (-1 before).
func (e *E) Serial() int64 { return e.serial }

// New returns an event of a type with a payload.
func New(name, payload string) *E { return &E{Name: name, Payload: payload, serial: -1} }

// StateChange describes a process state change for ProcessStateChange.
type StateChange struct {
	Process, Group string
	From, To       string // state names: RUNNING, EXITED, ...
	Pid            int
	Tries          int  // the backoff counter, for STARTING and BACKOFF
	Expected       bool // for EXITED
}

// ProcessStateChange is the PROCESS_STATE_<To> event of a state change;
// nil for a state without an event.
func ProcessStateChange(c StateChange) *E {
	name := "PROCESS_STATE_" + c.To
	if parent[name] != ProcessState {
		return nil
	}
	p := "processname:" + c.Process + " groupname:" + c.Group + " from_state:" + c.From
	switch name {
	case ProcessStateStarting, ProcessStateBackoff:
		p += " tries:" + strconv.Itoa(c.Tries)
	case ProcessStateExited:
		exp := "0"
		if c.Expected {
			exp = "1"
		}
		p += " expected:" + exp + " pid:" + strconv.Itoa(c.Pid)
	case ProcessStateRunning, ProcessStateStopping, ProcessStateStopped:
		p += " pid:" + strconv.Itoa(c.Pid)
	}
	return New(name, p)
}

// text is as_string of output data, or the reference's Undecodable form.
func text(data []byte) string { return python.AsString(data) }

// ProcessLogData is a PROCESS_LOG_STDOUT or _STDERR event for one chunk of
// a child's output.
func ProcessLogData(process, group string, pid int, channel string, data []byte) *E {
	name := ProcessLogStdout
	if channel == "stderr" {
		name = ProcessLogStderr
	}
	return New(name, fmt.Sprintf("processname:%s groupname:%s pid:%d channel:%s\n%s", process, group, pid, channel, text(data)))
}

// ProcessCommunicationData is a PROCESS_COMMUNICATION_STDOUT or _STDERR
// event for data a child sent in capture mode.
func ProcessCommunicationData(process, group string, pid int, channel string, data []byte) *E {
	name := ProcessCommunicationStdout
	if channel == "stderr" {
		name = ProcessCommunicationStderr
	}
	return New(name, fmt.Sprintf("processname:%s groupname:%s pid:%d\n%s", process, group, pid, text(data)))
}

// Remote is a REMOTE_COMMUNICATION event (supervisor.sendRemoteCommEvent).
func Remote(typ, data string) *E { return New(RemoteCommunication, "type:"+typ+"\n"+data) }

// SupervisorRunning and SupervisorStopping are the SUPERVISOR_STATE_CHANGE
// events, with empty payloads.
func SupervisorRunning() *E  { return New(SupervisorStateChangeRunning, "") }
func SupervisorStopping() *E { return New(SupervisorStateChangeStop, "") }

// GroupAdded and GroupRemoved are the PROCESS_GROUP events (their payload
// ends with a newline, as the reference's does).
func GroupAdded(group string) *E   { return New(ProcessGroupAdded, "groupname:"+group+"\n") }
func GroupRemoved(group string) *E { return New(ProcessGroupRemoved, "groupname:"+group+"\n") }

// TickAt is the TICK_<period> event for the slice starting at when (Unix
// seconds).
func TickAt(period int, when int64) *E {
	return New("TICK_"+strconv.Itoa(period), "when:"+strconv.FormatInt(when, 10))
}
