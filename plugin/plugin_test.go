package plugin

import (
	"context"
	"slices"
	"testing"
)

type ns struct{}

func (ns) Methods() []Method { return nil }

func factory(context.Context, InitContext) (Namespace, error) { return ns{}, nil }

func TestRegistry(t *testing.T) {
	var r Registry
	r.Register("b", factory)
	r.Register("a", factory)
	if _, ok := r.Lookup("a"); !ok {
		t.Error("a not found")
	}
	if _, ok := r.Lookup("c"); ok {
		t.Error("c found")
	}
	if got := r.Names(); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("Names = %q", got)
	}
	for _, bad := range []struct {
		name string
		f    Factory
	}{{"a", factory}, {"", factory}, {"x", nil}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%q) did not panic", bad.name)
				}
			}()
			r.Register(bad.name, bad.f)
		}()
	}
}

func TestInitContextGet(t *testing.T) {
	ic := InitContext{Config: []KeyValue{{"retries", "3"}, {"color", ""}}}
	if v, ok := ic.Get("retries"); !ok || v != "3" {
		t.Errorf("retries = %q, %t", v, ok)
	}
	if _, ok := ic.Get("nope"); ok {
		t.Error("nope found")
	}
}
