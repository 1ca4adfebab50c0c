package config

// Value syntaxes of the configuration file, each following the function of
// supervisor/datatypes.py named in its comment.

import (
	"errors"
	"fmt"
	"math"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"unicode"

	"github.com/supervisorgo/supervisor/internal/ini"
)

// parseInt follows Python's int(s, base) for the inputs a config file has:
// surrounding whitespace, an optional sign, digits with single underscores
// between them, and a 0o/0x prefix when the base is 8/16.
func parseInt(s string, base int) (int64, error) {
	t := ini.TrimSpace(s)
	neg := false
	if t != "" && (t[0] == '+' || t[0] == '-') {
		neg = t[0] == '-'
		t = t[1:]
	}
	if len(t) > 2 && t[0] == '0' {
		p := t[1] | 0x20
		if (base == 8 && p == 'o') || (base == 16 && p == 'x') {
			t = t[2:]
			if strings.HasPrefix(t, "_") {
				t = t[1:]
			}
		}
	}
	if t == "" || t[0] == '_' || t[len(t)-1] == '_' || strings.Contains(t, "__") {
		return 0, fmt.Errorf("invalid literal for int() with base %d: %s", base, pyQuote(s))
	}
	v, err := strconv.ParseInt(asciiDigits(strings.ReplaceAll(t, "_", "")), base, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return 0, fmt.Errorf("integer %s is out of range", pyQuote(s))
		}
		return 0, fmt.Errorf("invalid literal for int() with base %d: %s", base, pyQuote(s))
	}
	if neg {
		v = -v
	}
	return v, nil
}

// asciiDigits replaces Unicode decimal digits (which Python's int()
// accepts) by ASCII ones.
func asciiDigits(s string) string {
	if isASCII(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r > unicode.MaxASCII && unicode.IsDigit(r) {
			start := r
			for unicode.IsDigit(start - 1) {
				start--
			}
			r = '0' + (r-start)%10
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] > unicode.MaxASCII {
			return false
		}
	}
	return true
}

// integer is datatypes.integer.
func integer(s string) (int, error) {
	v, err := parseInt(s, 10)
	if err != nil {
		return 0, err
	}
	if v > math.MaxInt32 || v < math.MinInt32 {
		return 0, fmt.Errorf("integer %s is out of range", pyQuote(s))
	}
	return int(v), nil
}

// boolean is datatypes.boolean.
func boolean(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "yes", "true", "on", "1":
		return true, nil
	case "no", "false", "off", "0":
		return false, nil
	}
	return false, fmt.Errorf("not a valid boolean value: %s", pyQuote(s))
}

// byteSize is datatypes.byte_size: an integer with an optional
// case-insensitive KB, MB or GB suffix.
func byteSize(s string) (int64, error) {
	v := strings.ToLower(s)
	mult := int64(1)
	if len(v) >= 2 {
		switch v[len(v)-2:] {
		case "kb":
			mult = 1 << 10
		case "mb":
			mult = 1 << 20
		case "gb":
			mult = 1 << 30
		}
		if mult > 1 {
			v = v[:len(v)-2]
		}
	}
	n, err := parseInt(v, 10)
	if err != nil {
		return 0, fmt.Errorf("not a valid byte size: %s", pyQuote(s))
	}
	if n > math.MaxInt64/mult || n < math.MinInt64/mult {
		return 0, fmt.Errorf("byte size %s is out of range", pyQuote(s))
	}
	return n * mult, nil
}

// octal is datatypes.octal_type.
func octal(s string) (int, error) {
	v, err := parseInt(s, 8)
	if err != nil || v > math.MaxInt32 || v < math.MinInt32 {
		return 0, fmt.Errorf("%s can not be converted to an octal type", s)
	}
	return int(v), nil
}

