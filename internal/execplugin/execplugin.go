package execplugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/user"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/supervisorgo/supervisor/internal/config"
	"github.com/supervisorgo/supervisor/internal/events"
	"github.com/supervisorgo/supervisor/internal/jsonrpc"
	"github.com/supervisorgo/supervisor/internal/mainlog"
	"github.com/supervisorgo/supervisor/internal/rpc"
	"github.com/supervisorgo/supervisor/internal/spawn"
	"github.com/supervisorgo/supervisor/plugin"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

// FactoryName is the name the exec factory is registered under.
const FactoryName = "exec"

func init() { plugin.Register(FactoryName, New) }

// APIVersion is sent as supervisor.api_version in initialize.
const APIVersion = "3.0"

// The keys the factory reads itself; every other key goes to the plugin.
var ownKeys = []string{"command", "directory", "environment", "user", "init_timeout", "call_timeout"}

// methodName is the spec's rule for a plugin method's name.
var methodName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.]*$`)

// logLevels are the levels of the "log" notification (loglevel's names).
var logLevels = map[string]slog.Level{
	"critical": mainlog.LevelCritical, "error": mainlog.LevelError, "warn": mainlog.LevelWarn,
	"info": mainlog.LevelInfo, "debug": mainlog.LevelDebug, "trace": mainlog.LevelTrace,
	"blather": mainlog.LevelBlather,
}

// ServerURLer is implemented by a plugin.Host that knows the URL children
// get as SUPERVISOR_SERVER_URL.
type ServerURLer interface {
	ServerURL() string
}

// timing holds the durations of the life cycle; tests shorten them.
type timing struct {
	stopGrace  time.Duration // after closing stdin, before SIGTERM; after SIGTERM, before SIGKILL
	firstDelay time.Duration // first restart delay
	maxDelay   time.Duration
	stableFor  time.Duration // an instance up this long resets the delay
}

var defaultTiming = timing{stopGrace: 5 * time.Second, firstDelay: time.Second, maxDelay: 60 * time.Second, stableFor: 60 * time.Second}

// settings is the parsed section.
type settings struct {
	path        string
	argv        []string
	dir         string
	env         []string
	cred        *syscall.Credential
	initTimeout time.Duration
	callTimeout time.Duration
	pluginCfg   map[string]string
}

// Plugin is the namespace an exec section mounts: a running helper
// process and the methods it announced. It implements plugin.Namespace
// and plugin.Closer.
type Plugin struct {
	name   string
	set    settings
	host   plugin.Host
	log    *slog.Logger
	timing timing

	mu      sync.RWMutex
	cur     *instance // nil while the plugin is not running
	methods []plugin.Method
	events  []string

	runCtx  context.Context // the supervising goroutine's context: ends on Close
	stopRun context.CancelFunc
	wg      sync.WaitGroup // the supervising goroutine
}

// New is the exec factory: it starts the plugin, performs the handshake
// within init_timeout and returns the namespace, or an error naming the
// section.
func New(ctx context.Context, ic plugin.InitContext) (plugin.Namespace, error) {
	return newPlugin(ctx, ic, defaultTiming)
}

func newPlugin(ctx context.Context, ic plugin.InitContext, tm timing) (*Plugin, error) {
	p := &Plugin{name: ic.Name, host: ic.Host, log: ic.Log, timing: tm}
	p.runCtx, p.stopRun = context.WithCancel(context.Background())
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if err := p.parse(ic); err != nil {
		return nil, p.errorf("%v", err)
	}
	inst, err := p.start(ctx)
	if err != nil {
		p.stopRun()
		return nil, err
	}
	p.wg.Go(func() { p.supervise(inst) })
	return p, nil
}

func (p *Plugin) errorf(format string, args ...any) error {
	return fmt.Errorf("rpcinterface:%s: "+format, append([]any{p.name}, args...)...)
}

func (p *Plugin) parse(ic plugin.InitContext) error {
	s := &p.set
	s.pluginCfg = map[string]string{}
	s.initTimeout, s.callTimeout = 10*time.Second, 30*time.Second
	var command string
	var envExtra map[string]string
	for _, kv := range ic.Config {
		var err error
		switch kv.Key {
		case "command":
			command = kv.Value
		case "directory":
			s.dir = kv.Value
		case "environment":
			envExtra, err = config.ParseEnvironment(kv.Value)
		case "user":
			s.cred, err = p.credential(kv.Value)
		case "init_timeout":
			s.initTimeout, err = seconds(kv.Key, kv.Value)
		case "call_timeout":
			s.callTimeout, err = seconds(kv.Key, kv.Value)
		default:
			s.pluginCfg[kv.Key] = kv.Value
		}
		if err != nil {
			return err
		}
	}
	if strings.TrimSpace(command) == "" {
		return errors.New("command is required for the exec factory")
	}
	// Environment: supervisord's, then the SUPERVISOR_* variables, then
	// environment= (which may override them), as spawn.Env orders a child's.
	env := map[string]string{}
	var order []string
	setEnv := func(k, v string) {
		if _, ok := env[k]; !ok {
			order = append(order, k)
		}
		env[k] = v
	}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			if _, dup := env[k]; !dup {
				setEnv(k, v)
			}
		}
	}
	setEnv("SUPERVISOR_ENABLED", "1")
	setEnv("SUPERVISOR_RPC_NAMESPACE", ic.Name)
	if su, ok := ic.Host.(ServerURLer); ok && su.ServerURL() != "" {
		setEnv("SUPERVISOR_SERVER_URL", su.ServerURL())
	}
	extraKeys := make([]string, 0, len(envExtra))
	for k := range envExtra {
		extraKeys = append(extraKeys, k)
	}
	slices.Sort(extraKeys)
	for _, k := range extraKeys {
		setEnv(k, envExtra[k])
	}
	for _, k := range order {
		s.env = append(s.env, k+"="+env[k])
	}
	path, argv, err := spawn.Argv(command, env, os.Getenv("PATH"))
	if err != nil {
		return err
	}
	s.path, s.argv = path, argv
	return nil
}

func seconds(key, v string) (time.Duration, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%s: %q is not a positive number of seconds", key, v)
	}
	return time.Duration(n) * time.Second, nil
}

func (p *Plugin) credential(name string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		p.log.Warn(fmt.Sprintf("rpcinterface:%s: user=%s ignored: supervisord is not running as root", p.name, name))
		return nil, nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		if u, err = user.LookupId(name); err != nil {
			return nil, fmt.Errorf("user: unknown user %s", name)
		}
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	var groups []uint32
	if ids, err := u.GroupIds(); err == nil {
		for _, g := range ids {
			if n, err := strconv.Atoi(g); err == nil {
				groups = append(groups, uint32(n))
			}
		}
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: groups}, nil
}

// Methods returns the methods of the last successful handshake.
func (p *Plugin) Methods() []plugin.Method {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.methods
}

// Events returns the event types the plugin subscribed to in its last
// handshake.
func (p *Plugin) Events() []string {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return slices.Clone(p.events)
}

// Subscribed reports whether the plugin subscribed to eventName, directly
// or through a parent type (PROCESS_STATE covers PROCESS_STATE_RUNNING,
// EVENT covers everything), as an [eventlistener:x] subscription does.
func (p *Plugin) Subscribed(eventName string) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return events.Matches(eventName, p.events)
}

// ErrNotRunning is returned by Deliver while the plugin is restarting.
var ErrNotRunning = errors.New("plugin not running")

// Deliver sends one event to the plugin as an "event" notification, with
// the headers and payload an [eventlistener:x] would receive. It is the
// hook for the event bus: the bus calls it for every event for which
// Subscribed is true. It does not wait for the plugin to read the line
// beyond the pipe's buffer; it fails with ErrNotRunning while the plugin is
// down (the event is then lost, as for a listener that is not running).
func (p *Plugin) Deliver(headers map[string]string, payload string) error {
	p.mu.RLock()
	inst := p.cur
	p.mu.RUnlock()
	if inst == nil {
		return ErrNotRunning
	}
	return inst.conn.Notify("event", map[string]any{"headers": headers, "payload": payload})
}

// Close stops the plugin: it closes its stdin, sends SIGTERM to its process
// group after 5 s and SIGKILL after another 5 s, and returns once every
// goroutine has ended. It is idempotent.
func (p *Plugin) Close() error {
	p.stopRun()
	p.wg.Wait()
	return nil
}

// supervise is the one long-lived goroutine of a Plugin: it owns the
// running instance, restarts it with a growing delay and stops it on Close.
func (p *Plugin) supervise(inst *instance) {
	delay := p.timing.firstDelay
	for {
		if inst != nil {
			began := time.Now()
			select {
			case <-p.runCtx.Done():
				p.setCurrent(nil)
				inst.shutdown(p.timing.stopGrace)
				return
			case <-inst.ended:
			}
			p.setCurrent(nil)
			why := inst.reasonAfterExit(time.Second)
			inst.kill()
			p.log.Warn(fmt.Sprintf("rpcinterface:%s: plugin %s; restarting in %s", p.name, why, delay))
			if time.Since(began) >= p.timing.stableFor {
				delay = p.timing.firstDelay
			}
		}
		t := time.NewTimer(delay)
		select {
		case <-p.runCtx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		delay = min(delay*2, p.timing.maxDelay)
		var err error
		inst, err = p.start(p.runCtx)
		if err != nil {
			if p.runCtx.Err() == nil { // not merely interrupted by Close
				p.log.Error(err.Error())
			}
			inst = nil
		}
	}
}

func (p *Plugin) setCurrent(inst *instance) {
	p.mu.Lock()
	p.cur = inst
	p.mu.Unlock()
}

// start runs the plugin and its handshake. On success the instance is
// current and its methods are published.
func (p *Plugin) start(ctx context.Context) (*instance, error) {
	inst, err := p.launch()
	if err != nil {
		return nil, p.errorf("cannot start %s: %v", p.set.path, err)
	}
	methods, events, err := p.handshake(ctx, inst)
	if err != nil {
		inst.kill()
		return nil, p.errorf("%v", err)
	}
	p.mu.Lock()
	p.cur, p.methods, p.events = inst, methods, events
	p.mu.Unlock()
	p.log.Info(fmt.Sprintf("rpcinterface:%s: plugin started with pid %d, %d methods", p.name, inst.cmd.Process.Pid, len(methods)))
	return inst, nil
}

type initAnswer struct {
	Methods []struct {
		Name      string     `json:"name"`
		Help      string     `json:"help"`
		Signature [][]string `json:"signature"`
	} `json:"methods"`
	Events []string `json:"events"`
}

func (p *Plugin) handshake(ctx context.Context, inst *instance) ([]plugin.Method, []string, error) {
	ctx, cancel := context.WithTimeout(ctx, p.set.initTimeout)
	defer cancel()
	ver, ident := "", ""
	if p.host != nil {
		ver, ident = p.host.Version(), p.host.Identification()
	}
	params := map[string]any{
		"namespace":  p.name,
		"config":     p.set.pluginCfg,
		"supervisor": map[string]string{"version": ver, "api_version": APIVersion, "identification": ident},
	}
	raw, err := inst.conn.Call(ctx, "initialize", params)
	if err != nil {
		var je *jsonrpc.Error
		switch {
		case errors.As(err, &je):
			return nil, nil, fmt.Errorf("initialize failed: %s (code %d)", je.Message, je.Code)
		case errors.Is(err, context.DeadlineExceeded):
			return nil, nil, fmt.Errorf("no answer to initialize within %s", p.set.initTimeout)
		case errors.Is(err, jsonrpc.ErrLineTooLong):
			return nil, nil, errors.New("protocol error during initialize: line longer than 16 MiB")
		case errors.Is(err, jsonrpc.ErrClosed):
			return nil, nil, fmt.Errorf("plugin %s during initialize", inst.reasonAfterExit(time.Second))
		default:
			return nil, nil, fmt.Errorf("initialize: %v", err)
		}
	}
	var ans initAnswer
	if err := json.Unmarshal(raw, &ans); err != nil {
		return nil, nil, fmt.Errorf("bad answer to initialize: %v", err)
	}
	seen := map[string]bool{}
	methods := make([]plugin.Method, 0, len(ans.Methods))
	for _, m := range ans.Methods {
		if !methodName.MatchString(m.Name) {
			return nil, nil, fmt.Errorf("bad answer to initialize: invalid method name %q", m.Name)
		}
		if seen[m.Name] {
			return nil, nil, fmt.Errorf("bad answer to initialize: method %q listed twice", m.Name)
		}
		seen[m.Name] = true
		pm := plugin.Method{Name: m.Name, Help: m.Help, Call: p.caller(m.Name)}
		if len(m.Signature) > 0 {
			// plugin.Method holds one signature: the first one given
			pm.Signature = m.Signature[0]
			if len(pm.Signature) == 0 {
				return nil, nil, fmt.Errorf("bad answer to initialize: method %q has an empty signature", m.Name)
			}
		}
		methods = append(methods, pm)
	}
	for _, e := range ans.Events {
		if !slices.Contains(config.EventTypes, e) {
			return nil, nil, fmt.Errorf("bad answer to initialize: unknown event type %q", e)
		}
	}
	return methods, ans.Events, nil
}

// caller returns the Call of the method name.
func (p *Plugin) caller(name string) func(context.Context, []xmlrpc.Value) (xmlrpc.Value, error) {
	full := p.name + "." + name
	return func(ctx context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
		p.mu.RLock()
		inst := p.cur
		p.mu.RUnlock()
		if inst == nil {
			return nil, rpc.Failed.Faultf("%s: plugin not running", full)
		}
		if params == nil {
			params = []xmlrpc.Value{}
		}
		raw, err := toJSON(params)
		if err != nil {
			return nil, rpc.Failed.Faultf("%s: %v", full, err)
		}
		cctx, cancel := context.WithTimeout(ctx, p.set.callTimeout)
		defer cancel()
		res, err := inst.conn.Call(cctx, name, raw)
		if err != nil {
			var je *jsonrpc.Error
			switch {
			case errors.As(err, &je):
				return nil, &xmlrpc.Fault{Code: int(je.Code), String: je.Message}
			case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
				return nil, rpc.Failed.Faultf("%s: no answer within %s", full, p.set.callTimeout)
			case errors.Is(err, jsonrpc.ErrClosed):
				return nil, rpc.Failed.Faultf("%s: plugin exited or broke the protocol during the call", full)
			default:
				return nil, rpc.Failed.Faultf("%s: %v", full, err)
			}
		}
		v, err := fromJSON(res)
		if err != nil {
			return nil, rpc.Failed.Faultf("%s: bad result: %v", full, err)
		}
		return v, nil
	}
}

// handle serves the plugin's requests and notifications.
func (p *Plugin) handle(ctx context.Context, req *jsonrpc.Request) (any, error) {
	if req.IsNotification() {
		p.notification(req)
		return nil, nil
	}
	var raw []json.RawMessage
	if len(req.Params) > 0 {
		if err := json.Unmarshal(req.Params, &raw); err != nil {
			return nil, &jsonrpc.Error{Code: jsonrpc.ErrInvalidParams.Code, Message: "params must be an array"}
		}
	}
	params := make([]xmlrpc.Value, len(raw))
	for i, r := range raw {
		v, err := fromJSON(r)
		if err != nil {
			return nil, &jsonrpc.Error{Code: jsonrpc.ErrInvalidParams.Code, Message: err.Error()}
		}
		params[i] = v
	}
	if p.host == nil {
		return nil, &jsonrpc.Error{Code: int64(rpc.Failed), Message: "FAILED: no host"}
	}
	v, err := p.host.Call(ctx, req.Method, params...)
	if err != nil {
		if f, ok := rpc.AsFault(err); ok {
			return nil, &jsonrpc.Error{Code: int64(f.Code), Message: f.String}
		}
		return nil, &jsonrpc.Error{Code: int64(rpc.Failed), Message: "FAILED: " + err.Error()}
	}
	out, err := toJSON(v)
	if err != nil {
		return nil, &jsonrpc.Error{Code: int64(rpc.Failed), Message: "FAILED: " + err.Error()}
	}
	return out, nil
}

func (p *Plugin) notification(req *jsonrpc.Request) {
	if req.Method != "log" {
		p.log.Warn(fmt.Sprintf("rpcinterface:%s: unknown notification %q ignored", p.name, req.Method))
		return
	}
	var n struct {
		Level   string `json:"level"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(req.Params, &n); err != nil {
		p.log.Warn(fmt.Sprintf("rpcinterface:%s: bad log notification: %v", p.name, err))
		return
	}
	lvl, ok := logLevels[strings.ToLower(n.Level)]
	if !ok {
		lvl = mainlog.LevelWarn
		n.Message = fmt.Sprintf("(unknown level %q) %s", n.Level, n.Message)
	}
	p.log.Log(context.Background(), lvl, fmt.Sprintf("rpcinterface:%s: %s", p.name, n.Message))
}

var (
	_ plugin.Namespace = (*Plugin)(nil)
	_ plugin.Closer    = (*Plugin)(nil)
)
