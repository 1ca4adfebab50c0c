// Package rpc is the XML-RPC dispatcher: the table of mounted namespaces,
// the built-in system namespace (listMethods, methodHelp, methodSignature,
// multicall), the reference's fault codes, and Handle, which turns one
// request body into one response document the way Supervisor 4.2.5's
// supervisor_xmlrpc_handler does.
//
// # Names and arity
//
// A call names "namespace.method". As in the reference's traverse, a name
// without a dot, a method part starting with "_", an unknown namespace or
// an unknown method is UNKNOWN_METHOD. The name is split at its first dot,
// so that a method name may contain dots (the exec plugin protocol allows
// them); every name the reference can call resolves the same way here.
//
// Python raises a TypeError, which the reference answers with
// INCORRECT_PARAMETERS (fault 2, no extra text), when a call has more or
// fewer parameters than the method accepts. Here a method's explicit
// plugin.Method.Signature gives the maximum (more parameters are refused
// before the method runs) and the method checks its minimum itself with
// CheckParams, since Python's optional trailing parameters do not show in a
// signature. A method without an explicit Signature is not checked.
//
// # Errors
//
// A method's error that is (or wraps) a *xmlrpc.Fault is sent as that
// fault. Any other error, a panic, or a result that cannot be marshalled
// is what the reference calls an unexpected exception: Handle answers
// HTTP 500 and logs it at CRIT; inside system.multicall it becomes the
// entry {30, "FAILED: <error text>"}, as the reference's multicall catches
// every exception.
//
// # Concurrency
//
// A Server is immutable after New. Handle and Call run the method on the
// caller's goroutine (the HTTP server's goroutine for the request) with the
// caller's context, so a call may block as long as it needs (startProcess
// waiting for startsecs) without delaying any other request: nothing
// serialises calls. system.multicall runs its calls one after the other on
// that same goroutine. Namespaces must therefore be safe for concurrent use,
// and their Methods must be cheap: it is called on every lookup, which lets
// a namespace change its method list (an exec plugin after a restart).
package rpc
