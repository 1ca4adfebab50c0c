package rpc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/supervisorgo/supervisor/internal/mainlog"
	"github.com/supervisorgo/supervisor/plugin"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

// SystemNamespace is the name of the namespace every Server has.
const SystemNamespace = "system"

// Mount is a namespace mounted under a name: the NAME of an
// [rpcinterface:NAME] section and what its factory returned.
type Mount struct {
	Name      string
	Namespace plugin.Namespace
}

// Options configures a Server.
type Options struct {
	// Log receives the reference's XML-RPC log lines (invalid requests at
	// ERRO, unexpected errors at CRIT, each call at TRAC). Nil discards.
	Log *slog.Logger
	// Limits bounds what Handle reads and decodes. Limits.MaxBytes is also
	// the largest request body accepted (HTTP 413 beyond it); zero fields
	// take the xmlrpc package's defaults (16 MiB, depth 256, 2^20 elements).
	Limits xmlrpc.DecodeOptions
}

// Server dispatches XML-RPC calls to mounted namespaces. It holds no
// mutable state: every method may be called from any number of goroutines.
type Server struct {
	log    *slog.Logger
	limits xmlrpc.DecodeOptions
	order  []string // namespace names in mount order, "system" last
	spaces map[string]plugin.Namespace
	hints  sync.Map // method name -> *atomic.Int64, see sizeHint
}

