package xmlrpc

import (
	"encoding/base64"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of the XML-RPC <int> type (xmlrpc.client.MAXINT / MININT).
const (
	MaxInt = math.MaxInt32
	MinInt = math.MinInt32
)

// maxEncodeDepth bounds the nesting of encoded values. Python detects
// recursive containers with a memo; Go values cannot easily be checked that
// way, so a cyclic value (a slice containing itself) fails here instead of
// recursing forever.
const maxEncodeDepth = 1000

// xmlHeader is what xmlrpc.client.dumps writes for the default encoding.
const xmlHeader = "<?xml version='1.0'?>\n"

// MarshalResponse returns the methodResponse document for v, byte for byte
// what Python's xmlrpc.client.dumps((v,), methodresponse=True) produces (the
// reference's xmlrpc_marshal). If v is a *Fault or a Fault the document is a
// fault response, as dumps(Fault(code, string)) produces.
func MarshalResponse(v Value) ([]byte, error) {
	return AppendResponse(make([]byte, 0, 256), v)
}

// AppendResponse appends to dst the document MarshalResponse returns for v,
// and returns the extended buffer. On error the returned slice is nil. It
// lets a server encode into a buffer it reuses.
func AppendResponse(dst []byte, v Value) ([]byte, error) {
	var f *Fault
	switch x := v.(type) {
	case *Fault:
		if x == nil {
			return nil, fmt.Errorf("%w: nil *Fault", ErrUnmarshalable)
		}
		f = x
	case Fault:
		f = &x
	}
	e := encoder{buf: dst}
	e.str(xmlHeader + "<methodResponse>\n")
	if f != nil {
		e.str("<fault>\n")
		if err := e.fault(f); err != nil {
			return nil, err
		}
		e.str("</fault>\n")
	} else {
		e.str("<params>\n<param>\n")
		if err := e.value(v); err != nil {
			return nil, err
		}
		e.str("</param>\n</params>\n")
	}
	e.str("</methodResponse>\n")
	return e.buf, nil
}

// Encoded is a value already encoded, as AppendValue writes it
// ("<value>...</value>\n"): the encoders copy it as it is. It lets a server
// keep the encoding of a value that does not change from one response to
// the next. No decoder produces it.
type Encoded string

// AppendValue appends v as one <value> element, as the encoders write it
// inside a document, and returns the extended buffer; on error, nil.
func AppendValue(dst []byte, v Value) ([]byte, error) {
	e := encoder{buf: dst}
	if err := e.value(v); err != nil {
		return nil, err
	}
	return e.buf, nil
}

// MarshalCall returns the methodCall document for method and params, byte
// for byte what xmlrpc.client.dumps(tuple(params), methodname=method)
// produces, except that the method name is escaped like a string (Python
// writes it raw, producing broken XML for names containing &, < or >).
func MarshalCall(method string, params ...Value) ([]byte, error) {
	if method == "" {
		return nil, fmt.Errorf("%w: empty method name", ErrUnmarshalable)
	}
	e := encoder{buf: make([]byte, 0, 256)}
	e.str(xmlHeader + "<methodCall>\n<methodName>")
	e.text(method)
	e.str("</methodName>\n<params>\n")
	for _, p := range params {
		e.str("<param>\n")
		if err := e.value(p); err != nil {
			return nil, err
		}
		e.str("</param>\n")
	}
	e.str("</params>\n</methodCall>\n")
	return e.buf, nil
}

type encoder struct {
	buf   []byte
	depth int
}

func (e *encoder) str(s string) { e.buf = append(e.buf, s...) }

func (e *encoder) fault(f *Fault) error {
	if err := e.open(); err != nil {
		return err
	}
	e.str("<value><struct>\n<member>\n<name>faultCode</name>\n")
	if err := e.int64(int64(f.Code)); err != nil {
		return err
	}
	e.str("</member>\n<member>\n<name>faultString</name>\n")
	e.string(f.String)
	e.str("</member>\n</struct></value>\n")
	e.depth--
	return nil
}

func (e *encoder) open() error {
	e.depth++
	if e.depth > maxEncodeDepth {
		return fmt.Errorf("%w: values nested deeper than %d (recursive value?)", ErrUnmarshalable, maxEncodeDepth)
	}
	return nil
}

// value mirrors Marshaller.__dump: each value is written as
// "<value>...</value>\n".
func (e *encoder) value(v Value) error {
	switch x := v.(type) {
	case nil:
		return fmt.Errorf("%w: nil (XML-RPC has no None)", ErrUnmarshalable)
	case string:
		e.string(x)
	case int:
		return e.int64(int64(x))
	case bool:
		if x {
			e.str("<value><boolean>1</boolean></value>\n")
		} else {
			e.str("<value><boolean>0</boolean></value>\n")
		}
	case float64:
		e.double(x)
	case []byte:
		e.bytes(x)
	case time.Time:
		return e.time(x)
	case []any:
		return e.list(x)
	case Struct:
		return e.structure(x)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		return e.members(len(keys), func(i int) (string, Value) { return keys[i], x[keys[i]] })
	case *Fault:
		if x == nil {
			return fmt.Errorf("%w: nil *Fault", ErrUnmarshalable)
		}
		return e.fault(x)
	case Fault:
		return e.fault(&x)
	case Encoded:
		e.str(string(x))
	case int64:
		return e.int64(x)
	case int32:
		return e.int64(int64(x))
	default:
		return e.reflect(reflect.ValueOf(v))
	}
	return nil
}

func (e *encoder) int64(n int64) error {
	if n > MaxInt || n < MinInt {
		return fmt.Errorf("%w: int exceeds XML-RPC limits: %d", ErrUnmarshalable, n)
	}
	e.str("<value><int>")
	e.buf = strconv.AppendInt(e.buf, n, 10)
	e.str("</int></value>\n")
	return nil
}

func (e *encoder) string(s string) {
	e.str("<value><string>")
	e.text(s)
	e.str("</string></value>\n")
}

func (e *encoder) double(f float64) {
	e.str("<value><double>")
	e.buf = AppendFloat(e.buf, f)
	e.str("</double></value>\n")
}

// bytes mirrors dump_bytes: base64.encodebytes output, that is lines of at
// most 76 characters each followed by a newline.
func (e *encoder) bytes(b []byte) {
	e.str("<value><base64>\n")
	const chunk = 57 // 57 input bytes = 76 output characters
	for len(b) > 0 {
		n := min(chunk, len(b))
		e.buf = base64.StdEncoding.AppendEncode(e.buf, b[:n])
		e.buf = append(e.buf, '\n')
		b = b[n:]
	}
	e.str("</base64></value>\n")
}

// time mirrors dump_datetime: the wall clock of t in its own location
// (Python writes the naive fields of a datetime, ignoring tzinfo), formatted
// %4Y%m%dT%H:%M:%S; fractional seconds are dropped.
func (e *encoder) time(t time.Time) error {
	if t.Year() < 1 || t.Year() > 9999 {
		return fmt.Errorf("%w: year %d out of range 1..9999", ErrUnmarshalable, t.Year())
	}
	e.str("<value><dateTime.iso8601>")
	e.buf = AppendDateTime(e.buf, t)
	e.str("</dateTime.iso8601></value>\n")
	return nil
}

// AppendDateTime appends t in the dateTime.iso8601 form Python writes
// (YYYYMMDDTHH:MM:SS, the wall clock of t's location, the year zero padded
// to four digits).
func AppendDateTime(dst []byte, t time.Time) []byte {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	dst = appendPadded(dst, y, 4)
	dst = appendPadded(dst, int(mo), 2)
	dst = appendPadded(dst, d, 2)
	dst = append(dst, 'T')
	dst = appendPadded(dst, h, 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, mi, 2)
	dst = append(dst, ':')
	return appendPadded(dst, s, 2)
}

func appendPadded(dst []byte, n, width int) []byte {
	s := strconv.Itoa(n)
	for i := len(s); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

func (e *encoder) array(n int, item func(int) error) error {
	if err := e.open(); err != nil {
		return err
	}
	e.str("<value><array><data>\n")
	for i := range n {
		if err := item(i); err != nil {
			return err
		}
	}
	e.str("</data></array></value>\n")
	e.depth--
	return nil
}

// list is array for a []any, without a call through a closure per item.
func (e *encoder) list(x []any) error {
	if err := e.open(); err != nil {
		return err
	}
	e.str("<value><array><data>\n")
	for _, v := range x {
		if err := e.value(v); err != nil {
			return err
		}
	}
	e.str("</data></array></value>\n")
	e.depth--
	return nil
}

// structure is members for a Struct, without a call through a closure per
// member. String and int members, the most common, are written here, into
// a local slice: a store to e.buf through the pointer e costs a write
// barrier while the garbage collector runs.
func (e *encoder) structure(x Struct) error {
	if err := e.open(); err != nil {
		return err
	}
	buf := append(e.buf, "<value><struct>\n"...)
	for i := range x {
		m := &x[i]
		buf = append(buf, "<member>\n<name>"...)
		buf = appendText(buf, m.Name)
		switch v := m.Value.(type) {
		case string:
			buf = append(buf, "</name>\n<value><string>"...)
			buf = appendText(buf, v)
			buf = append(buf, "</string></value>\n</member>\n"...)
			continue
		case int:
			if MinInt <= v && v <= MaxInt {
				buf = append(buf, "</name>\n<value><int>"...)
				buf = strconv.AppendInt(buf, int64(v), 10)
				buf = append(buf, "</int></value>\n</member>\n"...)
				continue
			}
		}
		e.buf = append(buf, "</name>\n"...)
		if err := e.value(m.Value); err != nil {
			return fmt.Errorf("member %q: %w", m.Name, err)
		}
		buf = append(e.buf, "</member>\n"...)
	}
	e.buf = append(buf, "</struct></value>\n"...)
	e.depth--
	return nil
}

func (e *encoder) members(n int, member func(int) (string, Value)) error {
	if err := e.open(); err != nil {
		return err
	}
	e.str("<value><struct>\n")
	for i := range n {
		name, v := member(i)
		e.str("<member>\n<name>")
		e.text(name)
		e.str("</name>\n")
		if err := e.value(v); err != nil {
			return fmt.Errorf("member %q: %w", name, err)
		}
		e.str("</member>\n")
	}
	e.str("</struct></value>\n")
	e.depth--
	return nil
}

// reflect handles the Go types that are not one of the canonical Value
// types: other integer and float kinds, named types, pointers, slices,
// arrays, maps with string keys and structs.
func (e *encoder) reflect(rv reflect.Value) error {
	if !rv.IsValid() {
		return fmt.Errorf("%w: nil (XML-RPC has no None)", ErrUnmarshalable)
	}
	if rv.Type() == timeType {
		return e.time(rv.Interface().(time.Time))
	}
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return fmt.Errorf("%w: nil %s (XML-RPC has no None)", ErrUnmarshalable, rv.Type())
		}
		if err := e.open(); err != nil {
			return err
		}
		err := e.value(rv.Elem().Interface())
		e.depth--
		return err
	case reflect.Bool:
		return e.value(rv.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return e.int64(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := rv.Uint()
		if u > MaxInt {
			return fmt.Errorf("%w: int exceeds XML-RPC limits: %d", ErrUnmarshalable, u)
		}
		return e.int64(int64(u))
	case reflect.Float32, reflect.Float64:
		e.double(rv.Float())
		return nil
	case reflect.String:
		e.string(rv.String())
		return nil
	case reflect.Slice, reflect.Array:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			b := make([]byte, rv.Len())
			reflect.Copy(reflect.ValueOf(b), rv)
			e.bytes(b)
			return nil
		}
		return e.array(rv.Len(), func(i int) error { return e.value(rv.Index(i).Interface()) })
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return fmt.Errorf("%w: dictionary key must be string, not %s", ErrUnmarshalable, rv.Type().Key())
		}
		keys := rv.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		return e.members(len(keys), func(i int) (string, Value) {
			return keys[i].String(), rv.MapIndex(keys[i]).Interface()
		})
	case reflect.Struct:
		fields := structFields(rv.Type())
		return e.members(len(fields), func(i int) (string, Value) {
			return fields[i].name, rv.Field(fields[i].index).Interface()
		})
	}
	return fmt.Errorf("%w: cannot marshal %s objects", ErrUnmarshalable, rv.Type())
}

