package xmlrpc

import (
	"encoding/xml"
	"errors"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// fuzzOpts are small limits so that the fuzzer reaches them.
var fuzzOpts = &DecodeOptions{MaxBytes: 4096, MaxDepth: 12, MaxElements: 200}

// seedDocs are real requests and responses (as sent by supervisorctl and
// Python's xmlrpc.client) plus the odd documents of the differential test.
func seedDocs() []string {
	info := Struct{{"name", "cat"}, {"group", "cat"}, {"start", 1700000000}, {"stop", 0}, {"now", 1700000100},
		{"state", 20}, {"statename", "RUNNING"}, {"spawnerr", ""}, {"exitstatus", 0}, {"logfile", "/tmp/cat.log"},
		{"stdout_logfile", "/tmp/cat.log"}, {"stderr_logfile", ""}, {"pid", 4242}, {"description", "pid 4242, uptime 0:01:40"}}
	var docs []string
	add := func(b []byte, err error) {
		if err != nil {
			panic(err)
		}
		docs = append(docs, string(b))
	}
	add(MarshalCall("supervisor.getAllProcessInfo"))
	add(MarshalCall("supervisor.startProcess", "cat", true))
	add(MarshalCall("supervisor.readProcessStdoutLog", "cat", -1600, 0))
	add(MarshalCall("supervisor.sendProcessStdin", "cat", "line\n"))
	add(MarshalCall("system.multicall", []any{Struct{{"methodName", "supervisor.getPID"}, {"params", []any{}}}}))
	add(MarshalCall("x.y", 1.5, time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), []byte("bytes")))
	add(MarshalResponse([]any{info, info}))
	add(MarshalResponse(&Fault{Code: 10, String: "BAD_NAME: nope"}))
	add(MarshalResponse([]any{"tail", 6, true}))
	add(MarshalResponse(Struct{{"statecode", 1}, {"statename", "RUNNING"}}))
	docs = append(docs,
		`<?xml version="1.0" encoding="UTF-8"?><methodCall><methodName>supervisor.tailProcessStdoutLog</methodName>`+
			`<params><param><value><string>scanner:trips-03</string></value></param><param><value><int>0</int></value>`+
			`</param><param><value><int>10000</int></value></param></params></methodCall>`,
		`<methodCall><methodName>supervisor.readLog</methodName><params><param><value><i8>-10</i8></value></param>`+
			`<param><value><ex:nil xmlns:ex="http://ws.apache.org/xmlrpc/namespaces/extensions"/></value></param></params></methodCall>`)
	for _, d := range diffDocs {
		docs = append(docs, d.doc)
	}
	return docs
}

// countElements returns the element count and maximum depth of a
// well-formed document.
func countElements(t *testing.T, doc string) (elems, depth int) {
	d := xml.NewDecoder(strings.NewReader(doc))
	d.Strict = false
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	cur := 0
	for {
		tok, err := d.RawToken()
		if err != nil {
			return elems, depth
		}
		switch tok.(type) {
		case xml.StartElement:
			elems++
			cur++
			depth = max(depth, cur)
		case xml.EndElement:
			cur--
		}
	}
}

func checkDecodeError(t *testing.T, err error) {
	t.Helper()
	n := 0
	for _, s := range []error{ErrMalformed, ErrNoMethodName, ErrLimit, ErrUnsupported} {
		if errors.Is(err, s) {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("error %q wraps %d sentinels, want exactly one", err, n)
	}
}

// normalize maps a decoded value to what re-encoding and decoding it again
// gives: a CR (only possible from &#13;) is written raw and read back as LF.
func normalize(v any) any {
	switch x := v.(type) {
	case string:
		return strings.ReplaceAll(x, "\r", "\n")
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[strings.ReplaceAll(k, "\r", "\n")] = normalize(e)
		}
		return out
	case float64:
		if math.IsNaN(x) {
			return "NaN" // NaN != NaN; compare it as a marker
		}
	}
	return v
}

