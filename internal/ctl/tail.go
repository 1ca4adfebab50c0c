package ctl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/supervisorgo/supervisor/ctlplugin"
)

// lockedWriter writes to the controller's stdout under its lock.
type lockedWriter struct{ c *Controller }

func (w lockedWriter) Write(p []byte) (int, error) {
	w.c.mu.Lock()
	defer w.c.mu.Unlock()
	return w.c.stdout.Write(p)
}

// tailf follows a /logtail or /mainlogtail path until Ctrl-C.
func (c *Controller) tailf(ctx context.Context, path string) error {
	c.Output("==> Press Ctrl-C to exit <==")
	cl, err := c.getClient()
	if err != nil {
		return err
	}
	ctx, stop := interruptible(ctx)
	defer stop()
	err = cl.get(ctx, path, lockedWriter{c})
	if ctx.Err() != nil {
		c.Output("")
		return nil
	}
	c.reportTailError(path, err)
	return nil
}

// reportTailError prints what the reference's http_client listener prints
// on stderr when a follow fails.
func (c *Controller) reportTailError(path string, err error) {
	if err == nil {
		return
	}
	u := c.serverURL() + path
	var pe *protocolError
	if errors.As(err, &pe) {
		c.errorOutput(fmt.Sprintf("%s Cannot read, status code %d", u, pe.Code))
		return
	}
	c.errorOutput(fmt.Sprintf("%s Cannot connect, %s", u, strings.TrimPrefix(describe(c.serverURL(), err), "error: ")))
}

func (c *Controller) doTail(ctx context.Context, arg string) error {
	if ok, err := c.upcheck(ctx); err != nil || !ok {
		return err
	}
	args := strings.Fields(arg)
	if len(args) < 1 {
		c.Output("Error: too few arguments")
		c.SetExitStatus(ctlplugin.ExitGeneric)
		c.help("tail")
		return nil
	}
	if len(args) > 3 {
		c.Output("Error: too many arguments")
		c.SetExitStatus(ctlplugin.ExitGeneric)
		c.help("tail")
		return nil
	}
	modifier := ""
	if strings.HasPrefix(args[0], "-") {
		modifier, args = args[0], args[1:]
	}
	var name, channel string
	switch {
	case len(args) == 1:
		name, channel = args[0], "stdout"
	case len(args) > 1:
		name, channel = args[0], strings.ToLower(args[len(args)-1])
		if channel != "stderr" && channel != "stdout" {
			c.Output("Error: bad channel " + pyRepr(channel))
			c.SetExitStatus(ctlplugin.ExitGeneric)
			return nil
		}
	default:
		c.Output("Error: tail requires process name")
		c.SetExitStatus(ctlplugin.ExitGeneric)
		return nil
	}
	bytes := 1600
	if modifier != "" {
		what := modifier[1:]
		if what == "f" {
			return c.tailf(ctx, "/logtail/"+name+"/"+channel)
		}
		n, err := pyInt(what)
		if err != nil {
			c.Output("Error: bad argument " + modifier)
			c.SetExitStatus(ctlplugin.ExitGeneric)
			return nil
		}
		bytes = n
	}
	method := "readProcessStdoutLog"
	if channel == "stderr" {
		method = "readProcessStderrLog"
	}
	v, err := c.sv(ctx, method, name, -bytes, 0)
	if err != nil {
		f, ok := faultOf(err)
		if !ok {
			return err
		}
		c.SetExitStatus(ctlplugin.ExitGeneric)
		switch f.Code {
		case faultNoFile:
			c.Output(name + ": ERROR (no log file)")
		case faultFailed:
			c.Output(name + ": ERROR (unknown error reading log)")
		case faultBadName:
			c.Output(name + ": ERROR (no such process name)")
		default:
			return err
		}
		return nil
	}
	c.Output(pyStr(v))
	return nil
}

// pyInt is int() of a string, as the tail byte counts are read.
func pyInt(s string) (int, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "_", ""))
	return strconv.Atoi(s)
}

