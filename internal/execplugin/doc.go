// Package execplugin is the built-in "exec" factory: an [rpcinterface:NAME]
// section whose supervisor.rpcinterface_factory is exec mounts a namespace
// served by a helper program in any language, over JSON-RPC 2.0 on its
// stdin and stdout (internal/jsonrpc). The contract is
// shared/spec/exec-plugin-protocol.md; this comment records what it leaves
// open. The package's init only registers the factory.
//
// # Configuration
//
// command (required), directory, environment, user, init_timeout (10) and
// call_timeout (30) are read by the factory; every other key of the section
// is sent to the plugin in initialize's config, as a string. The timeouts
// must be positive integers of seconds. command is split and resolved with
// spawn.Argv, as a [program:x] command is (PATH search in the plugin's
// environment, then supervisord's PATH); a relative directory is relative
// to supervisord's working directory. user is honoured only when
// supervisord runs as root; otherwise it is ignored with a warning in the
// main log (a plugin is not a program: refusing to start would be harsher
// than the spec asks).
//
// The environment is supervisord's, then SUPERVISOR_ENABLED=1,
// SUPERVISOR_RPC_NAMESPACE=NAME and SUPERVISOR_SERVER_URL, then the keys of
// environment= in sorted order (which may override any of them), as
// spawn.Env orders a program's. A plugin.Host does not expose the server
// URL, so it is taken from the host when the host implements ServerURLer;
// otherwise the variable is not set by the factory, and the plugin sees it
// only if supervisord's own environment has it.
//
// # Handshake
//
// initialize is the first request (id 0), with namespace, config and
// supervisor{version, api_version "3.0", identification}. It must be
// answered within init_timeout; the factory's ctx also bounds it. An exit,
// an error answer, a timeout, a too long line, or a bad answer (result not
// an object, a method name that breaks the spec's rule, a name listed
// twice, an empty signature, an event type not in config.EventTypes) fails
// the factory with a one-line error "rpcinterface:NAME: <reason>", and the
// process is killed at once (SIGKILL to its process group). Non-JSON lines
// during the handshake are skipped with a warning, as at any other time.
//
// Of a method's "signature" list only the first entry is used, since a
// plugin.Method holds one signature; the dispatcher then refuses calls with
// more parameters than it lists. A method without a signature is not
// checked, and, as for compiled-in namespaces, system.methodSignature then
// reads one from the help's @param/@return lines when there are any.
// The method list may change at each restart's handshake: Methods returns
// the last one.
//
// # Calls
//
// A call becomes a request whose params are the XML-RPC parameters as a
// JSON array (types per the spec's table, see below). Faults:
//
//   - an error answer {code, message}: the fault (code, message);
//   - no answer within call_timeout: FAILED "NAME.method: no answer within 30s";
//     the plugin is left running and a late answer is logged as a stray line;
//   - plugin down: FAILED "NAME.method: plugin not running";
//   - plugin exited or broke the protocol during the call: FAILED
//     "NAME.method: plugin exited or broke the protocol during the call";
//   - a parameter or result with no mapping: FAILED naming the method and value.
//
// # Type mapping
//
// XML-RPC to JSON: int → integer; double → shortest round-trip form, always
// with a fraction or exponent (2.0, 1e+20) so that it reads back as a
// double; infinities and NaN have no JSON form and fail; []byte →
// {"$base64": standard base64}; time.Time → {"$datetime":
// "YYYYMMDDTHH:MM:SS"} of its wall clock; map[string]any → object with sorted
// keys; xmlrpc.Struct → object in its order; anything else the XML-RPC
// encoder accepts (Go structs, typed slices, pointers; from Host.Call
// results) is converted as an XML-RPC client would receive it.
//
// JSON to XML-RPC: a number without '.', 'e' or 'E' is an int (it must fit
// in 64 bits; one outside int32 then fails when the response is marshalled,
// as in any namespace), any other number a float64; an object whose only
// member is "$base64" (resp. "$datetime") with a string value is []byte
// (resp. a time.Time in UTC); invalid base64 or dates are errors; any other
// object, including one with such a key among others, is a map[string]any
// (member order is not kept: XML-RPC structs are unordered).
//
// # Calls from the plugin
//
// A request from the plugin is passed to Host.Call with its params array
// (an absent params is no parameters; an object is refused with -32602);
// a fault comes back as error {code: faultCode, message: faultString},
// any other error as {30, "FAILED: ..."}. Each runs on its own goroutine,
// so the plugin may call its own namespace while handling a call.
//
// # Notifications
//
// "log" {level, message} is written to the main log as "rpcinterface:NAME:
// message" at the level named by loglevel's names (critical error warn info
// debug trace blather, case-insensitive); an unknown level logs at WARN with
// the level quoted. Other notifications are logged as unknown and ignored.
//
// Events: the event types of the handshake's "events" are validated and
// kept (Events, Subscribed, which treats a type as covering its subtypes
// like [eventlistener:x] events= does). The daemon subscribes the plugin to
// those types on the event bus and calls Deliver, from a queue of the
// plugin's own, with the listener headers and payload; it sends the "event"
// notification, or fails with ErrNotRunning while the plugin is down (the
// event is dropped).
//
// Calls from the plugin into supervisord are served concurrently, at most
// 64 at a time; beyond that a call is answered at once with the FAILED
// fault, so that a plugin flooding supervisord costs bounded memory.
//
// # Life cycle and goroutines
//
// Each run of the plugin (an instance) owns: the process (own process
// group), the jsonrpc.Conn on its stdin/stdout (a reader goroutine plus one
// per request from the plugin), a stderr goroutine logging each line at
// INFO as "rpcinterface:NAME: line" (lines over 64 KiB are split), a
// reaper goroutine (cmd.Wait) and a watcher that closes "ended" when the
// process exits or the connection breaks. The pipes are os.Pipe files we
// own, so Wait never closes them under a reader.
//
// After the factory's handshake, one supervising goroutine per Plugin owns
// the current instance. When it ends (exit or protocol break: a line over
// 16 MiB, a write error) the instance is killed (SIGKILL to the group),
// calls in flight fail, the reason is logged at WARN ("plugin exited with
// status 4; restarting in 2s"), and after the delay (1 s, doubled after each
// start up to 60 s, back to 1 s when an instance lived 60 s) a new process
// and handshake follow; a failed handshake is logged at ERROR and counts as
// a run. Meanwhile calls get "plugin not running".
//
// Close (plugin.Closer) cancels the supervising goroutine, which closes the
// plugin's stdin, waits 5 s, sends SIGTERM to the process group, waits 5 s,
// sends SIGKILL, then closes the pipes and waits for every goroutine of the
// instance. Close returns when all that is done and is idempotent; a Close
// during a restart delay or a restart handshake returns at once (killing
// the half-started process).
package execplugin
