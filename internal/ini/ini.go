// Package ini reads configuration files the way Python's
// configparser.RawConfigParser does with the settings Supervisor uses
// (supervisor.options.UnhosedConfigParser): `key = value` and `key: value`,
// indented continuation lines, blank lines kept inside multi-line values,
// full-line comments starting with ';' or '#', inline comments introduced by
// whitespace followed by ';' or '#', lower-cased keys, a [DEFAULT] section,
// and strict=False (a repeated section is merged, a repeated key replaces the
// earlier value but keeps its position).
//
// Several files can be read into one File, as Supervisor does for [include].
// The package knows nothing of Supervisor's section or key names.
package ini

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// DefaultSection is the name of the section whose keys every section inherits.
const DefaultSection = "DEFAULT"

// Error is a parse error at a position in a file.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Key is one option of a section.
type Key struct {
	Name  string // lower-cased
	Value string // continuation lines joined with "\n", trailing whitespace removed
	File  string // file of the line that (last) set the key
	Line  int    // that line's number, from 1

	lines []string // parts while the file is being read
}

// Section is a named group of keys.
type Section struct {
	Name string
	File string // file that first defined the section
	Line int    // line of the first header

	keys   []*Key
	byName map[string]*Key
}

func newSection(name, file string, line int) *Section {
	return &Section{Name: name, File: file, Line: line, byName: map[string]*Key{}}
}

// Keys returns the section's own keys in the order they first appeared.
func (s *Section) Keys() []*Key { return s.keys }

// Key returns the section's own key name (lower case), or nil.
func (s *Section) Key(name string) *Key { return s.byName[name] }

// Set sets a key's value as if it had been read from file:line.
func (s *Section) Set(name, value, file string, line int) {
	if k := s.byName[name]; k != nil {
		k.Value, k.File, k.Line, k.lines = value, file, line, nil
		return
	}
	k := &Key{Name: name, Value: value, File: file, Line: line}
	s.keys = append(s.keys, k)
	s.byName[name] = k
}

// File is the result of reading one or more files.
type File struct {
	Defaults *Section
	sections []*Section
	byName   map[string]*Section
}

// New returns an empty File.
func New() *File {
	return &File{Defaults: newSection(DefaultSection, "", 0), byName: map[string]*Section{}}
}

// Parse reads one file's contents into a new File.
func Parse(name string, data []byte) (*File, error) {
	f := New()
	if err := f.Read(name, data); err != nil {
		return nil, err
	}
	return f, nil
}

// Sections returns the sections (not DEFAULT) in order of first appearance.
func (f *File) Sections() []*Section { return f.sections }

// Section returns the named section, or nil. Names are case-sensitive.
func (f *File) Section(name string) *Section { return f.byName[name] }

// Get returns the key of a section, falling back to [DEFAULT], or nil.
func (f *File) Get(section, key string) *Key {
	if s := f.byName[section]; s != nil {
		if k := s.byName[key]; k != nil {
			return k
		}
	}
	return f.Defaults.byName[key]
}

// Options returns the names of a section's keys followed by the [DEFAULT]
// keys it does not override, like RawConfigParser.options.
func (f *File) Options(section string) []string {
	s := f.byName[section]
	if s == nil {
		return nil
	}
	var names []string
	for _, k := range s.keys {
		names = append(names, k.Name)
	}
	for _, k := range f.Defaults.keys {
		if s.byName[k.Name] == nil {
			names = append(names, k.Name)
		}
	}
	return names
}

// Read parses data (the contents of the file called name) into f, like
// RawConfigParser.read_file. Sections already present are extended.
// Every line is read even after an error, as Python does, but only the first
// error is returned.
func (f *File) Read(name string, data []byte) error {
	if !utf8.Valid(data) {
		line := 1 + strings.Count(string(data[:firstInvalid(data)]), "\n")
		return &Error{File: name, Line: line, Msg: "file is not valid UTF-8"}
	}
	var (
		cur      *Section
		opt      *Key
		indent   = 0
		firstErr error
		touched  []*Key
	)
	for i, raw := range splitLines(string(data)) {
		lineno := i + 1
		line := []rune(raw)
		cut := commentStart(line)
		value := pyStrip(line[:cut])
		if len(value) == 0 {
			// A blank line (not a comment) inside a value is kept.
			if cut == len(line) && cur != nil && opt != nil {
				opt.lines = append(opt.lines, "")
			}
			continue
		}
		level := indentOf(line)
		if cur != nil && opt != nil && level > indent {
			opt.lines = append(opt.lines, string(value))
			continue
		}
		indent = level
		if header, ok := sectionHeader(value); ok {
			switch {
			case f.byName[header] != nil:
				cur = f.byName[header]
			case header == DefaultSection:
				cur = f.Defaults
			default:
				cur = newSection(header, name, lineno)
				f.sections = append(f.sections, cur)
				f.byName[header] = cur
			}
			opt = nil
			continue
		}
		if cur == nil {
			return &Error{File: name, Line: lineno, Msg: fmt.Sprintf("no section header before %q", string(value))}
		}
		k, v, ok := splitOption(value)
		if !ok || k == "" {
			if firstErr == nil {
				firstErr = &Error{File: name, Line: lineno, Msg: fmt.Sprintf("cannot parse %q: expected key = value", string(value))}
			}
			if !ok {
				continue
			}
		}
		k = strings.ToLower(k)
		cur.Set(k, "", name, lineno)
		opt = cur.byName[k]
		opt.lines = []string{v}
		touched = append(touched, opt)
	}
	for _, k := range touched {
		if k.lines != nil {
			k.Value = pyRstrip(strings.Join(k.lines, "\n"))
			k.lines = nil
		}
	}
	return firstErr
}

