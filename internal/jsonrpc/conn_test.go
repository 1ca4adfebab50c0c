package jsonrpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// pair returns two connected Conns, closed at the end of the test.
func pair(t *testing.T, a, b Options) (*Conn, *Conn) {
	t.Helper()
	ar, bw := io.Pipe()
	br, aw := io.Pipe()
	ca := NewConn(ar, aw, a)
	cb := NewConn(br, bw, b)
	t.Cleanup(func() { ca.Close(); cb.Close() })
	return ca, cb
}

func TestCallBothWays(t *testing.T) {
	notes := make(chan string, 1)
	ca, cb := pair(t, Options{Handler: HandlerFunc(func(ctx context.Context, r *Request) (any, error) {
		return "from a: " + r.Method, nil
	})}, Options{Handler: HandlerFunc(func(ctx context.Context, r *Request) (any, error) {
		switch r.Method {
		case "add":
			var p []int
			if err := json.Unmarshal(r.Params, &p); err != nil {
				return nil, ErrInvalidParams
			}
			return p[0] + p[1], nil
		case "note":
			notes <- string(r.Params)
			return nil, nil
		case "boom":
			return nil, errors.New("boom")
		}
		return nil, ErrMethodNotFound
	})})
	ctx := t.Context()
	res, err := ca.Call(ctx, "add", []int{2, 3})
	if err != nil || string(res) != "5" {
		t.Fatalf("add = %s, %v", res, err)
	}
	_, err = ca.Call(ctx, "nope", nil)
	if !errors.Is(err, ErrMethodNotFound) {
		t.Fatalf("nope: %v", err)
	}
	_, err = ca.Call(ctx, "boom", nil)
	var je *Error
	if !errors.As(err, &je) || je.Code != ErrInternal.Code || je.Message != "boom" {
		t.Fatalf("boom: %v", err)
	}
	res, err = cb.Call(ctx, "hello", nil)
	if err != nil || string(res) != `"from a: hello"` {
		t.Fatalf("hello = %s, %v", res, err)
	}
	if err := ca.Notify("note", map[string]string{"x": "y"}); err != nil {
		t.Fatal(err)
	}
	if got := <-notes; got != `{"x":"y"}` {
		t.Fatalf("note = %s", got)
	}
}

func TestReentrantCall(t *testing.T) {
	var cb *Conn
	hA := HandlerFunc(func(ctx context.Context, r *Request) (any, error) { return "inner", nil })
	hB := HandlerFunc(func(ctx context.Context, r *Request) (any, error) {
		// b calls a back while a's call to b is in flight
		return cb.Call(ctx, "inner", nil)
	})
	var ca *Conn
	ca, cb = pair(t, Options{Handler: hA}, Options{Handler: hB})
	res, err := ca.Call(t.Context(), "outer", nil)
	if err != nil || string(res) != `"inner"` {
		t.Fatalf("outer = %s, %v", res, err)
	}
}

func TestBreakFailsPending(t *testing.T) {
	started := make(chan struct{})
	hB := HandlerFunc(func(ctx context.Context, r *Request) (any, error) {
		close(started)
		<-ctx.Done()
		return nil, ctx.Err()
	})
	ca, cb := pair(t, Options{}, Options{Handler: hB})
	errc := make(chan error, 1)
	go func() { _, err := ca.Call(t.Context(), "hang", nil); errc <- err }()
	<-started
	cb.Close()
	if err := <-errc; !errors.Is(err, ErrClosed) {
		t.Fatalf("pending call: %v", err)
	}
	if _, err := ca.Call(t.Context(), "after", nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("call after break: %v", err)
	}
}

