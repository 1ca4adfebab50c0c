// Package plugin is the public API for XML-RPC namespaces: a factory,
// registered under a name, builds the namespace an [rpcinterface:NAME]
// section mounts as NAME.method.
//
//	[rpcinterface:cache]
//	supervisor.rpcinterface_factory = mycompany.cache
//	max_keys = 100
//
// mounts what the factory registered as "mycompany.cache" returns, with
// max_keys = 100 in its configuration. The standard `supervisor` namespace
// is the factory "supervisor.rpcinterface:make_main_rpcinterface"; plugins
// in other languages use the built-in factory "exec".
//
// A factory runs once per configuration (at start-up and at each reload),
// and one namespace instance serves every listener (unix socket and TCP
// alike). The reference makes one per listener; plugin state here does not
// depend on which socket a client used.
package plugin

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"

	"github.com/supervisorgo/supervisor/xmlrpc"
)

// KeyValue is one key of a section, after %(...)s expansion.
type KeyValue struct {
	Key, Value string
}

// Host is the running supervisor as a factory sees it.
type Host interface {
	// Call calls any XML-RPC method supervisord serves
	// ("supervisor.getAllProcessInfo", another namespace's method,
	// "system.multicall"), as an in-process client: no HTTP and no
	// authentication. A fault comes back as a *xmlrpc.Fault error. It must
	// not be called from the factory itself (the namespaces are not all
	// mounted yet); it may be called from a method, even of the caller's
	// own namespace.
	Call(ctx context.Context, method string, params ...xmlrpc.Value) (xmlrpc.Value, error)
	// Identification is the [supervisord] identifier.
	Identification() string
	// Version is the Supervisor version whose API this daemon serves.
	Version() string
}

// InitContext is what a factory receives.
type InitContext struct {
	Name   string     // NAME of [rpcinterface:NAME]: the namespace's prefix
	Config []KeyValue // the section's keys other than the factory's, in order
	Host   Host
	Log    *slog.Logger // the main log, with the "namespace" attribute set
}

// Get returns the value of a configuration key and whether it is set.
func (ic InitContext) Get(key string) (string, bool) {
	for _, kv := range ic.Config {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return "", false
}

// Method is one method of a namespace.
type Method struct {
	// Name is the method's name without the namespace ("getState").
	Name string
	// Help is what system.methodHelp returns.
	Help string
	// Signature is what system.methodSignature returns: the return type
	// then the parameter types ("struct", "string", "int", "boolean",
	// "array", "double", "base64", "dateTime.iso8601"). When nil it is read
	// from Help's "@return type" and "@param type name" lines, as the
	// reference does; a method with neither has no signature.
	Signature []string
	// Call runs the method. ctx ends when the client goes away or the
	// daemon stops; a call may wait (for a process to start) without
	// blocking any other request. A *xmlrpc.Fault error is sent as that
	// fault; any other error is an internal error: HTTP 500, as the
	// reference answers an unexpected exception (inside system.multicall,
	// a fault 30 FAILED entry).
	Call func(ctx context.Context, params []xmlrpc.Value) (xmlrpc.Value, error)
}

// Namespace is what a factory returns.
type Namespace interface {
	Methods() []Method
}

// Closer is implemented by namespaces that hold resources: Close is called
// when the configuration that made them is replaced or the daemon stops.
type Closer interface {
	Close() error
}

// Factory builds a namespace. An error refuses start-up (or the reload),
// naming the section.
type Factory func(ctx context.Context, ic InitContext) (Namespace, error)

// Registry maps factory names to factories. The zero value is empty and
// ready to use.
type Registry struct {
	mu        sync.RWMutex
	factories map[string]Factory
}

// Register adds a factory. It panics on an empty name, a nil factory or a
// name already registered: these are programming errors.
func (r *Registry) Register(name string, f Factory) {
	if name == "" || f == nil {
		panic("plugin: Register with an empty name or a nil factory")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.factories == nil {
		r.factories = map[string]Factory{}
	}
	if _, dup := r.factories[name]; dup {
		panic(fmt.Sprintf("plugin: factory %q registered twice", name))
	}
	r.factories[name] = f
}

// Lookup returns the factory registered under name.
func (r *Registry) Lookup(name string) (Factory, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	f, ok := r.factories[name]
	return f, ok
}

// Names returns the registered names, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.factories))
	for n := range r.factories {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Default is the registry supervisord uses; packages register their
// factories in it from init.
var Default Registry

// Register adds a factory to the Default registry.
func Register(name string, f Factory) { Default.Register(name, f) }

// Lookup finds a factory in the Default registry.
func Lookup(name string) (Factory, bool) { return Default.Lookup(name) }
