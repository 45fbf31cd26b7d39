package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/output"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/snipeit"
)

func newImportCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Import assets from another tool's export",
		Example: `  # see what a Snipe-IT export would become, without writing
  estate import snipeit assets.csv --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return usageErr("name what to import from: estate import snipeit FILE.csv")
		},
	}
	cmd.AddCommand(newImportSnipeITCmd(app))
	return cmd
}

type importOptions struct {
	format     string
	mapFile    string
	dryRun     bool
	update     bool
	currency   string
	dateOrder  string
	emailDom   string
	defOwner   string
	maxProblem int
}

func newImportSnipeITCmd(app *App) *cobra.Command {
	o := &importOptions{}
	cmd := &cobra.Command{
		Use:   "snipeit FILE.csv",
		Short: "Import a Snipe-IT asset CSV: one record per asset, ids from asset tags",
		Long: `Import snipeit reads a Snipe-IT asset CSV (its importer's columns: Asset Tag,
Item Name, Category, Status, Serial Number, Manufacturer, Model Name,
Location, Company, Supplier, Order Number, Purchase Date, Purchase Cost,
Warranty Months, Checkout Type, Checked Out To: Email / Username / First
Name / Last Name / Location, Notes; and the extra columns estate export csv
writes) and writes one record per asset: inventory/<class>/<tag>.yaml.

  ids        from the asset tag (spaces and slashes become hyphens);
             duplicate tags are refused after the first
  class      from the category (built-in keywords, or category: in --map);
             an unknown category is filed under other, with a warning
  status     from the status label (built-in Snipe-IT labels, or status: in
             --map); a row checked out to someone is deployed; an unknown
             label refuses the row
  owner      the Email column (or username@email_domain, or default_owner)
  location   matched to inventory/locations by name or id; a new name gets
             a new Location record
  dates      YYYY-MM-DD or M/D/YY (date_order: dmy reads D/M/YY)

The mapping file (--map) overrides the defaults:

  status:   {"Ready to Deploy": in-stock, "With Contractor": loaned}
  category: {"Laptops - Loaners": laptop}
  baseline: {laptop: euc-macos}      # for deployed assets, by class
  currency: GBP                      # for costs without a symbol
  date_order: mdy
  email_domain: example.org
  default_owner: it-assets@example.org

Every row that cannot be imported is listed with its row number (the header
is row 1), line and reason; nothing is dropped silently. Values that do
not fit a field are kept in the record's notes, with a warning. An asset
that already exists is never overwritten unless --update is given; with
--update, the row's values replace the record's and every field the row
leaves empty keeps its value (the file is rewritten: comments in it are
lost). --dry-run shows every file that would be written and writes none.

