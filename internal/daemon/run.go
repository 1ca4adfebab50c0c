package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/supervisorgo/supervisor/internal/config"
	"github.com/supervisorgo/supervisor/internal/mainlog"
	"github.com/supervisorgo/supervisor/internal/spawn"
	"github.com/supervisorgo/supervisor/internal/supervisor"
)

// env is what Run needs from its surroundings.
type env struct {
	stdout io.Writer
	// ready, if set, is called once start-up succeeded (or with the error
	// that ended it): the daemonized child tells its waiting parent.
	ready func(error)
	// load re-reads the configuration for a restart.
	load func() (*config.Config, error)
}

// Run runs supervisord on cfg until a signal (or ctx) ends it. SIGHUP
// restarts it in the same process with a fresh configuration, as the
// reference's main loop does.
func Run(ctx context.Context, cfg *config.Config, e env) error {
	// Descriptors supervisord inherited must not reach the children.
	spawn.MarkCloseOnExec(3)
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGHUP, syscall.SIGUSR2, syscall.SIGCHLD)
	defer signal.Stop(sigs)
	signal.Ignore(syscall.SIGPIPE)
	first := true
	for {
		state, err := runOnce(ctx, cfg, e, sigs, first)
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
func runOnce(ctx context.Context, cfg *config.Config, e env, sigs chan os.Signal, first bool) (supervisor.State, error) {
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

	sp := newSpawner(cfg, log)
	m := supervisor.New(supervisor.Deps{Spawner: sp, Logger: log})
	defer sp.Close()
	defer m.Close()
	for _, g := range cfg.Groups {
		if err := resolveAutoLogs(g, *sd); err != nil {
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
	if err := m.Start(ctx); err != nil {
		return supervisor.Shutdown, err
	}

	state := loop(ctx, log, m, sp, outputs, sigs)
	return state, nil
}

// loop handles signals until one asks to stop, then stops every process
// (still handling signals) and returns the state: SHUTDOWN or RESTARTING.
func loop(ctx context.Context, log *slog.Logger, m *supervisor.Manager, sp *spawner, outputs *mainlog.Outputs, sigs chan os.Signal) supervisor.State {
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
		case err := <-stopped:
			if err != nil {
				log.Warn("shutdown: " + err.Error())
			}
			return state
		}
		if state != supervisor.Running && stopped == nil {
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
