package rpc

import (
	"fmt"
	"testing"
)

// TestSystemMethodFinder checks that the system namespace's Method finds
// what its Methods lists.
func TestSystemMethodFinder(t *testing.T) {
	s, err := New(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	sys := systemNamespace{s}
	for _, m := range sys.Methods() {
		got, ok := sys.Method(m.Name)
		if !ok || got.Name != m.Name || got.Help != m.Help || fmt.Sprint(got.Signature) != fmt.Sprint(m.Signature) ||
			fmt.Sprintf("%p", got.Call) != fmt.Sprintf("%p", m.Call) {
			t.Errorf("Method(%q) = %+v, %v", m.Name, got, ok)
		}
	}
	if _, ok := sys.Method("nope"); ok {
		t.Error("Method(nope) found")
	}
}
