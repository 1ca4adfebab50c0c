package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/supervisorgo/supervisor/internal/config"
	"github.com/supervisorgo/supervisor/internal/events"
	"github.com/supervisorgo/supervisor/internal/eventstream"
	"github.com/supervisorgo/supervisor/internal/httpd"
	"github.com/supervisorgo/supervisor/internal/logtail"
	"github.com/supervisorgo/supervisor/internal/mainlog"
	"github.com/supervisorgo/supervisor/internal/rpc"
	"github.com/supervisorgo/supervisor/internal/spawn"
	"github.com/supervisorgo/supervisor/internal/supervisor"
	"github.com/supervisorgo/supervisor/internal/web"
	"github.com/supervisorgo/supervisor/plugin"
)

// env is what Run needs from its surroundings.
type env struct {
	stdout io.Writer
	// ready, if set, is called once start-up succeeded (or with the error
	// that ended it): the daemonized child tells its waiting parent.
	ready func(error)
	// load re-reads the configuration for a restart.
	load func() (*config.Config, error)
	// sigs, if set, already receives the daemon's signals (Main asks for
	// them before it reads the configuration, so that a signal sent
	// during start-up is handled once the daemon runs, not fatal).
	sigs chan os.Signal
}

// daemonSignals are the signals supervisord handles.
var daemonSignals = []os.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGHUP, syscall.SIGUSR2, syscall.SIGCHLD}

// notifySignals starts queueing the daemon's signals.
func notifySignals() chan os.Signal {
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, daemonSignals...)
	return sigs
}

// Run runs supervisord on cfg until a signal (or ctx) ends it. SIGHUP
// restarts it in the same process with a fresh configuration, as the
// reference's main loop does.
func Run(ctx context.Context, cfg *config.Config, e env) error {
	// Descriptors supervisord inherited must not reach the children.
	spawn.MarkCloseOnExec(3)
	sigs := e.sigs
	if sigs == nil {
		sigs = notifySignals()
	}
	defer signal.Stop(sigs)
	signal.Ignore(syscall.SIGPIPE)
	first := true
	bus := &events.Bus{} // one for every life: serials go on across restarts
	for {
		state, err := runOnce(ctx, cfg, e, sigs, first, bus)
		if err != nil || state != supervisor.Restarting {
			return err
		}
		if cfg, err = e.load(); err != nil {
			return err
		}
		first = false
	}
}

// runOnce is one life of the daemon on one configuration: supervisord's
// main() then run() then runforever(). It returns the state it ended in.
func runOnce(ctx context.Context, cfg *config.Config, e env, sigs chan os.Signal, first bool, bus *events.Bus) (supervisor.State, error) {
	sd := &cfg.Supervisord
	var pending mainlog.Pending
	pending.AddConfig(cfg)
	if err := setUser(sd, &pending); err != nil {
		return supervisor.Shutdown, err
	}
	if first {
		infos, err := raiseLimits(*sd)
		if err != nil {
			return supervisor.Shutdown, err
		}
		for _, m := range infos {
			pending.Info(m)
		}
	}
	log, outputs, err := mainlog.Open(mainlog.OptionsFromConfig(sd, e.stdout))
	if err != nil {
		return supervisor.Shutdown, err
	}
	defer outputs.Close()
	pending.Flush(ctx, log)
	if !sd.NoCleanup {
		for _, w := range clearAutoLogs(*sd) {
			log.Warn(w)
		}
	}

	auto := newAutoLogs(log)
	defer auto.close()
	sp := newSpawner(cfg, log)
	sp.auto = auto
	ev := newHub(ctx, bus, log, sd.Identifier)
	defer ev.close()
	sp.events = ev
	onGroup := func(name string, added bool) {
		ev.group(name, added)
		if !added {
			sp.forget(func(p *config.Process) bool { return p.Group == name })
		}
	}
	m := supervisor.New(supervisor.Deps{Spawner: sp, Logger: log, OnTransition: ev.transition, OnGroup: onGroup})
	ev.m = m
	defer sp.Close()
	defer m.Close()
	for _, g := range cfg.Groups {
		if err := auto.resolve(g, *sd); err != nil {
			return supervisor.Shutdown, err
		}
		if g.Kind == config.KindFastCGI {
			if err := sp.addFCGI(g); err != nil {
				return supervisor.Shutdown, err
			}
		}
		if err := m.AddGroup(ctx, g); err != nil {
			return supervisor.Shutdown, fmt.Errorf("group %s: %w", g.Name, err)
		}
	}
	auto.startupDone()
	h := &host{m: m, sp: sp, auto: auto, log: log, outputs: outputs, load: e.load, cfg: cfg, requests: make(chan supervisor.State, 1), events: ev}
	srv, closeNamespaces, err := serve(ctx, cfg, h, log)
	if err != nil {
		return supervisor.Shutdown, err
	}
	defer closeNamespaces()
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if first && e.ready != nil {
		log.Info("daemonizing the supervisord process")
		if sd.Directory != "" {
			if err := os.Chdir(sd.Directory); err != nil {
				log.Log(ctx, mainlog.LevelCritical, fmt.Sprintf("can't chdir into %q: %v", sd.Directory, err))
			} else {
				log.Info(fmt.Sprintf("set current directory: %q", sd.Directory))
			}
		}
		syscall.Umask(sd.Umask)
	}
	if err := writePidfile(sd.Pidfile); err != nil {
		log.Log(ctx, mainlog.LevelCritical, "could not write pidfile "+sd.Pidfile)
	} else {
		defer os.Remove(sd.Pidfile)
		log.Info(fmt.Sprintf("supervisord started with pid %d", os.Getpid()))
	}
	if e.ready != nil && first {
		e.ready(nil)
	}
	tickCtx, stopTicks := context.WithCancel(ctx)
	defer stopTicks()
	go events.Ticks(tickCtx, bus)
	bus.Publish(events.SupervisorRunning())
	if err := m.Start(ctx); err != nil {
		return supervisor.Shutdown, err
	}

	state := loop(ctx, log, m, sp, outputs, sigs, h.requests, func() { bus.Publish(events.SupervisorStopping()) })
	return state, nil
}

