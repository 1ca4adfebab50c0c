package eventstream

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/supervisorgo/supervisor/internal/events"
)

func TestStream(t *testing.T) {
	bus := &events.Bus{}
	srv := httptest.NewServer(Handler(t.Context(), bus, func() string { return "sv" }))
	defer srv.Close()

	resp, err := http.Get(srv.URL + Path + "?events=process_state,REMOTE_COMMUNICATION")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	// The subscription exists once the headers came; publish until the
	// client has read both events.
	bus.Publish(events.TickAt(5, 0)) // not subscribed
	bus.Publish(events.ProcessStateChange(events.StateChange{Process: "p", Group: "g", From: "STARTING", To: "RUNNING", Pid: 4}))
	bus.Publish(events.Remote("t", "line1\nline2"))

	rd := bufio.NewReader(resp.Body)
	var msgs [][]string
	var cur []string
	deadline := time.AfterFunc(10*time.Second, func() { resp.Body.Close() })
	defer deadline.Stop()
	for len(msgs) < 2 {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("read: %v after %q", err, msgs)
		}
		line = strings.TrimSuffix(line, "\n")
		if line == "" {
			msgs = append(msgs, cur)
			cur = nil
			continue
		}
		cur = append(cur, line)
	}
	if msgs[0][0] != "id: 0" || msgs[0][1] != "event: PROCESS_STATE_RUNNING" {
		t.Errorf("first message %q", msgs[0])
	}
	var d struct {
		Headers map[string]string
		Payload string
	}
	if err := json.Unmarshal([]byte(strings.TrimPrefix(msgs[1][2], "data: ")), &d); err != nil {
		t.Fatal(err)
	}
	if d.Payload != "type:t\nline1\nline2" || d.Headers["poolserial"] != "1" || d.Headers["server"] != "sv" || d.Headers["len"] != "18" {
		t.Errorf("second message %+v", d)
	}
}

func TestEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	srv := httptest.NewServer(Handler(ctx, &events.Bus{}, func() string { return "sv" }))
	defer srv.Close()
	resp, err := http.Get(srv.URL + Path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	cancel()
	if _, err := io.ReadAll(resp.Body); err != nil {
		t.Errorf("read: %v", err)
	}
}

func TestBadRequests(t *testing.T) {
	h := Handler(t.Context(), &events.Bus{}, func() string { return "sv" })
	for _, tc := range []struct {
		method, url string
		code        int
	}{
		{"GET", Path + "?events=NOPE", http.StatusBadRequest},
		{"POST", Path, http.StatusMethodNotAllowed},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.url, nil))
		if rec.Code != tc.code {
			t.Errorf("%s %s: %d", tc.method, tc.url, rec.Code)
		}
	}
}