func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// splitLines splits like Python's universal-newline text mode: "\r\n", "\r"
// and "\n" end a line; each line keeps a "\n" terminator (except perhaps the
// last), which matters for the inline-comment and indentation rules.
func splitLines(s string) []string {
	var lines []string
	for len(s) > 0 {
		i := strings.IndexAny(s, "\r\n")
		if i < 0 {
			lines = append(lines, s)
			break
		}
		lines = append(lines, s[:i]+"\n")
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			i++
		}
		s = s[i+1:]
	}
	return lines
}

// commentStart returns where a comment starts in line, or len(line).
// It follows RawConfigParser._read: inline prefixes ';' and '#' count only at
// the start of the line or after whitespace, and the search advances one
// occurrence of each prefix per round, stopping at the first round that
// finds a qualifying one; a line whose stripped text starts with a prefix is
// a comment as a whole.
func commentStart(line []rune) int {
	start := -1
	idx := map[rune]int{';': -1, '#': -1}
	for start < 0 && len(idx) > 0 {
		next := map[rune]int{}
		for _, p := range []rune{';', '#'} {
			from, ok := idx[p]
			if !ok {
				continue
			}
			j := indexRune(line, p, from+1)
			if j < 0 {
				continue
			}
			next[p] = j
			if j == 0 || pyIsSpace(line[j-1]) {
				if start < 0 || j < start {
					start = j
				}
			}
		}
		idx = next
	}
	if s := pyStrip(line); len(s) > 0 && (s[0] == ';' || s[0] == '#') {
		start = 0
	}
	if start < 0 {
		return len(line)
	}
	return start
}

func indexRune(s []rune, r rune, from int) int {
	for i := from; i < len(s); i++ {
		if s[i] == r {
			return i
		}
	}
	return -1
}

func indentOf(line []rune) int {
	for i, r := range line {
		if !pyIsSpace(r) {
			return i
		}
	}
	return 0
}

// sectionHeader matches RawConfigParser.SECTCRE, `\[(?P<header>.+)\]`, at the
// start of the (stripped, comment-free) line: the header runs to the last ']'.
func sectionHeader(v []rune) (string, bool) {
	if len(v) < 3 || v[0] != '[' {
		return "", false
	}
	for j := len(v) - 1; j >= 2; j-- {
		if v[j] == ']' {
			return string(v[1:j]), true
		}
	}
	return "", false
}

// splitOption matches RawConfigParser.OPTCRE: the key runs to the first '='
// or ':'; whitespace around the delimiter is dropped.
func splitOption(v []rune) (key, value string, ok bool) {
	for i, r := range v {
		if r == '=' || r == ':' {
			return string(pyRstrip(string(v[:i]))), string(pyLstrip(v[i+1:])), true
		}
	}
	return "", "", false
}

// pyIsSpace reports whether r is whitespace for Python's str.isspace and \s.
func pyIsSpace(r rune) bool {
	switch {
	case r == ' ', r >= '\t' && r <= '\r', r >= 0x1c && r <= 0x1f, r == 0x85, r == 0xa0:
		return true
	case r < 0x1680:
		return false
	}
	return r == 0x1680 || (r >= 0x2000 && r <= 0x200a) || r == 0x2028 || r == 0x2029 ||
		r == 0x202f || r == 0x205f || r == 0x3000
}

func pyStrip(s []rune) []rune { return pyLstrip(pyRstripRunes(s)) }

func pyLstrip(s []rune) []rune {
	for len(s) > 0 && pyIsSpace(s[0]) {
		s = s[1:]
	}
	return s
}

func pyRstripRunes(s []rune) []rune {
	for len(s) > 0 && pyIsSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

func pyRstrip(s string) string { return strings.TrimRightFunc(s, pyIsSpace) }

// TrimSpace removes leading and trailing whitespace as Python's str.strip does.
func TrimSpace(s string) string { return strings.TrimFunc(s, pyIsSpace) }

// IsSpace reports whether r is whitespace for Python's str.isspace.
func IsSpace(r rune) bool { return pyIsSpace(r) }
