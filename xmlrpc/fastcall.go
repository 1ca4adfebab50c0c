package xmlrpc

import (
	"unicode/utf8"
)

// fastCall decodes data when it is a methodCall in the form XML-RPC
// clients write (Python's xmlrpc.client, this package, most others): the
// subset of XML fastScan accepts, laid out as
//
//	<methodCall><methodName>NAME</methodName>[<params>(<param>VALUE</param>)*</params>]</methodCall>
//
// with each VALUE a <value> holding text only, or one <string>, <int>,
// <i4>, <boolean>, <double>, <dateTime.iso8601>, <base64>, <array> (one
// <data> of VALUEs) or <struct> (<member>s of one <name> then one VALUE),
// and any text where the reference ignores it. It builds the values
// directly, without the element-by-element bookkeeping of callSink.
//
// It returns false for anything else, and for any content the reference
// refuses (an empty <int>, a bad number, a limit passed...): the caller
// then decodes with callSink, which gives the answer or the error. On the
// documents it accepts, its Call is the one callSink gives.
func fastCall(data []byte, maxDepth, maxElems int) (*Call, bool) {
	p := callParser{data: data, maxDepth: maxDepth, maxElems: maxElems}
	for _, d := range plainDecls {
		if len(data) >= len(d) && string(data[:len(d)]) == d {
			p.i = len(d)
			break
		}
	}
	p.space()
	if !p.open("methodCall") || !p.skipText() || !p.open("methodName") {
		return nil, false
	}
	t, ok := p.text()
	if !ok || len(t) == 0 {
		return nil, false
	}
	method := string(t) // before the next text overwrites p.scratch
	if !p.close("methodName") || !p.skipText() {
		return nil, false
	}
	var params []any
	if p.peekOpen("params") {
		p.open("params")
		params = []any{}
		for {
			if !p.skipText() {
				return nil, false
			}
			if p.peekClose("params") {
				p.close("params")
				break
			}
			if !p.open("param") || !p.skipText() {
				return nil, false
			}
			v, ok := p.value()
			if !ok || !p.skipText() || !p.close("param") {
				return nil, false
			}
			params = append(params, v)
		}
		if !p.skipText() {
			return nil, false
		}
	}
	if !p.close("methodCall") || !isXMLSpace(data[p.i:]) {
		return nil, false
	}
	if unsupported(params) != nil {
		return nil, false
	}
	return &Call{Method: method, Params: params}, true
}

// callParser is fastCall's position in its document.
type callParser struct {
	data               []byte
	i                  int
	depth, elems       int
	maxDepth, maxElems int
	scratch            []byte

	recent [4]any // the last string values made by str, round robin
	next   int
}

// str returns t as a string value. A string equal to one of the last few
// (the methodName of each call of a system.multicall) is not made again.
func (p *callParser) str(t []byte) any {
	for _, v := range p.recent {
		if s, ok := v.(string); ok && s == string(t) {
			return v
		}
	}
	var v any = string(t)
	p.recent[p.next] = v
	p.next = (p.next + 1) % len(p.recent)
	return v
}

// space skips the white space fastScan accepts around the document
// element.
func (p *callParser) space() {
	for p.i < len(p.data) && (p.data[p.i] == ' ' || p.data[p.i] == '\t' || p.data[p.i] == '\n') {
		p.i++
	}
}

// at reports whether the document continues with s.
func (p *callParser) at(s string) bool {
	return len(p.data)-p.i >= len(s) && string(p.data[p.i:p.i+len(s)]) == s
}

func (p *callParser) peekOpen(name string) bool {
	return p.at("<") && len(p.data)-p.i >= len(name)+2 && string(p.data[p.i+1:p.i+1+len(name)]) == name &&
		p.data[p.i+1+len(name)] == '>'
}

func (p *callParser) peekClose(name string) bool {
	return p.at("</") && len(p.data)-p.i >= len(name)+3 && string(p.data[p.i+2:p.i+2+len(name)]) == name &&
		p.data[p.i+2+len(name)] == '>'
}

// open consumes the start tag <name>, within the limits.
func (p *callParser) open(name string) bool {
	if !p.peekOpen(name) || (p.maxDepth >= 0 && p.depth >= p.maxDepth) || (p.maxElems >= 0 && p.elems >= p.maxElems) {
		return false
	}
	p.i += len(name) + 2
	p.depth++
	p.elems++
	return true
}

// close consumes the end tag </name>.
func (p *callParser) close(name string) bool {
	if !p.peekClose(name) {
		return false
	}
	p.i += len(name) + 3
	p.depth--
	return true
}

// rawText returns the character data up to the next tag, with entity
// references replaced (in p.scratch), or false if fastScan would refuse
// it.
func (p *callParser) rawText() ([]byte, bool) {
	j := p.i
	for j < len(p.data) && p.data[j] != '<' {
		j++
	}
	t, scratch, ok := plainChars(p.data[p.i:j], p.scratch[:0])
	p.scratch = scratch
	p.i = j
	return t, ok
}

