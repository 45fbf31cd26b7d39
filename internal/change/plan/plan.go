package plan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/estate-dev/estate/internal/change"
	"github.com/estate-dev/estate/internal/change/report"
	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/record"
)

// Options say which change to plan and how.
type Options struct {
	// Dir is a directory of the repository (default ".").
	Dir string
	// Base is the revision the change starts from. Empty: the merge base
	// of Head with the first of DefaultBases that exists.
	Base string
	// ForkPoint takes the merge base of Base and Head as the base (a pull
	// request's base branch may have moved on since the branch left it),
	// when there is one.
	ForkPoint bool
	// Head is the revision with the change (default "HEAD"). When it is
	// HEAD, the working tree's uncommitted estate files are reported.
	Head string
	// DefaultBases are the branches tried, in order, when Base is empty
	// (default DefaultBases("")).
	DefaultBases []string
	// Full loads and validates every record of both revisions; otherwise
	// only the changed files and the small context records are read.
	Full bool
	// Cache uses validate's cache (.git/estate): read, and saved after.
	Cache bool
	// Engine is how the trees are compared (default gitrepo.EngineAuto).
	Engine gitrepo.DiffEngine
	// Facts, when set, is a folder of facts documents: the impact then
	// names the devices whose compliance the change turns.
	Facts string
	// Now is when the plan is made (freeze windows, expiry); default
	// time.Now.
	Now time.Time
	// Log gets debug lines with timings and warnings (default: none).
	Log *slog.Logger
}

// Engines are the ways the trees are compared, as --diff-engine names
// them: auto (the git CLI when installed), go-git, git.
var Engines = []string{string(gitrepo.EngineAuto), string(gitrepo.EngineGoGit), string(gitrepo.EngineGit)}

// EngineOf is the engine of a name of Engines.
func EngineOf(name string) gitrepo.DiffEngine { return gitrepo.DiffEngine(name) }

// Result is a plan with where it came from.
type Result struct {
	Plan *change.Plan
	// Context names the revisions, for the reports.
	Context report.Context
	// Base and Head are the commits compared.
	Base, Head gitrepo.CommitInfo
	// Root is the repository's working tree ("" for a bare repository).
	Root string
	// Files are the files that differ between Base and Head.
	Files []gitrepo.TreeChange
	// Dirty lists the estate files with uncommitted changes in the
	// working tree (only when Head is HEAD): the plan does not include
	// them, and says so in an info finding.
	Dirty []string
	// Unchecked, when set, says why the working tree could not be checked
	// for uncommitted changes (Head is HEAD, and git is not installed).
	Unchecked error
	// Elapsed is how long Run took.
	Elapsed time.Duration
}

// RuleWorktree is the rule of the finding that the working tree holds
// changes the plan does not include.
const RuleWorktree = "change/worktree"

// contextDirs are read in full on both sides: the records that are not
// assets are few, and the plan needs all of them (policy, baselines,
// locations, licences, change requests).
var contextDirs = []string{"estate.yaml", "schema", "policies", "changes", "inventory/locations", "inventory/licences"}

// DefaultBases are the branches a plan without a base is compared with,
// in order: the pull request's base branch (GITHUB_BASE_REF, when set),
// then main and master, each first as origin's.
func DefaultBases(baseRef string) []string {
	var out []string
	if baseRef != "" {
		out = append(out, "refs/remotes/origin/"+baseRef, baseRef)
	}
	return append(out, "refs/remotes/origin/main", "main", "refs/remotes/origin/master", "master")
}

// usage is an error in what the caller asked for (core's: exit 2, with
// its hint).
var usage = core.UsageError

// sides are the two revisions of a plan, resolved.
type sides struct {
	repo               *gitrepo.Repo
	baseName           string
	baseID, headID     string
	baseTree, headTree *gitrepo.Tree
	files              []gitrepo.TreeChange
	engine             gitrepo.DiffEngine
}

// Run reads both revisions and builds the plan.
func Run(ctx context.Context, o Options) (*Result, error) {
	start := time.Now()
	o = o.defaults()
	switch o.Engine {
	case gitrepo.EngineAuto, gitrepo.EngineGoGit, gitrepo.EngineGit:
	default:
		return nil, usage(fmt.Errorf("--diff-engine %q is not one of auto, go-git, git", o.Engine), "")
	}
	repo, err := gitrepo.Open(o.Dir)
	if err != nil {
		return nil, usage(err, "run estate change in a git repository, or name one with --repo")
	}
	defer repo.Close()
	// git status stats every file of the working tree: on a large estate
	// it takes as long as the plan, so it runs alongside.
	var status chan dirtyResult
	if o.Head == "HEAD" && repo.Root != "" {
		sctx, cancel := context.WithCancel(ctx)
		defer cancel()
		status = make(chan dirtyResult, 1)
		go func() { status <- dirty(sctx, repo) }()
	}
	s, err := resolve(ctx, repo, o)
	if err != nil {
		return nil, err
	}
	o.Log.Debug("tree diff", "engine", s.engine, "files", len(s.files), "elapsed", time.Since(start))

	r := &reader{o: o, s: s}
	if err := r.read(ctx); err != nil {
		return nil, err
	}
	defer r.close()
	if err := r.scan(ctx); err != nil {
		return nil, err
	}
	in := change.Input{
		Base: r.base.Estate, Head: r.head.Estate, AllAssets: r.allAssets, Files: r.cfiles,
		HeadFindings: r.head.Findings, BaseFindings: r.base.Findings, Now: o.Now,
	}
	if o.Facts != "" {
		fs, err := core.ReadFacts(ctx, core.FactsOptions{Root: repo.Root, Dir: o.Facts, Schema: r.head.Schema})
		if err != nil {
			return nil, err
		}
		for _, f := range fs.Findings {
			o.Log.Warn("facts document skipped", "at", f.Pos.String(), "problem", f.Message)
		}
		in.Before, _ = compliance(r.base.Estate, fs.Devices, o.Now)
		in.After, in.Deadlines = compliance(r.head.Estate, fs.Devices, o.Now)
	}
	p := change.Build(in)
	load.PlaceFindings(ctx, r.headSub, p.Findings)
	res := &Result{Plan: p, Root: repo.Root, Files: s.files,
		Context: report.Context{Base: s.baseName + " (" + s.baseID[:7] + ")", Head: o.Head + " (" + s.headID[:7] + ")"}}
	// The dangling references and the working tree's state come after
	// Build: they are placed already, and not the base's to subtract.
	p.Findings = append(p.Findings, r.broken...)
	if status != nil {
		d := <-status
		res.Dirty, res.Unchecked = d.paths, d.err
		if len(res.Dirty) > 0 {
			p.Findings = append(p.Findings, worktreeFinding(res.Dirty))
		}
	}
	record.SortFindings(p.Findings)
	if res.Base, err = repo.Commit(s.baseID); err != nil {
		return nil, err
	}
	if res.Head, err = repo.Commit(s.headID); err != nil {
		return nil, err
	}
	res.Elapsed = time.Since(start)
	o.Log.Debug("plan", "files", len(s.files), "records", len(p.Records), "elapsed", res.Elapsed)
	return res, nil
}

