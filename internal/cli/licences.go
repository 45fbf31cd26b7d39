package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/facts"
	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/licence"
	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/output"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/schema"
	"github.com/estate-dev/estate/internal/validate"
)

type licencesOptions struct {
	format string
	facts  string
	rev    string
	within int
	failOn string
}

func newLicencesCmd(app *App) *cobra.Command {
	o := &licencesOptions{}
	cmd := &cobra.Command{
		Use:   "licences",
		Short: "Licence position: seats entitled against seats used, over-deployment, savings, expiry",
		Long: `Licences compares each licence (inventory/licences/*.yaml) with its real use:

  assigned     active assets whose licences: list names it (retired, disposed,
               lost and stolen assets do not count; they are "reclaimable")
  installed    devices whose facts show a package matching one of the
               licence's packages: glob patterns (case-insensitive)
  used         the devices assigned or seen installed; for metric: user,
               the distinct owners of those devices
  over         used beyond the seats: the licence is over-deployed
  unused       seats nobody uses; their cost per year is a saving
               (cost.amount is the price of one seat per cost.period; a
               licence without a period is priced per year; a one-off
               purchase saves nothing)

Facts are read from --facts DIR (default: facts/ in the repository, when it
exists): one facts document (kind: Facts, JSON or YAML) per file. Facts are
matched to assets by serial, then hostname.

Exit status: 0, or 1 when --fail-on is given and a finding (over-deployed:
high, expired: high, installs not assigned: medium, expiring: low) reaches it.`,
		Example: `  # the licence position, in the terminal
  estate licences

  # with facts collected elsewhere, as CSV for a spreadsheet
  estate licences --facts ./collected --format csv > licences.csv

  # fail CI when a licence is over-deployed or expired
  estate licences --fail-on high

  # what expires in the next 30 days, as a wiki table
  estate licences --expiring-within 30 --format markdown`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runLicences(cmd, app, o) },
	}
	formatFlag(cmd, &o.format, "text", "json", "markdown", "csv")
	cmd.Flags().StringVar(&o.facts, "facts", "", "folder of facts documents (default: facts/ when present)")
	cmd.Flags().StringVar(&o.rev, "rev", "", "read the estate at this git revision instead of the working tree")
	cmd.Flags().IntVar(&o.within, "expiring-within", 90, "days ahead a licence counts as expiring")
	cmd.Flags().StringVar(&o.failOn, "fail-on", "never", "exit 1 when a finding is at or above this severity: info, low, medium, high, critical, or never")
	return cmd
}

func runLicences(cmd *cobra.Command, app *App, o *licencesOptions) error {
	if err := checkChoice("format", o.format, "text", "json", "markdown", "csv"); err != nil {
		return err
	}
	failOn, err := parseFailOn(o.failOn)
	if err != nil {
		return err
	}
	if o.within < 1 {
		return usageErr("--expiring-within must be at least 1 day")
	}
	ctx := cmd.Context()
	est, err := loadReportEstate(ctx, app, o.rev)
	if err != nil {
		return err
	}
	seen, err := readReportFacts(ctx, app, o.facts)
	if err != nil {
		return err
	}
	rep := licence.Analyse(est, seen, licence.Options{Now: app.Now(), ExpiringWithin: o.within})
	if rep.Findings == nil {
		rep.Findings = []record.Finding{}
	}
	if err := writeRptTables(app.Stdout, o.format, rep, licenceTables(rep, true)...); err != nil {
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("write report: %w", err)}
	}
	if failOn != 0 {
		for _, f := range rep.Findings {
			if f.Severity >= failOn {
				return findingsErr()
			}
		}
	}
	return nil
}

