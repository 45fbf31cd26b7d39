package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/ledger/ghreviews"
	"github.com/estate-dev/estate/internal/ledger/gitstore"
	"github.com/estate-dev/estate/internal/output"
	"github.com/estate-dev/estate/internal/record"
)

func newLedgerCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ledger",
		Short: "The status-accounting ledger: record changes and audits, verify the chain",
		Long: `The ledger is an append-only, hash-chained series of entries kept on its own
git ref (refs/estate/ledger, or ledger.ref in estate.yaml), one commit per
entry, never rewritten. Each entry records one event: a change implemented
(its commits, pull request, change request, author, approvers with their
review times, the records and fields it changed), a change verified by a
later audit, or an audit run, with the SHA-256 of the entry before it.

Push and fetch the ref like any other: git push origin refs/estate/ledger.`,
		Example: `  # in CI, after a pull request merged: record it, approvals from GitHub
  estate ledger record --pr 42

  # offline, naming the approvals yourself
  estate ledger record --approved-by jane@2026-11-20T10:00:00Z

  # prove the chain is intact and nothing bypassed change control
  estate ledger verify`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newLedgerRecordCmd(app), newLedgerRecordAuditCmd(app), newLedgerVerifyCmd(app), newLedgerShowCmd(app))
	return cmd
}

// openLedger opens the repository (a working tree or a bare repository)
// and the ledger's store; ref overrides estate.yaml's ledger.ref.
func openLedger(app *App, rev, ref string) (*gitstore.Store, gitrepo.CommitInfo, error) {
	repo, err := gitrepo.Open(app.Dir())
	if err != nil {
		return nil, gitrepo.CommitInfo{}, &ExitError{Code: ExitFailure, Err: err, Hint: "run estate inside a git repository, or point --repo at one"}
	}
	c, err := repo.Resolve(rev)
	if err != nil {
		return nil, gitrepo.CommitInfo{}, inputErr(err, "name a branch, tag or commit that exists")
	}
	ci, err := repo.Commit(c.Hash)
	if err != nil {
		return nil, ci, &ExitError{Code: ExitFailure, Err: err}
	}
	if ref == "" {
		ref = gitstore.Settings(repo, ci.Hash).LedgerRef()
	}
	return &gitstore.Store{Repo: repo, Ref: ref, Now: app.Now}, ci, nil
}

type ledgerRecordOptions struct {
	rev        string
	ref        string
	pr         int
	approvedBy []string
	format     string
	push       string
}

func newLedgerRecordCmd(app *App) *cobra.Command {
	o := &ledgerRecordOptions{}
	cmd := &cobra.Command{
		Use:   "record",
		Short: "Append the change-implemented entry of a merged change",
		Long: `Record appends the change-implemented entry of a commit of the default branch
(--rev, default HEAD): its merge, base and head commits, pull request,
change request (changes/*.yaml it added or changed), type, risk, author,
approvers and the records it changed field by field.

Approvals come from GitHub when --pr is given and GITHUB_TOKEN is set
(GITHUB_API_URL and GITHUB_REPOSITORY, or github.owner/repo in
estate.yaml, name the API and repository), or from --approved-by
LOGIN@TIME, offline. Recording the same commit twice is a no-op; two
writers at once both land, each retrying on the other's new tip.`,
		Example: `  # on merge, in GitHub Actions
  estate ledger record --pr 42

  # offline
  estate ledger record --rev main --pr 42 --approved-by alice@2026-11-20T10:00:00Z --approved-by bob@2026-11-20T11:30:00Z`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runLedgerRecord(cmd, app, o) },
	}
	cmd.Flags().StringVar(&o.rev, "rev", "HEAD", "the merged commit to record")
	cmd.Flags().StringVar(&o.ref, "ref", "", "the ledger's ref (default: ledger.ref of estate.yaml, else refs/estate/ledger)")
	cmd.Flags().IntVar(&o.pr, "pr", 0, "the pull request number (default: read from the merge commit's message)")
	cmd.Flags().StringArrayVar(&o.approvedBy, "approved-by", nil, "an approval as LOGIN@TIME (RFC 3339); repeatable; skips GitHub")
	cmd.Flags().StringVar(&o.push, "push", "", "then push the ledger to this remote (git CLI), fetching and recording again when another writer pushed first")
	formatFlag(cmd, &o.format, "text", "json")
	return cmd
}