func (o Options) defaults() Options {
	if o.Dir == "" {
		o.Dir = "."
	}
	if o.Head == "" {
		o.Head = "HEAD"
	}
	if o.DefaultBases == nil {
		o.DefaultBases = DefaultBases("")
	}
	if o.Engine == "" {
		o.Engine = gitrepo.EngineAuto
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return o
}

// resolve finds both commits and the files that differ between them.
func resolve(ctx context.Context, repo *gitrepo.Repo, o Options) (*sides, error) {
	const hint = "name a branch, tag or commit that exists"
	head, err := repo.Resolve(o.Head)
	if err != nil {
		return nil, usage(err, hint)
	}
	base, baseName := head, o.Base
	if o.Base != "" {
		if base, err = repo.Resolve(o.Base); err != nil {
			return nil, usage(err, hint)
		}
		if o.ForkPoint {
			if mb, err := repo.MergeBase(base, head); err == nil {
				base = mb
			}
		}
	} else {
		found := false
		for _, cand := range o.DefaultBases {
			tip, err := repo.Resolve(cand)
			if err != nil {
				continue
			}
			if base, err = repo.MergeBase(tip, head); err != nil {
				return nil, usage(err, "pass --base explicitly")
			}
			baseName = "merge-base(" + gitrepo.ShortName(strings.TrimPrefix(cand, "refs/remotes/")) + ")"
			found = true
			break
		}
		if !found {
			return nil, usage(errors.New("no default branch found (tried main, master and their origin/ refs)"), "pass --base")
		}
	}
	// The only reads of a commit's fields: everything else goes through
	// gitrepo with the commit values as they are.
	s := &sides{repo: repo, baseName: baseName, baseID: base.Hash, headID: head.Hash}
	if s.files, s.engine, err = repo.DiffCommitsWith(ctx, o.Engine, base, head); err != nil {
		return nil, err
	}
	if s.baseTree, err = repo.CommitTree(base, baseName); err != nil {
		return nil, err
	}
	if s.headTree, err = repo.CommitTree(head, o.Head); err != nil {
		return nil, err
	}
	return s, nil
}

// worktreeFinding says the working tree holds changes the plan leaves out,
// naming up to five of the files.
func worktreeFinding(paths []string) record.Finding {
	names := paths
	more := ""
	if len(names) > 5 {
		names, more = names[:5], fmt.Sprintf(" and %d more", len(paths)-5)
	}
	return record.Finding{Pos: record.Pos{File: paths[0]}, Rule: RuleWorktree, Severity: record.SevInfo,
		Message: fmt.Sprintf("the working tree has uncommitted changes to %d estate file(s) that the plan does not include: %s%s",
			len(paths), strings.Join(names, ", "), more),
		Hint: "the plan reads committed revisions: commit the changes (or stash them) and plan again"}
}

// dirtyResult is what dirty found.
type dirtyResult struct {
	paths []string
	err   error
}

// dirty lists the estate files git status reports as changed, staged or
// untracked.
func dirty(ctx context.Context, repo *gitrepo.Repo) dirtyResult {
	st, err := repo.Status(ctx, load.Roots...)
	if err != nil {
		return dirtyResult{err: err}
	}
	var out []string
	for _, e := range st {
		out = append(out, e.Path)
	}
	return dirtyResult{paths: out}
}

// WriteWarnings says on w what the plan left out: uncommitted changes to
// estate files (the plan reads committed revisions), or that they could
// not be looked for.
func (r *Result) WriteWarnings(w io.Writer) {
	if n := len(r.Dirty); n > 0 {
		names := strings.Join(r.Dirty[:min(n, 5)], ", ") // the count says when there are more
		fmt.Fprintf(w, "estate: warning: %d estate file(s) have uncommitted changes (%s); the plan reads committed revisions and leaves them out\n", n, names)
	}
	if r.Unchecked != nil {
		fmt.Fprintf(w, "estate: warning: uncommitted changes not looked for: %v\n", r.Unchecked)
	}
}
