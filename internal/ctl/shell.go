package ctl

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/chzyer/readline"
)

// errInterrupt is Ctrl-C at a prompt (Python's KeyboardInterrupt).
var errInterrupt = errors.New("interrupt")

// lineReader reads what the user types: commands at the shell's prompt,
// lines for fg, answers to questions.
type lineReader interface {
	readLine(ctx context.Context, prompt string) (string, error)
	readPassword(ctx context.Context, prompt string) (string, error)
	close()
}

// lineReader returns the session's reader, made on first use: readline on
// a terminal, plain lines otherwise.
func (c *Controller) lineReader() lineReader {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lines != nil {
		return c.lines
	}
	if f, ok := c.stdin.(*os.File); ok && readline.IsTerminal(int(f.Fd())) {
		cfg := func(history string) *readline.Config {
			return &readline.Config{
				Prompt:          c.opts.prompt + "> ",
				HistoryFile:     history,
				AutoComplete:    completer{c},
				Stdin:           f,
				Stdout:          c.stdout,
				Stderr:          c.stderr,
				InterruptPrompt: "^C",
			}
		}
		rl, err := readline.NewEx(cfg(c.opts.historyFile))
		if err != nil && c.opts.historyFile != "" {
			// An unusable history file: edit lines without it, as the
			// reference ignores an IOError on it.
			rl, err = readline.NewEx(cfg(""))
		}
		if err == nil {
			c.lines = &rlReader{rl: rl}
			return c.lines
		}
	}
	in := c.stdin
	if in == nil {
		in = strings.NewReader("")
	}
	c.lines = &plainReader{in: in, out: c.stdout, mu: &c.mu}
	return c.lines
}

type rlReader struct{ rl *readline.Instance }

func (r *rlReader) readLine(ctx context.Context, prompt string) (string, error) {
	r.rl.SetPrompt(prompt)
	line, err := r.rl.Readline()
	switch {
	case errors.Is(err, readline.ErrInterrupt):
		return "", errInterrupt
	case err != nil:
		return "", io.EOF
	}
	return line, nil
}

func (r *rlReader) readPassword(ctx context.Context, prompt string) (string, error) {
	b, err := r.rl.ReadPassword(prompt)
	if errors.Is(err, readline.ErrInterrupt) {
		return "", errInterrupt
	}
	return string(b), err
}

func (r *rlReader) close() { r.rl.Close() }

// plainReader reads lines from a pipe or file, writing the prompt first
// as Python's input() does; a read can be abandoned (Ctrl-C during fg).
type plainReader struct {
	in    io.Reader
	out   io.Writer
	mu    *sync.Mutex
	once  sync.Once
	lines chan lineOrErr
}

type lineOrErr struct {
	line string
	err  error
}

func (p *plainReader) start() {
	p.lines = make(chan lineOrErr)
	go func() {
		br := bufio.NewReader(p.in)
		for {
			s, err := br.ReadString('\n')
			if s != "" {
				p.lines <- lineOrErr{line: strings.TrimSuffix(s, "\n")}
			}
			if err != nil {
				p.lines <- lineOrErr{err: io.EOF}
				close(p.lines)
				return
			}
		}
	}()
}

func (p *plainReader) readLine(ctx context.Context, prompt string) (string, error) {
	p.once.Do(p.start)
	if prompt != "" {
		p.mu.Lock()
		io.WriteString(p.out, prompt)
		p.mu.Unlock()
	}
	select {
	case l, ok := <-p.lines:
		if !ok {
			return "", io.EOF
		}
		return l.line, l.err
	case <-ctx.Done():
		return "", errInterrupt
	}
}

func (p *plainReader) readPassword(ctx context.Context, prompt string) (string, error) {
	return p.readLine(ctx, prompt)
}

func (p *plainReader) close() {}

// shell is the interactive loop (exec_cmdloop): status first, then the
// prompt until quit, exit, end of input or Ctrl-C.
func (c *Controller) shell(ctx context.Context) {
	lr := c.lineReader()
	defer lr.close()
	c.onecmd(ctx, "status")
	prompt := c.opts.prompt + "> "
	for {
		line, err := lr.readLine(ctx, prompt)
		if errors.Is(err, errInterrupt) {
			c.Output("")
			return
		}
		if err != nil {
			line = "EOF"
		}
		// Ctrl-C during a command ends the command, not the shell.
		cctx, stop := interruptible(ctx)
		quit := c.onecmdInterruptible(cctx, line)
		stop()
		if quit {
			return
		}
	}
}

