package jsonrpc

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DateTimeLayout is the form of {"$datetime": ...} in the exec plugin
// protocol's type table (XML-RPC's dateTime.iso8601).
const DateTimeLayout = "20060102T15:04:05"

// MaxValueDepth bounds the nesting of converted values.
const MaxValueDepth = 256

// DecodeValue converts one JSON value to its XML-RPC form per the exec
// plugin protocol's type table: a number without '.', 'e' or 'E' is an int
// (it must fit in 64 bits), any other number a float64; {"$base64": s} is
// []byte; {"$datetime": s} is a time.Time in UTC; other objects are
// map[string]any, arrays []any, and null nil. An empty raw value is nil.
// Every error wraps kind.
func DecodeValue(raw []byte, kind error) (any, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: %v", kind, err)
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the value", kind)
	}
	return fromJSON(v, 0, kind)
}

func fromJSON(v any, depth int, kind error) (any, error) {
	if depth > MaxValueDepth {
		return nil, fmt.Errorf("%w: nested deeper than %d", kind, MaxValueDepth)
	}
	switch x := v.(type) {
	case nil, bool, string:
		return x, nil
	case json.Number:
		s := string(x)
		if strings.ContainsAny(s, ".eE") {
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, fmt.Errorf("%w: double %s: %v", kind, s, err)
			}
			return f, nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: integer %s out of range", kind, s)
		}
		return int(n), nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, err := fromJSON(e, depth+1, kind)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case map[string]any:
		if len(x) == 1 {
			if s, ok := x["$base64"].(string); ok {
				b, err := base64.StdEncoding.DecodeString(s)
				if err != nil {
					return nil, fmt.Errorf("%w: $base64: %v", kind, err)
				}
				return b, nil
			}
			if s, ok := x["$datetime"].(string); ok {
				t, err := time.Parse(DateTimeLayout, s)
				if err != nil {
					return nil, fmt.Errorf("%w: $datetime %q is not YYYYMMDDTHH:MM:SS", kind, s)
				}
				return t, nil
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			c, err := fromJSON(e, depth+1, kind)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: unexpected %T", kind, v)
}

// ValueEncoder writes values in the JSON form of the exec plugin protocol's
// type table: integers as integers, floats always with a fraction or an
// exponent (so that they read back as doubles), []byte as {"$base64"},
// time.Time as {"$datetime"} of its wall clock, []any as arrays and
// map[string]any as objects with sorted keys.
type ValueEncoder struct {
	// Kind is wrapped by every error.
	Kind error
	// Other writes a value of a type the table does not list and reports
	// whether it did; nested values go back through Append with depth+1.
	// Nil leaves such values an error.
	Other func(e *ValueEncoder, buf *bytes.Buffer, v any, depth int) (bool, error)
}

// Encode returns v's JSON form.
func (e *ValueEncoder) Encode(v any) (json.RawMessage, error) {
	var buf bytes.Buffer
	if err := e.Append(&buf, v, 0); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Append writes v's JSON form to buf; depth is v's nesting level.
func (e *ValueEncoder) Append(buf *bytes.Buffer, v any, depth int) error {
	if depth > MaxValueDepth {
		return fmt.Errorf("%w: nested deeper than %d", e.Kind, MaxValueDepth)
	}
	switch x := v.(type) {
	case nil:
		buf.WriteString("null")
	case bool:
		buf.WriteString(strconv.FormatBool(x))
	case int:
		buf.WriteString(strconv.Itoa(x))
	case int8:
		buf.WriteString(strconv.FormatInt(int64(x), 10))
	case int16:
		buf.WriteString(strconv.FormatInt(int64(x), 10))
	case int32:
		buf.WriteString(strconv.FormatInt(int64(x), 10))
	case int64:
		buf.WriteString(strconv.FormatInt(x, 10))
	case uint:
		buf.WriteString(strconv.FormatUint(uint64(x), 10))
	case uint8:
		buf.WriteString(strconv.FormatUint(uint64(x), 10))
	case uint16:
		buf.WriteString(strconv.FormatUint(uint64(x), 10))
	case uint32:
		buf.WriteString(strconv.FormatUint(uint64(x), 10))
	case uint64:
		buf.WriteString(strconv.FormatUint(x, 10))
	case float32:
		return e.appendFloat(buf, float64(x))
	case float64:
		return e.appendFloat(buf, x)
	case string:
		b, _ := json.Marshal(x)
		buf.Write(b)
	case []byte:
		buf.WriteString(`{"$base64":"`)
		buf.WriteString(base64.StdEncoding.EncodeToString(x))
		buf.WriteString(`"}`)
	case time.Time:
		buf.WriteString(`{"$datetime":"`)
		buf.WriteString(x.Format(DateTimeLayout))
		buf.WriteString(`"}`)
	case []any:
		return AppendSlice(e, buf, x, depth)
	case map[string]any:
		return AppendMap(e, buf, x, depth)
	default:
		if e.Other != nil {
			if ok, err := e.Other(e, buf, v, depth); ok || err != nil {
				return err
			}
		}
		return fmt.Errorf("%w: %T has no JSON form", e.Kind, v)
	}
	return nil
}

func (e *ValueEncoder) appendFloat(buf *bytes.Buffer, f float64) error {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return fmt.Errorf("%w: double %v has no JSON form", e.Kind, f)
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0" // keep a fraction, so that it reads back as a double
	}
	buf.WriteString(s)
	return nil
}

// AppendSlice writes s as a JSON array, its elements through e.Append.
func AppendSlice[E any](e *ValueEncoder, buf *bytes.Buffer, s []E, depth int) error {
	buf.WriteByte('[')
	for i, el := range s {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := e.Append(buf, el, depth+1); err != nil {
			return err
		}
	}
	buf.WriteByte(']')
	return nil
}

// AppendMap writes m as a JSON object with sorted keys, its values through
// e.Append.
func AppendMap[E any](e *ValueEncoder, buf *bytes.Buffer, m map[string]E, depth int) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	buf.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		b, _ := json.Marshal(k)
		buf.Write(b)
		buf.WriteByte(':')
		if err := e.Append(buf, m[k], depth+1); err != nil {
			return err
		}
	}
	buf.WriteByte('}')
	return nil
}
