package rpc

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/supervisorgo/supervisor/plugin"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

// referenceMethods is what testdata/capture.py recorded from a running
// Supervisor 4.2.5: every method's system.methodHelp and
// system.methodSignature answers and its Python arity.
//
//go:embed testdata/reference_methods.json
var referenceMethods []byte

// ReferenceMethod is one entry of testdata/reference_methods.json.
type ReferenceMethod struct {
	Name      string   `json:"name"`
	Help      string   `json:"help"`
	Signature []string `json:"signature"` // nil when the reference has none
	MinParams int      `json:"min_params"`
	MaxParams int      `json:"max_params"`
}

// referenceTable parses the embedded capture once.
var referenceTable = sync.OnceValue(func() map[string]ReferenceMethod {
	var doc struct {
		Methods []ReferenceMethod `json:"methods"`
	}
	if err := json.Unmarshal(referenceMethods, &doc); err != nil {
		panic("rpc: testdata/reference_methods.json: " + err.Error())
	}
	t := make(map[string]ReferenceMethod, len(doc.Methods))
	for _, m := range doc.Methods {
		t[m.Name] = m
	}
	return t
})

// Reference returns what Supervisor 4.2.5 answers about one of its 41
// methods ("supervisor.getState", "system.multicall"...): the help text
// byte for byte, the signature and the Python arity.
func Reference(name string) (ReferenceMethod, bool) {
	m, ok := referenceTable()[name]
	return m, ok
}

// systemNamespace is the reference's SystemNamespaceRPCInterface: it
// introspects every namespace of its Server, itself included.
type systemNamespace struct{ s *Server }

// systemHelp is the reference's docstring of system.<name>.
func systemHelp(name string) string {
	m, ok := Reference(SystemNamespace + "." + name)
	if !ok {
		panic("rpc: no reference help for system." + name)
	}
	return m.Help
}

// Methods returns the four system methods. Their signatures are read from
// their help texts, as the reference reads them.
func (sys systemNamespace) Methods() []plugin.Method {
	return []plugin.Method{
		{Name: "listMethods", Help: systemHelp("listMethods"), Call: sys.listMethods},
		{Name: "methodHelp", Help: systemHelp("methodHelp"), Call: sys.methodHelp},
		{Name: "methodSignature", Help: systemHelp("methodSignature"), Call: sys.methodSignature},
		{Name: "multicall", Help: systemHelp("multicall"), Call: sys.multicall},
	}
}

// Method finds one of the four system methods (MethodFinder).
func (sys systemNamespace) Method(name string) (plugin.Method, bool) {
	var call func(context.Context, []xmlrpc.Value) (xmlrpc.Value, error)
	switch name {
	case "listMethods":
		call = sys.listMethods
	case "methodHelp":
		call = sys.methodHelp
	case "methodSignature":
		call = sys.methodSignature
	case "multicall":
		call = sys.multicall
	default:
		return plugin.Method{}, false
	}
	return plugin.Method{Name: name, Help: systemHelp(name), Call: call}, true
}

func (sys systemNamespace) listMethods(_ context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
	if err := CheckParams(params, 0, 0); err != nil {
		return nil, err
	}
	names := sys.s.Methods()
	out := make([]any, len(names))
	for i, n := range names {
		out[i] = n
	}
	return out, nil
}

// methodHelp returns the help verbatim. A name that is not a string, or
// not a published method, is SIGNATURE_UNSUPPORTED (the reference compares
// it with every published name).
func (sys systemNamespace) methodHelp(_ context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
	if err := CheckParams(params, 1, 1); err != nil {
		return nil, err
	}
	name, _ := params[0].(string)
	m, ok := sys.s.find(name)
	if !ok {
		return nil, SignatureUnsupported.Fault()
	}
	return m.Help, nil
}

// methodSignature returns the explicit Signature, else the one parsed from
// the help text; none is SIGNATURE_UNSUPPORTED.
func (sys systemNamespace) methodSignature(_ context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
	if err := CheckParams(params, 1, 1); err != nil {
		return nil, err
	}
	name, _ := params[0].(string)
	m, ok := sys.s.find(name)
	if !ok {
		return nil, SignatureUnsupported.Fault()
	}
	sig := m.Signature
	if len(sig) == 0 {
		if sig, ok = ParseSignature(m.Help); !ok {
			return nil, SignatureUnsupported.Fault()
		}
	}
	out := make([]any, len(sig))
	for i, t := range sig {
		out[i] = t
	}
	return out, nil
}

