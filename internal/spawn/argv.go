package spawn

import (
	"errors"
	"fmt"
	"github.com/supervisorgo/supervisor/internal/python"
	"io/fs"
	"os"
	"strings"
	"syscall"
)

// DefaultPath is the search path used when supervisord's own PATH is unset
// or empty (ServerOptions.get_path).
const DefaultPath = "/bin:/usr/bin:/usr/local/bin"

// Argv turns a program's command into the file to execute and its argument
// vector, as Subprocess.get_execv_args does, including the checks of
// ServerOptions.check_execv_args.
//
// The command is split like Python's shlex.split (POSIX mode, no comments).
// A first word containing "/" is used as it is (a relative one is relative
// to supervisord's working directory for the checks, and to the program's
// directory for the exec, as in the reference). Otherwise it is searched in
// the PATH of env (the program's environment, which already holds the
// [supervisord] environment) when env has a PATH key, even an empty one;
// else in lookupPATH (supervisord's own PATH) when it is not empty; else in
// DefaultPath. The search stops at the first entry that exists at all, so a
// directory with the program's name shadows later entries.
//
// Errors are *Error values whose Msg is the reference's spawnerr.
func Argv(command string, env map[string]string, lookupPATH string) (path string, argv []string, err error) {
	argv, err = split(command)
	if err != nil {
		return "", nil, &Error{Kind: BadCommand, Msg: fmt.Sprintf("can't parse command %s: %s", python.Repr(command), err)}
	}
	if len(argv) == 0 {
		return "", nil, &Error{Kind: BadCommand, Msg: "command is empty"}
	}
	program := argv[0]
	var st fs.FileInfo
	if strings.Contains(program, "/") {
		path = program
		st, _ = os.Stat(path)
	} else {
		var dirs []string
		if p, ok := env["PATH"]; ok {
			dirs = strings.Split(p, ":")
		} else if lookupPATH != "" {
			dirs = strings.Split(lookupPATH, ":")
		} else {
			dirs = strings.Split(DefaultPath, ":")
		}
		path = program
		for _, dir := range dirs {
			found := pyJoin(dir, program)
			if fi, err := os.Stat(found); err == nil {
				st, path = fi, found
				break
			}
		}
	}
	if err := checkExecv(path, st); err != nil {
		return "", nil, err
	}
	return path, argv, nil
}

// pyJoin is os.path.join(dir, name) for a name without "/".
func pyJoin(dir, name string) string {
	if dir == "" || strings.HasSuffix(dir, "/") {
		return dir + name
	}
	return dir + "/" + name
}

// checkExecv is ServerOptions.check_execv_args; st is nil when the stat
// failed (for any reason).
func checkExecv(path string, st fs.FileInfo) error {
	switch {
	case st == nil:
		return &Error{Kind: NotFound, Msg: "can't find command " + python.Repr(path)}
	case st.IsDir():
		return &Error{Kind: NotExecutable, Msg: "command at " + python.Repr(path) + " is a directory"}
	case st.Mode().Perm()&0o111 == 0:
		return &Error{Kind: NotExecutable, Msg: "command at " + python.Repr(path) + " is not executable"}
	case access(path, 1 /* X_OK */) != nil:
		return &Error{Kind: NoPermission, Msg: "no permission to run command " + python.Repr(path)}
	}
	return nil
}

// access is os.access: the check uses the real uid and gid.
func access(path string, mode uint32) error {
	return syscall.Access(path, mode)
}

// The errors of shlex.shlex.read_token.
var (
	errNoClosingQuotation = errors.New("No closing quotation")
	errNoEscapedCharacter = errors.New("No escaped character")
)

// split is shlex.split(s) (posix=True, comments=False): a port of
// shlex.read_token with whitespace_split=True, commenters="",
// punctuation_chars="". Whitespace is exactly " \t\r\n"; quotes are ' and ";
// a backslash escapes any character outside quotes (a backslash-newline
// gives a newline, not a continuation) and only " and \ inside double
// quotes; empty quoted words are kept.
func split(s string) ([]string, error) {
	const (
		stWhite  = iota // between words
		stWord          // in a word
		stQuote         // inside quotes (quote holds which)
		stEscape        // after a backslash (escaped holds the state to return to)
	)
	var (
		words   []string
		token   strings.Builder
		state   = stWhite
		quote   byte
		escaped = stWord // state to return to after an escape
		escQ    byte     // the quote when escaped == stQuote
		quoted  bool     // this word had quotes (so it is emitted even if empty)
	)
	isWhite := func(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
	emit := func() {
		words = append(words, token.String())
		token.Reset()
		quoted = false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch state {
		case stWhite:
			switch {
			case isWhite(c):
				// nothing: a token can only be pending in stWord
			case c == '\\':
				escaped, state = stWord, stEscape
			case c == '\'' || c == '"':
				quote, state = c, stQuote
			default:
				token.WriteByte(c)
				state = stWord
			}
		case stQuote:
			quoted = true
			switch {
			case c == quote:
				state = stWord
			case c == '\\' && quote == '"':
				escaped, escQ, state = stQuote, quote, stEscape
			default:
				token.WriteByte(c)
			}
		case stEscape:
			// In POSIX shells only the quote itself or the escape character
			// may be escaped within quotes.
			if escaped == stQuote && c != '\\' && c != escQ {
				token.WriteByte('\\')
			}
			token.WriteByte(c)
			state = escaped
			if state == stQuote {
				quote = escQ
			}
		case stWord:
			switch {
			case isWhite(c):
				emit()
				state = stWhite
			case c == '\'' || c == '"':
				quote, state = c, stQuote
			case c == '\\':
				escaped, state = stWord, stEscape
			default:
				token.WriteByte(c)
			}
		}
	}
	switch state {
	case stQuote:
		return nil, errNoClosingQuotation
	case stEscape:
		return nil, errNoEscapedCharacter
	case stWord:
		if token.Len() > 0 || quoted {
			emit()
		}
	}
	return words, nil
}
