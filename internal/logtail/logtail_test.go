package logtail

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// reader collects a streaming response line by line.
func follow(t *testing.T, url string) (*bufio.Reader, func()) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	return bufio.NewReader(resp.Body), func() { resp.Body.Close() }
}

func expectLine(t *testing.T, r *bufio.Reader, want string) {
	t.Helper()
	done := make(chan string, 1)
	go func() { l, _ := r.ReadString('\n'); done <- l }()
	select {
	case got := <-done:
		if got != want {
			t.Fatalf("line %q, want %q", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no line %q within 5 s", want)
	}
}

func TestFollow(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.log")
	// More than Head bytes: the tail starts Head bytes before the end.
	old := strings.Repeat("x", 2000) + "\n"
	os.WriteFile(path, []byte(old+"last line\n"), 0o644)
	srv := httptest.NewServer(Handler(func(name, channel string) (string, bool) {
		if name == "web" && channel == "stdout" {
			return path, true
		}
		return "", name == "web"
	}))
	defer srv.Close()

	r, stop := follow(t, srv.URL+"/logtail/web")
	defer stop()
	head := make([]byte, Head-len("last line\n"))
	if _, err := r.Read(head[:1]); err != nil {
		t.Fatal(err)
	}
	if _, err := ioReadFull(r, head[1:]); err != nil {
		t.Fatal(err)
	}
	expectLine(t, r, "last line\n")

	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("appended\n")
	f.Close()
	expectLine(t, r, "appended\n")

	os.Truncate(path, 0)
	expectLine(t, r, "==> File truncated <==\n")

	// Rotation: a new file under the name is followed from its start.
	os.Rename(path, path+".1")
	os.WriteFile(path, []byte("new file\n"), 0o644)
	expectLine(t, r, "new file\n")

	for _, tc := range []struct {
		path string
		code int
	}{{"/logtail/nosuch", 404}, {"/logtail/web/stderr", 404}} {
		resp, err := http.Get(srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.code {
			t.Errorf("%s: status %d, want %d", tc.path, resp.StatusCode, tc.code)
		}
	}
	resp, _ := http.Post(srv.URL+"/logtail/web", "text/plain", nil)
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("POST: status %d", resp.StatusCode)
	}
}

func ioReadFull(r *bufio.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := r.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
