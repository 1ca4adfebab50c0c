package spawn

// Kind classifies a spawn error. A Kind is itself an error, so a caller can
// test an *Error's kind with errors.Is(err, spawn.NotFound).
type Kind int

// The kinds of spawn errors. The first four are the subclasses of
// supervisor.options.ProcessException that Subprocess.get_execv_args and
// ServerOptions.check_execv_args raise; PipeFailed and ForkFailed are the two
// other causes of a spawn error in Subprocess.spawn (make_dispatchers and
// fork failing).
const (
	BadCommand    Kind = iota + 1 // the command is empty or cannot be split
	NotFound                      // no such file, or not found in PATH
	NotExecutable                 // a directory, or no execute bit at all
	NoPermission                  // execute bits set, but access(X_OK) fails
	PipeFailed                    // the pipes to the child could not be made
	ForkFailed                    // the child could not be forked
)

var kindNames = map[Kind]string{
	BadCommand:    "BadCommand",
	NotFound:      "NotFound",
	NotExecutable: "NotExecutable",
	NoPermission:  "NoPermission",
	PipeFailed:    "PipeFailed",
	ForkFailed:    "ForkFailed",
}

// String returns the kind's name (the Python exception class name for the
// first four).
func (k Kind) String() string {
	if n, ok := kindNames[k]; ok {
		return n
	}
	return "Kind(?)"
}

// Error makes a Kind usable as an errors.Is target.
func (k Kind) Error() string { return k.String() }

// Error is a spawn failure. Msg is exactly the reference's text: the process's
// spawnerr, which the reference also logs as "spawnerr: <Msg>".
type Error struct {
	Kind Kind
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// Is reports whether target is e's Kind.
func (e *Error) Is(target error) bool {
	k, ok := target.(Kind)
	return ok && k == e.Kind
}