// signals are the names Python's signal module defines on Linux, with their
// numbers (datatypes.signal_number accepts any of them, and any number
// among their values).
var signals = map[string]int{
	"SIG_DFL": 0, "SIG_BLOCK": 0, "SIGHUP": 1, "SIG_IGN": 1, "SIG_UNBLOCK": 1,
	"SIGINT": 2, "SIG_SETMASK": 2, "SIGQUIT": 3, "SIGILL": 4, "SIGTRAP": 5,
	"SIGABRT": 6, "SIGIOT": 6, "SIGBUS": 7, "SIGFPE": 8, "SIGKILL": 9,
	"SIGUSR1": 10, "SIGSEGV": 11, "SIGUSR2": 12, "SIGPIPE": 13, "SIGALRM": 14,
	"SIGTERM": 15, "SIGSTKFLT": 16, "SIGCHLD": 17, "SIGCLD": 17, "SIGCONT": 18,
	"SIGSTOP": 19, "SIGTSTP": 20, "SIGTTIN": 21, "SIGTTOU": 22, "SIGURG": 23,
	"SIGXCPU": 24, "SIGXFSZ": 25, "SIGVTALRM": 26, "SIGPROF": 27, "SIGWINCH": 28,
	"SIGIO": 29, "SIGPOLL": 29, "SIGPWR": 30, "SIGSYS": 31, "SIGRTMIN": 34,
	"SIGRTMAX": 64,
}

// signalNumber is datatypes.signal_number.
func signalNumber(s string) (syscall.Signal, error) {
	n, err := parseInt(s, 10)
	if err != nil {
		name := strings.ToUpper(ini.TrimSpace(s))
		if !strings.HasPrefix(name, "SIG") {
			name = "SIG" + name
		}
		num, ok := signals[name]
		if !ok {
			return 0, fmt.Errorf("unknown signal %s", pyQuote(s))
		}
		return syscall.Signal(num), nil
	}
	for _, num := range signals {
		if int64(num) == n {
			return syscall.Signal(num), nil
		}
	}
	return 0, fmt.Errorf("unknown signal number %s", pyQuote(s))
}

// SignalName returns a signal's name as supervisor.options.signame does
// ("SIGTERM"; "signal 35" for a number without a name).
func SignalName(sig syscall.Signal) string {
	switch sig {
	case 6:
		return "SIGABRT"
	case 17:
		return "SIGCHLD"
	case 29:
		return "SIGPOLL"
	}
	for name, num := range signals {
		if num == int(sig) && !strings.HasPrefix(name, "SIG_") {
			return name
		}
	}
	return fmt.Sprintf("signal %d", int(sig))
}

// listOfStrings is datatypes.list_of_strings.
func listOfStrings(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	for i, p := range parts {
		parts[i] = ini.TrimSpace(p)
	}
	return parts
}

// exitCodes is datatypes.list_of_exitcodes.
func exitCodes(s string) ([]int, error) {
	if s == "" {
		return []int{}, nil
	}
	var codes []int
	for _, p := range strings.Split(s, ",") {
		v, err := parseInt(p, 10)
		if err != nil || v < 0 || v > 255 {
			return nil, fmt.Errorf("not a valid list of exit codes: %s", pyQuote(s))
		}
		codes = append(codes, int(v))
	}
	return codes, nil
}

// autoRestart is datatypes.auto_restart.
func autoRestart(s string) (Autorestart, error) {
	v := strings.ToLower(s)
	switch v {
	case "yes", "true", "on", "1":
		return AutorestartAlways, nil
	case "no", "false", "off", "0":
		return AutorestartNever, nil
	case "unexpected":
		return AutorestartUnexpected, nil
	}
	return 0, fmt.Errorf("invalid 'autorestart' value %s", pyQuote(v))
}

// loggingLevel is datatypes.logging_level.
func loggingLevel(s string) (LogLevel, error) {
	switch strings.ToLower(s) {
	case "critical":
		return LevelCritical, nil
	case "error":
		return LevelError, nil
	case "warn":
		return LevelWarn, nil
	case "info":
		return LevelInfo, nil
	case "debug":
		return LevelDebug, nil
	case "trace":
		return LevelTrace, nil
	case "blather":
		return LevelBlather, nil
	}
	return 0, fmt.Errorf("bad logging level name %s", pyQuote(s))
}

