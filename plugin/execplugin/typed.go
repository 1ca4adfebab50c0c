package execplugin

import (
	"context"
	"fmt"
)

// MethodFunc implements a method over its decoded parameters (see As for
// their types). Its result is encoded per the protocol's type table. An
// error that is or wraps a *Fault answers with that fault; any other error
// with FAILED (30) and the error's text; a panic is recovered and answered
// like an error. ctx ends when the connection to supervisord ends (JSON-RPC
// has no cancellation: supervisord's call_timeout does not end it).
type MethodFunc func(ctx context.Context, params []any) (any, error)

// Typed is a method implementation with typed parameters, made by Func0,
// Func1, Func2 or Func3 and registered with Plugin.Handle. Its signature
// is read from the Go types (int, string, bool, float64, []byte,
// time.Time, []any, map[string]any and the like); when a type has no
// XML-RPC name the method has no signature unless WithSignature gives one.
type Typed struct {
	call      MethodFunc
	signature []string
}

// WithSignature returns t with the given signature (return type, then the
// parameter types, in XML-RPC type names) instead of the one read from
// the Go types.
func (t Typed) WithSignature(types ...string) Typed {
	t.signature = types
	return t
}

// signature builds a signature from type names, or nil if one is unknown.
func signature(names ...string) []string {
	for _, n := range names {
		if n == "" {
			return nil
		}
	}
	return names
}

// arg converts parameter i to T, or returns an INCORRECT_PARAMETERS fault.
func arg[T any](params []any, i int) (T, error) {
	v, err := As[T](params[i])
	if err != nil {
		return v, &Fault{Code: FaultIncorrectParameters,
			Message: fmt.Sprintf("INCORRECT_PARAMETERS: parameter %d: %s where %s is expected",
				i+1, describe(params[i]), describeType[T]())}
	}
	return v, nil
}

// count checks the number of parameters.
func count(params []any, n int) error {
	if len(params) != n {
		return &Fault{Code: FaultIncorrectParameters,
			Message: fmt.Sprintf("INCORRECT_PARAMETERS: %d parameters where %d are expected", len(params), n)}
	}
	return nil
}

// Func0 makes a method of no parameters returning R.
func Func0[R any](fn func(ctx context.Context) (R, error)) Typed {
	return Typed{
		signature: signature(typeName[R]()),
		call: func(ctx context.Context, params []any) (any, error) {
			if err := count(params, 0); err != nil {
				return nil, err
			}
			return fn(ctx)
		},
	}
}

// Func1 makes a method of one parameter of type A returning R.
func Func1[A, R any](fn func(ctx context.Context, a A) (R, error)) Typed {
	return Typed{
		signature: signature(typeName[R](), typeName[A]()),
		call: func(ctx context.Context, params []any) (any, error) {
			if err := count(params, 1); err != nil {
				return nil, err
			}
			a, err := arg[A](params, 0)
			if err != nil {
				return nil, err
			}
			return fn(ctx, a)
		},
	}
}

// Func2 makes a method of two parameters returning R.
func Func2[A, B, R any](fn func(ctx context.Context, a A, b B) (R, error)) Typed {
	return Typed{
		signature: signature(typeName[R](), typeName[A](), typeName[B]()),
		call: func(ctx context.Context, params []any) (any, error) {
			if err := count(params, 2); err != nil {
				return nil, err
			}
			a, err := arg[A](params, 0)
			if err != nil {
				return nil, err
			}
			b, err := arg[B](params, 1)
			if err != nil {
				return nil, err
			}
			return fn(ctx, a, b)
		},
	}
}

// Func3 makes a method of three parameters returning R.
func Func3[A, B, C, R any](fn func(ctx context.Context, a A, b B, c C) (R, error)) Typed {
	return Typed{
		signature: signature(typeName[R](), typeName[A](), typeName[B](), typeName[C]()),
		call: func(ctx context.Context, params []any) (any, error) {
			if err := count(params, 3); err != nil {
				return nil, err
			}
			a, err := arg[A](params, 0)
			if err != nil {
				return nil, err
			}
			b, err := arg[B](params, 1)
			if err != nil {
				return nil, err
			}
			c, err := arg[C](params, 2)
			if err != nil {
				return nil, err
			}
			return fn(ctx, a, b, c)
		},
	}
}
