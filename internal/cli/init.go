package cli

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/scaffold"
)

type initOptions struct {
	scaffold.InitOptions
}

func newInitCmd(app *App) *cobra.Command { return newInitCmdF(app, nil) }

// newInitCmdF builds the command; runF, when set, is called with the
// options instead of writing the estate (flag-parsing tests).
func newInitCmdF(app *App, runF func(*initOptions) error) *cobra.Command {
	o := &initOptions{}
	if runF == nil {
		runF = func(o *initOptions) error { return runInit(app, o) }
	}
	cmd := &cobra.Command{
		Use:   "init DIR",
		Short: "Scaffold a new estate repository",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Dir = args[0]
			if !filepath.IsAbs(o.Dir) {
				o.Dir = filepath.Join(app.Dir(), o.Dir)
			}
			o.Now = app.Now()
			return runF(o)
		},
	}
	cmd.Flags().BoolVar(&o.NoGit, "no-git", false, "do not run git init")
	return cmd
}

func runInit(app *App, o *initOptions) error {
	res, err := scaffold.Init(o.InitOptions)
	if err != nil {
		return coreErr(err)
	}
	fmt.Fprintf(app.Stdout, "created %d files in %s:\n", len(res.Written), o.Dir)
	for _, p := range res.Written {
		fmt.Fprintf(app.Stdout, "  %s\n", p)
	}
	if !res.Pinned {
		fmt.Fprintln(app.Stderr, "estate: warning: this estate is a development build with no version or commit: .github/workflows/estate.yml installs the latest release; set ESTATE_VERSION there to the release you have tested")
	}
	gitNote := ""
	switch {
	case res.InRepo != "":
		fmt.Fprintf(app.Stdout, "%s is already in the git repository at %s: git init not run\n", o.Dir, res.InRepo)
	case res.GitInit:
		fmt.Fprintf(app.Stdout, "initialised an empty git repository in %s (branch main)\n", o.Dir)
		gitNote = "  git add -A && git commit -m \"Start the estate\"\n"
	}
	fmt.Fprintf(app.Stdout, "\nnext:\n  estate -C %s validate\n%s", shellQuote(o.Dir), gitNote)
	return nil
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	safe := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' || r == '/') {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	out := "'"
	for _, r := range s {
		if r == '\'' {
			out += `'\''`
		} else {
			out += string(r)
		}
	}
	return out + "'"
}
