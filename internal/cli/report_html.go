package cli

import (
	"context"
	"io"

	"github.com/estate-dev/estate/internal/htmlreport"
	"github.com/estate-dev/estate/internal/reports"
)

// writeHTMLReport writes `estate report --format html`: one
// self-contained HTML file of the data reports.HTML gathers (o.Env is
// the app's).
func writeHTMLReport(ctx context.Context, app *App, o reports.HTMLOptions, w io.Writer) error {
	o.Env = app.reportEnv()
	d, err := reports.HTML(ctx, o)
	if err != nil {
		return coreErr(err)
	}
	if err := htmlreport.Write(w, d); err != nil {
		return &ExitError{Code: ExitFailure, Err: err}
	}
	return nil
}