// multicall is SystemNamespaceRPCInterface.multicall, run sequentially on
// the caller's goroutine: each call finishes (a long startProcess
// included) before the next starts. Its answers, all checked against the
// reference:
//
//   - calls must be an array; a struct, a number, a boolean, a date or nil
//     is INCORRECT_PARAMETERS; an empty string is an empty batch and any
//     other string fails the whole request (HTTP 500), as a Python str has
//     no pop();
//   - an entry that is not a struct fails the whole request (HTTP 500) when
//     it is reached, after the entries before it have run;
//   - a missing or nil methodName gives {2, "INCORRECT_PARAMETERS: No
//     methodName"}, "system.multicall" gives {2, "INCORRECT_PARAMETERS:
//     Recursive system.multicall forbidden"}, a methodName that is not a
//     string gives {30, "FAILED: <class 'AttributeError'>:'int' object has
//     no attribute 'split'"} (with the Python type name);
//   - params defaults to []; a string is spread into its characters and a
//     struct into its keys (Python's f(*params)); any other non-array is
//     INCORRECT_PARAMETERS once the method is found;
//   - a result is the bare value; a fault is a {faultCode, faultString}
//     struct; any other error is {30, "FAILED: " + the error's text}.
//
// A batch stops (HTTP 500 to a client that is gone) once ctx is done: the
// reference stops polling a deferred multicall when its connection closes.
func (sys systemNamespace) multicall(ctx context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
	if err := CheckParams(params, 1, 1); err != nil {
		return nil, err
	}
	var calls []any
	switch c := params[0].(type) {
	case []any:
		calls = c
	case string:
		if c != "" {
			return nil, fmt.Errorf("system.multicall: calls is a string, not an array")
		}
	default:
		return nil, IncorrectParameters.Fault()
	}
	results := make([]any, 0, len(calls))
	for i, c := range calls {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("system.multicall: %w", err)
		}
		var call map[string]any
		switch c := c.(type) {
		case map[string]any:
			call = c
		case xmlrpc.Struct:
			call = c.Map()
		default:
			return nil, fmt.Errorf("system.multicall: call %d is a %s, not a struct", i, pyTypeName(c))
		}
		v, err := sys.one(ctx, call)
		if err != nil {
			if f, ok := AsFault(err); ok {
				v = xmlrpc.Struct{{Name: "faultCode", Value: f.Code}, {Name: "faultString", Value: f.String}}
			} else {
				v = xmlrpc.Struct{{Name: "faultCode", Value: int(Failed)}, {Name: "faultString", Value: "FAILED: " + err.Error()}}
			}
		}
		results = append(results, v)
	}
	return results, nil
}

// one runs one entry of a multicall (the body of the reference's loop, then
// traverse).
func (sys systemNamespace) one(ctx context.Context, call map[string]any) (xmlrpc.Value, error) {
	rawName := call["methodName"]
	if rawName == nil {
		return nil, IncorrectParameters.Faultf("No methodName")
	}
	name, ok := rawName.(string)
	if !ok {
		return nil, &xmlrpc.Fault{Code: int(Failed), String: "FAILED: " + pySplitError(rawName)}
	}
	if name == SystemNamespace+".multicall" {
		return nil, IncorrectParameters.Faultf("Recursive system.multicall forbidden")
	}
	m, err := sys.s.lookup(name)
	if err != nil {
		return nil, err
	}
	var args []xmlrpc.Value
	switch p := call["params"].(type) {
	case nil:
		if _, present := call["params"]; present {
			return nil, IncorrectParameters.Fault()
		}
	case []any:
		args = p
	case string:
		for _, r := range p {
			args = append(args, string(r))
		}
	case map[string]any:
		keys := make([]string, 0, len(p))
		for k := range p {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			args = append(args, k)
		}
	case xmlrpc.Struct:
		for _, mem := range p {
			args = append(args, mem.Name)
		}
	default:
		return nil, IncorrectParameters.Fault()
	}
	return sys.s.invoke(ctx, name, m, args)
}

// pyTypeName is the name Python gives the type a decoded value would have.
func pyTypeName(v any) string {
	switch v.(type) {
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return "int"
	case bool:
		return "bool"
	case float32, float64:
		return "float"
	case string:
		return "str"
	case []byte:
		return "bytes"
	case map[string]any, xmlrpc.Struct:
		return "dict"
	case []any:
		return "list"
	case time.Time:
		return "datetime.datetime"
	case nil:
		return "NoneType"
	}
	return fmt.Sprintf("%T", v)
}

// pySplitError is the text of the exception the reference's traverse gets
// when it calls name.split('.') on a methodName that is not a str, in the
// "<class>:<message>" form its multicall puts after "FAILED: ".
func pySplitError(name any) string {
	if _, ok := name.([]byte); ok {
		return "<class 'TypeError'>:a bytes-like object is required, not 'str'"
	}
	return fmt.Sprintf("<class 'AttributeError'>:'%s' object has no attribute 'split'", pyTypeName(name))
}

var _ plugin.Namespace = systemNamespace{}
