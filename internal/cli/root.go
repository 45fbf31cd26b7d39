package cli

import (
	"fmt"
	"log/slog"
	"os"
	"runtime/pprof"
	"strings"

	"github.com/estate-dev/estate/internal/version"
	"github.com/spf13/cobra"
)

// Version is estate's module version (internal/version: from the build
// information; a release build sets it with -ldflags "-X
// github.com/estate-dev/estate/internal/version.Override=v1.2.3").
var Version = version.Get().Version

func newRootCmd(app *App) *cobra.Command {
	root := &cobra.Command{
		Use:           "estate",
		Short:         "Configuration management as code for an IT estate",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRun: func(cmd *cobra.Command, args []string) {
			level := slog.LevelWarn
			if app.verbose {
				level = slog.LevelDebug
			}
			app.Log = slog.New(slog.NewTextHandler(app.Stderr, &slog.HandlerOptions{Level: level}))
			if app.cpuProfile != "" {
				if f, err := os.Create(app.cpuProfile); err == nil {
					pprof.StartCPUProfile(f)
					app.stopProfile = func() { pprof.StopCPUProfile(); f.Close() }
				}
			}
		},
	}
	root.PersistentFlags().StringVarP(&app.dir, "repo", "C", ".", "the estate repository's directory")
	root.PersistentFlags().BoolVarP(&app.verbose, "verbose", "v", false, "log what estate does on standard error")
	root.PersistentFlags().StringVar(&app.cpuProfile, "cpuprofile", "", "write a CPU profile to this file (for performance reports)")
	root.PersistentFlags().MarkHidden("cpuprofile")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &ExitError{Code: ExitUsage, Err: err, Hint: fmt.Sprintf("run '%s --help' for usage", c.CommandPath())}
	})

	// One line per command; each lives in its own file.
	root.AddCommand(
		newVersionCmd(app),
		newValidateCmd(app),
		newSchemaCmd(app),
		newInitCmd(app),
		newSynthCmd(app),
		newLicencesCmd(app),
		newForecastCmd(app),
		newLedgerCmd(app),
		newHistoryCmd(app),
		newReportCmd(app),
		newChangeCmd(app),
		newImportCmd(app),
		newPeopleCmd(app),
		newExportCmd(app),
		newFactsCmd(app),
		newAuditCmd(app),
		newIncidentsCmd(app),
		newEvidenceCmd(app),
		newProblemsCmd(app),
		newLayoutCmd(app),
	)
	applyHelp(root)
	return root
}

func newVersionCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print estate's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintf(app.Stdout, "estate %s\n", version.Get())
			return nil
		},
	}
}

// group is a command that only holds others: run alone it is a usage
// error (exit 2) that names them, the same for every group.
func group(use, short string, subs ...*cobra.Command) *cobra.Command {
	cmd := &cobra.Command{Use: use, Short: short, Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var names []string
			for _, s := range cmd.Commands() {
				if s.IsAvailableCommand() {
					names = append(names, cmd.CommandPath()+" "+s.Use)
				}
			}
			return &ExitError{Code: ExitUsage, Err: fmt.Errorf("name a command: %s", strings.Join(names, ", ")), Hint: "run '" + cmd.CommandPath() + " --help' for usage"}
		}}
	cmd.AddCommand(subs...)
	return cmd
}