// licenceTables turns a licence report into tables (the summary line
// first, when summary is set).
func licenceTables(rep licence.Report, summary bool) []rptTable {
	t := rptTable{Title: "Licences", Columns: []string{"Licence", "Product", "Metric", "Seats", "Assigned", "Installed",
		"Used", "Over", "Unused", "Reclaimable", "Saving/year", "Expires", "Days left", "Status"},
		Numeric: map[int]bool{3: true, 4: true, 5: true, 6: true, 7: true, 8: true, 9: true, 10: true, 12: true}}
	c := &rptTable{Columns: []string{"Licence", "Product", "Vendor", "Metric", "Seats", "Assigned", "Installed", "Unassigned installs",
		"Used", "Over", "Unused", "Reclaimable", "Unit cost", "Period", "Saving per year", "Currency", "Expires", "Days left", "Status"}}
	t.CSV = c
	for _, u := range rep.Licences {
		days := ""
		if u.DaysLeft != nil {
			days = strconv.Itoa(*u.DaysLeft)
		}
		saving := ""
		if u.SavingPerYear > 0 {
			saving = rptMoney(u.Currency, u.SavingPerYear)
		}
		metric := u.Metric
		if !u.Measured {
			metric += " (counted as devices)"
		}
		t.Rows = append(t.Rows, []string{u.ID, u.Product, metric, strconv.Itoa(u.Seats), strconv.Itoa(u.Assigned),
			strconv.Itoa(u.Installed), strconv.Itoa(u.Used), strconv.Itoa(u.Over), strconv.Itoa(u.Unused),
			strconv.Itoa(u.Reclaimable), saving, u.Expires, days, u.Status})
		c.Rows = append(c.Rows, []string{u.ID, u.Product, u.Vendor, u.Metric, strconv.Itoa(u.Seats), strconv.Itoa(u.Assigned),
			strconv.Itoa(u.Installed), strconv.Itoa(u.Unassigned), strconv.Itoa(u.Used), strconv.Itoa(u.Over), strconv.Itoa(u.Unused),
			strconv.Itoa(u.Reclaimable), rptNum(u.UnitCost), u.Period, rptNum(u.SavingPerYear), u.Currency, u.Expires, days, u.Status})
	}
	if summary {
		tt := rep.Totals
		t.Notes = append(t.Notes, fmt.Sprintf("As of %s: %d licences, %d seats, %d used; %d over-deployed (%d seats over), %d expired, %d expiring within %d days; %d unused seats, saving %s a year.",
			rep.AsOf, tt.Licences, tt.Seats, tt.Used, tt.OverDeployed, tt.Over, tt.Expired, tt.Expiring, rep.Within, tt.Unused, rptMoneyMap(tt.SavingPerYear)))
		if rep.FactsDevices == 0 {
			t.Notes = append(t.Notes, "No facts were read: installs are unknown, only assignments count.")
		} else {
			t.Notes = append(t.Notes, fmt.Sprintf("Facts of %d devices read (%d match no asset).", rep.FactsDevices, rep.FactsUnmatched))
		}
		for _, f := range rep.Findings {
			t.Notes = append(t.Notes, fmt.Sprintf("%s: %s: %s", f.Pos, f.Severity, f.Message))
		}
	}
	return []rptTable{t}
}

// rptTable is one table of a report, written as text, markdown or CSV.
type rptTable struct {
	Title   string
	Columns []string
	Rows    [][]string
	// Numeric marks right-aligned columns (text and markdown).
	Numeric map[int]bool
	// Notes are lines printed before the table (text, markdown); CSV
	// leaves them out.
	Notes []string
	// CSV, when set, is the form written as CSV: plain numbers, the
	// currency in its own column, for a spreadsheet.
	CSV *rptTable
}

