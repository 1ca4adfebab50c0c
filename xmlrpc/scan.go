package xmlrpc

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Default limits used when a DecodeOptions field is zero.
const (
	DefaultMaxBytes    = 16 << 20
	DefaultMaxDepth    = 256
	DefaultMaxElements = 1 << 20
)

// DecodeOptions bounds the work a decoder does on untrusted input. A zero
// field means its default; a negative field disables that limit. A nil
// *DecodeOptions means all defaults.
type DecodeOptions struct {
	// MaxBytes is the largest document read, in bytes (default 16 MiB). The
	// decoder never reads more than MaxBytes+1 bytes from its reader.
	MaxBytes int64
	// MaxDepth is the deepest element nesting accepted (default 256); the
	// document element is at depth 1.
	MaxDepth int
	// MaxElements is the largest number of elements accepted (default 2^20).
	MaxElements int
}

func (o *DecodeOptions) limits() (maxBytes int64, maxDepth, maxElems int) {
	var z DecodeOptions
	if o == nil {
		o = &z
	}
	maxBytes, maxDepth, maxElems = o.MaxBytes, o.MaxDepth, o.MaxElements
	if maxBytes == 0 {
		maxBytes = DefaultMaxBytes
	}
	if maxDepth == 0 {
		maxDepth = DefaultMaxDepth
	}
	if maxElems == 0 {
		maxElems = DefaultMaxElements
	}
	return maxBytes, maxDepth, maxElems
}

// sink receives the events of a well-formed document, like the expat
// callbacks the Python decoders are built on.
type sink interface {
	start(tag string) error
	text(b []byte)
	end(tag string) error
}

// limitReader fails with errTooLarge once more than n bytes were read.
type limitReader struct {
	r        io.Reader
	n        int64 // bytes still allowed; <0: unlimited
	exceeded bool
}

