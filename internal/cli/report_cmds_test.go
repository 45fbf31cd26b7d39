package cli

import (
	"context"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/reports"
)

// parse runs cmd on args with its runF replaced by capture, and returns
// the error (nil when the options reached runF).
func parse(t *testing.T, cmd *cobra.Command, args ...string) error {
	t.Helper()
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	return cmd.ExecuteContext(context.Background())
}

// capture returns a runF that keeps the options it is given, and a
// pointer to them.
func capture[O any]() (func(context.Context, *App, *O) error, **O) {
	var got *O
	return func(_ context.Context, _ *App, o *O) error { c := *o; got = &c; return nil }, &got
}

func TestLicencesFlags(t *testing.T) {
	app, _ := reportApp(t.TempDir())
	for _, c := range []struct {
		args []string
		want *licencesOptions // nil: a usage error
	}{
		{nil, &licencesOptions{LicencesOptions: reports.LicencesOptions{ExpiringWithin: 90}, reportFlags: reportFlags{Format: "text", failOn: "never"}}},
		{[]string{"--facts", "./collected", "--rev", "v1", "--expiring-within", "30", "--format", "csv", "--fail-on", "high"},
			&licencesOptions{LicencesOptions: reports.LicencesOptions{Facts: "./collected", Rev: "v1", ExpiringWithin: 30}, reportFlags: reportFlags{Format: "csv", FailOn: record.SevHigh, failOn: "high"}}},
		{[]string{"--fail-on", "never", "--format", "json"}, &licencesOptions{LicencesOptions: reports.LicencesOptions{ExpiringWithin: 90}, reportFlags: reportFlags{Format: "json", failOn: "never"}}},
		{[]string{"--format", "sarif"}, nil},
		{[]string{"--fail-on", "loud"}, nil},
		{[]string{"--expiring-within", "0"}, nil},
		{[]string{"extra"}, nil},
	} {
		runF, got := capture[licencesOptions]()
		err := parse(t, licencesCommand(app, runF), c.args...)
		checkParsed(t, c.args, err, *got, c.want)
	}
}

func TestForecastFlags(t *testing.T) {
	app, _ := reportApp(t.TempDir())
	for _, c := range []struct {
		args []string
		want *forecastOptions
	}{
		{nil, &forecastOptions{ForecastOptions: reports.ForecastOptions{Months: 12}, Format: "text", By: "month"}},
		{[]string{"--horizon", "2y", "--by", "quarter", "--format", "csv", "--rev", "main"},
			&forecastOptions{ForecastOptions: reports.ForecastOptions{Months: 24, Rev: "main"}, Format: "csv", By: "quarter"}},
		{[]string{"--horizon", "4q", "--by", "asset"}, &forecastOptions{ForecastOptions: reports.ForecastOptions{Months: 12}, Format: "text", By: "asset"}},
		{[]string{"--horizon", "soon"}, nil},
		{[]string{"--by", "year"}, nil},
		{[]string{"--format", "html"}, nil},
	} {
		runF, got := capture[forecastOptions]()
		err := parse(t, forecastCommand(app, runF), c.args...)
		checkParsed(t, c.args, err, *got, c.want)
	}
}

func TestReportFlags(t *testing.T) {
	app, _ := reportApp(t.TempDir())
	for _, c := range []struct {
		args []string
		want *reportOptions
	}{
		{nil, &reportOptions{StatusOptions: reports.StatusOptions{Period: "month", Trend: "month"}, Format: "text"}},
		{[]string{"--as-of", "2026-09-30", "--period", "quarter", "--ref", "refs/x", "--format", "html", "--trend", "week"},
			&reportOptions{StatusOptions: reports.StatusOptions{AsOf: "2026-09-30", Period: "quarter", Ref: "refs/x", Trend: "week"}, Format: "html"}},
		{[]string{"--format", "pdf"}, nil},
		{[]string{"--period", "week"}, nil},
		{[]string{"--trend", "quarter"}, nil},
	} {
		runF, got := capture[reportOptions]()
		err := parse(t, reportCommand(app, runF), c.args...)
		checkParsed(t, c.args, err, *got, c.want)
	}
}

func TestExportCSVFlags(t *testing.T) {
	app, _ := reportApp(t.TempDir())
	for _, c := range []struct {
		args []string
		want *reports.ExportOptions
	}{
		{nil, &reports.ExportOptions{}},
		{[]string{"--class", "laptop,desktop", "--status", "deployed", "--status", "loaned", "--rev", "v2026.10", "-o", "laptops.csv"},
			&reports.ExportOptions{Classes: []string{"laptop", "desktop"}, Statuses: []string{"deployed", "loaned"}, Rev: "v2026.10", Output: "laptops.csv"}},
		{[]string{"--class", "spaceship"}, nil},
		{[]string{"--status", "deploy"}, nil},
	} {
		runF, got := capture[reports.ExportOptions]()
		err := parse(t, exportCSVCommand(app, runF), c.args...)
		checkParsed(t, c.args, err, *got, c.want)
	}
}

// checkParsed compares the options a command line produced with want (a
// usage error when want is nil).
func checkParsed[O any](t *testing.T, args []string, err error, got, want *O) {
	t.Helper()
	line := strings.Join(args, " ")
	if want == nil {
		if err == nil || got != nil {
			t.Errorf("%q: ran with %+v, want a usage error", line, got)
		} else if !isExit(err, ExitUsage) && !strings.Contains(err.Error(), "unknown") && !strings.Contains(err.Error(), "invalid") &&
			!strings.Contains(err.Error(), "accepts 0 arg") {
			t.Errorf("%q: %v, want a usage error", line, err)
		}
		return
	}
	if err != nil {
		t.Errorf("%q: %v", line, err)
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%q:\n got %+v\nwant %+v", line, got, want)
	}
}
