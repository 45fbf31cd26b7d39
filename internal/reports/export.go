package reports

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/snipeit"
)

// ExportOptions say what `estate export csv` writes, and where.
type ExportOptions struct {
	Env
	// Rev is a git revision to read the estate at ("" = the working tree).
	Rev string
	// Classes and Statuses, when set, keep only the assets of those
	// classes and statuses.
	Classes, Statuses []string
	// Output is the file to write ("" or "-": Stdout).
	Output string
	// Stdout is where the CSV goes without Output.
	Stdout io.Writer
}

// ToFile reports whether the export goes to a file rather than Stdout.
func (o ExportOptions) ToFile() bool { return o.Output != "" && o.Output != "-" }

// ExportCSV writes the estate's assets, ordered by id, as a Snipe-IT asset
// CSV (snipeit.Export: every cell formula-safe) and returns how many it
// wrote. A file that cannot be created is an error in the request
// (core.ErrUsage).
func ExportCSV(ctx context.Context, o ExportOptions) (int, error) {
	est, err := o.open(ctx, o.Rev)
	if err != nil {
		return 0, err
	}
	var assets []*record.Asset
	for _, a := range est.SortedAssets() {
		if (len(o.Classes) == 0 || slices.Contains(o.Classes, a.Class)) && (len(o.Statuses) == 0 || slices.Contains(o.Statuses, a.Status)) {
			assets = append(assets, a)
		}
	}
	w := o.Stdout
	var f *os.File
	if o.ToFile() {
		if f, err = os.Create(o.Output); err != nil {
			return 0, core.UsageError(fmt.Errorf("create %s: %w", o.Output, err), "")
		}
		w = f
	}
	locName := func(id string) string {
		if l, ok := est.Locations[id]; ok {
			return l.Name
		}
		return ""
	}
	err = snipeit.Export(w, assets, locName)
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return 0, fmt.Errorf("export csv: %w", err)
	}
	return len(assets), nil
}
