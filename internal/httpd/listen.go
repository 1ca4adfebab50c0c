package httpd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/user"
	"strconv"
	"syscall"
	"time"

	"github.com/supervisorgo/supervisor/internal/config"
)

// The reference's messages (ServerOptions.openhttpservers), printed after
// "Error: " before supervisord exits 2.
const (
	msgInUse = "Another program is already listening on a port that one of our HTTP servers is " +
		"configured to use.  Shut this program down first before starting supervisord."
	msgCannotOpen = "Cannot open an HTTP server: socket.error reported"
)

// ListenError is a listener that could not be opened.
type ListenError struct {
	Section string // "inet_http_server", "unix_http_server:x"...
	Addr    string // host:port, or the socket file
	Err     error  // the underlying error (syscall.EADDRINUSE when taken)
	usage   string
}

// Error names the section and address, then gives the reference's message.
func (e *ListenError) Error() string {
	return fmt.Sprintf("[%s] %s: %s", e.Section, e.Addr, e.usage)
}

// Usage is the reference's message alone, as supervisord prints it after
// "Error: ": for a port or socket in use, "Another program is already
// listening on a port that one of our HTTP servers is configured to use.
// Shut this program down first before starting supervisord.".
func (e *ListenError) Usage() string { return e.usage }

func (e *ListenError) Unwrap() error { return e.Err }

// listenError wraps err as openhttpservers reports it.
func listenError(srv config.HTTPServer, addr string, err error) *ListenError {
	e := &ListenError{Section: srv.Section, Addr: addr, Err: err}
	var usage *usageError
	var dns *net.DNSError
	var errno syscall.Errno
	switch {
	case errors.As(err, &usage):
		e.usage = usage.msg
	case errors.Is(err, syscall.EADDRINUSE):
		e.usage = msgInUse
	case errors.As(err, &dns):
		// socket.gaierror: its args[0] is the EAI code, which has no errno name.
		code := -3 // EAI_AGAIN
		if dns.IsNotFound {
			code = -2 // EAI_NONAME
		}
		e.usage = fmt.Sprintf("%s %d", msgCannotOpen, code)
	case errors.As(err, &errno):
		if name, ok := errnoNames[errno]; ok {
			e.usage = fmt.Sprintf("%s errno.%s (%d)", msgCannotOpen, name, int(errno))
		} else {
			e.usage = fmt.Sprintf("%s %d", msgCannotOpen, int(errno))
		}
	default:
		e.usage = fmt.Sprintf("%s %v", msgCannotOpen, err)
	}
	return e
}

// usageError carries a message the reference raises as a ValueError, which
// openhttpservers prints as it is.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// errnoNames are Python's errno.errorcode names for the errors binding,
// linking or chmod-ing a socket can give on Linux.
var errnoNames = map[syscall.Errno]string{
	syscall.EPERM:         "EPERM",
	syscall.ENOENT:        "ENOENT",
	syscall.EIO:           "EIO",
	syscall.EBADF:         "EBADF",
	syscall.ENOMEM:        "ENOMEM",
	syscall.EACCES:        "EACCES",
	syscall.EBUSY:         "EBUSY",
	syscall.EEXIST:        "EEXIST",
	syscall.EXDEV:         "EXDEV",
	syscall.ENOTDIR:       "ENOTDIR",
	syscall.EISDIR:        "EISDIR",
	syscall.EINVAL:        "EINVAL",
	syscall.ENFILE:        "ENFILE",
	syscall.EMFILE:        "EMFILE",
	syscall.ENOSPC:        "ENOSPC",
	syscall.EROFS:         "EROFS",
	syscall.EMLINK:        "EMLINK",
	syscall.ENAMETOOLONG:  "ENAMETOOLONG",
	syscall.ELOOP:         "ELOOP",
	syscall.ENOBUFS:       "ENOBUFS",
	syscall.EAFNOSUPPORT:  "EAFNOSUPPORT",
	syscall.EADDRNOTAVAIL: "EADDRNOTAVAIL",
	syscall.ENETUNREACH:   "ENETUNREACH",
}

// listenInet opens an [inet_http_server]: the reference binds an AF_INET
// socket (IPv4 only) with SO_REUSEADDR (Go sets it on every listener), on
// every interface when the host is empty.
func listenInet(ctx context.Context, srv config.HTTPServer) (net.Listener, error) {
	addr := net.JoinHostPort(srv.Host, strconv.Itoa(srv.Port))
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp4", addr)
	if err != nil {
		return nil, listenError(srv, addr, err)
	}
	return ln, nil
}

