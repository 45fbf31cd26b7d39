package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/estate-dev/estate/internal/audit"
	"github.com/estate-dev/estate/internal/change"
	"github.com/estate-dev/estate/internal/change/report"
	"github.com/estate-dev/estate/internal/facts"
	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/validate"
)

func newChangeCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "change",
		Short: "Change control: plan, gate and scaffold changes made as pull requests",
		Long: `A change to the estate is a pull request. 'estate change plan' shows what it
really changes (records added, removed, renamed and changed field by field),
what it does to devices, its risk, the change request it needs and the
approvals the change policy (policies/change-control.yaml) requires.
'estate change check' is the gate CI runs on the pull request; 'estate
change new' scaffolds the change request for the current branch.`,
		Example: `  # what this branch changes, against its merge base with main
  estate change plan

  # the gate, as GitHub Actions runs it
  estate change check

  # a change request for this branch's diff
  estate change new --title "Raise the macOS minimum to 14.5"`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newChangePlanCmd(app), newChangeCheckCmd(app), newChangeNewCmd(app))
	return cmd
}

// planOptions are the flags plan and check share.
type planOptions struct {
	base, head string
	format     string
	full       bool
	cache      bool
	engine     string
	facts      string
}

func planFlags(cmd *cobra.Command, o *planOptions) {
	cmd.Flags().StringVar(&o.base, "base", "", "the revision the change starts from (default: the merge base of --head with the default branch)")
	cmd.Flags().StringVar(&o.head, "head", "HEAD", "the revision with the change")
	cmd.Flags().BoolVar(&o.full, "full", false, "load every record of both revisions (impact of any change; slower on large estates)")
	cmd.Flags().BoolVar(&o.cache, "cache", false, "use the validation cache of estate validate (.git/estate); it pays only when the changed files were validated before, and loading it costs time on a large estate")
	cmd.Flags().Bool("no-cache", true, "the default: the validation cache is not used (see --cache)")
	cmd.Flags().MarkHidden("no-cache")
	cmd.Flags().StringVar(&o.facts, "facts", "", "a folder of facts documents (JSON/YAML, as estate facts collect writes): the impact names the devices whose compliance the change turns")
	cmd.Flags().StringVar(&o.engine, "diff-engine", "auto", "how the trees are compared: go-git, git (the git CLI, faster on large trees), or auto (git when installed)")
}

