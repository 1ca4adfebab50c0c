package httpd

import (
	"encoding/base64"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/supervisorgo/supervisor/internal/config"
)

// rawCase is a conversation on one connection to one listener, whose
// answers must be the same from the reference and from our server.
type rawCase struct {
	name     string
	listener string   // "inet" (no auth), "auth" (plain password), "unix" ({SHA} password)
	reqs     []string // sent in order on one connection
	extra    []string // headers compared besides comparedHeaders
	closes   bool     // the server must close the connection after the last answer
	// failed marks answers holding a FAILED fault for a non-fault error:
	// the reference puts the Python exception there ("<class
	// 'ValueError'>:kaboom"), ours the Go error's text, so the text after
	// "FAILED: " and the Content-Length are not compared.
	failed bool
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// multicall is a methodCall of system.multicall with one entry per call.
func multicall(t testing.TB, calls ...map[string]any) string {
	entries := make([]any, len(calls))
	for i, c := range calls {
		entries[i] = c
	}
	return call(t, "system.multicall", entries)
}

func rawCases(t testing.TB) []rawCase {
	date := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	good := basic(b64(testUser + ":" + testSHAPass))
	goodPlain := basic(b64(testUser + ":" + testPlainPass))
	one := func(name, listener, req string) rawCase {
		return rawCase{name: name, listener: listener, reqs: []string{req}}
	}
	rpc := func(name, listener, body string) rawCase { return one(name, listener, post("/RPC2", body, "")) }
	mc := func(name string, calls ...map[string]any) rawCase {
		return rpc("multicall "+name, "inet", multicall(t, calls...))
	}
	cases := []rawCase{
		// HTTP-level answers of /RPC2 (Appendix A #1).
		one("GET", "inet", "GET /RPC2 HTTP/1.1\r\nHost: localhost\r\n\r\n"),
		one("PUT", "inet", "PUT /RPC2 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n"),
		one("lower-case post", "inet", strings.Replace(post("/RPC2", call(t, "system.listMethods"), ""), "POST", "post", 1)),
		one("POST without Content-Length", "inet", "POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\n\r\n"),
		one("chunked POST", "inet", "POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"),
		rpc("malformed XML", "inet", "<methodCall><methodName>system.listMethods</methodName>"),
		rpc("not XML", "inet", "hello"),
		rpc("bad int", "inet", "<methodCall><methodName>fake.echo</methodName><params><param><value><int>x</int></value></param></params></methodCall>"),
		rpc("no methodName", "inet", "<methodCall><params/></methodCall>"),
		rpc("empty methodName", "inet", "<methodCall><methodName></methodName></methodCall>"),
		rpc("no params element", "inet", "<methodCall><methodName>system.listMethods</methodName></methodCall>"),
		one("RPC2 prefix", "inet", post("/RPC2xyz?a=b", call(t, "fake.echo", "prefix"), "")),
		one("RPC2 percent-encoded", "inet", post("/%52PC2", call(t, "fake.echo", "escaped"), "")),
		one("unknown path", "inet", "GET /nothing/here HTTP/1.1\r\nHost: localhost\r\n\r\n"),
		one("unknown process log", "inet", "GET /logtail/nope HTTP/1.1\r\nHost: localhost\r\n\r\n"),
		one("POST to logtail", "inet", post("/logtail/nope", "x", "")),

		// Dispatch (Appendix A #2).
		rpc("listMethods", "inet", call(t, "system.listMethods")),
		rpc("listMethods with a param", "inet", call(t, "system.listMethods", 1)),
		rpc("methodHelp without param", "inet", call(t, "system.methodHelp")),
		rpc("methodHelp with two params", "inet", call(t, "system.methodHelp", "system.multicall", 1)),
		rpc("methodHelp unknown", "inet", call(t, "system.methodHelp", "fake.nope")),
		rpc("methodHelp private", "inet", call(t, "system.methodHelp", "fake._private")),
		rpc("methodHelp not a string", "inet", call(t, "system.methodHelp", 5)),
		rpc("methodHelp without docstring", "inet", call(t, "system.methodHelp", "fake.boom")),
		rpc("methodSignature without docstring", "inet", call(t, "system.methodSignature", "fake.boom")),
		rpc("methodSignature unknown", "inet", call(t, "system.methodSignature", "nope.nope")),
		rpc("unknown namespace", "inet", call(t, "nope.x")),
		rpc("unknown method", "inet", call(t, "fake.nope")),
		rpc("no dot", "inet", call(t, "listMethods")),
		rpc("three parts", "inet", call(t, "system.listMethods.x")),
		rpc("private method", "inet", call(t, "fake._private")),
		rpc("private system method", "inet", call(t, "system._listMethods")),
		rpc("attribute that is not a method", "inet", call(t, "system.namespaces")),
		rpc("echo string", "inet", call(t, "fake.echo", "a&b<c> é \t")),
		rpc("echo struct", "inet", call(t, "fake.echo", map[string]any{"a": 1, "b": []any{true, 1.5, "x"}})),
		rpc("echo date", "inet", call(t, "fake.echo", date)),
		rpc("echo i8", "inet", "<methodCall><methodName>fake.echo</methodName><params><param><value><i8>-10</i8></value></param></params></methodCall>"),
		rpc("echo base64", "inet", call(t, "fake.echo", []byte("bytes"))),
		rpc("echo nil", "inet", "<methodCall><methodName>fake.echo</methodName><params><param><value><nil/></value></param></params></methodCall>"),
		rpc("echo without params", "inet", call(t, "fake.echo")),
		rpc("echo with two params", "inet", call(t, "fake.echo", 1, 2)),
		rpc("add default", "inet", call(t, "fake.add", 41)),
		rpc("add two", "inet", call(t, "fake.add", 40, 2)),
		rpc("add strings", "inet", call(t, "fake.add", "a", "b")),
		rpc("add three", "inet", call(t, "fake.add", 1, 2, 3)),
		rpc("add type error", "inet", call(t, "fake.add", "a", 1)),
		rpc("method fault", "inet", call(t, "fake.fail")),
		rpc("unexpected error", "inet", call(t, "fake.boom")),
		rpc("unmarshallable result", "inet", call(t, "fake.none")),

		// system.multicall (Appendix A #6).
		rpc("multicall without param", "inet", call(t, "system.multicall")),
		rpc("multicall empty", "inet", call(t, "system.multicall", []any{})),
		rpc("multicall of a string", "inet", call(t, "system.multicall", "abc")),
		rpc("multicall of an empty string", "inet", call(t, "system.multicall", "")),
		rpc("multicall of an int", "inet", call(t, "system.multicall", 5)),
		rpc("multicall of a struct", "inet", call(t, "system.multicall", map[string]any{"methodName": "fake.echo"})),
		rpc("multicall of a non-struct", "inet", call(t, "system.multicall", []any{5})),
		rpc("multicall with a non-struct after a call", "inet", call(t, "system.multicall",
			[]any{map[string]any{"methodName": "fake.echo", "params": []any{"x"}}, "x"})),
		rpc("multicall with an unmarshallable result", "inet", multicall(t, map[string]any{"methodName": "fake.none"})),
		mc("batch of the reference notes",
			map[string]any{"methodName": "fake.add", "params": []any{6629}},
			map[string]any{"methodName": "nope"},
			map[string]any{"methodName": "system.multicall"},
			map[string]any{"params": []any{}},
			map[string]any{"methodName": "fake.echo"},
			map[string]any{"methodName": "fake.fail"}),
		mc("recursive with params", map[string]any{"methodName": "system.multicall", "params": []any{[]any{}}}),
		mc("empty methodName", map[string]any{"methodName": ""}),
		mc("int methodName", map[string]any{"methodName": 5}),
		mc("struct methodName", map[string]any{"methodName": map[string]any{}}),
		mc("array methodName", map[string]any{"methodName": []any{}}),
		mc("bool methodName", map[string]any{"methodName": true}),
		mc("double methodName", map[string]any{"methodName": 1.5}),
		mc("date methodName", map[string]any{"methodName": date}),
		mc("string params", map[string]any{"methodName": "fake.echo", "params": "a"}),
		mc("string params spread", map[string]any{"methodName": "fake.add", "params": "ab"}),
		mc("struct params", map[string]any{"methodName": "fake.echo", "params": map[string]any{"k": 1}}),
		mc("int params", map[string]any{"methodName": "fake.echo", "params": 5}),
		mc("bool params", map[string]any{"methodName": "fake.echo", "params": true}),
		mc("date params", map[string]any{"methodName": "fake.echo", "params": date}),
		mc("bad params of an unknown method", map[string]any{"methodName": "fake.nope", "params": 5}),
		mc("arity of a system method", map[string]any{"methodName": "system.methodHelp", "params": []any{"system.multicall", 1}}),
		mc("type error", map[string]any{"methodName": "fake.add", "params": []any{"a", 1}}),
		mc("introspection", map[string]any{"methodName": "system.listMethods"},
			map[string]any{"methodName": "system.methodHelp", "params": []any{"fake.echo"}},
			map[string]any{"methodName": "system.methodSignature", "params": []any{"fake.add"}}),
		{name: "multicall unexpected error", listener: "inet", failed: true,
			reqs: []string{post("/RPC2", multicall(t, map[string]any{"methodName": "fake.boom"}, map[string]any{"methodName": "fake.echo", "params": []any{"after"}}), "")}},

		// Connections.
		{name: "keep-alive", listener: "inet", reqs: []string{
			post("/RPC2", call(t, "fake.echo", "one"), ""),
			post("/RPC2", call(t, "fake.echo", "two"), ""),
			"GET /RPC2 HTTP/1.1\r\nHost: localhost\r\n\r\n",
			"POST /RPC2 HTTP/1.1\r\nHost: localhost\r\n\r\n",
			post("/RPC2", call(t, "fake.echo", "three"), ""),
		}},
		{name: "HTTP/1.0", listener: "inet", closes: true,
			reqs: []string{strings.Replace(post("/RPC2", call(t, "fake.echo", "x"), ""), "HTTP/1.1", "HTTP/1.0", 1)}},
		{name: "HTTP/1.0 keep-alive", listener: "inet", extra: []string{"Connection"}, reqs: []string{
			strings.Replace(post("/RPC2", call(t, "fake.echo", "x"), "Connection: keep-alive\r\n"), "HTTP/1.1", "HTTP/1.0", 1),
			strings.Replace(post("/RPC2", call(t, "fake.echo", "y"), "Connection: keep-alive\r\n"), "HTTP/1.1", "HTTP/1.0", 1),
		}},
		{name: "HTTP/1.0 error", listener: "inet", closes: true, reqs: []string{"GET /RPC2 HTTP/1.0\r\n\r\n"}},
		{name: "Connection: close", listener: "inet", closes: true,
			reqs: []string{post("/RPC2", call(t, "fake.echo", "x"), "Connection: close\r\n")}},

		// Authentication (section 2.3).
		{name: "no credentials", listener: "unix", extra: []string{"Connection"}, reqs: []string{post("/RPC2", call(t, "fake.echo", "x"), "")}},
		{name: "no credentials inet", listener: "auth", extra: []string{"Connection"}, reqs: []string{post("/RPC2", call(t, "fake.echo", "x"), "")}},
		{name: "wrong password", listener: "unix", extra: []string{"Connection"}, reqs: []string{post("/RPC2", call(t, "fake.echo", "x"), basic(b64(testUser+":nope")))}},
		{name: "wrong user", listener: "unix", extra: []string{"Connection"}, reqs: []string{post("/RPC2", call(t, "fake.echo", "x"), basic(b64("nope:"+testSHAPass)))}},
		{name: "SHA string as password", listener: "unix", extra: []string{"Connection"}, reqs: []string{post("/RPC2", call(t, "fake.echo", "x"), basic(b64(testUser+":"+testSHAStored)))}},
		{name: "good credentials", listener: "unix", reqs: []string{
			post("/RPC2", call(t, "fake.echo", "x"), good),
			post("/RPC2", call(t, "system.listMethods"), good),
		}},
		{name: "good plain credentials", listener: "auth", reqs: []string{post("/RPC2", call(t, "fake.echo", "x"), goodPlain)}},
		{name: "plain password against SHA", listener: "auth", extra: []string{"Connection"}, reqs: []string{post("/RPC2", call(t, "fake.echo", "x"), good)}},
		one("lower-case scheme", "unix", post("/RPC2", call(t, "fake.echo", "x"), "Authorization: basic "+b64(testUser+":"+testSHAPass)+"\r\n")),
		one("base64 with junk", "unix", post("/RPC2", call(t, "fake.echo", "x"), basic("!"+b64(testUser+":"+testSHAPass)+"=junk"))),
		{name: "digest scheme", listener: "unix", extra: []string{"Connection"}, reqs: []string{post("/RPC2", call(t, "fake.echo", "x"), "Authorization: Digest abc\r\n")}},
		{name: "scheme only", listener: "unix", extra: []string{"Connection"}, reqs: []string{post("/RPC2", call(t, "fake.echo", "x"), "Authorization: Basic\r\n")}},
		one("bad base64", "unix", post("/RPC2", call(t, "fake.echo", "x"), basic("abc"))),
		one("credentials not UTF-8", "unix", post("/RPC2", call(t, "fake.echo", "x"), basic(b64("\xff:\xfe")))),
		one("credentials without colon", "unix", post("/RPC2", call(t, "fake.echo", "x"), basic(b64(testUser)))),
		one("GET with credentials", "unix", "GET /RPC2 HTTP/1.1\r\nHost: localhost\r\n"+good+"\r\n"),
		{name: "unknown path without credentials", listener: "unix", extra: []string{"Connection"}, reqs: []string{"GET /nothing HTTP/1.1\r\nHost: localhost\r\n\r\n"}},
		{name: "POST without Content-Length without credentials", listener: "unix", extra: []string{"Connection"}, reqs: []string{"POST /RPC2 HTTP/1.1\r\nHost: localhost\r\n\r\n"}},
		one("unknown path with credentials", "unix", "GET /nothing HTTP/1.1\r\nHost: localhost\r\n"+good+"\r\n"),
	}
	for _, m := range []string{"system.listMethods", "system.methodHelp", "system.methodSignature", "system.multicall", "fake.echo", "fake.add", "fake.fail"} {
		cases = append(cases,
			rpc("methodHelp "+m, "inet", call(t, "system.methodHelp", m)),
			rpc("methodSignature "+m, "inet", call(t, "system.methodSignature", m)))
	}
	return cases
}

// failedText is the part of a FAILED fault that differs by language.
var failedText = regexp.MustCompile(`FAILED: [^<]*`)

// TestDifferentialHTTP sends the same raw requests to the reference
// supervisord and to our server (both with the fake namespace mounted and
// the same three listeners) and compares status lines, the headers that
// matter and the bodies byte for byte.
func TestDifferentialHTTP(t *testing.T) {
	ref := startReference(t)
	ours, _ := startOurs(t, Options{})
	for _, tc := range rawCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rn, ra := ref.addr(tc.listener)
			on, oa := ours.addr(tc.listener)
			want := exchange(t, rn, ra, tc.reqs, tc.extra, tc.closes)
			got := exchange(t, on, oa, tc.reqs, tc.extra, tc.closes)
			if tc.failed {
				for _, c := range []*conversation{&want, &got} {
					for i := range c.Answers {
						c.Answers[i].Body = failedText.ReplaceAllString(c.Answers[i].Body, "FAILED: ...")
						delete(c.Answers[i].Header, "Content-Length")
					}
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("requests %q\nours      %+v\nreference %+v", tc.reqs, got, want)
			}
			if tc.closes && !want.Closed {
				t.Errorf("the reference kept the connection open")
			}
		})
	}
}