var timeType = reflect.TypeFor[time.Time]()

type field struct {
	name  string
	index int
}

// structFields lists the exported fields of t with their XML-RPC member
// names: the `xmlrpc:"name"` tag, else the Go field name; `xmlrpc:"-"`
// skips the field. Embedded structs are not flattened.
func structFields(t reflect.Type) []field {
	var fs []field
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name := sf.Name
		if tag, ok := sf.Tag.Lookup("xmlrpc"); ok {
			if tag == "-" {
				continue
			}
			if tag != "" {
				name = tag
			}
		}
		fs = append(fs, field{name: name, index: i})
	}
	return fs
}

// text appends s as XML character data the way xmlrpc.client.escape does
// (only &, < and > are escaped; quotes, tabs, CR and LF are written raw),
// except that bytes that are not valid UTF-8 and characters XML 1.0 forbids
// (C0 controls other than tab, LF and CR, U+FFFE, U+FFFF) are replaced by
// U+FFFD. Python writes those raw, producing a document no XML parser (its
// own included) accepts; replacing them keeps the response parseable.
func (e *encoder) text(s string) { e.buf = appendText(e.buf, s) }

// appendText is text appending to dst.
func appendText(dst []byte, s string) []byte {
	// Fast path: a run of printable ASCII other than &, < and > (and tab,
	// LF, CR) is copied as it is; most strings are nothing else.
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if !plainWord(w) {
			break
		}
	}
	for i < len(s) && plainText[s[i]] {
		i++
	}
	if i == len(s) {
		return append(dst, s...)
	}
	return appendTextFrom(dst, s, i)
}

