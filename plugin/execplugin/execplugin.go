package execplugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"

	"github.com/supervisorgo/supervisor/internal/jsonrpc"
)

// The fault codes a plugin answers with most often (the reference's
// supervisor.xmlrpc.Faults); a plugin may use any other integer.
const (
	FaultUnknownMethod       = 1
	FaultIncorrectParameters = 2
	FaultBadArguments        = 3
	FaultBadName             = 10
	FaultFailed              = 30
)

// Fault is an XML-RPC fault: a method returns one to answer with that
// faultCode and faultString, and Call returns one when supervisord answers
// with a fault.
type Fault struct {
	Code    int
	Message string
}

// Error renders the fault as "fault CODE: MESSAGE".
func (f *Fault) Error() string { return fmt.Sprintf("fault %d: %s", f.Code, f.Message) }

// Errorf returns a fault with the given code and a formatted message.
func Errorf(code int, format string, args ...any) *Fault {
	return &Fault{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrNotServing is returned by Call and Log when the plugin is not
// connected to supervisord: before Serve, after it returns, or once the
// connection has broken.
var ErrNotServing = errors.New("execplugin: not connected to supervisord")

// ErrLineTooLong is wrapped by ServeConn's error when supervisord sends a
// line longer than 16 MiB: the stream cannot be trusted after it.
var ErrLineTooLong = jsonrpc.ErrLineTooLong

// Level is the level of a log line (the names [supervisord] loglevel
// accepts).
type Level string

// The levels of Log, from the most to the least severe.
const (
	LevelCritical Level = "critical"
	LevelError    Level = "error"
	LevelWarn     Level = "warn"
	LevelInfo     Level = "info"
	LevelDebug    Level = "debug"
	LevelTrace    Level = "trace"
	LevelBlather  Level = "blather"
)

// Init is what supervisord sends in the initialize request.
type Init struct {
	// Namespace is NAME of [rpcinterface:NAME].
	Namespace string `json:"namespace"`
	// Config holds the section's keys other than the exec factory's own.
	Config     map[string]string `json:"config"`
	Supervisor SupervisorInfo    `json:"supervisor"`
}

// SupervisorInfo describes the supervisord that started the plugin.
type SupervisorInfo struct {
	Version        string `json:"version"`     // the Supervisor version whose API it serves ("4.2.5")
	APIVersion     string `json:"api_version"` // "3.0"
	Identification string `json:"identification"`
}

// Event is one event supervisord delivered: the headers and payload an
// [eventlistener:x] would receive.
type Event struct {
	// Name is the event's type, headers["eventname"]
	// ("PROCESS_STATE_RUNNING").
	Name    string
	Headers map[string]string
	Payload string
}

// Fields parses the first line of the payload, "key:value" tokens separated
// by spaces ("processname:cat groupname:cat from_state:STARTING pid:2766"),
// into a map. Data after the first line (PROCESS_LOG,
// PROCESS_COMMUNICATION) is not included.
func (e Event) Fields() map[string]string {
	line, _, _ := strings.Cut(e.Payload, "\n")
	out := map[string]string{}
	for _, tok := range strings.Fields(line) {
		if k, v, ok := strings.Cut(tok, ":"); ok {
			out[k] = v
		}
	}
	return out
}

// EventFunc handles an event. Events are handled one at a time, in the
// order supervisord sent them, on a goroutine of their own: a handler may
// block and may Call supervisord. ctx ends when the connection to
// supervisord ends (the events already received are still handled).
type EventFunc func(ctx context.Context, e Event)

// InitFunc runs when supervisord's initialize request arrives, before the
// answer is built: it may read the configuration and register more
// methods and subscriptions. An error refuses the handshake, and
// supervisord refuses to start with the error's text (a *Fault's message).
type InitFunc func(ctx context.Context, in Init) error

// methodName is the protocol's rule for a method's name.
var methodName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.]*$`)

type method struct {
	name, help string
	signature  []string
	call       MethodFunc
}

type subscription struct {
	types []string
	fn    EventFunc
}

// Plugin is one exec plugin: its methods, event subscriptions and, while
// it serves, its connection to supervisord. Register everything before
// Serve (or from an InitFunc); Call and Log may be used from any goroutine
// while it serves.
type Plugin struct {
	mu        sync.Mutex
	methods   []*method
	byName    map[string]*method
	subs      []subscription
	onInit    InitFunc
	announced bool          // the handshake is answered: no more registrations
	conn      *jsonrpc.Conn // set while serving
	events    *queue        // set while serving
	served    bool
}

// New returns a plugin with no methods.
func New() *Plugin {
	return &Plugin{byName: map[string]*method{}}
}

// Method registers a method over raw parameters. signature, when not nil,
// is what system.methodSignature returns: the return type then the
// parameter types, in XML-RPC type names ("string", "int", "boolean",
// "double", "array", "struct", "base64", "dateTime.iso8601"). It panics on
// a name the protocol refuses (letters, digits, '_' and '.', not starting
// with '_' or '.'), on "initialize", on a name registered twice, and after
// the handshake: these are programming errors.
func (p *Plugin) Method(name, help string, signature []string, fn MethodFunc) {
	if !methodName.MatchString(name) || name == "initialize" {
		panic(fmt.Sprintf("execplugin: bad method name %q", name))
	}
	if fn == nil {
		panic("execplugin: Method " + name + " with a nil func")
	}
	if signature != nil && len(signature) == 0 {
		panic("execplugin: Method " + name + " with an empty signature")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.announced {
		panic("execplugin: Method " + name + " after the handshake")
	}
	if _, dup := p.byName[name]; dup {
		panic(fmt.Sprintf("execplugin: method %q registered twice", name))
	}
	m := &method{name: name, help: help, signature: signature, call: fn}
	p.methods = append(p.methods, m)
	p.byName[name] = m
}

// Handle registers a method with typed parameters (see Func0...Func3).
// It panics as Method does.
func (p *Plugin) Handle(name, help string, t Typed) {
	if t.call == nil {
		panic("execplugin: Handle " + name + " with a zero Typed")
	}
	p.Method(name, help, t.signature, t.call)
}

// Subscribe asks supervisord for the events of the given types (the names
// [eventlistener:x] events= accepts: "PROCESS_STATE", "TICK_5", ...) and
// calls fn for each. A type covers its subtypes (PROCESS_STATE covers
// PROCESS_STATE_RUNNING, TICK covers TICK_5; EVENT covers all). It panics without types or
// after the handshake.
func (p *Plugin) Subscribe(fn EventFunc, types ...string) {
	if fn == nil || len(types) == 0 {
		panic("execplugin: Subscribe needs a func and at least one event type")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.announced {
		panic("execplugin: Subscribe after the handshake")
	}
	p.subs = append(p.subs, subscription{types: types, fn: fn})
}

// OnInit sets the func run when the handshake arrives.
func (p *Plugin) OnInit(fn InitFunc) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.onInit = fn
}

// covers reports whether subscribing to typ delivers events named name:
// supervisor.events' hierarchy is that of the names' prefixes (TICK covers
// TICK_5), under EVENT. Types are case-insensitive, as in events= lines.
func covers(typ, name string) bool {
	typ = strings.ToUpper(typ)
	return typ == "EVENT" || typ == name || strings.HasPrefix(name, typ+"_")
}

// Call calls an XML-RPC method of supervisord ("supervisor.getState",
// "system.multicall", another namespace's method, even one of this
// plugin's own) and returns its decoded result (see As). A fault comes
// back as a *Fault; without a connection the error wraps ErrNotServing.
// It returns when the answer arrives, ctx ends or the connection breaks.
func (p *Plugin) Call(ctx context.Context, method string, params ...any) (any, error) {
	conn := p.connection()
	if conn == nil {
		return nil, ErrNotServing
	}
	if params == nil {
		params = []any{}
	}
	raw, err := encodeValue(params)
	if err != nil {
		return nil, fmt.Errorf("execplugin: call %s: %w", method, err)
	}
	res, err := conn.Call(ctx, method, raw)
	if err != nil {
		var je *jsonrpc.Error
		switch {
		case errors.As(err, &je):
			return nil, &Fault{Code: int(je.Code), Message: je.Message}
		case errors.Is(err, jsonrpc.ErrClosed):
			return nil, fmt.Errorf("%w: call %s: %v", ErrNotServing, method, err)
		}
		return nil, err
	}
	v, err := decodeValue(res)
	if err != nil {
		return nil, fmt.Errorf("execplugin: call %s: result: %w", method, err)
	}
	return v, nil
}

// Log writes a line to supervisord's main log, as
// "rpcinterface:NAME: message".
func (p *Plugin) Log(level Level, message string) error {
	conn := p.connection()
	if conn == nil {
		return ErrNotServing
	}
	if err := conn.Notify("log", map[string]string{"level": string(level), "message": message}); err != nil {
		return fmt.Errorf("%w: %v", ErrNotServing, err)
	}
	return nil
}

// Logf is Log with a formatted message.
func (p *Plugin) Logf(level Level, format string, args ...any) error {
	return p.Log(level, fmt.Sprintf(format, args...))
}

func (p *Plugin) connection() *jsonrpc.Conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.conn
}

// Main serves on stdin and stdout until supervisord closes stdin (exit
// status 0) or a SIGTERM or SIGINT arrives, and exits. An error is
// printed on stderr (supervisord's main log) with exit status 1. Run by
// hand (stdin a terminal or another character device, and no
// SUPERVISOR_RPC_NAMESPACE in the environment, which supervisord sets), it
// explains what it is and exits with status 1.
func (p *Plugin) Main() {
	if fi, err := os.Stdin.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 && os.Getenv("SUPERVISOR_RPC_NAMESPACE") == "" {
		fmt.Fprintf(os.Stderr, "%s is a supervisord exec plugin: mount it with\n\n"+
			"\t[rpcinterface:NAME]\n\tsupervisor.rpcinterface_factory = exec\n\tcommand = %s\n",
			os.Args[0], os.Args[0])
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := p.Serve(ctx)
	stop()
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(os.Stderr, "%s: %v\n", os.Args[0], err)
		os.Exit(1)
	}
	os.Exit(0)
}

// Serve is ServeConn on the process's stdin and stdout, which it closes.
func (p *Plugin) Serve(ctx context.Context) error {
	in := os.Stdin
	// A descriptor in non-blocking mode is pollable, so closing it when ctx
	// ends interrupts a read in progress.
	if err := syscall.SetNonblock(0, true); err == nil {
		in = os.NewFile(0, "/dev/stdin")
	}
	return p.ServeConn(ctx, in, os.Stdout)
}

// ServeConn speaks the protocol with supervisord reading r and writing w
// (closing them when they are io.Closers) until r ends, which returns nil,
// the connection breaks (a line over 16 MiB, a write error), which returns
// the cause, or ctx ends, which returns ctx's error. It returns once every
// method call in progress has returned and every event received has been
// handled. A Plugin serves once.
func (p *Plugin) ServeConn(ctx context.Context, r io.Reader, w io.Writer) error {
	p.mu.Lock()
	if p.served {
		p.mu.Unlock()
		return errors.New("execplugin: a Plugin serves only once")
	}
	p.served = true
	p.events = newQueue()
	p.mu.Unlock()

	evCtx, endEvents := context.WithCancel(ctx)
	defer endEvents()
	var pump sync.WaitGroup
	pump.Go(func() { p.pumpEvents(evCtx) })

	conn := jsonrpc.NewConn(r, w, jsonrpc.Options{
		Handler: jsonrpc.HandlerFunc(p.handle),
		BadLine: func(line []byte, err error) {
			fmt.Fprintf(os.Stderr, "execplugin: skipped a line from supervisord: %v\n", err)
		},
	})
	p.mu.Lock()
	p.conn = conn
	p.mu.Unlock()

	var err error
	select {
	case <-conn.Done():
		err = conn.Err()
	case <-ctx.Done():
		err = ctx.Err()
	}
	p.mu.Lock()
	p.conn = nil
	p.mu.Unlock()
	endEvents()
	cerr := conn.Close()
	p.events.close()
	pump.Wait()
	switch {
	case errors.Is(err, io.EOF):
		return cerr
	case err != nil:
		return err
	}
	return cerr
}

// handle answers supervisord's requests (each on its own goroutine) and
// receives its notifications (on the reader goroutine: they must not
// block).
func (p *Plugin) handle(ctx context.Context, req *jsonrpc.Request) (any, error) {
	if req.IsNotification() {
		if req.Method == "event" {
			p.event(req.Params)
		}
		return nil, nil
	}
	if req.Method == "initialize" {
		return p.initialize(ctx, req.Params)
	}
	p.mu.Lock()
	m := p.byName[req.Method]
	p.mu.Unlock()
	if m == nil {
		return nil, &jsonrpc.Error{Code: FaultUnknownMethod, Message: "UNKNOWN_METHOD"}
	}
	params, err := decodeParams(req.Params)
	if err != nil {
		return nil, &jsonrpc.Error{Code: FaultIncorrectParameters, Message: "INCORRECT_PARAMETERS: " + err.Error()}
	}
	result, err := run(ctx, m.call, params)
	if err != nil {
		return nil, toError(err)
	}
	raw, err := encodeValue(result)
	if err != nil {
		return nil, &jsonrpc.Error{Code: FaultFailed, Message: "FAILED: cannot encode the result: " + err.Error()}
	}
	return raw, nil
}

// run calls a method, turning a panic into an error.
func run(ctx context.Context, fn MethodFunc, params []any) (result any, err error) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "execplugin: panic in a method: %v\n%s", r, debug.Stack())
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return fn(ctx, params)
}

// toError maps a method's error to the answer's error object.
func toError(err error) *jsonrpc.Error {
	var f *Fault
	if errors.As(err, &f) {
		return &jsonrpc.Error{Code: int64(f.Code), Message: f.Message}
	}
	return &jsonrpc.Error{Code: FaultFailed, Message: "FAILED: " + err.Error()}
}

// handshakeMethod is one entry of the initialize answer's methods.
type handshakeMethod struct {
	Name      string     `json:"name"`
	Help      string     `json:"help,omitempty"`
	Signature [][]string `json:"signature,omitempty"`
}

func (p *Plugin) initialize(ctx context.Context, raw json.RawMessage) (any, error) {
	var in Init
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &in); err != nil {
			return nil, &jsonrpc.Error{Code: jsonrpc.ErrInvalidParams.Code, Message: "initialize: " + err.Error()}
		}
	}
	if in.Config == nil {
		in.Config = map[string]string{}
	}
	p.mu.Lock()
	onInit := p.onInit
	p.mu.Unlock()
	if onInit != nil {
		err := func() (err error) {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("panic: %v", r)
				}
			}()
			return onInit(ctx, in)
		}()
		if err != nil {
			var f *Fault
			if errors.As(err, &f) {
				return nil, &jsonrpc.Error{Code: int64(f.Code), Message: f.Message}
			}
			return nil, &jsonrpc.Error{Code: FaultFailed, Message: err.Error()}
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.announced = true
	methods := make([]handshakeMethod, len(p.methods))
	for i, m := range p.methods {
		methods[i] = handshakeMethod{Name: m.name, Help: m.help}
		if m.signature != nil {
			methods[i].Signature = [][]string{m.signature}
		}
	}
	answer := map[string]any{"methods": methods}
	var types []string
	seen := map[string]bool{}
	for _, s := range p.subs {
		for _, t := range s.types {
			if !seen[t] {
				seen[t] = true
				types = append(types, t)
			}
		}
	}
	if len(types) > 0 {
		answer["events"] = types
	}
	return answer, nil
}

// event queues an event notification for the pump.
func (p *Plugin) event(raw json.RawMessage) {
	var params struct {
		Headers map[string]string `json:"headers"`
		Payload string            `json:"payload"`
	}
	if err := json.Unmarshal(raw, &params); err != nil {
		fmt.Fprintf(os.Stderr, "execplugin: skipped a bad event: %v\n", err)
		return
	}
	p.events.push(Event{Name: params.Headers["eventname"], Headers: params.Headers, Payload: params.Payload})
}

// pumpEvents hands queued events to the subscribed funcs, in order, until
// the queue is closed and empty.
func (p *Plugin) pumpEvents(ctx context.Context) {
	for {
		e, ok := p.events.pop()
		if !ok {
			return
		}
		p.mu.Lock()
		subs := p.subs
		p.mu.Unlock()
		for _, s := range subs {
			for _, t := range s.types {
				if covers(t, e.Name) {
					deliver(ctx, s.fn, e)
					break
				}
			}
		}
	}
}

func deliver(ctx context.Context, fn EventFunc, e Event) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "execplugin: panic in an event handler: %v\n%s", r, debug.Stack())
		}
	}()
	fn(ctx, e)
}

// queue is an unbounded FIFO of events: the reader goroutine never waits
// for a slow handler.
type queue struct {
	mu     sync.Mutex
	items  []Event
	closed bool
	ready  chan struct{} // holds a token when items or closed may have changed
}

func newQueue() *queue { return &queue{ready: make(chan struct{}, 1)} }

func (q *queue) signal() {
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

func (q *queue) push(e Event) {
	q.mu.Lock()
	q.items = append(q.items, e)
	q.mu.Unlock()
	q.signal()
}

func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.signal()
}

// pop waits for the next event; false when the queue is closed and empty.
func (q *queue) pop() (Event, bool) {
	for {
		q.mu.Lock()
		if len(q.items) > 0 {
			e := q.items[0]
			q.items[0] = Event{}
			q.items = q.items[1:]
			q.mu.Unlock()
			return e, true
		}
		closed := q.closed
		q.mu.Unlock()
		if closed {
			return Event{}, false
		}
		<-q.ready
	}
}