Exit status: 0 when every row was imported, 1 when rows were refused (the
others are still written unless --dry-run), 2 for a file that is not a
Snipe-IT asset CSV or a bad mapping file.`,
		Example: `  # what would be written
  estate import snipeit assets.csv --dry-run

  # import, with your own status labels and defaults
  estate import snipeit assets.csv --map snipeit-map.yaml

  # refresh records already imported
  estate import snipeit assets.csv --update

  # the rows that need fixing, for a spreadsheet
  estate import snipeit assets.csv --dry-run --format csv > problems.csv`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runImportSnipeIT(cmd, app, o, args[0]) },
	}
	formatFlag(cmd, &o.format, "text", "json", "markdown", "csv")
	cmd.Flags().StringVar(&o.mapFile, "map", "", "YAML file mapping status labels, categories and defaults (see above)")
	cmd.Flags().BoolVar(&o.dryRun, "dry-run", false, "show what would be written; write nothing")
	cmd.Flags().BoolVar(&o.update, "update", false, "update assets that already exist (never without this flag)")
	cmd.Flags().StringVar(&o.currency, "currency", "", "currency of costs without a symbol (overrides the mapping file)")
	cmd.Flags().StringVar(&o.dateOrder, "date-order", "", "mdy or dmy, for dates such as 3/4/23 (overrides the mapping file)")
	cmd.Flags().StringVar(&o.emailDom, "email-domain", "", "make owner emails from usernames: USERNAME@DOMAIN")
	cmd.Flags().StringVar(&o.defOwner, "default-owner", "", "owner of a deployed asset that names no person")
	cmd.Flags().IntVar(&o.maxProblem, "max-problems", 200, "problems listed in text and markdown (all in json and csv)")
	return cmd
}

// importPlan is what an import does, per record.
type importPlan struct {
	Row    int    `json:"row,omitempty"`
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	Action string `json:"action"` // create, update, unchanged
	Path   string `json:"path"`
	data   []byte
}

type importReport struct {
	File         string            `json:"file"`
	DryRun       bool              `json:"dry_run"`
	Rows         int               `json:"rows"`
	Created      int               `json:"created"`
	Updated      int               `json:"updated"`
	Unchanged    int               `json:"unchanged"`
	Refused      int               `json:"refused"`
	Warnings     int               `json:"warnings"`
	NewLocations int               `json:"new_locations"`
	Unused       []string          `json:"unused_columns"`
	Plan         []importPlan      `json:"plan"`
	Problems     []snipeit.Problem `json:"problems"`
}

func runImportSnipeIT(cmd *cobra.Command, app *App, o *importOptions, file string) error {
	if err := checkChoice("format", o.format, "text", "json", "markdown", "csv"); err != nil {
		return err
	}
	m := snipeit.DefaultMapping()
	if o.mapFile != "" {
		data, err := os.ReadFile(o.mapFile)
		if err != nil {
			return inputErr(fmt.Errorf("read mapping: %w", err), "pass a YAML mapping file to --map")
		}
		if m, err = snipeit.LoadMapping(o.mapFile, data); err != nil {
			return inputErr(err, "see estate import snipeit --help for the mapping file's keys")
		}
	}
	if o.currency != "" {
		if len(o.currency) != 3 || strings.ToUpper(o.currency) != o.currency {
			return usageErr("--currency %q is not a three-letter code such as GBP", o.currency)
		}
		m.Currency = o.currency
	}
	if o.dateOrder != "" {
		if err := checkChoice("date-order", o.dateOrder, "mdy", "dmy"); err != nil {
			return err
		}
		m.DateOrder = o.dateOrder
	}
	if o.emailDom != "" {
		m.EmailDomain = o.emailDom
	}
	if o.defOwner != "" {
		if !strings.Contains(o.defOwner, "@") {
			return usageErr("--default-owner %q is not an email address", o.defOwner)
		}
		m.DefaultOwner = o.defOwner
	}
	var data []byte
	var err error
	if file == "-" {
		data, err = io.ReadAll(app.Stdin)
	} else {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		return inputErr(fmt.Errorf("read %s: %w", file, err), "")
	}
	res, err := snipeit.Read(data, m)
	if err != nil {
		return inputErr(fmt.Errorf("%s:1: %w", file, err), "export assets from Snipe-IT (or use its import template): the header row names the columns")
	}

	root, err := os.OpenRoot(app.Dir())
	if err != nil {
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("open estate: %w", err)}
	}
	defer root.Close()
	existing, err := importExistingAssets(root)
	if err != nil {
		return &ExitError{Code: ExitFailure, Err: err}
	}
	locs, err := importExistingLocations(root)
	if err != nil {
		return &ExitError{Code: ExitFailure, Err: err}
	}
	idPattern, locPattern, err := importIDPatterns(root)
	if err != nil {
		return inputErr(err, "fix ids.asset in estate.yaml (estate validate says more)")
	}

	rep := importReport{File: file, DryRun: o.dryRun, Rows: res.Rows, Unused: res.Unused}
	problems := res.Problems
	newLoc := map[string]string{} // id -> name
	usedLocID := map[string]bool{}
	for _, id := range locs {
		usedLocID[strings.ToLower(id)] = true
	}
	// resolveLocation maps a row's location name to a Location id, making
	// a new Location only for rows that are imported.
	resolveLocation := func(it snipeit.Item) {
		a := it.Asset
		if it.Location != "" {
			id, ok := locs[importNorm(it.Location)]
			if !ok {
				id = snipeit.LocationID(it.Location)
				if locPattern != nil && !locPattern.MatchString(id) && locPattern.MatchString(strings.ToUpper(id)) {
					id = strings.ToUpper(id)
				}
				if id != "" && locPattern != nil && !locPattern.MatchString(id) {
					problems = append(problems, snipeit.Problem{Row: it.Row, Line: it.Line, Column: "Location", Tag: a.ID, Severity: snipeit.Warning,
						Reason: fmt.Sprintf("location %q makes id %s, which does not match estate.yaml ids.location; left out and kept in notes", it.Location, id)})
					a.Notes = strings.TrimPrefix(a.Notes+"\nLocation: "+it.Location, "\n")
					id = ""
				} else if id == "" {
					problems = append(problems, snipeit.Problem{Row: it.Row, Line: it.Line, Column: "Location", Tag: a.ID, Severity: snipeit.Warning,
						Reason: fmt.Sprintf("location %q makes no location id; left out and kept in notes", it.Location)})
					a.Notes = strings.TrimPrefix(a.Notes+"\nLocation: "+it.Location, "\n")
				} else {
					base := id
					for n := 2; usedLocID[strings.ToLower(id)]; n++ {
						id = base + "-" + strconv.Itoa(n)
					}
					usedLocID[strings.ToLower(id)] = true
					locs[importNorm(it.Location)] = id
					locs[strings.ToLower(id)] = id
					newLoc[id] = it.Location
				}
			}
			if id != "" {
				a.Location = id
			}
		}
	}
	for _, it := range res.Items {
		a := it.Asset
		if idPattern != nil && !idPattern.MatchString(a.ID) {
			problems = append(problems, snipeit.Problem{Row: it.Row, Line: it.Line, Column: "Asset Tag", Tag: a.ID, Severity: snipeit.Error,
				Reason: fmt.Sprintf("id %s does not match estate.yaml ids.asset %q", a.ID, idPattern.String())})
			continue
		}
		p := path.Join("inventory", a.Class, a.ID+".yaml")
		plan := importPlan{Row: it.Row, ID: a.ID, Kind: "Asset", Path: p}
		if old, ok := existing[strings.ToLower(a.ID)]; ok {
			if !o.update {
				problems = append(problems, snipeit.Problem{Row: it.Row, Line: it.Line, Column: "Asset Tag", Tag: a.ID, Severity: snipeit.Error,
					Reason: fmt.Sprintf("%s already exists at %s: not overwritten (pass --update to update it)", a.ID, old)})
				continue
			}
			prev, err := importReadAsset(root, old)
			if err != nil {
				problems = append(problems, snipeit.Problem{Row: it.Row, Line: it.Line, Tag: a.ID, Severity: snipeit.Error,
					Reason: fmt.Sprintf("%s exists at %s but cannot be read (%v): fix it first", a.ID, old, err)})
				continue
			}
			resolveLocation(it)
			row := a
			if it.StatusDefaulted {
				c := *a
				c.Status = "" // the row did not say: keep the record's
				row = &c
			}
			merged := snipeit.Merge(prev, row)
			if prev.Class != a.Class {
				problems = append(problems, snipeit.Problem{Row: it.Row, Line: it.Line, Column: "Category", Tag: a.ID, Severity: snipeit.Warning,
					Reason: fmt.Sprintf("the row says class %s, the record %s: the record keeps its class", a.Class, prev.Class)})
			}
			plan.Path = old
			if reflect.DeepEqual(merged, prev) {
				plan.Action = "unchanged"
				rep.Unchanged++
			} else {
				plan.Action, plan.data = "update", snipeit.MarshalAsset(merged)
				rep.Updated++
			}
		} else {
			resolveLocation(it)
			plan.Action, plan.data = "create", snipeit.MarshalAsset(a)
			rep.Created++
			existing[strings.ToLower(a.ID)] = p
		}
		rep.Plan = append(rep.Plan, plan)
	}
	locIDs := make([]string, 0, len(newLoc))
	for id := range newLoc {
		locIDs = append(locIDs, id)
	}
	sort.Strings(locIDs)
	for _, id := range locIDs {
		rep.Plan = append(rep.Plan, importPlan{ID: id, Kind: "Location", Action: "create",
			Path: path.Join("inventory", "locations", id+".yaml"), data: snipeit.MarshalLocation(id, newLoc[id])})
	}
	rep.NewLocations = len(locIDs)
	sort.SliceStable(problems, func(i, j int) bool { return problems[i].Row < problems[j].Row })
	rep.Problems = problems
	refused := map[int]bool{}
	for _, p := range problems {
		if p.Severity == snipeit.Error {
			refused[p.Row] = true
		} else {
			rep.Warnings++
		}
	}
	rep.Refused = len(refused)

	if !o.dryRun {
		if err := importWrite(root, rep.Plan); err != nil {
			return &ExitError{Code: ExitFailure, Err: err}
		}
	}
	if rep.Plan == nil {
		rep.Plan = []importPlan{}
	}
	if rep.Problems == nil {
		rep.Problems = []snipeit.Problem{}
	}
	if err := output.WriteTables(app.Stdout, o.format, rep, importTables(rep, o)...); err != nil {
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("write report: %w", err)}
	}
	if rep.Refused > 0 {
		return findingsErr()
	}
	return nil
}

func importTables(rep importReport, o *importOptions) []output.Table {
	verb := "wrote"
	if rep.DryRun {
		verb = "would write"
	}
	notes := []string{fmt.Sprintf("%s: %d rows; %s %d new and %d updated records (%d unchanged), %d new locations; %d rows refused, %d warnings.",
		rep.File, rep.Rows, verb, rep.Created, rep.Updated, rep.Unchanged, rep.NewLocations, rep.Refused, rep.Warnings)}
	if len(rep.Unused) > 0 {
		notes = append(notes, "Columns not imported (estate has no field for them): "+strings.Join(rep.Unused, ", ")+".")
	}
	if !rep.DryRun && rep.Created+rep.Updated > 0 {
		notes = append(notes, "Next: estate validate (deployed assets of managed classes need a baseline: baseline: in --map).")
	}
	probs := output.Table{Title: "Problems", Columns: output.Cols("Row", "Line", "Asset tag", "Column", "Severity", "Reason").Right(0, 1),
		Notes: notes}
	for i, p := range rep.Problems {
		r := []string{strconv.Itoa(p.Row), strconv.Itoa(p.Line), p.Tag, p.Column, p.Severity, p.Reason}
		if o.format == "csv" || i < o.maxProblem {
			probs.Rows = append(probs.Rows, r)
		}
	}
	if len(rep.Problems) > o.maxProblem && o.format != "csv" {
		probs.Notes = append(probs.Notes, fmt.Sprintf("Showing %d of %d problems: --format csv or json lists them all.", o.maxProblem, len(rep.Problems)))
	}
	tables := []output.Table{probs}
	if rep.DryRun {
		plan := output.Table{Title: "Would write", Columns: output.Cols("Row", "Action", "Kind", "Id", "Path").Right(0)}
		for _, p := range rep.Plan {
			row := ""
			if p.Row > 0 {
				row = strconv.Itoa(p.Row)
			}
			plan.Rows = append(plan.Rows, []string{row, p.Action, p.Kind, p.ID, p.Path})
		}
		tables = append(tables, plan)
	}
	return tables
}

func importNorm(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }

// importExistingAssets maps every asset id (lower case) under inventory/<class>/
// to its path, from file names.
func importExistingAssets(root *os.Root) (map[string]string, error) {
	out := map[string]string{}
	classes, err := fs.ReadDir(root.FS(), "inventory")
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list inventory: %w", err)
	}
	for _, c := range classes {
		if !c.IsDir() || c.Name() == "licences" || c.Name() == "locations" {
			continue
		}
		files, err := fs.ReadDir(root.FS(), "inventory/"+c.Name())
		if err != nil {
			return nil, fmt.Errorf("list inventory/%s: %w", c.Name(), err)
		}
		for _, f := range files {
			n := f.Name()
			if ext := path.Ext(n); ext == ".yaml" || ext == ".yml" {
				out[strings.ToLower(strings.TrimSuffix(n, ext))] = "inventory/" + c.Name() + "/" + n
			}
		}
	}
	return out, nil
}

// importExistingLocations maps location names and ids (normalized) to ids.
func importExistingLocations(root *os.Root) (map[string]string, error) {
	out := map[string]string{}
	files, err := fs.ReadDir(root.FS(), "inventory/locations")
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list inventory/locations: %w", err)
	}
	for _, f := range files {
		n := f.Name()
		ext := path.Ext(n)
		if ext != ".yaml" && ext != ".yml" {
			continue
		}
		id := strings.TrimSuffix(n, ext)
		out[strings.ToLower(id)] = id
		data, err := root.ReadFile("inventory/locations/" + n)
		if err != nil {
			continue // validate reports unreadable records
		}
		var l record.Location
		if yaml.Unmarshal(data, &l) == nil && l.Name != "" {
			if _, taken := out[importNorm(l.Name)]; !taken {
				out[importNorm(l.Name)] = id
			}
		}
	}
	return out, nil
}

// importIDPatterns are estate.yaml's ids.asset and ids.location,
// compiled; nil when not set.
func importIDPatterns(root *os.Root) (asset, location *regexp.Regexp, err error) {
	data, err := root.ReadFile("estate.yaml")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read estate.yaml: %w", err)
	}
	var set record.Settings
	if yaml.Unmarshal(data, &set) != nil || set.IDs == nil {
		return nil, nil, nil // a broken estate.yaml is validate's to report
	}
	compile := func(key, p string) (*regexp.Regexp, error) {
		if p == "" {
			return nil, nil
		}
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("estate.yaml: ids.%s %q: %w", key, p, err)
		}
		return re, nil
	}
	if asset, err = compile("asset", set.IDs.Asset); err != nil {
		return nil, nil, err
	}
	if location, err = compile("location", set.IDs.Location); err != nil {
		return nil, nil, err
	}
	return asset, location, nil
}

func importReadAsset(root *os.Root, p string) (*record.Asset, error) {
	data, err := root.ReadFile(p)
	if err != nil {
		return nil, err
	}
	node, fs := load.Parse(p, data)
	if fs != nil {
		return nil, errors.New(fs[0].Pos.String() + ": " + fs[0].Message)
	}
	var a record.Asset
	if err := node.Decode(&a); err != nil {
		return nil, err
	}
	return &a, nil
}

// importWrite writes the planned files: new ones with O_EXCL (an existing
// file is never overwritten by a create), updates through a temporary
// file and a rename. Two workers: file creation is the cost.
func importWrite(root *os.Root, plan []importPlan) error {
	// One os.Root per folder, opened once: a file is then created with a
	// single openat of its base name (no symlink can lead out of the
	// folder), instead of a walk of every path component per file.
	dirs := map[string]*os.Root{}
	defer func() {
		for _, r := range dirs {
			r.Close()
		}
	}()
	for _, p := range plan {
		d := path.Dir(p.Path)
		if p.data == nil || dirs[d] != nil {
			continue
		}
		if err := root.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("make %s: %w", d, err)
		}
		r, err := root.OpenRoot(d)
		if err != nil {
			return fmt.Errorf("open %s: %w", d, err)
		}
		dirs[d] = r
	}
	jobs := make(chan importPlan)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range jobs {
				if err := importWriteOne(dirs[path.Dir(p.Path)], path.Base(p.Path), p); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, p := range plan {
		if p.data != nil {
			jobs <- p
		}
	}
	close(jobs)
	wg.Wait()
	return firstErr
}

func importWriteOne(dir *os.Root, name string, p importPlan) error {
	if p.Action == "create" {
		f, err := dir.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return fmt.Errorf("create %s: %w", p.Path, err)
		}
		if _, err := f.Write(p.data); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", p.Path, err)
		}
		return f.Close()
	}
	tmp := name + ".estate-import.tmp"
	if err := dir.WriteFile(tmp, p.data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", p.Path+".estate-import.tmp", err)
	}
	if err := dir.Rename(tmp, name); err != nil {
		_ = dir.Remove(tmp)
		return fmt.Errorf("replace %s: %w", p.Path, err)
	}
	return nil
}