func TestCallContext(t *testing.T) {
	ca, _ := pair(t, Options{}, Options{Handler: HandlerFunc(func(ctx context.Context, r *Request) (any, error) {
		<-ctx.Done()
		return nil, nil
	})})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if _, err := ca.Call(ctx, "hang", nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

// script runs a Conn against a scripted peer: the peer's lines are in, what
// the Conn writes is returned.
func TestBadLinesAndIDs(t *testing.T) {
	in := strings.Join([]string{
		`garbage`,
		``,
		`{"jsonrpc":"1.0","method":"x"}`,
		`{"jsonrpc":"2.0","id":99,"result":1}`,
		`{"jsonrpc":"2.0","id":"s1","method":"ping","params":[1]}`,
		`[1,2]`,
	}, "\n") + "\n"
	var out bytes.Buffer
	var bad []string
	done := make(chan struct{})
	c := NewConn(strings.NewReader(in), &syncWriter{w: &out}, Options{
		BadLine: func(line []byte, err error) {
			if !errors.Is(err, ErrBadMessage) {
				t.Errorf("bad line %q: %v", line, err)
			}
			bad = append(bad, string(line))
		},
		Handler: HandlerFunc(func(ctx context.Context, r *Request) (any, error) { return "pong", nil }),
	})
	go func() { <-c.Done(); close(done) }()
	<-done
	c.Wait()
	if !errors.Is(c.Err(), io.EOF) {
		t.Errorf("Err = %v", c.Err())
	}
	if len(bad) != 4 {
		t.Errorf("bad lines = %q", bad)
	}
	c.Close()
}

type syncWriter struct{ w io.Writer }

func (s *syncWriter) Write(p []byte) (int, error) { return s.w.Write(p) }

func TestLineTooLong(t *testing.T) {
	long := strings.Repeat("x", 100) + "\n"
	c := NewConn(strings.NewReader(long), io.Discard, Options{MaxLine: 50})
	<-c.Done()
	if !errors.Is(c.Err(), ErrLineTooLong) {
		t.Fatalf("Err = %v", c.Err())
	}
	c.Close()
}

func TestLineReader(t *testing.T) {
	lr := NewLineReader(strings.NewReader("a\r\nbb\n\nlast"), 4)
	var got []string
	for {
		l, err := lr.ReadLine()
		if err != nil {
			if err != io.EOF {
				t.Fatal(err)
			}
			break
		}
		got = append(got, string(l))
	}
	if strings.Join(got, "|") != "a|bb||last" {
		t.Fatalf("lines = %q", got)
	}
	lr = NewLineReader(strings.NewReader("12345\n"), 4)
	if _, err := lr.ReadLine(); !errors.Is(err, ErrLineTooLong) {
		t.Fatalf("err = %v", err)
	}
	lr = NewLineReader(strings.NewReader("1234\n"), 4)
	if l, err := lr.ReadLine(); err != nil || string(l) != "1234" {
		t.Fatalf("exact = %q, %v", l, err)
	}
}

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		name, line string
		ok         bool
		kind       string
	}{
		{"request", `{"jsonrpc":"2.0","id":1,"method":"m","params":[1]}`, true, "req"},
		{"string id", `{"jsonrpc":"2.0","id":"a","method":"m"}`, true, "req"},
		{"notification", `{"jsonrpc":"2.0","method":"log","params":{"a":1}}`, true, "note"},
		{"result", `{"jsonrpc":"2.0","id":1,"result":null}`, true, "resp"},
		{"error", `{"jsonrpc":"2.0","id":1,"error":{"code":1,"message":"x"}}`, true, "resp"},
		{"null id error", `{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}}`, true, "resp"},
		{"no version", `{"id":1,"result":1}`, false, ""},
		{"both", `{"jsonrpc":"2.0","id":1,"result":1,"error":{"code":1,"message":"x"}}`, false, ""},
		{"neither", `{"jsonrpc":"2.0","id":1}`, false, ""},
		{"bad id", `{"jsonrpc":"2.0","id":{},"method":"m"}`, false, ""},
		{"scalar params", `{"jsonrpc":"2.0","id":1,"method":"m","params":3}`, false, ""},
		{"empty method", `{"jsonrpc":"2.0","id":1,"method":""}`, false, ""},
		{"batch", `[{"jsonrpc":"2.0","id":1,"method":"m"}]`, false, ""},
		{"not json", `hello`, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Decode([]byte(tc.line))
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v", err)
			}
			if err != nil {
				if !errors.Is(err, ErrBadMessage) {
					t.Fatalf("err %v does not wrap ErrBadMessage", err)
				}
				return
			}
			kind := map[bool]string{true: "req"}[m.IsRequest()] + map[bool]string{true: "note"}[m.IsNotification()] + map[bool]string{true: "resp"}[m.IsResponse()]
			if kind != tc.kind {
				t.Fatalf("kind = %q", kind)
			}
		})
	}
}

// TestMaxInFlight: a peer that floods requests gets Busy answers beyond
// the bound, and is served again once calls finish.
func TestMaxInFlight(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	served, most, now := 0, 0, 0
	busy := &Error{Code: 30, Message: "FAILED: busy"}
	ca, _ := pair(t, Options{}, Options{MaxInFlight: 4, Busy: busy, Handler: HandlerFunc(func(ctx context.Context, r *Request) (any, error) {
		mu.Lock()
		served++
		now++
		most = max(most, now)
		mu.Unlock()
		if r.Method == "block" {
			<-release
		}
		mu.Lock()
		now--
		mu.Unlock()
		return true, nil
	})})
	ctx := t.Context()
	results := make(chan error, 100)
	for range 100 {
		go func() {
			_, err := ca.Call(ctx, "block", nil)
			results <- err
		}()
	}
	busyCount := 0
	for range 96 {
		err := <-results
		var je *Error
		if !errors.As(err, &je) || je.Code != busy.Code || je.Message != busy.Message {
			t.Fatalf("want busy, got %v", err)
		}
		busyCount++
	}
	close(release)
	for range 4 {
		if err := <-results; err != nil {
			t.Errorf("blocked call: %v", err)
		}
	}
	if _, err := ca.Call(ctx, "quick", nil); err != nil {
		t.Errorf("after the flood: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if most > 4 || served != 5 || busyCount != 96 {
		t.Errorf("at most %d at once, %d served, %d busy", most, served, busyCount)
	}
}
