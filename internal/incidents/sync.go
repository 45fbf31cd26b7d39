package incidents

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/github"
	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/ledger/gitstore"
	"github.com/estate-dev/estate/internal/ledger/ops"
	"github.com/estate-dev/estate/internal/record"
)

// Options say what Run syncs.
type Options struct {
	Dir   string // the estate repository (estate.yaml at HEAD, the ledger)
	Audit string // the report of estate audit --format json
	// DryRun makes no call and appends nothing: Result.Plan says what
	// would be done.
	DryRun bool
	MaxNew int // 0 = DefaultMaxNew
	// Token, APIURL and Repository are GITHUB_TOKEN, GITHUB_API_URL and
	// GITHUB_REPOSITORY.
	Token, APIURL, Repository string
	HTTP                      *http.Client // nil = the default
	// Sleep replaces the client's waits between retries (tests).
	Sleep func(context.Context, time.Duration) error
	// Ledger is where the entries go (its Push, its remote).
	Ledger ops.Writer
	Now    func() time.Time
}

// Result is what Run did (or, for a dry run, would do).
type Result struct {
	Plan    Plan
	Done    int             // calls made
	Entries []*ledger.Entry // ledger entries appended
}

// report is what sync reads of an audit report.
type report struct {
	AsOf        string           `json:"as_of"`
	GeneratedAt string           `json:"generated_at"`
	Findings    []record.Finding `json:"findings"`
	// Shard is set on one part of a sharded audit, never a whole audit.
	Shard json.RawMessage `json:"shard"`
}

// usage marks err as the request's fault (exit 2).
func usage(err error) error { return core.UsageError(err, "") }

// Run syncs the incidents of the report o.Audit with GitHub. On an error
// the result says what was done before it.
func Run(ctx context.Context, o Options) (*Result, error) {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	data, err := os.ReadFile(o.Audit)
	if err != nil {
		return nil, usage(fmt.Errorf("read audit report: %w", err))
	}
	var rep report
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, usage(fmt.Errorf("read audit report %s: %w", o.Audit, ops.JSONPos(data, err)))
	}
	if len(rep.Shard) > 0 && string(rep.Shard) != "null" {
		return nil, core.UsageError(fmt.Errorf("read audit report %s: it is one part of a sharded audit (shard %s): its findings are not the whole estate's, and sync would close the others' incidents", o.Audit, rep.Shard),
			"join every part first: estate audit merge PART... > audit.json")
	}
	at := now()
	for _, s := range []string{rep.AsOf, rep.GeneratedAt} {
		if s != "" {
			if at, err = time.Parse(time.RFC3339, s); err != nil {
				return nil, usage(fmt.Errorf("read audit report %s: as_of %q is not RFC 3339", o.Audit, s))
			}
			break
		}
	}
	settings, err := readSettings(o.Dir)
	if err != nil {
		return nil, err
	}
	cfg, err := ConfigOf(settings)
	if err != nil {
		return nil, usage(err)
	}
	cfg.At, cfg.MaxNew = at, o.MaxNew
	if cfg.BaselineOwners, cfg.People, err = owners(ctx, o.Dir, now()); err != nil {
		return nil, err
	}
	if cfg.AuditSeq, err = auditSeq(ctx, o.Dir, data); err != nil {
		return nil, err
	}
	if o.Token == "" || o.Repository == "" {
		return nil, usage(errors.New("sync incidents: GITHUB_TOKEN and GITHUB_REPOSITORY must be set"))
	}
	gc, err := github.New(github.Config{Token: o.Token, BaseURL: o.APIURL, Repository: o.Repository, HTTP: o.HTTP, Sleep: o.Sleep, Now: now})
	if err != nil {
		return nil, usage(err)
	}
	self, err := gc.Self(ctx)
	if err != nil {
		return nil, err
	}
	all, err := gc.Issues(ctx, Label)
	if err != nil {
		return nil, err
	}
	var mine []Issue
	for _, is := range all {
		if self.Wrote(is.Author) {
			mine = append(mine, Issue{Number: is.Number, Title: is.Title, Body: is.Body, State: is.State, Labels: is.Labels})
		}
	}
	res := &Result{Plan: Make(rep.Findings, mine, cfg)}
	if o.DryRun {
		return res, nil
	}
	var entries []*ledger.Entry
	for _, c := range res.Plan.Calls {
		n, err := apply(ctx, gc, c)
		if err != nil {
			err = fmt.Errorf("sync incidents: %w", err)
			res.Entries, _ = writeLedger(ctx, o, now, entries)
			return res, err
		}
		res.Done++
		if kind := kindOf(c); kind != "" {
			entries = append(entries, &ledger.Entry{Kind: kind, Time: ledger.FormatTime(at),
				Incident: incidentOf(n, c)})
		}
	}
	res.Entries, err = writeLedger(ctx, o, now, entries)
	return res, err
}

// auditSeq is the sequence number of the ledger's audit entry of the
// report data (estate ledger record-audit), or 0 when it has none.
func auditSeq(ctx context.Context, dir string, data []byte) (int64, error) {
	show, err := ops.Show(ctx, ops.ShowOptions{Dir: dir, AllowEmpty: true})
	if err != nil {
		return 0, fmt.Errorf("read the ledger: %w", err)
	}
	sum := sha256.Sum256(data)
	digest := "sha256:" + hex.EncodeToString(sum[:])
	for _, e := range show.Entries {
		if e.Kind == ledger.KindAudit && e.Audit != nil && e.Audit.Digest == digest {
			return e.Seq, nil
		}
	}
	return 0, nil
}