// writeRptTables writes tables in format: text and markdown write every
// table with its notes; csv writes the first table only (one table per
// file, for a spreadsheet); json writes jsonValue.
func writeRptTables(w io.Writer, format string, jsonValue any, tables ...rptTable) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(jsonValue)
	case "csv":
		if len(tables) == 0 {
			return nil
		}
		if tables[0].CSV != nil {
			return writeRptCSV(w, *tables[0].CSV)
		}
		return writeRptCSV(w, tables[0])
	case "markdown":
		for i, t := range tables {
			if i > 0 {
				fmt.Fprintln(w)
			}
			fmt.Fprintf(w, "### %s\n\n", output.MarkdownCell(t.Title))
			for _, n := range t.Notes {
				fmt.Fprintf(w, "%s\n\n", output.MarkdownCell(n))
			}
			if len(t.Rows) == 0 {
				fmt.Fprintln(w, "_none_")
				continue
			}
			fmt.Fprintf(w, "| %s |\n", strings.Join(rptMap(t.Columns, output.MarkdownCell), " | "))
			seps := make([]string, len(t.Columns))
			for j := range seps {
				seps[j] = "---"
				if t.Numeric[j] {
					seps[j] = "---:"
				}
			}
			fmt.Fprintf(w, "| %s |\n", strings.Join(seps, " | "))
			for _, r := range t.Rows {
				fmt.Fprintf(w, "| %s |\n", strings.Join(rptMap(r, output.MarkdownCell), " | "))
			}
		}
		return nil
	default:
		for i, t := range tables {
			if i > 0 {
				fmt.Fprintln(w)
			}
			fmt.Fprintf(w, "%s\n", t.Title)
			for _, n := range t.Notes {
				fmt.Fprintf(w, "  %s\n", rptTextSafe(n))
			}
			if len(t.Rows) == 0 {
				fmt.Fprintln(w, "  (none)")
				continue
			}
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintf(tw, "  %s\n", strings.Join(t.Columns, "\t"))
			for _, r := range t.Rows {
				fmt.Fprintf(tw, "  %s\n", strings.Join(rptMap(r, rptTextSafe), "\t"))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
		}
		return nil
	}
}

func writeRptCSV(w io.Writer, t rptTable) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Columns); err != nil {
		return err
	}
	for _, r := range t.Rows {
		if err := cw.Write(rptMap(r, rptCSVSafe)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// rptCSVSafe defuses spreadsheet formulas in untrusted text: a cell that
// starts with = + - @ or a tab gets a leading apostrophe (OWASP "CSV
// injection"). Numbers such as -3 are left alone.
func rptCSVSafe(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return s
		}
		return "'" + s
	}
	return s
}

// rptTextSafe keeps untrusted text on one line with no control characters
// (no terminal escapes).
func rptTextSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
}

func rptMap(ss []string, f func(string) string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = f(s)
	}
	return out
}

// rptMoney writes an amount with its currency, e.g. "GBP 1,234.50".
func rptMoney(currency string, v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	intPart, frac := s, ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		intPart, frac = s[:i], s[i:]
	}
	neg := strings.HasPrefix(intPart, "-")
	intPart = strings.TrimPrefix(intPart, "-")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := b.String() + frac
	if neg {
		out = "-" + out
	}
	if currency != "" {
		out = currency + " " + out
	}
	return out
}

