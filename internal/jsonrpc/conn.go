package jsonrpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
)

// ErrClosed is wrapped by the errors of calls on a Conn that has broken or
// been closed; the wrapped cause says why.
var ErrClosed = errors.New("jsonrpc: connection closed")

// Request is an incoming request or notification.
type Request struct {
	// ID is the request's id as it was sent; nil for a notification.
	ID     json.RawMessage
	Method string
	// Params is the raw params member (an array or an object), or nil.
	Params json.RawMessage
}

// IsNotification reports whether no answer is expected.
func (r *Request) IsNotification() bool { return len(r.ID) == 0 }

// Handler answers incoming requests and receives incoming notifications.
//
// Requests are handled each on its own goroutine, so a handler may block
// (even on an outgoing call on the same Conn) without stopping the reader;
// ctx ends when the connection breaks or is closed. The result is sent
// with encoding/json (a json.RawMessage is sent as it is; a nil result is
// null). An error that is or wraps an *Error is sent as that error object;
// any other error as ErrInternal's code with the error's text.
//
// Notifications are handled on the reader goroutine, one after the other in
// the order received, so they must not block; the result is ignored.
type Handler interface {
	Handle(ctx context.Context, req *Request) (result any, err error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, req *Request) (any, error)

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, req *Request) (any, error) { return f(ctx, req) }

// Options configure a Conn.
type Options struct {
	// Handler receives incoming requests and notifications; nil answers
	// every request with ErrMethodNotFound and drops notifications.
	Handler Handler
	// BadLine is called, on the reader goroutine, for a line that is not
	// a JSON-RPC message (or a response to no pending call); the line is
	// then skipped. Nil ignores such lines.
	BadLine func(line []byte, err error)
	// MaxLine is the longest line read; 0 means MaxLine.
	MaxLine int
	// FirstID is the id of the first outgoing call; ids then count up.
	FirstID int64
	// MaxInFlight bounds the incoming requests served at once: while that
	// many are being served, another is answered at once with Busy (or a
	// generic error when Busy is nil), so that a peer flooding us with
	// requests costs bounded memory. 0 means no bound.
	MaxInFlight int
	Busy        *Error
}

// Conn is one JSON-RPC 2.0 connection over a pair of byte streams, both
// client and server. NewConn starts its reader goroutine; Close stops it.
type Conn struct {
	w       io.Writer
	closers []io.Closer
	opts    Options

	nextID atomic.Int64

	writeMu sync.Mutex // serialises whole lines on w

	mu      sync.Mutex
	pending map[int64]chan *Message
	err     error // why the connection broke; set once
	done    chan struct{}

	ctx      context.Context // the handlers' context, cancelled on break
	cancel   context.CancelFunc
	inFlight atomic.Int64 // incoming requests being served
	handlers sync.WaitGroup
	reader   sync.WaitGroup
	closed   sync.Once
}

// NewConn starts a connection reading messages from r and writing them to
// w. Close closes r and w when they are io.Closers.
func NewConn(r io.Reader, w io.Writer, opts Options) *Conn {
	c := &Conn{w: w, opts: opts, pending: map[int64]chan *Message{}, done: make(chan struct{})}
	for _, x := range []any{r, w} {
		if cl, ok := x.(io.Closer); ok {
			c.closers = append(c.closers, cl)
		}
	}
	c.nextID.Store(opts.FirstID)
	c.ctx, c.cancel = context.WithCancel(context.Background())
	lr := NewLineReader(r, opts.MaxLine)
	c.reader.Go(func() { c.read(lr) })
	return c
}

// Done is closed when the connection has broken (EOF, read or write error,
// a too long line) or has been closed.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err returns why the connection broke, or nil while it works. A clean
// EOF is io.EOF.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close breaks the connection (if it still works), closes the streams,
// and waits for the reader goroutine and every running handler. It is
// idempotent. Handlers see their ctx cancelled.
func (c *Conn) Close() error {
	var errs []error
	c.closed.Do(func() {
		c.fail(ErrClosed)
		for _, cl := range c.closers {
			if err := cl.Close(); err != nil && !errors.Is(err, io.ErrClosedPipe) {
				errs = append(errs, err)
			}
		}
	})
	c.reader.Wait()
	c.handlers.Wait()
	return errors.Join(errs...)
}

// Wait waits until the reader goroutine and every handler have ended,
// without closing anything (after Done, when the peer went away).
func (c *Conn) Wait() {
	c.reader.Wait()
	c.handlers.Wait()
}

// fail records the first cause of a break and fails every pending call.
func (c *Conn) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return
	}
	c.err = err
	close(c.done)
	c.cancel()
	for id, ch := range c.pending {
		close(ch)
		delete(c.pending, id)
	}
}

func (c *Conn) brokenErr() error {
	err := c.Err()
	if errors.Is(err, ErrClosed) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrClosed, err)
}

