package xmlrpc

import (
	"errors"
	"fmt"
)

// Value is an XML-RPC value. It is an alias of any so that []Value and
// []any are the same type. The decoders only ever produce these dynamic
// types:
//
//	int             <int>, <i4> (and <i8> etc. in responses, see DecodeResponse)
//	bool            <boolean>
//	string          <string>, untyped <value>, and (in calls) <base64>, <i8>, ...
//	float64         <double>
//	time.Time       <dateTime.iso8601>, a naive time in time.UTC
//	[]byte          <base64> (responses only; calls get a string, like the reference)
//	[]any           <array>
//	map[string]any  <struct>
//	nil             <nil/> and other empty unknown elements
//
// The encoders accept the same types (except nil) plus the ordered [Struct],
// [*Fault] (encoded as a {faultCode, faultString} struct), [Encoded] (a
// value encoded beforehand, copied as it is), all Go integer
// kinds (range checked against int32), float32, pointers to any accepted
// type, and, through reflection, any slice or array, maps with string keys
// (members sorted by key) and Go structs (members in field order, named by
// an `xmlrpc:"name"` tag or the field name; `xmlrpc:"-"` skips a field).
type Value = any

// Member is one named member of an ordered [Struct].
type Member struct {
	Name  string
	Value Value
}

// Struct is an XML-RPC struct whose members are encoded in slice order.
//
// Python dicts keep insertion order and the reference server emits the keys
// of its result structs in that order (see the tables in section 1.1 of the
// reference notes); Struct lets a server reproduce that order byte for byte.
// A map[string]any is also accepted by the encoders and is emitted with its
// keys sorted, so output is deterministic either way. The decoders always
// produce map[string]any: member order carries no meaning in XML-RPC.
type Struct []Member

// Get returns the value of the last member called name, mirroring a Python
// dict built from the members in order (the last duplicate wins).
func (s Struct) Get(name string) (Value, bool) {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i].Name == name {
			return s[i].Value, true
		}
	}
	return nil, false
}

// Map returns the members as a map; for duplicate names the last one wins.
func (s Struct) Map() map[string]any {
	m := make(map[string]any, len(s))
	for _, mem := range s {
		m[mem.Name] = mem.Value
	}
	return m
}

// Fault is an XML-RPC fault: the error half of a methodResponse. It is what
// DecodeResponse returns for a fault response, and what MarshalResponse
// turns into a <fault> envelope.
type Fault struct {
	Code   int
	String string
}

// Error renders the fault in the style of Python's xmlrpc.client.Fault
// repr, for example <Fault 10: "BAD_NAME: foo">.
func (f *Fault) Error() string {
	return fmt.Sprintf("<Fault %d: %q>", f.Code, f.String)
}

// Sentinel errors. Decode errors wrap exactly one of ErrMalformed,
// ErrNoMethodName, ErrLimit or ErrUnsupported; errors from the underlying
// reader are wrapped unchanged. Encode errors wrap ErrUnmarshalable.
var (
	// ErrMalformed reports a document the reference rejects too: XML that is
	// not well formed, or XML-RPC content its unmarshaller fails on (for
	// example <int>x</int>, a <struct> member without exactly two children,
	// <boolean>2</boolean> in a response). The reference answers a malformed
	// request with HTTP 400.
	ErrMalformed = errors.New("xmlrpc: malformed document")

	// ErrNoMethodName reports a methodCall without a <methodName> or with an
	// empty one (HTTP 400 in the reference).
	ErrNoMethodName = errors.New("xmlrpc: no method name")

	// ErrLimit reports that a DecodeOptions limit was exceeded.
	ErrLimit = errors.New("xmlrpc: decode limit exceeded")

	// ErrUnsupported reports a document the reference would accept but whose
	// result has no Go representation in this package: integers beyond
	// 64 bits, structs with non-string keys, <bigdecimal>, faults whose code
	// is not an int or whose string is not a string, and DOCTYPE
	// declarations (rejected for safety).
	ErrUnsupported = errors.New("xmlrpc: unsupported content")

	// ErrUnmarshalable reports a value the encoders cannot represent, like
	// Python's TypeError / OverflowError in xmlrpc.client.dumps.
	ErrUnmarshalable = errors.New("xmlrpc: cannot marshal value")
)
