package xmlrpc

import (
	"errors"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func TestDecodeCall(t *testing.T) {
	cases := []struct {
		name   string
		doc    string
		method string
		params []any
		err    error
	}{
		{"typical", call(param("<string>cat</string>") + param("<boolean>1</boolean>")), "supervisor.x", []any{"cat", true}, nil},
		{"no params", "<methodCall><methodName>supervisor.getPID</methodName></methodCall>", "supervisor.getPID", nil, nil},
		{"empty params", "<methodCall><methodName>a.b</methodName><params/></methodCall>", "a.b", []any{}, nil},
		{"untyped", call(param("  abc  ")), "supervisor.x", []any{"  abc  "}, nil},
		{"empty value", call(param("")), "supervisor.x", []any{""}, nil},
		{"i8 is text", call(param("<i8>-10</i8>")), "supervisor.x", []any{"-10"}, nil},
		{"nil is nil", call(param("<nil/>")), "supervisor.x", []any{nil}, nil},
		{"int spaces", call(param("<int> 42 </int>") + param("<i4>\n-7\n</i4>")), "supervisor.x", []any{42, -7}, nil},
		{"int64", call(param("<int>-9223372036854775808</int>")), "supervisor.x", []any{math.MinInt64}, nil},
		{"bool not 1", call(param("<boolean>true</boolean>") + param("<boolean>0</boolean>")), "supervisor.x", []any{false, false}, nil},
		{"string kept", call(param("<string>\t a \n</string>")), "supervisor.x", []any{"\t a \n"}, nil},
		{"crlf", call(param("<string>a\r\nb\rc</string>")), "supervisor.x", []any{"a\nb\nc"}, nil},
		{"double", call(param("<double> -1.5e3 </double>")), "supervisor.x", []any{-1500.0}, nil},
		{"date", call(param("<dateTime.iso8601>20240229T13:04:05</dateTime.iso8601>")), "supervisor.x",
			[]any{time.Date(2024, 2, 29, 13, 4, 5, 0, time.UTC)}, nil},
		{"base64 text", call(param("<base64>aGVs\nbG8=</base64>")), "supervisor.x", []any{"hello"}, nil},
		{"struct", call(param("<struct><member><name>a</name><value><int>1</int></value></member>" +
			"<member><name>a</name><value>2</value></member><member><name/><value/></member></struct>")), "supervisor.x",
			[]any{map[string]any{"a": "2", "": ""}}, nil},
		{"array", call(param("<array><data><value>x</value><value><array><data/></array></value></data></array>")),
			"supervisor.x", []any{[]any{"x", []any{}}}, nil},
		{"multicall", call(param("<array><data><value><struct><member><name>methodName</name><value>supervisor.getPID</value>" +
			"</member></struct></value></data></array>")), "supervisor.x",
			[]any{[]any{map[string]any{"methodName": "supervisor.getPID"}}}, nil},
		{"namespaced is unknown", "<methodCall xmlns='urn:x'><methodName>a.b</methodName></methodCall>", "", nil, ErrNoMethodName},
		{"no method", "<methodCall><params/></methodCall>", "", nil, ErrNoMethodName},
		{"empty method", "<methodCall><methodName/></methodCall>", "", nil, ErrNoMethodName},
		{"bad int", call(param("<int>x</int>")), "", nil, ErrMalformed},
		{"bad base64 utf8", call(param("<base64>/w==</base64>")), "", nil, ErrMalformed},
		{"member arity", call(param("<struct><member><name>a</name></member></struct>")), "", nil, ErrMalformed},
		{"not xml", "hello", "", nil, ErrMalformed},
		{"truncated", "<methodCall><methodName>a.b</methodName>", "", nil, ErrMalformed},
		{"doctype", "<!DOCTYPE x [<!ENTITY a 'b'>]><methodCall><methodName>&a;</methodName></methodCall>", "", nil, ErrUnsupported},
		{"big int", call(param("<int>99999999999999999999</int>")), "", nil, ErrUnsupported},
		{"big int discarded", call("<param><value><foo><int>99999999999999999999</int></foo></value></param>"),
			"supervisor.x", []any{nil}, nil},
		{"int key", call(param("<struct><member><value><int>1</int></value><value/></member></struct>")), "", nil, ErrUnsupported},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := DecodeCall(strings.NewReader(tc.doc), nil)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("got %+v, %v; want %v", c, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Method != tc.method || !reflect.DeepEqual(c.Params, tc.params) {
				t.Errorf("got %q %#v\nwant %q %#v", c.Method, c.Params, tc.method, tc.params)
			}
		})
	}
}

func TestDecodeResponse(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		want any
		err  error
	}{
		{"string", resp("<string>ok</string>"), "ok", nil},
		{"i8", resp("<i8>9223372036854775807</i8>"), math.MaxInt64, nil},
		{"ex:nil", resp("<ex:nil/>"), nil, nil},
		{"nil", resp("<nil/>"), nil, nil},
		{"bytes", resp("<base64>AP8=</base64>"), []byte{0, 255}, nil},
		{"untyped", resp(" x "), " x ", nil},
		{"array", resp("<array><data><value><int>1</int></value><value><boolean>1</boolean></value></data></array>"),
			[]any{1, true}, nil},
		{"struct", resp("<struct><member><name>statecode</name><value><int>1</int></value></member>" +
			"<member><name>statename</name><value><string>RUNNING</string></value></member></struct>"),
			map[string]any{"statecode": 1, "statename": "RUNNING"}, nil},
		{"two params", "<methodResponse><params>" + param("1") + param("2") + "</params></methodResponse>", []any{"1", "2"}, nil},
		{"no params", "<methodResponse><params/></methodResponse>", []any{}, nil},
		{"bad boolean", resp("<boolean>true</boolean>"), nil, ErrMalformed},
		{"unknown in value", resp("<foo/>"), nil, ErrMalformed},
		{"nothing", "<methodResponse/>", nil, ErrMalformed},
		{"bad date", resp("<dateTime.iso8601>x</dateTime.iso8601>"), nil, ErrMalformed},
		{"non-ascii base64", resp("<base64>AP8=é</base64>"), nil, ErrMalformed},
		{"bigdecimal", resp("<bigdecimal>1.5</bigdecimal>"), nil, ErrUnsupported},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := DecodeResponse(strings.NewReader(tc.doc), nil)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("got %#v, %v; want %v", v, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(v, tc.want) {
				t.Errorf("got %#v, want %#v", v, tc.want)
			}
		})
	}
}