// parseApproval reads LOGIN@TIME; the login may itself hold an @.
func parseApproval(s string) (ledger.Approval, error) {
	i := strings.LastIndex(s, "@")
	if i <= 0 {
		return ledger.Approval{}, usageErr("--approved-by %q: want LOGIN@TIME, e.g. jane@2026-11-20T10:00:00Z", s)
	}
	t, err := time.Parse(time.RFC3339, s[i+1:])
	if err != nil {
		return ledger.Approval{}, usageErr("--approved-by %q: the time is not RFC 3339: %v", s, err)
	}
	return ledger.Approval{By: s[:i], At: ledger.FormatTime(t)}, nil
}

func runLedgerRecord(cmd *cobra.Command, app *App, o *ledgerRecordOptions) error {
	if err := checkChoice("format", o.format, "text", "json"); err != nil {
		return err
	}
	var approvals []ledger.Approval
	for _, a := range o.approvedBy {
		ap, err := parseApproval(a)
		if err != nil {
			return err
		}
		approvals = append(approvals, ap)
	}
	ctx := cmd.Context()
	store, ci, err := openLedger(app, o.rev, o.ref)
	if err != nil {
		return err
	}
	e, err := gitstore.Describe(ctx, store.Repo, ci.Hash)
	if err != nil {
		return &ExitError{Code: ExitFailure, Err: err}
	}
	if o.pr > 0 {
		e.PR = o.pr
	}
	switch {
	case len(o.approvedBy) > 0:
		e.Approvers = approvals
	case e.PR > 0 && app.Getenv("GITHUB_TOKEN") != "":
		pr, err := readPR(ctx, app, store, ci.Hash, e.PR)
		if err != nil {
			return err
		}
		e.Approvers = pr.Approvals
		if pr.Author != "" {
			e.Author = pr.Author
		}
		if pr.Head != "" {
			e.Commits.Head = pr.Head
		}
		if e.Change == "" && pr.Title != "" {
			e.Title = pr.Title
		}
	default:
		app.Log.Warn("no approvals recorded: give --approved-by, or --pr with GITHUB_TOKEN set")
	}
	build := func(snap *gitstore.Snapshot) (*ledger.Entry, error) {
		for _, x := range snap.Entries() {
			if x.Kind == ledger.KindChangeImplemented && x.Merge() == e.Merge() {
				return nil, nil
			}
		}
		c := *e
		return &c, nil
	}
	var got *ledger.Entry
	if o.push != "" {
		got, err = appendAndPush(ctx, app, store, o.push, build)
	} else {
		got, err = store.Append(ctx, build)
	}
	if err != nil {
		var ee *ExitError
		if errors.As(err, &ee) {
			return err
		}
		return &ExitError{Code: ExitFailure, Err: err}
	}
	if got == nil {
		fmt.Fprintf(app.Stderr, "commit %s is already in the ledger; nothing appended\n", ci.Hash[:12])
	} else if err := writeEntry(app, o.format, got, store.Ref); err != nil {
		return err
	}
	// Exemptions the change granted get an entry each (once).
	granted, err := gitstore.GrantedExemptions(ctx, store.Repo, ci.Hash)
	if err != nil {
		return &ExitError{Code: ExitFailure, Err: err}
	}
	for _, x := range granted {
		x := x
		build := func(snap *gitstore.Snapshot) (*ledger.Entry, error) {
			for _, y := range snap.Entries() {
				if y.Kind == ledger.KindExemptionGranted && y.Merge() == ci.Hash && y.Exemption != nil && *y.Exemption == x {
					return nil, nil
				}
			}
			return &ledger.Entry{Kind: ledger.KindExemptionGranted, Time: e.Time, Commits: e.Commits, PR: e.PR, Change: x.Change,
				Author: e.Author, Approvers: e.Approvers, Exemption: &x}, nil
		}
		var g *ledger.Entry
		if o.push != "" {
			g, err = appendAndPush(ctx, app, store, o.push, build)
		} else {
			g, err = store.Append(ctx, build)
		}
		if err != nil {
			var ee *ExitError
			if errors.As(err, &ee) {
				return err
			}
			return &ExitError{Code: ExitFailure, Err: err}
		}
		if g != nil && o.format != "json" {
			fmt.Fprintf(app.Stdout, "appended entry %d (%s) to %s: %s exempt from %s until %s\n", g.Seq, g.Kind, store.Ref, x.Record, x.Control, x.Expires)
		}
	}
	return nil
}

