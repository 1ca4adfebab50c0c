// Package xmlrpc is the XML-RPC codec of the Supervisor re-implementation:
// the value model, methodCall and methodResponse decoding, and encoding that
// reproduces Python's xmlrpc.client byte for byte. It does no HTTP and no
// dispatch; it depends on the standard library only.
//
// # Values
//
// A [Value] is a plain Go value: int, bool, string, float64, time.Time,
// []byte, []any, map[string]any or nil (see [Value] for the full mapping).
// [Struct] is an ordered struct for encoding; a map[string]any is encoded
// with its keys sorted, and Go structs, slices and maps are encoded through
// reflection. [Fault] is both the error a fault response decodes to and the
// value that encodes one. [Unmarshal] copies a decoded Value into a typed Go
// value.
//
// # Encoding
//
// [MarshalResponse] and [MarshalCall] produce exactly what the reference
// produces (supervisor.xmlrpc.xmlrpc_marshal and xmlrpc.client.dumps): the
// header <?xml version='1.0'?>, one element per line as Python lays them
// out, always-explicit <string>, <int> (never <i4>), <boolean>1</boolean>,
// floats as repr() (0.1, 1e+20, -0.0, inf, nan), dates as
// YYYYMMDDTHH:MM:SS, base64 in 76-character lines each ending in a newline.
// Only &, < and > are escaped, like xmlrpc.client.escape; tabs, newlines
// and CRs are written raw (a receiving XML parser turns a CR into a newline,
// in the reference too). The differences from Python, all on inputs for
// which Python produces a broken document or an error:
//
//   - nil, integers outside int32 and years outside 1..9999 are errors
//     (ErrUnmarshalable), as in Python; the encoders never emit <nil/> or
//     <i8>.
//   - bytes that are not valid UTF-8 and characters XML 1.0 forbids (C0
//     controls except tab, LF and CR; U+FFFE; U+FFFF) are replaced by U+FFFD.
//     Python writes them raw, which yields XML that no parser, Python's
//     included, accepts (supervisorctl then fails with an ExpatError on
//     logs holding ANSI escape sequences: Supervisor/supervisor#85).
//   - method names are escaped like strings; Python writes them raw.
//   - values nested deeper than 1000 levels are an error (this is how a
//     cyclic value is caught).
//   - Python marshals arbitrary objects with a __dict__ as structs (a
//     function becomes an empty struct); here only the types listed under
//     Value are accepted.
//
// # Decoding
//
// [DecodeCall] mirrors the reference server's request parser
// (supervisor_xmlrpc_handler.loads), not xmlrpc.client: what a Python
// supervisord receives, ours receives too. In particular <i8>, <nil/> and
// any other unknown element are not understood: a <value> holding one
// receives the element's text, so <i8>-10</i8> is the string "-10" and
// <nil/> is nil; <base64> is decoded and returned as a string (and must be
// UTF-8); <boolean> is true for "1" and false for anything else; an untyped
// <value> is its text as a string; a missing <params> means no parameters;
// a missing or empty <methodName> is ErrNoMethodName.
//
// [DecodeResponse] mirrors xmlrpc.client.loads(use_builtin_types=True) as
// called by ServerProxy (and thus supervisorctl): <i8>, <nil/>, <ex:nil/>
// are understood, <boolean> must be "0" or "1", <base64> is []byte, a fault
// is returned as a *Fault error, a single result is unwrapped.
//
// Both apply Python's conversions to element text: int() for integers
// (surrounding white space, a sign, underscores between digits and Unicode
// digits are accepted: <int> 42 </int> is 42), float() for doubles ("inf",
// "nan", "1_0.5"), base64.decodebytes (characters outside the alphabet are
// skipped) and strptime("%Y%m%dT%H:%M:%S") for dates (single-digit fields
// and a lower-case "t" are accepted; the result is a naive time in
// time.UTC). String content keeps its white space.
//
// The decoders are streaming: encoding/xml's tokenizer is read token by
// token and only the values being built are kept. [DecodeCallBytes], for a
// request already in memory, first tries two fast paths that give the same
// result on the documents they accept and leave every other document to
// the full decoder: a direct parser of methodCalls laid out as XML-RPC
// clients write them, then a scanner of plain XML (no attributes,
// namespaces, comments, CDATA or character references) feeding the same
// unmarshaller as the full decoder. The tests check all three against each
// other on every document they compare with Python. [DecodeOptions] bounds the
// document size, the element nesting depth and the element count (defaults
// 16 MiB, 256, 2^20); exceeding one yields ErrLimit. XML well-formedness is
// checked as expat does, adding to encoding/xml's checks the ones it leaves
// out: one document element and no text outside it, matching end tags, no
// duplicate attributes, the XML declaration only at the start, white space
// after a processing instruction's target, only XML characters in comments
// and processing instructions, and in DecodeCall bound namespace prefixes
// and colon-free processing instruction targets. The input is read as UTF-8
// whatever encoding the XML declaration names, as the reference (which
// decodes the body to a str before parsing) does.
//
// Deliberate differences from the reference decoders:
//
//   - a DOCTYPE is rejected (ErrUnsupported): no DTD is read and no entity
//     is expanded. Python accepts internal DTDs and expands their entities.
//   - values with no Go form are ErrUnsupported: integers beyond 64 bits
//     (Python has big ints), structs with non-string keys (possible with
//     <value> elements in place of <name>), <bigdecimal>, faults whose code
//     is not an int or whose string is not a string. A value the reference
//     builds and then discards does not cause the error.
//   - an XML declaration with a version other than 1.0, and element or
//     attribute names with more than one colon, are rejected: encoding/xml
//     refuses them. Expat accepts any version string, and such names when
//     it does no namespace processing (as in xmlrpc.client).
//   - DecodeResponse returns dates as time.Time, whereas a default
//     ServerProxy returns xmlrpc.client.DateTime objects holding the raw
//     text without checking it; an invalid date is an error here.
//
// Decode errors wrap exactly one of ErrMalformed (the reference fails too;
// a server answers HTTP 400), ErrNoMethodName (HTTP 400 too), ErrLimit or
// ErrUnsupported; errors of the reader are wrapped as they are.
//
// # Tests
//
// The tests compare this package with the reference: encodings against
// supervisor.xmlrpc.xmlrpc_marshal and xmlrpc.client.dumps byte for byte,
// float formatting against repr() on random bit patterns, the text
// conversions against int(), float(), decimal.Decimal(), base64 and
// strptime on random inputs, and both decoders against
// supervisor_xmlrpc_handler.loads and xmlrpc.client.loads on a table of odd
// documents and on thousands of generated and randomly damaged ones. They
// need /usr/bin/python3
// with Debian's supervisor package and fail without it.
//
// The package has no goroutines and no global mutable state; all functions
// are safe for concurrent use.
package xmlrpc
