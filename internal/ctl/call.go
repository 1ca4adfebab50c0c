package ctl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/supervisorgo/supervisor/ctlplugin"
	"github.com/supervisorgo/supervisor/internal/ctl/shlex"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

const callHelp = "call [--json] <namespace.method> [arg ...]\tCall any XML-RPC method\n" +
	"\t\tArguments are split like a shell's words and typed:\n" +
	"\t\t  42, -1          int\n" +
	"\t\t  1.5             double\n" +
	"\t\t  true, false     boolean\n" +
	"\t\t  [1, \"a\"]        array (JSON)\n" +
	"\t\t  {\"k\": 1}        struct (JSON)\n" +
	"\t\t  anything else   string\n" +
	"\t\tor explicitly: int:5 str:5 string:5 bool:true float:2 double:2 json:<JSON>\n" +
	"\t\tThe result is printed as Python's pprint would, or as JSON with --json.\n" +
	"Ex:\n" +
	"call system.listMethods\n" +
	"call supervisor.readProcessStdoutLog web 0 100\n" +
	"call cache.store mykey str:42\n" +
	"Other supervisor-go extensions:\n" +
	"status --json, pid --json, avail --json, version --json\tprint JSON\n" +
	"start -P, stop -P, restart -P <name> ...\tact on every process at once"

// parseCallArgs splits a call's argument line into typed values.
func parseCallArgs(line string) ([]xmlrpc.Value, error) {
	words, err := shlex.Split(line)
	if err != nil {
		return nil, err
	}
	out := make([]xmlrpc.Value, 0, len(words))
	for _, w := range words {
		v, err := parseCallArg(w)
		if err != nil {
			return nil, fmt.Errorf("argument %s: %w", pyRepr(w), err)
		}
		out = append(out, v)
	}
	return out, nil
}

// parseCallArg types one word.
func parseCallArg(w string) (xmlrpc.Value, error) {
	if kind, rest, ok := strings.Cut(w, ":"); ok {
		switch kind {
		case "str", "string":
			return rest, nil
		case "int":
			n, err := strconv.ParseInt(strings.TrimSpace(rest), 10, 32)
			if err != nil {
				return nil, errors.New("not a 32-bit integer")
			}
			return int(n), nil
		case "bool", "boolean":
			switch strings.ToLower(rest) {
			case "true", "1", "yes":
				return true, nil
			case "false", "0", "no":
				return false, nil
			}
			return nil, errors.New("not a boolean (true or false)")
		case "float", "double":
			f, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err != nil {
				return nil, errors.New("not a number")
			}
			return f, nil
		case "json":
			return parseJSON(rest)
		}
	}
	switch w {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	if n, err := strconv.ParseInt(w, 10, 32); err == nil {
		return int(n), nil
	}
	if f, err := strconv.ParseFloat(w, 64); err == nil && strings.ContainsAny(w, ".eE") && !math.IsInf(f, 0) && !math.IsNaN(f) {
		return f, nil
	}
	if strings.HasPrefix(w, "[") || strings.HasPrefix(w, "{") {
		return parseJSON(w)
	}
	return w, nil
}

// parseJSON reads one JSON value as an XML-RPC value: integral numbers
// within 32 bits are ints, other numbers doubles; null is refused.
func parseJSON(s string) (xmlrpc.Value, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("bad JSON: %v", err)
	}
	if dec.More() {
		return nil, errors.New("bad JSON: text after the value")
	}
	return fromJSON(v)
}

func fromJSON(v any) (xmlrpc.Value, error) {
	switch v := v.(type) {
	case nil:
		return nil, errors.New("null has no XML-RPC form")
	case json.Number:
		if n, err := strconv.ParseInt(v.String(), 10, 32); err == nil {
			return int(n), nil
		}
		f, err := v.Float64()
		if err != nil || math.IsInf(f, 0) {
			return nil, fmt.Errorf("number %s out of range", v)
		}
		return f, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			x, err := fromJSON(e)
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			x, err := fromJSON(e)
			if err != nil {
				return nil, err
			}
			out[k] = x
		}
		return out, nil
	}
	return v, nil
}

func (c *Controller) doCall(ctx context.Context, arg string) error {
	asJSON := false
	if rest, ok := strings.CutPrefix(arg, "--json"); ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t') {
		asJSON, arg = true, strings.TrimSpace(rest)
	}
	method, rest, _ := strings.Cut(arg, " ")
	if method == "" {
		c.Output("Error: call requires a method name")
		c.SetExitStatus(ctlplugin.ExitGeneric)
		c.help("call")
		return nil
	}
	params, err := parseCallArgs(rest)
	if err != nil {
		c.Output("Error: " + err.Error())
		c.SetExitStatus(ctlplugin.ExitInvalidArgs)
		return nil
	}
	v, err := c.Call(ctx, method, params...)
	if err != nil {
		if f, ok := faultOf(err); ok {
			c.Output(fmt.Sprintf("%s: ERROR (fault %d: %s)", method, f.Code, f.String))
			c.SetExitStatus(ctlplugin.ExitGeneric)
			return nil
		}
		return err
	}
	if asJSON {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetIndent("", "  ")
		enc.Encode(jsonable(v))
		c.Output(strings.TrimSuffix(b.String(), "\n"))
		return nil
	}
	if s, ok := v.(string); ok {
		c.Output(s)
		return nil
	}
	c.Output(pformat(v))
	return nil
}
