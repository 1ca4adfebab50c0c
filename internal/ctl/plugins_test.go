package ctl

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/supervisorgo/supervisor/internal/ctl/ports"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

// procs is the fake server's process table.
var fakeProcs = []struct{ group, name string }{
	{"alpha", "alpha"}, {"grp", "red"}, {"grp", "green"}, {"rabbit", "rabbit"},
}

// newProcServer is a fake supervisord with the processes above, a cache
// namespace and logs, recording start/stop calls.
func newProcServer(t *testing.T) *fakeServer {
	f := newFakeServer(t)
	info := func(g, n string) map[string]any {
		return map[string]any{"group": g, "name": n, "statename": "RUNNING", "state": 20, "pid": 42, "description": "pid 42, uptime 0:00:01",
			"start": 1, "stop": 0, "now": 2, "exitstatus": 0, "spawnerr": "", "logfile": "", "stdout_logfile": "", "stderr_logfile": ""}
	}
	f.handle("supervisor.getAllProcessInfo", func([]any) (any, error) {
		var out []any
		for _, p := range fakeProcs {
			out = append(out, info(p.group, p.name))
		}
		return out, nil
	})
	f.handle("supervisor.getProcessInfo", func(ps []any) (any, error) {
		for _, p := range fakeProcs {
			if makeNamespec(p.group, p.name) == ps[0] || p.group+":"+p.name == ps[0] {
				return info(p.group, p.name), nil
			}
		}
		return nil, &xmlrpc.Fault{Code: 10, String: "BAD_NAME: " + ps[0].(string)}
	})
	for _, m := range []string{"startProcess", "stopProcess"} {
		f.handle("supervisor."+m, func([]any) (any, error) { return true, nil })
	}
	f.handle("supervisor.readLog", func(ps []any) (any, error) { return fmt.Sprintf("main log %v %v", ps[0], ps[1]), nil })
	f.handle("supervisor.getSupervisorVersion", func([]any) (any, error) { return "4.2.5", nil })
	f.handle("supervisor.getPID", func([]any) (any, error) { return 99, nil })
	cache := map[string]any{}
	f.handle("cache.getKeys", func([]any) (any, error) {
		keys := []any{}
		var ks []string
		for k := range cache {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		for _, k := range ks {
			keys = append(keys, k)
		}
		return keys, nil
	})
	f.handle("cache.getCount", func([]any) (any, error) { return len(cache), nil })
	f.handle("cache.store", func(ps []any) (any, error) {
		k, _ := ps[0].(string)
		if k == "" {
			return nil, &xmlrpc.Fault{Code: 10, String: "BAD_NAME: Cache key must be a non-empty string"}
		}
		cache[k] = ps[1]
		return true, nil
	})
	f.handle("cache.fetch", func(ps []any) (any, error) {
		v, ok := cache[ps[0].(string)]
		if !ok {
			return nil, &xmlrpc.Fault{Code: 10, String: "BAD_NAME: " + ps[0].(string)}
		}
		return v, nil
	})
	f.handle("cache.delete", func(ps []any) (any, error) { delete(cache, ps[0].(string)); return true, nil })
	f.handle("cache.clear", func([]any) (any, error) { clear(cache); return true, nil })
	f.handle("system.echo", func(ps []any) (any, error) { return ps, nil })
	f.handle("system.listMethods", func([]any) (any, error) {
		return []any{"cache.clear", "supervisor.getVersion", "system.echo", "system.listMethods"}, nil
	})
	return f
}

func writeConf(t *testing.T, f *fakeServer, extra string) string {
	t.Helper()
	conf := filepath.Join(t.TempDir(), "ctl.conf")
	if err := os.WriteFile(conf, []byte("[supervisorctl]\nserverurl="+f.url+"\n"+extra), 0o644); err != nil {
		t.Fatal(err)
	}
	return conf
}

const pluginSections = `
[ctlplugin:cache]
supervisor.ctl_factory = ` + ports.CacheFactory + `
[ctlplugin:wildcards]
supervisor.ctl_factory = ` + ports.WildcardsFactory + `
[ctlplugin:serialrestart]
supervisor.ctl_factory = ` + ports.SerialRestartFactory + `
`

func TestCachePlugin(t *testing.T) {
	f := newProcServer(t)
	conf := writeConf(t, f, pluginSections)
	for _, tc := range []struct {
		cmd  []string
		want string
		code int
	}{
		{[]string{"cache_count"}, "0\n", 0},
		{[]string{"cache_keys"}, "[]\n", 0},
		{[]string{"cache_store", "foo", "'bar baz'"}, "", 0},
		{[]string{"cache_store", "k2", "2"}, "", 0},
		{[]string{"cache_store", "only"}, "cache_store <key> <value>\tStore <value> in the cache at <key>.\n", 0},
		{[]string{"cache_fetch", "foo"}, "'bar baz'\n", 0},
		{[]string{"cache_fetch", "nope"}, "error: <class 'xmlrpc.client.Fault'>, <Fault 10: 'BAD_NAME: nope'>\n", 1},
		{[]string{"cache_keys"}, "['foo', 'k2']\n", 0},
		{[]string{"cache_count"}, "2\n", 0},
		{[]string{"cache_count", "x"}, "cache_count\tGet a count of all items in the cache.\n", 0},
		{[]string{"cache_delete", "foo"}, "", 0},
		{[]string{"cache_keys"}, "['k2']\n", 0},
		{[]string{"cache_clear"}, "", 0},
		{[]string{"cache_count"}, "0\n", 0},
		{[]string{"cache_store", `""`, "x"}, "error: <class 'xmlrpc.client.Fault'>, <Fault 10: 'BAD_NAME: Cache key must be a non-empty string'>\n", 1},
		{[]string{"help", "cache_fetch"}, "*** No help on cache_fetch\ncache_fetch <key>\tFetch the item cached at <key>.\n*** No help on cache_fetch\n*** No help on cache_fetch\n", 0},
	} {
		got, code := runOurs(t, "", append([]string{"-c", conf}, tc.cmd...)...)
		if got != tc.want || code != tc.code {
			t.Errorf("%q: got %q exit %d, want %q exit %d", tc.cmd, got, code, tc.want, tc.code)
		}
	}
	got, _ := runOurs(t, "", "-c", conf, "help")
	for _, want := range []string{
		"cache commands (type help <topic>):\n===================================\ncache_clear  cache_count  cache_delete  cache_fetch  cache_keys  cache_store\n",
		"wildcards commands (type help <topic>):\n=======================================\nmrestart  mstart  mstatus  mstop\n",
		"serialrestart commands (type help <topic>):\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("help lacks %q:\n%s", want, got)
		}
	}
}

