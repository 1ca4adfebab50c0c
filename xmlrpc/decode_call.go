package xmlrpc

import (
	"bytes"
	"io"
	"unicode/utf8"
)

// Call is a decoded methodCall.
type Call struct {
	Method string
	Params []Value // nil when the document has no <params>
}

// DecodeCall reads a methodCall document from r the way the reference
// server does (supervisor.xmlrpc.supervisor_xmlrpc_handler.loads, an
// ElementTree iterparse loop with its own unmarshallers), so requests that
// reach a Python supervisord reach ours with the same parameters:
//
//   - <int> and <i4> are int() of their text: surrounding white space,
//     underscores between digits and Unicode digits are accepted.
//   - <boolean> is true if its text is exactly "1" and false otherwise.
//   - <string> and an untyped <value> keep their text verbatim.
//   - <double> is float() of its text ("inf", "nan", "1_0.5" accepted).
//   - <dateTime.iso8601> is strptime(text, "%Y%m%dT%H:%M:%S"), a time.Time
//     in time.UTC.
//   - <base64> is decoded leniently (base64.decodebytes) and returned as a
//     string; bytes that are not UTF-8 make the request malformed.
//   - any other element (<i8>, <nil/>, <ex:nil/>, <foo>) is not understood:
//     a <value> holding it gets the element's text, so <i8>-10</i8> arrives
//     as the string "-10" and <nil/> as nil.
//   - a missing <params> gives no parameters.
//
// The document element is not checked, the last <methodName> and <params>
// win, and XML-RPC elements in an XML namespace are unknown elements. A
// missing or empty <methodName> yields ErrNoMethodName.
func DecodeCall(r io.Reader, opts *DecodeOptions) (*Call, error) {
	return decodeCall(r, opts)
}

// DecodeCallBytes is DecodeCall on a document held in memory. It does not
// keep data nor refer to it in its result.
func DecodeCallBytes(data []byte, opts *DecodeOptions) (*Call, error) {
	maxBytes, maxDepth, maxElems := opts.limits()
	if maxBytes < 0 || int64(len(data)) <= maxBytes {
		if c, ok := fastCall(data, maxDepth, maxElems); ok {
			return c, nil
		}
		var c callSink
		if fastScan(data, maxDepth, maxElems, &c) {
			return c.call()
		}
	}
	return decodeCall(bytes.NewReader(data), opts)
}

// decodeCall decodes with the full scanner.
func decodeCall(r io.Reader, opts *DecodeOptions) (*Call, error) {
	maxBytes, maxDepth, maxElems := opts.limits()
	sc := scanner{ns: true, maxDepth: maxDepth, maxElems: maxElems}
	var c callSink
	if err := sc.run(r, maxBytes, &c); err != nil {
		return nil, err
	}
	return c.call()
}

// call is the Call of a document the sink received whole.
func (c *callSink) call() (*Call, error) {
	if c.method == nil || *c.method == "" {
		return nil, ErrNoMethodName
	}
	if err := unsupported(c.params); err != nil {
		return nil, err
	}
	return &Call{Method: *c.method, Params: c.params}, nil
}

// callKind is an element type known to the reference's request parser.
type callKind uint8

const (
	ckOther callKind = iota
	ckInt
	ckBoolean
	ckString
	ckDouble
	ckDateTime
	ckArray
	ckData
	ckStruct
	ckBase64
	ckParam
	ckValue
	ckMethodName
	ckParams
)

var callKinds = map[string]callKind{
	"int":              ckInt,
	"i4":               ckInt,
	"boolean":          ckBoolean,
	"string":           ckString,
	"double":           ckDouble,
	"dateTime.iso8601": ckDateTime,
	"array":            ckArray,
	"data":             ckData,
	"struct":           ckStruct,
	"base64":           ckBase64,
	"param":            ckParam,
	"value":            ckValue,
	"methodName":       ckMethodName,
	"params":           ckParams,
}

// callKindOf is callKinds[tag], without hashing for the usual tags.
func callKindOf(tag string) callKind {
	switch tag {
	case "value":
		return ckValue
	case "string":
		return ckString
	case "member", "name", "methodCall":
		return ckOther
	case "struct":
		return ckStruct
	case "int", "i4":
		return ckInt
	case "param":
		return ckParam
	case "params":
		return ckParams
	case "array":
		return ckArray
	case "data":
		return ckData
	case "methodName":
		return ckMethodName
	}
	return callKinds[tag]
}

// oneByte holds every one-byte string, as interface values.
var oneByte = func() (t [256]any) {
	for i := range t {
		t[i] = string([]byte{byte(i)})
	}
	return t
}()

// callFrame is an open element. As in ElementTree, its text is the
// character data before its first child (later text is a child's tail,
// which the reference never reads).
type callFrame struct {
	kind     callKind
	text     []byte
	sawChild bool
	kids     []callNode
}

// callNode is what the reference can still see of a finished element: its
// .text (None, a string, or the unmarshalled value that replaced it) and,
// for elements that were not cleared, the number of children and the .text
// of the first two (a <struct> unpacks each member into (name, value)).
type callNode struct {
	text   any
	nkids  int
	k0, k1 any
}

