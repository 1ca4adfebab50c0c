package execplugin

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/supervisorgo/supervisor/xmlrpc"
)

// dateTimeLayout is the dateTime.iso8601 form of the spec's table.
const dateTimeLayout = "20060102T15:04:05"

// maxDepth bounds the nesting of converted values.
const maxDepth = 256

// errType is wrapped by every conversion error.
var errType = errors.New("value cannot be converted")

// toJSON converts an XML-RPC value to its JSON form per the spec's table.
func toJSON(v xmlrpc.Value) (json.RawMessage, error) {
	var buf bytes.Buffer
	if err := appendJSON(&buf, v, 0); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func appendJSON(buf *bytes.Buffer, v xmlrpc.Value, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("%w: nested deeper than %d", errType, maxDepth)
	}
	switch x := v.(type) {
	case nil:
		buf.WriteString("null")
	case bool:
		buf.WriteString(strconv.FormatBool(x))
	case int:
		buf.WriteString(strconv.Itoa(x))
	case int64:
		buf.WriteString(strconv.FormatInt(x, 10))
	case int32:
		buf.WriteString(strconv.FormatInt(int64(x), 10))
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return fmt.Errorf("%w: double %v has no JSON form", errType, x)
		}
		s := strconv.FormatFloat(x, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eE") {
			s += ".0" // a double keeps a fraction, so it reads back as a double
		}
		buf.WriteString(s)
	case string:
		b, _ := json.Marshal(x)
		buf.Write(b)
	case []byte:
		buf.WriteString(`{"$base64":"`)
		buf.WriteString(base64.StdEncoding.EncodeToString(x))
		buf.WriteString(`"}`)
	case time.Time:
		buf.WriteString(`{"$datetime":"`)
		buf.WriteString(x.Format(dateTimeLayout))
		buf.WriteString(`"}`)
	case []any:
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := appendJSON(buf, e, depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			b, _ := json.Marshal(k)
			buf.Write(b)
			buf.WriteByte(':')
			if err := appendJSON(buf, x[k], depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case xmlrpc.Struct:
		buf.WriteByte('{')
		for i, m := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			b, _ := json.Marshal(m.Name)
			buf.Write(b)
			buf.WriteByte(':')
			if err := appendJSON(buf, m.Value, depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	default:
		// Anything else the encoders accept (Go structs, typed slices,
		// other integer kinds, pointers): convert it as an XML-RPC client
		// would see it.
		doc, err := xmlrpc.MarshalResponse(x)
		if err != nil {
			return fmt.Errorf("%w: %T: %v", errType, x, err)
		}
		dec, err := xmlrpc.DecodeResponse(bytes.NewReader(doc), nil)
		if err != nil {
			return fmt.Errorf("%w: %T: %v", errType, x, err)
		}
		return appendJSON(buf, dec, depth+1)
	}
	return nil
}

// fromJSON converts a JSON value to an XML-RPC value per the spec's
// table. An empty raw value is nil.
func fromJSON(raw json.RawMessage) (xmlrpc.Value, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: %v", errType, err)
	}
	return convert(v, 0)
}

func convert(v any, depth int) (xmlrpc.Value, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("%w: nested deeper than %d", errType, maxDepth)
	}
	switch x := v.(type) {
	case nil, bool, string:
		return x, nil
	case json.Number:
		s := string(x)
		if strings.ContainsAny(s, ".eE") {
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, fmt.Errorf("%w: double %s: %v", errType, s, err)
			}
			return f, nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: integer %s out of range", errType, s)
		}
		return int(n), nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, err := convert(e, depth+1)
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
					return nil, fmt.Errorf("%w: $base64: %v", errType, err)
				}
				return b, nil
			}
			if s, ok := x["$datetime"].(string); ok {
				t, err := time.Parse(dateTimeLayout, s)
				if err != nil {
					return nil, fmt.Errorf("%w: $datetime %q is not YYYYMMDDTHH:MM:SS", errType, s)
				}
				return t, nil
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			c, err := convert(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: unexpected %T", errType, v)
}
