// Package web serves supervisord's web page, as supervisor.web does: the
// status page (/ and /index.html) with a process's actions (start, stop,
// restart, clear its log, tail -f), Refresh, Restart All and Stop All; the
// tail page (/tail.html); and /ok.html.
//
// Every action goes through the XML-RPC API in-process (Call), as the
// reference's views call its rpcinterface, and then redirects to
// /?message=... with 301, as the reference does; the messages and the
// choice of actions per state are the reference's. The HTML and its style
// are this project's own.
package web

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/supervisorgo/supervisor/internal/process"
	"github.com/supervisorgo/supervisor/internal/rpc"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

// Call makes an XML-RPC call in-process; a fault is an *xmlrpc.Fault.
type Call func(ctx context.Context, method string, params ...xmlrpc.Value) (xmlrpc.Value, error)

//go:embed status.html
var statusHTML string

//go:embed tail.html
var tailHTML string

var (
	statusPage = template.Must(template.New("status").Parse(statusHTML))
	tailPage   = template.Must(template.New("tail").Parse(tailHTML))
)

// Handler serves the web page. version is shown at the bottom of the
// status page; now gives the time of the "at ..." messages.
func Handler(call Call, version string, now func() time.Time) http.Handler {
	if now == nil {
		now = time.Now
	}
	u := &ui{call: call, version: version, now: now}
	return http.HandlerFunc(u.serve)
}

// Serves tells the requests the page answers (supervisor_ui_handler.match):
// GET or POST of /, /index.html, /tail.html or /ok.html.
func Serves(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		return false
	}
	switch strings.TrimLeft(r.URL.Path, "/") {
	case "", "index.html", "tail.html", "ok.html":
		return true
	}
	return false
}

type ui struct {
	call    Call
	version string
	now     func() time.Time
}

func (u *ui) serve(w http.ResponseWriter, r *http.Request) {
	if !Serves(r) {
		http.NotFound(w, r)
		return
	}
	form, err := formOf(r)
	if err != nil {
		http.Error(w, "", http.StatusBadRequest)
		return
	}
	switch strings.TrimLeft(r.URL.Path, "/") {
	case "", "index.html":
		u.status(w, r, form)
	case "tail.html":
		u.tail(w, r, form)
	case "ok.html":
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("OK"))
	}
}

// formOf is the reference's form: the query's values, then a POST's
// urlencoded body over them; the first value of a repeated key.
func formOf(r *http.Request) (map[string]string, error) {
	form := map[string]string{}
	for k, v := range r.URL.Query() {
		form[k] = v[0]
	}
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err != nil {
			return nil, err
		}
		for k, v := range r.PostForm {
			form[k] = v[0]
		}
	}
	return form, nil
}

func noCache(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html;charset=utf-8")
	h.Set("Pragma", "no-cache")
	h.Set("Cache-Control", "no-cache")
	h.Set("Expires", "Thu, 01 Jan 1970 00:00:00 GMT")
}

// ctime is Python's time.ctime(): "Wed Nov 25 20:44:40 2026".
func ctime(t time.Time) string { return t.Format("Mon Jan _2 15:04:05 2006") }

// row is one process of the status page.
type row struct {
	State, StateClass, Description, Namespec, Tail string
	Actions                                        []action
	Shade                                          bool
}

type action struct {
	Name, Href, Target string
}

