package execplugin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/supervisorgo/supervisor/internal/jsonrpc"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

// errType is wrapped by every conversion error.
var errType = errors.New("value cannot be converted")

// toJSON converts an XML-RPC value to its JSON form per the spec's table.
func toJSON(v xmlrpc.Value) (json.RawMessage, error) { return valueEncoder.Encode(v) }

// valueEncoder adds to the table the values the XML-RPC encoders accept
// beyond it: ordered structs, and (through an XML-RPC round trip, as a
// client would see them) Go structs, typed slices and pointers.
var valueEncoder = &jsonrpc.ValueEncoder{Kind: errType, Other: func(e *jsonrpc.ValueEncoder, buf *bytes.Buffer, v any, depth int) (bool, error) {
	if st, ok := v.(xmlrpc.Struct); ok {
		buf.WriteByte('{')
		for i, m := range st {
			if i > 0 {
				buf.WriteByte(',')
			}
			b, _ := json.Marshal(m.Name)
			buf.Write(b)
			buf.WriteByte(':')
			if err := e.Append(buf, m.Value, depth+1); err != nil {
				return true, err
			}
		}
		buf.WriteByte('}')
		return true, nil
	}
	doc, err := xmlrpc.MarshalResponse(v)
	if err != nil {
		return true, fmt.Errorf("%w: %T: %v", errType, v, err)
	}
	dec, err := xmlrpc.DecodeResponse(bytes.NewReader(doc), nil)
	if err != nil {
		return true, fmt.Errorf("%w: %T: %v", errType, v, err)
	}
	return true, e.Append(buf, dec, depth+1)
}}

// fromJSON converts a JSON value to an XML-RPC value per the spec's
// table. An empty raw value is nil.
func fromJSON(raw json.RawMessage) (xmlrpc.Value, error) {
	return jsonrpc.DecodeValue(raw, errType)
}
