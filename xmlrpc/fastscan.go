package xmlrpc

import (
	"bytes"
	"unicode/utf8"
)

// fastScan feeds s the events of data when data is in the plain subset of
// XML that XML-RPC clients write: an optional common XML declaration,
// elements whose names are ASCII without a colon, with no attributes
// (<name>, </name>, <name/>), character data of valid characters (no CR)
// with the five predefined entity references, and white space around the
// document element. It also needs the document to be well formed and
// within maxDepth and maxElems, and every call of s to succeed.
//
// It returns false as soon as anything else turns up (comments, processing
// instructions, CDATA, attributes, namespaces, character references, a
// byte order mark, an error of s...), possibly after feeding s some
// events: the caller then starts over with a fresh sink and the full
// scanner, which gives the answer or the error for such documents. On the
// documents it accepts, the events are those the full scanner (in either
// mode) produces, so the result is the same; it only skips encoding/xml's
// general tokenizer, which allocates for every token.
func fastScan(data []byte, maxDepth, maxElems int, s sink) bool {
	i := 0
	for _, d := range plainDecls {
		if len(data) >= len(d) && string(data[:len(d)]) == d {
			i = len(d)
			break
		}
	}
	var stackBuf [32][]byte
	stack := stackBuf[:0] // names of the open elements
	elems := 0
	rootDone := false
	var scratch []byte // text with entity references replaced
	for i < len(data) {
		if data[i] != '<' {
			end := len(data)
			if j := bytes.IndexByte(data[i:], '<'); j >= 0 {
				end = i + j
			}
			t := data[i:end]
			i = end
			if len(stack) == 0 {
				if !isXMLSpace(t) {
					return false
				}
				continue
			}
			var ok bool
			if t, scratch, ok = plainChars(t, scratch[:0]); !ok {
				return false
			}
			s.text(t)
			continue
		}
		i++
		if i < len(data) && data[i] == '/' {
			name, j := scanName(data, i+1)
			if name == nil || j >= len(data) || data[j] != '>' {
				return false
			}
			n := len(stack)
			if n == 0 || !bytes.Equal(stack[n-1], name) {
				return false
			}
			stack = stack[:n-1]
			if s.end(tagName(name)) != nil {
				return false
			}
			if len(stack) == 0 {
				rootDone = true
			}
			i = j + 1
			continue
		}
		name, j := scanName(data, i)
		if name == nil || j >= len(data) {
			return false
		}
		empty := data[j] == '/'
		if empty {
			j++
			if j >= len(data) {
				return false
			}
		}
		if data[j] != '>' || rootDone {
			return false
		}
		if maxDepth >= 0 && len(stack) >= maxDepth {
			return false
		}
		elems++
		if maxElems >= 0 && elems > maxElems {
			return false
		}
		tag := tagName(name)
		if s.start(tag) != nil {
			return false
		}
		if empty {
			if s.end(tag) != nil {
				return false
			}
			if len(stack) == 0 {
				rootDone = true
			}
		} else {
			stack = append(stack, name)
		}
		i = j + 1
	}
	return rootDone && len(stack) == 0
}

// plainDecls are the XML declarations fastScan accepts, as written by
// Python's xmlrpc.client, by this package and by most other clients.
var plainDecls = []string{
	"<?xml version='1.0'?>",
	`<?xml version="1.0"?>`,
	`<?xml version="1.0" encoding="UTF-8"?>`,
	`<?xml version="1.0" encoding="utf-8"?>`,
	`<?xml version='1.0' encoding='UTF-8'?>`,
	`<?xml version='1.0' encoding='utf-8'?>`,
}

// scanName returns the element name starting at data[i] (ASCII letters,
// digits, '_', '-' and '.', not starting with a digit, '-' or '.'), and
// the index after it; nil when there is none.
func scanName(data []byte, i int) ([]byte, int) {
	j := i
	for j < len(data) && nameByte[data[j]] {
		j++
	}
	if j == i || !nameStart(data[i]) {
		return nil, j
	}
	return data[i:j], j
}

var nameByte = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	t['_'], t['-'], t['.'] = true, true, true
	return t
}()

func nameStart(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_'
}

// tagName returns name as a string, without allocating for the XML-RPC
// element names.
func tagName(name []byte) string {
	switch string(name) {
	case "value":
		return "value"
	case "string":
		return "string"
	case "member":
		return "member"
	case "name":
		return "name"
	case "struct":
		return "struct"
	case "int":
		return "int"
	case "i4":
		return "i4"
	case "param":
		return "param"
	case "params":
		return "params"
	case "array":
		return "array"
	case "data":
		return "data"
	case "boolean":
		return "boolean"
	case "double":
		return "double"
	case "base64":
		return "base64"
	case "dateTime.iso8601":
		return "dateTime.iso8601"
	case "methodName":
		return "methodName"
	case "methodCall":
		return "methodCall"
	case "methodResponse":
		return "methodResponse"
	case "fault":
		return "fault"
	case "nil":
		return "nil"
	}
	return string(name)
}

// plainChars returns the character data t with the predefined entity
// references replaced (in scratch when there are any), or false when t
// holds anything fastScan leaves to the full scanner: a CR (line ends are
// normalised there), "]]>", another reference, or a character that is not
// valid UTF-8 or not allowed in XML.
func plainChars(t, scratch []byte) ([]byte, []byte, bool) {
	amp := false
	for i := 0; i < len(t); {
		c := t[i]
		if c < utf8.RuneSelf {
			switch {
			case c >= 0x20 && c != '&' && c != ']':
			case c == '\t' || c == '\n':
			case c == '&':
				amp = true
			case c == ']':
				if bytes.HasPrefix(t[i:], []byte("]]>")) {
					return nil, scratch, false
				}
			default:
				return nil, scratch, false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(t[i:])
		if r == utf8.RuneError && size == 1 || r >= 0xD800 && r <= 0xDFFF || r == 0xFFFE || r == 0xFFFF || r > 0x10FFFF {
			return nil, scratch, false
		}
		i += size
	}
	if !amp {
		return t, scratch, true
	}
	out := scratch
	for len(t) > 0 {
		k := bytes.IndexByte(t, '&')
		if k < 0 {
			out = append(out, t...)
			break
		}
		out = append(out, t[:k]...)
		t = t[k:]
		var rep byte
		var n int
		switch {
		case bytes.HasPrefix(t, []byte("&amp;")):
			rep, n = '&', 5
		case bytes.HasPrefix(t, []byte("&lt;")):
			rep, n = '<', 4
		case bytes.HasPrefix(t, []byte("&gt;")):
			rep, n = '>', 4
		case bytes.HasPrefix(t, []byte("&quot;")):
			rep, n = '"', 6
		case bytes.HasPrefix(t, []byte("&apos;")):
			rep, n = '\'', 6
		default:
			return nil, scratch, false
		}
		out = append(out, rep)
		t = t[n:]
	}
	return out, out, true
}