// write sends one message as one line; a write error breaks the connection.
func (c *Conn) write(m *Message) error {
	line, err := encode(m)
	if err != nil {
		return err
	}
	select {
	case <-c.done:
		return c.brokenErr()
	default:
	}
	c.writeMu.Lock()
	_, err = c.w.Write(line)
	c.writeMu.Unlock()
	if err != nil {
		c.fail(fmt.Errorf("write: %w", err))
		return c.brokenErr()
	}
	return nil
}

// Call sends a request and waits for its answer until ctx ends or the
// connection breaks. It returns the raw result; an error answer is returned
// as an *Error, a break as an error wrapping ErrClosed, the end of ctx as
// ctx's error.
func (c *Conn) Call(ctx context.Context, method string, params any) (json.RawMessage, error) {
	p, err := marshalParams(params)
	if err != nil {
		return nil, err
	}
	id := c.nextID.Add(1) - 1
	ch := make(chan *Message, 1)
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return nil, c.brokenErr()
	}
	c.pending[id] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
	}()
	if err := c.write(&Message{ID: json.RawMessage(strconv.FormatInt(id, 10)), Method: method, Params: p}); err != nil {
		return nil, err
	}
	select {
	case m, ok := <-ch:
		if !ok {
			return nil, c.brokenErr()
		}
		if m.Error != nil {
			return nil, m.Error
		}
		return m.Result, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Notify sends a notification.
func (c *Conn) Notify(method string, params any) error {
	p, err := marshalParams(params)
	if err != nil {
		return err
	}
	return c.write(&Message{Method: method, Params: p})
}

func marshalParams(params any) (json.RawMessage, error) {
	if params == nil {
		return nil, nil
	}
	if raw, ok := params.(json.RawMessage); ok {
		return raw, nil
	}
	b, err := json.Marshal(params)
	if err != nil {
		return nil, fmt.Errorf("jsonrpc: params: %w", err)
	}
	return b, nil
}

// read is the reader goroutine: it owns lr and ends at the first read
// error, which breaks the connection.
func (c *Conn) read(lr *LineReader) {
	for {
		line, err := lr.ReadLine()
		if err != nil {
			c.fail(err)
			return
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		m, err := Decode(line)
		if err != nil {
			c.badLine(line, err)
			continue
		}
		switch {
		case m.IsResponse():
			c.deliver(line, m)
		case m.IsNotification():
			if c.opts.Handler != nil {
				c.opts.Handler.Handle(c.ctx, &Request{Method: m.Method, Params: m.Params})
			}
		default:
			if max := c.opts.MaxInFlight; max > 0 && c.inFlight.Load() >= int64(max) {
				busy := c.opts.Busy
				if busy == nil {
					busy = &Error{Code: ErrInternal.Code, Message: fmt.Sprintf("too many requests in flight (at most %d)", max)}
				}
				// Answered on the reader: a peer that floods without
				// reading its answers is slowed down, not buffered.
				_ = c.write(&Message{ID: m.ID, Error: busy})
				continue
			}
			req := &Request{ID: m.ID, Method: m.Method, Params: m.Params}
			c.inFlight.Add(1)
			c.handlers.Go(func() {
				defer c.inFlight.Add(-1)
				c.serve(req)
			})
		}
	}
}

func (c *Conn) badLine(line []byte, err error) {
	if c.opts.BadLine != nil {
		c.opts.BadLine(line, err)
	}
}

func (c *Conn) deliver(line []byte, m *Message) {
	id, err := strconv.ParseInt(string(m.ID), 10, 64)
	if err != nil {
		c.badLine(line, fmt.Errorf("%w: response id %s was never sent", ErrBadMessage, m.ID))
		return
	}
	c.mu.Lock()
	ch, ok := c.pending[id]
	if ok {
		delete(c.pending, id)
	}
	c.mu.Unlock()
	if !ok {
		c.badLine(line, fmt.Errorf("%w: response to no pending call (id %d)", ErrBadMessage, id))
		return
	}
	ch <- m // buffered, and only one deliverer per id
}

// serve runs one incoming request on its own goroutine and answers it.
func (c *Conn) serve(req *Request) {
	var (
		result any
		err    error
	)
	if c.opts.Handler == nil {
		err = ErrMethodNotFound
	} else {
		result, err = c.opts.Handler.Handle(c.ctx, req)
	}
	resp := &Message{ID: req.ID}
	if err != nil {
		var je *Error
		if !errors.As(err, &je) {
			je = &Error{Code: ErrInternal.Code, Message: err.Error()}
		}
		resp.Error = je
	} else {
		raw, merr := json.Marshal(result)
		if merr != nil {
			resp.Error = &Error{Code: ErrInternal.Code, Message: "cannot encode result: " + merr.Error()}
		} else {
			resp.Result = raw
		}
	}
	_ = c.write(resp) // a broken connection has nobody to answer
}
