package rpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"

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
// handed to the method: cancel it when the client goes away.
func (s *Server) Handle(ctx context.Context, body io.Reader) ([]byte, int) {
	maxBytes := s.limits.MaxBytes
	if maxBytes == 0 {
		maxBytes = xmlrpc.DefaultMaxBytes
	}
	if maxBytes > 0 {
		body = io.LimitReader(body, maxBytes+1)
	}
	data, err := io.ReadAll(body)
	if err != nil {
		s.log.Error(fmt.Sprintf("XML-RPC request data could not be read: %v", err))
		return nil, http.StatusBadRequest
	}
	if maxBytes > 0 && int64(len(data)) > maxBytes {
		s.log.Error(fmt.Sprintf("XML-RPC request data is larger than %d bytes", maxBytes))
		return nil, http.StatusRequestEntityTooLarge
	}
	call, err := xmlrpc.DecodeCall(bytes.NewReader(data), &s.limits)
	if errors.Is(err, xmlrpc.ErrNoMethodName) {
		s.log.Error(fmt.Sprintf("XML-RPC request data %q is invalid: no method name", data))
		return nil, http.StatusBadRequest
	}
	if err != nil {
		s.log.Error(fmt.Sprintf("XML-RPC request data %q is invalid: unmarshallable", data), "err", err)
		return nil, http.StatusBadRequest
	}
	s.log.Log(ctx, mainlog.LevelTrace, fmt.Sprintf("XML-RPC method called: %s()", call.Method))
	v, err := s.Call(ctx, call.Method, call.Params)
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
	out, err := xmlrpc.MarshalResponse(v)
	if err != nil {
		s.log.Log(ctx, mainlog.LevelCritical, fmt.Sprintf("Handling XML-RPC request with data %q raised an unexpected exception: %v", data, err))
		return nil, http.StatusInternalServerError
	}
	return out, http.StatusOK
}