// plainWord reports whether none of the 8 bytes of w is a control
// character (tab, LF and CR included), &, <, > or above 0x7F: whether
// text copies them as they are. (The tests for bytes below 0x20 and equal
// to a value may also flag a byte just above a flagged one, but never a
// word whose bytes are all plain.)
func plainWord(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	zero := func(x uint64) uint64 { return (x - ones) &^ x & highs }
	return (w&highs)|((w-0x20*ones)&^w&highs)|zero(w^('&'*ones))|zero(w^('<'*ones))|zero(w^('>'*ones)) == 0
}

// plainText holds the bytes text copies unchanged without looking further.
var plainText = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '&' && c != '<' && c != '>'
	}
	t['\t'], t['\n'], t['\r'] = true, true, true
	return t
}()

// appendTextFrom is appendText's general case; s[:i] needs no escaping.
func appendTextFrom(dst []byte, s string, i int) []byte {
	start := 0
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			var esc string
			switch {
			case c == '&':
				esc = "&amp;"
			case c == '<':
				esc = "&lt;"
			case c == '>':
				esc = "&gt;"
			case c < 0x20 && c != '\t' && c != '\n' && c != '\r':
				esc = "\uFFFD"
			default:
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = append(dst, esc...)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == 0xFFFE || r == 0xFFFF {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\uFFFD"...)
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(dst, s[start:]...)
}

// AppendFloat appends f formatted like Python's repr(float): the shortest
// representation that round-trips, in positional notation when the decimal
// exponent is in [-4, 16) (with ".0" added to integral values) and in
// scientific notation with a signed, at least two digit exponent otherwise;
// "inf", "-inf" and "nan" for the special values.
func AppendFloat(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "nan"...)
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case f == 0:
		if math.Signbit(f) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	if f < 0 {
		dst = append(dst, '-')
		f = -f
	}
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', -1, 64) // d[.ddd]e±XX
	ei := 0
	for e[ei] != 'e' {
		ei++
	}
	exp, _ := strconv.Atoi(string(e[ei+1:]))
	var digits []byte
	digits = append(digits, e[0])
	if ei > 1 {
		digits = append(digits, e[2:ei]...)
	}
	decpt := exp + 1 // digits are 0.DDDD * 10^decpt
	if decpt > -4 && decpt <= 16 {
		switch {
		case decpt <= 0:
			dst = append(dst, "0."...)
			for range -decpt {
				dst = append(dst, '0')
			}
			dst = append(dst, digits...)
		case decpt >= len(digits):
			dst = append(dst, digits...)
			for range decpt - len(digits) {
				dst = append(dst, '0')
			}
			dst = append(dst, ".0"...)
		default:
			dst = append(dst, digits[:decpt]...)
			dst = append(dst, '.')
			dst = append(dst, digits[decpt:]...)
		}
		return dst
	}
	dst = append(dst, digits[0])
	if len(digits) > 1 {
		dst = append(dst, '.')
		dst = append(dst, digits[1:]...)
	}
	dst = append(dst, 'e')
	if exp < 0 {
		dst = append(dst, '-')
		exp = -exp
	} else {
		dst = append(dst, '+')
	}
	if exp < 10 {
		dst = append(dst, '0')
	}
	return strconv.AppendInt(dst, int64(exp), 10)
}
