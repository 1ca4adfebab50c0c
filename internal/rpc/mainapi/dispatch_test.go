package mainapi

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"testing/synctest"

	"github.com/supervisorgo/supervisor/internal/config"
	"github.com/supervisorgo/supervisor/internal/rpc"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

// TestThroughDispatcher mounts the namespace in the rpc dispatcher: the
// system namespace reports the reference's method list, help texts and
// signatures, and every result shape marshals into a response.
func TestThroughDispatcher(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		p := prog("p", 1)
		p.Stdout.Path = filepath.Join(dir, "p.out")
		if err := os.WriteFile(p.Stdout.Path, []byte("out\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		q := prog("q", 2)
		q.Stdout.Auto = true
		e := newEnv(t, grp("p", 1, p), grp("g", 2, q))
		e.host.next = &config.Config{Groups: []*config.Group{grp("p", 1, prog("p", 1))}}
		srv, err := rpc.New([]rpc.Mount{{Name: "supervisor", Namespace: e.api}}, rpc.Options{})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()

		ref := referenceMethods(t)
		var want []string
		for name := range ref {
			want = append(want, "supervisor."+name)
		}
		want = append(want, "system.listMethods", "system.methodHelp", "system.methodSignature", "system.multicall")
		slices.Sort(want)
		got, err := srv.Call(ctx, "system.listMethods", nil)
		if err != nil || !equalValues(got, toAny(want)) {
			t.Errorf("system.listMethods = %v, %v", got, err)
		}
		for name, r := range ref {
			help, err := srv.Call(ctx, "system.methodHelp", []xmlrpc.Value{"supervisor." + name})
			if err != nil || help != r.Help {
				t.Errorf("methodHelp(%s) = %q, %v", name, help, err)
			}
			sig, err := srv.Call(ctx, "system.methodSignature", []xmlrpc.Value{"supervisor." + name})
			if err != nil || !equalValues(sig, toAny(r.Signature)) {
				t.Errorf("methodSignature(%s) = %v, %v", name, sig, err)
			}
		}

		e.ok("startProcess", "p")
		for _, c := range []struct {
			method string
			params []xmlrpc.Value
		}{
			{"getState", nil}, {"getPID", nil}, {"getProcessInfo", []xmlrpc.Value{"p"}},
			{"getAllProcessInfo", nil}, {"getAllConfigInfo", nil}, {"startProcessGroup", []xmlrpc.Value{"g"}},
			{"stopAllProcesses", nil}, {"tailProcessStdoutLog", []xmlrpc.Value{"p", 0, 10}},
			{"readProcessStdoutLog", []xmlrpc.Value{"p", 0, 0}}, {"reloadConfig", nil},
			{"signalAllProcesses", []xmlrpc.Value{"HUP"}}, {"clearAllProcessLogs", nil},
			{"getProcessInfo", []xmlrpc.Value{"nope"}},
		} {
			body, err := xmlrpc.MarshalCall("supervisor."+c.method, c.params...)
			if err != nil {
				t.Fatal(err)
			}
			out, status := srv.Handle(ctx, bytes.NewReader(body))
			if status != http.StatusOK {
				t.Errorf("%s: HTTP %d", c.method, status)
				continue
			}
			v, err := xmlrpc.DecodeResponse(bytes.NewReader(out), nil)
			if c.method == "getProcessInfo" && c.params[0] == "nope" {
				if f, ok := asFault(err); !ok || f.Code != 10 || f.String != "BAD_NAME: nope" {
					t.Errorf("getProcessInfo(nope): %v", err)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s: %v\n%s", c.method, err, out)
			}
			if c.method == "getProcessInfo" {
				keys := reflect.ValueOf(v).MapKeys()
				if len(keys) != 14 {
					t.Errorf("getProcessInfo has %d keys", len(keys))
				}
				if !bytes.Contains(out, []byte("<name>pid</name>")) ||
					bytes.Index(out, []byte("<name>pid</name>")) > bytes.Index(out, []byte("<name>description</name>")) {
					t.Errorf("getProcessInfo: description is not the last member:\n%s", out)
				}
			}
		}
		// A method's internal error is HTTP 500, as in the reference.
		body, _ := xmlrpc.MarshalCall("supervisor.getProcessInfo", 5)
		if _, status := srv.Handle(ctx, bytes.NewReader(body)); status != http.StatusInternalServerError {
			t.Errorf("getProcessInfo(5): HTTP %d, want 500", status)
		}
	})
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}
