package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/output"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// Exit codes (DESIGN.md §6).
const (
	ExitOK       = 0 // success, nothing at or above --fail-on
	ExitFindings = 1 // findings at or above --fail-on, or a failed gate
	ExitUsage    = 2 // bad flags, arguments or input
	ExitFailure  = 3 // estate itself could not run (e.g. git unreadable)
)

// App is what a command may touch of the world.
type App struct {
	Args   []string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	Now    func() time.Time
	// TTY reports whether Stdout is a terminal (colour, progress).
	TTY bool
	// Log is for diagnostics on Stderr (--verbose).
	Log *slog.Logger

	dir         string // --repo
	verbose     bool
	cpuProfile  string
	stopProfile func()
}

// System returns an App wired to the process.
func System() *App {
	return &App{
		Args:   os.Args[1:],
		Stdin:  os.Stdin,
		Stdout: os.Stdout,
		Stderr: os.Stderr,
		Getenv: os.Getenv,
		Now:    time.Now,
		TTY:    term.IsTerminal(int(os.Stdout.Fd())) && os.Getenv("NO_COLOR") == "" && os.Getenv("CI") == "",
	}
}

// Dir returns the estate repository's directory (--repo, default ".").
func (a *App) Dir() string {
	if a.dir == "" {
		return "."
	}
	return a.dir
}

// CI reports whether estate runs in CI (CI=true, as GitHub Actions sets).
func (a *App) CI() bool { v := a.Getenv("CI"); return v != "" && v != "false" && v != "0" }

// ExitError carries an exit code with an error to print (may be nil when
// the command has already said everything).
type ExitError struct {
	Code int
	Err  error
	Hint string
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// usageErr is a usage or input error (exit 2).
func usageErr(format string, args ...any) error {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf(format, args...)}
}

// inputErr wraps an error caused by the user's input (exit 2).
func inputErr(err error, hint string) error {
	return &ExitError{Code: ExitUsage, Err: err, Hint: hint}
}

// findingsErr says findings reached --fail-on (exit 1); the report was printed.
func findingsErr() error { return &ExitError{Code: ExitFindings} }

// judged is the exit of a command that wrote rep (werr: how the writing
// went): 3 when it could not be written, 1 when a finding reached
// --fail-on, else 0.
func judged(rep output.Report, werr error) error { return exitOf(werr, rep.Failing()) }

// exitOf is the exit of a command that wrote its report (werr: how the
// writing went) with failing findings at or above --fail-on: 3 when it
// could not be written, 1 when failing > 0, else 0.
func exitOf(werr error, failing int) error {
	switch {
	case werr != nil:
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("write report: %w", werr)}
	case failing > 0:
		return findingsErr()
	}
	return nil
}

// Main runs estate with app's arguments and returns the exit code.
func Main(app *App) int {
	if app.Log == nil {
		app.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	root := newRootCmd(app)
	root.SetArgs(app.Args)
	root.SetIn(app.Stdin)
	root.SetOut(app.Stdout)
	root.SetErr(app.Stderr)
	err := root.ExecuteContext(ctx)
	if app.stopProfile != nil {
		app.stopProfile()
	}
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if !errors.As(err, &ee) {
		// cobra's own flag and argument errors are usage errors.
		if isCobraUsage(err) {
			ee = &ExitError{Code: ExitUsage, Err: err, Hint: "run 'estate " + strings.Join(commandPath(root, app.Args), " ") + " --help' for usage"}
		} else {
			ee = &ExitError{Code: ExitFailure, Err: err}
		}
	}
	if ee.Err != nil {
		fmt.Fprintf(app.Stderr, "estate: error: %v\n", ee.Err)
		if ee.Hint != "" {
			fmt.Fprintf(app.Stderr, "estate: hint: %s\n", ee.Hint)
		}
	}
	return ee.Code
}

func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown flag", "unknown shorthand flag", "unknown command", "flag needs an argument",
		"invalid argument", "accepts ", "requires at least", "requires at most", "if any flags in the group",
		"required flag", "none of the others can be"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

func commandPath(root *cobra.Command, args []string) []string {
	c, _, err := root.Find(args)
	if err != nil || c == root {
		return nil
	}
	return strings.Fields(strings.TrimPrefix(c.CommandPath(), root.Name()+" "))
}

// coreErr turns an error of a capability package into an exit: 2 when
// the request was at fault (errors.Is(err, core.ErrUsage)), 3 otherwise,
// with the error's hint (a Hint() string method) either way. The one
// mapping from errors to exit codes.
func coreErr(err error) error {
	var ee *ExitError
	if err == nil || errors.As(err, &ee) {
		return err
	}
	var h interface{ Hint() string }
	hint := ""
	if errors.As(err, &h) {
		hint = h.Hint()
	}
	if errors.Is(err, core.ErrUsage) {
		return &ExitError{Code: ExitUsage, Err: err, Hint: hint}
	}
	return &ExitError{Code: ExitFailure, Err: err, Hint: hint}
}