var errTooLarge = errors.New("document too large")

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n < 0 {
		return l.r.Read(p)
	}
	if l.n == 0 {
		// Probe for one more byte so that a document of exactly n bytes passes.
		var one [1]byte
		k, err := l.r.Read(one[:])
		if k > 0 {
			l.exceeded = true
			return 0, errTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	k, err := l.r.Read(p)
	l.n -= int64(k)
	return k, err
}

// scanner drives encoding/xml's tokenizer (RawToken, token by token, never
// building a tree) and adds the well-formedness checks expat makes that
// RawToken leaves out: one document element, no text outside it, matching
// end tags, no duplicate attributes, the XML declaration only at the start.
// With ns set it also does expat's namespace processing as used by
// ElementTree (the reference server's request parser): prefixes must be
// bound, and an element in a namespace gets the tag "{uri}local", so it can
// never match an XML-RPC element name.
type scanner struct {
	ns       bool
	maxDepth int
	maxElems int

	elems int
	stack []string    // raw names of open elements
	scope []nsBinding // namespace bindings, innermost last (ns mode)
	marks []int       // len(scope) at each open element (ns mode)
	attrs map[xml.Name]bool
}

type nsBinding struct{ prefix, uri string }

const xmlNamespace = "http://www.w3.org/XML/1998/namespace"

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// xmlDecl matches the body of an XML declaration (encoding/xml strips the
// white space after "<?xml").
var xmlDecl = regexp.MustCompile(`^[ \t\r\n]*version[ \t\r\n]*=[ \t\r\n]*("1\.[0-9]+"|'1\.[0-9]+')` +
	`([ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*("[A-Za-z][A-Za-z0-9._-]*"|'[A-Za-z][A-Za-z0-9._-]*'))?` +
	`([ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*("yes"|"no"|'yes'|'no'))?[ \t\r\n]*$`)

func isXMLSpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

// run scans r to the end, feeding s.
func (sc *scanner) run(r io.Reader, maxBytes int64, s sink) error {
	lr := &limitReader{r: r, n: maxBytes}
	if maxBytes < 0 {
		lr.n = -1
	}
	d := xml.NewDecoder(lr)
	// The reference decodes the body as UTF-8 before parsing, so a declared
	// encoding is never used; accept any label and read the bytes as UTF-8.
	d.CharsetReader = func(_ string, in io.Reader) (io.Reader, error) { return in, nil }
	first := true // no token seen yet (a leading BOM does not count)
	rootDone := false
	for {
		off := d.InputOffset()
		tok, err := d.RawToken()
		if err != nil {
			if lr.exceeded {
				return fmt.Errorf("%w: document larger than %d bytes", ErrLimit, maxBytes)
			}
			if err == io.EOF {
				break
			}
			// encoding/xml reports a bad XML declaration with plain errors
			// prefixed "xml: " rather than a *SyntaxError.
			var se *xml.SyntaxError
			if errors.As(err, &se) || strings.HasPrefix(err.Error(), "xml: ") {
				return fmt.Errorf("%w: %v", ErrMalformed, err)
			}
			return fmt.Errorf("xmlrpc: read: %w", err)
		}
		wasFirst := first
		first = false
		switch t := tok.(type) {
		case xml.StartElement:
			if rootDone {
				return malformed("junk after document element")
			}
			if len(sc.stack) >= sc.maxDepth && sc.maxDepth >= 0 {
				return fmt.Errorf("%w: elements nested deeper than %d", ErrLimit, sc.maxDepth)
			}
			sc.elems++
			if sc.elems > sc.maxElems && sc.maxElems >= 0 {
				return fmt.Errorf("%w: more than %d elements", ErrLimit, sc.maxElems)
			}
			tag, err := sc.startTag(t)
			if err != nil {
				return err
			}
			sc.stack = append(sc.stack, rawName(t.Name))
			if err := s.start(tag); err != nil {
				return err
			}
		case xml.EndElement:
			n := len(sc.stack)
			raw := rawName(t.Name)
			if n == 0 || sc.stack[n-1] != raw {
				return malformed("mismatched end tag </%s>", raw)
			}
			sc.stack = sc.stack[:n-1]
			tag := raw
			if sc.ns {
				tag = sc.expand(t.Name)
				sc.scope = sc.scope[:sc.marks[len(sc.marks)-1]]
				sc.marks = sc.marks[:len(sc.marks)-1]
			}
			if err := s.end(tag); err != nil {
				return err
			}
			if len(sc.stack) == 0 {
				rootDone = true
			}
		case xml.CharData:
			if len(sc.stack) > 0 {
				s.text(t)
				continue
			}
			if off == 0 && bytes.HasPrefix(t, []byte("\uFEFF")) {
				// A byte order mark is not content.
				t = t[3:]
				first = len(t) == 0
			}
			if !isXMLSpace(t) {
				if rootDone {
					return malformed("junk after document element")
				}
				return malformed("text before document element")
			}
		case xml.ProcInst:
			if !xmlChars(t.Inst) {
				return malformed("invalid character in processing instruction")
			}
			// encoding/xml does not require white space between the target
			// and the content; expat does.
			if len(t.Inst) > 0 && d.InputOffset()-off == int64(4+len(t.Target)+len(t.Inst)) {
				return malformed("processing instruction target %q not followed by white space", t.Target)
			}
			if sc.ns && strings.Contains(t.Target, ":") {
				return malformed("colon in processing instruction target %q", t.Target)
			}
			if strings.EqualFold(t.Target, "xml") {
				if t.Target != "xml" || !wasFirst {
					return malformed("XML declaration not at start of document")
				}
				if !xmlDecl.Match(t.Inst) {
					return malformed("XML declaration not well-formed")
				}
			}
		case xml.Directive:
			if bytes.HasPrefix(t, []byte("DOCTYPE")) {
				return fmt.Errorf("%w: DOCTYPE declarations are not accepted", ErrUnsupported)
			}
			return malformed("unexpected <!%s", firstWord(t))
		case xml.Comment:
			// encoding/xml checks the characters of text, not of comments.
			if !xmlChars(t) {
				return malformed("invalid character in comment")
			}
		}
	}
	if len(sc.stack) > 0 {
		return malformed("unclosed element <%s>", sc.stack[len(sc.stack)-1])
	}
	if !rootDone {
		return malformed("no element found")
	}
	return nil
}

// xmlChars reports whether b is UTF-8 made of characters XML 1.0 allows.
func xmlChars(b []byte) bool {
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && size == 1,
			r < 0x20 && r != '\t' && r != '\n' && r != '\r',
			r == 0xFFFE || r == 0xFFFF:
			return false
		}
		b = b[size:]
	}
	return true
}