// checkFactories refuses an [rpcinterface:x] section whose factory is not
// registered, in one line naming the section and the known factories.
func checkFactories(cfg *config.Config) error {
	for _, ri := range cfg.RPCInterfaces {
		if _, ok := plugin.Lookup(config.NormalizeFactory(ri.Factory)); !ok {
			return fmt.Errorf("%s:%d: [rpcinterface:%s] %s: unknown factory %q (known: %s)", ri.File, ri.Line, ri.Name,
				config.FactoryKey, ri.Factory, strings.Join(plugin.Default.Names(), ", "))
		}
	}
	return nil
}

// servers are the HTTP servers and what ends their event streams.
type servers struct {
	*httpd.Server
	endStreams func()
}

// Shutdown ends the event streams, then shuts the servers down.
func (s *servers) Shutdown(ctx context.Context) error {
	s.endStreams()
	return s.Server.Shutdown(ctx)
}

// eventSubscriber is a namespace that takes events (an exec plugin).
type eventSubscriber interface {
	Events() []string
	Subscribed(eventName string) bool
	Deliver(headers map[string]string, payload string) error
}

// serve mounts a namespace per [rpcinterface:x] section, each built by the
// factory its section names, and starts the HTTP servers (the reference's
// make_http_servers, before daemonizing so that a port in use is reported).
func serve(ctx context.Context, cfg *config.Config, h *host, log *slog.Logger) (*servers, func(), error) {
	var mounts []rpc.Mount
	closeAll := func() {
		for _, m := range mounts {
			if c, ok := m.Namespace.(plugin.Closer); ok {
				if err := c.Close(); err != nil {
					log.Warn(fmt.Sprintf("rpcinterface:%s: close: %v", m.Name, err))
				}
			}
		}
	}
	if err := checkFactories(cfg); err != nil {
		return nil, nil, err
	}
	for _, ri := range cfg.RPCInterfaces {
		f, _ := plugin.Lookup(config.NormalizeFactory(ri.Factory))
		kvs := make([]plugin.KeyValue, len(ri.Config))
		for i, kv := range ri.Config {
			kvs[i] = plugin.KeyValue{Key: kv.Key, Value: kv.Value}
		}
		ns, err := f(ctx, plugin.InitContext{Name: ri.Name, Config: kvs, Host: h, Log: log.With("namespace", ri.Name)})
		if err != nil {
			closeAll()
			msg := strings.TrimPrefix(err.Error(), "rpcinterface:"+ri.Name+": ")
			return nil, nil, fmt.Errorf("%s:%d: [rpcinterface:%s] %s", ri.File, ri.Line, ri.Name, msg)
		}
		mounts = append(mounts, rpc.Mount{Name: ri.Name, Namespace: ns})
		if sub, ok := ns.(eventSubscriber); ok {
			if types := sub.Events(); len(types) > 0 {
				name := ri.Name
				h.events.subscribe("rpcinterface:"+name, types, func(e *events.E, serial int64) {
					if sub.Subscribed(e.Name) {
						sub.Deliver(events.Headers(e, h.Identification(), name, serial), e.Payload)
					}
				})
			}
		}
	}
	dispatcher, err := rpc.New(mounts, rpc.Options{Log: log})
	if err != nil {
		closeAll()
		return nil, nil, err
	}
	h.dispatcher.Store(dispatcher)
	tails := func(namespec, channel string) (string, bool) {
		_, p, err := h.m.Lookup(namespec)
		if err != nil || p == nil {
			return "", false
		}
		var path string
		switch channel {
		case "stdout":
			path = p.Config().Stdout.Path
		case "stderr":
			path = p.Config().Stderr.Path
		}
		h.auto.ensure(path)
		return path, true
	}
	streams, endStreams := context.WithCancel(ctx)
	stream := eventstream.Handler(streams, h.events.bus, h.Identification)
	page := web.Handler(h.Call, h.Version(), nil)
	webHandler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == eventstream.Path:
			stream.ServeHTTP(w, r)
		case web.Serves(r):
			page.ServeHTTP(w, r)
		default:
			httpd.WriteError(w, http.StatusNotFound)
		}
	})
	srv, err := httpd.Start(ctx, cfg.HTTPServers, httpd.Options{RPC: dispatcher, Log: log,
		LogTail: logtail.Handler(tails), MainLogTail: logtail.MainHandler(h.MainLogPath), Web: webHandler})
	if err != nil {
		endStreams()
		closeAll()
		return nil, nil, err
	}
	// Event streams never end by themselves: they end when the servers
	// shut down.
	return &servers{srv, endStreams}, closeAll, nil
}

