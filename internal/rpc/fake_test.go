package rpc

import (
	"context"
	"errors"

	"github.com/supervisorgo/supervisor/plugin"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

// fakeNamespace mirrors the Python class Fake of
// ../httpd/testdata/fakens.py, so its answers can be compared with the
// reference's for the same calls.
type fakeNamespace struct{}

// The help texts are the Python docstrings, verbatim.
const (
	echoHelp = " Echo x back\n\n        @param string x The value\n        @return string result The same value\n        "
	addHelp  = " @param int a\n        @param int b\n        @return int sum"
	failHelp = " @return boolean never "
)

func (fakeNamespace) Methods() []plugin.Method {
	return []plugin.Method{
		{Name: "echo", Help: echoHelp, Signature: []string{"string", "string"},
			Call: func(_ context.Context, p []xmlrpc.Value) (xmlrpc.Value, error) {
				if err := CheckParams(p, 1, 1); err != nil {
					return nil, err
				}
				return p[0], nil
			}},
		// add(a, b=1): Python's a + b on ints or on strings; anything else is
		// a TypeError, hence INCORRECT_PARAMETERS.
		{Name: "add", Help: addHelp, Signature: []string{"int", "int", "int"},
			Call: func(_ context.Context, p []xmlrpc.Value) (xmlrpc.Value, error) {
				if err := CheckParams(p, 1, 2); err != nil {
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
				return nil, IncorrectParameters.Fault()
			}},
		{Name: "fail", Help: failHelp,
			Call: func(context.Context, []xmlrpc.Value) (xmlrpc.Value, error) {
				return nil, BadName.Faultf("nope")
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

// extraNamespace has methods only the Go tests use.
type extraNamespace struct {
	entered chan struct{} // block sends here once it runs, if not nil
}

func (x extraNamespace) Methods() []plugin.Method {
	return []plugin.Method{
		// block waits until its context ends.
		{Name: "block", Call: func(ctx context.Context, _ []xmlrpc.Value) (xmlrpc.Value, error) {
			if x.entered != nil {
				x.entered <- struct{}{}
			}
			<-ctx.Done()
			return nil, ctx.Err()
		}},
		{Name: "panic", Call: func(context.Context, []xmlrpc.Value) (xmlrpc.Value, error) {
			panic("oops")
		}},
		{Name: "wrapped", Call: func(context.Context, []xmlrpc.Value) (xmlrpc.Value, error) {
			return nil, errors.Join(errors.New("context"), NoFile.Fault())
		}},
		{Name: "big", Call: func(context.Context, []xmlrpc.Value) (xmlrpc.Value, error) {
			return 1 << 40, nil
		}},
		{Name: "nocall"},
		{Name: "dotted.name", Help: "@return string x", Call: func(context.Context, []xmlrpc.Value) (xmlrpc.Value, error) {
			return "dotted", nil
		}},
		{Name: "count", Call: func(_ context.Context, p []xmlrpc.Value) (xmlrpc.Value, error) {
			return len(p), nil
		}},
	}
}
