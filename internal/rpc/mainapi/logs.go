package mainapi

import (
	"context"
	"errors"
	"fmt"
	"os"
	"unicode/utf8"

	"github.com/supervisorgo/supervisor/internal/logfile"
	"github.com/supervisorgo/supervisor/internal/process"
	"github.com/supervisorgo/supervisor/internal/rpc"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

// exists is os.path.exists.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// logText is compat.as_string of the bytes read: strict UTF-8. The
// reference fails internally (HTTP 500) on bytes that do not decode.
func logText(b []byte) (string, error) {
	if !utf8.Valid(b) {
		return "", errors.New("log data is not valid UTF-8")
	}
	return string(b), nil
}

// readFile is the part readLog and _readProcessLog share once the file is
// known to exist: int() of the offsets, then readFile's outcomes.
func readFile(path string, offsetv, lengthv xmlrpc.Value) (xmlrpc.Value, error) {
	offset, err := intArg(offsetv)
	if err != nil {
		return nil, err
	}
	length, err := intArg(lengthv)
	if err != nil {
		return nil, err
	}
	data, err := logfile.Read(path, offset, length)
	switch {
	case errors.Is(err, logfile.ErrBadArguments):
		return nil, newFault(rpc.BadArguments)
	case errors.Is(err, logfile.ErrNoFile):
		return nil, newFaultf(rpc.NoFile, path)
	case err != nil:
		return nil, newFault(rpc.Failed)
	}
	return logText(data)
}

func (a *api) readLog(_ context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
	if err := a.update(); err != nil {
		return nil, err
	}
	path := a.host.MainLogPath()
	if path == "" {
		return nil, newFault(rpc.NoFile)
	}
	if !exists(path) {
		return nil, newFaultf(rpc.NoFile, path)
	}
	return readFile(path, params[0], params[1])
}

func (a *api) clearLog(ctx context.Context, _ []xmlrpc.Value) (xmlrpc.Value, error) {
	if err := a.update(); err != nil {
		return nil, err
	}
	path := a.host.MainLogPath()
	if path == "" || !exists(path) {
		return nil, newFault(rpc.NoFile)
	}
	if err := a.host.ClearMainLog(ctx); err != nil {
		if passThrough(err) {
			return nil, err
		}
		return nil, newFault(rpc.Failed)
	}
	return true, nil
}

// channelPath is a process's log file for "stdout" or "stderr"
// (process.config.<channel>_logfile), made to exist by the host if it is
// one it creates late; "" when there is none.
func (a *api) channelPath(p *process.Process, stderr bool) string {
	path := p.Config().Stdout.Path
	if stderr {
		path = p.Config().Stderr.Path
	}
	if path != "" {
		a.host.EnsureLogFile(path)
	}
	return path
}

// processArg resolves the name of the per-process log methods: a whole
// group is BAD_NAME.
func (a *api) processArg(v xmlrpc.Value) (string, *process.Process, error) {
	name, err := stringArg(v, "name")
	if err != nil {
		return "", nil, err
	}
	_, p, err := a.lookup(name)
	if err != nil {
		return "", nil, err
	}
	if p == nil {
		return "", nil, newFaultf(rpc.BadName, name)
	}
	return name, p, nil
}

// readProcessLog is _readProcessLog.
func (a *api) readProcessLog(params []xmlrpc.Value, stderr bool) (xmlrpc.Value, error) {
	if err := a.update(); err != nil {
		return nil, err
	}
	_, p, err := a.processArg(params[0])
	if err != nil {
		return nil, err
	}
	path := a.channelPath(p, stderr)
	if path == "" {
		return nil, newFault(rpc.NoFile)
	}
	if !exists(path) {
		return nil, newFaultf(rpc.NoFile, path)
	}
	return readFile(path, params[1], params[2])
}

func (a *api) readStdout(_ context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
	return a.readProcessLog(params, false)
}

func (a *api) readStderr(_ context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
	return a.readProcessLog(params, true)
}

// tailProcessLog is _tailProcessLog: a missing log is not a fault, and
// neither is an I/O error (tailFile answers ["", offset, false]).
func (a *api) tailProcessLog(params []xmlrpc.Value, stderr bool) (xmlrpc.Value, error) {
	if err := a.update(); err != nil {
		return nil, err
	}
	_, p, err := a.processArg(params[0])
	if err != nil {
		return nil, err
	}
	path := a.channelPath(p, stderr)
	if path == "" || !exists(path) {
		return []any{"", 0, false}, nil
	}
	offset, err := intArg(params[1])
	if err != nil {
		return nil, err
	}
	length, err := intArg(params[2])
	if err != nil {
		return nil, err
	}
	data, next, overflow, err := logfile.Tail(path, offset, length)
	if err != nil {
		a.log.Debug(fmt.Sprintf("tail %s: %v", path, err), "program", p.Config().Name)
		return []any{"", int(next), false}, nil
	}
	text, err := logText(data)
	if err != nil {
		return nil, err
	}
	return []any{text, int(next), overflow}, nil
}

func (a *api) tailStdout(_ context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
	return a.tailProcessLog(params, false)
}

func (a *api) tailStderr(_ context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
	return a.tailProcessLog(params, true)
}

// clearOne is clearProcessLogs once the process is resolved.
func (a *api) clearOne(ctx context.Context, name string, p *process.Process) error {
	if err := a.host.ClearProcessLogs(ctx, p); err != nil {
		if passThrough(err) {
			return err
		}
		return newFaultf(rpc.Failed, name)
	}
	return nil
}

func (a *api) clearProcessLogs(ctx context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
	if err := a.update(); err != nil {
		return nil, err
	}
	name, p, err := a.processArg(params[0])
	if err != nil {
		return nil, err
	}
	if err := a.clearOne(ctx, name, p); err != nil {
		return nil, err
	}
	return true, nil
}

// clearAllProcessLogs clears every process's logs, in priority order,
// answering a status for each (the reference does one per poll).
func (a *api) clearAllProcessLogs(ctx context.Context, _ []xmlrpc.Value) (xmlrpc.Value, error) {
	if err := a.update(); err != nil {
		return nil, err
	}
	all := func(process.State) bool { return true }
	return each(ctx, a.allByPriority(), all, func(ctx context.Context, name string, t target) (waiter, error) {
		if err := a.update(); err != nil {
			return nil, err
		}
		return nil, a.clearOne(ctx, name, t.p)
	})
}

func (a *api) sendProcessStdin(ctx context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
	if err := a.update(); err != nil {
		return nil, err
	}
	var data []byte
	switch x := params[1].(type) {
	case string:
		data = []byte(x)
	case []byte:
		data = x
	default:
		return nil, newFaultf(rpc.IncorrectParameters, pyStr(x))
	}
	name, p, err := a.processArg(params[0])
	if err != nil {
		return nil, err
	}
	if info := p.Info(); info.Pid == 0 || info.State == process.Stopping {
		return nil, newFaultf(rpc.NotRunning, name)
	}
	if err := a.host.WriteStdin(ctx, p, data); err != nil {
		switch {
		case errors.Is(err, process.ErrNotRunning):
			return nil, newFaultf(rpc.NotRunning, name)
		case errors.Is(err, ErrStdinClosed):
			return nil, newFaultf(rpc.NoFile, name)
		}
		return nil, err
	}
	return true, nil
}
