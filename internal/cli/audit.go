package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/audit"
	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/facts"
	"github.com/estate-dev/estate/internal/output"
	"github.com/estate-dev/estate/internal/record"
)

type auditOptions struct {
	format       string
	failOn       string
	factsDir     string
	collect      string
	missingAfter int
	ssh          sshFlags
}

func newAuditCmd(app *App) *cobra.Command {
	o := &auditOptions{}
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Audit device facts against the inventory and the baselines",
		Long: `Audit compares real device state (facts) with the estate.

Physical audit: devices seen that are not in the inventory (unregistered),
deployed assets not seen for --missing-after days (missing), serial,
hostname, model and owner mismatches, and assets seen whose status says
retired, disposed, lost or stolen.

Functional audit: every control of each device's baseline (with the
baselines it extends) is evaluated with the check operators; exemptions in
the asset record are honoured until they expire. A fact the collector could
not read is "unverified", never passed.

Every finding names the asset, control, severity, what was expected and
observed, the evidence (collector and time) and an owner (the asset's, or
the baseline's). The report ends with a compliance summary per baseline,
control and location (in text, markdown and json).

Facts come from --facts DIR (default: the repository's facts/ folder, as
written by 'estate facts collect'), or are collected for this run with
--collect local (this machine) or --collect ssh (every deployed asset with
a hostname, see 'estate facts collect --help' for the ssh flags).

Exit status: 0 nothing at or above --fail-on, 1 findings at or above it,
2 usage or input error, 3 estate could not run.`,
		Example: `  # audit the facts in facts/ against this estate
  estate audit

  # in CI: SARIF for code scanning, fail on high and critical findings
  estate audit --format sarif --fail-on high > audit.sarif

  # audit the machine estate runs on
  estate audit --collect local

  # facts exported from an MDM, as markdown for a report
  estate audit --facts ./mdm-export --format markdown`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runAudit(cmd, app, o) },
	}
	formatFlag(cmd, &o.format, "text", "json", "markdown", "sarif", "junit", "github")
	failOnFlag(cmd, &o.failOn, "high")
	cmd.Flags().StringVar(&o.factsDir, "facts", "", "folder of facts documents (default: facts/ in the repository)")
	cmd.Flags().StringVar(&o.collect, "collect", "", "collect facts for this run instead: local or ssh")
	cmd.Flags().IntVar(&o.missingAfter, "missing-after", 0, "days after which a deployed asset not seen is missing (default: estate.yaml audit.missing_after_days, or 30)")
	o.ssh.register(cmd)
	cmd.MarkFlagsMutuallyExclusive("facts", "collect")
	return cmd
}

