package daemon

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/supervisorgo/supervisor/xmlrpc"
)

// A listener written with the reference's supervisor.childutils records
// the events it receives (testdata/recorder.py); the same scenario runs
// under the reference and under ours and the recorded events must agree.

type recorded struct {
	Headers map[string]string `json:"headers"`
	Payload string            `json:"payload"`
	Pid     int               `json:"pid"`
}

func readRecorded(t *testing.T, path string) []recorded {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []recorded
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r recorded
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("bad record %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

// rpcCall calls an XML-RPC method over a unix socket.
func rpcCall(t *testing.T, sock, method string, params ...xmlrpc.Value) (xmlrpc.Value, error) {
	t.Helper()
	c := http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}}, Timeout: 60 * time.Second}
	body, err := xmlrpc.MarshalCall(method, params...)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Post("http://localhost/RPC2", "text/xml", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	defer resp.Body.Close()
	return xmlrpc.DecodeResponse(resp.Body, nil)
}

type eventScenario struct {
	dir, sock, events string
	d                 *daemonRun
}

// startEventScenario runs a daemon with the recorder as [eventlistener:rec]
// (listenerArgs after the output file) and body's programs.
func startEventScenario(t *testing.T, bin, listenerKeys, listenerArgs, body string) *eventScenario {
	t.Helper()
	sockDir := shortDir(t)
	dir := t.TempDir()
	script, err := os.ReadFile("testdata/recorder.py")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "recorder.py"), script, 0o644); err != nil {
		t.Fatal(err)
	}
	s := &eventScenario{dir: dir, sock: filepath.Join(sockDir, "s.sock"), events: filepath.Join(dir, "events.jsonl")}
	full := fmt.Sprintf(`
[unix_http_server]
file=%s

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[eventlistener:rec]
command=/usr/bin/python3 %s %s %s
%s
`, s.sock, filepath.Join(dir, "recorder.py"), s.events, listenerArgs, listenerKeys) + body
	s.d = startDaemon(t, bin, dir, full)
	return s
}

// waitEvents waits until the recorded events hold one matching each
// pattern ("EVENTNAME payload-regexp"), and returns them all.
func (s *eventScenario) waitEvents(t *testing.T, patterns ...string) []recorded {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		rs := readRecorded(t, s.events)
		missing := ""
		for _, p := range patterns {
			name, re, _ := strings.Cut(p, " ")
			if !slices.ContainsFunc(rs, func(r recorded) bool {
				return r.Headers["eventname"] == name && regexp.MustCompile(re).MatchString(r.Payload)
			}) {
				missing = p
				break
			}
		}
		if missing == "" {
			return rs
		}
		if time.Now().After(deadline) {
			t.Fatalf("no event %q recorded; got %d:\n%v\nlog:\n%s", missing, len(rs), rs, s.d.log())
		}
		select {
		case <-s.d.done:
			t.Fatalf("supervisord exited; log:\n%s", s.d.log())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

var eventPid = regexp.MustCompile(`pid:\d+`)

// eventSequences groups recorded events by the process they are about
// ("" for the others), in order, with pids masked.
func eventSequences(rs []recorded) map[string][]string {
	out := map[string][]string{}
	for _, r := range rs {
		who := ""
		if m := regexp.MustCompile(`^processname:(\S+)`).FindStringSubmatch(r.Payload); m != nil {
			who = m[1]
		}
		out[who] = append(out[who], r.Headers["eventname"]+" "+eventPid.ReplaceAllString(r.Payload, "pid:N"))
	}
	return out
}

func TestEventsDifferential(t *testing.T) {
	requireReferenceDaemon(t)
	body := `
[program:talker]
command=@HELPER@
environment=SUPERVISOR_GO_TEST_HELPER="talk"
stdout_events_enabled=true
stdout_capture_maxbytes=1KB
startsecs=1

[program:quick]
command=@HELPER@ 0
environment=SUPERVISOR_GO_TEST_HELPER="exit"
autorestart=false
startsecs=0
`
	keys := "events=PROCESS_STATE,PROCESS_LOG,PROCESS_COMMUNICATION,REMOTE_COMMUNICATION,SUPERVISOR_STATE_CHANGE,PROCESS_GROUP\nbuffer_size=100"
	run := func(t *testing.T, bin string) []recorded {
		s := startEventScenario(t, bin, keys, "", body)
		s.waitEvents(t, `PROCESS_STATE_RUNNING ^processname:talker`, `PROCESS_STATE_EXITED ^processname:quick`,
			`PROCESS_COMMUNICATION_STDOUT ^processname:talker`)
		if _, err := rpcCall(t, s.sock, "supervisor.sendRemoteCommEvent", "mytype", "mydata é"); err != nil {
			t.Fatal(err)
		}
		if _, err := rpcCall(t, s.sock, "supervisor.stopProcess", "talker"); err != nil {
			t.Fatal(err)
		}
		rs := s.waitEvents(t, `REMOTE_COMMUNICATION ^type:mytype`, `PROCESS_STATE_STOPPED ^processname:talker`)
		s.d.stop(syscall.SIGTERM, 30*time.Second)
		return rs
	}
	var ref, ours []recorded
	var wg sync.WaitGroup
	wg.Go(func() { t.Run("reference", func(t *testing.T) { ref = run(t, referenceBin) }) })
	wg.Go(func() { t.Run("ours", func(t *testing.T) { ours = run(t, supervisordBin) }) })
	wg.Wait()
	if t.Failed() {
		return
	}
	refSeq, ourSeq := eventSequences(ref), eventSequences(ours)
	t.Logf("reference recorded %d events: %q", len(ref), refSeq)
	for who, want := range refSeq {
		if who == "" {
			// Group and supervisor events come in one order; the remote
			// event may come anywhere among them.
			slices.Sort(want)
			slices.Sort(ourSeq[who])
		}
		if got := ourSeq[who]; !slices.Equal(got, want) {
			t.Errorf("events about %q:\nreference: %q\nours:      %q", who, want, got)
		}
	}
	for who := range ourSeq {
		if _, ok := refSeq[who]; !ok {
			t.Errorf("events about %q only in ours: %q", who, ourSeq[who])
		}
	}
	// Headers: same keys; serials count up from the pool's first event.
	for i, r := range ours {
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range r.Headers {
				if !yield(k) {
					return
				}
			}
		})
		if want := []string{"eventname", "len", "pool", "poolserial", "serial", "server", "ver"}; !slices.Equal(keys, want) {
			t.Errorf("headers %v", keys)
		}
		if r.Headers["server"] != "svtest" || r.Headers["pool"] != "rec" || r.Headers["ver"] != "3.0" {
			t.Errorf("headers %v", r.Headers)
		}
		if r.Headers["poolserial"] != fmt.Sprint(i) {
			t.Errorf("event %d has poolserial %s", i, r.Headers["poolserial"])
		}
	}
}

