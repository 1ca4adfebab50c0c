package httpd

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/supervisorgo/supervisor/xmlrpc"
)

// answer is what the tests compare of one HTTP response.
type answer struct {
	Proto  string
	Status string
	Header map[string]string // the compared headers; Connection lower-cased
	Body   string
}

// comparedHeaders are the response headers that matter to clients. Date
// differs by nature; Connection is compared only where a case asks for it,
// because medusa computes its headers before deciding to close.
var comparedHeaders = []string{"Server", "Content-Type", "Content-Length", "WWW-Authenticate"}

// conversation is the result of sending requests on one connection.
type conversation struct {
	Answers []answer
	Closed  bool // the server closed the connection after the last answer
}

// closeWait bounds the wait for a server to close a connection it should
// close; a server that keeps it open fails the comparison after that long.
const closeWait = 10 * time.Second

// exchange sends the raw requests on one connection to network/addr, each
// after the answer to the previous one, and records the answers with the
// given extra headers. With checkClose it then waits for the server to
// close the connection (at most closeWait). It must run on the test's
// goroutine; others use exchangeErr.
func exchange(t *testing.T, network, addr string, reqs []string, extra []string, checkClose bool) conversation {
	t.Helper()
	conv, err := exchangeErr(network, addr, reqs, extra, checkClose)
	if err != nil {
		t.Fatal(err)
	}
	return conv
}

// exchangeErr is exchange returning its error.
func exchangeErr(network, addr string, reqs []string, extra []string, checkClose bool) (conversation, error) {
	var conv conversation
	c, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		return conv, err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		return conv, err
	}
	br := bufio.NewReader(c)
	for _, req := range reqs {
		if _, err := io.WriteString(c, req); err != nil {
			return conv, fmt.Errorf("%s %s: write: %w", network, addr, err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return conv, fmt.Errorf("%s %s: reading the answer to %q: %w", network, addr, req, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return conv, fmt.Errorf("%s %s: reading the body: %w", network, addr, err)
		}
		a := answer{Proto: resp.Proto, Status: resp.Status, Header: map[string]string{}, Body: string(body)}
		for _, h := range append(comparedHeaders, extra...) {
			v := strings.Join(resp.Header.Values(h), ", ")
			if h == "Connection" {
				// ReadResponse removes "Connection: close" and sets Close.
				v = strings.ToLower(v)
				if resp.Close && v == "" {
					v = "close"
				}
			}
			a.Header[h] = v
		}
		conv.Answers = append(conv.Answers, a)
	}
	if checkClose {
		_ = c.SetReadDeadline(time.Now().Add(closeWait))
		_, err := br.ReadByte()
		var ne net.Error
		conv.Closed = errors.Is(err, io.EOF) || (err != nil && !(errors.As(err, &ne) && ne.Timeout()))
	}
	return conv, nil
}

// recv waits for a value on ch, failing the test after a generous bound
// instead of hanging until the test binary's timeout.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(time.Minute):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// post is a raw HTTP/1.1 POST of body to path with the given extra header
// lines (each ending in CRLF).
func post(path, body, headers string) string {
	return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: localhost\r\n%sContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n%s",
		path, headers, len(body), body)
}

// call is the methodCall document for method(params...).
func call(t testing.TB, method string, params ...xmlrpc.Value) string {
	t.Helper()
	b, err := xmlrpc.MarshalCall(method, params...)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// basic is an Authorization header line with the given raw credentials.
func basic(cookie string) string { return "Authorization: Basic " + cookie + "\r\n" }
