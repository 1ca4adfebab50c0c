package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/supervisorgo/supervisor/xmlrpc"
)

// events5000: events delivered per second to one event listener. One
// system.multicall of 5000 supervisor.sendRemoteCommEvent calls queues
// 5000 REMOTE_COMMUNICATION events (buffer_size is large enough for all);
// the listener (bench/child listener) answers OK to each at once and
// measures the time from the first event to the last.
func events5000() *scenario {
	const n = 5000
	return &scenario{
		name:    "events-5000",
		timeout: 4 * time.Minute,
		metrics: []metricDef{
			{"rate", "events/s delivered to one listener", 0, "higher"},
			{"got", fmt.Sprintf("events received (of %d)", n), 0, fmt.Sprint(n)},
		},
		run: func(ctx context.Context, r *runner, x *run1) error {
			conf, err := config(x.dir, nil)
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return err
			}
			port := ln.Addr().(*net.TCPAddr).Port
			ln.Close()
			report := filepath.Join(x.dir, "logs", "listener.err")
			conf += fmt.Sprintf("\n[inet_http_server]\nport=127.0.0.1:%d\n\n[rpcinterface:supervisor]\n"+
				"supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n"+
				"[eventlistener:lis]\ncommand=%s listener\nevents=REMOTE_COMMUNICATION\nbuffer_size=%d\n"+
				"stderr_logfile=%s\nstartsecs=1\n", port, r.child, n+10, report)
			d, err := x.start(conf)
			if err != nil {
				return err
			}
			if err := d.waitLog(ctx, time.Minute, "listener RUNNING", func(l *mainLog) bool { return l.count["success"] >= 1 }); err != nil {
				return err
			}
			var calls []any
			for i := 0; i < n; i++ {
				data := "x"
				if i == n-1 {
					data = "last"
				}
				calls = append(calls, map[string]any{"methodName": "supervisor.sendRemoteCommEvent",
					"params": []any{"bench", data}})
			}
			body, err := xmlrpc.MarshalCall("system.multicall", calls)
			if err != nil {
				return err
			}
			resp, err := http.Post(fmt.Sprintf("http://127.0.0.1:%d/RPC2", port), "text/xml", bytes.NewReader(body))
			if err != nil {
				return err
			}
			resp.Body.Close()
			deadline := time.Now().Add(3 * time.Minute)
			for {
				b, _ := os.ReadFile(report)
				if i := strings.Index(string(b), "events "); i >= 0 {
					var got int
					var secs float64
					if _, err := fmt.Sscanf(string(b[i:]), "events %d %f", &got, &secs); err != nil {
						return fmt.Errorf("listener report %q: %w", b, err)
					}
					x.set("got", float64(got))
					if secs > 0 {
						x.set("rate", float64(got-1)/secs)
					}
					return nil
				}
				if time.Now().After(deadline) {
					return fmt.Errorf("the listener did not get the last event; its stderr: %q", b)
				}
				if err := d.sleep(ctx, 50*time.Millisecond); err != nil {
					return err
				}
			}
		},
	}
}
