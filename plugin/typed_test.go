package plugin

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/supervisorgo/supervisor/xmlrpc"
)

type point struct {
	X    int    `xmlrpc:"x"`
	Name string `xmlrpc:"name"`
	Skip string `xmlrpc:"-"`
}

func TestTypedMethods(t *testing.T) {
	ctx := context.Background()
	add := Func2("add", "Add.", func(_ context.Context, a, b int) (int, error) { return a + b, nil })
	if !slices.Equal(add.Signature, []string{"int", "int", "int"}) {
		t.Errorf("signature %q", add.Signature)
	}
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		m      Method
		params []xmlrpc.Value
		want   xmlrpc.Value
		fault  string
	}{
		{add, []any{1, 2}, 3, ""},
		{add, []any{1}, nil, "INCORRECT_PARAMETERS"},
		{add, []any{1, "2"}, nil, "INCORRECT_PARAMETERS: parameter 2: want int, got string"},
		{Func0("now", "", func(context.Context) (bool, error) { return true, nil }), nil, true, ""},
		{Func1("p", "", func(_ context.Context, p point) (string, error) { return p.Name + "=" + string(rune('0'+p.X)), nil }),
			[]any{map[string]any{"x": 7, "name": "a"}}, "a=7", ""},
		{Func1("p", "", func(_ context.Context, p point) (string, error) { return "", nil }),
			[]any{map[string]any{"Skip": "a"}}, nil, `INCORRECT_PARAMETERS: parameter 1: unknown member "Skip"`},
		{Func1("s", "", func(_ context.Context, s []string) (int, error) { return len(s), nil }), []any{[]any{"a", "b"}}, 2, ""},
		{Func1("s", "", func(_ context.Context, s []string) (int, error) { return len(s), nil }), []any{[]any{"a", 1}},
			nil, "INCORRECT_PARAMETERS: parameter 1: item 1: want string, got int"},
		{Func1("m", "", func(_ context.Context, m map[string]float64) (float64, error) { return m["a"], nil }),
			[]any{map[string]any{"a": 2}}, 2.0, ""},
		{Func1("u", "", func(_ context.Context, n uint8) (uint8, error) { return n, nil }), []any{300},
			nil, "INCORRECT_PARAMETERS: parameter 1: 300 is out of range"},
		{Func1("t", "", func(_ context.Context, tm time.Time) (int, error) { return tm.Year(), nil }), []any{when}, 2026, ""},
		{Func1("b", "", func(_ context.Context, b []byte) (int, error) { return len(b), nil }), []any{"abc"}, 3, ""},
		{Func1("v", "", func(_ context.Context, v xmlrpc.Value) (xmlrpc.Value, error) { return v, nil }), []any{[]any{1}}, []any{1}, ""},
		{Func3("e", "", func(_ context.Context, a string, b bool, c *int) (string, error) {
			return "", &xmlrpc.Fault{Code: 10, String: "BAD_NAME: " + a}
		}), []any{"x", true, 1}, nil, "BAD_NAME: x"},
	} {
		got, err := tc.m.Call(ctx, tc.params)
		var f *xmlrpc.Fault
		switch {
		case tc.fault != "":
			if !errors.As(err, &f) || f.String != tc.fault {
				t.Errorf("%s(%v): %v, want fault %q", tc.m.Name, tc.params, err, tc.fault)
			}
		case err != nil:
			t.Errorf("%s(%v): %v", tc.m.Name, tc.params, err)
		case !reflect.DeepEqual(got, tc.want):
			t.Errorf("%s(%v) = %#v, want %#v", tc.m.Name, tc.params, got, tc.want)
		}
	}
}

func TestTypedSignatures(t *testing.T) {
	for _, tc := range []struct {
		m    Method
		want []string
	}{
		{Func1("a", "", func(context.Context, []int) (map[string]string, error) { return nil, nil }), []string{"struct", "array"}},
		{Func2("b", "", func(context.Context, time.Time, []byte) (float64, error) { return 0, nil }), []string{"double", "dateTime.iso8601", "base64"}},
		{Func1("c", "", func(context.Context, point) (bool, error) { return false, nil }), []string{"boolean", "struct"}},
		{Func1("d", "", func(context.Context, xmlrpc.Value) (bool, error) { return false, nil }), nil},
	} {
		if !slices.Equal(tc.m.Signature, tc.want) {
			t.Errorf("%s: %q, want %q", tc.m.Name, tc.m.Signature, tc.want)
		}
	}
}

func FuzzTypedDecode(f *testing.F) {
	f.Add("a", 1, true)
	f.Fuzz(func(t *testing.T, s string, n int, b bool) {
		m := Func1("p", "", func(_ context.Context, p struct {
			A []map[string]point `xmlrpc:"a"`
		}) (int, error) {
			return len(p.A), nil
		})
		for _, v := range []any{s, n, b, []any{s, n}, map[string]any{"a": []any{map[string]any{s: map[string]any{"x": n, "name": s}}}}} {
			m.Call(context.Background(), []any{v})
		}
	})
}