// TestListenerProtocolDifferential runs listeners that misbehave under the
// reference and under ours: the events they record (with their serials)
// and the pool's log lines must be the same.
func TestListenerProtocolDifferential(t *testing.T) {
	requireReferenceDaemon(t)
	programs := `
[program:a]
command=@HELPER@
environment=SUPERVISOR_GO_TEST_HELPER="run"
startsecs=0

[program:b]
command=@HELPER@
environment=SUPERVISOR_GO_TEST_HELPER="run"
startsecs=0
`
	for _, tc := range []struct {
		name, keys, args string
		// wait is what the recorder must have recorded (in order) before
		// the daemon is stopped.
		wait []string
		// logs are main-log patterns both must show.
		logs []string
	}{
		{"fail twice", "events=PROCESS_GROUP", "2",
			[]string{"PROCESS_GROUP_ADDED groupname:rec\n", "PROCESS_GROUP_ADDED groupname:rec\n", "PROCESS_GROUP_ADDED groupname:rec\n",
				"PROCESS_GROUP_ADDED groupname:a\n", "PROCESS_GROUP_ADDED groupname:b\n"},
			[]string{`WARN rec: event was rejected`}},
		{"dies while busy", "events=PROCESS_GROUP\nstartretries=5", "0 1",
			[]string{"PROCESS_GROUP_ADDED groupname:rec\n", "PROCESS_GROUP_ADDED groupname:rec\n", "PROCESS_GROUP_ADDED groupname:rec\n"},
			[]string{`exited: rec \(exit status 7; not expected\)`}},
		{"small buffer before ready", "events=PROCESS_STATE\nbuffer_size=2\nstartsecs=1", "",
			// Only the last two events before the listener was ready are
			// kept: b's RUNNING, then its own (startsecs=1).
			[]string{"PROCESS_STATE_RUNNING processname:b groupname:b from_state:STARTING pid:N serial:4 poolserial:4",
				"PROCESS_STATE_RUNNING processname:rec groupname:rec from_state:STARTING pid:N serial:5 poolserial:5"},
			[]string{`ERRO pool rec event buffer overflowed, discarding event 0`, `ERRO pool rec event buffer overflowed, discarding event 3`}},
		{"never ready", "events=PROCESS_STATE\nbuffer_size=2\nstartsecs=0", "mute", nil,
			[]string{`ERRO pool rec event buffer overflowed, discarding event 3\n`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			run := func(t *testing.T, bin string) ([]string, string) {
				s := startEventScenario(t, bin, tc.keys, tc.args, programs)
				deadline := time.Now().Add(60 * time.Second)
				var got []string
				for {
					got = got[:0]
					for _, r := range readRecorded(t, s.events) {
						got = append(got, r.Headers["eventname"]+" "+eventPid.ReplaceAllString(r.Payload, "pid:N")+
							" serial:"+r.Headers["serial"]+" poolserial:"+r.Headers["poolserial"])
					}
					if len(got) >= len(tc.wait) {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("recorded %q\nlog:\n%s", got, s.d.log())
					}
					time.Sleep(20 * time.Millisecond)
				}
				for _, p := range tc.logs {
					s.d.waitLog(30*time.Second, p)
				}
				log := s.d.log() // before the shutdown's own events
				s.d.stop(syscall.SIGTERM, 30*time.Second)
				return got[:len(tc.wait)], log
			}
			var ref, ours []string
			var refLog, ourLog string
			var wg sync.WaitGroup
			wg.Go(func() { t.Run("reference", func(t *testing.T) { ref, refLog = run(t, referenceBin) }) })
			wg.Go(func() { t.Run("ours", func(t *testing.T) { ours, ourLog = run(t, supervisordBin) }) })
			wg.Wait()
			if t.Failed() {
				return
			}
			overflows := regexp.MustCompile(`(?m)^\S+ \S+ ERRO pool rec event buffer overflowed.*$`)
			strip := func(log string) []string {
				var out []string
				for _, l := range overflows.FindAllString(log, -1) {
					out = append(out, l[strings.Index(l, "ERRO"):])
				}
				return out
			}
			r, o := strip(refLog), strip(ourLog)
			n := min(len(r), len(o)) // both showed the lines waited for
			if !slices.Equal(r[:n], o[:n]) {
				t.Errorf("overflow lines differ:\nreference: %q\nours:      %q", r, o)
			}
			for i, w := range tc.wait {
				if !strings.HasPrefix(ref[i], w) {
					t.Errorf("reference event %d is %q, expected %q", i, ref[i], w)
				}
			}
			if !slices.Equal(ref, ours) {
				t.Errorf("recorded events differ:\nreference: %q\nours:      %q", ref, ours)
			}
		})
	}
}

