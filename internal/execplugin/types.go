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

	"github.com/supervisorgo/supervisor/internal/jsonrpc"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

const (
	dateTimeLayout = jsonrpc.DateTimeLayout
	maxDepth       = jsonrpc.MaxValueDepth
)

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
	return jsonrpc.DecodeValue(raw, errType)
}