func readPR(ctx context.Context, app *App, store *gitstore.Store, merge string, n int) (*ghreviews.PR, error) {
	owner, repo, _ := strings.Cut(app.Getenv("GITHUB_REPOSITORY"), "/")
	if s := gitstore.Settings(store.Repo, merge); (owner == "" || repo == "") && s != nil && s.GitHub != nil {
		owner, repo = s.GitHub.Owner, s.GitHub.Repo
	}
	if owner == "" || repo == "" {
		return nil, usageErr("which GitHub repository? set GITHUB_REPOSITORY=owner/repo or github.owner and github.repo in estate.yaml")
	}
	api := app.Getenv("GITHUB_API_URL")
	if api == "" {
		api = "https://api.github.com"
	}
	c, err := ghreviews.New(&http.Client{Timeout: 30 * time.Second}, api, app.Getenv("GITHUB_TOKEN"), owner, repo)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	pr, err := c.PullRequest(ctx, n)
	if err != nil {
		return nil, &ExitError{Code: ExitFailure, Err: err, Hint: "check GITHUB_TOKEN can read pull requests of " + owner + "/" + repo}
	}
	if pr.Merge != "" && pr.Merge != merge {
		app.Log.Warn("the pull request's merge commit is not the recorded commit", "pr", n, "merge_commit_sha", pr.Merge, "commit", merge)
	}
	return pr, nil
}

func writeEntry(app *App, format string, e *ledger.Entry, ref string) error {
	if format == "json" {
		enc := json.NewEncoder(app.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(e)
	}
	fmt.Fprintf(app.Stdout, "appended entry %d (%s) to %s\n", e.Seq, e.Kind, ref)
	describeEntry(app.Stdout, e)
	return nil
}

func describeEntry(w io.Writer, e *ledger.Entry) {
	if e.Commits != nil {
		fmt.Fprintf(w, "  commit:    %s\n", e.Commits.Merge)
	}
	if e.PR > 0 {
		fmt.Fprintf(w, "  pr:        #%d\n", e.PR)
	}
	switch {
	case e.Change != "" && e.Type != "":
		fmt.Fprintf(w, "  change:    %s (%s, %s risk)\n", e.Change, e.Type, e.Risk)
	case e.Change != "":
		fmt.Fprintf(w, "  change:    %s\n", e.Change)
	}
	if e.Title != "" {
		fmt.Fprintf(w, "  title:     %s\n", e.Title)
	}
	if e.Author != "" {
		fmt.Fprintf(w, "  author:    %s\n", e.Author)
	}
	for _, a := range e.Approvers {
		fmt.Fprintf(w, "  approved:  %s at %s\n", a.By, a.At)
	}
	for _, r := range e.Records {
		fmt.Fprintf(w, "  record:    %s %s %s", r.Action, r.Kind, r.ID)
		if len(r.Fields) > 0 {
			fmt.Fprintf(w, " (%s)", strings.Join(r.Fields, ", "))
		}
		fmt.Fprintln(w)
	}
	if e.Audit != nil {
		fmt.Fprintf(w, "  audit:     %s, %d findings, %d records not compliant\n", e.Audit.Digest, e.Audit.Findings, e.Audit.Noncompliant)
	}
	if len(e.Verifies) > 0 {
		fmt.Fprintf(w, "  verifies:  entry %v (audit entry %d)\n", e.Verifies, e.AuditSeq)
	}
	if x := e.Exemption; x != nil {
		fmt.Fprintf(w, "  exemption: %s from %s, expires %s\n", x.Record, x.Control, x.Expires)
	}
}

type ledgerAuditOptions struct {
	rev, ref, at, format, push string
}

func newLedgerRecordAuditCmd(app *App) *cobra.Command {
	o := &ledgerAuditOptions{}
	cmd := &cobra.Command{
		Use:   "record-audit REPORT.json",
		Short: "Append an audit entry, and change-verified entries for changes the audit shows compliant",
		Long: `Record-audit reads an audit report (the JSON of 'estate audit --format json';
"-" reads standard input), appends an audit entry with its SHA-256 digest
and a summary (findings by severity, records not compliant), then a
change-verified entry for every change-implemented entry not yet verified,
made before the audit, whose affected assets have no finding in it, and
an exemption-expired entry for every exemption in the audited revision's
assets whose expiry date had passed by the audit's day (UTC) and is not yet
recorded (once per asset, control and expiry date). Recording the same
report twice is a no-op.`,
		Example: `  estate audit --format json > audit.json
  estate ledger record-audit audit.json
  estate ledger record-audit audit.json --push origin   # in the scheduled audit workflow`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runLedgerRecordAudit(cmd, app, o, args[0]) },
	}
	cmd.Flags().StringVar(&o.rev, "rev", "HEAD", "the estate revision that was audited")
	cmd.Flags().StringVar(&o.ref, "ref", "", "the ledger's ref (default: ledger.ref of estate.yaml, else refs/estate/ledger)")
	cmd.Flags().StringVar(&o.at, "time", "", "when the audit ran, RFC 3339 (default: the report's generated_at, else now)")
	cmd.Flags().StringVar(&o.push, "push", "", "push each entry to this remote (git CLI), fetching and recording again when another writer pushed first")
	formatFlag(cmd, &o.format, "text", "json")
	return cmd
}