// TestTickEvents: a listener subscribed to TICK_5 gets one on the next
// 5-second boundary, with that boundary as "when", under the reference and
// under ours.
func TestTickEvents(t *testing.T) {
	requireReferenceDaemon(t)
	t.Parallel()
	for _, bin := range []struct{ name, path string }{{"reference", referenceBin}, {"ours", supervisordBin}} {
		t.Run(bin.name, func(t *testing.T) {
			t.Parallel()
			s := startEventScenario(t, bin.path, "events=TICK_5\nstartsecs=0", "", "")
			rs := s.waitEvents(t, `TICK_5 ^when:\d+$`)
			var when int64
			fmt.Sscanf(rs[0].Payload, "when:%d", &when)
			if when%5 != 0 || time.Since(time.Unix(when, 0)) > time.Minute {
				t.Errorf("TICK_5 %q", rs[0].Payload)
			}
			if h := rs[0].Headers; h["eventname"] != "TICK_5" || h["pool"] != "rec" || h["len"] != fmt.Sprint(len(rs[0].Payload)) {
				t.Errorf("headers %v", h)
			}
		})
	}
}

// TestEventStream follows the events over HTTP (Server-Sent Events) behind
// the inet listener's authentication.
func TestEventStream(t *testing.T) {
	t.Parallel()
	port := freeTCPPort(t)
	body := fmt.Sprintf(`
[inet_http_server]
port=127.0.0.1:%d
username=u
password=p
`, port)
	s := startEventScenario(t, supervisordBin, "events=PROCESS_GROUP", "", body)
	s.waitEvents(t, `PROCESS_GROUP_ADDED ^groupname:rec`)
	url := fmt.Sprintf("http://127.0.0.1:%d/events?events=REMOTE_COMMUNICATION", port)
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("without credentials: %s", resp.Status)
	}
	req, _ := http.NewRequest("GET", url, nil)
	req.SetBasicAuth("u", "p")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("%s %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	if _, err := rpcCall(t, s.sock, "supervisor.sendRemoteCommEvent", "kind", "hello"); err != nil {
		t.Fatal(err)
	}
	rd := bufio.NewReader(resp.Body)
	var lines []string
	for len(lines) < 3 {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("stream: %v after %q", err, lines)
		}
		if line != "\n" {
			lines = append(lines, strings.TrimSuffix(line, "\n"))
		}
	}
	if !regexp.MustCompile(`^id: \d+$`).MatchString(lines[0]) || lines[1] != "event: REMOTE_COMMUNICATION" ||
		!strings.Contains(lines[2], `"payload":"type:kind\nhello"`) {
		t.Errorf("stream %q", lines)
	}
	// The daemon does not wait for the stream to end.
	s.d.cmd.Process.Signal(syscall.SIGTERM)
	if _, err := io.Copy(io.Discard, rd); err != nil {
		t.Logf("stream ended with %v", err)
	}
	select {
	case <-s.d.done:
	case <-time.After(30 * time.Second):
		t.Fatal("supervisord did not exit")
	}
	if strings.Contains(s.d.log(), "shutdown") && strings.Contains(s.d.log(), "deadline") {
		t.Errorf("shutdown waited for the stream:\n%s", s.d.log())
	}
}