// rptNum writes an amount as a plain number with two decimals.
func rptNum(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

// rptMoneyMap writes amounts per currency, sorted by currency: "0" when empty.
func rptMoneyMap(m map[string]float64) string {
	if len(m) == 0 {
		return "0"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = rptMoney(k, m[k])
	}
	return strings.Join(parts, "; ")
}

// loadReportEstate reads the estate of the working tree (or of rev) for a
// report through the validation pipeline and its cache, exactly as
// estate validate does (and fills the same cache): a report after
// validate, or after another report, parses only the records that
// changed. Records with errors are counted on stderr, with the hint to run
// estate validate; the report uses what could be read.
func loadReportEstate(ctx context.Context, app *App, rev string) (*record.Estate, error) {
	tree, cacheRoot, done, err := reportTree(ctx, app, nil, rev)
	if err != nil {
		return nil, err
	}
	defer done()
	opts := validate.Options{Tree: tree, Now: app.Now(), Progress: app.progress("reading the estate")}
	if cacheRoot != "" {
		opts.Cache = validate.OpenCache(validate.DefaultCachePath(cacheRoot))
	}
	res, err := validate.Run(ctx, opts)
	if err != nil {
		return nil, &ExitError{Code: ExitFailure, Err: fmt.Errorf("load estate: %w", err)}
	}
	if opts.Cache != nil {
		if err := opts.Cache.Save(); err != nil {
			app.Log.Warn("cache not saved", "err", err)
		}
	}
	if bad := errorCount(res.Findings); bad > 0 {
		fmt.Fprintf(app.Stderr, "estate: warning: the estate has %d errors; this report uses what could be read (estate validate lists them)\n", bad)
	}
	return res.Estate, nil
}

// reportTree opens the estate at rev ("" = the working tree) for reading
// in full: the tree, the folder whose .git holds validate's cache, and
// done, which closes what was opened. repo, when not nil, is the
// repository to read rev from.
func reportTree(ctx context.Context, app *App, repo *gitrepo.Repo, rev string) (tree load.Tree, cacheRoot string, done func(), err error) {
	if rev == "" {
		d, err := load.OpenDir(app.Dir())
		if err != nil {
			return nil, "", nil, &ExitError{Code: ExitFailure, Err: err}
		}
		return d, d.Root(), func() { d.Close() }, nil
	}
	closeRepo := func() {}
	if repo == nil {
		r, err := gitrepo.Open(app.Dir())
		if err != nil {
			return nil, "", nil, &ExitError{Code: ExitFailure, Err: err}
		}
		repo, closeRepo = r, func() { r.Close() }
	}
	t, err := repo.Tree(rev)
	if err != nil {
		closeRepo()
		return nil, "", nil, inputErr(err, "name a branch, tag or commit that exists")
	}
	tree, stop := t.ReadAhead(ctx, app.Dir())
	return tree, repo.Root, func() { stop(); closeRepo() }, nil
}

// errorCount counts the findings of error severity or above.
func errorCount(fs []record.Finding) int {
	n := 0
	for _, f := range fs {
		if f.Severity >= record.SeverityError {
			n++
		}
	}
	return n
}

// rptSchema is compiled once per process (reports skip the schema
// layer, but validate.Run wants a schema for its cache key, and facts
// documents are checked against #Facts). Nil when it does not compile.
var rptSchema = sync.OnceValue(func() *schema.Schema {
	s, err := schema.New(nil)
	if err != nil {
		return nil
	}
	return s
})

func rptFileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// readReportFacts reads the facts documents of --facts DIR, or of facts/ in
// the repository when the flag is empty and that folder exists, with the
// reader estate audit uses (internal/facts). A document that cannot be used
// is a warning on stderr with its file:line:column, and the others are
// used; a folder that cannot be read is an error.
func readReportFacts(ctx context.Context, app *App, dir string) ([]record.Facts, error) {
	prefix := dir
	if dir == "" {
		dir, prefix = filepath.Join(app.Dir(), "facts"), "facts"
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return nil, nil
		}
	}
	devices, findings, err := facts.ReadDir(ctx, dir, facts.ReadOptions{Schema: rptSchema(), Prefix: strings.TrimSuffix(prefix, "/") + "/"})
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, inputErr(err, "--facts names a folder of facts documents (kind: Facts, JSON or YAML)")
		}
		return nil, &ExitError{Code: ExitFailure, Err: err}
	}
	skipped := 0
	for _, f := range findings {
		if f.Severity < record.SevMedium {
			skipped++
			continue
		}
		fmt.Fprintf(app.Stderr, "estate: warning: %s: %s (these facts are not used)\n", f.Pos, rptTextSafe(f.Message))
	}
	if skipped > 0 {
		app.Log.Info("files in the facts folder that are not facts documents were skipped", "count", skipped)
	}
	out := make([]record.Facts, 0, len(devices))
	for _, d := range devices {
		if d.Facts != nil {
			out = append(out, *d.Facts)
		}
	}
	return out, nil
}
