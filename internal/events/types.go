// Package events is the event system of supervisord: the event types of
// the reference with their payload texts, a bus that hands every event to
// its subscribers in one order, the listener envelope, and the TICK source.
//
// An event is rendered when it is created (its payload is text from then
// on), as the reference renders process-state values eagerly.
package events

import "slices"

// The event type names of the reference (supervisor.events.EventTypes).
const (
	Event                        = "EVENT"
	ProcessState                 = "PROCESS_STATE"
	ProcessStateStopped          = "PROCESS_STATE_STOPPED"
	ProcessStateExited           = "PROCESS_STATE_EXITED"
	ProcessStateStarting         = "PROCESS_STATE_STARTING"
	ProcessStateStopping         = "PROCESS_STATE_STOPPING"
	ProcessStateBackoff          = "PROCESS_STATE_BACKOFF"
	ProcessStateFatal            = "PROCESS_STATE_FATAL"
	ProcessStateRunning          = "PROCESS_STATE_RUNNING"
	ProcessStateUnknown          = "PROCESS_STATE_UNKNOWN"
	ProcessCommunication         = "PROCESS_COMMUNICATION"
	ProcessCommunicationStdout   = "PROCESS_COMMUNICATION_STDOUT"
	ProcessCommunicationStderr   = "PROCESS_COMMUNICATION_STDERR"
	ProcessLog                   = "PROCESS_LOG"
	ProcessLogStdout             = "PROCESS_LOG_STDOUT"
	ProcessLogStderr             = "PROCESS_LOG_STDERR"
	RemoteCommunication          = "REMOTE_COMMUNICATION"
	SupervisorStateChange        = "SUPERVISOR_STATE_CHANGE"
	SupervisorStateChangeRunning = "SUPERVISOR_STATE_CHANGE_RUNNING"
	SupervisorStateChangeStop    = "SUPERVISOR_STATE_CHANGE_STOPPING"
	Tick                         = "TICK"
	Tick5                        = "TICK_5"
	Tick60                       = "TICK_60"
	Tick3600                     = "TICK_3600"
	ProcessGroup                 = "PROCESS_GROUP"
	ProcessGroupAdded            = "PROCESS_GROUP_ADDED"
	ProcessGroupRemoved          = "PROCESS_GROUP_REMOVED"
)

// parent is the class hierarchy of the reference's event classes: a
// subscription to a type receives its subtypes.
var parent = map[string]string{
	Event:                        "",
	ProcessState:                 Event,
	ProcessStateStopped:          ProcessState,
	ProcessStateExited:           ProcessState,
	ProcessStateStarting:         ProcessState,
	ProcessStateStopping:         ProcessState,
	ProcessStateBackoff:          ProcessState,
	ProcessStateFatal:            ProcessState,
	ProcessStateRunning:          ProcessState,
	ProcessStateUnknown:          ProcessState,
	ProcessCommunication:         Event,
	ProcessCommunicationStdout:   ProcessCommunication,
	ProcessCommunicationStderr:   ProcessCommunication,
	ProcessLog:                   Event,
	ProcessLogStdout:             ProcessLog,
	ProcessLogStderr:             ProcessLog,
	RemoteCommunication:          Event,
	SupervisorStateChange:        Event,
	SupervisorStateChangeRunning: SupervisorStateChange,
	SupervisorStateChangeStop:    SupervisorStateChange,
	Tick:                         Event,
	Tick5:                        Tick,
	Tick60:                       Tick,
	Tick3600:                     Tick,
	ProcessGroup:                 Event,
	ProcessGroupAdded:            ProcessGroup,
	ProcessGroupRemoved:          ProcessGroup,
}

// Known reports whether name is an event type of the reference.
func Known(name string) bool {
	_, ok := parent[name]
	return ok
}

// Names returns every event type name, sorted.
func Names() []string {
	names := make([]string, 0, len(parent))
	for n := range parent {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Is reports whether an event of type name is an instance of typ: name
// itself or one of its ancestors (isinstance in the reference).
func Is(name, typ string) bool {
	for n := name; n != ""; n = parent[n] {
		if n == typ {
			return true
		}
	}
	return false
}

// Matches reports whether an event of type name is covered by any of the
// subscribed types.
func Matches(name string, subscribed []string) bool {
	for _, typ := range subscribed {
		if Is(name, typ) {
			return true
		}
	}
	return false
}