// Unix socket creation constants.
const (
	maxSunPath    = 108                    // sizeof(sun_path) on Linux
	staleRetry    = 300 * time.Millisecond // the reference sleeps 0.3 s after unlinking a stale socket
	staleAttempts = 10                     // the reference retries forever; we give up after 3 s
	probeTimeout  = 5 * time.Second        // how long a live server may take to answer the probe
	probeRequest  = "GET / HTTP/1.0\r\n\r\n"
	unixNet       = "unix"
)

// socketFile is a socket file this package created, to be removed at
// shutdown if it is still the same file.
type socketFile struct {
	path string
	info os.FileInfo
}

// remove unlinks the socket file unless something else replaced it.
func (f *socketFile) remove() error {
	cur, err := os.Lstat(f.path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	if !os.SameFile(cur, f.info) {
		return nil
	}
	if err := os.Remove(f.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// listenUnix opens a [unix_http_server] as supervisor_af_unix_http_server
// does: bind a temporary name "<file>.<pid>", chmod it, hard-link it to the
// file. If the link fails, a test request ("GET / HTTP/1.0") is sent to the
// existing file: if anything accepts it, another server lives there and the
// answer is the reference's "Another program is already listening..."; if
// not, the stale file is removed ("Unlinking stale socket <file>", logged at
// WARN) and the whole sequence retried after 0.3 s. Finally the file is
// chowned (chown EPERM gives the reference's message) and the temporary name
// removed.
func listenUnix(ctx context.Context, srv config.HTTPServer, log *slog.Logger) (net.Listener, *socketFile, error) {
	temp := fmt.Sprintf("%s.%d", srv.File, os.Getpid())
	if len(temp) >= maxSunPath { // Python refuses > 108 bytes, the kernel needs room for a NUL
		return nil, nil, listenError(srv, srv.File, &usageError{msgCannotOpen + " AF_UNIX path too long"})
	}
	_ = os.Remove(temp)
	for attempt := 1; ; attempt++ {
		ln, err := net.ListenUnix(unixNet, &net.UnixAddr{Name: temp, Net: unixNet})
		if err != nil {
			return nil, nil, listenError(srv, srv.File, err)
		}
		ln.SetUnlinkOnClose(false)
		if err := syscall.Chmod(temp, uint32(srv.Chmod)); err != nil {
			ln.Close()
			_ = os.Remove(temp)
			return nil, nil, listenError(srv, srv.File, err)
		}
		linkErr := os.Link(temp, srv.File)
		_ = os.Remove(temp) // the reference's finally clause, on every attempt
		if linkErr == nil {
			if err := chown(srv); err != nil {
				ln.Close()
				_ = os.Remove(srv.File)
				return nil, nil, listenError(srv, srv.File, err)
			}
			info, err := os.Lstat(srv.File)
			if err != nil {
				ln.Close()
				return nil, nil, listenError(srv, srv.File, err)
			}
			return ln, &socketFile{path: srv.File, info: info}, nil
		}
		ln.Close()
		if socketInUse(ctx, srv.File) {
			return nil, nil, listenError(srv, srv.File, syscall.EADDRINUSE)
		}
		if attempt == staleAttempts {
			return nil, nil, listenError(srv, srv.File, linkErr)
		}
		log.Warn("Unlinking stale socket " + srv.File)
		_ = os.Remove(srv.File)
		select {
		case <-ctx.Done():
			return nil, nil, listenError(srv, srv.File, ctx.Err())
		case <-time.After(staleRetry):
		}
	}
}

// chown applies the section's chown (UID or GID -1 leaves it unchanged).
func chown(srv config.HTTPServer) error {
	err := os.Chown(srv.File, srv.Chown.UID, srv.Chown.GID)
	if err == nil || !errors.Is(err, syscall.EPERM) {
		return err
	}
	name := strconv.Itoa(os.Geteuid())
	if u, uerr := user.LookupId(name); uerr == nil {
		name = u.Username
	}
	return &usageError{fmt.Sprintf("Not permitted to chown %s to uid/gid (%d, %d); adjust \"sockchown\" value in "+
		"config file or on command line to values that the current user (%s) can successfully chown",
		srv.File, srv.Chown.UID, srv.Chown.GID, name)}
}

// socketInUse is the reference's checkused: a server lives on the socket
// if it accepts a connection, takes a test request and then sends a byte,
// closes the connection cleanly, or keeps it open (Python waits forever
// there; the probe gives up after probeTimeout and counts it as alive).
func socketInUse(ctx context.Context, path string) bool {
	d := net.Dialer{Timeout: probeTimeout}
	c, err := d.DialContext(ctx, unixNet, path)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(probeTimeout))
	if _, err := io.WriteString(c, probeRequest); err != nil {
		return false
	}
	var b [1]byte
	_, err = c.Read(b[:])
	var ne net.Error
	return err == nil || errors.Is(err, io.EOF) || (errors.As(err, &ne) && ne.Timeout())
}
