package cli

import (
	"context"

	"github.com/spf13/cobra"

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
			o.pull.Getenv, o.pull.Now = app.Getenv, app.Now()
			in, probs, from, err := people.Pull(cmd.Context(), args[0], o.pull)
			if err != nil {
				return coreErr(err)
			}
			o.Dir, o.Source, o.From = app.Dir(), args[0], from
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
			in, probs, err := people.ReadCSVFile(args[0])
			if err != nil {
				return coreErr(err)
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
	if rep == nil {
		return coreErr(err)
	}
	werr := output.WriteTables(app.Stdout, o.format, rep, people.Tables(rep)...)
	if err != nil {
		return coreErr(err)
	}
	return exitOf(werr, rep.Refused)
}
