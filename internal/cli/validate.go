package cli

import (
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/output"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/validate"
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
	ctx := cmd.Context()
	var tree load.Tree
	var cacheRoot string
	if o.rev != "" {
		repo, err := gitrepo.Open(app.Dir())
		if err != nil {
			return inputErr(err, "--rev reads a git revision: run it in a git repository")
		}
		t, err := repo.Tree(o.rev)
		if err != nil {
			return inputErr(err, "name a branch, tag or commit that exists")
		}
		var done func()
		tree, done = t.ReadAhead(ctx, app.Dir())
		defer done()
		cacheRoot = repo.Root
	} else {
		d, err := load.OpenDir(app.Dir())
		if err != nil {
			return &ExitError{Code: ExitFailure, Err: err}
		}
		defer d.Close()
		tree, cacheRoot = d, d.Root()
	}

	opts := validate.Options{Tree: tree, Workers: o.workers, Now: app.Now(), CUEOnly: o.cueOnly, Progress: app.progress("validating"), Log: app.Log}
	if !o.noCache && cacheRoot != "" {
		opts.Cache = validate.OpenCache(validate.DefaultCachePath(cacheRoot))
	}
	var selectPaths func(string) bool
	if len(o.paths) > 0 {
		prefixes, err := relPaths(app.Dir(), o.paths)
		if err != nil {
			return err
		}
		selectPaths = func(p string) bool {
			for _, pre := range prefixes {
				if pre == "." || p == pre || strings.HasPrefix(p, pre+"/") {
					return true
				}
			}
			return false
		}
	}
	var base map[string]string
	if o.changedSince != "" {
		repo, err := gitrepo.Open(app.Dir())
		if err != nil {
			return inputErr(err, "--changed-since compares with a git revision: run it in a git repository")
		}
		t, err := repo.Tree(o.changedSince)
		if err != nil {
			return inputErr(err, "name a branch, tag or commit that exists")
		}
		entries, err := t.Entries(ctx)
		if err != nil {
			return &ExitError{Code: ExitFailure, Err: err}
		}
		base = make(map[string]string, len(entries))
		for _, e := range entries {
			base[e.Path] = e.Blob
		}
	}
	if selectPaths != nil || base != nil {
		opts.Select = func(path, blob string) bool {
			if selectPaths != nil && !selectPaths(path) {
				return false
			}
			return base == nil || base[path] != blob
		}
	}
	// Validation allocates many short-lived values per record; trade some
	// memory for less collection, within a ceiling well under 1 GiB.
	defer debug.SetGCPercent(debug.SetGCPercent(200))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(768 << 20))
	res, err := validate.Run(ctx, opts)
	if err != nil {
		return &ExitError{Code: ExitFailure, Err: err}
	}
	if opts.Cache != nil {
		if err := opts.Cache.Save(); err != nil {
			app.Log.Warn("cache not saved", "err", err)
		}
		app.Log.Debug("validate", "step", "saved the cache")
	}
	findings := res.Findings
	if selectPaths != nil {
		var kept []record.Finding
		for _, f := range findings {
			if selectPaths(f.Pos.File) {
				kept = append(kept, f)
			}
		}
		findings = kept
	}
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

// relPaths turns PATH arguments into slash paths relative to the
// repository root, refusing any that leave it.
func relPaths(root string, args []string) ([]string, error) {
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, a := range args {
		p := a
		if !filepath.IsAbs(p) {
			p = filepath.Join(absRoot, p)
		}
		rel, err := filepath.Rel(absRoot, p)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return nil, usageErr("%s is outside the estate at %s", a, root)
		}
		out = append(out, filepath.ToSlash(rel))
	}
	return out, nil
}
