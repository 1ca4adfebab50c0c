package jsonrpc

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
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
