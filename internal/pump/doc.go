// Package pump reads the output pipes of every child of supervisord, and
// learns of their exits, on one goroutine: a Loop.
//
// # Why one loop
//
// A goroutine per pipe, reading through Go's poller, wakes the runtime for
// every line a child writes; with a hundred chatty children most of the
// daemon's CPU goes to waking threads (bench/README.md, chatty-100). A Loop
// owns two level-triggered epoll sets instead, whose descriptors Go's
// poller never sees:
//
//   - the main set: an eventfd that wakes the loop for commands (Add,
//     Exited, Close), the children's pidfds, the urgent outputs (an event
//     listener's stdout, whose READY and RESULT lines must not wait), and
//     the output set itself, registered one-shot;
//   - the output set: every other output pipe.
//
// When the output set becomes readable the loop reads every ready pipe
// once (one read each, up to its buffer), hands each chunk to the pipe's
// writer, and then leaves the output set alone until the next tick (Tick,
// 20 ms by default): output arriving meanwhile waits in the pipe and is
// read with the next batch. A read that fills the buffer means the child
// writes faster than the tick, so the next batch is read at once: bulk
// output is not slowed down. A pipe that stays empty for a whole tick puts
// the loop back to sleep until the set becomes readable again, so output
// after a quiet spell is read at once, and an idle daemon does not wake.
// The chunk's writer is called on the loop's goroutine and may block it
// (a slow disk): the children are then slowed by their full pipes, never
// by memory, as there is only one buffer.
//
// # Exits and the drain
//
// A Watch names the pidfd of its child; when it becomes readable the loop
// calls Watch.Reap (which reaps the child), then reads the child's pipes
// to their end: at once, and if something else (a grandchild) still holds
// a pipe open, again every DrainPoll until they are empty or DrainMax has
// passed since the exit. Then it closes the pipes and calls Watch.Done, on
// the loop's goroutine. So every byte the child wrote reaches its writer
// before Done, and Done comes once per Watch. A child without a pidfd is
// reported by whoever reaps it, with Loop.Exited.
//
// # Goroutines and ownership
//
// New starts the loop's goroutine; Close stops it and waits for it. The
// loop goroutine spends its idle time blocked in epoll_wait, holding one
// thread. Add and Exited may be called from any goroutine: they queue a
// command and wake the loop. The output descriptors given to Add belong to
// the loop from then on (it closes them); the pidfd stays its owner's.
// Writers and callbacks run on the loop goroutine, one at a time, and must
// not call the Loop's Close.
package pump
