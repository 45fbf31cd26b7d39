package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/scaffold"
)

type initOptions struct {
	dir   string
	noGit bool
}

func newInitCmd(app *App) *cobra.Command {
	o := &initOptions{}
	cmd := &cobra.Command{
		Use:   "init DIR",
		Short: "Scaffold a new estate repository",
		Long: `Init writes a new estate repository into DIR: estate.yaml, an organisation
schema (schema/org.cue), an example asset, location, licence, baseline and
change request, the change-control policy, a CI workflow that validates
every pull request, and a README. The result validates clean.

DIR may exist and hold other files, but init never overwrites anything: it
checks every path first and, if any is taken, writes nothing and exits 2.
A relative DIR is taken from --repo/-C when that is given.

Unless DIR is already inside a git repository (or --no-git is given), init
runs git init in DIR, with main as the default branch.`,
		Example: `  # a new estate repository in ./it-estate
  estate init it-estate
  estate -C it-estate validate

  # into the current repository's root, without git init
  estate init --no-git .`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.dir = args[0]
			if !filepath.IsAbs(o.dir) {
				o.dir = filepath.Join(app.Dir(), o.dir)
			}
			return runInit(app, o)
		},
	}
	cmd.Flags().BoolVar(&o.noGit, "no-git", false, "do not run git init")
	return cmd
}

func runInit(app *App, o *initOptions) error {
	if info, err := os.Stat(o.dir); err == nil && !info.IsDir() {
		return usageErr("init: %s exists and is not a folder", o.dir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("init: inspect %s: %w", o.dir, err)}
	}
	files, err := scaffold.Files(app.Now())
	if err != nil {
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("init: %w", err)}
	}
	written, err := scaffold.Write(o.dir, files)
	var conflict *scaffold.ConflictError
	if errors.As(err, &conflict) {
		return inputErr(fmt.Errorf("init: %w", err), "estate init never overwrites: move those paths aside, or choose a new folder")
	}
	if err != nil {
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("init: %w", err)}
	}
	fmt.Fprintf(app.Stdout, "created %d files in %s:\n", len(written), o.dir)
	for _, p := range written {
		fmt.Fprintf(app.Stdout, "  %s\n", p)
	}

	gitNote := ""
	if !o.noGit {
		root, inRepo, err := gitrepo.Enclosing(o.dir)
		switch {
		case err != nil:
			return &ExitError{Code: ExitFailure, Err: fmt.Errorf("init: %w", err)}
		case inRepo:
			fmt.Fprintf(app.Stdout, "%s is already in the git repository at %s: git init not run\n", o.dir, root)
		default:
			if _, err := gitrepo.Init(o.dir, "main"); err != nil {
				return &ExitError{Code: ExitFailure, Err: fmt.Errorf("init: %w", err)}
			}
			fmt.Fprintf(app.Stdout, "initialised an empty git repository in %s (branch main)\n", o.dir)
			gitNote = "  git add -A && git commit -m \"Start the estate\"\n"
		}
	}
	fmt.Fprintf(app.Stdout, "\nnext:\n  estate -C %s validate\n%s", shellQuote(o.dir), gitNote)
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
