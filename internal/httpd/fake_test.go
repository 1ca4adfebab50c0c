package httpd

import (
	"context"
	"errors"
	"testing"

	"github.com/supervisorgo/supervisor/internal/rpc"
	"github.com/supervisorgo/supervisor/plugin"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

// fakeNamespace is the Go twin of the class Fake in testdata/fakens.py
// (and of the one in ../rpc/fake_test.go): same methods, help texts and
// answers, so our server and the reference can be compared on it.
type fakeNamespace struct{}

func (fakeNamespace) Methods() []plugin.Method {
	return []plugin.Method{
		{Name: "echo", Help: " Echo x back\n\n        @param string x The value\n        @return string result The same value\n        ",
			Signature: []string{"string", "string"},
			Call: func(_ context.Context, p []xmlrpc.Value) (xmlrpc.Value, error) {
				if err := rpc.CheckParams(p, 1, 1); err != nil {
					return nil, err
				}
				return p[0], nil
			}},
		{Name: "add", Help: " @param int a\n        @param int b\n        @return int sum",
			Signature: []string{"int", "int", "int"},
			Call: func(_ context.Context, p []xmlrpc.Value) (xmlrpc.Value, error) {
				if err := rpc.CheckParams(p, 1, 2); err != nil {
					return nil, err
				}
				b := xmlrpc.Value(1)
				if len(p) == 2 {
					b = p[1]
				}
				switch a := p[0].(type) {
				case int:
					if b, ok := b.(int); ok {
						return a + b, nil
					}
				case string:
					if b, ok := b.(string); ok {
						return a + b, nil
					}
				}
				return nil, rpc.IncorrectParameters.Fault()
			}},
		{Name: "fail", Help: " @return boolean never ",
			Call: func(context.Context, []xmlrpc.Value) (xmlrpc.Value, error) {
				return nil, rpc.BadName.Faultf("nope")
			}},
		{Name: "boom", Help: "None",
			Call: func(context.Context, []xmlrpc.Value) (xmlrpc.Value, error) {
				return nil, errors.New("kaboom")
			}},
		{Name: "none", Help: "None",
			Call: func(context.Context, []xmlrpc.Value) (xmlrpc.Value, error) {
				return nil, nil
			}},
		{Name: "_private", Help: "None",
			Call: func(context.Context, []xmlrpc.Value) (xmlrpc.Value, error) { return 1, nil }},
	}
}

// gate is a namespace whose method wait reports that it runs, then returns
// true when released or the context's error when its context ends.
type gate struct {
	entered  chan struct{}
	release  chan struct{}
	canceled chan struct{}
}

func newGate() *gate {
	return &gate{entered: make(chan struct{}, 16), release: make(chan struct{}), canceled: make(chan struct{}, 16)}
}

func (g *gate) Methods() []plugin.Method {
	return []plugin.Method{{Name: "wait", Call: func(ctx context.Context, _ []xmlrpc.Value) (xmlrpc.Value, error) {
		g.entered <- struct{}{}
		select {
		case <-g.release:
			return true, nil
		case <-ctx.Done():
			g.canceled <- struct{}{}
			return nil, ctx.Err()
		}
	}}}
}

// newRPC returns a dispatcher with the fake namespace and the extra mounts.
func newRPC(t testing.TB, extra ...rpc.Mount) *rpc.Server {
	t.Helper()
	s, err := rpc.New(append([]rpc.Mount{{Name: "fake", Namespace: fakeNamespace{}}}, extra...), rpc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}
