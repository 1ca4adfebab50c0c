package rpc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supervisorgo/supervisor/plugin"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

func newTestServer(t testing.TB, mounts ...Mount) *Server {
	t.Helper()
	if mounts == nil {
		mounts = []Mount{{"fake", fakeNamespace{}}, {"extra", extraNamespace{}}}
	}
	s, err := New(mounts, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// faultStruct is a fault as system.multicall reports it.
func faultStruct(code Code, s string) xmlrpc.Struct {
	return xmlrpc.Struct{{Name: "faultCode", Value: int(code)}, {Name: "faultString", Value: s}}
}

func TestCall(t *testing.T) {
	s := newTestServer(t)
	date := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		method string
		params []xmlrpc.Value
		want   xmlrpc.Value
		fault  *xmlrpc.Fault // expected fault, if any
		other  bool          // expected non-fault error (HTTP 500)
	}{
		{name: "echo", method: "fake.echo", params: []any{"x"}, want: "x"},
		{name: "echo struct", method: "fake.echo", params: []any{map[string]any{"a": 1}}, want: map[string]any{"a": 1}},
		{name: "too many params", method: "fake.echo", params: []any{"x", "y"}, fault: IncorrectParameters.Fault()},
		{name: "too few params", method: "fake.echo", fault: IncorrectParameters.Fault()},
		{name: "optional param omitted", method: "fake.add", params: []any{1}, want: 2},
		{name: "optional param given", method: "fake.add", params: []any{1, 2}, want: 3},
		{name: "beyond signature", method: "fake.add", params: []any{1, 2, 3}, fault: IncorrectParameters.Fault()},
		{name: "type error", method: "fake.add", params: []any{"a", 2}, fault: IncorrectParameters.Fault()},
		{name: "method fault", method: "fake.fail", fault: &xmlrpc.Fault{Code: 10, String: "BAD_NAME: nope"}},
		{name: "wrapped fault", method: "extra.wrapped", fault: &xmlrpc.Fault{Code: 20, String: "NO_FILE"}},
		{name: "plain error", method: "fake.boom", other: true},
		{name: "panic", method: "extra.panic", other: true},
		{name: "no dot", method: "listMethods", fault: UnknownMethod.Fault()},
		{name: "empty", method: "", fault: UnknownMethod.Fault()},
		{name: "trailing dot", method: "system.", fault: UnknownMethod.Fault()},
		{name: "leading dot", method: ".listMethods", fault: UnknownMethod.Fault()},
		{name: "three parts", method: "system.listMethods.x", fault: UnknownMethod.Fault()},
		{name: "private", method: "fake._private", fault: UnknownMethod.Fault()},
		{name: "private system", method: "system._listMethods", fault: UnknownMethod.Fault()},
		{name: "unknown namespace", method: "nope.echo", fault: UnknownMethod.Fault()},
		{name: "unknown method", method: "fake.nope", fault: UnknownMethod.Fault()},
		{name: "case matters", method: "fake.Echo", fault: UnknownMethod.Fault()},
		{name: "nil Call", method: "extra.nocall", fault: UnknownMethod.Fault()},
		{name: "dotted method name", method: "extra.dotted.name", want: "dotted"},
		{name: "no signature no check", method: "extra.count", params: []any{1, 2, 3}, want: 3},
		{name: "listMethods extra param", method: "system.listMethods", params: []any{1}, fault: IncorrectParameters.Fault()},
		{name: "methodHelp no param", method: "system.methodHelp", fault: IncorrectParameters.Fault()},
		{name: "methodHelp two params", method: "system.methodHelp", params: []any{"a", "b"}, fault: IncorrectParameters.Fault()},
		{name: "methodHelp", method: "system.methodHelp", params: []any{"fake.echo"}, want: echoHelp},
		{name: "methodHelp no docstring", method: "system.methodHelp", params: []any{"fake.boom"}, want: "None"},
		{name: "methodHelp unknown", method: "system.methodHelp", params: []any{"fake.nope"}, fault: SignatureUnsupported.Fault()},
		{name: "methodHelp private", method: "system.methodHelp", params: []any{"fake._private"}, fault: SignatureUnsupported.Fault()},
		{name: "methodHelp not a string", method: "system.methodHelp", params: []any{5}, fault: SignatureUnsupported.Fault()},
		{name: "methodHelp dotted", method: "system.methodHelp", params: []any{"extra.dotted.name"}, want: "@return string x"},
		{name: "methodSignature explicit", method: "system.methodSignature", params: []any{"fake.add"}, want: []any{"int", "int", "int"}},
		{name: "methodSignature from help", method: "system.methodSignature", params: []any{"fake.fail"}, want: []any{"boolean"}},
		{name: "methodSignature none", method: "system.methodSignature", params: []any{"fake.boom"}, fault: SignatureUnsupported.Fault()},
		{name: "methodSignature no help", method: "system.methodSignature", params: []any{"extra.block"}, fault: SignatureUnsupported.Fault()},
		{name: "methodSignature unknown", method: "system.methodSignature", params: []any{"x.y"}, fault: SignatureUnsupported.Fault()},
		{name: "methodSignature date", method: "system.methodSignature", params: []any{date}, fault: SignatureUnsupported.Fault()},
		{name: "methodSignature multicall", method: "system.methodSignature", params: []any{"system.multicall"}, want: []any{"array", "array"}},
		{name: "multicall no param", method: "system.multicall", fault: IncorrectParameters.Fault()},
		{name: "multicall empty", method: "system.multicall", params: []any{[]any{}}, want: []any{}},
		{name: "multicall empty string", method: "system.multicall", params: []any{""}, want: []any{}},
		{name: "multicall string", method: "system.multicall", params: []any{"abc"}, other: true},
		{name: "multicall int", method: "system.multicall", params: []any{5}, fault: IncorrectParameters.Fault()},
		{name: "multicall struct", method: "system.multicall", params: []any{map[string]any{}}, fault: IncorrectParameters.Fault()},
		{name: "multicall nil", method: "system.multicall", params: []any{nil}, fault: IncorrectParameters.Fault()},
		{name: "multicall non-struct entry", method: "system.multicall", params: []any{[]any{5}}, other: true},
		{name: "multicall later non-struct entry", method: "system.multicall",
			params: []any{[]any{map[string]any{"methodName": "fake.echo", "params": []any{"a"}}, "x"}}, other: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Call(t.Context(), tc.method, tc.params)
			switch {
			case tc.other:
				if err == nil {
					t.Fatalf("got %#v, want a non-fault error", got)
				}
				if f, ok := AsFault(err); ok {
					t.Fatalf("got fault %v, want a non-fault error", f)
				}
			case tc.fault != nil:
				f, ok := AsFault(err)
				if !ok {
					t.Fatalf("got %#v, %v; want fault %v", got, err, tc.fault)
				}
				if *f != *tc.fault {
					t.Fatalf("got fault %v, want %v", f, tc.fault)
				}
			default:
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Fatalf("got %#v, want %#v", got, tc.want)
				}
			}
		})
	}
}