// loop handles signals until one asks to stop, then stops every process
// (still handling signals) and returns the state: SHUTDOWN or RESTARTING.
func loop(ctx context.Context, log *slog.Logger, m *supervisor.Manager, sp *spawner, outputs *mainlog.Outputs, sigs chan os.Signal, requests chan supervisor.State, stopping func()) supervisor.State {
	state := supervisor.Running
	var stopped chan error
	for {
		var done <-chan struct{}
		if stopped == nil {
			done = ctx.Done()
		}
		select {
		case <-done:
			state = supervisor.Shutdown
		case sig := <-sigs:
			state = handleSignal(log, sig, state, sp, outputs)
		case req := <-requests:
			// supervisor.shutdown or supervisor.restart; a restart
			// asked during a shutdown does not change it.
			if state != supervisor.Shutdown {
				state = req
			}
		case err := <-stopped:
			if err != nil {
				log.Warn("shutdown: " + err.Error())
			}
			return state
		}
		if state != supervisor.Running && stopped == nil {
			stopping()
			stopped = make(chan error, 1)
			go func() { stopped <- m.Shutdown(context.WithoutCancel(ctx), state) }()
		}
	}
}

// handleSignal is supervisord.handle_signal.
func handleSignal(log *slog.Logger, sig os.Signal, state supervisor.State, sp *spawner, outputs *mainlog.Outputs) supervisor.State {
	name := signalName(sig)
	switch sig {
	case syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT:
		log.Warn(fmt.Sprintf("received %s indicating exit request", name))
		return supervisor.Shutdown
	case syscall.SIGHUP:
		if state == supervisor.Shutdown {
			log.Warn(fmt.Sprintf("ignored %s indicating restart request (shutdown in progress)", name))
			return state
		}
		log.Warn(fmt.Sprintf("received %s indicating restart request", name))
		return supervisor.Restarting
	case syscall.SIGCHLD:
		log.Debug(fmt.Sprintf("received %s indicating a child quit", name))
		if os.Getpid() == 1 {
			sp.reapOrphans(log)
		}
	case syscall.SIGUSR2:
		log.Info(fmt.Sprintf("received %s indicating log reopen request", name))
		if err := outputs.Reopen(); err != nil {
			log.Warn(err.Error())
		}
		sp.Reopen()
	default:
		log.Log(context.Background(), mainlog.LevelBlather, fmt.Sprintf("received %s indicating nothing", name))
	}
	return state
}

// setUser is ServerOptions.set_uid_or_exit.
func setUser(sd *config.Supervisord, pending *mainlog.Pending) error {
	if sd.User == "" {
		if os.Getuid() == 0 {
			pending.Critical(mainlog.MsgRunningAsRoot)
		}
		return nil
	}
	if os.Getuid() != 0 {
		if os.Getuid() == sd.UID {
			pending.Info(mainlog.SetUIDMessage(sd.UID))
			return nil
		}
		return errors.New("Can't drop privilege as nonroot user")
	}
	if err := dropPrivileges(sd.UID, sd.GID); err != nil {
		return err
	}
	pending.Info(mainlog.SetUIDMessage(sd.UID))
	return nil
}
