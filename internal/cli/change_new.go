package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/estate-dev/estate/internal/record"
)

// --- change new ---------------------------------------------------------

type newOptions struct {
	planOptions
	id, title, typ, risk, reason string
}

// crID is a change request id: CR-YYYY-NNNN.
var crID = regexp.MustCompile(`^CR-[0-9]{4}-[0-9]{4,6}$`)

func newChangeNewCmd(app *App) *cobra.Command {
	o := &newOptions{}
	cmd := &cobra.Command{
		Use:   "new",
		Short: "Scaffold changes/CR-YYYY-NNNN.yaml for the current branch's diff",
		Long: `New writes a change request for the records the current branch changes
(against its merge base with the default branch, or --base): the next free
id of the year, the affected records filled in, the computed risk as the
declared one, and the change type (standard when the catalogue matches).
It never overwrites a file; fill in the reason and backout, then commit.`,
		Example: `  estate change new --title "Raise the macOS minimum to 14.5"
  estate change new --id CR-2026-0042 --type emergency --risk high`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runChangeNew(cmd.Context(), app, o)
		},
	}
	planFlags(cmd, &o.planOptions)
	cmd.Flags().StringVar(&o.id, "id", "", "the change request's id, CR-YYYY-NNNN (default: the next free one of this year)")
	cmd.Flags().StringVar(&o.title, "title", "", "a one-line title (default: a placeholder to edit)")
	cmd.Flags().StringVar(&o.typ, "type", "", "standard, normal or emergency (default: from the plan)")
	cmd.Flags().StringVar(&o.risk, "risk", "", "low, medium, high or critical (default: the computed risk)")
	cmd.Flags().StringVar(&o.reason, "reason", "", "why the change is made (default: a placeholder to edit)")
	return cmd
}

func runChangeNew(ctx context.Context, app *App, o *newOptions) error {
	if o.id != "" && !crID.MatchString(o.id) {
		return usageErr("--id %q is not a change request id (CR-YYYY-NNNN)", o.id)
	}
	if o.typ != "" {
		if err := checkChoice("type", o.typ, "standard", "normal", "emergency"); err != nil {
			return err
		}
	}
	if o.risk != "" {
		if err := checkChoice("risk", o.risk, "low", "medium", "high", "critical"); err != nil {
			return err
		}
	}
	pr, err := makePlan(ctx, app, &o.planOptions)
	if err != nil {
		return err
	}
	p := pr.plan
	if p.Request != nil {
		return inputErr(fmt.Errorf("the branch already has change request %s (%s)", p.Request.ID, p.RequestPath), "edit that file instead")
	}
	var ids []string
	for _, rc := range p.Records {
		if rc.Kind != record.KindChangeRequest && rc.ID != "" {
			ids = append(ids, rc.ID)
		}
	}
	if len(ids) == 0 {
		return inputErr(errors.New("the branch changes no record"), "commit the record changes first, then run estate change new")
	}
	sort.Strings(ids)
	root := pr.repo.Root
	if root == "" {
		return &ExitError{Code: ExitFailure, Err: errors.New("write change request: the repository has no working tree")}
	}
	dir, err := os.OpenRoot(root)
	if err != nil {
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("open repository: %w", err)}
	}
	defer dir.Close()
	if err := dir.MkdirAll("changes", 0o755); err != nil {
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("create changes/: %w", err)}
	}
	now := app.Now().UTC()
	id := o.id
	if id == "" {
		id = nextCRID(dir, now.Year())
	}
	typ := o.typ
	if typ == "" {
		typ = p.Type
	}
	risk := o.risk
	if risk == "" {
		risk = p.ComputedRisk
	}
	title := o.title
	if title == "" {
		title = "TODO: say what the change does"
	}
	reason := o.reason
	if reason == "" {
		reason = "TODO: say why the change is needed"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: estate/v1\nkind: ChangeRequest\nid: %s\ntitle: %s\ntype: %s\n", id, yamlString(title), typ)
	if typ == "standard" && p.Standard != nil {
		fmt.Fprintf(&b, "template: %s\n", p.Standard.ID)
	}
	fmt.Fprintf(&b, "reason: %s\nrisk: %s\n", yamlString(reason), risk)
	if typ == "emergency" && p.ReviewDue != "" {
		fmt.Fprintf(&b, "review_due: %s\n", p.ReviewDue)
	}
	fmt.Fprintf(&b, "backout: %s\nrecords:\n", yamlString("Revert this pull request."))
	for _, r := range ids {
		fmt.Fprintf(&b, "  - %s\n", r)
	}
	name := "changes/" + id + ".yaml"
	f, err := dir.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		return inputErr(fmt.Errorf("%s exists; estate never overwrites a change request", name), "pick another --id")
	}
	if err != nil {
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("write %s: %w", name, err)}
	}
	_, err = io.WriteString(f, b.String())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("write %s: %w", name, err)}
	}
	fmt.Fprintf(app.Stdout, "wrote %s (%s change, risk %s, %d record(s)); fill in the title, reason and backout, then commit it\n", name, typ, risk, len(ids))
	return nil
}

// nextCRID returns the first CR-YEAR-NNNN after those in changes/.
func nextCRID(dir *os.Root, year int) string {
	prefix := fmt.Sprintf("CR-%d-", year)
	max := 0
	if f, err := dir.Open("changes"); err == nil {
		names, _ := f.Readdirnames(-1)
		f.Close()
		for _, n := range names {
			var k int
			if strings.HasPrefix(n, prefix) {
				if _, err := fmt.Sscanf(strings.TrimPrefix(n, prefix), "%d", &k); err == nil && k > max {
					max = k
				}
			}
		}
	}
	return fmt.Sprintf("%s%04d", prefix, max+1)
}

// yamlString quotes s as a YAML scalar (double-quoted, escaped).
func yamlString(s string) string {
	out, err := yaml.Marshal(s)
	if err != nil {
		return `""`
	}
	v := strings.TrimSuffix(string(out), "\n")
	if strings.Contains(v, "\n") {
		return fmt.Sprintf("%q", s)
	}
	return v
}
