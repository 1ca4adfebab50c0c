// Package ctlplugin is the public API for supervisorctl plugins: a factory,
// registered under a name, builds the commands a [ctlplugin:NAME] section
// adds to supervisorctl, as the reference's supervisor.ctl_factory does.
//
//	[ctlplugin:wildcards]
//	supervisor.ctl_factory = supervisorwildcards.controllerplugin:make_wildcards_controllerplugin
//	match_group = 1
//
// adds the commands of what the factory registered under that name returns,
// with match_group = 1 in its configuration. Factories are compiled in: a
// custom supervisorctl binary registers its own from init and calls the
// ctl's Main. The name is usually the Python "module:callable" spec, so a
// configuration written for the reference works unchanged.
package ctlplugin

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/supervisorgo/supervisor/xmlrpc"
)

// Exit statuses a command may set (the reference's LSB init codes).
const (
	ExitSuccess              = 0
	ExitGeneric              = 1
	ExitInvalidArgs          = 2
	ExitUnimplementedFeature = 3
	ExitInsufficientPrivs    = 4
	ExitNotInstalled         = 5
	ExitNotRunning           = 7
)

// Controller is supervisorctl as a plugin sees it (the reference's
// Controller object). It is safe for concurrent use.
type Controller interface {
	// Call calls an XML-RPC method of the server ("supervisor.getState",
	// "cache.getKeys"). A fault comes back as a *xmlrpc.Fault error.
	Call(ctx context.Context, method string, params ...xmlrpc.Value) (xmlrpc.Value, error)
	// Output prints one line (a newline is added).
	Output(line string)
	// Upcheck checks that the server answers with the expected API
	// version; when it does not, it has printed why, set the exit status,
	// and returns false.
	Upcheck(ctx context.Context) bool
	// SetExitStatus sets the exit status supervisorctl will exit with.
	SetExitStatus(code int)
	// OneCmd runs a command line as if it had been typed ("restart foo").
	OneCmd(ctx context.Context, line string)
}

// Command is one command a plugin adds.
type Command struct {
	// Name is what the user types ("mstart").
	Name string
	// Help is what "help NAME" prints; a command without help is not
	// listed by "help".
	Help string
	// Run runs the command with the rest of the line (trimmed). An error
	// is printed on one line and sets the exit status to 1, as an
	// uncaught exception does in the reference.
	Run func(ctx context.Context, arg string) error
}

// Plugin is what a factory returns.
type Plugin interface {
	Commands() []Command
}

// Commands is a Plugin made of a fixed list of commands.
type Commands []Command

// Commands returns the list.
func (c Commands) Commands() []Command { return c }

// KeyValue is one key of the section (other than supervisor.ctl_factory).
type KeyValue struct {
	Key, Value string
}

// InitContext is what a factory receives.
type InitContext struct {
	Name       string // NAME of [ctlplugin:NAME]
	Config     []KeyValue
	Controller Controller
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

// Factory builds a plugin. An error stops supervisorctl, naming the
// section.
type Factory func(ic InitContext) (Plugin, error)

// Registry maps factory names to factories. The zero value is empty and
// ready to use.
type Registry struct {
	mu        sync.RWMutex
	factories map[string]Factory
}

// Register adds a factory. It panics on an empty name, a nil factory or a
// name registered twice: these are programming errors.
func (r *Registry) Register(name string, f Factory) {
	if name == "" || f == nil {
		panic("ctlplugin: Register with an empty name or a nil factory")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.factories == nil {
		r.factories = map[string]Factory{}
	}
	if _, dup := r.factories[name]; dup {
		panic(fmt.Sprintf("ctlplugin: factory %q registered twice", name))
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

// Default is the registry supervisorctl uses; packages register their
// factories in it from init.
var Default Registry

// Register adds a factory to the Default registry.
func Register(name string, f Factory) { Default.Register(name, f) }

// Lookup finds a factory in the Default registry.
func Lookup(name string) (Factory, bool) { return Default.Lookup(name) }
