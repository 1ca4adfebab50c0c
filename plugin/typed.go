package plugin

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/supervisorgo/supervisor/xmlrpc"
)

// Typed methods: Func0 ... Func3 build a Method from a Go function with
// typed parameters and result. The parameters are decoded from the call's
// XML-RPC values (a wrong count or type is an INCORRECT_PARAMETERS fault
// naming the parameter); the result is encoded as the xmlrpc package
// encodes Go values (structs by field, with `xmlrpc:"name"` tags). The
// signature for system.methodSignature is derived from the types.
//
// Parameter types: string, bool, the integer kinds, float32/64, time.Time,
// []byte (XML-RPC base64 or string), slices, maps with string keys,
// structs (members matched to fields by `xmlrpc:"name"` tag or field
// name; unknown members are an error; missing ones leave the zero value)
// and xmlrpc.Value (any value, undecoded).
//
//	plugin.Func1("greet", "Greet someone.", func(ctx context.Context, name string) (string, error) {
//		return "Hello, " + name, nil
//	})

// Func0 is a method without parameters.
func Func0[R any](name, help string, f func(ctx context.Context) (R, error)) Method {
	return typed(name, help, []reflect.Type{typeOf[R]()}, func(ctx context.Context, args []reflect.Value) (any, error) {
		return f(ctx)
	})
}

// Func1 is a method of one parameter.
func Func1[A, R any](name, help string, f func(ctx context.Context, a A) (R, error)) Method {
	return typed(name, help, []reflect.Type{typeOf[R](), typeOf[A]()}, func(ctx context.Context, args []reflect.Value) (any, error) {
		return f(ctx, args[0].Interface().(A))
	})
}

// Func2 is a method of two parameters.
func Func2[A, B, R any](name, help string, f func(ctx context.Context, a A, b B) (R, error)) Method {
	return typed(name, help, []reflect.Type{typeOf[R](), typeOf[A](), typeOf[B]()}, func(ctx context.Context, args []reflect.Value) (any, error) {
		return f(ctx, args[0].Interface().(A), args[1].Interface().(B))
	})
}

// Func3 is a method of three parameters.
func Func3[A, B, C, R any](name, help string, f func(ctx context.Context, a A, b B, c C) (R, error)) Method {
	return typed(name, help, []reflect.Type{typeOf[R](), typeOf[A](), typeOf[B](), typeOf[C]()}, func(ctx context.Context, args []reflect.Value) (any, error) {
		return f(ctx, args[0].Interface().(A), args[1].Interface().(B), args[2].Interface().(C))
	})
}

func typeOf[T any]() reflect.Type { return reflect.TypeFor[T]() }

func typed(name, help string, types []reflect.Type, call func(context.Context, []reflect.Value) (any, error)) Method {
	params := types[1:]
	sig := make([]string, len(types))
	for i, t := range types {
		sig[i] = xmlrpcType(t)
	}
	if slices.Contains(sig, "") {
		sig = nil
	}
	return Method{Name: name, Help: help, Signature: sig, Call: func(ctx context.Context, values []xmlrpc.Value) (xmlrpc.Value, error) {
		if len(values) != len(params) {
			return nil, &xmlrpc.Fault{Code: FaultIncorrectParameters, String: "INCORRECT_PARAMETERS"}
		}
		args := make([]reflect.Value, len(params))
		for i, t := range params {
			v := reflect.New(t).Elem()
			if err := decodeInto(v, values[i]); err != nil {
				return nil, &xmlrpc.Fault{Code: FaultIncorrectParameters,
					String: fmt.Sprintf("INCORRECT_PARAMETERS: parameter %d: %v", i+1, err)}
			}
			args[i] = v
		}
		return call(ctx, args)
	}}
}

var (
	timeType  = reflect.TypeFor[time.Time]()
	bytesType = reflect.TypeFor[[]byte]()
	anyType   = reflect.TypeFor[any]()
)

