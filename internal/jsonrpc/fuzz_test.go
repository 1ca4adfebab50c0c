package jsonrpc

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"namespace":"cache","config":{}}}`,
		`{"jsonrpc":"2.0","id":0,"result":{"methods":[{"name":"store"}],"events":["TICK_5"]}}`,
		`{"jsonrpc":"2.0","method":"log","params":{"level":"info","message":"hi"}}`,
		`{"jsonrpc":"2.0","id":3,"error":{"code":10,"message":"BAD_NAME: x"}}`,
		"garbage\n{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1}\r\n",
		`{"jsonrpc":"2.0","id":1,"result":{"$base64":"aGk="}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lr := NewLineReader(bytes.NewReader(data), 64)
		for {
			line, err := lr.ReadLine()
			if err != nil {
				if !errors.Is(err, io.EOF) && !errors.Is(err, ErrLineTooLong) {
					t.Fatalf("ReadLine: %v", err)
				}
				break
			}
			if len(line) > 64 || bytes.IndexByte(line, '\n') >= 0 {
				t.Fatalf("bad line %q", line)
			}
		}
		m, err := Decode(data)
		if err != nil {
			if !errors.Is(err, ErrBadMessage) {
				t.Fatalf("Decode error does not wrap ErrBadMessage: %v", err)
			}
			return
		}
		n := 0
		for _, b := range []bool{m.IsRequest(), m.IsNotification(), m.IsResponse()} {
			if b {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("message %q is of %d kinds", data, n)
		}
		// what we decoded re-encodes to something that decodes the same way
		line, err := encode(m)
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		m2, err := Decode(line[:len(line)-1])
		if err != nil {
			t.Fatalf("re-decode %q: %v", line, err)
		}
		if m2.Method != m.Method || !bytes.Equal(m2.ID, m.ID) {
			t.Fatalf("round trip changed %q to %q", data, line)
		}
	})
}