func TestDecodeResponseFault(t *testing.T) {
	body, err := MarshalResponse(&Fault{Code: 10, String: "BAD_NAME: nope"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := DecodeResponse(strings.NewReader(string(body)), nil)
	var f *Fault
	if !errors.As(err, &f) || v != nil {
		t.Fatalf("got %#v, %v; want a *Fault", v, err)
	}
	if *f != (Fault{Code: 10, String: "BAD_NAME: nope"}) {
		t.Errorf("got %+v", f)
	}
	if got, want := f.Error(), `<Fault 10: "BAD_NAME: nope">`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestDecodeLimits(t *testing.T) {
	deep := func(n int) string {
		return "<methodCall><methodName>a.b</methodName><params><param><value>" +
			strings.Repeat("<array><data><value>", n) + "x" + strings.Repeat("</value></data></array>", n) +
			"</value></param></params></methodCall>"
	}
	wide := func(n int) string {
		return call(param("<array><data>" + strings.Repeat("<value>x</value>", n) + "</data></array>"))
	}
	small := call(param("<string>x</string>"))
	cases := []struct {
		name string
		doc  string
		opts *DecodeOptions
		err  error
	}{
		{"default depth ok", deep(84), nil, nil},
		{"default depth exceeded", deep(85), nil, ErrLimit},
		{"depth exact", deep(2), &DecodeOptions{MaxDepth: 10}, nil},
		{"depth one over", deep(2), &DecodeOptions{MaxDepth: 9}, ErrLimit},
		{"depth unlimited", deep(1000), &DecodeOptions{MaxDepth: -1}, nil},
		{"elements ok", wide(10), &DecodeOptions{MaxElements: 17}, nil},
		{"elements exceeded", wide(10), &DecodeOptions{MaxElements: 16}, ErrLimit},
		{"bytes exact", small, &DecodeOptions{MaxBytes: int64(len(small))}, nil},
		{"bytes one over", small, &DecodeOptions{MaxBytes: int64(len(small)) - 1}, ErrLimit},
		{"bytes unlimited", wide(100000), &DecodeOptions{MaxBytes: -1}, nil},
		{"over the default bytes", call(param("<string>" + strings.Repeat("x", DefaultMaxBytes) + "</string>")), nil, ErrLimit},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeCall(strings.NewReader(tc.doc), tc.opts)
			if !errors.Is(err, tc.err) && !(tc.err == nil && err == nil) {
				t.Errorf("DecodeCall: got %v, want %v", err, tc.err)
			}
			if tc.err == nil || !strings.HasPrefix(tc.name, "default") {
				return
			}
			doc := strings.Replace(strings.Replace(tc.doc, "methodCall>", "methodResponse>", 2), "<methodName>a.b</methodName>", "", 1)
			doc = strings.Replace(doc, "<methodName>supervisor.x</methodName>", "", 1)
			if _, err := DecodeResponse(strings.NewReader(doc), tc.opts); !errors.Is(err, tc.err) {
				t.Errorf("DecodeResponse: got %v, want %v", err, tc.err)
			}
		})
	}
}

// TestDecodeReadsBounded checks that the decoder stops reading once the
// byte limit is passed, even from an endless reader.
func TestDecodeReadsBounded(t *testing.T) {
	r := &countingReader{r: endless{}}
	_, err := DecodeCall(r, &DecodeOptions{MaxBytes: 1000})
	if !errors.Is(err, ErrLimit) {
		t.Fatalf("got %v, want ErrLimit", err)
	}
	if r.n > 1001 {
		t.Errorf("read %d bytes with a 1000-byte limit", r.n)
	}
}

type endless struct{}

func (endless) Read(p []byte) (int, error) {
	const chunk = "<methodCall><x>"
	for i := range p {
		p[i] = chunk[i%len(chunk)]
	}
	return len(p), nil
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestDecodeReaderError(t *testing.T) {
	boom := errors.New("boom")
	_, err := DecodeCall(iotest.ErrReader(boom), nil)
	if !errors.Is(err, boom) || errors.Is(err, ErrMalformed) {
		t.Errorf("got %v, want the reader's error", err)
	}
	doc := call(param("<string>x</string>"))
	_, err = DecodeResponse(io.MultiReader(strings.NewReader(doc[:20]), iotest.ErrReader(boom)), nil)
	if !errors.Is(err, boom) {
		t.Errorf("got %v, want the reader's error", err)
	}
	// One byte at a time must work too.
	if _, err := DecodeCall(iotest.OneByteReader(strings.NewReader(doc)), nil); err != nil {
		t.Errorf("one-byte reader: %v", err)
	}
}
