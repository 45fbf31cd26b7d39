package cli

import (
	"errors"
	"fmt"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/reports"
)

// reportEnv is what the report commands (internal/reports) take from the
// app: the estate's folder, the clock, the log, progress on a terminal,
// and warnings on stderr.
func (a *App) reportEnv() reports.Env {
	return reports.Env{Dir: a.Dir(), Now: a.Now(), Log: a.Log, Progress: a.progress("reading the estate"),
		Warn: func(msg string) { fmt.Fprintf(a.Stderr, "estate: warning: %s\n", msg) }}
}

// reportErr maps an error of internal/reports (or of the core under it)
// to its exit code: 2 for an error in the request, else 3; with its hint.
func reportErr(err error) error {
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
