package xmlrpc

import (
	"fmt"
	"io"
	"strings"
)

// DecodeResponse reads a methodResponse document from r the way Python's
// xmlrpc.client does (Unmarshaller fed by expat without namespace
// processing, as used by supervisorctl), with use_builtin_types=True:
//
//   - a fault response returns a nil Value and a *Fault error;
//   - otherwise, like ServerProxy, the single parameter is returned, or a
//     []any holding all of them when there are none or several.
//
// Element handling follows Unmarshaller: <int>, <i4>, <i8>, <i1>, <i2> and
// <biginteger> are int() of their text, <double> and <float> float(),
// <boolean> must be exactly "0" or "1", <string> and an untyped <value>
// keep their text, <nil/> is nil, <base64> is []byte (decoded leniently; its
// text must be ASCII), <dateTime.iso8601> a time.Time in time.UTC. A prefix
// is ignored (<ex:nil/> is <nil/>). Unknown elements are skipped, except
// directly inside <value>, where they are an error. The text an element
// sees is the character data since the last start tag, as in Unmarshaller.
func DecodeResponse(r io.Reader, opts *DecodeOptions) (Value, error) {
	maxBytes, maxDepth, maxElems := opts.limits()
	sc := scanner{maxDepth: maxDepth, maxElems: maxElems}
	var u unmarshaller
	if err := sc.run(r, maxBytes, &u); err != nil {
		return nil, err
	}
	return u.close()
}

// respKind is an entry of Unmarshaller.dispatch.
type respKind uint8

const (
	rkUnknown respKind = iota
	rkNil
	rkBoolean
	rkInt
	rkDouble
	rkBigDecimal
	rkString
	rkArray
	rkStruct
	rkBase64
	rkDateTime
	rkValue
	rkParams
	rkFault
	rkMethodName
)

var respKinds = map[string]respKind{
	"nil":              rkNil,
	"boolean":          rkBoolean,
	"i1":               rkInt,
	"i2":               rkInt,
	"i4":               rkInt,
	"i8":               rkInt,
	"int":              rkInt,
	"biginteger":       rkInt,
	"double":           rkDouble,
	"float":            rkDouble,
	"bigdecimal":       rkBigDecimal,
	"string":           rkString,
	"name":             rkString,
	"array":            rkArray,
	"struct":           rkStruct,
	"base64":           rkBase64,
	"dateTime.iso8601": rkDateTime,
	"value":            rkValue,
	"params":           rkParams,
	"fault":            rkFault,
	"methodName":       rkMethodName,
}

func localName(tag string) string {
	if i := strings.LastIndexByte(tag, ':'); i >= 0 {
		return tag[i+1:]
	}
	return tag
}

// unmarshaller mirrors xmlrpc.client.Unmarshaller.
type unmarshaller struct {
	stack []any
	marks []int
	data  []byte
	value bool
	typ   string // "", "params", "fault" or "methodName"
}

func (u *unmarshaller) start(tag string) error {
	t := localName(tag)
	if t == "array" || t == "struct" {
		u.marks = append(u.marks, len(u.stack))
	}
	u.data = u.data[:0]
	if u.value && respKinds[t] == rkUnknown {
		return malformed("unknown tag %q", t)
	}
	u.value = t == "value"
	return nil
}

func (u *unmarshaller) text(b []byte) { u.data = append(u.data, b...) }

