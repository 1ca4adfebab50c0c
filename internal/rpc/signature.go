package rpc

import (
	"strings"
	"unicode"
)

// ParseSignature reads a method signature from a help text the way the
// reference's system.methodSignature does (supervisor.xmlrpc.gettags): the
// text is split at "\n"; a line that starts with "@" once stripped of white
// space is a tag, its white-space separated words being "@tag type name
// text..."; the result is the type of the last @return tag followed by the
// types of the @param tags in order. ok is false when there is no @return
// tag. A tag line with no type word gives the type "" (so "@return" alone
// yields [""], as in the reference).
func ParseSignature(help string) (sig []string, ok bool) {
	var rtype string
	var params []string
	for line := range strings.SplitSeq(help, "\n") {
		line = strings.TrimFunc(line, pyIsSpace)
		if !strings.HasPrefix(line, "@") {
			continue
		}
		words := strings.FieldsFunc(line, pyIsSpace)
		datatype := ""
		if len(words) > 1 {
			datatype = words[1]
		}
		switch words[0][1:] {
		case "return":
			rtype, ok = datatype, true
		case "param":
			params = append(params, datatype)
		}
	}
	if !ok {
		return nil, false
	}
	return append([]string{rtype}, params...), true
}

// pyIsSpace is Python's str.isspace for one character, which str.strip()
// and str.split() use: Go's unicode.IsSpace plus the four information
// separators U+001C..U+001F.
func pyIsSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}
