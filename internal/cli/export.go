package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/snipeit"
)

type exportOptions struct {
	output  string
	rev     string
	classes []string
	status  []string
}

func newExportCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export the inventory for other tools",
		Example: `  # the inventory in Snipe-IT's CSV columns
  estate export csv > assets.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return usageErr("name the format: estate export csv")
		},
	}
	cmd.AddCommand(newExportCSVCmd(app))
	return cmd
}

func newExportCSVCmd(app *App) *cobra.Command {
	o := &exportOptions{}
	cmd := &cobra.Command{
		Use:   "csv",
		Short: "Write the assets as a Snipe-IT asset CSV (estate import snipeit reads it back)",
		Long: `Export csv writes every asset as one row of a CSV file in Snipe-IT's asset
import columns (Asset Tag, Item Name, Serial Number, Category, Manufacturer,
Model Name, Status, Location, Company, Supplier, Order Number, Purchase
Date, Purchase Cost, Warranty Months, Email, Notes), followed by the fields
Snipe-IT has no column for (Currency, Warranty Expires, Warranty Provider,
Hostname, OS, Baseline, Last Audit, Licences, Tags, Disposal Date, Disposal
Method, Disposal Certificate), so that estate import snipeit --update reads
it back unchanged (exemptions are not exported).

Statuses become Snipe-IT's default labels: in-stock and deployed are
"Ready to Deploy" (deployed ones checked out to their owner's Email),
loaned "Loaned", in-repair "Out for Repair", lost "Lost", stolen "Stolen",
retired "Archived", disposed "Disposed". Dates are YYYY-MM-DD; locations
are written by name. A cell that a spreadsheet would run as a formula
(starting with = + - @) gets a leading apostrophe. Rows are ordered by id.`,
		Example: `  # everything, for Snipe-IT or a spreadsheet
  estate export csv > assets.csv

  # deployed laptops only, as they were at a tag
  estate export csv --class laptop --status deployed --rev v2026.10 -o laptops.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runExportCSV(cmd, app, o) },
	}
	cmd.Flags().StringVarP(&o.output, "output", "o", "", "write to this file instead of standard output")
	cmd.Flags().StringVar(&o.rev, "rev", "", "export the estate at this git revision")
	cmd.Flags().StringSliceVar(&o.classes, "class", nil, "only these classes (repeat or comma-separate)")
	cmd.Flags().StringSliceVar(&o.status, "status", nil, "only these statuses (repeat or comma-separate)")
	return cmd
}

func runExportCSV(cmd *cobra.Command, app *App, o *exportOptions) error {
	for _, c := range o.classes {
		if err := checkChoice("class", c, snipeit.Classes...); err != nil {
			return err
		}
	}
	for _, s := range o.status {
		if err := checkChoice("status", s, snipeit.States...); err != nil {
			return err
		}
	}
	est, err := loadReportEstate(cmd.Context(), app, o.rev)
	if err != nil {
		return err
	}
	var assets []*record.Asset
	for _, a := range est.SortedAssets() {
		if (len(o.classes) == 0 || exportHas(o.classes, a.Class)) && (len(o.status) == 0 || exportHas(o.status, a.Status)) {
			assets = append(assets, a)
		}
	}
	var w io.Writer = app.Stdout
	var f *os.File
	if o.output != "" && o.output != "-" {
		if f, err = os.Create(o.output); err != nil {
			return inputErr(fmt.Errorf("create %s: %w", o.output, err), "")
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
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("export csv: %w", err)}
	}
	if o.output != "" && o.output != "-" {
		fmt.Fprintf(app.Stderr, "estate: wrote %d assets to %s\n", len(assets), strings.TrimSpace(o.output))
	}
	return nil
}

func exportHas(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
