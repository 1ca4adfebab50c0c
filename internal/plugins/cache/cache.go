// Package cache is supervisor_cache's namespace (mnaberez/supervisor_cache
// 0.2, section 8.2 of the reference notes) rebuilt on the public plugin
// API only: key/value pairs kept in supervisord's memory.
//
//	[rpcinterface:cache]
//	supervisor.rpcinterface_factory = supervisor_cache.rpcinterface:make_cache_rpcinterface
//
// One cache serves every listener (the original keeps one per listener).
// The answers (results, fault codes and strings) are the original's; the
// tests compare them with answers recorded from it.
package cache

import (
	"context"
	"errors"
	"sort"
	"sync"

	"github.com/supervisorgo/supervisor/plugin"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

// FactoryName is the original's factory, which [rpcinterface:x] sections name.
const FactoryName = "supervisor_cache.rpcinterface:make_cache_rpcinterface"

// APIVersion is what cache.getAPIVersion returns.
const APIVersion = "0.2"

func init() { plugin.Register(FactoryName, New) }

// Namespace is the cache namespace.
type Namespace struct {
	sv plugin.Supervisor

	mu    sync.Mutex
	cache map[string]xmlrpc.Value
}

// New is the factory. Like the original's it ignores the section's keys.
func New(_ context.Context, ic plugin.InitContext) (plugin.Namespace, error) {
	sv, ok := ic.Supervisor()
	if !ok {
		return nil, errors.New("cache needs a host that implements plugin.Supervisor")
	}
	return &Namespace{sv: sv, cache: map[string]xmlrpc.Value{}}, nil
}

// Methods lists the namespace's methods.
func (n *Namespace) Methods() []plugin.Method {
	return []plugin.Method{
		n.method("getAPIVersion", 0, "Return the version of supervisor_cache's API.\n\n@return string version",
			[]string{"string"}, n.getAPIVersion),
		n.method("getKeys", 0, "Return the keys of the cache, sorted.\n\n@return array keys",
			[]string{"array"}, n.getKeys),
		n.method("getCount", 0, "Return the number of items in the cache.\n\n@return integer count",
			[]string{"integer"}, n.getCount),
		n.method("store", 2, "Store a value under a key.\n\n@param string key A non-empty key\n"+
			"@param string data The value\n@return boolean Always true",
			[]string{"boolean", "string", "string"}, n.store),
		n.method("fetch", 1, "Return the value stored under a key.\n\n@param string key The key\n@return string The value",
			[]string{"string", "string"}, n.fetch),
		n.method("delete", 1, "Delete a key (no error when it is absent).\n\n@param string key The key\n@return boolean Always true",
			[]string{"boolean", "string"}, n.delete),
		n.method("clear", 0, "Empty the cache.\n\n@return boolean Always true",
			[]string{"boolean"}, n.clear),
	}
}

type call func(params []xmlrpc.Value) (xmlrpc.Value, error)

// method wraps fn with the original's checks: the number of parameters
// (Python's call), then _update (the daemon's state).
func (n *Namespace) method(name string, arity int, help string, sig []string, fn call) plugin.Method {
	return plugin.Method{Name: name, Help: help, Signature: sig,
		Call: func(_ context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
			if err := plugin.CheckArity(params, arity, arity); err != nil {
				return nil, err
			}
			if n.sv.State() == plugin.StateShutdown {
				return nil, plugin.NewFault(plugin.FaultShutdownState)
			}
			n.mu.Lock()
			defer n.mu.Unlock()
			return fn(params)
		}}
}

// key is _validateKey: a non-empty string.
func key(v xmlrpc.Value) (string, error) {
	k, ok := v.(string)
	if !ok || k == "" {
		return "", plugin.NewFaultf(plugin.FaultBadName, "Cache key must be a non-empty string")
	}
	return k, nil
}

func (n *Namespace) getAPIVersion([]xmlrpc.Value) (xmlrpc.Value, error) { return APIVersion, nil }

func (n *Namespace) getKeys([]xmlrpc.Value) (xmlrpc.Value, error) {
	keys := make([]string, 0, len(n.cache))
	for k := range n.cache {
		keys = append(keys, k)
	}
	sort.Strings(keys) // code point order, as Python sorts str
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = k
	}
	return out, nil
}

func (n *Namespace) getCount([]xmlrpc.Value) (xmlrpc.Value, error) { return len(n.cache), nil }

func (n *Namespace) store(params []xmlrpc.Value) (xmlrpc.Value, error) {
	k, err := key(params[0])
	if err != nil {
		return nil, err
	}
	n.cache[k] = params[1]
	return true, nil
}

func (n *Namespace) fetch(params []xmlrpc.Value) (xmlrpc.Value, error) {
	k, err := key(params[0])
	if err != nil {
		return nil, err
	}
	v, ok := n.cache[k]
	if !ok {
		return nil, plugin.NewFault(plugin.FaultBadName)
	}
	return v, nil
}

func (n *Namespace) delete(params []xmlrpc.Value) (xmlrpc.Value, error) {
	k, err := key(params[0])
	if err != nil {
		return nil, err
	}
	delete(n.cache, k)
	return true, nil
}

func (n *Namespace) clear([]xmlrpc.Value) (xmlrpc.Value, error) {
	clear(n.cache)
	return true, nil
}

var _ plugin.Namespace = (*Namespace)(nil)
