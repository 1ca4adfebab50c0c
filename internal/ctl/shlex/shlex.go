// Package shlex splits a line into words as Python's shlex.split does in
// POSIX mode: white space separates words, single quotes keep everything,
// double quotes keep everything but a backslash before \ " $ ` or newline,
// and a backslash outside quotes keeps the next character.
package shlex

import (
	"errors"
	"strings"
)

// ErrNoClosingQuote and ErrNoEscapedChar are shlex's ValueErrors.
var (
	ErrNoClosingQuote = errors.New("No closing quotation")
	ErrNoEscapedChar  = errors.New("No escaped character")
)

// Split splits s into words.
func Split(s string) ([]string, error) {
	var (
		words   []string
		cur     strings.Builder
		inWord  bool
		quote   byte
		escaped bool
	)
	for i := 0; i < len(s); i++ {
		r := s[i]
		switch {
		case escaped:
			if quote == '"' && r != '"' && r != '\\' {
				cur.WriteByte('\\')
			}
			cur.WriteByte(r)
			escaped = false
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				cur.WriteByte(r)
			}
		case quote == '"':
			switch r {
			case '"':
				quote = 0
			case '\\':
				escaped = true
			default:
				cur.WriteByte(r)
			}
		case r == '\\':
			escaped, inWord = true, true
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(r)
			inWord = true
		}
	}
	if escaped {
		return nil, ErrNoEscapedChar
	}
	if quote != 0 {
		return nil, ErrNoClosingQuote
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}
