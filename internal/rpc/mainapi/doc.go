// Package mainapi is the `supervisor` XML-RPC namespace: the 37 method
// names of supervisor.rpcinterface.SupervisorNamespaceRPCInterface in
// Supervisor 4.2.5 (aliases included), with the reference's parameters,
// result shapes, fault codes and fault strings, docstrings and signatures.
// Its factory is registered (in init, and nothing else) as
// "supervisor.rpcinterface:make_main_rpcinterface", the name an
// [rpcinterface:supervisor] section gives.
//
// # The host
//
// Most methods act on the process manager (package supervisor) and its
// processes (package process). What the reference does on the supervisord
// object and its options beyond that (its identifier and pid, the main
// log, shutdown and restart requests, re-reading the configuration,
// adding a group with its AUTO log files named, a process's command
// check, its logs and stdin, REMOTE_COMMUNICATION events) is asked of the
// daemon through the [Supervisor] interface, which plugin.InitContext.Host
// must implement; the factory refuses a host that does not.
//
// # Parameters
//
// Each method checks its number of parameters first, as Python's call
// does: a wrong count is INCORRECT_PARAMETERS (2) with no extra text. The
// optional wait of start*/stop* defaults to true and is read with
// Python's truthiness. Other parameters get the conversions the reference
// applies (int() of log offsets, signal_number, str() in fault texts);
// where the reference would hit a TypeError the answer is
// INCORRECT_PARAMETERS; where it fails internally (a name that is not a
// string, log bytes that are not UTF-8) the method returns a plain error,
// which the dispatcher answers with HTTP 500 as the reference does.
//
// # Shutdown state
//
// Every method except sendRemoteCommEvent answers SHUTDOWN_STATE (6)
// while the manager's state is below RUNNING (restarting or shutting
// down), as _update does, at the same point of the call as the
// reference: signalProcessGroup looks its group up before the check but
// reports an unknown group after it; signalAllProcesses checks at the end,
// and each signal it sends checks first, so nothing is signalled then.
//
// # Waiting
//
// The reference answers startProcess and stopProcess with wait=true (and
// the *Group and *All variants) with a deferred callback polled from its
// event loop. Here the call itself waits, on its own goroutine (the one
// the dispatcher runs it on), with process.Process.Await on the call's
// context: it blocks no other call and no process, and it ends early,
// with the context's error, when the client goes away. Nothing polls: a
// waiter wakes at each state change of its process.
//
//   - startProcess spawns the process, then waits until it is RUNNING
//     (true), has a spawn error (SPAWN_ERROR) or is in any state other than
//     STARTING and RUNNING (ABNORMAL_TERMINATION). A process with
//     startsecs=0 is RUNNING at once, so it is never waited for.
//   - stopProcess sends the stop signal and waits until the process is in
//     a stopped state, logging "waiting for NAME to stop" at once and
//     every 2 seconds while it is STOPPING.
//   - The *Group and *All variants act on the processes in priority
//     order, only on those that need it (start: not running, stop:
//     running). Faults and immediate outcomes are listed first, in that
//     order; the processes waited for are waited for concurrently and
//     listed as they settle (completion order).
//
// With wait=false the calls answer as soon as the spawn was attempted or
// the stop signal sent.
package mainapi
