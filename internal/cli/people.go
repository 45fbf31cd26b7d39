package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/intake"
	"github.com/estate-dev/estate/internal/output"
	"github.com/estate-dev/estate/internal/people"
)

func newPeopleCmd(app *App) *cobra.Command {
	return group("people", "Write Person records from the directory the organisation runs", newPeoplePullCmd(app))
}

// peopleOptions are the flags of people pull and import people.
type peopleOptions struct {
	people.Options
	pull   intake.PullOptions
	format string
}

func newPeoplePullCmd(app *App) *cobra.Command {
	o := &peopleOptions{}
	cmd := &cobra.Command{
		Use:   "pull entra|google",
		Short: "Pull people from Entra ID (Graph GET /users) or Google Workspace (Directory users), read-only; credentials from the environment",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkChoice("source", args[0], "entra", "google"); err != nil {
				return err
			}
			o.Dir, o.Source = app.Dir(), args[0]
			o.pull.Getenv, o.pull.Now = app.Getenv, app.Now()
			var in []people.Input
			var failed string
			var err error
			if args[0] == "google" {
				o.From = "Google Workspace"
				var users []intake.GoogleUser
				users, failed, err = intake.PullGoogleUsers(cmd.Context(), o.pull)
				in = people.FromGoogle(users)
			} else {
				o.From = "Entra ID"
				var users []intake.EntraUser
				users, failed, err = intake.PullEntraUsers(cmd.Context(), o.pull)
				in = people.FromEntra(users, o.pull.Now)
			}
			if err != nil {
				return &ExitError{Code: ExitUsage, Err: err}
			}
			var probs []people.Problem
			if failed != "" {
				probs = append(probs, people.Problem{Severity: "error", Reason: failed})
			}
			return writePeople(cmd.Context(), app, o, in, probs)
		},
	}
	f := cmd.Flags()
	formatFlag(cmd, &o.format, "text", "json", "markdown", "csv")
	f.StringVar(&o.pull.APIURL, "api-url", "", "entra: the Graph base URL (default "+intake.GraphURL+"); google: the Admin SDK's (default "+intake.GoogleURL+")")
	f.StringVar(&o.pull.TokenURL, "token-url", "", "entra: the OAuth authority, before /{tenant} (default "+intake.EntraURL+"); google: the token endpoint (default the key's token_uri)")
	f.StringVar(&o.pull.Customer, "customer", "", "google: the Workspace customer id (default my_customer)")
	f.StringVar(&o.pull.Subject, "subject", "", "google: the admin the service account acts for (default $GOOGLE_ADMIN_EMAIL)")
	f.BoolVar(&o.DryRun, "dry-run", false, "show what would be written; write nothing")
	return cmd
}

func newImportPeopleCmd(app *App) *cobra.Command {
	o := &peopleOptions{}
	cmd := &cobra.Command{
		Use:   "people FILE.csv",
		Short: "Import people from a CSV (email, name, github, team, manager, location, status, left)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return coreErr(core.UsageError(fmt.Errorf("read %s: %w", args[0], err), ""))
			}
			in, probs, err := people.ReadCSV(data)
			if err != nil {
				return coreErr(core.UsageError(fmt.Errorf("%s:%w", args[0], err), "the header row names the columns: "+fmt.Sprint(people.Columns)))
			}
			o.Dir, o.Source, o.From = app.Dir(), "csv", args[0]
			return writePeople(cmd.Context(), app, o, in, probs)
		},
	}
	formatFlag(cmd, &o.format, "text", "json", "markdown", "csv")
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "show what would be written; write nothing")
	return cmd
}

func writePeople(ctx context.Context, app *App, o *peopleOptions, in []people.Input, probs []people.Problem) error {
	rep, err := people.Write(ctx, o.Options, in, probs)
	if rep != nil {
		if werr := output.WriteTables(app.Stdout, o.format, rep, people.Tables(rep)...); werr != nil && err == nil {
			return &ExitError{Code: ExitFailure, Err: fmt.Errorf("write report: %w", werr)}
		}
	}
	if err != nil {
		return coreErr(err)
	}
	if rep.Refused > 0 {
		return findingsErr()
	}
	return nil
}