// TestDifferentialPythonClients calls both servers with Python's own
// clients: xmlrpc.client.ServerProxy over TCP (with and without
// credentials in the URL) and supervisor's SupervisorTransport over the
// unix socket, as supervisorctl does, all calls on one client.
func TestDifferentialPythonClients(t *testing.T) {
	ref := startReference(t)
	ours, _ := startOurs(t, Options{})
	calls := [][2]any{
		{"system.listMethods", []any{}},
		{"system.multicall", []any{[]any{
			map[string]any{"methodName": "fake.add", "params": []any{1, 2}},
			map[string]any{"methodName": "fake.fail"},
			map[string]any{"methodName": "nope.nope"},
			map[string]any{"methodName": "system.multicall"},
			map[string]any{"params": []any{}},
		}}},
		{"fake.echo", []any{map[string]any{"s": "é&<>", "n": -7, "f": 0.1, "b": false, "a": []any{}}}},
		{"fake.add", []any{"x", "y"}},
		{"fake.add", []any{}},
		{"fake.fail", []any{}},
		{"fake.boom", []any{}},
		{"fake.none", []any{}},
		{"fake.echo", []any{"still connected"}},
		{"nope.x", []any{}},
		{"system.methodHelp", []any{"system.methodSignature"}},
		{"system.methodSignature", []any{"system.methodHelp"}},
	}
	type target struct {
		name  string
		ref   string
		ours  string
		creds []string
	}
	targets := []target{
		{"inet without credentials", "http://" + ref.inet + "/RPC2", "http://" + ours.inet + "/RPC2", nil},
		{"inet with credentials", "http://" + ref.inetAuth + "/RPC2", "http://" + ours.inetAuth + "/RPC2", []string{testUser, testPlainPass}},
		{"inet with wrong credentials", "http://" + ref.inetAuth + "/RPC2", "http://" + ours.inetAuth + "/RPC2", []string{testUser, "wrong"}},
		{"inet without the needed credentials", "http://" + ref.inetAuth + "/RPC2", "http://" + ours.inetAuth + "/RPC2", nil},
		{"unix SupervisorTransport", "unix://" + ref.unix, "unix://" + ours.unix, []string{testUser, testSHAPass}},
		{"unix SupervisorTransport wrong password", "unix://" + ref.unix, "unix://" + ours.unix, []string{testUser, testSHAStored}},
	}
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			t.Parallel()
			want := pyClient(t, tg.ref, tg.creds, calls)
			got := pyClient(t, tg.ours, tg.creds, calls)
			for i := range calls {
				if string(got[i]) != string(want[i]) {
					t.Errorf("%s%v:\nours      %s\nreference %s", calls[i][0], calls[i][1], got[i], want[i])
				}
			}
		})
	}
}

// TestListenInUse: both servers refuse a port or socket another live
// server holds, with the same message.
func TestListenInUse(t *testing.T) {
	ref := startReference(t)
	port, err := strconv.Atoi(ref.inet[strings.LastIndexByte(ref.inet, ':')+1:])
	if err != nil {
		t.Fatal(err)
	}
	for _, srv := range ourServers(shortDir(t))[:1] {
		srv.Port = port
		_, err := Start(t.Context(), []config.HTTPServer{srv}, Options{RPC: newRPC(t)})
		checkInUse(t, err, srv.Section)
	}
	unix := ourServers(shortDir(t))[2]
	unix.File = ref.unix
	_, err = Start(t.Context(), []config.HTTPServer{unix}, Options{RPC: newRPC(t)})
	checkInUse(t, err, unix.Section)
	// The reference's socket still answers.
	conv := exchange(t, "unix", ref.unix, []string{post("/RPC2", call(t, "system.listMethods"), basic(b64(testUser+":"+testSHAPass)))}, nil, false)
	if conv.Answers[0].Status != "200 OK" {
		t.Fatalf("the reference's socket answers %s after our attempt", conv.Answers[0].Status)
	}
}