func FuzzDecodeCall(f *testing.F) {
	for _, d := range seedDocs() {
		f.Add(d)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		c, err := DecodeCall(strings.NewReader(doc), fuzzOpts)
		sameAsBytes(t, doc, fuzzOpts, c, err)
		if err != nil {
			checkDecodeError(t, err)
			return
		}
		if c.Method == "" {
			t.Fatal("empty method accepted")
		}
		if len(doc) > int(fuzzOpts.MaxBytes) {
			t.Fatalf("document of %d bytes accepted", len(doc))
		}
		if elems, depth := countElements(t, doc); elems > fuzzOpts.MaxElements || depth > fuzzOpts.MaxDepth {
			t.Fatalf("limits not enforced: %d elements, depth %d", elems, depth)
		}
		// What we decoded and can encode must survive a round trip.
		body, err := MarshalCall(c.Method, c.Params...)
		if err != nil {
			return // nil, ints beyond int32, ...
		}
		c2, err := DecodeCall(strings.NewReader(string(body)), &DecodeOptions{MaxDepth: -1, MaxElements: -1})
		if err != nil {
			t.Fatalf("re-decoding our own encoding failed: %v\n%s", err, body)
		}
		if normalize(c2.Method) != normalize(c.Method) || !reflect.DeepEqual(normalize(c2.Params), normalize(c.Params)) {
			t.Fatalf("round trip changed the call:\n  %q %#v\n  %q %#v", c.Method, c.Params, c2.Method, c2.Params)
		}
	})
}

func FuzzDecodeResponse(f *testing.F) {
	for _, d := range seedDocs() {
		f.Add(d)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		v, err := DecodeResponse(strings.NewReader(doc), fuzzOpts)
		var fault *Fault
		if errors.As(err, &fault) {
			if v != nil {
				t.Fatalf("fault with a value %#v", v)
			}
			if _, err := MarshalResponse(fault); err != nil && fault.Code >= MinInt && fault.Code <= MaxInt {
				t.Fatalf("cannot re-encode fault %+v: %v", fault, err)
			}
			return
		}
		if err != nil {
			checkDecodeError(t, err)
			return
		}
		if elems, depth := countElements(t, doc); elems > fuzzOpts.MaxElements || depth > fuzzOpts.MaxDepth {
			t.Fatalf("limits not enforced: %d elements, depth %d", elems, depth)
		}
		body, err := MarshalResponse(v)
		if err != nil {
			return
		}
		v2, err := DecodeResponse(strings.NewReader(string(body)), &DecodeOptions{MaxDepth: -1, MaxElements: -1})
		if err != nil {
			t.Fatalf("re-decoding our own encoding failed: %v\n%s", err, body)
		}
		if !reflect.DeepEqual(normalize(v2), normalize(v)) {
			t.Fatalf("round trip changed the value:\n  %#v\n  %#v", v, v2)
		}
	})
}

// FuzzEncodeString checks that any Go string encodes to XML that decodes
// to the same text, modulo the documented replacements.
func FuzzEncodeString(f *testing.F) {
	for _, s := range []string{"", "plain", "a&b<c>d", "\x1b[31mred\x1b[0m", "\xff\xfe", "\r\n\t", "\uFFFE", "]]>", "😀"} {
		f.Add(s, int64(0), 0.0)
	}
	f.Fuzz(func(t *testing.T, s string, n int64, x float64) {
		body, err := MarshalCall("m."+s, s, Struct{{s, n}}, x)
		overflow := n > MaxInt || n < MinInt
		if overflow != (err != nil) {
			t.Fatalf("MarshalCall(%q, %d): err = %v", s, n, err)
		}
		if err != nil {
			return
		}
		c, err := DecodeCall(strings.NewReader(string(body)), nil)
		if err != nil {
			t.Fatalf("decoding our own encoding of %q: %v\n%s", s, err, body)
		}
		want := sanitized(s)
		m, _ := c.Params[1].(map[string]any)
		got, _ := c.Params[2].(float64)
		if c.Method != "m."+want || c.Params[0] != want || m[want] != int(n) ||
			!(got == x && math.Signbit(got) == math.Signbit(x) || math.IsNaN(x) && math.IsNaN(got)) {
			t.Fatalf("round trip of %q, %d, %v gave %q %#v", s, n, x, c.Method, c.Params)
		}
	})
}

// sanitized is what a string looks like after encoding and XML parsing:
// each invalid byte and each character XML forbids becomes U+FFFD, and the
// parser turns CRLF and CR into LF.
func sanitized(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '\r':
			b.WriteByte('\n')
			if i < len(s) && s[i] == '\n' {
				i++
			}
		case r < 0x20 && r != '\t' && r != '\n', r == 0xFFFE, r == 0xFFFF:
			b.WriteRune('\uFFFD')
		default:
			b.WriteRune(r) // RuneError for an invalid byte writes U+FFFD
		}
	}
	return b.String()
}
