// Package process supervises one configured process: the state machine of
// supervisor.process.Subprocess (STOPPED, STARTING, RUNNING, BACKOFF,
// STOPPING, EXITED, FATAL, UNKNOWN) with the reference's transitions,
// timings and log messages.
//
// Concurrency: each Process is an actor. Run is its only goroutine and owns
// all mutable state; it selects on commands (Start, Stop, Signal,
// AllowAutomatic, GiveUp), on the child's exit and on one timer (startsecs
// while STARTING, the retry delay while BACKOFF, stopwaitsecs while
// STOPPING, the optional restart delay while EXITED). Nothing polls.
// Commands block until the actor has handled them; they never wait for a
// child to start or stop (Await does that, on snapshots).
//
// Readers never block the actor: Info returns the latest snapshot, swapped
// atomically after every change, and Changed returns a channel closed at
// the next state change. OnTransition is called on the actor's goroutine in
// the order the changes happen.
//
// Starting children and capturing their output is the Spawner's business,
// so the state machine is tested with a fake spawner on a fake clock
// (testing/synctest).
package process
