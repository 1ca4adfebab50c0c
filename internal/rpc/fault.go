package rpc

import (
	"errors"
	"fmt"

	"github.com/supervisorgo/supervisor/xmlrpc"
)

// Code is an XML-RPC fault code of the reference (supervisor.xmlrpc.Faults).
type Code int

// The reference's fault codes, section 0.4 of the reference notes.
const (
	UnknownMethod        Code = 1
	IncorrectParameters  Code = 2
	BadArguments         Code = 3
	SignatureUnsupported Code = 4
	ShutdownState        Code = 6
	BadName              Code = 10
	BadSignal            Code = 11
	NoFile               Code = 20
	NotExecutable        Code = 21
	Failed               Code = 30
	AbnormalTermination  Code = 40
	SpawnError           Code = 50
	AlreadyStarted       Code = 60
	NotRunning           Code = 70
	Success              Code = 80
	AlreadyAdded         Code = 90
	StillRunning         Code = 91
	CantReread           Code = 92
)

// codeNames is the one table of fault names (getFaultDescription).
var codeNames = map[Code]string{
	UnknownMethod:        "UNKNOWN_METHOD",
	IncorrectParameters:  "INCORRECT_PARAMETERS",
	BadArguments:         "BAD_ARGUMENTS",
	SignatureUnsupported: "SIGNATURE_UNSUPPORTED",
	ShutdownState:        "SHUTDOWN_STATE",
	BadName:              "BAD_NAME",
	BadSignal:            "BAD_SIGNAL",
	NoFile:               "NO_FILE",
	NotExecutable:        "NOT_EXECUTABLE",
	Failed:               "FAILED",
	AbnormalTermination:  "ABNORMAL_TERMINATION",
	SpawnError:           "SPAWN_ERROR",
	AlreadyStarted:       "ALREADY_STARTED",
	NotRunning:           "NOT_RUNNING",
	Success:              "SUCCESS",
	AlreadyAdded:         "ALREADY_ADDED",
	StillRunning:         "STILL_RUNNING",
	CantReread:           "CANT_REREAD",
}

// String returns the fault's name, "UNKNOWN" for a code the reference does
// not define (getFaultDescription).
func (c Code) String() string {
	if n, ok := codeNames[c]; ok {
		return n
	}
	return "UNKNOWN"
}

// Fault returns the fault the reference sends for RPCError(c): the
// faultString is the bare name, as in "INCORRECT_PARAMETERS".
func (c Code) Fault() *xmlrpc.Fault {
	return &xmlrpc.Fault{Code: int(c), String: c.String()}
}

// Faultf returns the fault the reference sends for RPCError(c, extra): the
// faultString is "NAME: extra", as in "BAD_NAME: foo". An empty extra still
// gives "NAME: " (the reference tests extra against None, not "").
func (c Code) Faultf(format string, args ...any) *xmlrpc.Fault {
	return &xmlrpc.Fault{Code: int(c), String: c.String() + ": " + fmt.Sprintf(format, args...)}
}

// AsFault reports whether err is, or wraps, an XML-RPC fault and returns it.
func AsFault(err error) (*xmlrpc.Fault, bool) {
	var f *xmlrpc.Fault
	if errors.As(err, &f) && f != nil {
		return f, true
	}
	return nil, false
}

// CheckParams returns the INCORRECT_PARAMETERS fault unless min <= len(params)
// <= max; a negative max means no upper bound. It is the arity check a
// Python method gets for free (a TypeError in traverse): methods call it for
// their required parameters, the Server having already refused calls with
// more parameters than an explicit Signature declares.
func CheckParams(params []xmlrpc.Value, min, max int) error {
	if len(params) < min || (max >= 0 && len(params) > max) {
		return IncorrectParameters.Fault()
	}
	return nil
}