// completer completes commands, and process or group names asked from
// the server, as the reference's Controller.complete.
type completer struct{ c *Controller }

// completerDelims are readline's word delimiters less ':', '*' and '-'.
const completerDelims = " \t\n\"\\'`@$><=;|&{("

func (k completer) Do(line []rune, pos int) ([][]rune, int) {
	head := string(line[:pos])
	start := strings.LastIndexAny(head, completerDelims) + 1
	text := head[start:]
	matches := k.c.complete(text, head)
	out := make([][]rune, 0, len(matches))
	for _, m := range matches {
		out = append(out, []rune(m[len(text):]))
	}
	return out, len([]rune(text))
}

// complete returns the completions of text (each ending in a space) in
// the line typed so far.
func (c *Controller) complete(text, line string) []string {
	if strings.TrimSpace(line) == "" {
		return c.completeActions(text)
	}
	words := strings.Fields(line)
	action := words[0]
	switch {
	case len(words) == 1 && !strings.HasSuffix(line, " "):
		return c.completeActions(text)
	case action == "help":
		return c.completeActions(text)
	case action == "call" && (len(words) == 1 || len(words) == 2 && !strings.HasSuffix(line, " ")):
		return c.completeMethods(text)
	case action == "add" || action == "remove" || action == "update":
		return c.completeGroups(text)
	case contains([]string{"clear", "fg", "pid", "restart", "signal", "start", "status", "stop", "tail"}, action):
		return c.completeProcesses(text)
	}
	return nil
}

func (c *Controller) completeActions(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, a := range c.vocab {
		if strings.HasPrefix(a, text) && !seen[a] {
			seen[a] = true
			out = append(out, a+" ")
		}
	}
	return out
}

func (c *Controller) completeInfos() []map[string]any {
	c.completeMu.Lock()
	defer c.completeMu.Unlock()
	if c.completeInfo == nil {
		v, err := c.sv(context.Background(), "getAllProcessInfo")
		if err != nil {
			return nil
		}
		c.completeInfo = structs(v)
	}
	return c.completeInfo
}

func (c *Controller) completeGroups(text string) []string {
	var groups []string
	for _, info := range c.completeInfos() {
		if g := str(info, "group"); !contains(groups, g) {
			groups = append(groups, g)
		}
	}
	var out []string
	for _, g := range groups {
		if strings.HasPrefix(g, text) {
			out = append(out, g+" ")
		}
	}
	return out
}

func (c *Controller) completeProcesses(text string) []string {
	var procs []string
	for _, info := range c.completeInfos() {
		g, n := str(info, "group"), str(info, "name")
		if strings.Contains(text, ":") || n != g {
			procs = append(procs, g+":"+n)
			if !contains(procs, g+":*") {
				procs = append(procs, g+":*")
			}
		} else {
			procs = append(procs, n)
		}
	}
	var out []string
	for _, p := range procs {
		if strings.HasPrefix(p, text) {
			out = append(out, p+" ")
		}
	}
	return out
}

// onecmdInterruptible runs a line; when ctx ends (Ctrl-C) the command's
// error is not reported: an empty line is printed, as the reference does
// for a KeyboardInterrupt.
func (c *Controller) onecmdInterruptible(ctx context.Context, line string) bool {
	c.mu.Lock()
	c.interrupted = ctx.Done()
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.interrupted = nil
		c.mu.Unlock()
	}()
	return c.onecmd(ctx, line)
}

// completeMethods completes the method names of "call", asked from the
// server (system.listMethods).
func (c *Controller) completeMethods(text string) []string {
	v, err := c.Call(context.Background(), "system.listMethods")
	if err != nil {
		return nil
	}
	var out []string
	arr, _ := v.([]any)
	for _, m := range arr {
		if s, ok := m.(string); ok && strings.HasPrefix(s, text) {
			out = append(out, s+" ")
		}
	}
	return out
}
