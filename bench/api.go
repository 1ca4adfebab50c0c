package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/supervisorgo/supervisor/xmlrpc"
)

// api1000: XML-RPC requests per second with 1000 idle programs, for the
// calls a dashboard makes: getAllProcessInfo, getState, and a multicall of
// 100 getProcessInfo, each with 1 and with 8 concurrent clients.
func api1000() *scenario {
	const n = 1000
	calls := []struct {
		key, label string
		body       func() []byte
	}{
		{"all", "getAllProcessInfo", func() []byte { b, _ := xmlrpc.MarshalCall("supervisor.getAllProcessInfo"); return b }},
		{"state", "getState", func() []byte { b, _ := xmlrpc.MarshalCall("supervisor.getState"); return b }},
		{"multi", "multicall of 100 getProcessInfo", func() []byte {
			var list []any
			for i := 0; i < 100; i++ {
				list = append(list, map[string]any{"methodName": "supervisor.getProcessInfo",
					"params": []any{fmt.Sprintf("p%04d", i)}})
			}
			b, _ := xmlrpc.MarshalCall("system.multicall", list)
			return b
		}},
	}
	var metrics []metricDef
	targets := map[string]string{"all": ">= 100x ref", "state": ">= 10x ref", "multi": ">= 50x ref"}
	for _, c := range calls {
		for _, conc := range []int{1, 8} {
			metrics = append(metrics, metricDef{fmt.Sprintf("%s-%d", c.key, conc),
				fmt.Sprintf("%s, %d client(s), calls/s", c.label, conc), 1, targets[c.key]})
		}
		// The daemon's CPU time per call (with 8 clients): unlike the
		// rate, it hardly depends on what else the machine runs.
		metrics = append(metrics, metricDef{c.key + "-cpu", c.label + ", daemon CPU ms per call", 3, ""})
	}
	return &scenario{
		name:    "api-1000",
		timeout: 5 * time.Minute,
		metrics: metrics,
		run: func(ctx context.Context, r *runner, x *run1) error {
			conf, err := idlePrograms(r, x, n)
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return err
			}
			port := ln.Addr().(*net.TCPAddr).Port
			ln.Close()
			conf += fmt.Sprintf("\n[inet_http_server]\nport=127.0.0.1:%d\n\n[rpcinterface:supervisor]\n"+
				"supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n", port)
			d, err := x.start(conf)
			if err != nil {
				return err
			}
			if err := d.waitLog(ctx, 2*time.Minute, "1000 RUNNING", func(l *mainLog) bool { return l.count["success"] >= n }); err != nil {
				return err
			}
			url := fmt.Sprintf("http://127.0.0.1:%d/RPC2", port)
			for _, c := range calls {
				body := c.body()
				for _, conc := range []int{1, 8} {
					if err := x.profileMark(); err != nil {
						return err
					}
					cpu0, err := cpuSeconds(d.pid)
					if err != nil {
						return err
					}
					rate, calls, err := callRate(ctx, url, body, conc, 3*time.Second)
					if err != nil {
						return fmt.Errorf("%s: %w", c.label, err)
					}
					cpu1, err := cpuSeconds(d.pid)
					if err != nil {
						return err
					}
					if err := x.profileMark(); err != nil {
						return err
					}
					x.set(fmt.Sprintf("%s-%d", c.key, conc), rate)
					if conc == 8 && calls > 0 {
						x.set(c.key+"-cpu", (cpu1-cpu0)*1000/float64(calls))
					}
				}
			}
			return nil
		},
	}
}

// callRate posts body from conc clients (one keep-alive connection each)
// for about dur, and returns completed calls per second and their number.
// Each client finishes the call in flight when the time is up.
func callRate(ctx context.Context, url string, body []byte, conc int, dur time.Duration) (float64, int64, error) {
	var done atomic.Int64
	var firstErr error
	var once sync.Once
	start := time.Now()
	deadline := start.Add(dur)
	var wg sync.WaitGroup
	for i := 0; i < conc; i++ {
		wg.Go(func() {
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}, Timeout: time.Minute}
			for time.Now().Before(deadline) && ctx.Err() == nil {
				resp, err := client.Post(url, "text/xml", bytes.NewReader(body))
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err == nil && resp.StatusCode != 200 {
						err = fmt.Errorf("HTTP %d", resp.StatusCode)
					}
				}
				if err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return 0, 0, firstErr
	}
	return float64(done.Load()) / time.Since(start).Seconds(), done.Load(), nil
}