func newChangePlanCmd(app *App) *cobra.Command {
	o := &planOptions{}
	var failOnName string
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show what a change does: semantic diff, impact, risk, approvals, freezes",
		Long: `Plan reads both revisions from git (no checkout), diffs their trees and
reports the records added, removed, renamed and changed field by field;
lifecycle transitions; the devices the change reaches (for a changed
baseline, every deployed asset under it or a baseline extending it, by
location); whether it needs a change request or follows the
standard-change catalogue; the computed and the declared risk; the
approvals and freeze windows of the change policy; and the validation
findings the change brings into the head revision.

Only the changed files and the small records (policies, locations,
licences, change requests) are read. When a baseline changes, every asset
file of the head is searched for the names of the baselines it reaches and
the matches are parsed (for the impact); --full loads and validates every
record of both revisions instead.

Exit status: 0 nothing blocks the change, 1 a finding at or above
--fail-on (default high: a validation error, a missing change request, a
risk declared too low, a freeze), 2 usage error, 3 estate could not run.`,
		Example: `  # this branch against its merge base with the default branch
  estate change plan

  # two revisions, as markdown for a pull-request comment
  estate change plan --base main --head feature/raise-macos --format markdown

  # as JSON for a script
  estate change plan --base HEAD~3 --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkChoice("format", o.format, "text", "markdown", "json"); err != nil {
				return err
			}
			failOn, err := parseFailOn(failOnName)
			if err != nil {
				return err
			}
			pr, err := makePlan(cmd.Context(), app, o)
			if err != nil {
				return err
			}
			if err := writePlan(app.Stdout, o.format, pr, nil); err != nil {
				return &ExitError{Code: ExitFailure, Err: err}
			}
			if failing(pr.plan, failOn) {
				return findingsErr()
			}
			return nil
		},
	}
	formatFlag(cmd, &o.format, "text", "markdown", "json")
	failOnFlag(cmd, &failOnName, "high")
	planFlags(cmd, o)
	return cmd
}

// planResult is a plan with where it came from.
type planResult struct {
	plan    *change.Plan
	ctx     report.Context
	repo    *gitrepo.Repo
	base    *gitrepo.Commit
	head    *gitrepo.Commit
	files   []gitrepo.TreeChange
	elapsed time.Duration
}

// blocking reports whether a finding of the plan blocks the change (high
// or above, as the gate judges).
func blocking(p *change.Plan) bool { return failing(p, record.SevHigh) }

// failing reports whether a finding is at or above failOn (0: never).
func failing(p *change.Plan, failOn record.Severity) bool {
	for _, f := range p.Findings {
		if failOn != 0 && f.Severity >= failOn {
			return true
		}
	}
	return false
}

func writePlan(w io.Writer, format string, pr *planResult, g *change.Gate) error {
	switch format {
	case "json":
		return report.JSON(w, Version, pr.ctx, pr.plan, g)
	case "markdown":
		return report.Markdown(w, pr.ctx, pr.plan, g)
	}
	return report.Text(w, pr.ctx, pr.plan, g)
}

// contextDirs are read in full on both sides: the records that are not
// assets are few, and the plan needs all of them (policy, baselines,
// locations, licences, change requests).
var contextDirs = []string{"estate.yaml", "schema", "policies", "changes", "inventory/locations", "inventory/licences"}

// defaultBases are tried, in order, when --base is not given.
func defaultBases(app *App) []string {
	var out []string
	if ref := app.Getenv("GITHUB_BASE_REF"); ref != "" {
		out = append(out, "refs/remotes/origin/"+ref, ref)
	}
	return append(out, "refs/remotes/origin/main", "main", "refs/remotes/origin/master", "master")
}

// makePlan reads both revisions and builds the plan.
func makePlan(ctx context.Context, app *App, o *planOptions) (*planResult, error) {
	start := time.Now()
	repo, err := gitrepo.Open(app.Dir())
	if err != nil {
		return nil, inputErr(err, "run estate change in a git repository, or name one with --repo")
	}
	head, err := repo.Resolve(o.head)
	if err != nil {
		return nil, inputErr(err, "name a branch, tag or commit that exists")
	}
	var base *gitrepo.Commit
	baseName := o.base
	if o.base != "" {
		if base, err = repo.Resolve(o.base); err != nil {
			return nil, inputErr(err, "name a branch, tag or commit that exists")
		}
	} else {
		for _, cand := range defaultBases(app) {
			tip, err := repo.Resolve(cand)
			if err != nil {
				continue
			}
			if base, err = repo.MergeBase(tip, head); err != nil {
				return nil, inputErr(err, "pass --base explicitly")
			}
			baseName = "merge-base(" + gitrepo.ShortName(strings.TrimPrefix(cand, "refs/remotes/")) + ")"
			break
		}
		if base == nil {
			return nil, usageErr("no default branch found (tried main, master and their origin/ refs); pass --base")
		}
	}
	if o.engine == "" {
		o.engine = string(gitrepo.EngineAuto)
	}
	if err := checkChoice("diff-engine", o.engine, string(gitrepo.EngineAuto), string(gitrepo.EngineGoGit), string(gitrepo.EngineGit)); err != nil {
		return nil, err
	}
	files, engine, err := repo.DiffCommitsWith(ctx, gitrepo.DiffEngine(o.engine), base, head)
	if err != nil {
		return nil, &ExitError{Code: ExitFailure, Err: err}
	}
	app.Log.Debug("tree diff", "engine", engine, "files", len(files), "elapsed", time.Since(start))

	var from, to []load.Entry
	changed := map[string]bool{}
	full := o.full
	var changedBaselines []string
	var cfiles []change.File
	for _, f := range files {
		cfiles = append(cfiles, change.File{Action: f.Action, From: f.From, To: f.To, Link: f.ToLink, Other: f.ToOther})
		if f.From != "" {
			from = append(from, load.Entry{Path: f.From, Blob: f.FromBlob, Link: f.FromLink})
			changed[f.From] = true
		}
		if f.To != "" {
			e := load.Entry{Path: f.To, Blob: f.ToBlob, Link: f.ToLink}
			if f.ToOther {
				e.Problem = "not a regular file"
			}
			to = append(to, e)
			changed[f.To] = true
		}
		for _, p := range []string{f.From, f.To} {
			if pl := load.Classify(p); pl.Kind == record.KindBaseline {
				changedBaselines = append(changedBaselines, pl.ID)
			}
		}
	}
	dirs := contextDirs
	if full {
		dirs = load.Roots
	}
	baseTree, err := repo.CommitTree(base, baseName)
	if err != nil {
		return nil, &ExitError{Code: ExitFailure, Err: err}
	}
	headTree, err := repo.CommitTree(head, o.head)
	if err != nil {
		return nil, &ExitError{Code: ExitFailure, Err: err}
	}
	var cache *validate.Cache
	if o.cache && repo.Root != "" {
		cache = validate.OpenCache(validate.DefaultCachePath(repo.Root))
	}
	// In the head, the changed files and the small context records go
	// through the YAML and schema layers; unchanged assets (read only when
	// every asset is needed) are only decoded. In the base, the changed
	// files are only decoded: every finding in a file the change touches
	// is the change's to fix, and the base's findings elsewhere are
	// subtracted as pre-existing.
	headSel := func(p, _ string) bool { return changed[p] || load.Classify(p).Kind != record.KindAsset }
	baseSel := func(p, _ string) bool { return !changed[p] && load.Classify(p).Kind != record.KindAsset }
	now := app.Now()
	var cat *gitrepo.CatFile
	if engine == gitrepo.EngineGit {
		// Blobs through git cat-file too: the same engine for the whole read.
		if cat, err = repo.StartCatFile(ctx); err != nil {
			return nil, &ExitError{Code: ExitFailure, Err: err}
		}
		defer cat.Close()
		// The changed files' blobs in one pipelined batch.
		var ids []string
		for _, f := range files {
			ids = append(ids, f.FromBlob, f.ToBlob)
		}
		if err := cat.Preload(ctx, ids, load.DefaultLimits.MaxFileBytes); err != nil {
			return nil, &ExitError{Code: ExitFailure, Err: err}
		}
	}
	baseSub, headSub := baseTree.Only(dirs, from, cat), headTree.Only(dirs, to, cat)
	headRes, err := validate.Run(ctx, validate.Options{Tree: headSub, Now: now, Cache: cache, Select: headSel})
	if err != nil {
		return nil, &ExitError{Code: ExitFailure, Err: fmt.Errorf("read %s: %w", headTree.Name(), err)}
	}
	// The base is judged by the head's schema, so that what differs is
	// the records, not the rules.
	baseRes, err := validate.Run(ctx, validate.Options{Tree: baseSub, Now: now, Cache: cache, Select: baseSel, Schema: headRes.Schema})
	if err != nil {
		return nil, &ExitError{Code: ExitFailure, Err: fmt.Errorf("read %s: %w", baseTree.Name(), err)}
	}
	if cache != nil {
		if err := cache.Save(); err != nil {
			app.Log.Warn("cache not saved", "err", err)
		}
	}
	if len(changedBaselines) > 0 && !full {
		// Impact needs the assets under the changed baselines (and those
		// extending them): scan every asset file of the head (and of the
		// base, for the audit before the change), parsing only the files
		// that name one of those baselines.
		names := change.ReachedBaselines(baseRes.Estate, headRes.Estate, changedBaselines)
		// A renamed baseline file may hold another name: look by file too.
		names = append(names, changedBaselines...)
		if err := scanAssets(ctx, headTree.Only([]string{"inventory"}, nil, cat), cat, names, headRes.Estate); err != nil {
			return nil, &ExitError{Code: ExitFailure, Err: err}
		}
		if o.facts != "" {
			if err := scanAssets(ctx, baseTree.Only([]string{"inventory"}, nil, cat), cat, names, baseRes.Estate); err != nil {
				return nil, &ExitError{Code: ExitFailure, Err: err}
			}
		}
		full = true
	}
	in := change.Input{
		Base: baseRes.Estate, Head: headRes.Estate, AllAssets: full, Files: cfiles,
		HeadFindings: headRes.Findings, BaseFindings: baseRes.Findings, Now: now,
	}
	if o.facts != "" {
		devices, ffs, err := facts.ReadDir(ctx, o.facts, facts.ReadOptions{Schema: headRes.Schema})
		if err != nil {
			return nil, inputErr(err, "--facts names a folder of facts documents (estate facts collect writes them)")
		}
		for _, f := range ffs {
			app.Log.Warn("facts document skipped", "at", f.Pos.String(), "problem", f.Message)
		}
		in.Before = compliance(baseRes.Estate, devices, now)
		in.After = compliance(headRes.Estate, devices, now)
	}
	plan := change.Build(in)
	placePlanFindings(ctx, headSub, plan.Findings)
	pr := &planResult{plan: plan, repo: repo, base: base, head: head, files: files,
		ctx: report.Context{Base: baseName + " (" + base.Hash[:7] + ")", Head: o.head + " (" + head.Hash[:7] + ")"}}
	pr.elapsed = time.Since(start)
	app.Log.Debug("plan", "files", len(files), "records", len(plan.Records), "elapsed", pr.elapsed)
	return pr, nil
}

// scanAssets adds to e the assets of tree whose file names one of the
// baselines: the file's bytes are searched for the names first, and only
// the files that contain one are parsed (and kept when their baseline is
// one of them). Files that cannot be read or parsed are skipped: the
// validation of the tree reports them.
func scanAssets(ctx context.Context, tree load.Tree, cat *gitrepo.CatFile, baselines []string, e *record.Estate) error {
	entries, err := tree.Entries(ctx)
	if err != nil {
		return fmt.Errorf("list assets of %s: %w", tree.Name(), err)
	}
	want := map[string]bool{}
	var needles [][]byte
	for _, b := range baselines {
		if !want[b] {
			want[b] = true
			needles = append(needles, []byte(b))
		}
	}
	consider := func(en load.Entry, data []byte) {
		hit := false
		for _, n := range needles {
			if bytes.Contains(data, n) {
				hit = true
				break
			}
		}
		if !hit {
			return
		}
		root, fs := load.Parse(en.Path, data)
		if fs != nil || root == nil {
			return
		}
		var a record.Asset
		if root.Decode(&a) != nil || !want[a.Baseline] || a.ID == "" {
			return
		}
		if _, ok := e.Assets[a.ID]; !ok {
			e.Assets[a.ID] = &a
		}
	}
	var assets []load.Entry
	for _, en := range entries {
		if en.Problem == "" && load.Classify(en.Path).Kind == record.KindAsset {
			assets = append(assets, en)
		}
	}
	if cat != nil {
		// One pipelined batch through git cat-file, in entry order.
		byBlob := map[string][]load.Entry{}
		var ids []string
		for _, en := range assets {
			if len(byBlob[en.Blob]) == 0 {
				ids = append(ids, en.Blob)
			}
			byBlob[en.Blob] = append(byBlob[en.Blob], en)
		}
		return cat.Stream(ctx, ids, load.DefaultLimits.MaxFileBytes, func(id string, data []byte, err error) error {
			if err == nil {
				for _, en := range byBlob[id] {
					consider(en, data)
				}
			}
			return nil
		})
	}
	for _, en := range assets {
		if err := ctx.Err(); err != nil {
			return err
		}
		if data, err := tree.ReadFile(en, load.DefaultLimits.MaxFileBytes); err == nil {
			consider(en, data)
		}
	}
	return nil
}

// compliance audits the devices against an estate (internal/audit) and
// gives each asset's result: failing when a control fails, compliant when
// its device was seen and none fails, absent when no device matched it.
func compliance(e *record.Estate, devices []facts.Device, now time.Time) map[string]change.Compliance {
	devs := make([]audit.Device, len(devices))
	for i, d := range devices {
		devs[i] = audit.Device{Source: d.Source, Facts: d.Facts}
	}
	res := audit.Run(e, devs, audit.Options{Now: now, Partial: true})
	seen := map[string]bool{}
	bySerial, byHost := map[string]string{}, map[string]string{}
	for id, a := range e.Assets {
		if a.Serial != "" {
			bySerial[strings.ToUpper(a.Serial)] = id
		}
		if a.Hostname != "" {
			byHost[strings.ToLower(a.Hostname)] = id
		}
	}
	for _, d := range devices {
		if d.Facts == nil {
			continue
		}
		if id, ok := bySerial[strings.ToUpper(d.Facts.Identity.Serial)]; ok && d.Facts.Identity.Serial != "" {
			seen[id] = true
		} else if id, ok := byHost[strings.ToLower(d.Facts.Identity.Hostname)]; ok && d.Facts.Identity.Hostname != "" {
			seen[id] = true
		}
	}
	out := map[string]change.Compliance{}
	for id := range seen {
		out[id] = change.Compliant
	}
	for _, f := range res.Findings {
		if f.Rule == audit.RuleControl && f.Record != "" && seen[f.Record] {
			out[f.Record] = change.Failing
		}
	}
	return out
}

// placePlanFindings gives the plan's own findings (which name a field but
// no line) the line and column of that field in the head revision.
func placePlanFindings(ctx context.Context, tree load.Tree, fs []record.Finding) {
	need := map[string]bool{}
	for _, f := range fs {
		if f.Pos.Line == 0 && f.Field != "" && f.Pos.File != "" {
			need[f.Pos.File] = true
		}
	}
	if len(need) == 0 {
		return
	}
	entries, err := tree.Entries(ctx)
	if err != nil {
		return
	}
	roots := map[string]*yaml.Node{}
	for _, e := range entries {
		if need[e.Path] {
			if data, err := tree.ReadFile(e, load.DefaultLimits.MaxFileBytes); err == nil {
				roots[e.Path], _ = load.Parse(e.Path, data)
			}
		}
	}
	for i, f := range fs {
		root := roots[f.Pos.File]
		if f.Pos.Line != 0 || root == nil || f.Field == "" {
			continue
		}
		if n, ok := load.Find(root, f.Field); ok && n != nil {
			fs[i].Pos.Line, fs[i].Pos.Col = n.Line, n.Column
		}
	}
}
