package layout

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/store"
)

// Options say what to migrate.
type Options struct {
	// Dir is a directory of the estate's git working tree.
	Dir string
	// Prefix, when above zero, is the layout to move into; estate.yaml
	// gets layout.prefix (it must not name another). Zero: estate.yaml's.
	Prefix int
	// DryRun reports the moves without making them.
	DryRun bool
	// Message is the commit message ("" for the default).
	Message string
}

// Move is one record moved.
type Move struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Report is what Migrate did (or, for a dry run, would do).
type Report struct {
	Prefix int    `json:"prefix"`
	DryRun bool   `json:"dry_run"`
	Moves  []Move `json:"moves"`
	// Settings says estate.yaml gained layout.prefix.
	Settings bool `json:"settings_changed"`
	// Commit is the commit made ("" for a dry run or nothing to do).
	Commit string `json:"commit,omitempty"`
	// Largest is the folder with the most entries after the move, and
	// Entries their number (GitHub Enterprise Server advises at most
	// 3,000 per folder).
	Largest string `json:"largest_folder"`
	Entries int    `json:"largest_folder_entries"`
}

// MaxFolderEntries is the most entries a folder should hold
// (GitHub Enterprise Server's advice); Migrate's report compares with it.
const MaxFolderEntries = 3000

type indexEntry struct{ mode, blob, path string }

// Migrate moves every asset, licence and location to the path the layout
// files it at, in one commit whose every change is a rename (git mv: the
// blobs are unchanged), with estate.yaml's layout.prefix set when
// o.Prefix asks for it. It refuses a working tree with changes (commit or
// stash them first) and a move onto a file that exists. It needs the git
// command.
func Migrate(ctx context.Context, o Options) (*Report, error) {
	if o.Prefix < 0 || o.Prefix > 32 {
		return nil, core.UsageError(fmt.Errorf("--prefix %d: want 1 to 32 characters", o.Prefix), "")
	}
	repo, err := gitrepo.Open(o.Dir)
	if err != nil {
		return nil, core.UsageError(err, "estate layout migrate works in a git repository")
	}
	defer repo.Close()
	if repo.Root == "" {
		return nil, core.UsageError(errors.New("no working tree"), "run it in a clone with a working tree")
	}
	st, err := store.Open(ctx, store.Options{Dir: repo.Root})
	if err != nil {
		return nil, core.UsageError(err, "estate validate says more")
	}
	defer st.Close()
	dirty, err := repo.Status(ctx)
	if err != nil {
		return nil, core.Failure(err, "estate layout migrate needs the git command")
	}
	if len(dirty) > 0 {
		return nil, core.UsageError(fmt.Errorf("the working tree has %d uncommitted change(s), first %s", len(dirty), dirty[0].Path),
			"commit or stash them first: the move is one commit of its own")
	}
	lay := st.Settings().LayoutRule()
	rep := &Report{DryRun: o.DryRun}
	var settings []byte
	if o.Prefix > 0 && o.Prefix != lay.Prefix {
		if lay.Prefix != 0 {
			return nil, core.UsageError(fmt.Errorf("estate.yaml already sets layout.prefix %d", lay.Prefix),
				"edit layout.prefix in estate.yaml and commit it, then run estate layout migrate without --prefix")
		}
		if settings, err = withPrefix(repo.Root, o.Prefix); err != nil {
			return nil, err
		}
		if _, errs := st.Check("estate.yaml", settings); len(errs) > 0 {
			return nil, core.UsageError(fmt.Errorf("estate.yaml with layout.prefix %d: %s", o.Prefix, store.Reason(errs[0])), "fix estate.yaml first (estate validate)")
		}
		lay.Prefix, rep.Settings = o.Prefix, true
	}
	rep.Prefix = lay.Prefix
	git := gitrepo.Git{Dir: repo.Root}
	out, err := git.Output(ctx, "--literal-pathspecs", "ls-files", "-s", "-z", "--", "inventory")
	if err != nil {
		return nil, core.Failure(err, "estate layout migrate needs the git command")
	}
	entries, err := parseLsFiles(out)
	if err != nil {
		return nil, core.Failure(err, "")
	}
	tracked := map[string]bool{}
	for _, e := range entries {
		tracked[e.path] = true
	}
	var moves []indexEntry // the entry, to be moved to ...
	var dests []string
	folders := map[string]int{}
	for _, e := range entries {
		to := e.path
		if pl := load.Classify(e.path); pl.Kind != "" {
			if want := lay.Path(pl.Kind, pl.Class, pl.ID); want != "" && want != e.path {
				if tracked[want] {
					return nil, core.UsageError(fmt.Errorf("cannot move %s: %s exists", e.path, want), "remove or rename one of them first (estate validate reports duplicate ids)")
				}
				moves = append(moves, e)
				dests = append(dests, want)
				rep.Moves = append(rep.Moves, Move{From: e.path, To: want})
				to = want
			}
		}
		folders[path.Dir(to)]++
	}
	countFolders(folders, rep)
	if o.DryRun || (len(moves) == 0 && settings == nil) {
		return rep, nil
	}
	if err := apply(ctx, git, repo.Root, moves, dests, settings, st); err != nil {
		return nil, err
	}
	msg := o.Message
	if msg == "" {
		msg = fmt.Sprintf("estate layout migrate: layout.prefix %d, %d record(s) moved\n\nEvery change is a rename: the records are unchanged.", lay.Prefix, len(moves))
	}
	if err := git.Run(ctx, gitrepo.Command{Args: []string{"commit", "-q", "--no-verify", "-m", msg}}); err != nil {
		return nil, core.Failure(err, "the moves are staged: commit them yourself, or git reset --hard to undo them")
	}
	head, err := git.Output(ctx, "rev-parse", "HEAD")
	if err != nil {
		return nil, core.Failure(err, "")
	}
	rep.Commit = strings.TrimSpace(string(head))
	return rep, nil
}

