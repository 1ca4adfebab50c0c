package execplugin

import (
	"errors"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/supervisorgo/supervisor/xmlrpc"
)

func TestToJSON(t *testing.T) {
	when := time.Date(2026, 11, 25, 13, 45, 0, 0, time.UTC)
	type info struct {
		Name string `xmlrpc:"name"`
		PID  int    `xmlrpc:"pid"`
	}
	for _, tc := range []struct {
		name string
		in   xmlrpc.Value
		want string
	}{
		{"int", 42, `42`},
		{"negative int", -7, `-7`},
		{"int64", int64(1) << 40, `1099511627776`},
		{"double with fraction", 1.5, `1.5`},
		{"integral double keeps a fraction", 2.0, `2.0`},
		{"large double", 1e20, `1e+20`},
		{"small double", 1e-7, `1e-07`},
		{"true", true, `true`},
		{"false", false, `false`},
		{"string", "a\"b\n\u00e9", "\"a\\\"b\\n\u00e9\""},
		{"nil", nil, `null`},
		{"base64", []byte("hi\x00"), `{"$base64":"aGkA"}`},
		{"datetime", when, `{"$datetime":"20261125T13:45:00"}`},
		{"array", []any{1, "x", nil}, `[1,"x",null]`},
		{"empty array", []any{}, `[]`},
		{"struct map sorted", map[string]any{"b": 1, "a": []any{true}}, `{"a":[true],"b":1}`},
		{"ordered struct", xmlrpc.Struct{{Name: "z", Value: 1}, {Name: "a", Value: 2}}, `{"z":1,"a":2}`},
		{"go struct", info{"cat", 12}, `{"name":"cat","pid":12}`},
		{"typed slice", []string{"a", "b"}, `["a","b"]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := toJSON(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Fatalf("toJSON = %s, want %s", got, tc.want)
			}
		})
	}
	for _, bad := range []xmlrpc.Value{math.Inf(1), math.NaN(), make(chan int)} {
		if _, err := toJSON(bad); !errors.Is(err, errType) {
			t.Errorf("toJSON(%v) err = %v", bad, err)
		}
	}
}

func TestFromJSON(t *testing.T) {
	when := time.Date(2026, 11, 25, 13, 45, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		in   string
		want xmlrpc.Value
	}{
		{"int", `42`, 42},
		{"negative int", `-7`, -7},
		{"double with fraction", `1.5`, 1.5},
		{"double with zero fraction", `2.0`, 2.0},
		{"double with exponent", `1e3`, 1000.0},
		{"double with capital exponent", `1E-2`, 0.01},
		{"true", `true`, true},
		{"string", `"x\u00e9"`, "x\u00e9"},
		{"null", `null`, nil},
		{"array", `[1,2.5,"a",null,[]]`, []any{1, 2.5, "a", nil, []any{}}},
		{"object", `{"a":1,"b":{"c":true}}`, map[string]any{"a": 1, "b": map[string]any{"c": true}}},
		{"base64", `{"$base64":"aGkA"}`, []byte("hi\x00")},
		{"datetime", `{"$datetime":"20261125T13:45:00"}`, when},
		{"base64 with another key is a struct", `{"$base64":"aGk=","x":1}`, map[string]any{"$base64": "aGk=", "x": 1}},
		{"non-string $base64 is a struct", `{"$base64":1}`, map[string]any{"$base64": 1}},
		{"nested special", `[{"$datetime":"20261125T13:45:00"}]`, []any{when}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := fromJSON([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("fromJSON(%s) = %#v, want %#v", tc.in, got, tc.want)
			}
		})
	}
	for _, bad := range []string{`{"$base64":"!!"}`, `{"$datetime":"2026-11-25"}`, `123456789012345678901234567890`, `{`, `1e999`} {
		if _, err := fromJSON([]byte(bad)); !errors.Is(err, errType) {
			t.Errorf("fromJSON(%s) err = %v", bad, err)
		}
	}
}

// TestRoundTrip: every XML-RPC value comes back as itself.
func TestRoundTrip(t *testing.T) {
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	in := []any{0, -1, 0.0, -0.5, 1e300, "", "s", true, false, nil, []byte{}, []byte{255}, when,
		map[string]any{"k": []any{map[string]any{}}}}
	raw, err := toJSON(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := fromJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, in) {
		t.Fatalf("round trip %s = %#v", raw, out)
	}
}