// auditReport is what record-audit reads of a report: it is otherwise
// opaque (digested as bytes).
type auditReport struct {
	Tool        string           `json:"tool"`
	GeneratedAt string           `json:"generated_at"`
	Summary     map[string]int   `json:"summary"`
	BySeverity  map[string]int   `json:"by_severity"`
	Findings    []map[string]any `json:"findings"`
}

func runLedgerRecordAudit(cmd *cobra.Command, app *App, o *ledgerAuditOptions, file string) error {
	if err := checkChoice("format", o.format, "text", "json"); err != nil {
		return err
	}
	var data []byte
	var err error
	if file == "-" {
		data, err = io.ReadAll(io.LimitReader(app.Stdin, 256<<20))
	} else {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		return inputErr(fmt.Errorf("read audit report: %w", err), "")
	}
	var rep auditReport
	if err := json.Unmarshal(data, &rep); err != nil {
		return inputErr(fmt.Errorf("read audit report %s: %w", file, jsonPos(data, err)), "give the output of estate audit --format json")
	}
	at := app.Now()
	for _, s := range []string{o.at, rep.GeneratedAt} {
		if s == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return inputErr(fmt.Errorf("audit time %q is not RFC 3339: %w", s, err), "")
		}
		at = t
		break
	}
	failing := map[string]bool{}
	for _, f := range rep.Findings {
		if id, _ := f["record"].(string); id != "" {
			failing[id] = true
		}
	}
	sum := sha256.Sum256(data)
	audit := &ledger.Audit{Digest: "sha256:" + hex.EncodeToString(sum[:]), Tool: rep.Tool, Findings: len(rep.Findings),
		Severity: rep.BySeverity, Summary: rep.Summary, Noncompliant: len(failing)}
	ctx := cmd.Context()
	store, ci, err := openLedger(app, o.rev, o.ref)
	if err != nil {
		return err
	}
	audit.Commit = ci.Hash
	appendEntry := func(build gitstore.Build) (*ledger.Entry, error) {
		if o.push != "" {
			return appendAndPush(ctx, app, store, o.push, build)
		}
		e, err := store.Append(ctx, build)
		if err != nil {
			return nil, &ExitError{Code: ExitFailure, Err: err}
		}
		return e, nil
	}
	var appended []*ledger.Entry
	e, err := appendEntry(func(snap *gitstore.Snapshot) (*ledger.Entry, error) {
		for _, x := range snap.Entries() {
			if x.Kind == ledger.KindAudit && x.Audit != nil && x.Audit.Digest == audit.Digest {
				return nil, nil
			}
		}
		return &ledger.Entry{Kind: ledger.KindAudit, Time: ledger.FormatTime(at), Commits: &ledger.Commits{Merge: ci.Hash}, Audit: audit}, nil
	})
	if err != nil {
		return err
	}
	if e == nil {
		fmt.Fprintln(app.Stderr, "this audit report is already in the ledger; nothing appended")
		return nil
	}
	appended = append(appended, e)
	auditSeq := e.Seq
	// Close the loop: changes made before this audit whose assets are compliant.
	snap, err := store.Read(ctx)
	if err != nil {
		return &ExitError{Code: ExitFailure, Err: err}
	}
	for _, c := range ledger.Unverified(snap.Entries()) {
		if !ledger.VerifiedBy(c, at, failing) {
			continue
		}
		seq := c.Seq
		v, err := appendEntry(func(snap *gitstore.Snapshot) (*ledger.Entry, error) {
			for _, x := range snap.Entries() {
				if x.Kind == ledger.KindChangeVerified && containsSeq(x.Verifies, seq) {
					return nil, nil
				}
			}
			return &ledger.Entry{Kind: ledger.KindChangeVerified, Time: ledger.FormatTime(at), Commits: c.Commits, PR: c.PR,
				Change: c.Change, Title: c.Title, Verifies: []int64{seq}, AuditSeq: auditSeq}, nil
		})
		if err != nil {
			return err
		}
		if v != nil {
			appended = append(appended, v)
		}
	}
	// Exemptions of the audited revision that had lapsed by the audit.
	expired, err := recordExpiredExemptions(ctx, app, store, appendEntry, ci.Hash, at, auditSeq)
	if err != nil {
		return err
	}
	appended = append(appended, expired...)
	if o.format == "json" {
		enc := json.NewEncoder(app.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(appended)
	}
	for _, x := range appended {
		fmt.Fprintf(app.Stdout, "appended entry %d (%s) to %s\n", x.Seq, x.Kind, store.Ref)
		describeEntry(app.Stdout, x)
	}
	return nil
}