func TestWildcardsAndSerialRestart(t *testing.T) {
	for _, tc := range []struct {
		name, extra string
		cmd         []string
		wantCalls   []string // sorted
		wantOut     string   // sorted lines
	}{
		{"mstop r*", "", []string{"mstop", "r*"},
			[]string{`supervisor.stopProcess("grp:red")`, `supervisor.stopProcess("rabbit:rabbit")`},
			"grp:red: stopped\nrabbit: stopped\n"},
		{"mstart all", "", []string{"mstart", "all"},
			[]string{`supervisor.startProcess("alpha:alpha")`, `supervisor.startProcess("grp:green")`, `supervisor.startProcess("grp:red")`, `supervisor.startProcess("rabbit:rabbit")`},
			"alpha: started\ngrp:green: started\ngrp:red: started\nrabbit: started\n"},
		{"match_group", "match_group = 1\n", []string{"mstop", "g*"},
			[]string{`supervisor.stopProcess("grp:green")`, `supervisor.stopProcess("grp:red")`},
			"grp:green: stopped\ngrp:red: stopped\n"},
		{"no match", "", []string{"mstop", "zz*"}, nil, "No process matched given expression.\n"},
		{"serialrestart", "", []string{"serialrestart", "grp:*", "nosuch"},
			[]string{`supervisor.startProcess("grp:green")`, `supervisor.startProcess("grp:red")`, `supervisor.stopProcess("grp:green")`, `supervisor.stopProcess("grp:red")`},
			"No such process nosuch\ngrp:green: started\ngrp:green: stopped\ngrp:red: started\ngrp:red: stopped\n"},
		{"serialrestart no args", "", []string{"serialrestart"}, nil,
			"Error: serialrestart requires a process name\nNote: serialrestart also accepts wildcard expressions to match the process name\n" +
				"Note: serialrestart does not reread config files. For that, see reread and update.\n" +
				"Note: serialrestart does restart one process after another, instead of restart, which stops all process and then starts them.\n" +
				"serialrestart <gname>:*\tRestart all processes in a group\nserialrestart <name>\t\tRestart a process\n" +
				"serialrestart <name> <name>\tRestart multiple processes or groups\nserialrestart a* restarts all processes begining with \"a\"\nserialrestart all\t\tRestart all processes\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newProcServer(t)
			conf := writeConf(t, f, strings.Replace(pluginSections, "[ctlplugin:serialrestart]", tc.extra+"[ctlplugin:serialrestart]", 1))
			out, code := runOurs(t, "", append([]string{"-c", conf}, tc.cmd...)...)
			if code != 0 {
				t.Errorf("exit %d", code)
			}
			var calls []string
			for _, c := range f.called() {
				if strings.HasPrefix(c, "supervisor.st") {
					calls = append(calls, c)
				}
			}
			sort.Strings(calls)
			if !slices.Equal(calls, tc.wantCalls) {
				t.Errorf("calls %q, want %q", calls, tc.wantCalls)
			}
			lines := strings.SplitAfter(out, "\n")
			sort.Strings(lines)
			if got := strings.Join(lines, ""); got != tc.wantOut {
				t.Errorf("output (sorted) %q, want %q", got, tc.wantOut)
			}
		})
	}
}

