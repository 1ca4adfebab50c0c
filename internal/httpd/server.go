package httpd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/supervisorgo/supervisor/internal/config"
	"github.com/supervisorgo/supervisor/internal/mainlog"
)

// defaultReadHeaderTimeout bounds the reading of a request's headers.
const defaultReadHeaderTimeout = time.Minute

// Server is the set of running listeners.
type Server struct {
	log       *slog.Logger
	listeners []*listener
	serving   sync.WaitGroup     // one Serve goroutine per listener
	cancel    context.CancelFunc // ends every request's context
	stopOnce  sync.Once
	stopErr   error
}

// listener is one open [inet_http_server] or [unix_http_server].
type listener struct {
	cfg  config.HTTPServer
	ln   net.Listener
	srv  *http.Server
	sock *socketFile // unix only
}

// Start opens one listener per section, in order, and serves them. If one
// cannot be opened, those already opened are closed and the error is a
// *ListenError naming the section, whose Usage is the reference's message
// ("Another program is already listening on a port that one of our HTTP
// servers is configured to use.  Shut this program down first before
// starting supervisord." for an address in use). ctx bounds the opening
// only (the stale-socket retries); the listeners run until Shutdown or
// Close.
//
// A section without username is logged at CRIT as the reference does:
// "Server 'inet_http_server' running without any HTTP authentication
// checking".
func Start(ctx context.Context, servers []config.HTTPServer, opts Options) (*Server, error) {
	if opts.RPC == nil {
		return nil, errors.New("httpd: Options.RPC is nil")
	}
	s := &Server{log: opts.Log}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
		opts.Log = s.log
	}
	for _, cfg := range servers {
		l := &listener{cfg: cfg}
		var err error
		switch cfg.Network {
		case "tcp":
			l.ln, err = listenInet(ctx, cfg)
		case "unix":
			l.ln, l.sock, err = listenUnix(ctx, cfg, s.log)
		default:
			err = listenError(cfg, "", &usageError{fmt.Sprintf("Cannot determine socket type %q", cfg.Network)})
		}
		if err != nil {
			for _, prev := range s.listeners {
				prev.ln.Close()
				if prev.sock != nil {
					_ = prev.sock.remove()
				}
			}
			return nil, err
		}
		s.listeners = append(s.listeners, l)
	}
	base, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	readHeader := opts.ReadHeaderTimeout
	if readHeader == 0 {
		readHeader = defaultReadHeaderTimeout
	}
	for _, l := range s.listeners {
		if l.cfg.Username == "" {
			s.log.Log(ctx, mainlog.LevelCritical, fmt.Sprintf("Server '%s' running without any HTTP authentication checking", l.cfg.Section))
		}
		l.srv = &http.Server{
			Handler:           NewHandler(l.cfg, opts),
			ReadHeaderTimeout: readHeader,
			IdleTimeout:       opts.IdleTimeout,
			BaseContext:       func(net.Listener) context.Context { return base },
			ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		}
		s.serving.Go(func() {
			if err := l.srv.Serve(l.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.log.Error(fmt.Sprintf("HTTP server %s stopped: %v", l.cfg.Section, err))
			}
		})
	}
	return s, nil
}

// Addrs returns the listening addresses, in the order of the sections.
func (s *Server) Addrs() []net.Addr {
	addrs := make([]net.Addr, len(s.listeners))
	for i, l := range s.listeners {
		addrs[i] = l.ln.Addr()
		if l.sock != nil { // the listener is bound to the temporary name
			addrs[i] = &net.UnixAddr{Name: l.cfg.File, Net: unixNet}
		}
	}
	return addrs
}

// Shutdown stops accepting connections, closes idle ones and waits for the
// requests in flight to finish. If ctx ends first, the requests still
// running see their context cancelled and their connections are closed;
// Shutdown then returns ctx's error without waiting for methods that
// ignore cancellation. The socket files created by Start are removed.
// Calls after the first return the first result.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stop(func(l *listener) error { return l.srv.Shutdown(ctx) })
	return s.stopErr
}

// Close stops every listener at once: requests in flight see their context
// cancelled and their connections closed. The socket files are removed.
func (s *Server) Close() error {
	s.stop(func(l *listener) error { return l.srv.Close() })
	return s.stopErr
}

// stop runs once: it stops each listener with how, concurrently, forces
// the ones that did not stop, waits for the Serve goroutines and removes
// the socket files.
func (s *Server) stop(how func(*listener) error) {
	s.stopOnce.Do(func() {
		errs := make([]error, len(s.listeners))
		var wg sync.WaitGroup
		for i, l := range s.listeners {
			wg.Go(func() { errs[i] = how(l) })
		}
		wg.Wait()
		s.cancel()
		for i, l := range s.listeners {
			if errs[i] != nil {
				errs[i] = errors.Join(fmt.Errorf("httpd: stop [%s]: %w", l.cfg.Section, errs[i]), l.srv.Close())
			}
		}
		s.serving.Wait()
		for _, l := range s.listeners {
			if l.sock != nil {
				if err := l.sock.remove(); err != nil {
					errs = append(errs, fmt.Errorf("httpd: remove %s: %w", l.sock.path, err))
				}
			}
		}
		s.stopErr = errors.Join(errs...)
	})
}
