package daemon

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"

	"github.com/supervisorgo/supervisor/internal/config"
	"github.com/supervisorgo/supervisor/internal/events"
	"github.com/supervisorgo/supervisor/internal/mainlog"
	"github.com/supervisorgo/supervisor/internal/process"
	"github.com/supervisorgo/supervisor/internal/rpc"
	"github.com/supervisorgo/supervisor/internal/rpc/mainapi"
	"github.com/supervisorgo/supervisor/internal/spawn"
	"github.com/supervisorgo/supervisor/internal/supervisor"
	"github.com/supervisorgo/supervisor/plugin"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

// host is the running supervisor as the XML-RPC namespaces see it
// (plugin.InitContext.Host); it implements mainapi.Supervisor.
type host struct {
	m       *supervisor.Manager
	sp      *spawner
	auto    *autoLogs
	log     *slog.Logger
	outputs *mainlog.Outputs
	load    func() (*config.Config, error)
	// requests carries shutdown and restart requests to the control loop.
	requests chan supervisor.State

	mu  sync.Mutex
	cfg *config.Config // the last-read configuration

	events *hub

	// dispatcher serves Call; it is set once every namespace is mounted.
	dispatcher atomic.Pointer[rpc.Server]
}

var (
	_ mainapi.Supervisor = (*host)(nil)
	_ plugin.Host        = (*host)(nil)
)

// Call is plugin.Host.Call: the same dispatch as an HTTP request.
func (h *host) Call(ctx context.Context, method string, params ...xmlrpc.Value) (xmlrpc.Value, error) {
	d := h.dispatcher.Load()
	if d == nil {
		return nil, errors.New("supervisord is not serving calls yet")
	}
	return d.Call(ctx, method, params)
}

// ServerURL is the URL children get in SUPERVISOR_SERVER_URL (the exec
// factory gives it to plugins too).
func (h *host) ServerURL() string { return h.Config().ServerURL }

// Version is plugin.Host.Version.
func (h *host) Version() string { return mainapi.SupervisorVersion }

func (h *host) Manager() *supervisor.Manager { return h.m }
func (h *host) Identification() string       { return h.Config().Supervisord.Identifier }
func (h *host) Pid() int                     { return os.Getpid() }

func (h *host) MainLogPath() string {
	if p := h.Config().Supervisord.Logfile; p != mainlog.SyslogTarget {
		return p
	}
	return ""
}

func (h *host) ClearMainLog(context.Context) error {
	h.log.Info("reopening log file")
	return h.outputs.Clear()
}

func (h *host) request(s supervisor.State) {
	h.m.SetState(s)
	select {
	case h.requests <- s:
	default: // a request is already pending
	}
}

func (h *host) RequestShutdown() { h.request(supervisor.Shutdown) }
func (h *host) RequestRestart()  { h.request(supervisor.Restarting) }

func (h *host) Config() *config.Config {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cfg
}

func (h *host) Reread(context.Context) (*config.Config, error) {
	cfg, err := h.load()
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	h.cfg = cfg
	h.mu.Unlock()
	return cfg, nil
}

func (h *host) AddGroup(ctx context.Context, g *config.Group) error {
	sd := h.Config().Supervisord
	if err := h.auto.resolve(g, sd); err != nil {
		return err
	}
	if g.Kind == config.KindFastCGI {
		if err := h.sp.addFCGI(g); err != nil {
			return err
		}
	}
	return h.m.AddGroup(ctx, g)
}

func (h *host) CheckCommand(p *config.Process) error {
	path, _ := os.LookupEnv("PATH")
	_, _, err := spawn.Argv(p.Command, p.Environment, path)
	return err
}

// EnsureLogFile creates a pending AUTO log file (see autoLogs).
func (h *host) EnsureLogFile(path string) {
	h.auto.ensure(path)
}

func (h *host) ClearProcessLogs(_ context.Context, p *process.Process) error {
	return h.sp.ClearLogs(p.Config())
}

func (h *host) WriteStdin(_ context.Context, p *process.Process, data []byte) error {
	switch err := h.sp.WriteStdin(p.Config(), data); {
	case errors.Is(err, errNoStdin):
		return process.ErrNotRunning
	case errors.Is(err, errStdinClosed):
		return mainapi.ErrStdinClosed
	default:
		return err
	}
}

// RemoteCommunication publishes a REMOTE_COMMUNICATION event.
func (h *host) RemoteCommunication(typ, data string) {
	h.events.bus.Publish(events.Remote(typ, data))
}