// TestMulticall holds the reference's answers for one-entry batches
// (recorded from supervisord 4.2.5 with ../httpd/testdata/fakens.py
// mounted as "fake"; the differential test in ../httpd replays them).
func TestMulticall(t *testing.T) {
	s := newTestServer(t)
	date := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	attrErr := func(typ string) xmlrpc.Struct {
		return faultStruct(Failed, "FAILED: <class 'AttributeError'>:'"+typ+"' object has no attribute 'split'")
	}
	cases := []struct {
		name string
		call map[string]any
		want xmlrpc.Value
	}{
		{"value", map[string]any{"methodName": "fake.echo", "params": []any{"x"}}, "x"},
		{"unknown", map[string]any{"methodName": "nope"}, faultStruct(UnknownMethod, "UNKNOWN_METHOD")},
		{"recursive", map[string]any{"methodName": "system.multicall"}, faultStruct(IncorrectParameters, "INCORRECT_PARAMETERS: Recursive system.multicall forbidden")},
		{"recursive with params", map[string]any{"methodName": "system.multicall", "params": []any{[]any{}}}, faultStruct(IncorrectParameters, "INCORRECT_PARAMETERS: Recursive system.multicall forbidden")},
		{"no methodName", map[string]any{"params": []any{}}, faultStruct(IncorrectParameters, "INCORRECT_PARAMETERS: No methodName")},
		{"nil methodName", map[string]any{"methodName": nil}, faultStruct(IncorrectParameters, "INCORRECT_PARAMETERS: No methodName")},
		{"empty methodName", map[string]any{"methodName": ""}, faultStruct(UnknownMethod, "UNKNOWN_METHOD")},
		{"arity", map[string]any{"methodName": "fake.add"}, faultStruct(IncorrectParameters, "INCORRECT_PARAMETERS")},
		{"arity of system method", map[string]any{"methodName": "system.methodHelp", "params": []any{"system.multicall", 1}}, faultStruct(IncorrectParameters, "INCORRECT_PARAMETERS")},
		{"type error", map[string]any{"methodName": "fake.add", "params": []any{"a", 1}}, faultStruct(IncorrectParameters, "INCORRECT_PARAMETERS")},
		{"method fault", map[string]any{"methodName": "fake.fail"}, faultStruct(BadName, "BAD_NAME: nope")},
		{"plain error", map[string]any{"methodName": "fake.boom"}, faultStruct(Failed, "FAILED: kaboom")},
		{"panic", map[string]any{"methodName": "extra.panic"}, faultStruct(Failed, "FAILED: rpc: extra.panic panicked: oops")},
		{"int methodName", map[string]any{"methodName": 5}, attrErr("int")},
		{"struct methodName", map[string]any{"methodName": map[string]any{}}, attrErr("dict")},
		{"array methodName", map[string]any{"methodName": []any{}}, attrErr("list")},
		{"bool methodName", map[string]any{"methodName": true}, attrErr("bool")},
		{"double methodName", map[string]any{"methodName": 1.5}, attrErr("float")},
		{"date methodName", map[string]any{"methodName": date}, attrErr("datetime.datetime")},
		{"string params", map[string]any{"methodName": "fake.echo", "params": "a"}, "a"},
		{"string params spread", map[string]any{"methodName": "fake.add", "params": "ab"}, "ab"},
		{"struct params", map[string]any{"methodName": "fake.echo", "params": map[string]any{"k": 1}}, "k"},
		{"int params", map[string]any{"methodName": "fake.echo", "params": 5}, faultStruct(IncorrectParameters, "INCORRECT_PARAMETERS")},
		{"bool params", map[string]any{"methodName": "fake.echo", "params": true}, faultStruct(IncorrectParameters, "INCORRECT_PARAMETERS")},
		{"date params", map[string]any{"methodName": "fake.echo", "params": date}, faultStruct(IncorrectParameters, "INCORRECT_PARAMETERS")},
		{"nil params", map[string]any{"methodName": "fake.echo", "params": nil}, faultStruct(IncorrectParameters, "INCORRECT_PARAMETERS")},
		{"bad params of unknown method", map[string]any{"methodName": "fake.nope", "params": 5}, faultStruct(UnknownMethod, "UNKNOWN_METHOD")},
		{"empty params", map[string]any{"methodName": "fake.echo", "params": []any{}}, faultStruct(IncorrectParameters, "INCORRECT_PARAMETERS")},
		{"extra keys ignored", map[string]any{"methodName": "fake.fail", "extra": 1}, faultStruct(BadName, "BAD_NAME: nope")},
		{"three parts", map[string]any{"methodName": "a.b.c"}, faultStruct(UnknownMethod, "UNKNOWN_METHOD")},
		{"private", map[string]any{"methodName": "system._listMethods"}, faultStruct(UnknownMethod, "UNKNOWN_METHOD")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Call(t.Context(), "system.multicall", []any{[]any{tc.call}})
			if err != nil {
				t.Fatal(err)
			}
			if want := []any{tc.want}; !reflect.DeepEqual(got, want) {
				t.Fatalf("got  %#v\nwant %#v", got, want)
			}
		})
	}
}

