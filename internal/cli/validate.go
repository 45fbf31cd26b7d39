package cli

import (
	"context"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/output"
)

// validateCommand is what one 'estate validate' command line asks for.
type validateCommand struct {
	Open core.Options
	reportFlags
}

func newValidateCmd(app *App) *cobra.Command { return validateCmd(app, runValidate) }

// validateCmd builds 'estate validate'; runF runs it (a test
// replaces it to check the options a command line produces).
func validateCmd(app *App, runF func(context.Context, *App, *validateCommand) error) *cobra.Command {
	var rf reportFlags
	var noCache bool
	o := core.Options{}
	cmd := &cobra.Command{
		Use:   "validate [PATH...]",
		Short: "Check every record: YAML, CUE schemas and cross-record rules",
		RunE: func(cmd *cobra.Command, args []string) error {
			c := &validateCommand{Open: o, reportFlags: rf}
			c.Open.Dir, c.Open.Paths, c.Open.Now, c.Open.Log, c.Open.Progress = app.Dir(), args, app.Now(), app.Log, app.progress("validating")
			c.Open.RequireRecords = true // validating nothing is no pass
			if noCache {
				c.Open.Cache = core.CacheOff
			}
			return runF(cmd.Context(), app, c)
		},
	}
	rf.register(cmd, "low", "text", "json", "github", "sarif", "junit", "markdown")
	cmd.Flags().StringVar(&o.Rev, "rev", "", "validate this git revision instead of the working tree (read from git, no checkout)")
	cmd.Flags().StringVar(&o.ChangedSince, "changed-since", "", "check only records changed since this revision (and all cross-record rules)")
	cmd.Flags().BoolVar(&noCache, "no-cache", false, "neither read nor write the validation cache")
	cmd.Flags().IntVar(&o.Workers, "workers", 0, "records checked at once (default: one per core)")
	cmd.Flags().BoolVar(&o.CUEOnly, "cue-only", false, "evaluate every record with CUE, without the native pre-check")
	return cmd
}

func runValidate(ctx context.Context, app *App, c *validateCommand) error {
	// Validation allocates many short-lived values per record; trade some
	// memory for less collection, within a ceiling well under 1 GiB.
	defer debug.SetGCPercent(debug.SetGCPercent(200))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(768 << 20))
	est, err := core.Open(ctx, c.Open)
	if err != nil {
		return coreErr(err)
	}
	defer est.Close()
	rep := output.Report{Tool: "validate", Version: Version, Findings: est.Findings, FailOn: c.FailOn,
		Summary: map[string]int{"records": est.Files, "checked": est.Checked, "cached": est.Cached}}
	return judged(rep, output.Write(app.Stdout, c.Format, rep, output.Options{Color: app.TTY}))
}