// recordExpiredExemptions appends an exemption-expired entry for each
// exemption of the estate at rev that had expired by the audit at time at
// and is not yet recorded as expired.
func recordExpiredExemptions(ctx context.Context, app *App, store *gitstore.Store, appendEntry func(gitstore.Build) (*ledger.Entry, error),
	rev string, at time.Time, auditSeq int64) ([]*ledger.Entry, error) {
	est, err := statusReportEstate(ctx, app, store.Repo, rev, "the check for expired exemptions")
	if err != nil {
		return nil, err
	}
	snap, err := store.Read(ctx)
	if err != nil {
		return nil, &ExitError{Code: ExitFailure, Err: err}
	}
	var out []*ledger.Entry
	for _, x := range ledger.ExpiredExemptions(snap.Entries(), est.Assets, at) {
		e, err := appendEntry(func(snap *gitstore.Snapshot) (*ledger.Entry, error) {
			if ledger.ExpiryRecorded(snap.Entries(), x) {
				return nil, nil // another writer recorded it meanwhile
			}
			return &ledger.Entry{Kind: ledger.KindExemptionExpired, Time: ledger.FormatTime(at), Commits: &ledger.Commits{Merge: rev},
				Change: x.Change, AuditSeq: auditSeq, Exemption: &x}, nil
		})
		if err != nil {
			return nil, err
		}
		if e != nil {
			out = append(out, e)
		}
	}
	return out, nil
}

