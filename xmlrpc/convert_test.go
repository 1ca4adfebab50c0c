package xmlrpc

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

type processInfo struct {
	Name        string `xmlrpc:"name"`
	Group       string `xmlrpc:"group"`
	State       int    `xmlrpc:"state"`
	StateName   string `xmlrpc:"statename"`
	PID         int32  `xmlrpc:"pid"`
	Description string `xmlrpc:"description"`
	Ignored     string `xmlrpc:"-"`
	Extra       any    `xmlrpc:"extra"`
}

func TestUnmarshal(t *testing.T) {
	body, err := MarshalResponse([]any{
		Struct{{"name", "cat"}, {"group", "cats"}, {"state", 20}, {"statename", "RUNNING"}, {"pid", 42},
			{"description", "pid 42, uptime 0:00:03"}, {"unknown", 1}, {"extra", []any{1, "x"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	v, err := DecodeResponse(strings.NewReader(string(body)), nil)
	if err != nil {
		t.Fatal(err)
	}
	var infos []processInfo
	if err := Unmarshal(v, &infos); err != nil {
		t.Fatal(err)
	}
	want := []processInfo{{Name: "cat", Group: "cats", State: 20, StateName: "RUNNING", PID: 42,
		Description: "pid 42, uptime 0:00:03", Extra: []any{1, "x"}}}
	if !reflect.DeepEqual(infos, want) {
		t.Errorf("got %+v\nwant %+v", infos, want)
	}

	var all struct {
		B   bool              `xmlrpc:"b"`
		U   uint8             `xmlrpc:"u"`
		F   float64           `xmlrpc:"f"`
		FI  float32           `xmlrpc:"fi"`
		Raw []byte            `xmlrpc:"raw"`
		Txt []byte            `xmlrpc:"txt"`
		T   time.Time         `xmlrpc:"t"`
		P   *int              `xmlrpc:"p"`
		M   map[string]string `xmlrpc:"m"`
		S   []string          `xmlrpc:"s"`
		N   []int             `xmlrpc:"n"`
	}
	when := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	in := map[string]any{"b": true, "u": 255, "f": 1.5, "fi": 2, "raw": []byte{1}, "txt": "hi", "t": when, "p": 7,
		"m": Struct{{"k", "v"}}, "s": []any{"a"}, "n": nil}
	if err := Unmarshal(in, &all); err != nil {
		t.Fatal(err)
	}
	if !all.B || all.U != 255 || all.F != 1.5 || all.FI != 2 || string(all.Raw) != "\x01" || string(all.Txt) != "hi" ||
		!all.T.Equal(when) || all.P == nil || *all.P != 7 || all.M["k"] != "v" || len(all.S) != 1 || all.N != nil {
		t.Errorf("got %+v", all)
	}
}

func TestUnmarshalErrors(t *testing.T) {
	var n int8
	var s string
	var st struct {
		X []int `xmlrpc:"x"`
	}
	cases := []struct {
		name string
		v    Value
		dst  any
	}{
		{"not a pointer", 1, n},
		{"nil pointer", 1, (*int)(nil)},
		{"overflow", 300, &n},
		{"string into int", "1", &n},
		{"int into string", 1, &s},
		{"nil into string", nil, &s},
		{"nested path", map[string]any{"x": []any{1, "two"}}, &st},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Unmarshal(tc.v, tc.dst)
			if !errors.Is(err, ErrTypeMismatch) {
				t.Fatalf("got %v, want ErrTypeMismatch", err)
			}
		})
	}
	err := Unmarshal(map[string]any{"x": []any{1, "two"}}, &st)
	if err == nil || !strings.Contains(err.Error(), "value.x[1]") {
		t.Errorf("error %v does not name the path value.x[1]", err)
	}
}