func runAudit(cmd *cobra.Command, app *App, o *auditOptions) error {
	if err := checkChoice("format", o.format, "text", "json", "markdown", "sarif", "junit", "github"); err != nil {
		return err
	}
	if o.collect != "" {
		if err := checkChoice("collect", o.collect, "local", "ssh"); err != nil {
			return err
		}
	}
	if o.missingAfter < 0 {
		return usageErr("--missing-after must be a number of days, at least 1")
	}
	failOn, err := parseFailOn(o.failOn)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	est, err := core.Open(ctx, core.Options{Dir: app.Dir(), Now: app.Now(), Log: app.Log})
	if err != nil {
		return coreErr(err)
	}
	defer est.Close()
	if n := len(est.Findings); n > 0 {
		app.Log.Warn("the estate has validation problems; run 'estate validate'", "problems", n)
	}
	e, res, dir := est.Estate, est, est

	var devices []record.Device
	var findings []record.Finding
	partial := false
	switch o.collect {
	case "local":
		d, err := facts.CollectLocal(ctx, facts.LocalOptions{Now: app.Now()})
		if err != nil {
			return &ExitError{Code: ExitFailure, Err: err}
		}
		devices, partial = []record.Device{d}, true
	case "ssh":
		targets := inventoryTargets(e)
		if len(targets) == 0 {
			return inputErr(errors.New("no deployed asset has a hostname to collect from"), "give deployed assets a hostname, or use --facts")
		}
		got, failed, err := o.ssh.collect(cmd, app, targets)
		if err != nil {
			return err
		}
		// Only hosts with a hostname were asked: the others are not missing.
		devices, partial = got, true
		findings = append(findings, failureFindings(e, failed)...)
	default:
		fdir, prefix := o.factsDir, ""
		if fdir == "" {
			fdir, prefix = filepath.Join(app.Dir(), "facts"), "facts/"
			if _, err := os.Stat(fdir); errors.Is(err, fs.ErrNotExist) {
				return inputErr(fmt.Errorf("no facts to audit: %s does not exist", fdir),
					"collect them with 'estate facts collect', name a folder with --facts, or use --collect local")
			}
		} else if rel, ok := insideRepo(dir.Root, fdir); ok {
			prefix = rel + "/"
		}
		got, fs, err := facts.ReadDir(ctx, fdir, facts.ReadOptions{Schema: res.Schema, Prefix: prefix})
		if err != nil {
			return inputErr(err, "name a folder of facts documents with --facts")
		}
		devices, findings = got, append(findings, fs...)
	}

	ad := make([]record.Device, len(devices))
	for i, d := range devices {
		ad[i] = record.Device{Source: d.Source, Facts: d.Facts}
	}
	opts := audit.Options{Now: app.Now(), Partial: partial}
	if o.missingAfter > 0 {
		opts.MissingAfter = time.Duration(o.missingAfter) * 24 * time.Hour
	}
	out := audit.Run(e, ad, opts)
	findings = append(findings, out.Findings...)
	est.Place(ctx, findings)

	s := out.Summary
	rep := output.Report{Tool: "audit", Version: Version, Findings: findings, FailOn: failOn,
		Summary: map[string]int{"devices": s.Devices, "assets": s.Assets, "unregistered": s.Unregistered,
			"missing": s.Missing, "compliant": s.Compliant, "non-compliant": s.NonCompliant, "unverified": s.Unverified}}
	if err := writeAudit(app.Stdout, o.format, rep, s, app.TTY); err != nil {
		return &ExitError{Code: ExitFailure, Err: err}
	}
	if rep.Failing() > 0 {
		return findingsErr()
	}
	return nil
}

// insideRepo returns p relative to root when p lies inside it.
func insideRepo(root, p string) (string, bool) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", false
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return filepath.ToSlash(rel), true
}

// auditJSON is the stable shape of 'estate audit --format json': the
// shared report fields plus the compliance summary.
type auditJSON struct {
	output.JSONReport
	Compliance audit.Summary `json:"compliance"`
}

