package problems

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strconv"
	"time"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/ledger/ops"
	"github.com/estate-dev/estate/internal/match"
	"github.com/estate-dev/estate/internal/output"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/store"
)

// Options say what Run suggests from.
type Options struct {
	Dir string // the estate (working tree; the ledger of its repository)
	// Facts is a folder of facts documents ("" = the estate's facts/, if any).
	Facts      string
	MinDevices int
	// DryRun writes nothing: Result.Drafts say what would be written.
	DryRun bool
	Now    func() time.Time
}

// Result is the drafts suggested, each with the path it was (or would
// be) written at.
type Result struct {
	Drafts []Draft
	Paths  []string
	// Incidents counts the ledger's incident entries looked at.
	Incidents int
	// FactsFindings are the facts files that could not be used (their
	// devices count by their records only).
	FactsFindings []record.Finding
}

// Run suggests Problem records from the ledger's incident history and
// writes them (status open) into problems/, numbered PRB-<year>-NNNN
// after the highest number of that year.
func Run(ctx context.Context, o Options) (*Result, error) {
	if o.MinDevices < 0 {
		return nil, core.UsageError(errors.New("--min-devices must be at least 1"), "")
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	est, err := core.Open(ctx, core.Options{Dir: o.Dir, Now: now()})
	if err != nil {
		return nil, err
	}
	defer est.Close()
	show, err := ops.Show(ctx, ops.ShowOptions{Dir: est.Root, AllowEmpty: true})
	if err != nil {
		return nil, err
	}
	res := &Result{}
	for _, e := range show.Entries {
		if e.Incident != nil {
			res.Incidents++
		}
	}
	if res.Incidents == 0 {
		return nil, core.UsageError(fmt.Errorf("no incident entries in the ledger %s: nothing to find patterns in", show.Ref),
			"estate incidents sync records them; fetch the ledger (git fetch origin "+show.Ref+":"+show.Ref+") if it is on the remote")
	}
	fs, err := core.ReadFacts(ctx, core.FactsOptions{Root: est.Root, Dir: o.Facts, Schema: est.Schema, Required: o.Facts != ""})
	if err != nil {
		return nil, err
	}
	res.FactsFindings = fs.Findings
	res.Drafts = Suggest(Input{Entries: show.Entries, Estate: est.Estate, Facts: newest(est.Estate, fs.Devices), MinDevices: o.MinDevices})
	if len(res.Drafts) == 0 {
		return res, nil
	}
	st, err := store.Open(ctx, store.Options{Dir: est.Root})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	year := now().UTC().Year()
	next := nextNumber(st.IDsOf(record.KindProblem), year)
	for i := range res.Drafts {
		d := &res.Drafts[i]
		d.Problem.ID = fmt.Sprintf("PRB-%d-%04d", year, next+i)
		p := path.Join("problems", d.Problem.ID+".yaml")
		res.Paths = append(res.Paths, p)
		if o.DryRun {
			if _, fs := st.Check(p, mustRender(d.Problem)); len(fs) > 0 {
				return res, core.Failure(fmt.Errorf("draft %s would be refused: %s", p, store.Reason(fs[0])), "")
			}
			continue
		}
		if _, err := st.Put(p, &d.Problem, store.Create); err != nil {
			return res, fmt.Errorf("write draft problem: %w", err)
		}
	}
	return res, nil
}

func mustRender(p record.Problem) []byte {
	b, err := store.Render(&p)
	if err != nil {
		return nil
	}
	return b
}

var reNumber = regexp.MustCompile(`^PRB-([0-9]{4})-([0-9]{4,6})$`)

// nextNumber is one more than the highest PRB-<year>-N of ids.
func nextNumber(ids []string, year int) int {
	n := 0
	for _, id := range ids {
		if m := reNumber.FindStringSubmatch(id); m != nil && m[1] == strconv.Itoa(year) {
			v, _ := strconv.Atoi(m[2])
			n = max(n, v)
		}
	}
	return n + 1
}

// newest is each asset's newest facts, matched as the audit does.
func newest(e *record.Estate, devices []record.Device) map[string]*record.Facts {
	ix := match.New(e)
	out := map[string]*record.Facts{}
	for _, d := range devices {
		rec, _ := ix.Find(d.Facts)
		if rec == nil {
			continue
		}
		if old := out[rec.ID]; old == nil || old.CollectedAt < d.Facts.CollectedAt {
			out[rec.ID] = d.Facts
		}
	}
	return out
}

// WriteText says what res holds: each draft's path, title and devices.
func WriteText(w io.Writer, res *Result, dry bool) {
	for i, d := range res.Drafts {
		fmt.Fprintf(w, "%s: %s [%s", res.Paths[i], output.TextSafe(d.Problem.Title), d.Pattern)
		if d.By != "" {
			fmt.Fprintf(w, " by %s", d.By)
		}
		fmt.Fprintf(w, "; %d devices]\n", len(d.Records))
	}
	verb := "written, status open: review them"
	if dry {
		verb = "would be written (dry run: none written)"
	}
	for _, f := range res.FactsFindings {
		fmt.Fprintf(w, "warning: %s: %s (its device's facts not used)\n", output.TextSafe(f.Pos.String()), output.TextSafe(f.Message))
	}
	fmt.Fprintf(w, "problems: %d drafts %s; %d incident entries looked at\n", len(res.Drafts), verb, res.Incidents)
}
