package execplugin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/supervisorgo/supervisor/internal/jsonrpc"
)

const (
	dateTimeLayout = jsonrpc.DateTimeLayout // dateTime.iso8601 in the protocol's table
	maxDepth       = jsonrpc.MaxValueDepth  // nesting of decoded and encoded values
)

// ErrType is wrapped by the errors of value conversions: a JSON value with
// no XML-RPC form, a Go value with no JSON form, or an As of the wrong
// type.
var ErrType = errors.New("execplugin: value cannot be converted")

// decodeValue converts one JSON value to its Go form per the protocol's
// type table: a number without '.', 'e' or 'E' is an int (it must fit in
// 64 bits), any other number a float64; {"$base64": s} is []byte;
// {"$datetime": s} is a time.Time in UTC; other objects are
// map[string]any, arrays []any, and null nil. An empty raw value is nil.
func decodeValue(raw []byte) (any, error) {
	return jsonrpc.DecodeValue(raw, ErrType)
}

// decodeParams converts a request's params (an array, or absent) to a slice.
func decodeParams(raw []byte) ([]any, error) {
	v, err := decodeValue(raw)
	if err != nil {
		return nil, err
	}
	switch p := v.(type) {
	case nil:
		return nil, nil
	case []any:
		return p, nil
	}
	return nil, fmt.Errorf("%w: params is not an array", ErrType)
}

// encodeValue returns v's JSON form per the protocol's type table.
func encodeValue(v any) (json.RawMessage, error) { return valueEncoder.Encode(v) }

// valueEncoder adds to the table json.RawMessage (written as it is), typed
// slices and maps of the common element types, and, for anything else,
// encoding/json's form.
var valueEncoder = &jsonrpc.ValueEncoder{Kind: ErrType, Other: func(e *jsonrpc.ValueEncoder, buf *bytes.Buffer, v any, depth int) (bool, error) {
	switch x := v.(type) {
	case json.RawMessage:
		if !json.Valid(x) {
			return true, fmt.Errorf("%w: invalid json.RawMessage", ErrType)
		}
		buf.Write(x)
		return true, nil
	case []string:
		return true, jsonrpc.AppendSlice(e, buf, x, depth)
	case []int:
		return true, jsonrpc.AppendSlice(e, buf, x, depth)
	case []int64:
		return true, jsonrpc.AppendSlice(e, buf, x, depth)
	case []float64:
		return true, jsonrpc.AppendSlice(e, buf, x, depth)
	case []bool:
		return true, jsonrpc.AppendSlice(e, buf, x, depth)
	case []map[string]any:
		return true, jsonrpc.AppendSlice(e, buf, x, depth)
	case map[string]string:
		return true, jsonrpc.AppendMap(e, buf, x, depth)
	case map[string]int:
		return true, jsonrpc.AppendMap(e, buf, x, depth)
	case map[string]float64:
		return true, jsonrpc.AppendMap(e, buf, x, depth)
	case map[string]bool:
		return true, jsonrpc.AppendMap(e, buf, x, depth)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return true, fmt.Errorf("%w: %T: %v", ErrType, v, err)
	}
	buf.Write(b)
	return true, nil
}}

// As converts a decoded value (a parameter, or the result of Call) to T.
// T may be any type the value already has, or: int64, int32 and float64
// from an int; []string, []int and []any's other element types from an
// array whose elements convert; map[string]string and map[string]int from a
// struct whose members convert; an interface type from anything, nil
// included. Any other mismatch is an error wrapping ErrType.
func As[T any](v any) (T, error) {
	var zero T
	if t, ok := v.(T); ok {
		return t, nil
	}
	if v == nil && any(zero) == nil {
		return zero, nil // T is an interface type
	}
	var out any
	switch any(zero).(type) {
	case int64:
		if n, ok := v.(int); ok {
			out = int64(n)
		}
	case int32:
		if n, ok := v.(int); ok && n >= math.MinInt32 && n <= math.MaxInt32 {
			out = int32(n)
		}
	case float64:
		if n, ok := v.(int); ok {
			out = float64(n)
		}
	case []string:
		out = asSlice[string](v)
	case []int:
		out = asSlice[int](v)
	case []float64:
		out = asSlice[float64](v)
	case []bool:
		out = asSlice[bool](v)
	case []map[string]any:
		out = asSlice[map[string]any](v)
	case map[string]string:
		out = asMap[string](v)
	case map[string]int:
		out = asMap[int](v)
	}
	if t, ok := out.(T); ok {
		return t, nil
	}
	return zero, fmt.Errorf("%w: %s where %s is expected", ErrType, describe(v), describeType[T]())
}

// asSlice converts an array to []E, or returns nil (an untyped nil, so the
// caller's type check fails).
func asSlice[E any](v any) any {
	a, ok := v.([]any)
	if !ok {
		return nil
	}
	out := make([]E, len(a))
	for i, e := range a {
		c, err := As[E](e)
		if err != nil {
			return nil
		}
		out[i] = c
	}
	return out
}

func asMap[E any](v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	out := make(map[string]E, len(m))
	for k, e := range m {
		c, err := As[E](e)
		if err != nil {
			return nil
		}
		out[k] = c
	}
	return out
}

// typeName is the XML-RPC type name of T for a signature, or "" when T has
// none that can be told without reflection.
func typeName[T any]() string {
	var zero T
	switch any(zero).(type) {
	case int, int64, int32, int16, int8, uint8, uint16, uint32:
		return "int"
	case float64, float32:
		return "double"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []byte:
		return "base64"
	case time.Time:
		return "dateTime.iso8601"
	case []any, []string, []int, []int64, []float64, []bool, []map[string]any:
		return "array"
	case map[string]any, map[string]string, map[string]int, map[string]float64, map[string]bool:
		return "struct"
	}
	return ""
}

// describeType names T in error messages: its XML-RPC type, or its Go type.
func describeType[T any]() string {
	if n := typeName[T](); n != "" {
		return n
	}
	var p *T
	return strings.TrimPrefix(fmt.Sprintf("%T", p), "*")
}

// describe names a decoded value's XML-RPC type in error messages.
func describe(v any) string {
	switch v.(type) {
	case nil:
		return "nil"
	case int:
		return "int"
	case float64:
		return "double"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []byte:
		return "base64"
	case time.Time:
		return "dateTime.iso8601"
	case []any:
		return "array"
	case map[string]any:
		return "struct"
	}
	return fmt.Sprintf("%T", v)
}
