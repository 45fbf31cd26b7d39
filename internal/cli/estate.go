package cli

import (
	"fmt"

	"github.com/estate-dev/estate/internal/reports"
)

// reportEnv is what the report commands (internal/reports) take from the
// app: the estate's folder, the clock, the log, progress on a terminal,
// and warnings on stderr.
func (a *App) reportEnv() reports.Env {
	return reports.Env{Dir: a.Dir(), Now: a.Now(), Log: a.Log, Progress: a.progress("reading the estate"),
		Warn: func(msg string) { fmt.Fprintf(a.Stderr, "estate: warning: %s\n", msg) }}
}