func containsSeq(xs []int64, s int64) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// jsonPos adds line:column to a JSON syntax error.
func jsonPos(data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	off := int64(-1)
	if errors.As(err, &se) {
		off = se.Offset
	} else if errors.As(err, &te) {
		off = te.Offset
	}
	if off < 0 || off > int64(len(data)) {
		return err
	}
	line, col := 1, 1
	for _, b := range data[:off] {
		if b == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Errorf("%d:%d: %w", line, col, err)
}

type ledgerVerifyOptions struct {
	branch, ref, keys, format, failOn string
	signed                            bool
}

func newLedgerVerifyCmd(app *App) *cobra.Command {
	o := &ledgerVerifyOptions{}
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Prove the ledger intact and every change of the default branch approved",
		Long: `Verify checks that:

  - the chain is intact: every entry decodes, is in canonical form, has the
    next sequence number and names the SHA-256 of the entry before it, and
    still hashes to what the ledger commit that appended it recorded; an
    edited, removed or reordered entry is named;
  - every first-parent commit of the default branch since the ledger began
    is covered by a change-implemented entry, with the approvals the
    change-control policy in force at the time required (commits that
    bypassed change control are listed);
  - with --require-signed, every such commit carries a valid OpenPGP
    signature from a key of --allowed-keys.

Exit status: 0 clean, 1 findings at or above --fail-on, 2 usage error,
3 estate could not run.`,
		Example: `  estate ledger verify
  estate ledger verify --branch main --format json
  estate ledger verify --require-signed --allowed-keys .github/allowed-signers.asc`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runLedgerVerify(cmd, app, o) },
	}
	cmd.Flags().StringVar(&o.branch, "branch", "", "the default branch (default: github.default_branch of estate.yaml, else main, else HEAD)")
	cmd.Flags().StringVar(&o.ref, "ref", "", "the ledger's ref (default: ledger.ref of estate.yaml, else refs/estate/ledger)")
	cmd.Flags().BoolVar(&o.signed, "require-signed", false, "every commit since the ledger began must be signed by an allowed key")
	cmd.Flags().StringVar(&o.keys, "allowed-keys", "", "armored OpenPGP public keys allowed to sign (with --require-signed)")
	formatFlag(cmd, &o.format, "text", "json", "github", "sarif", "junit", "markdown")
	failOnFlag(cmd, &o.failOn, "low")
	return cmd
}

func runLedgerVerify(cmd *cobra.Command, app *App, o *ledgerVerifyOptions) error {
	if err := checkChoice("format", o.format, output.Formats()...); err != nil {
		return err
	}
	failOn, err := parseFailOn(o.failOn)
	if err != nil {
		return err
	}
	var keys string
	if o.signed {
		if o.keys == "" {
			return usageErr("--require-signed needs --allowed-keys FILE (armored OpenPGP public keys)")
		}
		b, err := os.ReadFile(o.keys)
		if err != nil {
			return inputErr(fmt.Errorf("read allowed keys: %w", err), "")
		}
		keys = string(b)
	}
	repo, err := gitrepo.Open(app.Dir())
	if err != nil {
		return &ExitError{Code: ExitFailure, Err: err}
	}
	branch, tip, err := defaultBranch(repo, o.branch)
	if err != nil {
		return err
	}
	store := &gitstore.Store{Repo: repo, Ref: o.ref}
	if store.Ref == "" {
		store.Ref = gitstore.Settings(repo, tip).LedgerRef()
	}
	res, err := gitstore.Verify(cmd.Context(), store, gitstore.VerifyOptions{Branch: tip, BranchName: branch,
		RequireSigned: o.signed, AllowedKeys: keys, CoverageOptions: ledger.CoverageOptions{Now: app.Now()}})
	if err != nil {
		return &ExitError{Code: ExitFailure, Err: err}
	}
	rep := output.Report{Tool: "ledger verify", Version: Version, Findings: res.Findings, FailOn: failOn,
		Summary: map[string]int{"entries": res.Entries, "commits": res.Commits}}
	if err := output.Write(app.Stdout, o.format, rep, output.Options{Color: app.TTY}); err != nil {
		return &ExitError{Code: ExitFailure, Err: err}
	}
	if rep.Failing() > 0 {
		return findingsErr()
	}
	return nil
}

// defaultBranch resolves --branch, github.default_branch, main, master
// or HEAD, in that order, to a name and a commit.
func defaultBranch(repo *gitrepo.Repo, flag string) (string, string, error) {
	if flag != "" {
		c, err := repo.Resolve(flag)
		if err != nil {
			return "", "", inputErr(err, "name the default branch with --branch")
		}
		return flag, c.Hash, nil
	}
	var cands []string
	if head, err := repo.Resolve("HEAD"); err == nil {
		if s := gitstore.Settings(repo, head.Hash); s != nil && s.GitHub != nil && s.GitHub.DefaultBranch != "" {
			cands = append(cands, s.GitHub.DefaultBranch)
		}
	}
	cands = append(cands, "main", "master", "HEAD")
	for _, b := range cands {
		if c, err := repo.Resolve(b); err == nil {
			return b, c.Hash, nil
		}
	}
	return "", "", inputErr(errors.New("no default branch: the repository has no commits"), "")
}

