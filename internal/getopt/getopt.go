// Package getopt parses command lines as Python's getopt.getopt does, the
// parser supervisord and supervisorctl use: short options may be bundled
// ("-nc FILE", "-cFILE"), long options may be abbreviated to any unique
// prefix ("--nodae"), and parsing stops at the first argument that is not
// an option (or after "--").
package getopt

import (
	"fmt"
	"strings"
)

// Option is one parsed option: its name as written in the spec ("-c",
// "--configuration") and its argument ("" for options without one).
type Option struct {
	Name  string
	Value string
}

// Error is a usage error, worded as Python's GetoptError.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

// Parse parses args against short (e.g. "hc:n", a ':' after a letter means
// it takes an argument) and long (e.g. "configuration=" takes an argument,
// "nodaemon" does not). It returns the options and the remaining arguments.
func Parse(args []string, short string, long []string) ([]Option, []string, error) {
	var opts []Option
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && args[0] != "-" {
		if args[0] == "--" {
			args = args[1:]
			break
		}
		arg := args[0]
		args = args[1:]
		if strings.HasPrefix(arg, "--") {
			name, val, hasVal := strings.Cut(arg[2:], "=")
			takes, full, err := longHasArg(name, long)
			if err != nil {
				return nil, nil, err
			}
			switch {
			case takes && !hasVal:
				if len(args) == 0 {
					return nil, nil, &Error{fmt.Sprintf("option --%s requires argument", full)}
				}
				val, args = args[0], args[1:]
			case !takes && hasVal:
				return nil, nil, &Error{fmt.Sprintf("option --%s must not have an argument", full)}
			}
			opts = append(opts, Option{"--" + full, val})
			continue
		}
		rest := arg[1:]
		for rest != "" {
			c := rest[:1]
			rest = rest[1:]
			i := strings.Index(short, c)
			if c == ":" || i < 0 {
				return nil, nil, &Error{fmt.Sprintf("option -%s not recognized", c)}
			}
			val := ""
			if strings.HasPrefix(short[i+1:], ":") {
				if rest == "" {
					if len(args) == 0 {
						return nil, nil, &Error{fmt.Sprintf("option -%s requires argument", c)}
					}
					rest, args = args[0], args[1:]
				}
				val, rest = rest, ""
			}
			opts = append(opts, Option{"-" + c, val})
		}
	}
	return opts, args, nil
}

func longHasArg(name string, long []string) (takes bool, full string, err error) {
	var matches []string
	for _, l := range long {
		if strings.HasPrefix(l, name) {
			matches = append(matches, l)
		}
	}
	if len(matches) == 0 {
		return false, "", &Error{fmt.Sprintf("option --%s not recognized", name)}
	}
	for _, m := range matches {
		if m == name {
			return false, name, nil
		}
		if m == name+"=" {
			return true, name, nil
		}
	}
	if len(matches) > 1 {
		return false, "", &Error{fmt.Sprintf("option --%s not a unique prefix", name)}
	}
	full, takes = strings.CutSuffix(matches[0], "=")
	return takes, full, nil
}