func (u *unmarshaller) end(tag string) error {
	k, ok := respKinds[tag]
	if !ok {
		if !strings.Contains(tag, ":") {
			return nil
		}
		if k, ok = respKinds[localName(tag)]; !ok {
			return nil
		}
	}
	var data string
	switch k {
	case rkBoolean, rkInt, rkDouble, rkBigDecimal, rkString, rkBase64, rkDateTime:
		data = string(u.data)
	case rkValue:
		if u.value {
			data = string(u.data)
		}
	}
	switch k {
	case rkNil:
		u.stack = append(u.stack, nil)
		u.value = false
	case rkBoolean:
		switch data {
		case "0":
			u.stack = append(u.stack, false)
		case "1":
			u.stack = append(u.stack, true)
		default:
			return malformed("bad boolean value %q", truncate(data))
		}
		u.value = false
	case rkInt:
		n, err := pyInt(data)
		if err != nil {
			return malformed("invalid integer %q", truncate(data))
		}
		u.stack = append(u.stack, n)
		u.value = false
	case rkDouble:
		f, err := pyFloat(data)
		if err != nil {
			return malformed("invalid double %q", truncate(data))
		}
		u.stack = append(u.stack, f)
		u.value = false
	case rkBigDecimal:
		if !pyDecimalValid(data) {
			return malformed("invalid bigdecimal %q", truncate(data))
		}
		u.stack = append(u.stack, pyDecimal{})
		u.value = false
	case rkString:
		u.stack = append(u.stack, data)
		u.value = false
	case rkArray:
		mark, err := u.popMark()
		if err != nil {
			return err
		}
		items := make([]any, len(u.stack)-mark)
		copy(items, u.stack[mark:])
		u.stack = append(u.stack[:mark], items)
		u.value = false
	case rkStruct:
		mark, err := u.popMark()
		if err != nil {
			return err
		}
		items := u.stack[mark:]
		if len(items)%2 != 0 {
			return malformed("struct member without a name or a value")
		}
		m := make(map[string]any, len(items)/2)
		nonString := false
		for i := 0; i < len(items); i += 2 {
			switch key := items[i].(type) {
			case string:
				m[key] = items[i+1]
			default:
				if !pyHashable(key) {
					return malformed("unhashable struct member name")
				}
				nonString = true
			}
		}
		var v any = m
		if nonString {
			v = pyDict{}
		}
		u.stack = append(u.stack[:mark], v)
		u.value = false
	case rkBase64:
		for i := 0; i < len(data); i++ {
			if data[i] >= 0x80 {
				return malformed("non-ASCII character in <base64>")
			}
		}
		b, err := pyBase64([]byte(data))
		if err != nil {
			return malformed("invalid <base64>")
		}
		u.stack = append(u.stack, b)
		u.value = false
	case rkDateTime:
		t, err := pyStrptime(data)
		if err != nil {
			return malformed("invalid <dateTime.iso8601> %q", truncate(data))
		}
		u.stack = append(u.stack, t) // end_dateTime leaves _value alone
	case rkValue:
		if u.value {
			u.stack = append(u.stack, data)
			u.value = false
		}
	case rkParams:
		u.typ = "params"
	case rkFault:
		u.typ = "fault"
	case rkMethodName:
		u.typ = "methodName"
	}
	return nil
}

func (u *unmarshaller) popMark() (int, error) {
	n := len(u.marks)
	if n == 0 {
		return 0, malformed("unbalanced array or struct")
	}
	mark := u.marks[n-1]
	u.marks = u.marks[:n-1]
	if mark > len(u.stack) {
		// Cannot happen with balanced elements; guard the slice anyway.
		return 0, malformed("unbalanced array or struct")
	}
	return mark, nil
}

// close mirrors Unmarshaller.close and ServerProxy's unwrapping of a
// one-element result.
func (u *unmarshaller) close() (Value, error) {
	if u.typ == "" || len(u.marks) > 0 {
		return nil, malformed("response has no <params> or <fault>")
	}
	if u.typ == "fault" {
		return nil, u.fault()
	}
	if err := unsupported(u.stack); err != nil {
		return nil, err
	}
	if len(u.stack) == 1 {
		return u.stack[0], nil
	}
	if u.stack == nil {
		return []any{}, nil
	}
	return u.stack, nil
}

// fault mirrors Fault(**stack[0]).
func (u *unmarshaller) fault() error {
	if len(u.stack) == 0 {
		return malformed("empty fault")
	}
	m, ok := u.stack[0].(map[string]any)
	if !ok {
		return malformed("fault is not a struct")
	}
	code, hasCode := m["faultCode"]
	str, hasString := m["faultString"]
	_, hasSelf := m["self"]
	if !hasCode || !hasString || hasSelf {
		return malformed("fault struct without faultCode and faultString")
	}
	f := &Fault{}
	switch c := code.(type) {
	case int:
		f.Code = c
	default:
		return fmt.Errorf("%w: faultCode of type %T", ErrUnsupported, code)
	}
	s, ok := str.(string)
	if !ok {
		return fmt.Errorf("%w: faultString of type %T", ErrUnsupported, str)
	}
	f.String = s
	return f
}

var _ sink = (*unmarshaller)(nil)