// New returns a Server for the mounted namespaces plus "system". A mount
// named "system" is shadowed by the built-in one, as in the reference
// (make_http_servers appends system last); the shadowing is logged at WARN.
// An empty or duplicate name or a nil namespace is an error.
func New(mounts []Mount, opts Options) (*Server, error) {
	s := &Server{
		log:    opts.Log,
		limits: opts.Limits,
		spaces: make(map[string]plugin.Namespace, len(mounts)+1),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for _, m := range mounts {
		switch {
		case m.Name == "":
			return nil, errors.New("rpc: namespace with an empty name")
		case m.Namespace == nil:
			return nil, fmt.Errorf("rpc: namespace %q is nil", m.Name)
		case m.Name == SystemNamespace:
			s.log.Warn("namespace 'system' is shadowed by the built-in system namespace", "namespace", m.Name)
			continue
		}
		if _, dup := s.spaces[m.Name]; dup {
			return nil, fmt.Errorf("rpc: namespace %q mounted twice", m.Name)
		}
		s.spaces[m.Name] = m.Namespace
		s.order = append(s.order, m.Name)
	}
	s.spaces[SystemNamespace] = systemNamespace{s}
	s.order = append(s.order, SystemNamespace)
	return s, nil
}

// MethodFinder is implemented by namespaces that can find one of their
// methods by name without building the list Methods returns: the dispatcher
// then uses it for every call instead of Methods. Method must return what
// the first element of Methods() with that Name would be, and false when
// there is none.
type MethodFinder interface {
	Method(name string) (plugin.Method, bool)
}

type encodeOnlyKey struct{}

// EncodeOnly reports whether the result of the method called with ctx
// goes only to Handle's encoder, to be written in a response and dropped:
// the call comes from an XML-RPC request (directly or in a
// system.multicall), not from Server.Call. Such a method may then return
// values it also returns to other calls (they are only read), and
// xmlrpc.Encoded values.
func EncodeOnly(ctx context.Context) bool {
	v, _ := ctx.Value(encodeOnlyKey{}).(bool)
	return v
}

// listed reports whether a method appears in system.listMethods and can be
// called: the reference publishes the callable attributes whose names do
// not start with "_".
func listed(m *plugin.Method) bool {
	return m.Name != "" && !strings.HasPrefix(m.Name, "_") && m.Call != nil
}

// lookup finds the method a call names, as the reference's traverse does: a
// name without a dot, a method part starting with "_", an unknown namespace
// or method are UNKNOWN_METHOD. The name is split at its first dot, so a
// method part may itself contain dots (the exec plugin protocol allows
// "a.b" method names); the reference, which needs exactly one dot, reaches
// every method this way that it can reach itself.
func (s *Server) lookup(name string) (plugin.Method, error) {
	nsName, method, ok := strings.Cut(name, ".")
	if !ok || strings.HasPrefix(method, "_") {
		return plugin.Method{}, UnknownMethod.Fault()
	}
	ns, ok := s.spaces[nsName]
	if !ok {
		return plugin.Method{}, UnknownMethod.Fault()
	}
	if f, ok := ns.(MethodFinder); ok {
		if m, ok := f.Method(method); ok && listed(&m) {
			return m, nil
		}
		return plugin.Method{}, UnknownMethod.Fault()
	}
	for _, m := range ns.Methods() {
		if m.Name == method && listed(&m) {
			return m, nil
		}
	}
	return plugin.Method{}, UnknownMethod.Fault()
}

// find returns the published method whose full name is name
// (SystemNamespaceRPCInterface._listMethods, then a lookup by key).
func (s *Server) find(name string) (plugin.Method, bool) {
	for _, nsName := range s.order {
		rest, ok := strings.CutPrefix(name, nsName+".")
		if !ok {
			continue
		}
		for _, m := range s.spaces[nsName].Methods() {
			if m.Name == rest && listed(&m) {
				return m, true
			}
		}
	}
	return plugin.Method{}, false
}

// Methods returns the full names of every published method of every
// namespace, sorted: what system.listMethods returns.
func (s *Server) Methods() []string {
	var names []string
	for _, nsName := range s.order {
		for _, m := range s.spaces[nsName].Methods() {
			if listed(&m) {
				names = append(names, nsName+"."+m.Name)
			}
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// Call runs one method as a top-level XML-RPC call would: the name is
// resolved as the reference's traverse does, the parameter count is checked
// against an explicit Signature, and the method runs on the calling
// goroutine with ctx. The error is a *xmlrpc.Fault for every answer the
// reference sends as a fault; any other error (a method's non-fault error,
// a panic in a method) is what the reference turns into HTTP 500.
func (s *Server) Call(ctx context.Context, method string, params []xmlrpc.Value) (xmlrpc.Value, error) {
	if EncodeOnly(ctx) {
		// A call from inside a method Handle runs (a plugin calling the
		// API in-process): its caller gets the result.
		ctx = context.WithValue(ctx, encodeOnlyKey{}, false)
	}
	return s.call(ctx, method, params)
}

// call is Call without its change of ctx.
func (s *Server) call(ctx context.Context, method string, params []xmlrpc.Value) (xmlrpc.Value, error) {
	m, err := s.lookup(method)
	if err != nil {
		return nil, err
	}
	return s.invoke(ctx, method, m, params)
}

// invoke checks the arity and runs m. How arity is checked:
//
//   - an explicit Signature [ret, p1..pn] makes n the largest number of
//     parameters; a call with more gets INCORRECT_PARAMETERS without
//     running the method (the TypeError a Python method raises);
//   - the smallest number is the method's own business: it calls
//     CheckParams (Python's optional trailing parameters cannot be told
//     from a signature);
//   - a method whose Signature is nil (read from Help, or absent) gets no
//     check at all here: help texts are prose and may be incomplete.
//
// Every one of the reference's 41 methods has exactly as many @param tags
// as Python parameters (testdata/reference_methods.json, max_params), so
// their captured signatures can be used as explicit Signatures.
func (s *Server) invoke(ctx context.Context, name string, m plugin.Method, params []xmlrpc.Value) (v xmlrpc.Value, err error) {
	if len(m.Signature) > 0 && len(params) > len(m.Signature)-1 {
		return nil, IncorrectParameters.Fault()
	}
	defer func() {
		if r := recover(); r != nil {
			s.log.Log(ctx, mainlog.LevelCritical, fmt.Sprintf("XML-RPC method %s() panicked: %v\n%s", name, r, debug.Stack()))
			v, err = nil, fmt.Errorf("rpc: %s panicked: %v", name, r)
		}
	}()
	return m.Call(ctx, params)
}

// Handle serves one XML-RPC request body: it decodes the methodCall, runs
// it and returns the methodResponse document with HTTP status 200, or a nil
// document and the HTTP status the reference answers with
// (supervisor_xmlrpc_handler.continue_request):
//
//   - 400 for a body that is not a methodCall the reference can parse, or
//     that has no or an empty <methodName> (logged at ERRO);
//   - 413 for a body larger than Limits.MaxBytes (the reference has no limit);
//   - 500 for a method's non-fault error, a panic, or a result that cannot
//     be marshalled (nil, an integer beyond 32 bits...), logged at CRIT.
//
// Faults, including the dispatcher's own (UNKNOWN_METHOD,
// INCORRECT_PARAMETERS...), are fault responses with status 200. ctx is
// handed to the method: cancel it when the client goes away. The methods
// see EncodeOnly(ctx) true. The document may be handed back with Release
// once written.
func (s *Server) Handle(ctx context.Context, body io.Reader) ([]byte, int) {
	maxBytes := s.limits.MaxBytes
	if maxBytes == 0 {
		maxBytes = xmlrpc.DefaultMaxBytes
	}
	if maxBytes > 0 {
		body = io.LimitReader(body, maxBytes+1)
	}
	// The request is read into a reused buffer: nothing decoded from it
	// refers to its memory, and it is not used once Handle returns.
	in := getBuffer(0)
	defer putBuffer(in)
	data, err := readAll(body, *in)
	*in = data
	if err != nil {
		s.log.Error(fmt.Sprintf("XML-RPC request data could not be read: %v", err))
		return nil, http.StatusBadRequest
	}
	if maxBytes > 0 && int64(len(data)) > maxBytes {
		s.log.Error(fmt.Sprintf("XML-RPC request data is larger than %d bytes", maxBytes))
		return nil, http.StatusRequestEntityTooLarge
	}
	call, err := xmlrpc.DecodeCallBytes(data, &s.limits)
	if errors.Is(err, xmlrpc.ErrNoMethodName) {
		s.log.Error(fmt.Sprintf("XML-RPC request data %q is invalid: no method name", data))
		return nil, http.StatusBadRequest
	}
	if err != nil {
		s.log.Error(fmt.Sprintf("XML-RPC request data %q is invalid: unmarshallable", data), "err", err)
		return nil, http.StatusBadRequest
	}
	s.log.Log(ctx, mainlog.LevelTrace, fmt.Sprintf("XML-RPC method called: %s()", call.Method))
	v, err := s.call(context.WithValue(ctx, encodeOnlyKey{}, true), call.Method, call.Params)
	if err != nil {
		f, ok := AsFault(err)
		if !ok {
			s.log.Log(ctx, mainlog.LevelCritical, fmt.Sprintf("Handling XML-RPC request with data %q raised an unexpected exception: %v", data, err))
			return nil, http.StatusInternalServerError
		}
		s.log.Log(ctx, mainlog.LevelTrace, fmt.Sprintf("XML-RPC method %s() returned fault: [%d] %s", call.Method, f.Code, f.String))
		v = f
	} else {
		s.log.Log(ctx, mainlog.LevelTrace, fmt.Sprintf("XML-RPC method %s() returned successfully", call.Method))
	}
	hint := s.sizeHint(call.Method)
	buf := getBuffer(int(hint.Load()))
	out, err := xmlrpc.AppendResponse((*buf)[:0], v)
	if err != nil {
		putBuffer(buf)
		s.log.Log(ctx, mainlog.LevelCritical, fmt.Sprintf("Handling XML-RPC request with data %q raised an unexpected exception: %v", data, err))
		return nil, http.StatusInternalServerError
	}
	if n := int64(len(out)); n != hint.Load() {
		hint.Store(n)
	}
	return out, http.StatusOK
}

// sizeHint returns the length of the last response to a call of method:
// its next response is encoded into a buffer at least that large rather
// than grown step by step (a getAllProcessInfo of 1000 processes is over a
// megabyte). Only the names of methods that exist are kept.
func (s *Server) sizeHint(method string) *atomic.Int64 {
	if h, ok := s.hints.Load(method); ok {
		return h.(*atomic.Int64)
	}
	if _, err := s.lookup(method); err != nil {
		return new(atomic.Int64)
	}
	h, _ := s.hints.LoadOrStore(method, new(atomic.Int64))
	return h.(*atomic.Int64)
}

// Release hands back a response document Handle returned, once it has been
// written and is no longer used by anyone, so that a later response may be
// encoded into the same memory (a getAllProcessInfo of 1000 processes is
// over a megabyte). Calling it is optional: a document not released is
// left to the garbage collector.
func (s *Server) Release(doc []byte) {
	if cap(doc) == 0 {
		return
	}
	b := doc[:0]
	putBuffer(&b)
}

// maxPooled is the largest response buffer kept for reuse: larger ones
// (a readLog of many megabytes) are left to the garbage collector.
const maxPooled = 8 << 20

// Buffers for requests and responses, for reuse (*[]byte, length 0), in
// two pools so that small calls do not hold on to large buffers.
var (
	smallBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}
	largeBuffers sync.Pool
)

// smallBuffer is the largest capacity kept in smallBuffers.
const smallBuffer = 64 << 10

// getBuffer returns an empty buffer of capacity at least hint (plus some
// room when hint is large: the next response may be a little larger).
func getBuffer(hint int) *[]byte {
	if hint <= smallBuffer {
		return smallBuffers.Get().(*[]byte)
	}
	if b, ok := largeBuffers.Get().(*[]byte); ok {
		if cap(*b) >= hint {
			return b
		}
		putBuffer(b) // too small: keep it for another call
	}
	b := make([]byte, 0, hint+hint/8)
	return &b
}

func putBuffer(b *[]byte) {
	*b = (*b)[:0]
	switch c := cap(*b); {
	case c > maxPooled:
	case c > smallBuffer:
		largeBuffers.Put(b)
	default:
		smallBuffers.Put(b)
	}
}

// readAll is io.ReadAll appending to b.
func readAll(r io.Reader, b []byte) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return b, err
		}
	}
}