// incidentOf is what the ledger keeps of call c to issue n: severity and
// due day for an incident opened or reopened.
func incidentOf(n int, c Call) *ledger.Incident {
	in := &ledger.Incident{Issue: n, Fingerprint: c.Fingerprint, Records: c.Records, Controls: c.Controls, Repeat: c.Repeat}
	if c.Action != Close && c.Severity != 0 {
		in.Severity, in.Due = c.Severity.String(), c.Due
	}
	return in
}

func kindOf(c Call) ledger.Kind {
	if c.Tracking {
		return ""
	}
	return map[Action]ledger.Kind{Create: ledger.KindIncidentOpened, Close: ledger.KindIncidentClosed, Reopen: ledger.KindIncidentReopened}[c.Action]
}

// writeLedger appends entries to the ledger (creating its ref if need be).
func writeLedger(ctx context.Context, o Options, now func() time.Time, entries []*ledger.Entry) ([]*ledger.Entry, error) {
	got, err := ops.RecordIncidents(ctx, ops.IncidentOptions{Dir: o.Dir, Writer: o.Ledger, Now: now}, entries)
	if err != nil {
		return got, fmt.Errorf("record incidents in the ledger: %w", err)
	}
	return got, nil
}

// apply makes one call and returns the issue's number.
func apply(ctx context.Context, gc *github.Client, c Call) (int, error) {
	edit := github.IssueEdit{Title: &c.Title, Body: &c.Body, Labels: &c.Labels}
	switch c.Action {
	case Create:
		is, err := gc.CreateIssue(ctx, c.Title, c.Body, c.Labels, c.Assignees)
		return is.Number, err
	case Edit:
		return c.Number, gc.EditIssue(ctx, c.Number, edit)
	case Close:
		return c.Number, gc.CloseIssue(ctx, c.Number, c.Comment, github.IssueEdit{Body: &c.Body})
	case Reopen:
		return c.Number, gc.ReopenIssue(ctx, c.Number, c.Comment, edit)
	}
	return 0, fmt.Errorf("unknown action %q", c.Action)
}

// owners reads, from the estate at HEAD (records only: validate judges
// them), each asset's baseline's owner and each active Person's GitHub
// login by email: the steps of an incident's assignee.
func owners(ctx context.Context, dir string, now time.Time) (baseline, people map[string]string, err error) {
	est, err := core.Open(ctx, core.Options{Dir: dir, Rev: "HEAD", Checks: core.CheckNone, Cache: core.CacheRead, Now: now})
	if err != nil {
		return nil, nil, fmt.Errorf("read the estate at HEAD: %w", err)
	}
	defer est.Close()
	baseline, people = map[string]string{}, map[string]string{}
	for id, a := range est.Assets {
		if b := est.Baselines[a.Baseline]; b != nil && b.Owner != "" {
			baseline[id] = b.Owner
		}
	}
	for id, p := range est.People {
		if p.GitHub != "" && p.Status != "leaver" {
			people[id] = p.GitHub
		}
	}
	return baseline, people, nil
}

// readSettings reads estate.yaml at HEAD of the repository at dir.
func readSettings(dir string) (*record.Settings, error) {
	repo, err := gitrepo.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("open the estate repository: %w", err)
	}
	defer repo.Close()
	head, err := repo.Resolve("HEAD")
	if err != nil {
		return nil, fmt.Errorf("read estate.yaml: %w", err)
	}
	return gitstore.Settings(repo, head.Hash), nil
}

// ConfigOf reads the incidents: settings of estate.yaml (nil: defaults).
func ConfigOf(s *record.Settings) (Config, error) {
	cfg := Config{Group: "device", SLA: map[record.Severity]time.Duration{}}
	if s == nil || s.Incidents == nil {
		return cfg, nil
	}
	in := s.Incidents
	switch in.Group {
	case "", "device":
	case "control":
		cfg.Group = "control"
	default:
		return cfg, fmt.Errorf("read estate.yaml: incidents.group %q: want device or control", in.Group)
	}
	for name, v := range in.SLA {
		sev, err := record.ParseSeverity(name)
		if err != nil {
			return cfg, fmt.Errorf("read estate.yaml: incidents.sla: %w", err)
		}
		d, err := ParseDuration(v)
		if err != nil {
			return cfg, fmt.Errorf("read estate.yaml: incidents.sla.%s: %w", name, err)
		}
		cfg.SLA[sev] = d
	}
	cfg.Assignees = in.Assignees
	return cfg, nil
}

// WriteText says what res did, one line per call for a dry run.
func WriteText(w io.Writer, res *Result, dry bool) {
	p := &res.Plan
	if dry {
		for _, c := range p.Calls {
			fmt.Fprintln(w, c.String())
		}
	}
	verb := "made"
	if dry {
		verb = "would make (dry run: none made)"
	}
	fmt.Fprintf(w, "incidents: %d created, %d edited, %d closed, %d reopened, %d unchanged, %d deferred to the tracking issue; %d calls %s",
		p.Count(Create), p.Count(Edit), p.Count(Close), p.Count(Reopen), p.Unchanged, p.Deferred, len(p.Calls), verb)
	if !dry {
		fmt.Fprintf(w, "; %d ledger entries", len(res.Entries))
	}
	fmt.Fprintln(w)
}
