package testutil

import (
	"os"
	"testing"
)

// ShortDir makes a directory with a short path, removed when the test
// ends: a unix socket's path must fit in 108 bytes, which t.TempDir's
// may not.
func ShortDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "sv")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}