// text is rawText, for text that is kept: the bytes are valid until the
// next call of rawText.
func (p *callParser) text() ([]byte, bool) { return p.rawText() }

// skipText passes over text the reference ignores (it must still be
// well formed).
func (p *callParser) skipText() bool {
	_, ok := p.rawText()
	return ok
}

// value parses <value>...</value>, as callSink's ckValue and the
// unmarshallers of its child.
func (p *callParser) value() (any, bool) {
	if !p.open("value") {
		return nil, false
	}
	t, ok := p.text()
	if !ok {
		return nil, false
	}
	if p.peekClose("value") {
		p.close("value")
		return p.str(t), true // no text: ""
	}
	if len(p.data)-p.i < 2 || p.data[p.i+1] == '/' {
		return nil, false
	}
	var v any
	switch {
	case p.peekOpen("string"):
		p.open("string")
		t, ok := p.text()
		if !ok || !p.close("string") {
			return nil, false
		}
		v = p.str(t)
	case p.peekOpen("int"), p.peekOpen("i4"):
		tag := "int"
		if p.peekOpen("i4") {
			tag = "i4"
		}
		p.open(tag)
		t, ok := p.text()
		if !ok || len(t) == 0 || !p.close(tag) {
			return nil, false
		}
		if v, ok = smallInt(t); !ok {
			n, err := pyInt(string(t))
			if err != nil {
				return nil, false
			}
			v = n
		}
	case p.peekOpen("boolean"):
		p.open("boolean")
		t, ok := p.text()
		if !ok || !p.close("boolean") {
			return nil, false
		}
		v = string(t) == "1"
	case p.peekOpen("double"):
		p.open("double")
		t, ok := p.text()
		if !ok || len(t) == 0 || !p.close("double") {
			return nil, false
		}
		x, err := pyFloat(string(t))
		if err != nil {
			return nil, false
		}
		v = x
	case p.peekOpen("dateTime.iso8601"):
		p.open("dateTime.iso8601")
		t, ok := p.text()
		if !ok || len(t) == 0 || !p.close("dateTime.iso8601") {
			return nil, false
		}
		x, err := pyStrptime(string(t))
		if err != nil {
			return nil, false
		}
		v = x
	case p.peekOpen("base64"):
		p.open("base64")
		t, ok := p.text()
		if !ok || !p.close("base64") {
			return nil, false
		}
		b, err := pyBase64(t)
		if err != nil || !utf8.Valid(b) {
			return nil, false
		}
		v = string(b)
	case p.peekOpen("array"):
		if v, ok = p.array(); !ok {
			return nil, false
		}
	case p.peekOpen("struct"):
		if v, ok = p.structure(); !ok {
			return nil, false
		}
	default:
		return nil, false
	}
	if !p.skipText() || !p.close("value") {
		return nil, false
	}
	return v, true
}

// array parses <array><data>VALUE*</data></array>.
func (p *callParser) array() (any, bool) {
	p.open("array")
	if !p.skipText() || !p.open("data") {
		return nil, false
	}
	items := []any{}
	for {
		if !p.skipText() {
			return nil, false
		}
		if p.peekClose("data") {
			p.close("data")
			break
		}
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		items = append(items, v)
	}
	if !p.skipText() || !p.close("array") {
		return nil, false
	}
	return items, true
}

// structure parses <struct>(<member><name>NAME</name>VALUE</member>)*</struct>;
// the last member of a name wins.
func (p *callParser) structure() (any, bool) {
	p.open("struct")
	m := make(map[string]any)
	for {
		if !p.skipText() {
			return nil, false
		}
		if p.peekClose("struct") {
			p.close("struct")
			break
		}
		if !p.open("member") || !p.skipText() || !p.open("name") {
			return nil, false
		}
		t, ok := p.text()
		if !ok || !p.close("name") {
			return nil, false
		}
		key := memberName(t) // before the next text overwrites p.scratch
		if !p.skipText() {
			return nil, false
		}
		v, ok := p.value()
		if !ok || !p.skipText() || !p.close("member") {
			return nil, false
		}
		m[key] = v
	}
	return m, true
}

// memberName returns t as a string, without allocating for the member
// names of system.multicall.
func memberName(t []byte) string {
	switch string(t) {
	case "methodName":
		return "methodName"
	case "params":
		return "params"
	}
	return string(t)
}

// smallInt parses an optional '-' and one to nine ASCII digits, which
// Python's int() reads as this Go int does.
func smallInt(t []byte) (int, bool) {
	neg := len(t) > 0 && t[0] == '-'
	if neg {
		t = t[1:]
	}
	if len(t) == 0 || len(t) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range t {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}