// apply renames the files, stages the renames in one update-index and
// writes estate.yaml through the store. On an error it undoes the renames
// it made and resets the index.
func apply(ctx context.Context, git gitrepo.Git, root string, moves []indexEntry, dests []string, settings []byte, st *store.Store) (err error) {
	done := 0
	defer func() {
		if err == nil {
			return
		}
		for i := done - 1; i >= 0; i-- {
			_ = os.Rename(filepath.Join(root, filepath.FromSlash(dests[i])), filepath.Join(root, filepath.FromSlash(moves[i].path)))
		}
		_ = git.Run(context.WithoutCancel(ctx), gitrepo.Command{Args: []string{"reset", "-q"}})
	}()
	made := map[string]bool{}
	var info bytes.Buffer
	for i, m := range moves {
		if err := ctx.Err(); err != nil {
			return err
		}
		dir := path.Dir(dests[i])
		if !made[dir] {
			if err := os.MkdirAll(filepath.Join(root, filepath.FromSlash(dir)), 0o755); err != nil {
				return core.Failure(err, "")
			}
			made[dir] = true
		}
		to := filepath.Join(root, filepath.FromSlash(dests[i]))
		if _, err := os.Lstat(to); err == nil {
			return core.UsageError(fmt.Errorf("cannot move %s: %s exists", m.path, dests[i]), "remove it first")
		}
		if err := os.Rename(filepath.Join(root, filepath.FromSlash(m.path)), to); err != nil {
			return core.Failure(err, "")
		}
		done++
		fmt.Fprintf(&info, "0 %s\t%s\x00%s %s\t%s\x00", strings.Repeat("0", len(m.blob)), m.path, m.mode, m.blob, dests[i])
	}
	if err := git.Run(ctx, gitrepo.Command{Args: []string{"update-index", "-z", "--index-info"}, Stdin: &info}); err != nil {
		return core.Failure(err, "")
	}
	if settings != nil {
		if err := st.Write("estate.yaml", settings, store.Replace); err != nil {
			return core.UsageError(err, "fix estate.yaml first (estate validate)")
		}
		if err := git.Run(ctx, gitrepo.Command{Args: []string{"add", "--", "estate.yaml"}}); err != nil {
			return core.Failure(err, "")
		}
	}
	return nil
}

// withPrefix returns estate.yaml with layout.prefix added at its end (a
// new estate.yaml when there is none); the rest is kept as written.
func withPrefix(root string, prefix int) ([]byte, error) {
	data, err := os.ReadFile(filepath.Join(root, "estate.yaml"))
	if errors.Is(err, os.ErrNotExist) {
		data = []byte("apiVersion: estate/v1\nkind: Settings\n")
	} else if err != nil {
		return nil, core.Failure(err, "")
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		data = append(data, '\n')
	}
	return append(data, fmt.Sprintf("layout:\n  prefix: %d\n", prefix)...), nil
}

// parseLsFiles reads `git ls-files -s -z`: "MODE BLOB STAGE\tPATH\0".
func parseLsFiles(b []byte) ([]indexEntry, error) {
	var out []indexEntry
	for len(b) > 0 {
		line, rest, ok := bytes.Cut(b, []byte{0})
		if !ok {
			return nil, errors.New("git ls-files: output not NUL-terminated")
		}
		b = rest
		meta, p, ok := bytes.Cut(line, []byte{'\t'})
		f := strings.Fields(string(meta))
		if !ok || len(f) != 3 {
			return nil, fmt.Errorf("git ls-files: unexpected line %q", line)
		}
		if f[2] != "0" {
			return nil, fmt.Errorf("%s has a merge conflict: resolve it first", p)
		}
		out = append(out, indexEntry{mode: f[0], blob: f[1], path: string(p)})
	}
	return out, nil
}

// countFolders sets the report's largest folder: files and sub-folders
// both count as entries.
func countFolders(files map[string]int, rep *Report) {
	entries := map[string]int{}
	seen := map[string]bool{}
	for dir, n := range files {
		entries[dir] += n
		for d := dir; !seen[d]; d = path.Dir(d) {
			seen[d] = true
			parent := path.Dir(d)
			if parent == d {
				break
			}
			entries[parent]++
		}
	}
	dirs := make([]string, 0, len(entries))
	for d := range entries {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	for _, d := range dirs {
		if entries[d] > rep.Entries {
			rep.Largest, rep.Entries = d, entries[d]
		}
	}
}