// processOrGroupName is datatypes.process_or_group_name.
func processOrGroupName(s string) (string, error) {
	t := ini.TrimSpace(s)
	for _, c := range " :/" {
		if strings.ContainsRune(t, c) {
			return "", fmt.Errorf("invalid name %s because of character %s", pyQuote(s), pyQuote(string(c)))
		}
	}
	return t, nil
}

// expandUser is os.path.expanduser for "~" and "~/..." (and "~user").
func expandUser(p, home string) string {
	if !strings.HasPrefix(p, "~") {
		return p
	}
	i := strings.IndexByte(p, '/')
	if i < 0 {
		i = len(p)
	}
	var dir string
	if i == 1 {
		dir = home
		if dir == "" {
			if u, err := user.Current(); err == nil {
				dir = u.HomeDir
			}
		}
	} else {
		u, err := user.Lookup(p[1:i])
		if err != nil {
			return p
		}
		dir = u.HomeDir
	}
	if dir == "" {
		return p
	}
	if dir != "/" {
		dir = strings.TrimRight(dir, "/")
	}
	if dir == "/" && i < len(p) {
		return p[i:]
	}
	return dir + p[i:]
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// existingDirectory is datatypes.existing_directory.
func (l *loader) existingDirectory(v string) (string, error) {
	nv := expandUser(v, l.env["HOME"])
	if isDir(resolve(nv, l.cwd)) {
		return nv, nil
	}
	return "", fmt.Errorf("%s is not an existing directory", v)
}

// existingDirpath is datatypes.existing_dirpath.
func (l *loader) existingDirpath(v string) (string, error) {
	nv := expandUser(v, l.env["HOME"])
	dir := filepath.Dir(nv)
	if !strings.Contains(nv, "/") {
		return nv, nil
	}
	if isDir(resolve(dir, l.cwd)) {
		return nv, nil
	}
	return "", fmt.Errorf("the directory named as part of the path %s does not exist", v)
}

// normalizePath is options.normalize_path: expanduser, absolute, cleaned.
func (l *loader) normalizePath(v string) string {
	p := expandUser(v, l.env["HOME"])
	if !filepath.IsAbs(p) {
		p = filepath.Join(l.cwd, p)
	}
	return filepath.Clean(p)
}

// nameToUID is datatypes.name_to_uid.
func nameToUID(name string) (int, error) {
	if n, err := parseInt(name, 10); err == nil {
		if _, err := user.LookupId(strconv.FormatInt(n, 10)); err != nil {
			return 0, fmt.Errorf("invalid user id %s", name)
		}
		return int(n), nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return 0, fmt.Errorf("invalid user name %s", name)
	}
	uid, _ := strconv.Atoi(u.Uid)
	return uid, nil
}

// nameToGID is datatypes.name_to_gid.
func nameToGID(name string) (int, error) {
	if n, err := parseInt(name, 10); err == nil {
		if _, err := user.LookupGroupId(strconv.FormatInt(n, 10)); err != nil {
			return 0, fmt.Errorf("invalid group id %s", name)
		}
		return int(n), nil
	}
	g, err := user.LookupGroup(name)
	if err != nil {
		return 0, fmt.Errorf("invalid group name %s", name)
	}
	gid, _ := strconv.Atoi(g.Gid)
	return gid, nil
}

// gidForUID is datatypes.gid_for_uid: the user's primary group.
func gidForUID(uid int) (int, error) {
	u, err := user.LookupId(strconv.Itoa(uid))
	if err != nil {
		return 0, fmt.Errorf("invalid user id %d", uid)
	}
	return strconv.Atoi(u.Gid)
}

// userGroup is datatypes.colon_separated_user_group; gid -1 means unchanged.
func userGroup(s string) (Owner, error) {
	u, g, hasGroup := strings.Cut(s, ":")
	uid, err := nameToUID(u)
	if err != nil {
		return Owner{}, fmt.Errorf("invalid user:group definition %s", s)
	}
	gid := -1
	if hasGroup {
		if gid, err = nameToGID(g); err != nil {
			return Owner{}, fmt.Errorf("invalid user:group definition %s", s)
		}
	}
	return Owner{UID: uid, GID: gid}, nil
}

// inetAddress is datatypes.inet_address: "port", "host:port", "*:port", ":port".
func inetAddress(s string) (host string, port int, err error) {
	p := s
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		host, p = strings.ToLower(s[:i]), s[i+1:]
		if p == "" {
			return "", 0, fmt.Errorf("no port number specified in %s", pyQuote(s))
		}
	}
	n, err := parseInt(p, 10)
	if err != nil {
		return "", 0, fmt.Errorf("not a valid port number: %s", pyQuote(p))
	}
	if n < 1 || n > 0xffff {
		return "", 0, fmt.Errorf("port %d is out of range 1..65535", n)
	}
	if host == "*" {
		host = ""
	}
	return host, int(n), nil
}