func firstWord(b []byte) string {
	if i := bytes.IndexAny(b, " \t\r\n"); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

func rawName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// startTag checks the attributes of t and returns the tag to report.
func (sc *scanner) startTag(t xml.StartElement) (string, error) {
	if len(t.Attr) > 1 {
		if sc.attrs == nil {
			sc.attrs = make(map[xml.Name]bool)
		}
		clear(sc.attrs)
		for _, a := range t.Attr {
			if sc.attrs[a.Name] {
				return "", malformed("duplicate attribute %s", rawName(a.Name))
			}
			sc.attrs[a.Name] = true
		}
	}
	if !sc.ns {
		return rawName(t.Name), nil
	}
	sc.marks = append(sc.marks, len(sc.scope))
	for _, a := range t.Attr {
		switch {
		case a.Name.Space == "" && a.Name.Local == "xmlns":
			sc.scope = append(sc.scope, nsBinding{"", a.Value})
		case a.Name.Space == "xmlns":
			p := a.Name.Local
			switch {
			case a.Value == "":
				return "", malformed("must not undeclare prefix %s", p)
			case p == "xmlns" || (p == "xml") != (a.Value == xmlNamespace) || a.Value == "http://www.w3.org/2000/xmlns/":
				return "", malformed("reserved prefix or namespace in xmlns:%s", p)
			}
			sc.scope = append(sc.scope, nsBinding{p, a.Value})
		}
	}
	if strings.Contains(t.Name.Local, ":") || t.Name.Space == "xmlns" {
		return "", malformed("invalid qualified name %s", rawName(t.Name))
	}
	if _, ok := sc.lookup(t.Name.Space); !ok {
		return "", malformed("unbound prefix %s", t.Name.Space)
	}
	if len(t.Attr) > 0 {
		seen := make(map[xml.Name]bool, len(t.Attr))
		for _, a := range t.Attr {
			if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
				continue
			}
			if strings.Contains(a.Name.Local, ":") {
				return "", malformed("invalid qualified name %s", rawName(a.Name))
			}
			n := a.Name
			if n.Space != "" {
				uri, ok := sc.lookup(n.Space)
				if !ok {
					return "", malformed("unbound prefix %s", n.Space)
				}
				n.Space = uri
			}
			if seen[n] {
				return "", malformed("duplicate attribute %s", rawName(a.Name))
			}
			seen[n] = true
		}
	}
	return sc.expand(t.Name), nil
}

// lookup resolves a prefix ("" is the default namespace, "" if unset).
func (sc *scanner) lookup(prefix string) (string, bool) {
	if prefix == "xml" {
		return xmlNamespace, true
	}
	for i := len(sc.scope) - 1; i >= 0; i-- {
		if sc.scope[i].prefix == prefix {
			return sc.scope[i].uri, true
		}
	}
	return "", prefix == ""
}

// expand returns ElementTree's tag for an element name: "local" outside any
// namespace, "{uri}local" inside one.
func (sc *scanner) expand(n xml.Name) string {
	uri, _ := sc.lookup(n.Space)
	if uri == "" {
		return n.Local
	}
	return "{" + uri + "}" + n.Local
}
