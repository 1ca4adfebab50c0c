// Package testutil holds what several packages' tests share.
package testutil

import (
	"fmt"
	"math/rand/v2"
	"net"
	"testing"
)

// FreePort returns a TCP port free on 127.0.0.1 for a daemon under test to
// listen on. It is picked at random below the kernel's ephemeral range
// (32768 and up), so that the ports other tests get by listening on port 0
// cannot take it between this check and the daemon's bind.
func FreePort(t testing.TB) int {
	t.Helper()
	for range 100 {
		port := 20000 + rand.IntN(12000)
		l, err := net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			l.Close()
			return port
		}
	}
	t.Fatal("no free TCP port in 20000-31999")
	return 0
}
