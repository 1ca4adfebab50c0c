package httpd

import (
	"bufio"
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/supervisorgo/supervisor/internal/config"
)

// FuzzHandler feeds arbitrary HTTP requests to a listener's handler (with
// authentication on): it must never panic and must answer with one of the
// statuses the reference uses.
func FuzzHandler(f *testing.F) {
	call := `<?xml version="1.0"?><methodCall><methodName>system.listMethods</methodName><params></params></methodCall>`
	for _, seed := range []string{
		"POST /RPC2 HTTP/1.1\r\nHost: x\r\nAuthorization: Basic dXNlcjpwYXNz\r\nContent-Type: text/xml\r\nContent-Length: " +
			strconv.Itoa(len(call)) + "\r\n\r\n" + call,
		"GET /RPC2 HTTP/1.1\r\nHost: x\r\nAuthorization: Basic dXNlcjpwYXNz\r\n\r\n",
		"POST /RPC2 HTTP/1.1\r\nHost: x\r\nAuthorization: Basic dXNlcg==\r\nContent-Length: 3\r\n\r\n<a>",
		"GET /logtail/x HTTP/1.0\r\n\r\n",
	} {
		f.Add([]byte(seed))
	}
	h := NewHandler(config.HTTPServer{Section: "inet_http_server", Network: "tcp", Username: "user",
		Password: "pass", HasAuth: true}, Options{RPC: newRPC(f)})
	allowed := map[int]bool{200: true, 400: true, 401: true, 404: true, 411: true, 413: true, 500: true}
	f.Fuzz(func(t *testing.T, raw []byte) {
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil {
			return
		}
		req.RequestURI = req.URL.RequestURI()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if !allowed[rec.Code] {
			t.Fatalf("status %d for %q", rec.Code, raw)
		}
	})
}
