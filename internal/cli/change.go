package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/estate-dev/estate/internal/audit"
	"github.com/estate-dev/estate/internal/change"
	"github.com/estate-dev/estate/internal/change/report"
	"github.com/estate-dev/estate/internal/facts"
	"github.com/estate-dev/estate/internal/github"
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
	base    *object.Commit
	head    *object.Commit
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
	var base *object.Commit
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
		ctx: report.Context{Base: baseName + " (" + base.Hash.String()[:7] + ")", Head: o.head + " (" + head.Hash.String()[:7] + ")"}}
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

// --- change check -------------------------------------------------------

type checkOptions struct {
	planOptions
	checkName string
	labels    bool
}

func newChangeCheckCmd(app *App) *cobra.Command {
	o := &checkOptions{}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "The pull-request gate: fail unless the change policy is met",
		Long: `Check makes the change plan of a pull request and judges it against its
reviews: the latest review of each reviewer counts; dismissed reviews and
approvals of an earlier commit than the head (stale after a push) do not;
the author never approves their own change; a standing "changes
requested" blocks; team requirements are checked through the GitHub API
(team membership); freeze windows block all but the changes they allow
(an emergency change passes with a post-implementation review date).

In GitHub Actions it reads GITHUB_EVENT_PATH, GITHUB_REPOSITORY,
GITHUB_TOKEN and GITHUB_API_URL; upserts ONE comment on the pull request
(found again by a hidden marker and edited on every push), sets a check
run with annotations on the YAML lines, sets risk and type labels, and
writes $GITHUB_STEP_SUMMARY. With no token it prints the same report,
says that reviews were not read, and touches no network.

A GitHub API failure or rate limit is retried with backoff, then reported
as an error (exit 3): never as a passed gate.

Exit status: 0 the gate passes, 1 it fails, 2 usage error, 3 estate or
the GitHub API could not run.`,
		Example: `  # in a workflow (see action.yml)
  estate change check

  # locally, against main, without the network
  GITHUB_TOKEN= estate change check --base main --format text`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkChoice("format", o.format, "text", "markdown", "json"); err != nil {
				return err
			}
			return runChangeCheck(cmd.Context(), app, o)
		},
	}
	formatFlag(cmd, &o.format, "text", "markdown", "json")
	planFlags(cmd, &o.planOptions)
	cmd.Flags().StringVar(&o.checkName, "check-name", "estate change", "the name of the check run")
	cmd.Flags().BoolVar(&o.labels, "labels", true, "set risk:* and change:* labels on the pull request")
	return cmd
}

