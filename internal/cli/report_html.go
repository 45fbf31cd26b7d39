package cli

import (
	"errors"
	"io"

	"github.com/spf13/cobra"
)

// writeHTMLReport writes `estate report --format html` (issue 6): one
// self-contained HTML file. estate report (report.go) calls it.
func writeHTMLReport(cmd *cobra.Command, app *App, asOf string, w io.Writer) error {
	return &ExitError{Code: ExitFailure, Err: errors.New("the HTML report is not built yet")}
}
