package xmlrpc

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// call wraps params in a methodCall for supervisor.x.
func call(params string) string {
	return "<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.x</methodName>\n<params>\n" + params +
		"</params>\n</methodCall>\n"
}

// param wraps a <value> body in a param.
func param(value string) string { return "<param>\n<value>" + value + "</value>\n</param>\n" }

// resp wraps a <value> body in a methodResponse.
func resp(value string) string {
	return "<?xml version='1.0'?>\n<methodResponse>\n<params>\n" + param(value) + "</params>\n</methodResponse>\n"
}

// odd documents, fed to both decoders and to both Python decoders. dev names
// the decoder ("call", "response" or "both") for which we deliberately
// differ from Python (see doc.go); the test then only checks that we fail
// with devErr.
var diffDocs = []struct {
	name   string
	doc    string
	dev    string
	devErr error
}{
	{"typical call", call(param("<string>cat</string>") + param("<boolean>1</boolean>")), "", nil},
	{"no params", "<methodCall><methodName>supervisor.getPID</methodName></methodCall>", "", nil},
	{"empty params", "<methodCall><methodName>a.b</methodName><params/></methodCall>", "", nil},
	{"untyped value", call(param("  abc  ")), "", nil},
	{"empty value", call(param("")), "", nil},
	{"self-closed value", call("<param><value/></param>"), "", nil},
	{"untyped with entities", call(param("a &amp; b &lt;c&gt; &#x41;&#66;")), "", nil},
	{"i8", call(param("<i8>-10</i8>")), "", nil},
	{"i8 spaced", call(param("<i8> 10 </i8>")), "", nil},
	{"i1 i2 biginteger", call(param("<i1>1</i1>") + param("<i2>2</i2>") + param("<biginteger>3</biginteger>")), "", nil},
	{"nil", call(param("<nil/>")), "", nil},
	{"nil in array", call(param("<array><data><value><nil/></value><value><int>1</int></value></data></array>")), "", nil},
	{"ex:nil declared", call(param(`<ex:nil xmlns:ex="http://ws.apache.org/xmlrpc/namespaces/extensions"/>`)), "", nil},
	{"ex:i8 declared", call(param(`<ex:i8 xmlns:ex="http://ws.apache.org/xmlrpc/namespaces/extensions">5</ex:i8>`)), "", nil},
	{"ex:nil undeclared", call(param("<ex:nil/>")), "", nil},
	{"int spaces", call(param("<int> 42 </int>")), "", nil},
	{"int newlines", call(param("<int>\n42\n</int>")), "", nil},
	{"i4 plus", call(param("<i4>+7</i4>")), "", nil},
	{"int underscore", call(param("<int>1_000</int>")), "", nil},
	{"int inner space", call(param("<int>4 2</int>")), "", nil},
	{"int empty", call(param("<int></int>")), "", nil},
	{"int hex", call(param("<int>0x10</int>")), "", nil},
	{"int arabic digits", call(param("<int>\u0664\u0662</int>")), "", nil},
	{"int nbsp", call(param("<int>\u00a07</int>")), "", nil},
	{"int beyond int32", call(param("<int>4294967296</int>")), "", nil},
	{"int beyond int64", call(param("<int>99999999999999999999</int>")), "", nil},
	{"int with child", call(param("<int>4<b/>2</int>")), "", nil},
	{"bool 1 0", call(param("<boolean>1</boolean>") + param("<boolean>0</boolean>")), "", nil},
	{"bool true", call(param("<boolean>true</boolean>")), "", nil},
	{"bool spaced", call(param("<boolean> 1</boolean>")), "", nil},
	{"bool 2", call(param("<boolean>2</boolean>")), "", nil},
	{"bool empty", call(param("<boolean/>")), "", nil},
	{"string spaces", call(param("<string>  a b  </string>")), "", nil},
	{"string empty", call(param("<string></string>") + param("<string/>")), "", nil},
	{"string entities", call(param("<string>&amp;&lt;&gt;&quot;&apos;&#x41;&#65;&#x1F600;</string>")), "", nil},
	{"string cdata", call(param("<string><![CDATA[<a> & b]]></string>")), "", nil},
	{"string empty cdata", call(param("<string><![CDATA[]]></string>")), "", nil},
	{"string unicode", call(param("<string>héllo ☃ 😀</string>")), "", nil},
	{"string crlf", call(param("<string>a\r\nb\rc</string>")), "", nil},
	{"string cdata crlf", call(param("<string><![CDATA[a\r\nb\rc]]></string>")), "", nil},
	{"string comment", call(param("<string>a<!-- x -->b</string>")), "", nil},
	{"string pi", call(param("<string>a<?foo bar?>b</string>")), "", nil},
	{"string child", call(param("<string>a<b>x</b>c</string>")), "", nil},
	{"string tab", call(param("<string>\ta\t</string>")), "", nil},
	{"double", call(param("<double>0.1</double>") + param("<double> 1.5 </double>") + param("<double>-0.0</double>")), "", nil},
	{"double special", call(param("<double>inf</double>") + param("<double>nan</double>") + param("<double>1e400</double>")), "", nil},
	{"double underscore", call(param("<double>1_0.5</double>")), "", nil},
	{"double int", call(param("<double>7</double>")), "", nil},
	{"double bad", call(param("<double>abc</double>")), "", nil},
	{"double empty", call(param("<double></double>")), "", nil},
	{"datetime", call(param("<dateTime.iso8601>20240229T13:04:05</dateTime.iso8601>")), "", nil},
	{"datetime lower t", call(param("<dateTime.iso8601>20240101t01:02:03</dateTime.iso8601>")), "", nil},
	{"datetime short", call(param("<dateTime.iso8601>2024011T1:2:3</dateTime.iso8601>")), "", nil},
	{"datetime bad", call(param("<dateTime.iso8601>2024-01-01T01:02:03</dateTime.iso8601>")), "", nil},
	{"datetime feb 30", call(param("<dateTime.iso8601>20240230T01:02:03</dateTime.iso8601>")), "", nil},
	{"datetime spaced", call(param("<dateTime.iso8601> 20240101T01:02:03</dateTime.iso8601>")), "", nil},
	{"base64 text", call(param("<base64>aGVsbG8=</base64>")), "", nil},
	{"base64 lines", call(param("<base64>\naGVs\nbG8=\n</base64>")), "", nil},
	{"base64 empty", call(param("<base64></base64>")), "", nil},
	{"base64 binary", call(param("<base64>AP8=</base64>")), "", nil},
	{"base64 junk", call(param("<base64>aG!!VsbG8=</base64>")), "", nil},
	{"base64 bad padding", call(param("<base64>aGVsbG8</base64>")), "", nil},
	{"base64 non-ascii", call(param("<base64>aGVsbG8=é</base64>")), "", nil},
	{"base64 after pad", call(param("<base64>aGk=aGk=</base64>")), "", nil},
	{"array", call(param("<array><data><value><int>1</int></value><value>x</value></data></array>")), "", nil},
	{"empty array", call(param("<array><data></data></array>") + param("<array><data/></array>")), "", nil},
	{"array no data", call(param("<array></array>")), "", nil},
	{"array other child", call(param("<array><foo>bar</foo></array>")), "", nil},
	{"array two data", call(param("<array><data><value>a</value></data><data><value>b</value></data></array>")), "", nil},
	{"data outside array", call(param("<data><value>a</value></data>")), "", nil},
	{"struct", call(param("<struct><member><name>a</name><value><int>1</int></value></member>" +
		"<member><name>b</name><value><string>x</string></value></member></struct>")), "", nil},
	{"empty struct", call(param("<struct></struct>")), "", nil},
	{"nested", call(param("<struct><member><name>a</name><value><array><data><value><struct><member><name>b</name>" +
		"<value><array><data/></array></value></member></struct></value></data></array></value></member></struct>")), "", nil},
	{"struct duplicate", call(param("<struct><member><name>a</name><value>1</value></member>" +
		"<member><name>a</name><value>2</value></member></struct>")), "", nil},
	{"struct empty name", call(param("<struct><member><name></name><value>1</value></member></struct>")), "", nil},
	{"struct name spaces", call(param("<struct><member><name> a </name><value>1</value></member></struct>")), "", nil},
	{"struct no value", call(param("<struct><member><name>a</name></member></struct>")), "", nil},
	{"struct no name", call(param("<struct><member><value>1</value></member></struct>")), "", nil},
	{"struct three", call(param("<struct><member><name>a</name><value>1</value><value>2</value></member></struct>")), "", nil},
	{"struct swapped", call(param("<struct><member><value>1</value><name>a</name></member></struct>")), "", nil},
	{"struct int key", call(param("<struct><member><value><int>1</int></value><value>x</value></member></struct>")), "", nil},
	{"struct zero key", call(param("<struct><member><value><int>0</int></value><value>x</value></member></struct>")), "", nil},
	{"struct list key", call(param("<struct><member><value><array><data><value>1</value></data></array></value>" +
		"<value>x</value></member></struct>")), "", nil},
	{"struct value child", call(param("<struct><value>1</value></struct>")), "", nil},
	{"struct in unknown", call(param("<foo><struct><member><value><int>1</int></value><value>x</value></member></struct></foo>")), "", nil},
	{"unknown in value", call(param("<foo>bar</foo>")), "", nil},
	{"unknown after value", call("<param><value><string>x</string></value><junk/></param>\n"), "", nil},
	{"unknown wrapper", call("<junk>" + param("<int>1</int>") + "</junk>"), "", nil},
	{"two values in param", call("<param><value>a</value><value>b</value></param>"), "", nil},
	{"empty param", call("<param></param>"), "", nil},
	{"text in params", call("text" + param("<int>1</int>")), "", nil},
	{"methodName missing", "<methodCall><params/></methodCall>", "", nil},
	{"methodName empty", "<methodCall><methodName></methodName></methodCall>", "", nil},
	{"methodName spaces", "<methodCall><methodName> a.b </methodName></methodCall>", "", nil},
	{"methodName twice", "<methodCall><methodName>a.b</methodName><methodName>c.d</methodName></methodCall>", "", nil},
	{"methodName entity", "<methodCall><methodName>a&amp;b</methodName></methodCall>", "", nil},
	{"methodName child", "<methodCall><methodName>a.b<x/>c</methodName></methodCall>", "", nil},
	{"params twice", "<methodCall><methodName>a</methodName><params>" + param("1") + "</params><params>" + param("2") +
		"</params></methodCall>", "", nil},
	{"other root", "<foo><methodName>a.b</methodName><params>" + param("1") + "</params></foo>", "", nil},
	{"default namespace", "<methodCall xmlns='urn:x'><methodName>a.b</methodName></methodCall>", "", nil},
	{"namespace reset", "<methodCall xmlns='urn:x'><methodName xmlns=''>a.b</methodName></methodCall>", "", nil},
	{"prefixed methodName", "<methodCall xmlns:p='urn:x'><p:methodName>a.b</p:methodName></methodCall>", "", nil},
	{"undeclared prefix", "<methodCall><p:methodName>a.b</p:methodName></methodCall>", "", nil},
	{"unbound attribute prefix", "<methodCall p:x='1'><methodName>a.b</methodName></methodCall>", "", nil},
	{"undeclare prefix", "<methodCall xmlns:p=''><methodName>a.b</methodName></methodCall>", "", nil},
	{"attributes", "<methodCall a='1' b=\"2\"><methodName x='y'>a.b</methodName></methodCall>", "", nil},
	{"duplicate attribute", "<methodCall a='1' a='2'><methodName>a.b</methodName></methodCall>", "", nil},
	{"ns duplicate attribute", "<methodCall xmlns:p='u' xmlns:q='u' p:x='1' q:x='2'><methodName>a</methodName></methodCall>", "", nil},
	{"bom", "\ufeff<?xml version='1.0'?><methodCall><methodName>a.b</methodName></methodCall>", "", nil},
	{"no declaration", "<methodCall><methodName>a.b</methodName></methodCall>", "", nil},
	{"declaration utf-8", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><methodCall><methodName>a.b</methodName></methodCall>", "", nil},
	{"declaration latin1", "<?xml version='1.0' encoding='iso-8859-1'?><methodCall><methodName>é.b</methodName></methodCall>", "", nil},
	{"declaration utf-16", "<?xml version='1.0' encoding='utf-16'?><methodCall><methodName>a.b</methodName></methodCall>", "", nil},
	{"declaration standalone", "<?xml version='1.0' standalone='yes'?><methodCall><methodName>a.b</methodName></methodCall>", "", nil},
	{"declaration bad standalone", "<?xml version='1.0' standalone='maybe'?><methodCall><methodName>a</methodName></methodCall>", "", nil},
	{"declaration no version", "<?xml encoding='utf-8'?><methodCall><methodName>a</methodName></methodCall>", "", nil},
	{"declaration 1.1", "<?xml version='1.1'?><methodCall><methodName>a.b</methodName></methodCall>", "both", ErrMalformed},
	{"declaration late", "  <?xml version='1.0'?><methodCall><methodName>a.b</methodName></methodCall>", "", nil},
	{"declaration upper", "<?XML version='1.0'?><methodCall><methodName>a.b</methodName></methodCall>", "", nil},
	{"leading space", "\n  <methodCall><methodName>a.b</methodName></methodCall>", "", nil},
	{"trailing space and comment", "<methodCall><methodName>a.b</methodName></methodCall>\n<!-- c -->\n<?pi x?>\n", "", nil},
	{"junk after root", "<methodCall><methodName>a.b</methodName></methodCall>junk", "", nil},
	{"two roots", "<methodCall><methodName>a.b</methodName></methodCall><methodCall/>", "", nil},
	{"text before root", "x<methodCall><methodName>a.b</methodName></methodCall>", "", nil},
	{"unclosed", "<methodCall><methodName>a.b</methodName>", "", nil},
	{"mismatched", "<methodCall><methodName>a.b</methodCall></methodName>", "", nil},
	{"empty document", "", "", nil},
	{"only space", "  \n", "", nil},
	{"doctype", "<!DOCTYPE methodCall><methodCall><methodName>a.b</methodName></methodCall>", "both", ErrUnsupported},
	{"doctype entity", "<!DOCTYPE m [<!ENTITY e 'a.b'>]><methodCall><methodName>&e;</methodName></methodCall>", "both", ErrUnsupported},
	{"undefined entity", "<methodCall><methodName>&e;</methodName></methodCall>", "", nil},
	{"control char ref", "<methodCall><methodName>a&#1;</methodName></methodCall>", "", nil},
	{"raw control char", "<methodCall><methodName>a\x01</methodName></methodCall>", "", nil},
	{"cdata end in text", "<methodCall><methodName>a]]>b</methodName></methodCall>", "", nil},
	{"double dash comment", "<methodCall><!-- a -- b --><methodName>a</methodName></methodCall>", "", nil},
	{"colon names", "<methodCall><:a/><methodName>a</methodName></methodCall>", "", nil},
	{"two colons", "<methodResponse><params><param><value><a:b:nil/></value></param></params></methodResponse>", "response", ErrMalformed},
	{"pi without space", "<methodCall><?pi??><methodName>a</methodName></methodCall>", "", nil},
	{"pi with colon", "<methodCall><?p:i x?><methodName>a</methodName></methodCall>", "", nil},
	{"pi reserved", "<methodCall><?xml-stylesheet x?><?XmL x?><methodName>a</methodName></methodCall>", "", nil},
	{"nonchar in comment", "<methodCall><!-- \uFFFE --><methodName>a</methodName></methodCall>", "", nil},
	{"nonchar in pi", "<methodCall><?pi \uFFFF?><methodName>a</methodName></methodCall>", "", nil},
	{"lt in attribute", "<methodCall a='<'><methodName>a</methodName></methodCall>", "", nil},
	{"unquoted attribute", "<methodCall a=1><methodName>a</methodName></methodCall>", "", nil},

	// Responses.
	{"response string", resp("<string>ok</string>"), "", nil},
	{"response int", resp("<int>6630</int>"), "", nil},
	{"response i8 big", resp("<i8>9223372036854775807</i8>"), "", nil},
	{"response ex:i8", resp("<ex:i8>5</ex:i8>"), "", nil},
	{"response ex:nil", resp("<ex:nil/>"), "", nil},
	{"response float", resp("<float>1.5</float>"), "", nil},
	{"response bigdecimal", resp("<bigdecimal>1.5</bigdecimal>"), "", nil},
	{"response bad bigdecimal", resp("<bigdecimal>x</bigdecimal>"), "", nil},
	{"response untyped", resp(" text "), "", nil},
	{"response untyped after child", resp("<string>a</string> tail"), "", nil},
	{"response unknown in value", resp("<foo>bar</foo>"), "", nil},
	{"response data in value", resp("<data></data>"), "", nil},
	{"response text reset", resp("<string>a<b/>c</string>"), "", nil},
	{"response bytes", resp("<base64>\nAP8=\n</base64>"), "", nil},
	{"response datetime", resp("<dateTime.iso8601>20240229T13:04:05</dateTime.iso8601>"), "", nil},
	{"response struct", resp("<struct><member><name>b</name><value><int>2</int></value></member>" +
		"<member><name>a</name><value>x</value></member></struct>"), "", nil},
	{"response struct odd", resp("<struct><member><name>a</name></member></struct>"), "", nil},
	{"response array of structs", resp("<array><data><value><struct></struct></value><value><struct>" +
		"<member><name>k</name><value><boolean>0</boolean></value></member></struct></value></data></array>"), "", nil},
	{"response fault", "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n" +
		"<value><int>10</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>BAD_NAME: nope</string>" +
		"</value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n", "", nil},
	{"response fault extra", "<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>1</int></value>" +
		"</member><member><name>faultString</name><value>x</value></member><member><name>extra</name><value>y</value>" +
		"</member></struct></value></fault></methodResponse>", "", nil},
	{"response fault self", "<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>1</int></value>" +
		"</member><member><name>faultString</name><value>x</value></member><member><name>self</name><value>y</value>" +
		"</member></struct></value></fault></methodResponse>", "", nil},
	{"response fault string code", "<methodResponse><fault><value><struct><member><name>faultCode</name><value>1</value>" +
		"</member><member><name>faultString</name><value>x</value></member></struct></value></fault></methodResponse>",
		"", nil},
	{"response fault missing string", "<methodResponse><fault><value><struct><member><name>faultCode</name>" +
		"<value><int>1</int></value></member></struct></value></fault></methodResponse>", "", nil},
	{"response fault not struct", "<methodResponse><fault><value><int>1</int></value></fault></methodResponse>", "", nil},
	{"response fault empty", "<methodResponse><fault></fault></methodResponse>", "", nil},
	{"response two params", "<methodResponse><params>" + param("1") + param("<int>2</int>") + "</params></methodResponse>", "", nil},
	{"response no params", "<methodResponse><params></params></methodResponse>", "", nil},
	{"response nothing", "<methodResponse></methodResponse>", "", nil},
	{"response name outside struct", "<methodResponse><params><param><name>n</name>" +
		"<value>v</value></param></params></methodResponse>", "", nil},
	{"response loose value", "<methodResponse><value>x</value><params/></methodResponse>", "", nil},
	{"response unclosed array", "<methodResponse><params><param><value><array><data><value>1</value></data></array>" +
		"</value></param></params></methodResponse>", "", nil},
	{"response bool bad", resp("<boolean>true</boolean>"), "", nil},
	{"response namespace", "<methodResponse xmlns='urn:x'><params>" + param("<int>1</int>") + "</params></methodResponse>", "", nil},
	{"response colon tags", "<r:methodResponse xmlns:r='urn:x'><r:params><r:param><r:value><r:int>1</r:int></r:value>" +
		"</r:param></r:params></r:methodResponse>", "", nil},
}

// outcome classifies a decode result for comparison.
type outcome struct {
	kind  string // "ok", "fault", "error", "nomethod", "unrep"
	value any    // JSON-normalised tagged value, method+params, or fault
}

func callOutcome(t *testing.T, doc string) (outcome, error) {
	c, err := DecodeCall(strings.NewReader(doc), nil)
	sameAsBytes(t, doc, nil, c, err)
	switch {
	case errors.Is(err, ErrNoMethodName):
		return outcome{kind: "nomethod"}, err
	case errors.Is(err, ErrUnsupported):
		return outcome{kind: "unrep"}, err
	case err != nil:
		return outcome{kind: "error"}, err
	}
	return outcome{kind: "ok", value: jsonNormal(t, map[string]any{"method": c.Method, "params": tagValue(c.Params)})}, nil
}

// sameAsBytes checks that DecodeCallBytes gives for doc what DecodeCall
// gave (c and err), and so do each of its fast paths that accepts doc.
func sameAsBytes(t *testing.T, doc string, opts *DecodeOptions, c *Call, err error) {
	t.Helper()
	// %#v, not reflect.DeepEqual, so that a NaN equals a NaN.
	same := func(c2 *Call, err2 error) bool {
		return fmt.Sprint(err) == fmt.Sprint(err2) && fmt.Sprintf("%#v", c) == fmt.Sprintf("%#v", c2)
	}
	c2, err2 := DecodeCallBytes([]byte(doc), opts)
	if !same(c2, err2) {
		t.Errorf("DecodeCallBytes(%q) = %#v, %v; DecodeCall gave %#v, %v", doc, c2, err2, c, err)
	}
	maxBytes, maxDepth, maxElems := opts.limits()
	if maxBytes >= 0 && int64(len(doc)) > maxBytes {
		return
	}
	var sink callSink
	if fastScan([]byte(doc), maxDepth, maxElems, &sink) {
		if c2, err2 := sink.call(); !same(c2, err2) {
			t.Errorf("fastScan(%q) gave %#v, %v; DecodeCall gave %#v, %v", doc, c2, err2, c, err)
		}
	}
	if c2, ok := fastCall([]byte(doc), maxDepth, maxElems); ok && !same(c2, nil) {
		t.Errorf("fastCall(%q) = %#v; DecodeCall gave %#v, %v", doc, c2, c, err)
	}
}

func pyCallOutcome(t *testing.T, r pyResult) outcome {
	switch {
	case r.NoMethod:
		return outcome{kind: "nomethod"}
	case r.Unrep != "":
		return outcome{kind: "unrep"}
	case r.Err != "":
		return outcome{kind: "error"}
	}
	return outcome{kind: "ok", value: rawNormal(t, r.OK)}
}

func responseOutcome(t *testing.T, doc string) (outcome, error) {
	v, err := DecodeResponse(strings.NewReader(doc), nil)
	var f *Fault
	switch {
	case errors.As(err, &f):
		return outcome{kind: "fault", value: jsonNormal(t, []any{f.Code, f.String})}, nil
	case errors.Is(err, ErrUnsupported):
		return outcome{kind: "unrep"}, err
	case err != nil:
		return outcome{kind: "error"}, err
	}
	return outcome{kind: "ok", value: jsonNormal(t, tagValue(v))}, nil
}

func pyResponseOutcome(t *testing.T, r pyResult) outcome {
	switch {
	case r.Fault != nil:
		return outcome{kind: "fault", value: jsonNormal(t, r.Fault)}
	case r.Unrep != "":
		return outcome{kind: "unrep"}
	case r.Err != "":
		return outcome{kind: "error"}
	}
	return outcome{kind: "ok", value: rawNormal(t, r.OK)}
}

func describe(o outcome, r pyResult, err error) string {
	switch {
	case err != nil:
		return fmt.Sprintf("%s (%v)", o.kind, err)
	case r.Err != "":
		return fmt.Sprintf("%s (%s)", o.kind, r.Err)
	case r.Unrep != "":
		return fmt.Sprintf("%s (%s)", o.kind, r.Unrep)
	}
	return fmt.Sprintf("%s %v", o.kind, o.value)
}

// TestPythonDecodeDifferential feeds each document of diffDocs to DecodeCall
// and the reference server's request parser
// (supervisor_xmlrpc_handler.loads), and to DecodeResponse and
// xmlrpc.client.loads, and compares the results, or that both failed.
func TestPythonDecodeDifferential(t *testing.T) {
	docs := make([]string, len(diffDocs))
	for i, d := range diffDocs {
		docs[i] = d.doc
	}
	pyCall := runPython[pyResult](t, "call", docs)
	pyResp := runPython[pyResult](t, "response", docs)
	for i, d := range diffDocs {
		t.Run(d.name, func(t *testing.T) {
			for _, side := range []string{"call", "response"} {
				var got, want outcome
				var err error
				var py pyResult
				if side == "call" {
					got, err = callOutcome(t, d.doc)
					py = pyCall[i]
					want = pyCallOutcome(t, py)
				} else {
					got, err = responseOutcome(t, d.doc)
					py = pyResp[i]
					want = pyResponseOutcome(t, py)
				}
				if d.dev == side || d.dev == "both" {
					if !errors.Is(err, d.devErr) {
						t.Errorf("%s: documented deviation: want %v, got %s (Python: %s)", side, d.devErr,
							describe(got, pyResult{}, err), describe(want, py, nil))
					}
					continue
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s: differs from Python\n  Go: %s\n  Py: %s", side, describe(got, pyResult{}, err), describe(want, py, nil))
				}
			}
		})
	}
}

// docGen builds random, mostly well-formed XML-RPC documents out of the
// constructs the decoders treat specially.
type docGen struct {
	rng *rand.Rand
	b   strings.Builder
	ns  bool // the root declares xmlns:ex, so ex: prefixes are bound
}

// open writes a start tag for name, sometimes with a namespace prefix or
// attributes.
func (g *docGen) open(name string) string {
	if g.rng.IntN(40) == 0 && !strings.Contains(name, ":") { // a:b:c: see doc.go
		if g.ns || g.rng.IntN(4) == 0 {
			name = "ex:" + name
		}
	}
	g.b.WriteString("<" + name)
	if g.rng.IntN(30) == 0 {
		g.b.WriteString(g.pick(` a="1"`, ` a='&lt;' b="2"`, ` xmlns="urn:d"`, ` xmlns=""`, ` ex:a="1"`))
	}
	g.b.WriteString(">")
	return name
}

func (g *docGen) close(name string) { g.b.WriteString("</" + name + ">") }

func (g *docGen) pick(xs ...string) string { return xs[g.rng.IntN(len(xs))] }

func (g *docGen) ws() {
	if g.rng.IntN(3) == 0 {
		g.b.WriteString(g.pick(" ", "\n", "\t", "\r\n", "  \n  ", "<!-- c -->", "x", "<?pi?>"))
	}
}

var genText = []string{"0", "1", "42", "-7", " ", "\n", "\t", "_", "+", ".", "e", "5", "inf", "nan", "T", ":", "=",
	"2024", "0101", "20240229T13:04:05", "aGVsbG8=", "AP8=", "QQ", "é", "☃", "\u0664", "&amp;", "&lt;", "&#65;",
	"<![CDATA[x<]]>", "true", "abc", "1_0", "9223372036854775808", "\u00a0", "&#x1F600;"}

func (g *docGen) text(max int) {
	for range g.rng.IntN(max + 1) {
		g.b.WriteString(genText[g.rng.IntN(len(genText))])
	}
}

var genScalars = []string{"int", "i4", "i8", "boolean", "string", "double", "dateTime.iso8601", "base64", "nil",
	"ex:nil", "foo", "biginteger", "float", "name", "i1"}

func (g *docGen) value(depth int) {
	valueTag := g.open("value")
	g.ws()
	switch n := g.rng.IntN(10); {
	case n < 5 || depth > 3:
		tag := genScalars[g.rng.IntN(len(genScalars))]
		if g.rng.IntN(8) == 0 {
			fmt.Fprintf(&g.b, "<%s/>", tag)
		} else {
			tag = g.open(tag)
			g.text(3)
			g.close(tag)
		}
	case n < 6:
		g.text(3)
	case n < 8:
		arrayTag := g.open("array")
		g.ws()
		if g.rng.IntN(10) > 0 {
			dataTag := g.open("data")
			for range g.rng.IntN(4) {
				g.ws()
				g.value(depth + 1)
			}
			g.ws()
			g.close(dataTag)
		}
		g.ws()
		g.close(arrayTag)
	default:
		structTag := g.open("struct")
		for range g.rng.IntN(4) {
			g.ws()
			memberTag := g.open("member")
			g.ws()
			switch g.rng.IntN(12) {
			case 0: // no name
			case 1:
				g.value(depth + 1) // a value as the name
			default:
				nameTag := g.open("name")
				g.text(1)
				g.close(nameTag)
			}
			g.ws()
			if g.rng.IntN(12) > 0 {
				g.value(depth + 1)
			}
			if g.rng.IntN(12) == 0 {
				g.value(depth + 1)
			}
			g.ws()
			g.close(memberTag)
		}
		g.ws()
		g.close(structTag)
	}
	g.ws()
	g.close(valueTag)
}

func (g *docGen) params() {
	g.b.WriteString("<params>")
	for range g.rng.IntN(4) {
		g.ws()
		g.b.WriteString("<param>")
		g.ws()
		if g.rng.IntN(15) > 0 {
			g.value(0)
		}
		g.ws()
		g.b.WriteString("</param>")
	}
	g.ws()
	g.b.WriteString("</params>")
}

func (g *docGen) doc() string {
	g.b.Reset()
	if g.rng.IntN(2) == 0 {
		g.b.WriteString("<?xml version='1.0'?>\n")
	}
	root := "methodResponse"
	if g.rng.IntN(2) == 0 {
		root = "methodCall"
	}
	if g.rng.IntN(20) == 0 {
		root = "foo"
	}
	g.b.WriteString("<" + root)
	g.ns = g.rng.IntN(5) == 0
	if g.ns {
		g.b.WriteString(` xmlns:ex="urn:ex"`)
	}
	g.b.WriteString(">")
	g.ws()
	if root == "methodCall" && g.rng.IntN(10) > 0 {
		g.b.WriteString("<methodName>")
		g.b.WriteString(g.pick("supervisor.getPID", "a.b", "", " x ", "&amp;"))
		g.b.WriteString("</methodName>")
		g.ws()
	}
	switch {
	case root == "methodResponse" && g.rng.IntN(5) == 0:
		g.b.WriteString("<fault>")
		g.ws()
		if g.rng.IntN(2) == 0 {
			fmt.Fprintf(&g.b, "<value><struct><member><name>faultCode</name><value><int>%d</int></value></member>"+
				"<member><name>faultString</name><value>", g.rng.IntN(100))
			g.text(2)
			g.b.WriteString("</value></member></struct></value>")
		} else {
			g.value(0)
		}
		g.ws()
		g.b.WriteString("</fault>")
	case g.rng.IntN(10) > 0:
		g.params()
	}
	g.ws()
	g.b.WriteString("</" + root + ">")
	return strings.TrimSuffix(g.b.String(), "x") // text after the root would only test the trailing-junk check
}

// TestPythonDecodeRandom compares both decoders with the reference on
// thousands of generated documents.
func TestPythonDecodeRandom(t *testing.T) {
	g := &docGen{rng: rand.New(rand.NewPCG(5, 6))}
	docs := make([]string, 10000)
	for i := range docs {
		docs[i] = g.doc()
	}
	pyCall := runPython[pyResult](t, "call", docs)
	pyResp := runPython[pyResult](t, "response", docs)
	kinds := map[string]int{}
	bad := 0
	for i, doc := range docs {
		gotC, errC := callOutcome(t, doc)
		gotR, errR := responseOutcome(t, doc)
		wantC, wantR := pyCallOutcome(t, pyCall[i]), pyResponseOutcome(t, pyResp[i])
		kinds["call "+wantC.kind]++
		kinds["response "+wantR.kind]++
		if !reflect.DeepEqual(gotC, wantC) {
			t.Errorf("call decoding of %q differs from Python\n  Go: %s\n  Py: %s", doc, describe(gotC, pyResult{}, errC),
				describe(wantC, pyCall[i], nil))
			bad++
		}
		if !reflect.DeepEqual(gotR, wantR) {
			t.Errorf("response decoding of %q differs from Python\n  Go: %s\n  Py: %s", doc, describe(gotR, pyResult{}, errR),
				describe(wantR, pyResp[i], nil))
			bad++
		}
		if bad > 20 {
			t.Fatal("too many differences")
		}
	}
	t.Logf("outcomes: %v", kinds)
}

// mutationFragments are inserted at random places of generated documents to
// probe the XML well-formedness checks.
var mutationFragments = []string{"<", ">", "&", "/", `"`, "'", ":", ";", "#", "x", " ", "!", "?", "-", "]", "\r", "=",
	"<!--", "-->", "<![CDATA[", "]]>", "&#", "&amp;", "<?", "?>", "\u00e9", "\ufeff", "<!", "xmlns", "\t", "\x7f",
	"\u0085", "\u2028", "\ufffe"}

// TestPythonDecodeMutations compares both decoders with the reference on
// generated documents damaged by a few random insertions and deletions.
func TestPythonDecodeMutations(t *testing.T) {
	g := &docGen{rng: rand.New(rand.NewPCG(7, 8))}
	rng := rand.New(rand.NewPCG(9, 10))
	var docs []string
	for len(docs) < 10000 {
		d := []byte(g.doc())
		for range rng.IntN(3) + 1 {
			p := rng.IntN(len(d) + 1)
			if rng.IntN(3) == 0 {
				if p < len(d) {
					d = append(d[:p], d[p+1:]...)
				}
				continue
			}
			f := mutationFragments[rng.IntN(len(mutationFragments))]
			d = append(d[:p], append([]byte(f), d[p:]...)...)
		}
		doc := string(d)
		switch {
		case !utf8.ValidString(doc):
			// A deletion split a character; the reference decodes the body
			// as UTF-8 before parsing and both fail.
			continue
		case strings.Count(doc, ":") > strings.Count(doc, "ex:")+strings.Count(doc, "urn:"):
			// Names with several colons: a documented deviation.
			continue
		case strings.Contains(doc, "<?xml version=") && !strings.Contains(doc, "<?xml version='1.0'?>"):
			// XML versions other than 1.0: a documented deviation.
			continue
		}
		docs = append(docs, doc)
	}
	pyCall := runPython[pyResult](t, "call", docs)
	pyResp := runPython[pyResult](t, "response", docs)
	bad := 0
	for i, doc := range docs {
		gotC, errC := callOutcome(t, doc)
		gotR, errR := responseOutcome(t, doc)
		wantC, wantR := pyCallOutcome(t, pyCall[i]), pyResponseOutcome(t, pyResp[i])
		if !reflect.DeepEqual(gotC, wantC) {
			t.Errorf("call decoding of %q differs from Python\n  Go: %s\n  Py: %s", doc, describe(gotC, pyResult{}, errC),
				describe(wantC, pyCall[i], nil))
			bad++
		}
		if !reflect.DeepEqual(gotR, wantR) {
			t.Errorf("response decoding of %q differs from Python\n  Go: %s\n  Py: %s", doc, describe(gotR, pyResult{}, errR),
				describe(wantR, pyResp[i], nil))
			bad++
		}
		if bad > 20 {
			t.Fatal("too many differences")
		}
	}
}
