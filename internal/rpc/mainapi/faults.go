package mainapi

import (
	"github.com/supervisorgo/supervisor/internal/rpc"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

// newFault is RPCError(code): the fault string is the code's name.
func newFault(c rpc.Code) *xmlrpc.Fault { return c.Fault() }

// newFaultf is RPCError(code, extra): "NAME: extra".
func newFaultf(c rpc.Code, extra string) *xmlrpc.Fault { return c.Faultf("%s", extra) }

// asFault returns err's fault, if it is one.
func asFault(err error) (*xmlrpc.Fault, bool) { return rpc.AsFault(err) }