func runChangeCheck(ctx context.Context, app *App, o *checkOptions) error {
	var ev *github.Event
	if p := app.Getenv("GITHUB_EVENT_PATH"); p != "" {
		data, err := os.ReadFile(p)
		if err != nil {
			return inputErr(fmt.Errorf("read GITHUB_EVENT_PATH: %w", err), "run in GitHub Actions, or unset GITHUB_EVENT_PATH")
		}
		if ev, err = github.ParseEvent(data); err != nil {
			return inputErr(fmt.Errorf("read GITHUB_EVENT_PATH %s: %w", filepath.Base(p), err), "the gate runs on pull_request and pull_request_review events")
		}
		if o.base == "" {
			o.base = ev.BaseSHA
		}
		if o.head == "HEAD" && ev.HeadSHA != "" {
			o.head = ev.HeadSHA
		}
	}
	if o.base != "" && ev != nil && o.base == ev.BaseSHA {
		// The pull request's base tip: judge against the merge base, as
		// GitHub's "Files changed" does.
		repo, err := gitrepo.Open(app.Dir())
		if err != nil {
			return inputErr(err, "check out the repository with fetch-depth: 0")
		}
		bt, err1 := repo.Resolve(o.base)
		ht, err2 := repo.Resolve(o.head)
		if err := errors.Join(err1, err2); err != nil {
			return inputErr(err, "check out the repository with fetch-depth: 0 so both commits are present")
		}
		if mb, err := repo.MergeBase(bt, ht); err == nil {
			o.base = mb.Hash.String()
		}
	}
	pr, err := makePlan(ctx, app, &o.planOptions)
	if err != nil {
		return err
	}
	if ev != nil {
		pr.ctx.Number, pr.ctx.Title, pr.ctx.Branch, pr.ctx.Author = ev.Number, ev.Title, ev.HeadRef, ev.Author
	}
	token := app.Getenv("GITHUB_TOKEN")
	if token == "" || ev == nil {
		// No network: the plan, and the gate as far as it can be judged.
		if err := writePlan(app.Stdout, o.format, pr, nil); err != nil {
			return &ExitError{Code: ExitFailure, Err: err}
		}
		why := "no GITHUB_TOKEN"
		if token != "" {
			why = "no GITHUB_EVENT_PATH (not a pull-request event)"
		}
		fmt.Fprintf(app.Stderr, "estate: reviews not read (%s): approvals were not checked, so this is not a passed gate\n", why)
		var md strings.Builder
		if err := report.Markdown(&md, pr.ctx, pr.plan, nil); err != nil {
			return &ExitError{Code: ExitFailure, Err: err}
		}
		if err := writeSummary(app, md.String()); err != nil {
			return err
		}
		if blocking(pr.plan) {
			return findingsErr()
		}
		return nil
	}
	repository := app.Getenv("GITHUB_REPOSITORY")
	gh, err := github.New(github.Config{Token: token, BaseURL: app.Getenv("GITHUB_API_URL"), Repository: repository, Log: app.Log})
	if err != nil {
		return inputErr(err, "GITHUB_REPOSITORY is owner/name")
	}
	reviews, err := gh.Reviews(ctx, ev.Number)
	if err != nil {
		return &ExitError{Code: ExitFailure, Err: err, Hint: "the gate has not run; re-run the job"}
	}
	var rs []change.Review
	for _, r := range reviews {
		rs = append(rs, change.Review{User: r.User, State: r.State, CommitID: r.CommitID, At: r.SubmittedAt})
	}
	gate, err := change.Decide(change.GateInput{Plan: pr.plan, Author: ev.Author, HeadSHA: pr.head.Hash.String(), Reviews: rs,
		Member: func(team, user string) (bool, error) { return gh.IsTeamMember(ctx, team, user) }})
	if err != nil {
		return &ExitError{Code: ExitFailure, Err: err, Hint: "the gate has not run; the token needs read:org to read team membership"}
	}
	var md strings.Builder
	if err := report.Markdown(&md, pr.ctx, pr.plan, gate); err != nil {
		return &ExitError{Code: ExitFailure, Err: err}
	}
	if err := writePlan(app.Stdout, o.format, pr, gate); err != nil {
		return &ExitError{Code: ExitFailure, Err: err}
	}
	if _, err := gh.UpsertComment(ctx, ev.Number, report.Marker, md.String()); err != nil {
		return &ExitError{Code: ExitFailure, Err: err, Hint: "the token needs pull-requests: write"}
	}
	conclusion, title := "success", "change gate passed"
	if !gate.Pass {
		conclusion, title = "failure", fmt.Sprintf("change gate failed: %d reason(s)", len(gate.Reasons))
	}
	var anns []github.Annotation
	for _, a := range report.Annotations(pr.plan) {
		anns = append(anns, github.Annotation{Path: a.Path, StartLine: a.StartLine, EndLine: a.EndLine, Level: a.Level, Message: a.Message, Title: a.Title})
	}
	if err := gh.CheckRun(ctx, github.CheckRunSpec{Name: o.checkName, HeadSHA: pr.head.Hash.String(), Conclusion: conclusion,
		Title: title, Summary: md.String(), Annotations: anns}); err != nil {
		return &ExitError{Code: ExitFailure, Err: err, Hint: "the token needs checks: write"}
	}
	if o.labels {
		if err := gh.SetLabels(ctx, ev.Number, []string{"risk:", "change:"}, []string{"risk:" + pr.plan.EffectiveRisk(), "change:" + pr.plan.Type}); err != nil {
			return &ExitError{Code: ExitFailure, Err: err, Hint: "the token needs pull-requests: write (issues: write for labels)"}
		}
	}
	if err := writeSummary(app, md.String()); err != nil {
		return err
	}
	if !gate.Pass {
		return findingsErr()
	}
	return nil
}

// writeSummary appends markdown to $GITHUB_STEP_SUMMARY when it is set.
func writeSummary(app *App, md string) error {
	p := app.Getenv("GITHUB_STEP_SUMMARY")
	if p == "" {
		return nil
	}
	f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("write job summary: %w", err)}
	}
	_, err = io.WriteString(f, md)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("write job summary: %w", err)}
	}
	return nil
}

// --- change new ---------------------------------------------------------

type newOptions struct {
	planOptions
	id, title, typ, risk, reason string
}

// crID is a change request id: CR-YYYY-NNNN.
var crID = regexp.MustCompile(`^CR-[0-9]{4}-[0-9]{4,6}$`)

func newChangeNewCmd(app *App) *cobra.Command {
	o := &newOptions{}
	cmd := &cobra.Command{
		Use:   "new",
		Short: "Scaffold changes/CR-YYYY-NNNN.yaml for the current branch's diff",
		Long: `New writes a change request for the records the current branch changes
(against its merge base with the default branch, or --base): the next free
id of the year, the affected records filled in, the computed risk as the
declared one, and the change type (standard when the catalogue matches).
It never overwrites a file; fill in the reason and backout, then commit.`,
		Example: `  estate change new --title "Raise the macOS minimum to 14.5"
  estate change new --id CR-2026-0042 --type emergency --risk high`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runChangeNew(cmd.Context(), app, o)
		},
	}
	planFlags(cmd, &o.planOptions)
	cmd.Flags().StringVar(&o.id, "id", "", "the change request's id, CR-YYYY-NNNN (default: the next free one of this year)")
	cmd.Flags().StringVar(&o.title, "title", "", "a one-line title (default: a placeholder to edit)")
	cmd.Flags().StringVar(&o.typ, "type", "", "standard, normal or emergency (default: from the plan)")
	cmd.Flags().StringVar(&o.risk, "risk", "", "low, medium, high or critical (default: the computed risk)")
	cmd.Flags().StringVar(&o.reason, "reason", "", "why the change is made (default: a placeholder to edit)")
	return cmd
}

