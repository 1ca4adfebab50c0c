package execplugin

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/supervisorgo/supervisor/internal/jsonrpc"
)

// block parks a helper process for good. It is not synchronisation: the
// process only has to stay alive until the test kills it.
func block() { time.Sleep(24 * time.Hour) }

// helperEnv selects the mode of the test binary re-executed as a plugin.
const helperEnv = "EXECPLUGIN_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(helperMain(mode))
	}
	os.Exit(m.Run())
}

var helperMethods = []map[string]any{
	{"name": "echo", "help": "Return the params.\n@return array", "signature": [][]string{{"array"}}},
	{"name": "add", "signature": [][]string{{"int", "int", "int"}}},
	{"name": "fail"}, {"name": "slow"}, {"name": "callback"}, {"name": "crash"},
	{"name": "log"}, {"name": "info"}, {"name": "lastEvent"}, {"name": "long"},
	{"name": "dotted.name_1"}, {"name": "flood"},
}

// helperMain is a plugin in the given mode; it returns the exit status.
func helperMain(mode string) int {
	fmt.Fprintf(os.Stderr, "helper %s starting\n", mode)
	switch mode {
	case "exit":
		bufio.NewReader(os.Stdin).ReadString('\n')
		fmt.Fprintln(os.Stderr, "giving up")
		return 3
	case "hang":
		bufio.NewReader(os.Stdin).ReadString('\n')
		block()
	case "long":
		bufio.NewReader(os.Stdin).ReadString('\n')
		os.Stdout.WriteString(`{"jsonrpc":"2.0","id":0,"result":"` + strings.Repeat("x", 17<<20) + "\"}\n")
		block()
	case "initerror":
		bufio.NewReader(os.Stdin).ReadString('\n')
		os.Stdout.WriteString(`{"jsonrpc":"2.0","id":0,"error":{"code":7,"message":"missing max_keys"}}` + "\n")
		return 0
	case "badname":
		bufio.NewReader(os.Stdin).ReadString('\n')
		os.Stdout.WriteString(`{"jsonrpc":"2.0","id":0,"result":{"methods":[{"name":"_private"}]}}` + "\n")
		bufio.NewReader(os.Stdin).ReadString('\n')
		return 0
	case "stubborn":
		signal.Ignore(syscall.SIGTERM)
	case "garbage":
		os.Stdout.WriteString("this is not json\n{\"half\": \n[1,2,3]\n")
	}
	var (
		mu        sync.Mutex
		initP     json.RawMessage
		lastEvent json.RawMessage
		conn      *jsonrpc.Conn
	)
	h := jsonrpc.HandlerFunc(func(ctx context.Context, r *jsonrpc.Request) (any, error) {
		var params []json.RawMessage
		if r.Method != "initialize" && !r.IsNotification() {
			if err := json.Unmarshal(r.Params, &params); err != nil {
				return nil, jsonrpc.ErrInvalidParams
			}
		}
		switch r.Method {
		case "initialize":
			mu.Lock()
			initP = r.Params
			mu.Unlock()
			if mode == "garbage" {
				os.Stdout.WriteString("more garbage before the answer\n")
			}
			return map[string]any{"methods": helperMethods, "events": []string{"PROCESS_STATE", "TICK_5"}}, nil
		case "event":
			mu.Lock()
			lastEvent = r.Params
			mu.Unlock()
			return nil, nil
		case "echo":
			return r.Params, nil
		case "add":
			var a, b int
			json.Unmarshal(params[0], &a)
			json.Unmarshal(params[1], &b)
			return a + b, nil
		case "fail":
			return nil, &jsonrpc.Error{Code: 42, Message: "nope: it failed"}
		case "slow":
			<-ctx.Done()
			return nil, ctx.Err()
		case "callback":
			var method string
			json.Unmarshal(params[0], &method)
			res, err := conn.Call(ctx, method, params[1:])
			if err != nil {
				if je, ok := err.(*jsonrpc.Error); ok {
					return map[string]any{"code": je.Code, "message": je.Message}, nil
				}
				return nil, err
			}
			return map[string]any{"result": res}, nil
		case "flood":
			// n calls of a method back into supervisord at once; the
			// answer counts the results ("ok") and the error codes.
			var n int
			var method string
			json.Unmarshal(params[0], &n)
			json.Unmarshal(params[1], &method)
			var wg sync.WaitGroup
			var cmu sync.Mutex
			counts := map[string]int{}
			for range n {
				wg.Go(func() {
					_, err := conn.Call(ctx, method, []any{})
					key := "ok"
					if je, ok := err.(*jsonrpc.Error); ok {
						key = strconv.FormatInt(je.Code, 10)
					} else if err != nil {
						key = err.Error()
					}
					cmu.Lock()
					counts[key]++
					cmu.Unlock()
				})
			}
			wg.Wait()
			return counts, nil
		case "crash":
			os.Exit(4)
		case "long":
			os.Stdout.WriteString(strings.Repeat("y", 17<<20) + "\n")
			return true, nil
		case "log":
			var level, msg string
			json.Unmarshal(params[0], &level)
			json.Unmarshal(params[1], &msg)
			conn.Notify("log", map[string]string{"level": level, "message": msg})
			return true, nil
		case "info":
			mu.Lock()
			defer mu.Unlock()
			env := map[string]string{}
			for _, k := range []string{"SUPERVISOR_ENABLED", "SUPERVISOR_RPC_NAMESPACE", "SUPERVISOR_SERVER_URL", "FOO"} {
				env[k] = os.Getenv(k)
			}
			wd, _ := os.Getwd()
			return map[string]any{"init": initP, "env": env, "dir": wd}, nil
		case "lastEvent":
			mu.Lock()
			defer mu.Unlock()
			if lastEvent == nil {
				return nil, nil
			}
			return lastEvent, nil
		case "dotted.name_1":
			return "dotted", nil
		}
		return nil, jsonrpc.ErrMethodNotFound
	})
	conn = jsonrpc.NewConn(os.Stdin, os.Stdout, jsonrpc.Options{Handler: h})
	<-conn.Done()
	fmt.Fprintln(os.Stderr, "helper: stdin closed")
	if mode == "stubborn" {
		block()
	}
	return 0
}