func TestUnknownCtlPlugin(t *testing.T) {
	f := newProcServer(t)
	conf := writeConf(t, f, "[ctlplugin:x]\nsupervisor.ctl_factory = nosuch.module:make\n")
	out, code := runOurs(t, "", "-c", conf, "status")
	want := "Error: nosuch.module:make cannot be resolved within [ctlplugin:x]\nFor help, use /usr/bin/supervisorctl -h\n"
	if out != want || code != 2 {
		t.Errorf("got %q exit %d, want %q exit 2", out, code, want)
	}
}

func TestCallJSONParallel(t *testing.T) {
	f := newProcServer(t)
	conf := writeConf(t, f, "")
	for _, tc := range []struct {
		cmd  []string
		want string
		code int
	}{
		{[]string{"call", "system.echo", "1", "true", "x", "str:5", `'{"a": [1, 2.5]}'`}, "[1, True, 'x', '5', {'a': [1, 2.5]}]\n", 0},
		{[]string{"call", "--json", "system.echo", "int:7", "'a b'"}, "[\n  7,\n  \"a b\"\n]\n", 0},
		{[]string{"call", "supervisor.getSupervisorVersion"}, "4.2.5\n", 0},
		{[]string{"call", "cache.fetch", "nope"}, "cache.fetch: ERROR (fault 10: BAD_NAME: nope)\n", 1},
		{[]string{"call", "system.echo", "int:x"}, "Error: argument 'int:x': not a 32-bit integer\n", 2},
		{[]string{"call", "no.such"}, "no.such: ERROR (fault 1: UNKNOWN_METHOD)\n", 1},
		{[]string{"pid", "--json"}, "{\n  \"supervisord\": 99\n}\n", 0},
		{[]string{"pid", "--json", "alpha", "nosuch"}, "No such process nosuch\n{\n  \"alpha\": 42\n}\n", 1},
		{[]string{"version", "--json"}, "{\n  \"api\": \"3.0\",\n  \"supervisor\": \"4.2.5\",\n  \"supervisorctl\": \"4.2.5\"\n}\n", 0},
		{[]string{"maintail", "-20"}, "main log -20 0\n", 0},
	} {
		got, code := runOurs(t, "", append([]string{"-c", conf}, tc.cmd...)...)
		if got != tc.want || code != tc.code {
			t.Errorf("%q: got %q exit %d, want %q exit %d", tc.cmd, got, code, tc.want, tc.code)
		}
	}
	got, code := runOurs(t, "", "-c", conf, "status", "--json", "grp:*")
	if code != 0 || !strings.Contains(got, `"namespec": "grp:red"`) || !strings.Contains(got, `"statename": "RUNNING"`) || strings.Contains(got, "alpha") {
		t.Errorf("status --json: exit %d\n%s", code, got)
	}
	before := len(f.called())
	got, code = runOurs(t, "", "-c", conf, "restart", "-P", "grp:*", "alpha")
	lines := strings.SplitAfter(got, "\n")
	sort.Strings(lines)
	want := "alpha: started\nalpha: stopped\ngrp:green: started\ngrp:green: stopped\ngrp:red: started\ngrp:red: stopped\n"
	if strings.Join(lines, "") != want || code != 0 {
		t.Errorf("restart -P: exit %d, got (sorted) %q, want %q", code, strings.Join(lines, ""), want)
	}
	var calls []string
	for _, c := range f.called()[before:] {
		if strings.HasPrefix(c, "supervisor.st") {
			calls = append(calls, c)
		}
	}
	if len(calls) != 6 {
		t.Errorf("restart -P made calls %q", calls)
	}
}

