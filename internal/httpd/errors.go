package httpd

import (
	"fmt"
	"net/http"
	"strconv"
)

// serverHeader is the Server header of every response: the reference's
// medusa server sends it, and clients may look for it.
const serverHeader = "Medusa/1.12"

// reasons is medusa's http_request.responses: the reason phrases of the
// error pages (a few differ from net/http's, such as 408 "Request
// Time-out").
var reasons = map[int]string{
	100: "Continue",
	101: "Switching Protocols",
	200: "OK",
	201: "Created",
	202: "Accepted",
	203: "Non-Authoritative Information",
	204: "No Content",
	205: "Reset Content",
	206: "Partial Content",
	300: "Multiple Choices",
	301: "Moved Permanently",
	302: "Moved Temporarily",
	303: "See Other",
	304: "Not Modified",
	305: "Use Proxy",
	400: "Bad Request",
	401: "Unauthorized",
	402: "Payment Required",
	403: "Forbidden",
	404: "Not Found",
	405: "Method Not Allowed",
	406: "Not Acceptable",
	407: "Proxy Authentication Required",
	408: "Request Time-out",
	409: "Conflict",
	410: "Gone",
	411: "Length Required",
	412: "Precondition Failed",
	413: "Request Entity Too Large",
	414: "Request-URI Too Large",
	415: "Unsupported Media Type",
	500: "Internal Server Error",
	501: "Not Implemented",
	502: "Bad Gateway",
	503: "Service Unavailable",
	504: "Gateway Time-out",
	505: "HTTP Version not supported",
}

// ErrorPage returns the body of the reference's error response for code
// (medusa's DEFAULT_ERROR_MESSAGE, CRLF line ends).
func ErrorPage(code int) []byte {
	reason, ok := reasons[code]
	if !ok {
		reason = http.StatusText(code)
	}
	return fmt.Appendf(nil, "<head>\r\n<title>Error response</title>\r\n</head>\r\n<body>\r\n<h1>Error response</h1>\r\n"+
		"<p>Error code %d.\r\n<p>Message: %s.\r\n</body>\r\n", code, reason)
}

// WriteError sends the reference's error response (medusa's
// http_request.error): status code, Content-Type text/html, Content-Length
// and the HTML page of ErrorPage. Headers already set on w (Connection,
// WWW-Authenticate) are kept.
func WriteError(w http.ResponseWriter, code int) {
	body := ErrorPage(code)
	h := w.Header()
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Content-Type", "text/html")
	w.WriteHeader(code)
	_, _ = w.Write(body)
}
