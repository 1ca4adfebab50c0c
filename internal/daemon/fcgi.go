package daemon

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"syscall"

	"github.com/supervisorgo/supervisor/internal/config"
)

// fcgiSocket is the listening socket of an [fcgi-program:x] group, made
// in supervisord and given to each of the group's processes as fd 0. As
// the reference's SocketManager it is counted: created when a process of
// the group spawns and none holds it, closed when the last one exits.
type fcgiSocket struct {
	cfg *config.FCGISocket
	log *slog.Logger

	mu   sync.Mutex
	refs int
	file *os.File
}

// acquire returns the socket, creating it when nobody holds it.
func (s *fcgiSocket) acquire() (*os.File, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refs == 0 {
		s.log.Info("Creating socket " + s.cfg.URL)
		f, err := listenFCGI(s.cfg)
		if err != nil {
			return nil, err
		}
		s.file = f
	}
	s.refs++
	return s.file, nil
}

// release gives back one reference, closing the socket with the last.
func (s *fcgiSocket) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refs--
	if s.refs == 0 {
		s.log.Info("Closing socket " + s.cfg.URL)
		s.file.Close()
		s.file = nil
	}
}

// check creates and closes the socket once, so that a bad socket refuses
// start-up as the reference's FastCGIProcessGroup does.
func (s *fcgiSocket) check() error {
	if _, err := s.acquire(); err != nil {
		return fmt.Errorf("Could not create FastCGI socket %s: %v", s.cfg.URL, err)
	}
	s.release()
	return nil
}

// listenFCGI is create_and_bind plus listen of the reference's
// UnixStreamSocketConfig and InetStreamSocketConfig.
func listenFCGI(c *config.FCGISocket) (*os.File, error) {
	backlog := c.Backlog
	if backlog == 0 {
		backlog = syscall.SOMAXCONN
	}
	var (
		fd  int
		err error
		sa  syscall.Sockaddr
	)
	switch c.Network {
	case "unix":
		if _, err := os.Lstat(c.Path); err == nil {
			os.Remove(c.Path)
		}
		if fd, err = syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0); err != nil {
			return nil, err
		}
		sa = &syscall.SockaddrUnix{Name: c.Path}
	default:
		addr, rerr := net.ResolveTCPAddr("tcp", net.JoinHostPort(c.Host, fmt.Sprint(c.Port)))
		if rerr != nil {
			return nil, rerr
		}
		family := syscall.AF_INET
		if ip4 := addr.IP.To4(); ip4 != nil || addr.IP == nil {
			a := &syscall.SockaddrInet4{Port: addr.Port}
			copy(a.Addr[:], ip4)
			sa = a
		} else {
			family = syscall.AF_INET6
			a := &syscall.SockaddrInet6{Port: addr.Port}
			copy(a.Addr[:], addr.IP)
			sa = a
		}
		if fd, err = syscall.Socket(family, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0); err != nil {
			return nil, err
		}
		syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
	}
	fail := func(err error) (*os.File, error) {
		syscall.Close(fd)
		if c.Network == "unix" {
			os.Remove(c.Path)
		}
		return nil, err
	}
	if err := syscall.Bind(fd, sa); err != nil {
		return fail(err)
	}
	if c.Network == "unix" {
		if c.Owner != nil {
			if err := os.Chown(c.Path, c.Owner.UID, c.Owner.GID); err != nil {
				return fail(fmt.Errorf("Could not change ownership of socket file: %v", err))
			}
		}
		if err := syscall.Chmod(c.Path, uint32(c.Mode)); err != nil {
			return fail(fmt.Errorf("Could not change permissions of socket file: %v", err))
		}
	}
	if err := syscall.Listen(fd, backlog); err != nil {
		return fail(err)
	}
	return os.NewFile(uintptr(fd), c.URL), nil
}