// xmlrpcType is the signature name of a Go type; "" when a method of it
// has no fixed signature (xmlrpc.Value).
func xmlrpcType(t reflect.Type) string {
	switch {
	case t == timeType:
		return "dateTime.iso8601"
	case t == bytesType:
		return "base64"
	case t == anyType:
		return ""
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "int"
	case reflect.Float32, reflect.Float64:
		return "double"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Map, reflect.Struct:
		return "struct"
	case reflect.Pointer:
		return xmlrpcType(t.Elem())
	}
	return ""
}

// decodeInto stores the XML-RPC value v into dst.
func decodeInto(dst reflect.Value, v xmlrpc.Value) error {
	t := dst.Type()
	if t == anyType {
		if v != nil {
			dst.Set(reflect.ValueOf(v))
		}
		return nil
	}
	if t == timeType {
		tm, ok := v.(time.Time)
		if !ok {
			return mismatch("dateTime.iso8601", v)
		}
		dst.Set(reflect.ValueOf(tm))
		return nil
	}
	if t == bytesType {
		switch b := v.(type) {
		case []byte:
			dst.SetBytes(b)
		case string:
			dst.SetBytes([]byte(b))
		default:
			return mismatch("base64", v)
		}
		return nil
	}
	switch t.Kind() {
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			return mismatch("string", v)
		}
		dst.SetString(s)
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			return mismatch("boolean", v)
		}
		dst.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := v.(int)
		if !ok {
			return mismatch("int", v)
		}
		if dst.OverflowInt(int64(n)) {
			return fmt.Errorf("%d is out of range", n)
		}
		dst.SetInt(int64(n))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := v.(int)
		if !ok {
			return mismatch("int", v)
		}
		if n < 0 || dst.OverflowUint(uint64(n)) {
			return fmt.Errorf("%d is out of range", n)
		}
		dst.SetUint(uint64(n))
	case reflect.Float32, reflect.Float64:
		switch f := v.(type) {
		case float64:
			dst.SetFloat(f)
		case int:
			dst.SetFloat(float64(f))
		default:
			return mismatch("double", v)
		}
	case reflect.Slice:
		a, ok := v.([]any)
		if !ok {
			return mismatch("array", v)
		}
		s := reflect.MakeSlice(t, len(a), len(a))
		for i, e := range a {
			if err := decodeInto(s.Index(i), e); err != nil {
				return fmt.Errorf("item %d: %w", i, err)
			}
		}
		dst.Set(s)
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok || t.Key().Kind() != reflect.String {
			return mismatch("struct", v)
		}
		out := reflect.MakeMapWithSize(t, len(m))
		for k, e := range m {
			ev := reflect.New(t.Elem()).Elem()
			if err := decodeInto(ev, e); err != nil {
				return fmt.Errorf("member %q: %w", k, err)
			}
			out.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), ev)
		}
		dst.Set(out)
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return mismatch("struct", v)
		}
		fields := structFields(t)
		for k, e := range m {
			i, ok := fields[k]
			if !ok {
				return fmt.Errorf("unknown member %q", k)
			}
			if err := decodeInto(dst.Field(i), e); err != nil {
				return fmt.Errorf("member %q: %w", k, err)
			}
		}
	case reflect.Pointer:
		p := reflect.New(t.Elem())
		if err := decodeInto(p.Elem(), v); err != nil {
			return err
		}
		dst.Set(p)
	default:
		return fmt.Errorf("parameters of Go type %s cannot be decoded", t)
	}
	return nil
}

// structFields maps member names to exported field indexes.
func structFields(t reflect.Type) map[string]int {
	out := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := f.Name
		if tag, ok := f.Tag.Lookup("xmlrpc"); ok {
			tag, _, _ = strings.Cut(tag, ",")
			if tag == "-" {
				continue
			}
			if tag != "" {
				name = tag
			}
		}
		out[name] = i
	}
	return out
}

func mismatch(want string, v xmlrpc.Value) error {
	got := "nil"
	switch v.(type) {
	case string:
		got = "string"
	case bool:
		got = "boolean"
	case int:
		got = "int"
	case float64:
		got = "double"
	case time.Time:
		got = "dateTime.iso8601"
	case []byte:
		got = "base64"
	case []any:
		got = "array"
	case map[string]any:
		got = "struct"
	}
	return fmt.Errorf("want %s, got %s", want, got)
}