type callSink struct {
	stack  []callFrame
	method *string
	params []any
	spare  [][]callNode // recycled kids slices
}

func (c *callSink) start(tag string) error {
	if n := len(c.stack); n > 0 {
		c.stack[n-1].sawChild = true
	}
	f := callFrame{kind: callKindOf(tag)}
	if k := len(c.spare); k > 0 {
		f.kids, c.spare = c.spare[k-1][:0], c.spare[:k-1]
	}
	if n := len(c.stack); n < cap(c.stack) {
		// Reuse the text buffer of the last frame popped from here: its
		// text was copied when it ended.
		f.text = c.stack[:n+1][n].text[:0]
	}
	c.stack = append(c.stack, f)
	return nil
}

func (c *callSink) text(b []byte) {
	f := &c.stack[len(c.stack)-1]
	if !f.sawChild {
		f.text = append(f.text, b...)
	}
}

func (c *callSink) end(string) error {
	f := &c.stack[len(c.stack)-1]
	var text any // ElementTree's elem.text: None unless there was data
	if len(f.text) == 1 {
		text = oneByte[f.text[0]] // often "\n" between elements: no allocation
	} else if len(f.text) > 0 {
		text = string(f.text)
	}
	node, err := c.unmarshal(f, text)
	if err != nil {
		return err
	}
	if f.kids != nil {
		c.spare = append(c.spare, f.kids)
	}
	c.stack = c.stack[:len(c.stack)-1]
	if n := len(c.stack); n > 0 {
		c.stack[n-1].kids = append(c.stack[n-1].kids, node)
	}
	return nil
}

func kidTexts(kids []callNode) []any {
	out := make([]any, len(kids))
	for i, k := range kids {
		out[i] = k.text
	}
	return out
}

// unmarshal mirrors one iteration of the reference's loads loop for an
// element that just ended.
func (c *callSink) unmarshal(f *callFrame, text any) (callNode, error) {
	var v any
	switch f.kind {
	case ckInt:
		s, ok := text.(string)
		if !ok {
			return callNode{}, malformed("empty <int>")
		}
		n, err := pyInt(s)
		if err != nil {
			return callNode{}, malformed("invalid <int> %q", truncate(s))
		}
		v = n
	case ckBoolean:
		v = text == "1"
	case ckString:
		if text == nil {
			text = ""
		}
		v = text
	case ckDouble:
		s, ok := text.(string)
		if !ok {
			return callNode{}, malformed("empty <double>")
		}
		x, err := pyFloat(s)
		if err != nil {
			return callNode{}, malformed("invalid <double> %q", truncate(s))
		}
		v = x
	case ckDateTime:
		s, ok := text.(string)
		if !ok {
			return callNode{}, malformed("empty <dateTime.iso8601>")
		}
		t, err := pyStrptime(s)
		if err != nil {
			return callNode{}, malformed("invalid <dateTime.iso8601> %q", truncate(s))
		}
		v = t
	case ckArray:
		if len(f.kids) == 0 {
			return callNode{}, malformed("<array> without <data>")
		}
		v = f.kids[0].text
	case ckData:
		v = kidTexts(f.kids)
	case ckStruct:
		m := make(map[string]any, len(f.kids))
		nonString := false
		for _, mem := range f.kids {
			if mem.nkids != 2 {
				return callNode{}, malformed("struct member with %d children instead of 2", mem.nkids)
			}
		}
		for _, mem := range f.kids {
			key := mem.k0
			if !pyTruthy(key) {
				key = ""
			}
			switch k := key.(type) {
			case string:
				m[k] = mem.k1
			default:
				if !pyHashable(k) {
					return callNode{}, malformed("unhashable struct member name")
				}
				nonString = true
			}
		}
		if nonString {
			v = pyDict{}
		} else {
			v = m
		}
	case ckBase64:
		s, _ := text.(string)
		b, err := pyBase64([]byte(s))
		if err != nil {
			return callNode{}, malformed("invalid <base64>")
		}
		if !utf8.Valid(b) {
			return callNode{}, malformed("<base64> content is not UTF-8 text")
		}
		v = string(b)
	case ckParam:
		if len(f.kids) == 0 {
			return callNode{}, malformed("empty <param>")
		}
		v = f.kids[0].text
	case ckValue:
		if len(f.kids) > 0 {
			v = f.kids[0].text
		} else if text == nil {
			v = ""
		} else {
			v = text
		}
	default:
		// Not cleared: keep text and children visible to the parent.
		switch f.kind {
		case ckMethodName:
			if s, ok := text.(string); ok {
				c.method = &s
			} else {
				c.method = nil
			}
		case ckParams:
			c.params = kidTexts(f.kids)
		}
		n := callNode{text: text, nkids: len(f.kids)}
		if n.nkids > 0 {
			n.k0 = f.kids[0].text
		}
		if n.nkids > 1 {
			n.k1 = f.kids[1].text
		}
		return n, nil
	}
	return callNode{text: v}, nil
}

var _ sink = (*callSink)(nil)
