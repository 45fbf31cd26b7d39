package cli

import (
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/output"
)

type validateOptions struct {
	format       string
	failOn       string
	rev          string
	changedSince string
	noCache      bool
	cueOnly      bool
	workers      int
	paths        []string
}

func newValidateCmd(app *App) *cobra.Command {
	o := &validateOptions{}
	cmd := &cobra.Command{
		Use:   "validate [PATH...]",
		Short: "Check every record: YAML, CUE schemas and cross-record rules",
		Long: `Validate checks the estate in three layers and reports every problem in one
run, each at file:line:column:

  1. YAML: syntax, duplicate keys, one document per file, size, UTF-8,
     alias expansion, secrets pasted into records;
  2. CUE: each record against its kind's schema (schema/*.cue, with the
     repository's own schema files unified in);
  3. cross-record: file name = id, unique ids, serials and hostnames,
     references, baseline inheritance, lifecycle rules, expired exemptions.

With PATH arguments, only those files (or folders) are reported on; the
cross-record rules still read the whole estate. Results are cached by
(schema digest, git blob id) in .git/estate/, so a second run only checks
what changed.

Exit status: 0 clean, 1 findings at or above --fail-on, 2 usage error,
3 estate could not run.`,
		Example: `  # the whole estate, in the terminal
  estate validate

  # in CI: annotations on the pull request's lines
  estate validate --format github

  # only what changed since main (plus the cross-record rules)
  estate validate --changed-since main

  # one folder, as SARIF for code scanning
  estate validate inventory/laptop --format sarif > estate.sarif`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.paths = args
			return runValidate(cmd, app, o)
		},
	}
	formatFlag(cmd, &o.format, "text", "json", "github", "sarif", "junit", "markdown")
	failOnFlag(cmd, &o.failOn, "low")
	cmd.Flags().StringVar(&o.rev, "rev", "", "validate this git revision instead of the working tree (read from git, no checkout)")
	cmd.Flags().StringVar(&o.changedSince, "changed-since", "", "check only records changed since this revision (and all cross-record rules)")
	cmd.Flags().BoolVar(&o.noCache, "no-cache", false, "neither read nor write the validation cache")
	cmd.Flags().IntVar(&o.workers, "workers", 0, "records checked at once (default: one per core)")
	cmd.Flags().BoolVar(&o.cueOnly, "cue-only", false, "evaluate every record with CUE, without the native pre-check")
	return cmd
}

func runValidate(cmd *cobra.Command, app *App, o *validateOptions) error {
	if err := checkChoice("format", o.format, output.Formats()...); err != nil {
		return err
	}
	failOn, err := parseFailOn(o.failOn)
	if err != nil {
		return err
	}
	opts := core.Options{Dir: app.Dir(), Rev: o.rev, ChangedSince: o.changedSince, Paths: o.paths,
		Workers: o.workers, CUEOnly: o.cueOnly, Now: app.Now(), Log: app.Log, Progress: app.progress("validating"), RequireRecords: true}
	if o.noCache {
		opts.Cache = core.CacheOff
	}
	// Validation allocates many short-lived values per record; trade some
	// memory for less collection, within a ceiling well under 1 GiB.
	defer debug.SetGCPercent(debug.SetGCPercent(200))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(768 << 20))
	est, err := core.Open(cmd.Context(), opts)
	if err != nil {
		return coreErr(err)
	}
	defer est.Close()
	findings := est.Findings
	res := est
	rep := output.Report{Tool: "validate", Version: Version, Findings: findings, FailOn: failOn,
		Summary: map[string]int{"records": res.Files, "checked": res.Checked, "cached": res.Cached}}
	if err := output.Write(app.Stdout, o.format, rep, output.Options{Color: app.TTY}); err != nil {
		return &ExitError{Code: ExitFailure, Err: err}
	}
	if rep.Failing() > 0 {
		return findingsErr()
	}
	return nil
}
