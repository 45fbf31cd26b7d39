package scaffold

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/version"
)

// InitOptions say where estate init writes a new estate.
type InitOptions struct {
	Dir   string    // the folder (made when missing)
	NoGit bool      // do not run git init
	Now   time.Time // the year the examples take
	// Pin is the estate version the workflow installs (default: this
	// binary's, version.Get().Pin(): its release or commit).
	Pin string
}

// InitResult is what Init did.
type InitResult struct {
	Written []string // paths written, relative to Dir
	// InRepo is the enclosing repository's root when Dir was already in
	// one (git init not run); GitInit says git init ran.
	InRepo  string
	GitInit bool
	// Pinned says the workflow pins an estate version; false when this
	// binary knows none (it then installs the latest release).
	Pinned bool
}

// Init is estate init: it writes the template into o.Dir (Write) and,
// unless o.NoGit or o.Dir is already in a git repository, makes it a git
// repository with main as its default branch (through internal/gitrepo).
// The error matches core.ErrUsage for a Dir that is a file and for paths
// already taken (a *ConflictError; nothing written); otherwise it means
// init could not run.
func Init(o InitOptions) (*InitResult, error) {
	if info, err := os.Stat(o.Dir); err == nil && !info.IsDir() {
		return nil, core.UsageError(fmt.Errorf("init: %s exists and is not a folder", o.Dir), "")
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("init: inspect %s: %w", o.Dir, err)
	}
	if o.Pin == "" {
		o.Pin = version.Get().Pin()
	}
	res := &InitResult{Pinned: o.Pin != ""}
	files, err := Files(o.Now, o.Pin)
	if err != nil {
		return nil, fmt.Errorf("init: %w", err)
	}
	written, err := Write(o.Dir, files)
	var conflict *ConflictError
	if errors.As(err, &conflict) {
		return nil, core.UsageError(fmt.Errorf("init: %w", err), "estate init never overwrites: move those paths aside, or choose a new folder")
	}
	if err != nil {
		return nil, fmt.Errorf("init: %w", err)
	}
	res.Written = written
	if o.NoGit {
		return res, nil
	}
	root, inRepo, err := gitrepo.Enclosing(o.Dir)
	switch {
	case err != nil:
		return nil, fmt.Errorf("init: %w", err)
	case inRepo:
		res.InRepo = root
	default:
		if _, err := gitrepo.Init(o.Dir, "main"); err != nil {
			return nil, fmt.Errorf("init: %w", err)
		}
		res.GitInit = true
	}
	return res, nil
}

// WriteText says what Init did in dir: the files written, whether git
// init ran, and what to run next (on out); the warning of an unpinned
// development build goes to warn.
func (res *InitResult) WriteText(out, warn io.Writer, dir string) {
	fmt.Fprintf(out, "created %d files in %s:\n", len(res.Written), dir)
	for _, p := range res.Written {
		fmt.Fprintf(out, "  %s\n", p)
	}
	if !res.Pinned {
		fmt.Fprintln(warn, "estate: warning: this estate is a development build with no version or commit: .github/workflows/estate.yml installs the latest release; set ESTATE_VERSION there to the release you have tested")
	}
	gitNote := ""
	switch {
	case res.InRepo != "":
		fmt.Fprintf(out, "%s is already in the git repository at %s: git init not run\n", dir, res.InRepo)
	case res.GitInit:
		fmt.Fprintf(out, "initialised an empty git repository in %s (branch main)\n", dir)
		gitNote = "  git add -A && git commit -m \"Start the estate\"\n"
	}
	fmt.Fprintf(out, "\nnext:\n  estate -C %s validate\n%s", shellQuote(dir), gitNote)
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
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