func runChangeNew(ctx context.Context, app *App, o *newOptions) error {
	if o.id != "" && !crID.MatchString(o.id) {
		return usageErr("--id %q is not a change request id (CR-YYYY-NNNN)", o.id)
	}
	if o.typ != "" {
		if err := checkChoice("type", o.typ, "standard", "normal", "emergency"); err != nil {
			return err
		}
	}
	if o.risk != "" {
		if err := checkChoice("risk", o.risk, "low", "medium", "high", "critical"); err != nil {
			return err
		}
	}
	pr, err := makePlan(ctx, app, &o.planOptions)
	if err != nil {
		return err
	}
	p := pr.plan
	if p.Request != nil {
		return inputErr(fmt.Errorf("the branch already has change request %s (%s)", p.Request.ID, p.RequestPath), "edit that file instead")
	}
	var ids []string
	for _, rc := range p.Records {
		if rc.Kind != record.KindChangeRequest && rc.ID != "" {
			ids = append(ids, rc.ID)
		}
	}
	if len(ids) == 0 {
		return inputErr(errors.New("the branch changes no record"), "commit the record changes first, then run estate change new")
	}
	sort.Strings(ids)
	root := pr.repo.Root
	if root == "" {
		return &ExitError{Code: ExitFailure, Err: errors.New("write change request: the repository has no working tree")}
	}
	dir, err := os.OpenRoot(root)
	if err != nil {
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("open repository: %w", err)}
	}
	defer dir.Close()
	if err := dir.MkdirAll("changes", 0o755); err != nil {
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("create changes/: %w", err)}
	}
	now := app.Now().UTC()
	id := o.id
	if id == "" {
		id = nextCRID(dir, now.Year())
	}
	typ := o.typ
	if typ == "" {
		typ = p.Type
	}
	risk := o.risk
	if risk == "" {
		risk = p.ComputedRisk
	}
	title := o.title
	if title == "" {
		title = "TODO: say what the change does"
	}
	reason := o.reason
	if reason == "" {
		reason = "TODO: say why the change is needed"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: estate/v1\nkind: ChangeRequest\nid: %s\ntitle: %s\ntype: %s\n", id, yamlString(title), typ)
	if typ == "standard" && p.Standard != nil {
		fmt.Fprintf(&b, "template: %s\n", p.Standard.ID)
	}
	fmt.Fprintf(&b, "reason: %s\nrisk: %s\n", yamlString(reason), risk)
	if typ == "emergency" && p.ReviewDue != "" {
		fmt.Fprintf(&b, "review_due: %s\n", p.ReviewDue)
	}
	fmt.Fprintf(&b, "backout: %s\nrecords:\n", yamlString("Revert this pull request."))
	for _, r := range ids {
		fmt.Fprintf(&b, "  - %s\n", r)
	}
	name := "changes/" + id + ".yaml"
	f, err := dir.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		return inputErr(fmt.Errorf("%s exists; estate never overwrites a change request", name), "pick another --id")
	}
	if err != nil {
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("write %s: %w", name, err)}
	}
	_, err = io.WriteString(f, b.String())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("write %s: %w", name, err)}
	}
	fmt.Fprintf(app.Stdout, "wrote %s (%s change, risk %s, %d record(s)); fill in the title, reason and backout, then commit it\n", name, typ, risk, len(ids))
	return nil
}

// nextCRID returns the first CR-YEAR-NNNN after those in changes/.
func nextCRID(dir *os.Root, year int) string {
	prefix := fmt.Sprintf("CR-%d-", year)
	max := 0
	if f, err := dir.Open("changes"); err == nil {
		names, _ := f.Readdirnames(-1)
		f.Close()
		for _, n := range names {
			var k int
			if strings.HasPrefix(n, prefix) {
				if _, err := fmt.Sscanf(strings.TrimPrefix(n, prefix), "%d", &k); err == nil && k > max {
					max = k
				}
			}
		}
	}
	return fmt.Sprintf("%s%04d", prefix, max+1)
}

// yamlString quotes s as a YAML scalar (double-quoted, escaped).
func yamlString(s string) string {
	out, err := yaml.Marshal(s)
	if err != nil {
		return `""`
	}
	v := strings.TrimSuffix(string(out), "\n")
	if strings.Contains(v, "\n") {
		return fmt.Sprintf("%q", s)
	}
	return v
}
