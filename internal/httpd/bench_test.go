package httpd

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/supervisorgo/supervisor/internal/config"
)

// BenchmarkListMethods measures a system.listMethods round trip over HTTP
// on a loopback TCP connection kept alive between calls.
func BenchmarkListMethods(b *testing.B) {
	s, err := Start(b.Context(), []config.HTTPServer{{Section: "inet_http_server", Network: "tcp", Host: "127.0.0.1"}},
		Options{RPC: newRPC(b)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	url := "http://" + s.Addrs()[0].String() + "/RPC2"
	body := []byte(call(b, "system.listMethods"))
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	b.Cleanup(client.CloseIdleConnections)
	b.ReportAllocs()
	for b.Loop() {
		resp, err := client.Post(url, "text/xml", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}
