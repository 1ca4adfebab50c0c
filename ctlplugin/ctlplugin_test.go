package ctlplugin

import (
	"testing"
)

func TestRegistry(t *testing.T) {
	var r Registry
	f := func(ic InitContext) (Plugin, error) { return Commands{{Name: ic.Name}}, nil }
	r.Register("b", f)
	r.Register("a", f)
	if got := r.Names(); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Fatalf("Names = %q", got)
	}
	if _, ok := r.Lookup("a"); !ok {
		t.Fatal("a not found")
	}
	if _, ok := r.Lookup("c"); ok {
		t.Fatal("c found")
	}
	for _, tc := range []struct {
		name string
		f    Factory
	}{{"", f}, {"x", nil}, {"a", f}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%q) did not panic", tc.name)
				}
			}()
			r.Register(tc.name, tc.f)
		}()
	}
}

func TestInitContextGet(t *testing.T) {
	ic := InitContext{Config: []KeyValue{{"match_group", "1"}}}
	if v, ok := ic.Get("match_group"); !ok || v != "1" {
		t.Fatalf("Get = %q %v", v, ok)
	}
	if _, ok := ic.Get("x"); ok {
		t.Fatal("x set")
	}
}