func TestAuthPrompt(t *testing.T) {
	f := newProcServer(t)
	f.user, f.pass = "user", "secret"
	conf := writeConf(t, f, "")
	// Interactive: asks, then retries the command.
	out, code := runOurs(t, "user\nsecret\n", "-c", conf, "-i", "version")
	if want := "Server requires authentication\nUsername:Password:\n4.2.5\n"; out != want || code != 0 {
		t.Errorf("interactive 401: got %q exit %d, want %q", out, code, want)
	}
	// Not interactive: one clear line, exit 1.
	out, code = runOurs(t, "", "-c", conf, "version")
	if !strings.HasPrefix(out, "Server requires authentication\nerror: "+f.url+" refused the username and password (HTTP 401)") || strings.Count(out, "\n") != 2 || code != 1 {
		t.Errorf("401: got %q exit %d", out, code)
	}
	out, code = runOurs(t, "", "-c", conf, "-u", "user", "-p", "secret", "version")
	if out != "4.2.5\n" || code != 0 {
		t.Errorf("with credentials: got %q exit %d", out, code)
	}
}

func TestTailFollowFake(t *testing.T) {
	f := newProcServer(t)
	f.logtail["/logtail/alpha/stdout"] = "hello from alpha\n"
	f.logtail["/mainlogtail"] = "main line\n"
	conf := writeConf(t, f, "")
	for _, tc := range []struct{ args, want string }{
		{"tail -f alpha", "==> Press Ctrl-C to exit <==\nhello from alpha\n\n"},
		{"maintail -f", "==> Press Ctrl-C to exit <==\nmain line\n\n"},
	} {
		ctx, cancel := contextWithCancel()
		var out syncBuffer
		done := make(chan int)
		go func() {
			done <- Main(ctx, "supervisorctl", append([]string{"-c", conf}, strings.Fields(tc.args)...), strings.NewReader(""), &out, &out)
		}()
		waitFor(t, 10e9, "follow output", func() bool { return strings.Contains(out.String(), tc.want[30:len(tc.want)-2]) })
		cancel()
		if code := <-done; code != 0 || out.String() != tc.want {
			t.Errorf("%s: got %q exit %d, want %q", tc.args, out.String(), code, tc.want)
		}
	}
	out, code := runOurs(t, "", "-c", conf, "tail", "-f", "nosuch")
	if want := "==> Press Ctrl-C to exit <==\n" + f.url + "/logtail/nosuch/stdout Cannot read, status code 404\n"; out != want || code != 0 {
		t.Errorf("tail -f nosuch: got %q exit %d, want %q", out, code, want)
	}
}
