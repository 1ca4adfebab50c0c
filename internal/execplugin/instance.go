package execplugin

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/supervisorgo/supervisor/internal/jsonrpc"
	"github.com/supervisorgo/supervisor/internal/rpc"
)

// maxStderrLine is the longest stderr line logged as one line; longer
// lines are split.
const maxStderrLine = 64 << 10

// instance is one run of the plugin process: the process, its pipes, the
// JSON-RPC connection on stdin/stdout and the goroutines that serve them.
type instance struct {
	p      *Plugin
	cmd    *exec.Cmd
	stdin  *os.File // our end of the plugin's stdin
	stdout *os.File // our end of its stdout
	stderr *os.File // our end of its stderr
	conn   *jsonrpc.Conn

	exited  chan struct{} // closed when the process has been reaped
	waitErr error         // set before exited is closed
	ended   chan struct{} // closed when the process exited or the connection broke
	wg      sync.WaitGroup
	killed  sync.Once
}

// launch starts the process and its goroutines: the stderr logger, the
// reaper, and the watcher that closes ended.
func (p *Plugin) launch() (*instance, error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		for _, f := range []*os.File{inR, inW, outR, outW} {
			f.Close()
		}
		return nil, err
	}
	cmd := &exec.Cmd{Path: p.set.path, Args: p.set.argv, Env: p.set.env, Dir: p.set.dir,
		Stdin: inR, Stdout: outW, Stderr: errW,
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true, Credential: p.set.cred}}
	err = cmd.Start()
	inR.Close()
	outW.Close()
	errW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		errR.Close()
		return nil, err
	}
	inst := &instance{p: p, cmd: cmd, stdin: inW, stdout: outR, stderr: errR,
		exited: make(chan struct{}), ended: make(chan struct{})}
	busy := rpc.Failed.Faultf("rpcinterface:%s: more than %d calls from the plugin in flight", p.name, maxCallsIn)
	inst.conn = jsonrpc.NewConn(outR, inW, jsonrpc.Options{
		Handler:     jsonrpc.HandlerFunc(p.handle),
		MaxInFlight: maxCallsIn,
		Busy:        &jsonrpc.Error{Code: int64(busy.Code), Message: busy.String},
		BadLine: func(line []byte, err error) {
			if len(line) > 200 {
				line = append(line[:200:200], "..."...)
			}
			p.log.Warn(fmt.Sprintf("rpcinterface:%s: skipped a stdout line (%v): %q", p.name, err, line))
		},
	})
	inst.wg.Go(inst.logStderr)
	inst.wg.Go(func() {
		inst.waitErr = cmd.Wait()
		close(inst.exited)
	})
	inst.wg.Go(func() {
		select {
		case <-inst.exited:
		case <-inst.conn.Done():
		}
		close(inst.ended)
	})
	return inst, nil
}

func (inst *instance) logStderr() {
	r := bufio.NewReaderSize(inst.stderr, maxStderrLine)
	for {
		line, isPrefix, err := r.ReadLine()
		if len(line) > 0 || (err == nil && !isPrefix) {
			inst.p.log.Info(fmt.Sprintf("rpcinterface:%s: %s", inst.p.name, line))
		}
		if err != nil {
			return
		}
	}
}

// reason describes why the instance ended.
func (inst *instance) reason() string {
	err := inst.conn.Err()
	if errors.Is(err, jsonrpc.ErrLineTooLong) {
		return "broke the protocol (a line longer than 16 MiB)"
	}
	select {
	case <-inst.exited:
		return describeExit(inst.waitErr)
	default:
	}
	switch {
	case errors.Is(err, jsonrpc.ErrClosed):
		return "stopped"
	case err != nil:
		return fmt.Sprintf("broke the connection (%v)", err)
	}
	return "stopped"
}

// reasonAfterExit waits up to d for the process to be reaped, then
// describes it.
func (inst *instance) reasonAfterExit(d time.Duration) string {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-inst.exited:
	case <-t.C:
	}
	return inst.reason()
}

func describeExit(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return fmt.Sprintf("was killed by signal %d (%s)", ws.Signal(), ws.Signal())
		}
		return fmt.Sprintf("exited with status %d", ee.ExitCode())
	}
	if err != nil {
		return fmt.Sprintf("exited (%v)", err)
	}
	return "exited with status 0"
}

// signal sends sig to the plugin's process group.
func (inst *instance) signal(sig syscall.Signal) {
	_ = syscall.Kill(-inst.cmd.Process.Pid, sig)
}

// kill ends the instance at once: SIGKILL to the process group, then it
// closes the pipes and waits for every goroutine. Idempotent.
func (inst *instance) kill() {
	inst.killed.Do(func() {
		select {
		case <-inst.exited:
		default:
			inst.signal(syscall.SIGKILL)
		}
		inst.finish()
	})
}

// shutdown stops the instance politely: stdin closed, grace, SIGTERM,
// grace, SIGKILL; then it waits for every goroutine. Idempotent with kill.
func (inst *instance) shutdown(grace time.Duration) {
	inst.killed.Do(func() {
		inst.stdin.Close()
		for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
			t := time.NewTimer(grace)
			select {
			case <-inst.exited:
			case <-t.C:
				inst.signal(sig)
			}
			t.Stop()
		}
		inst.finish()
	})
}

// finish waits for the reaper, then closes our pipe ends (a descendant may
// still hold the child's ends) and waits for the goroutines.
func (inst *instance) finish() {
	<-inst.exited
	inst.conn.Close() // closes stdout and stdin, waits for handlers
	inst.stderr.Close()
	inst.wg.Wait()
}

// maxCallsIn bounds the calls a plugin has in flight into supervisord; a
// plugin that sends more at once gets the FAILED fault for the excess.
const maxCallsIn = 64