type ledgerShowOptions struct {
	ref, format string
}

func newLedgerShowCmd(app *App) *cobra.Command {
	o := &ledgerShowOptions{}
	cmd := &cobra.Command{
		Use:     "show [SEQ...]",
		Short:   "Print the ledger's entries (all, or those named)",
		Example: "  estate ledger show\n  estate ledger show 12 --format json",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkChoice("format", o.format, "text", "json"); err != nil {
				return err
			}
			want := map[int64]bool{}
			for _, a := range args {
				n, err := strconv.ParseInt(a, 10, 64)
				if err != nil || n < 1 {
					return usageErr("%q is not an entry number", a)
				}
				want[n] = true
			}
			repo, err := gitrepo.Open(app.Dir())
			if err != nil {
				return &ExitError{Code: ExitFailure, Err: err}
			}
			store := &gitstore.Store{Repo: repo, Ref: o.ref}
			if store.Ref == "" {
				if h, err := repo.Resolve("HEAD"); err == nil {
					store.Ref = gitstore.Settings(repo, h.Hash).LedgerRef()
				} else {
					store.Ref = (*record.Settings)(nil).LedgerRef()
				}
			}
			snap, err := store.Read(cmd.Context())
			if err != nil {
				return &ExitError{Code: ExitFailure, Err: err}
			}
			var es []*ledger.Entry
			for _, e := range snap.Entries() {
				if len(want) == 0 || want[e.Seq] {
					es = append(es, e)
				}
			}
			sort.Slice(es, func(i, j int) bool { return es[i].Seq < es[j].Seq })
			if o.format == "json" {
				if es == nil {
					es = []*ledger.Entry{}
				}
				enc := json.NewEncoder(app.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(es)
			}
			for _, e := range es {
				fmt.Fprintf(app.Stdout, "entry %d  %s  %s\n", e.Seq, e.Kind, e.Time)
				describeEntry(app.Stdout, e)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&o.ref, "ref", "", "the ledger's ref (default: ledger.ref of estate.yaml, else refs/estate/ledger)")
	formatFlag(cmd, &o.format, "text", "json")
	return cmd
}

// appendAndPush appends with build and pushes the ledger ref to remote
// with the git CLI (which brings the user's credentials and transports).
// When the push is rejected because another writer pushed first, it
// fetches the remote's ledger over the local one, builds again (an entry
// already there is not appended twice) and pushes again.
func appendAndPush(ctx context.Context, app *App, store *gitstore.Store, remote string, build gitstore.Build) (*ledger.Entry, error) {
	spec := store.Ref + ":" + store.Ref
	var got *ledger.Entry
	for attempt := 1; ; attempt++ {
		err := store.Repo.Fetch(ctx, remote, "+"+spec)
		if err == nil || errors.Is(err, gitrepo.ErrNoRemoteRef) {
			// Push the commit this run left, not whatever the local ref
			// holds by then (another process may move it).
			e, tip, aerr := store.AppendCommit(ctx, build)
			if err = aerr; err == nil {
				if e != nil {
					got = e
				}
				if tip == "" {
					return got, nil
				}
				if err = store.Repo.Push(ctx, remote, tip+":"+store.Ref); err == nil {
					return got, nil
				}
			}
		}
		// A race lost to another writer (on the remote, or on this
		// clone's own ref) is retried; anything else is an error.
		raced := errors.Is(err, gitrepo.ErrNonFastForward) || errors.Is(err, gitrepo.ErrRefChanged)
		if !raced || attempt >= 10 {
			return nil, &ExitError{Code: ExitFailure, Err: fmt.Errorf("record and push %s to %s: %w", store.Ref, remote, err)}
		}
		app.Log.Info("the remote ledger moved; fetching and recording again", "attempt", attempt)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Duration(attempt*50+rand.IntN(100)) * time.Millisecond):
		}
	}
}