// TestMulticallBatch is the batch of the reference notes (section 1.3):
// faults never abort it, results are bare values in order.
func TestMulticallBatch(t *testing.T) {
	s := newTestServer(t)
	calls := []any{
		map[string]any{"methodName": "fake.add", "params": []any{6629}},
		map[string]any{"methodName": "nope"},
		map[string]any{"methodName": "system.multicall"},
		map[string]any{"params": []any{}},
		map[string]any{"methodName": "fake.echo"},
		map[string]any{"methodName": "fake.fail"},
		xmlrpc.Struct{{Name: "methodName", Value: "fake.echo"}, {Name: "params", Value: []any{[]any{1, "a"}}}},
	}
	got, err := s.Call(t.Context(), "system.multicall", []any{calls})
	if err != nil {
		t.Fatal(err)
	}
	want := []any{
		6630,
		faultStruct(UnknownMethod, "UNKNOWN_METHOD"),
		faultStruct(IncorrectParameters, "INCORRECT_PARAMETERS: Recursive system.multicall forbidden"),
		faultStruct(IncorrectParameters, "INCORRECT_PARAMETERS: No methodName"),
		faultStruct(IncorrectParameters, "INCORRECT_PARAMETERS"),
		faultStruct(BadName, "BAD_NAME: nope"),
		[]any{1, "a"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %#v\nwant %#v", got, want)
	}
}

// TestMulticallStopsWhenContextEnds: a batch whose client went away stops
// before its next call.
func TestMulticallStopsWhenContextEnds(t *testing.T) {
	entered := make(chan struct{}, 1)
	s := newTestServer(t, Mount{"fake", fakeNamespace{}}, Mount{"extra", extraNamespace{entered: entered}})
	ctx, cancel := context.WithCancel(t.Context())
	type answer struct {
		v   xmlrpc.Value
		err error
	}
	done := make(chan answer, 1)
	go func() {
		v, err := s.Call(ctx, "system.multicall", []any{[]any{
			map[string]any{"methodName": "extra.block"},
			map[string]any{"methodName": "fake.echo", "params": []any{"never"}},
		}})
		done <- answer{v, err}
	}()
	<-entered
	cancel()
	a := <-done
	if a.err == nil || !errors.Is(a.err, context.Canceled) {
		t.Fatalf("got %#v, %v; want a context.Canceled error", a.v, a.err)
	}
}

func TestListMethods(t *testing.T) {
	s := newTestServer(t)
	got, err := s.Call(t.Context(), "system.listMethods", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []any{
		"extra.big", "extra.block", "extra.count", "extra.dotted.name", "extra.panic", "extra.wrapped",
		"fake.add", "fake.boom", "fake.echo", "fake.fail", "fake.none",
		"system.listMethods", "system.methodHelp", "system.methodSignature", "system.multicall",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}

// TestSystemMatchesReference: the system namespace answers methodHelp and
// methodSignature for its own methods exactly as the captured reference.
func TestSystemMatchesReference(t *testing.T) {
	s := newTestServer(t, []Mount{}...)
	names := s.Methods()
	if want := []string{"system.listMethods", "system.methodHelp", "system.methodSignature", "system.multicall"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("Methods() = %q, want %q", names, want)
	}
	for _, name := range names {
		ref, ok := Reference(name)
		if !ok {
			t.Fatalf("%s missing from testdata/reference_methods.json", name)
		}
		help, err := s.Call(t.Context(), "system.methodHelp", []any{name})
		if err != nil || help != ref.Help {
			t.Errorf("methodHelp(%s) = %q, %v; want %q", name, help, err, ref.Help)
		}
		sig, err := s.Call(t.Context(), "system.methodSignature", []any{name})
		if err != nil {
			t.Fatalf("methodSignature(%s): %v", name, err)
		}
		want := make([]any, len(ref.Signature))
		for i, x := range ref.Signature {
			want[i] = x
		}
		if !reflect.DeepEqual(sig, want) {
			t.Errorf("methodSignature(%s) = %q, want %q", name, sig, want)
		}
	}
}

// TestReferenceTable checks the capture: 41 methods, each signature what
// ParseSignature reads from its help, with as many parameters as the
// Python method accepts at most.
func TestReferenceTable(t *testing.T) {
	table := referenceTable()
	if len(table) != 41 {
		t.Fatalf("testdata/reference_methods.json has %d methods, want 41", len(table))
	}
	for name, m := range table {
		sig, ok := ParseSignature(m.Help)
		if !ok || !reflect.DeepEqual(sig, m.Signature) {
			t.Errorf("%s: ParseSignature = %q, %v; captured %q", name, sig, ok, m.Signature)
		}
		if len(m.Signature)-1 != m.MaxParams || m.MinParams > m.MaxParams {
			t.Errorf("%s: signature %q but Python accepts %d..%d parameters", name, m.Signature, m.MinParams, m.MaxParams)
		}
	}
}

func TestNew(t *testing.T) {
	if _, err := New([]Mount{{"", fakeNamespace{}}}, Options{}); err == nil {
		t.Error("empty name accepted")
	}
	if _, err := New([]Mount{{"x", nil}}, Options{}); err == nil {
		t.Error("nil namespace accepted")
	}
	if _, err := New([]Mount{{"x", fakeNamespace{}}, {"x", fakeNamespace{}}}, Options{}); err == nil {
		t.Error("duplicate name accepted")
	}
	// A mounted "system" is shadowed by the built-in one.
	s, err := New([]Mount{{"system", fakeNamespace{}}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Call(t.Context(), "system.echo", []any{"x"}); err == nil {
		t.Error("a mounted system namespace was reachable")
	}
}

func TestFaults(t *testing.T) {
	cases := []struct {
		got  *xmlrpc.Fault
		want xmlrpc.Fault
	}{
		{UnknownMethod.Fault(), xmlrpc.Fault{Code: 1, String: "UNKNOWN_METHOD"}},
		{BadName.Faultf("%s", "foo"), xmlrpc.Fault{Code: 10, String: "BAD_NAME: foo"}},
		{NoFile.Faultf(""), xmlrpc.Fault{Code: 20, String: "NO_FILE: "}},
		{Code(99).Fault(), xmlrpc.Fault{Code: 99, String: "UNKNOWN"}},
		{CantReread.Fault(), xmlrpc.Fault{Code: 92, String: "CANT_REREAD"}},
	}
	for _, tc := range cases {
		if *tc.got != tc.want {
			t.Errorf("got %v, want %v", tc.got, tc.want)
		}
	}
	if err := CheckParams(nil, 0, -1); err != nil {
		t.Error(err)
	}
	if err := CheckParams([]any{1, 2}, 0, 1); err == nil {
		t.Error("CheckParams accepted too many")
	}
}

const (
	faultPrefix = "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>"
	faultMiddle = "</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>"
	faultSuffix = "</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n"
)

func faultDoc(code int, s string) string {
	return fmt.Sprintf("%s%d%s%s%s", faultPrefix, code, faultMiddle, s, faultSuffix)
}

func valueDoc(v string) string {
	return "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n" + v + "</param>\n</params>\n</methodResponse>\n"
}

func TestHandle(t *testing.T) {
	s := newTestServer(t)
	cases := []struct {
		name   string
		body   string
		status int
		want   string
	}{
		{"value", "<methodCall><methodName>fake.echo</methodName><params><param><value>hi</value></param></params></methodCall>",
			200, valueDoc("<value><string>hi</string></value>\n")},
		{"no params element", "<methodCall><methodName>fake.fail</methodName></methodCall>", 200, faultDoc(10, "BAD_NAME: nope")},
		{"i8 is a string", "<methodCall><methodName>fake.echo</methodName><params><param><value><i8>-10</i8></value></param></params></methodCall>",
			200, valueDoc("<value><string>-10</string></value>\n")},
		{"unknown", "<methodCall><methodName>a.b.c</methodName></methodCall>", 200, faultDoc(1, "UNKNOWN_METHOD")},
		{"arity", "<methodCall><methodName>system.listMethods</methodName><params><param><value><int>1</int></value></param></params></methodCall>",
			200, faultDoc(2, "INCORRECT_PARAMETERS")},
		{"malformed", "<methodCall><methodName>x", 400, ""},
		{"not xml", "hello", 400, ""},
		{"empty body", "", 400, ""},
		{"bad int", "<methodCall><methodName>fake.echo</methodName><params><param><value><int>x</int></value></param></params></methodCall>", 400, ""},
		{"no methodName", "<methodCall><params/></methodCall>", 400, ""},
		{"empty methodName", "<methodCall><methodName></methodName></methodCall>", 400, ""},
		{"plain error", "<methodCall><methodName>fake.boom</methodName></methodCall>", 500, ""},
		{"nil result", "<methodCall><methodName>fake.none</methodName></methodCall>", 500, ""},
		{"int beyond 32 bits", "<methodCall><methodName>extra.big</methodName></methodCall>", 500, ""},
		{"panic", "<methodCall><methodName>extra.panic</methodName></methodCall>", 500, ""},
		{"nil in multicall result", "<methodCall><methodName>system.multicall</methodName><params><param><value><array><data>" +
			"<value><struct><member><name>methodName</name><value>fake.none</value></member></struct></value>" +
			"</data></array></value></param></params></methodCall>", 500, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, status := s.Handle(t.Context(), strings.NewReader(tc.body))
			if status != tc.status || string(got) != tc.want {
				t.Fatalf("got %d %q\nwant %d %q", status, got, tc.status, tc.want)
			}
		})
	}
}

func TestHandleLimit(t *testing.T) {
	s, err := New(nil, Options{Limits: xmlrpc.DecodeOptions{MaxBytes: 100}})
	if err != nil {
		t.Fatal(err)
	}
	call := "<methodCall><methodName>system.listMethods</methodName></methodCall>"
	if _, status := s.Handle(t.Context(), strings.NewReader(call)); status != http.StatusOK {
		t.Fatalf("small call: status %d", status)
	}
	big := "<methodCall><methodName>system.listMethods</methodName>" + strings.Repeat(" ", 100) + "</methodCall>"
	if _, status := s.Handle(t.Context(), strings.NewReader(big)); status != http.StatusRequestEntityTooLarge {
		t.Fatalf("large call: status %d, want 413", status)
	}
}

// TestConcurrentCalls: a call blocked in one goroutine does not delay
// calls in others.
func TestConcurrentCalls(t *testing.T) {
	const blocked = 8
	entered := make(chan struct{}, blocked)
	s := newTestServer(t, Mount{"extra", extraNamespace{entered: entered}}, Mount{"fake", fakeNamespace{}})
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for range blocked {
		wg.Go(func() {
			body := "<methodCall><methodName>extra.block</methodName></methodCall>"
			if _, status := s.Handle(ctx, strings.NewReader(body)); status != http.StatusInternalServerError {
				t.Errorf("blocked call ended with %d, want 500 (context canceled)", status)
			}
		})
	}
	for range blocked {
		<-entered
	}
	for i := range 50 {
		v, err := s.Call(t.Context(), "fake.echo", []any{i})
		if err != nil || v != i {
			t.Fatalf("echo(%d) = %v, %v while other calls block", i, v, err)
		}
	}
	cancel()
	wg.Wait()
}

var _ plugin.Namespace = fakeNamespace{}
