package execplugin

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"
)

func TestDecodeValue(t *testing.T) {
	when := time.Date(2026, 11, 25, 13, 45, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want any
		err  bool
	}{
		{`1`, 1, false},
		{`-9223372036854775808`, math.MinInt64, false},
		{`9223372036854775808`, nil, true},
		{`1.0`, 1.0, false},
		{`1e3`, 1000.0, false},
		{`1E400`, nil, true},
		{`true`, true, false},
		{`"x"`, "x", false},
		{`null`, nil, false},
		{``, nil, false},
		{`[1,[2]]`, []any{1, []any{2}}, false},
		{`{"$base64":"aGk="}`, []byte("hi"), false},
		{`{"$base64":"aGk"}`, nil, true},
		{`{"$base64":1}`, map[string]any{"$base64": 1}, false},
		{`{"$datetime":"20261125T13:45:00"}`, when, false},
		{`{"$datetime":"2026-11-25"}`, nil, true},
		{`{"$datetime":"20261125T13:45:00","a":1}`, map[string]any{"$datetime": "20261125T13:45:00", "a": 1}, false},
		{`1 2`, nil, true},
		{`{`, nil, true},
	}
	for _, tc := range tests {
		got, err := decodeValue([]byte(tc.in))
		if (err != nil) != tc.err || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("decodeValue(%s) = %#v, %v; want %#v, error %v", tc.in, got, err, tc.want, tc.err)
		}
		if err != nil && !errors.Is(err, ErrType) {
			t.Errorf("decodeValue(%s): %v does not wrap ErrType", tc.in, err)
		}
	}
}

func TestEncodeValue(t *testing.T) {
	type tagged struct {
		Name string `json:"name"`
	}
	tests := []struct {
		in   any
		want string
	}{
		{nil, `null`},
		{int8(-3), `-3`},
		{uint64(math.MaxUint64), `18446744073709551615`},
		{2.0, `2.0`},
		{float32(0.5), `0.5`},
		{1e21, `1e+21`},
		{"é\"<", `"é\"\u003c"`},
		{[]byte{0, 255}, `{"$base64":"AP8="}`},
		{time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)), `{"$datetime":"20260102T03:04:05"}`},
		{[]string{"a"}, `["a"]`},
		{[]float64{1}, `[1.0]`},
		{map[string]float64{"b": 1, "a": 0.5}, `{"a":0.5,"b":1.0}`},
		{map[string]any{"z": []any{true}, "a": nil}, `{"a":null,"z":[true]}`},
		{tagged{"x"}, `{"name":"x"}`},
	}
	for _, tc := range tests {
		got, err := encodeValue(tc.in)
		if err != nil || string(got) != tc.want {
			t.Errorf("encodeValue(%#v) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []any{math.NaN(), math.Inf(1), []any{func() {}}} {
		if _, err := encodeValue(bad); !errors.Is(err, ErrType) {
			t.Errorf("encodeValue(%T) = %v, want ErrType", bad, err)
		}
	}
}

func TestAs(t *testing.T) {
	check := func(name string, got any, err error, want any, wantErr bool) {
		t.Helper()
		if (err != nil) != wantErr || (!wantErr && !reflect.DeepEqual(got, want)) {
			t.Errorf("%s = %#v, %v; want %#v (error %v)", name, got, err, want, wantErr)
		}
	}
	v, err := As[int](3)
	check("As[int](3)", v, err, 3, false)
	v64, err := As[int64](3)
	check("As[int64](3)", v64, err, int64(3), false)
	v32, err := As[int32](1 << 40)
	check("As[int32](1<<40)", v32, err, int32(0), true)
	f, err := As[float64](3)
	check("As[float64](3)", f, err, 3.0, false)
	_, err = As[int](3.5)
	check("As[int](3.5)", nil, err, nil, true)
	s, err := As[[]string]([]any{"a", "b"})
	check("As[[]string]", s, err, []string{"a", "b"}, false)
	_, err = As[[]string]([]any{"a", 1})
	check("As[[]string] mixed", nil, err, nil, true)
	m, err := As[map[string]int](map[string]any{"a": 1})
	check("As[map[string]int]", m, err, map[string]int{"a": 1}, false)
	a, err := As[any](nil)
	check("As[any](nil)", a, err, nil, false)
	_, err = As[string](nil)
	check("As[string](nil)", nil, err, nil, true)
	e, err := As[error](nil)
	check("As[error](nil)", e, err, nil, false)
	if _, err := As[string](1); err == nil || err.Error() != "execplugin: value cannot be converted: int where string is expected" {
		t.Errorf("As[string](1) error = %v", err)
	}
}

// FuzzDecodeValue: decoding never panics, and what decodes encodes to JSON
// that decodes to the same value.
func FuzzDecodeValue(f *testing.F) {
	for _, s := range []string{`1`, `-0`, `1.5e-3`, `"x\u00e9"`, `null`, `[1,[true,{"a":null}]]`,
		`{"$base64":"aGk="}`, `{"$datetime":"20261125T13:45:00"}`, `{"$base64":"x","y":2}`,
		`99999999999999999999`, `[`, `{"a":1}{"b":2}`, `[1e400]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		v, err := decodeValue(in)
		if err != nil {
			return
		}
		out, err := encodeValue(v)
		if err != nil {
			t.Fatalf("decoded %s to %#v, which does not encode: %v", in, v, err)
		}
		back, err := decodeValue(out)
		if err != nil {
			t.Fatalf("encoded %#v as %s, which does not decode: %v", v, out, err)
		}
		if !equal(v, back) {
			t.Fatalf("%s decodes to %#v, encodes as %s, decodes to %#v", in, v, out, back)
		}
	})
}

// equal is reflect.DeepEqual with times compared by instant and -0.0 == 0.0.
func equal(a, b any) bool {
	switch x := a.(type) {
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k := range x {
			if !equal(x[k], y[k]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b) || fmt.Sprint(a) == fmt.Sprint(b)
}
