// Package httpd runs supervisord's HTTP listeners: one http.Server per
// [inet_http_server] and [unix_http_server] section, each with the
// reference's handler stack (supervisor.http.make_http_servers): HTTP Basic
// authentication, then /RPC2 to the XML-RPC dispatcher, /logtail,
// /mainlogtail and the web UI to hooks supplied by later layers.
//
// # Wire behaviour
//
// Responses carry "Server: Medusa/1.12" like the reference's. Error
// responses are medusa's small HTML page (ErrorPage) with Content-Type
// text/html. /RPC2 is a prefix match on the percent-decoded URI; a method
// other than POST is 400, a POST without Content-Length 411; the rest
// (400 for bad XML, 500 for unexpected errors) is the Dispatcher's answer.
// A failed authentication is 401 with `WWW-Authenticate: Basic
// realm="default"` and `Connection: close`.
//
// Known differences from the reference, all on odd input:
//
//   - requests Go's HTTP parser refuses get its plain-text 400 before any
//     handler runs: an empty Content-Length (411 in the reference), an
//     unparsable one such as "abc" (500 there), an HTTP/1.1 request without
//     Host, HTTP/0.9;
//   - "Content-Length: 0" is answered at once (400: an empty document); the
//     reference waits for more data;
//   - after a 401, and after the 411 to a chunked POST, the connection is
//     closed; the reference keeps it open but ignores (401) or misreads
//     (411) what follows;
//   - a response to "Connection: close" says so in a header, as net/http
//     does; the reference closes without the header;
//   - a body above Options.MaxBodyBytes is 413 (the reference has no
//     limit);
//   - a malformed Authorization header is not logged with its credentials.
//
// # Listeners
//
// A unix socket is created as the reference creates it (bind a temporary
// name, chmod, hard-link, chown), replacing a stale socket file left by a
// dead daemon but refusing to start when a live server answers on it; the
// file is removed by Shutdown and Close. An inet listener binds IPv4 only,
// as the reference's AF_INET socket does.
//
// # Concurrency
//
// Start starts one Serve goroutine per listener, owned by the Server:
// Shutdown and Close wait for them. net/http runs each connection on its
// own goroutine and each request's handler on it, so a long XML-RPC call
// (startProcess waiting for startsecs) blocks only its own connection.
// There is no write timeout and, by default, no idle timeout, so long
// calls and the reference clients' persistent connections keep working;
// request contexts end when the client goes away or the Server stops.
package httpd
