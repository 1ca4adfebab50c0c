package plugin

import (
	"fmt"

	"github.com/supervisorgo/supervisor/xmlrpc"
)

// The reference's fault codes (supervisor.xmlrpc.Faults), for namespaces
// that answer as the reference's plugins do.
const (
	FaultUnknownMethod        = 1
	FaultIncorrectParameters  = 2
	FaultBadArguments         = 3
	FaultSignatureUnsupported = 4
	FaultShutdownState        = 6
	FaultBadName              = 10
	FaultBadSignal            = 11
	FaultNoFile               = 20
	FaultNotExecutable        = 21
	FaultFailed               = 30
	FaultAbnormalTermination  = 40
	FaultSpawnError           = 50
	FaultAlreadyStarted       = 60
	FaultNotRunning           = 70
	FaultSuccess              = 80
	FaultAlreadyAdded         = 90
	FaultStillRunning         = 91
	FaultCantReread           = 92
)

// faultNames is getFaultDescription's table.
var faultNames = map[int]string{
	FaultUnknownMethod:        "UNKNOWN_METHOD",
	FaultIncorrectParameters:  "INCORRECT_PARAMETERS",
	FaultBadArguments:         "BAD_ARGUMENTS",
	FaultSignatureUnsupported: "SIGNATURE_UNSUPPORTED",
	FaultShutdownState:        "SHUTDOWN_STATE",
	FaultBadName:              "BAD_NAME",
	FaultBadSignal:            "BAD_SIGNAL",
	FaultNoFile:               "NO_FILE",
	FaultNotExecutable:        "NOT_EXECUTABLE",
	FaultFailed:               "FAILED",
	FaultAbnormalTermination:  "ABNORMAL_TERMINATION",
	FaultSpawnError:           "SPAWN_ERROR",
	FaultAlreadyStarted:       "ALREADY_STARTED",
	FaultNotRunning:           "NOT_RUNNING",
	FaultSuccess:              "SUCCESS",
	FaultAlreadyAdded:         "ALREADY_ADDED",
	FaultStillRunning:         "STILL_RUNNING",
	FaultCantReread:           "CANT_REREAD",
}

// FaultName is the reference's getFaultDescription: the code's name, or
// "UNKNOWN" for a code supervisor.xmlrpc.Faults does not define (a
// plugin's own codes, such as supervisor_twiddler's 230, render so).
func FaultName(code int) string {
	if n, ok := faultNames[code]; ok {
		return n
	}
	return "UNKNOWN"
}

// NewFault is the fault the reference sends for RPCError(code): its
// string is the bare name, as in "SHUTDOWN_STATE".
func NewFault(code int) *xmlrpc.Fault {
	return &xmlrpc.Fault{Code: code, String: FaultName(code)}
}

// NewFaultf is the fault the reference sends for RPCError(code, extra):
// "NAME: extra", with extra formatted by fmt.Sprint (for a Python str(),
// pass the text already formatted).
func NewFaultf(code int, extra any) *xmlrpc.Fault {
	return &xmlrpc.Fault{Code: code, String: FaultName(code) + ": " + fmt.Sprint(extra)}
}

// CheckArity answers as the reference does when a method is called with a
// number of parameters Python would refuse (a TypeError, sent as the
// fault INCORRECT_PARAMETERS): nil when min <= len(params) <= max.
func CheckArity(params []xmlrpc.Value, min, max int) error {
	if len(params) < min || len(params) > max {
		return NewFault(FaultIncorrectParameters)
	}
	return nil
}