func (u *ui) status(w http.ResponseWriter, r *http.Request, form map[string]string) {
	if act := form["action"]; act != "" {
		msg, err := u.act(r.Context(), form["processname"], act)
		if err != nil {
			http.Error(w, "", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Location", serverURL(r)+"/?message="+quote(msg))
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusMovedPermanently)
		return
	}
	v, err := u.call(r.Context(), "supervisor.getAllProcessInfo")
	if err == nil {
		v, err = plain(v)
	}
	if err != nil {
		http.Error(w, "", http.StatusInternalServerError)
		return
	}
	infos, _ := v.([]xmlrpc.Value)
	var rows []row
	for _, iv := range infos {
		info, _ := iv.(map[string]xmlrpc.Value)
		group, _ := info["group"].(string)
		name, _ := info["name"].(string)
		statename, _ := info["statename"].(string)
		desc, _ := info["description"].(string)
		state, _ := info["state"].(int)
		spec := group + ":" + name
		if group == name {
			spec = name
		}
		rows = append(rows, row{State: strings.ToLower(statename), StateClass: stateClass(statename),
			Description: desc, Namespec: spec, Tail: "tail.html?processname=" + quote(spec),
			Actions: actionsFor(process.State(state), spec)})
	}
	// The reference sorts by (group, name).
	slices.SortStableFunc(rows, func(a, b row) int { return strings.Compare(groupName(a.Namespec), groupName(b.Namespec)) })
	for i := range rows {
		rows[i].Shade = i%2 == 1
	}
	noCache(w)
	msg, hasMsg := form["message"]
	statusPage.Execute(w, struct {
		Message    string
		HasMessage bool
		Rows       []row
		Version    string
		Year       int
	}{msg, hasMsg, rows, u.version, u.now().Year()})
}

// groupName orders namespecs by group then name ("a" is "a:a").
func groupName(spec string) string {
	if g, n, ok := strings.Cut(spec, ":"); ok {
		return g + "\x00" + n
	}
	return spec + "\x00" + spec
}

// actionsFor is StatusView.actions_for_process; "" marks an empty slot.
func actionsFor(state process.State, spec string) []action {
	q := quote(spec)
	start := action{"Start", "index.html?processname=" + q + "&action=start", ""}
	restart := action{"Restart", "index.html?processname=" + q + "&action=restart", ""}
	stop := action{"Stop", "index.html?processname=" + q + "&action=stop", ""}
	clear := action{"Clear Log", "index.html?processname=" + q + "&action=clearlog", ""}
	tailOut := action{"Tail -f Stdout", "logtail/" + q, "_blank"}
	tailErr := action{"Tail -f Stderr", "logtail/" + q + "/stderr", "_blank"}
	switch state {
	case process.Running:
		return []action{restart, stop, clear, tailOut, tailErr}
	case process.Stopped, process.Exited, process.Fatal:
		return []action{start, {}, clear, tailOut, tailErr}
	}
	return []action{{}, {}, clear, tailOut, tailErr}
}

// stateClass is StatusView.css_class_for_state.
func stateClass(statename string) string {
	switch statename {
	case "RUNNING":
		return "statusrunning"
	case "FATAL", "BACKOFF":
		return "statuserror"
	}
	return "statusnominal"
}

// act performs an action of the status page and returns its message, as
// StatusView.make_callback; an unknown action is an error (the
// reference's ValueError, a 500).
func (u *ui) act(ctx context.Context, spec, act string) (string, error) {
	switch act {
	case "refresh":
		return "Page refreshed at " + ctime(u.now()), nil
	case "stopall":
		u.call(ctx, "supervisor.stopAllProcesses")
		return "All stopped at " + ctime(u.now()), nil
	case "restartall":
		u.call(ctx, "system.multicall", []xmlrpc.Value{
			map[string]xmlrpc.Value{"methodName": "supervisor.stopAllProcesses"},
			map[string]xmlrpc.Value{"methodName": "supervisor.startAllProcesses"},
		})
		return "All restarted at " + ctime(u.now()), nil
	}
	if spec == "" {
		return "", fmt.Errorf("web: action %q", act)
	}
	// The name must be one process's (a group's "g:*" is not).
	if _, err := u.call(ctx, "supervisor.getProcessInfo", spec); err != nil {
		return "No such process named " + spec, nil
	}
	switch act {
	case "start":
		if _, err := u.call(ctx, "supervisor.startProcess", spec, true); err != nil {
			msg := "unexpected rpc fault"
			var f *xmlrpc.Fault
			if errors.As(err, &f) {
				switch rpc.Code(f.Code) {
				case rpc.NoFile:
					msg = "no such file"
				case rpc.NotExecutable:
					msg = "file not executable"
				case rpc.AlreadyStarted:
					msg = "already started"
				case rpc.SpawnError:
					msg = "spawn error"
				case rpc.AbnormalTermination:
					msg = "abnormal termination"
				default:
					msg = fmt.Sprintf("unexpected rpc fault [%d] %s", f.Code, f.String)
				}
			}
			return "ERROR: Process " + spec + ": " + msg, nil
		}
		return "Process " + spec + " started", nil
	case "stop":
		if _, err := u.call(ctx, "supervisor.stopProcess", spec, true); err != nil {
			return faultText(err), nil
		}
		return "Process " + spec + " stopped", nil
	case "restart":
		u.call(ctx, "system.multicall", []xmlrpc.Value{
			map[string]xmlrpc.Value{"methodName": "supervisor.stopProcess", "params": []xmlrpc.Value{spec}},
			map[string]xmlrpc.Value{"methodName": "supervisor.startProcess", "params": []xmlrpc.Value{spec}},
		})
		return "Process " + spec + " restarted", nil
	case "clearlog":
		if _, err := u.call(ctx, "supervisor.clearProcessLogs", spec); err != nil {
			return faultText(err), nil
		}
		return "Log for " + spec + " cleared", nil
	}
	return "", fmt.Errorf("web: action %q", act)
}

// faultText is the reference's 'unexpected rpc fault [%d] %s'.
func faultText(err error) string {
	var f *xmlrpc.Fault
	if errors.As(err, &f) {
		return fmt.Sprintf("unexpected rpc fault [%d] %s", f.Code, f.String)
	}
	return "unexpected error: " + err.Error()
}

func (u *ui) tail(w http.ResponseWriter, r *http.Request, form map[string]string) {
	name, ok := form["processname"]
	text, refresh := "No process name found", ""
	limit := 1024
	if l, err := strconv.Atoi(form["limit"]); err == nil && l > 1024 && isDigits(form["limit"]) {
		limit = l
	}
	if ok && name != "" {
		v, err := u.call(r.Context(), "supervisor.readProcessStdoutLog", name, -limit, 0)
		if err == nil {
			v, err = plain(v)
		}
		var f *xmlrpc.Fault
		switch {
		case err == nil:
			text, _ = v.(string)
		case errors.As(err, &f) && f.Code == int(rpc.NoFile):
			text = "No file for " + name
		case errors.As(err, &f):
			text = fmt.Sprintf("ERROR: unexpected rpc fault [%d] %s", f.Code, f.String)
		default:
			http.Error(w, "", http.StatusInternalServerError)
			return
		}
	}
	if ok {
		refresh = "tail.html?processname=" + quote(name) + "&limit=" + strconv.Itoa(limit)
	}
	title := "Supervisor tail of process None"
	if ok {
		title = "Supervisor tail of process " + name
	}
	noCache(w)
	tailPage.Execute(w, struct{ Title, Text, Refresh string }{title, text, refresh})
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// plain turns a result of an in-process call, whatever Go types the
// method built it from, into what a client decodes: []any, map[string]any,
// string, int...
func plain(v xmlrpc.Value) (xmlrpc.Value, error) {
	b, err := xmlrpc.MarshalResponse(v)
	if err != nil {
		return nil, err
	}
	return xmlrpc.DecodeResponse(bytes.NewReader(b), nil)
}

// quote is Python's urllib.parse.quote: '/' and the unreserved characters
// stay as they are.
func quote(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_.-~/", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// serverURL is medusa's get_server_url: http://host[:port] as the client
// reached us.
func serverURL(r *http.Request) string {
	u := url.URL{Scheme: "http", Host: r.Host}
	if r.TLS != nil {
		u.Scheme = "https"
	}
	if u.Host == "" {
		u.Host = "localhost"
	}
	return u.String()
}
