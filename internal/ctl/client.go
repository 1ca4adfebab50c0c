package ctl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"

	"github.com/supervisorgo/supervisor/xmlrpc"
)

// client is an XML-RPC client for a supervisord at a unix:// or http://
// server URL, with basic authentication and a kept-alive connection, as
// the reference's SupervisorTransport.
type client struct {
	serverURL string
	username  string
	password  string
	base      string // "http://host:port" requests go to
	http      *http.Client
}

// protocolError is a non-200 HTTP answer (xmlrpclib.ProtocolError).
type protocolError struct {
	Code   int
	Reason string
}

func (e *protocolError) Error() string {
	return fmt.Sprintf("<ProtocolError for 127.0.0.1/RPC2: %d %s>", e.Code, e.Reason)
}

// urlError is a server URL the transport cannot use.
type urlError struct{ url string }

func (e *urlError) Error() string {
	return fmt.Sprintf("Unknown protocol for serverurl %s", e.url)
}

func newClient(serverURL, username, password string) (*client, error) {
	c := &client{serverURL: serverURL, username: username, password: password}
	tr := &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true}
	switch {
	case strings.HasPrefix(serverURL, "http://"):
		u, err := url.Parse(serverURL)
		if err != nil {
			return nil, &urlError{serverURL}
		}
		host := u.Host
		if u.Port() == "" {
			host = net.JoinHostPort(u.Hostname(), "80")
		}
		c.base = "http://" + host
	case strings.HasPrefix(serverURL, "unix://"):
		path := serverURL[len("unix://"):]
		var d net.Dialer
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return d.DialContext(ctx, "unix", path)
		}
		c.base = "http://localhost"
	default:
		return c, &urlError{serverURL}
	}
	c.http = &http.Client{Transport: tr}
	return c, nil
}

func (c *client) close() {
	if c != nil && c.http != nil {
		c.http.CloseIdleConnections()
	}
}

// call calls method and returns its result; a fault is a *xmlrpc.Fault.
func (c *client) call(ctx context.Context, method string, params ...xmlrpc.Value) (xmlrpc.Value, error) {
	if c.http == nil {
		return nil, &urlError{c.serverURL}
	}
	body, err := xmlrpc.MarshalCall(method, params...)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/RPC2", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "supervisorctl (supervisor-go)")
	req.Header.Set("Content-Type", "text/xml")
	req.Header.Set("Accept", "text/xml")
	if c.username != "" && c.password != "" {
		req.SetBasicAuth(c.username, c.password)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		return nil, &protocolError{resp.StatusCode, reason(resp)}
	}
	v, err := xmlrpc.DecodeResponse(resp.Body, nil)
	if err != nil {
		var f *xmlrpc.Fault
		if errors.As(err, &f) {
			return nil, f
		}
		return nil, &badResponseError{err}
	}
	return v, nil
}

// badResponseError is an answer that is not an XML-RPC response.
type badResponseError struct{ err error }

func (e *badResponseError) Error() string { return e.err.Error() }
func (e *badResponseError) Unwrap() error { return e.err }

func reason(resp *http.Response) string {
	_, r, _ := strings.Cut(resp.Status, " ")
	return r
}

// get streams GET path to w until the body ends or ctx is done. A non-200
// answer is returned as a *protocolError.
func (c *client) get(ctx context.Context, path string, w io.Writer) error {
	if c.http == nil {
		return &urlError{c.serverURL}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return err
	}
	if c.password != "" {
		req.SetBasicAuth(c.username, c.password)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return &protocolError{resp.StatusCode, reason(resp)}
	}
	buf := make([]byte, 32*1024)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

func errnoOf(err error) syscall.Errno {
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	return 0
}

// describe turns an error the reference would show as a traceback into
// one line saying what to check.
func describe(serverURL string, err error) string {
	var (
		pe  *protocolError
		ue  *urlError
		f   *xmlrpc.Fault
		bad *badResponseError
		dns *net.DNSError
	)
	switch {
	case errors.As(err, &f):
		return fmt.Sprintf("error: <class 'xmlrpc.client.Fault'>, <Fault %d: %s>", f.Code, pyRepr(f.String))
	case errors.As(err, &pe) && pe.Code == http.StatusUnauthorized:
		return fmt.Sprintf("error: %s refused the username and password (HTTP 401): check -u/-p or username/password in [supervisorctl]", serverURL)
	case errors.As(err, &pe):
		return fmt.Sprintf("error: %s answered HTTP %d %s to POST /RPC2: check the server URL (is a supervisord listening there?)", serverURL, pe.Code, pe.Reason)
	case errors.As(err, &ue):
		return fmt.Sprintf("error: %s: check the server URL: it must be http://host:port or unix:///path/to/socket", ue.Error())
	case errors.As(err, &bad):
		return fmt.Sprintf("error: %s did not answer with XML-RPC (%v): check the server URL (is a supervisord listening there?)", serverURL, bad.err)
	case errors.As(err, &dns):
		return fmt.Sprintf("error: %s: cannot resolve host %q: check the server URL", serverURL, dns.Name)
	}
	switch errnoOf(err) {
	case syscall.EACCES, syscall.EPERM:
		return fmt.Sprintf("error: %s permission denied: check the socket file's owner and mode ([unix_http_server] chown and chmod) or run as a user allowed to use it", serverURL)
	case syscall.ECONNREFUSED:
		return fmt.Sprintf("error: %s refused connection: is supervisord running?", serverURL)
	case syscall.ENOENT:
		return fmt.Sprintf("error: %s no such file: is supervisord running, and is the socket path right?", serverURL)
	case syscall.ENOTSOCK:
		return fmt.Sprintf("error: %s is not a socket: check the server URL", serverURL)
	case syscall.ECONNRESET, syscall.EPIPE:
		return fmt.Sprintf("error: %s closed the connection: is a supervisord listening there?", serverURL)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Sprintf("error: %s closed the connection: is a supervisord listening there?", serverURL)
	}
	return fmt.Sprintf("error: %s: %v", serverURL, err)
}