// keyValuePairs is datatypes.dict_of_key_value_pairs: the value is split
// into tokens by Python's shlex in its non-POSIX mode (word characters
// extended with "/.+-():"), then read as KEY = VALUE triples each followed
// by one separator token; surrounding quotes are removed from values.
func keyValuePairs(s string) (map[string]string, []string, error) {
	toks, err := shlexTokens(s)
	if err != nil {
		return nil, nil, err
	}
	env := map[string]string{}
	var order []string
	for i := 0; i < len(toks); i += 4 {
		if i+3 > len(toks) || toks[i+1] != "=" {
			return nil, nil, fmt.Errorf("unexpected end of key/value pairs in value %s", pyQuote(s))
		}
		k := toks[i]
		if _, seen := env[k]; !seen {
			order = append(order, k)
		}
		env[k] = strings.Trim(toks[i+2], `'"`)
	}
	return env, order, nil
}

func isWordChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
		strings.ContainsRune("_/.+-():", r)
}

// shlexTokens is list(shlex.shlex(s)) with Supervisor's word characters.
func shlexTokens(s string) ([]string, error) {
	const ws = " \t\r\n"
	var toks []string
	r := []rune(s)
	i := 0
	for {
		// State ' ': between tokens.
		for i < len(r) && strings.ContainsRune(ws, r[i]) {
			i++
		}
		if i >= len(r) {
			return toks, nil
		}
		c := r[i]
		switch {
		case c == '#':
			for i < len(r) && r[i] != '\n' {
				i++
			}
			continue
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(r) && r[j] != c {
				j++
			}
			if j >= len(r) {
				return nil, errors.New("no closing quotation")
			}
			toks = append(toks, string(r[i:j+1]))
			i = j + 1
			continue
		case !isWordChar(c):
			toks = append(toks, string(c))
			i++
			continue
		}
		// State 'a': a word; quotes are word characters here, '#' skips
		// the rest of the line without ending the word.
		var w strings.Builder
		for i < len(r) {
			c := r[i]
			if strings.ContainsRune(ws, c) {
				i++
				break
			}
			if c == '#' {
				for i < len(r) && r[i] != '\n' {
					i++
				}
				if i < len(r) {
					i++
				}
				continue
			}
			if !isWordChar(c) && c != '\'' && c != '"' {
				break
			}
			w.WriteRune(c)
			i++
		}
		toks = append(toks, w.String())
	}
}

// pyQuote quotes a value in a message.
func pyQuote(s string) string { return strconv.Quote(s) }

// ParseEnvironment reads an environment= value (KEY="value",KEY2=value2),
// as [program:x] environment is read (datatypes.dict_of_key_value_pairs).
func ParseEnvironment(s string) (map[string]string, error) {
	env, _, err := keyValuePairs(s)
	return env, err
}
