package spawn

import (
	"slices"
	"strings"
	"testing"

	"github.com/supervisorgo/supervisor/internal/config"
)

// lookupEnv returns the value of key in an environment list as CPython's
// os.environ would see it (the first entry wins).
func lookupEnv(env []string, key string) (string, bool) {
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}

// TestEnvironShared: children built from one Environ do not see each
// other's variables, and an override of a base variable keeps its place.
func TestEnvironShared(t *testing.T) {
	e := NewEnviron([]string{"HOME=/root", "PATH=/bin"})
	a := e.Child(&config.Process{Name: "a", Group: "a", Environment: map[string]string{"HOME": "/a", "X": "1"}}, "")
	b := e.Child(&config.Process{Name: "b", Group: "g", Environment: map[string]string{"SUPERVISOR_ENABLED": "0"}}, "unix:///s")
	wantA := []string{"HOME=/a", "PATH=/bin", "SUPERVISOR_ENABLED=1", "SUPERVISOR_PROCESS_NAME=a", "SUPERVISOR_GROUP_NAME=a", "X=1"}
	wantB := []string{"HOME=/root", "PATH=/bin", "SUPERVISOR_ENABLED=0", "SUPERVISOR_SERVER_URL=unix:///s", "SUPERVISOR_PROCESS_NAME=b", "SUPERVISOR_GROUP_NAME=g"}
	if !slices.Equal(a, wantA) {
		t.Errorf("a: %q\nwant %q", a, wantA)
	}
	if !slices.Equal(b, wantB) {
		t.Errorf("b: %q\nwant %q", b, wantB)
	}
	if v, _ := e.Lookup("HOME"); v != "/root" {
		t.Errorf("the base changed: HOME=%q", v)
	}
}