func (c *Controller) doMaintail(ctx context.Context, arg string) error {
	if ok, err := c.upcheck(ctx); err != nil || !ok {
		return err
	}
	args := strings.Fields(arg)
	bytes := 1600
	switch {
	case len(args) > 1:
		c.Output("Error: too many arguments")
		c.SetExitStatus(ctlplugin.ExitGeneric)
		c.help("maintail")
		return nil
	case len(args) == 1:
		if !strings.HasPrefix(args[0], "-") {
			c.Output("Error: bad argument " + args[0])
			c.SetExitStatus(ctlplugin.ExitGeneric)
			return nil
		}
		what := args[0][1:]
		if what == "f" {
			return c.tailf(ctx, "/mainlogtail")
		}
		n, err := pyInt(what)
		if err != nil {
			c.Output("Error: bad argument " + args[0])
			c.SetExitStatus(ctlplugin.ExitGeneric)
			return nil
		}
		bytes = n
	}
	v, err := c.sv(ctx, "readLog", -bytes, 0)
	if err != nil {
		f, ok := faultOf(err)
		if !ok {
			return err
		}
		c.SetExitStatus(ctlplugin.ExitGeneric)
		switch f.Code {
		case faultNoFile:
			c.Output("supervisord: ERROR (no log file)")
		case faultFailed:
			c.Output("supervisord: ERROR (unknown error reading log)")
		default:
			return err
		}
		return nil
	}
	c.Output(pyStr(v))
	return nil
}

// doFg attaches to a process: its output is shown, typed lines go to its
// stdin, Ctrl-C (or end of input) detaches.
func (c *Controller) doFg(ctx context.Context, arg string) error {
	if ok, err := c.upcheck(ctx); err != nil || !ok {
		return err
	}
	names := strings.Fields(arg)
	if len(names) == 0 {
		c.Output("ERROR: no process name supplied")
		c.SetExitStatus(ctlplugin.ExitGeneric)
		c.help("fg")
		return nil
	}
	if len(names) > 1 {
		c.Output("ERROR: too many process names supplied")
		c.SetExitStatus(ctlplugin.ExitGeneric)
		return nil
	}
	name := names[0]
	v, err := c.sv(ctx, "getProcessInfo", name)
	if err != nil {
		if f, ok := faultOf(err); ok {
			if f.Code == faultBadName {
				c.Output("ERROR: bad process name supplied")
				c.SetExitStatus(ctlplugin.ExitGeneric)
			} else {
				c.Output("ERROR: " + faultRepr(f))
			}
			return nil
		}
		return err
	}
	info, _ := v.(map[string]any)
	if num(info, "state") != stateRunning {
		c.Output("ERROR: process not running")
		c.SetExitStatus(ctlplugin.ExitGeneric)
		return nil
	}
	c.Output("==> Press Ctrl-C to exit <==")
	cl, err := c.getClient()
	if err != nil {
		return err
	}
	ctx, stop := interruptible(ctx)
	defer stop()
	followCtx, endFollow := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, ch := range []string{"stdout", "stderr"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := "/logtail/" + name + "/" + ch
			if err := cl.get(followCtx, path, lockedWriter{c}); err != nil && followCtx.Err() == nil {
				c.reportTailError(path, err)
			}
		}()
	}
	defer func() {
		endFollow()
		wg.Wait()
	}()
	lr := c.lineReader()
	for {
		line, err := lr.readLine(ctx, "")
		if err != nil {
			// Ctrl-C, end of input: detach.
			c.Output("Exiting foreground")
			return nil
		}
		if _, err := c.sv(ctx, "sendProcessStdin", name, line+"\n"); err != nil {
			if f, ok := faultOf(err); ok && f.Code == faultNotRunning {
				c.Output("Process got killed")
			} else if ok {
				c.Output("ERROR: " + faultRepr(f))
			} else if ctx.Err() != nil {
				c.Output("Exiting foreground")
				return nil
			} else {
				c.Output("ERROR: " + describe(c.serverURL(), err))
			}
			c.Output("Exiting foreground")
			return nil
		}
		v, err := c.sv(ctx, "getProcessInfo", name)
		if err != nil {
			if ctx.Err() != nil {
				c.Output("Exiting foreground")
				return nil
			}
			return err
		}
		info, _ := v.(map[string]any)
		if num(info, "state") != stateRunning {
			c.Output("Process got killed")
			c.Output("Exiting foreground")
			return nil
		}
	}
}

var _ io.Writer = lockedWriter{}
