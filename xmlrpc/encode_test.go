package xmlrpc

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// wrapResponse is the envelope xmlrpc.client.dumps puts around one value.
func wrapResponse(value string) string {
	return "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n" + value + "</param>\n</params>\n</methodResponse>\n"
}

func TestMarshalResponse(t *testing.T) {
	cases := []struct {
		name string
		in   Value
		want string // the <value> line(s)
	}{
		{"int", 42, "<value><int>42</int></value>\n"},
		{"negative", -1, "<value><int>-1</int></value>\n"},
		{"int32 max", math.MaxInt32, "<value><int>2147483647</int></value>\n"},
		{"true", true, "<value><boolean>1</boolean></value>\n"},
		{"false", false, "<value><boolean>0</boolean></value>\n"},
		{"string", "a&b<c>d\"e'f", "<value><string>a&amp;b&lt;c&gt;d\"e'f</string></value>\n"},
		{"empty string", "", "<value><string></string></value>\n"},
		{"control chars", "a\x1b[31mb\x00c\td\re\n", "<value><string>a\uFFFD[31mb\uFFFDc\td\re\n</string></value>\n"},
		{"invalid utf8", "a\xffb\xc3", "<value><string>a\uFFFDb\uFFFD</string></value>\n"},
		{"nonchars", "a\uFFFEb\uFFFFc\uFFFD", "<value><string>a\uFFFDb\uFFFDc\uFFFD</string></value>\n"},
		{"double", 0.1, "<value><double>0.1</double></value>\n"},
		{"double exp", 1e20, "<value><double>1e+20</double></value>\n"},
		{"double -0", math.Copysign(0, -1), "<value><double>-0.0</double></value>\n"},
		{"double int", 3.0, "<value><double>3.0</double></value>\n"},
		{"date", time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC), "<value><dateTime.iso8601>20240102T03:04:05</dateTime.iso8601></value>\n"},
		{"date early", time.Date(12, 1, 2, 3, 4, 5, 0, time.UTC), "<value><dateTime.iso8601>00120102T03:04:05</dateTime.iso8601></value>\n"},
		{"bytes", []byte("hi"), "<value><base64>\naGk=\n</base64></value>\n"},
		{"no bytes", []byte(nil), "<value><base64>\n</base64></value>\n"},
		{"array", []any{1, "a"}, "<value><array><data>\n<value><int>1</int></value>\n<value><string>a</string></value>\n</data></array></value>\n"},
		{"empty array", []any{}, "<value><array><data>\n</data></array></value>\n"},
		{"struct", Struct{{"b", 1}, {"a", 2}}, "<value><struct>\n<member>\n<name>b</name>\n<value><int>1</int></value>\n</member>\n" +
			"<member>\n<name>a</name>\n<value><int>2</int></value>\n</member>\n</struct></value>\n"},
		{"map", map[string]any{"b": 1, "a": 2}, "<value><struct>\n<member>\n<name>a</name>\n<value><int>2</int></value>\n</member>\n" +
			"<member>\n<name>b</name>\n<value><int>1</int></value>\n</member>\n</struct></value>\n"},
		{"escaped name", Struct{{"<&>", true}}, "<value><struct>\n<member>\n<name>&lt;&amp;&gt;</name>\n" +
			"<value><boolean>1</boolean></value>\n</member>\n</struct></value>\n"},
		{"named types", []any{uint16(7), int8(-3), float32(0.5), []int{1}}, "<value><array><data>\n<value><int>7</int></value>\n" +
			"<value><int>-3</int></value>\n<value><double>0.5</double></value>\n<value><array><data>\n<value><int>1</int></value>\n" +
			"</data></array></value>\n</data></array></value>\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := MarshalResponse(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if want := wrapResponse(tc.want); string(got) != want {
				t.Errorf("got  %q\nwant %q", got, want)
			}
		})
	}
}

func TestMarshalFault(t *testing.T) {
	got, err := MarshalResponse(&Fault{Code: 10, String: "BAD_NAME: nope"})
	if err != nil {
		t.Fatal(err)
	}
	// Section 2.7 of the reference notes.
	want := "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n" +
		"<value><int>10</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>BAD_NAME: nope</string>" +
		"</value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n"
	if string(got) != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestMarshalCall(t *testing.T) {
	got, err := MarshalCall("supervisor.startProcess", "a<b", true)
	if err != nil {
		t.Fatal(err)
	}
	want := "<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.startProcess</methodName>\n<params>\n" +
		"<param>\n<value><string>a&lt;b</string></value>\n</param>\n<param>\n<value><boolean>1</boolean></value>\n</param>\n" +
		"</params>\n</methodCall>\n"
	if string(got) != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	got, err = MarshalCall("a&b")
	if err != nil || !strings.Contains(string(got), "<methodName>a&amp;b</methodName>") {
		t.Errorf("method name not escaped: %q, %v", got, err)
	}
	if _, err := MarshalCall(""); !errors.Is(err, ErrUnmarshalable) {
		t.Errorf("empty method: got %v", err)
	}
}

func TestMarshalErrors(t *testing.T) {
	cyclic := []any{nil}
	cyclic[0] = cyclic
	type node struct{ Next *node }
	loop := &node{}
	loop.Next = loop
	cases := []struct {
		name string
		in   Value
	}{
		{"nil", nil},
		{"int32 overflow", math.MaxInt32 + 1},
		{"int32 underflow", math.MinInt32 - 1},
		{"uint64", uint64(math.MaxUint64)},
		{"nil in array", []any{nil}},
		{"nil in struct", Struct{{"a", nil}}},
		{"nil pointer", (*int)(nil)},
		{"nil fault", (*Fault)(nil)},
		{"fault code", &Fault{Code: math.MaxInt32 + 1}},
		{"year 0", time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"year 10000", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"int map key", map[int]string{1: "a"}},
		{"channel", make(chan int)},
		{"cyclic slice", cyclic},
		{"cyclic pointer", loop},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if b, err := MarshalResponse(tc.in); !errors.Is(err, ErrUnmarshalable) {
				t.Errorf("got %q, %v; want ErrUnmarshalable", b, err)
			}
		})
	}
}

// TestRoundTrip checks that what we encode decodes to the same value with
// both decoders (modulo the documented conversions).
func TestRoundTrip(t *testing.T) {
	in := []any{
		1, -2, true, false, "", "  spaced\ttext\n", "<&>", "héllo ☃", 0.1, math.Inf(-1), 1e300,
		time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC), []byte{0, 1, 2, 255}, []any{}, map[string]any{},
		[]any{[]any{1}, map[string]any{"k": []any{"v", 2.5}}},
	}
	body, err := MarshalCall("a.b", in...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeCall(strings.NewReader(string(body)), nil); !errors.Is(err, ErrMalformed) {
		// The reference turns <base64> params into text, which must be UTF-8.
		t.Errorf("call with non-UTF-8 base64: got %v, want ErrMalformed", err)
	}
	in[12] = []byte("text")
	if body, err = MarshalCall("a.b", in...); err != nil {
		t.Fatal(err)
	}
	c, err := DecodeCall(strings.NewReader(string(body)), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := append([]any(nil), in...)
	want[12] = "text"
	if c.Method != "a.b" || !reflect.DeepEqual(c.Params, want) {
		t.Errorf("call round trip:\n got %#v\nwant %#v", c.Params, want)
	}

	for i, v := range in {
		body, err := MarshalResponse(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeResponse(strings.NewReader(string(body)), nil)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		if !reflect.DeepEqual(got, v) {
			t.Errorf("response round trip of %#v: got %#v", v, got)
		}
	}
}
