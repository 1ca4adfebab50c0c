package jsonrpc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Version is the value of every message's "jsonrpc" member.
const Version = "2.0"

// Error is a JSON-RPC error object. It is both what a peer's error answer
// decodes to and what a Handler returns to answer with an error.
type Error struct {
	Code    int64           `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// Error renders the error as "jsonrpc error CODE: MESSAGE".
func (e *Error) Error() string { return fmt.Sprintf("jsonrpc error %d: %s", e.Code, e.Message) }

// Is reports whether target is an *Error with the same code, so that
// errors.Is(err, ErrMethodNotFound) works on any error with that code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// The standard error codes of JSON-RPC 2.0.
var (
	ErrParse          = &Error{Code: -32700, Message: "Parse error"}
	ErrInvalidRequest = &Error{Code: -32600, Message: "Invalid Request"}
	ErrMethodNotFound = &Error{Code: -32601, Message: "Method not found"}
	ErrInvalidParams  = &Error{Code: -32602, Message: "Invalid params"}
	ErrInternal       = &Error{Code: -32603, Message: "Internal error"}
)

// ErrBadMessage is wrapped by Decode's errors: the line is JSON or not, but
// it is no JSON-RPC 2.0 message.
var ErrBadMessage = errors.New("jsonrpc: not a JSON-RPC 2.0 message")

// Message is one JSON-RPC 2.0 message as it travels on the wire. Exactly one
// of these holds for a decoded message:
//
//   - request: Method set, ID set (a call expecting an answer);
//   - notification: Method set, ID empty;
//   - response: Method empty, ID set, exactly one of Result and Error set.
//
// Result keeps a JSON null as the four bytes "null", so an empty Result
// means "absent".
type Message struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method,omitempty"`
	Params  json.RawMessage `json:"params,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *Error          `json:"error,omitempty"`
}

// IsRequest reports whether m is a request expecting an answer.
func (m *Message) IsRequest() bool { return m.Method != "" && len(m.ID) > 0 }

// IsNotification reports whether m is a notification.
func (m *Message) IsNotification() bool { return m.Method != "" && len(m.ID) == 0 }

// IsResponse reports whether m answers a request.
func (m *Message) IsResponse() bool { return m.Method == "" && len(m.ID) > 0 }

// Decode parses one line into a Message and checks that it is a JSON-RPC
// 2.0 request, notification or response. Batches (JSON arrays) are not
// supported and are refused like any other non-message.
func Decode(line []byte) (*Message, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(line, &raw); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadMessage, err)
	}
	var m Message
	if err := json.Unmarshal(line, &m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadMessage, err)
	}
	if m.JSONRPC != Version {
		return nil, fmt.Errorf("%w: jsonrpc member is not \"2.0\"", ErrBadMessage)
	}
	_, hasMethod := raw["method"]
	_, hasResult := raw["result"]
	_, hasError := raw["error"]
	if hasMethod && m.Method == "" {
		return nil, fmt.Errorf("%w: empty or non-string method", ErrBadMessage)
	}
	if len(m.ID) > 0 {
		switch c := m.ID[0]; {
		case c == '"', c == '-', c >= '0' && c <= '9':
		case bytes.Equal(m.ID, []byte("null")) && !hasMethod:
			// an error answer to a message whose id could not be read
		default:
			return nil, fmt.Errorf("%w: id is neither a number nor a string", ErrBadMessage)
		}
	}
	if m.Method != "" {
		if hasResult || hasError {
			return nil, fmt.Errorf("%w: a request with a result or an error", ErrBadMessage)
		}
		if len(m.Params) > 0 && m.Params[0] != '[' && m.Params[0] != '{' {
			return nil, fmt.Errorf("%w: params is neither an array nor an object", ErrBadMessage)
		}
		return &m, nil
	}
	if len(m.ID) == 0 {
		return nil, fmt.Errorf("%w: neither a method nor an id", ErrBadMessage)
	}
	if hasResult == hasError {
		return nil, fmt.Errorf("%w: a response needs exactly one of result and error", ErrBadMessage)
	}
	if hasError && m.Error == nil {
		return nil, fmt.Errorf("%w: error is null", ErrBadMessage)
	}
	return &m, nil
}

// encode returns m as one line, newline included.
func encode(m *Message) ([]byte, error) {
	m.JSONRPC = Version
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