func writeAudit(w io.Writer, format string, rep output.Report, s audit.Summary, color bool) error {
	switch format {
	case "json":
		fs := rep.Findings
		if fs == nil {
			fs = []record.Finding{}
		}
		by := map[string]int{}
		for _, f := range fs {
			by[f.Severity.String()]++
		}
		if s.Baselines == nil {
			s.Baselines = []audit.BaselineSummary{}
		}
		if s.Locations == nil {
			s.Locations = []audit.LocationSummary{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(auditJSON{JSONReport: output.JSONReport{Tool: "estate audit", Version: rep.Version,
			OK: rep.Failing() == 0, Summary: rep.Summary, BySeverity: by, Findings: fs}, Compliance: s})
	case "text":
		if err := output.Write(w, format, rep, output.Options{Color: color}); err != nil {
			return err
		}
		writeComplianceText(w, s)
		return nil
	case "markdown":
		if err := output.Write(w, format, rep, output.Options{}); err != nil {
			return err
		}
		writeComplianceMarkdown(w, s)
		return nil
	}
	return output.Write(w, format, rep, output.Options{Color: color})
}

func pct(n, of int) string {
	if of == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(n)/float64(of))
}

func writeComplianceText(w io.Writer, s audit.Summary) {
	fmt.Fprintf(w, "\ncompliance: %d devices reported, %d matched to an asset, %d unregistered; %d assets expected to report, %d missing\n",
		s.Devices, s.Seen, s.Unregistered, s.Assets, s.Missing)
	if len(s.Baselines) > 0 {
		fmt.Fprintf(w, "\n%-20s %8s %10s %13s %10s %9s\n", "BASELINE", "DEVICES", "COMPLIANT", "NON-COMPLIANT", "UNVERIFIED", "SCORE")
		for _, b := range s.Baselines {
			fmt.Fprintf(w, "%-20s %8d %10d %13d %10d %9s\n", b.Name+" "+b.Version, b.Devices, b.Compliant, b.NonCompliant, b.Unverified, pct(b.Compliant, b.Devices))
		}
		fmt.Fprintf(w, "\n%-20s %-14s %-9s %6s %6s %7s %8s\n", "BASELINE", "CONTROL", "SEVERITY", "PASS", "FAIL", "EXEMPT", "UNKNOWN")
		for _, b := range s.Baselines {
			ctls := append([]audit.ControlSummary(nil), b.Controls...)
			sort.SliceStable(ctls, func(i, j int) bool { return ctls[i].Fail > ctls[j].Fail })
			for _, c := range ctls {
				if c.Fail == 0 && c.Unknown == 0 && c.Exempt == 0 {
					continue
				}
				fmt.Fprintf(w, "%-20s %-14s %-9s %6d %6d %7d %8d\n", b.Name, c.ID, c.Severity, c.Pass, c.Fail, c.Exempt, c.Unknown)
			}
		}
	}
	if len(s.Locations) > 0 {
		fmt.Fprintf(w, "\n%-16s %7s %6s %8s %10s %13s %10s\n", "LOCATION", "ASSETS", "SEEN", "MISSING", "COMPLIANT", "NON-COMPLIANT", "UNVERIFIED")
		for _, l := range s.Locations {
			fmt.Fprintf(w, "%-16s %7d %6d %8d %10d %13d %10d\n", l.ID, l.Assets, l.Seen, l.Missing, l.Compliant, l.NonCompliant, l.Unverified)
		}
	}
}

func writeComplianceMarkdown(w io.Writer, s audit.Summary) {
	cell := output.MarkdownCell
	fmt.Fprintf(w, "\n### Compliance\n\n%d devices reported, %d matched to an asset, %d unregistered; %d assets expected to report, %d missing.\n",
		s.Devices, s.Seen, s.Unregistered, s.Assets, s.Missing)
	if len(s.Baselines) > 0 {
		fmt.Fprintln(w, "\n| Baseline | Devices | Compliant | Non-compliant | Unverified | Score |\n| --- | ---: | ---: | ---: | ---: | ---: |")
		for _, b := range s.Baselines {
			fmt.Fprintf(w, "| %s %s | %d | %d | %d | %d | %s |\n", cell(b.Name), cell(b.Version), b.Devices, b.Compliant, b.NonCompliant, b.Unverified, pct(b.Compliant, b.Devices))
		}
		fmt.Fprintln(w, "\n| Baseline | Control | Title | Severity | Pass | Fail | Exempt | Unknown |\n| --- | --- | --- | --- | ---: | ---: | ---: | ---: |")
		for _, b := range s.Baselines {
			for _, c := range b.Controls {
				fmt.Fprintf(w, "| %s | %s | %s | %s | %d | %d | %d | %d |\n", cell(b.Name), cell(c.ID), cell(c.Title), c.Severity, c.Pass, c.Fail, c.Exempt, c.Unknown)
			}
		}
	}
	if len(s.Locations) > 0 {
		fmt.Fprintln(w, "\n| Location | Assets | Seen | Missing | Compliant | Non-compliant | Unverified |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
		for _, l := range s.Locations {
			name := l.ID
			if l.Name != "" {
				name += " (" + l.Name + ")"
			}
			fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %d | %d |\n", cell(name), l.Assets, l.Seen, l.Missing, l.Compliant, l.NonCompliant, l.Unverified)
		}
	}
}

// failureFindings turns devices that could not be collected into
// findings, at the asset's record when the host came from the inventory.
func failureFindings(e *record.Estate, failed []facts.Failure) []record.Finding {
	paths := map[string]string{}
	for _, r := range e.Records {
		if r.Kind == record.KindAsset {
			paths[r.ID] = r.Path
		}
	}
	var out []record.Finding
	for _, f := range failed {
		pos := f.Pos
		if pos.File == "" {
			pos.File = f.Source
		}
		fd := record.Finding{Pos: pos, Rule: facts.RuleDevice, Severity: record.SevHigh,
			Message: f.Source + " was not collected: " + f.Reason}
		if p := paths[f.Asset]; p != "" {
			fd.Pos, fd.Record, fd.Field = record.Pos{File: p}, f.Asset, "hostname"
			fd.Owner = e.Assets[f.Asset].Owner
			fd.Message = f.Asset + " (" + f.Source + ") was not collected: " + f.Reason
		}
		out = append(out, fd)
	}
	return out
}
