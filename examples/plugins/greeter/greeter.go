// Package greeter is an example of an XML-RPC namespace compiled into
// supervisord. With
//
//	[rpcinterface:greeter]
//	supervisor.rpcinterface_factory = examples.greeter
//	greeting = Hello
//
// it serves greeter.greet(name) and greeter.countRunning(), the second by
// calling supervisor.getAllProcessInfo through the host.
package greeter

import (
	"context"
	"fmt"

	"github.com/supervisorgo/supervisor/plugin"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

// FactoryName is the name [rpcinterface:x] sections use to mount it.
const FactoryName = "examples.greeter"

func init() { plugin.Register(FactoryName, New) }

// Namespace is the greeter namespace.
type Namespace struct {
	greeting string
	host     plugin.Host
}

// New is the factory: the section's greeting key is optional.
func New(_ context.Context, ic plugin.InitContext) (plugin.Namespace, error) {
	greeting, ok := ic.Get("greeting")
	if !ok {
		greeting = "Hello"
	}
	for _, kv := range ic.Config {
		if kv.Key != "greeting" {
			return nil, fmt.Errorf("unknown key %q (only greeting is read)", kv.Key)
		}
	}
	return &Namespace{greeting: greeting, host: ic.Host}, nil
}

// Methods lists the namespace's methods with their help and signatures.
func (n *Namespace) Methods() []plugin.Method {
	return []plugin.Method{
		// A typed method: the parameter is decoded and checked for us,
		// and the signature (string, string) comes from the types.
		plugin.Func1("greet", "Greet someone.\n\n@param string name Who to greet\n@return string The greeting", n.greet),
		// A method on raw XML-RPC values.
		{
			Name:      "countRunning",
			Help:      "Count the processes in the RUNNING state.\n\n@return int How many",
			Signature: []string{"int"},
			Call:      n.countRunning,
		},
	}
}

func (n *Namespace) greet(_ context.Context, name string) (string, error) {
	return fmt.Sprintf("%s, %s!", n.greeting, name), nil
}

func (n *Namespace) countRunning(ctx context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
	if len(params) != 0 {
		return nil, &xmlrpc.Fault{Code: 2, String: "INCORRECT_PARAMETERS"}
	}
	v, err := n.host.Call(ctx, "supervisor.getAllProcessInfo")
	if err != nil {
		return nil, err
	}
	infos, _ := v.([]any)
	count := 0
	for _, info := range infos {
		if st, ok := info.(xmlrpc.Struct); ok {
			if name, _ := st.Get("statename"); name == "RUNNING" {
				count++
			}
		} else if m, ok := info.(map[string]any); ok && m["statename"] == "RUNNING" {
			count++
		}
	}
	return count, nil
}

var _ plugin.Namespace = (*Namespace)(nil)
