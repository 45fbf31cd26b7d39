package history

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/estate-dev/estate/internal/cachefile"
	"github.com/estate-dev/estate/internal/gitrepo"
)

// Actions of a path in a commit, kept in the low bits of an index entry.
const (
	actModified = 0
	actAdded    = 1
	actRemoved  = 2
)

// Commit is one first-parent commit of the index.
type Commit struct {
	Hash    string
	Parent  string // first parent; "" for the root
	Time    int64  // committer time, Unix seconds
	Author  string // author email
	Name    string // author name
	Subject string
}

// Index maps every path under its scopes to the first-parent commits
// that changed it.
type Index struct {
	Version int
	Head    string
	// Scopes are the files (or folders) whose history the index holds,
	// sorted; "" is the whole tree. An index of a few records costs what
	// `git log -- <record>` costs, where one of the whole tree diffs every
	// commit in full; Cover adds a record.
	Scopes []string
	// Commits are the first-parent commits that changed a path of the
	// scopes (all of them for ""), oldest first.
	Commits []Commit
	// Paths holds, per path, entries idx<<2|action, ascending.
	Paths map[string][]uint32
	// Renames caches rename detection where a path appears: key
	// "<commit hash> <path>", value the source path or "" (none).
	Renames map[string]string

	dirty bool // changed since loaded
}

const indexVersion = 3 // 3: in a checksummed cachefile

// Covers reports whether the index holds the changes of path.
func (idx *Index) Covers(path string) bool {
	for _, s := range idx.Scopes {
		if s == "" || path == s || strings.HasPrefix(path, s+"/") {
			return true
		}
	}
	return false
}

// whole reports whether the index covers the whole tree.
func (idx *Index) whole() bool { return slices.Contains(idx.Scopes, "") }

// union returns scopes with more added: sorted, without repeats, and just
// "" when that is among them.
func union(scopes []string, more ...string) []string {
	out := slices.Concat(scopes, more)
	if slices.Contains(out, "") {
		return []string{""}
	}
	slices.Sort(out)
	out = slices.Compact(out)
	// A folder inside another is covered by it.
	kept := out[:0]
	for _, s := range out {
		if len(kept) > 0 && strings.HasPrefix(s, kept[len(kept)-1]+"/") {
			continue
		}
		kept = append(kept, s)
	}
	if len(kept) > maxScopes {
		return []string{""}
	}
	return kept
}

// maxScopes is how many records an index covers one by one; past it, it
// covers the whole tree (one pass that diffs every commit in full, but
// no command line of thousands of paths).
const maxScopes = 200

// pathspecs are the git pathspecs of scopes: none for the whole tree.
func pathspecs(scopes []string) []string {
	if slices.Contains(scopes, "") {
		return nil
	}
	return scopes
}

// parallelFrom is how many new commits make the index pass use every core.
var parallelFrom = 2000

// Build builds or extends idx (nil: from scratch, of the whole tree) up
// to head: one walk of the first-parent history from head back to
// idx.Head, each commit diffed against its first parent. When idx.Head is
// not an ancestor of head (history was rewritten), the index is rebuilt.
func Build(ctx context.Context, repo *gitrepo.Repo, idx *Index, head string) (*Index, error) {
	scopes := []string{""}
	if idx != nil && idx.Version == indexVersion && len(idx.Scopes) > 0 {
		scopes = idx.Scopes
	}
	return BuildScoped(ctx, repo, idx, head, scopes)
}

// BuildScoped is Build of an index of scopes (files or folders; "" for
// the whole tree). With the git CLI, only the commits that changed them
// are read, as `git log -- <paths>` does; without it, go-git indexes the
// whole tree.
func BuildScoped(ctx context.Context, repo *gitrepo.Repo, idx *Index, head string, scopes []string) (*Index, error) {
	scopes = union(scopes)
	if idx != nil && (idx.Version != indexVersion || idx.Head == "" || !slices.Equal(idx.Scopes, scopes)) {
		idx = nil
	}
	if idx != nil && idx.Head == head {
		return idx, nil
	}
	if UseGit {
		stop := ""
		if idx != nil {
			stop = idx.Head
			if !onFirstParentLine(ctx, repo, stop, head) {
				stop, idx = "", nil // history was rewritten: from scratch
			}
		}
		commits, changes, err := gitChanges(ctx, repo, head, stop, pathspecs(scopes))
		if err == nil {
			if idx == nil {
				idx = &Index{Version: indexVersion, Scopes: scopes, Paths: map[string][]uint32{}}
			}
			if idx.Renames == nil {
				idx.Renames = map[string]string{}
			}
			idx.dirty = true
			idx.add(commits, changes)
			idx.Head = head
			return idx, nil
		}
		// Without git, or with a git that fails (one that refuses
		// another user's repository, say), the go-git pass below.
		if cerr := ctx.Err(); cerr != nil {
			return nil, cerr
		}
	}
	var fresh []gitrepo.Commit
	met := false
	err := repo.FirstParents(ctx, head, func(c gitrepo.Commit) error {
		if idx != nil && c.Hash == idx.Head {
			met = true
			return gitrepo.ErrStop
		}
		fresh = append(fresh, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk history from %s: %w", head, err)
	}
	if idx == nil || !met || !idx.whole() {
		idx = &Index{Version: indexVersion, Scopes: []string{""}, Paths: map[string][]uint32{}}
	}
	if idx.Renames == nil {
		idx.Renames = map[string]string{}
	}
	idx.dirty = true
	// Diff every commit against its first parent: contiguous ranges on
	// one repository handle per core (a handle serialises its reads).
	changes := make([][]gitrepo.FileChange, len(fresh))
	workers := 1
	if len(fresh) >= parallelFrom {
		workers = max(runtime.GOMAXPROCS(0), 2)
	}
	var wg sync.WaitGroup
	errs := make([]error, workers)
	per := (len(fresh) + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*per, min((w+1)*per, len(fresh))
		if lo >= hi {
			continue
		}
		r := repo
		if w > 0 {
			if dir, err := repo.GitDir(); err == nil {
				if other, err := gitrepo.Open(dir); err == nil {
					r = other
					defer other.Close()
				}
			}
		}
		wg.Add(1)
		go func(w, lo, hi int, r *gitrepo.Repo) {
			defer wg.Done()
			trees := &gitrepo.TreeCache{}
			// oldest first within the range, so the cache serves parents
			for i := hi - 1; i >= lo; i-- {
				c := fresh[i]
				if i%512 == 0 {
					if err := ctx.Err(); err != nil {
						errs[w] = err
						return
					}
				}
				fromTree := ""
				if len(c.Parents) > 0 {
					if i+1 < len(fresh) {
						fromTree = fresh[i+1].Tree
					} else {
						p, err := r.Commit(c.Parents[0])
						if err != nil {
							errs[w] = err
							return
						}
						fromTree = p.Tree
					}
				}
				chs, err := r.TreeChangesCached(ctx, trees, fromTree, c.Tree)
				if err != nil {
					errs[w] = err
					return
				}
				changes[i] = chs
			}
		}(w, lo, hi, r)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	idx.add(fresh, changes)
	idx.Head = head
	return idx, nil
}

// onFirstParentLine reports whether stop is a first-parent ancestor of
// head (extending an index of stop to head is then reading the commits
// between): the oldest first-parent commit of head not reachable from
// stop has stop for its first parent.
func onFirstParentLine(ctx context.Context, repo *gitrepo.Repo, stop, head string) bool {
	hs, err := repo.FirstParentList(ctx, head, stop)
	if err != nil || len(hs) == 0 {
		return false
	}
	c, err := repo.Commit(hs[len(hs)-1])
	return err == nil && c.FirstParent() == stop
}

// add appends commits (newest first) and their changes to the index.
func (idx *Index) add(commits []gitrepo.Commit, changes [][]gitrepo.FileChange) {
	for i := len(commits) - 1; i >= 0; i-- {
		c := commits[i]
		n := uint32(len(idx.Commits))
		parent := ""
		if len(c.Parents) > 0 {
			parent = c.Parents[0]
		}
		idx.Commits = append(idx.Commits, Commit{Hash: c.Hash, Parent: parent, Time: c.Time.Unix(),
			Author: c.AuthorEmail, Name: c.AuthorName, Subject: c.Subject})
		for _, ch := range changes[i] {
			switch ch.Action {
			case "added":
				idx.Paths[ch.To] = append(idx.Paths[ch.To], n<<2|actAdded)
			case "removed":
				idx.Paths[ch.From] = append(idx.Paths[ch.From], n<<2|actRemoved)
			default:
				idx.Paths[ch.To] = append(idx.Paths[ch.To], n<<2|actModified)
			}
		}
	}
}

// gitChanges is FirstParentChanges (of paths; none: the whole tree) split
// over one git process per core when it reads the whole tree: the
// first-parent line is cut into contiguous ranges read at once.
func gitChanges(ctx context.Context, repo *gitrepo.Repo, head, stop string, paths []string) ([]gitrepo.Commit, [][]gitrepo.FileChange, error) {
	parts := runtime.GOMAXPROCS(0)
	if parts < 2 || len(paths) > 0 {
		// A few paths: git prunes the walk to them, one process is
		// cheaper than listing the commits to cut the line first.
		return repo.FirstParentChanges(ctx, head, stop, paths...)
	}
	hashes, err := repo.FirstParentList(ctx, head, stop)
	if err != nil {
		return nil, nil, err
	}
	if len(hashes) < parallelFrom {
		return repo.FirstParentChanges(ctx, head, stop)
	}
	cuts := []string{head}
	for k := 1; k < parts; k++ {
		cuts = append(cuts, hashes[k*len(hashes)/parts])
	}
	cuts = append(cuts, stop)
	type part struct {
		commits []gitrepo.Commit
		changes [][]gitrepo.FileChange
		err     error
	}
	res := make([]part, parts)
	var wg sync.WaitGroup
	for k := 0; k < parts; k++ {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			res[k].commits, res[k].changes, res[k].err = repo.FirstParentChanges(ctx, cuts[k], cuts[k+1])
		}(k)
	}
	wg.Wait()
	var commits []gitrepo.Commit
	var changes [][]gitrepo.FileChange
	for _, p := range res {
		if p.err != nil {
			return nil, nil, p.err
		}
		commits = append(commits, p.commits...)
		changes = append(changes, p.changes...)
	}
	if len(commits) != len(hashes) {
		return nil, nil, fmt.Errorf("read history: git log listed %d commits, rev-list %d", len(commits), len(hashes))
	}
	return commits, changes, nil
}

// UseGit makes Build read the history through one `git log --raw` when
// the git CLI is installed (in C it is several times faster than the
// go-git pass; measured in docs/performance.md); go-git otherwise.
var UseGit = true

// CachePath is where the index of a repository is cached.
func CachePath(repo *gitrepo.Repo) (string, error) {
	dir, err := repo.GitDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "estate", "history.idx"), nil
}

// Load reads a cached index: nil when there is none, or when it is
// damaged (its checksum fails; a warning then says so, through
// slog.Default) or of another version; the index is then rebuilt. A cache
// never changes what history shows (internal/cachefile).
func Load(path string) *Index {
	payload, ok := cachefile.Load(slog.Default(), path, "history", indexVersion)
	if !ok {
		return nil
	}
	var idx Index
	if err := gob.NewDecoder(bytes.NewReader(payload)).Decode(&idx); err != nil || idx.Version != indexVersion {
		cachefile.Invalid(slog.Default(), path, "history", fmt.Errorf("decode: %v", err))
		return nil
	}
	return &idx
}

// Save writes idx to path atomically, checksummed.
func Save(path string, idx *Index) error {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(idx); err != nil {
		return fmt.Errorf("save history index: %w", err)
	}
	if err := cachefile.Write(path, "history", indexVersion, b.Bytes()); err != nil {
		return fmt.Errorf("save history index: %w", err)
	}
	return nil
}

// Open returns the index of repo up to head that covers paths (none: the
// whole tree): the cached one, extended when head moved on, with the
// folders of paths it lacks added. Persist it after use (Follow caches
// rename detection in it).
func Open(ctx context.Context, repo *gitrepo.Repo, head string, paths ...string) (*Index, error) {
	var cached *Index
	if path, err := CachePath(repo); err == nil {
		cached = Load(path)
	}
	scopes := []string{""}
	if len(paths) > 0 {
		scopes = nil
		if cached != nil {
			scopes = cached.Scopes
		}
		for _, p := range paths {
			if cached == nil || !cached.Covers(p) {
				scopes = append(scopes, p)
			}
		}
	}
	return BuildScoped(ctx, repo, cached, head, scopes)
}

// Cover makes idx cover path too, rebuilding it with path added when it
// does not (the commit indexes of Paths change).
func (idx *Index) Cover(ctx context.Context, repo *gitrepo.Repo, path string) error {
	if idx.Covers(path) {
		return nil
	}
	renames := idx.Renames
	next, err := BuildScoped(ctx, repo, nil, idx.Head, append(slices.Clone(idx.Scopes), path))
	if err != nil {
		return err
	}
	*idx = *next
	idx.Renames, idx.dirty = renames, true
	return nil
}

// Persist saves idx to repo's cache when it changed.
func Persist(repo *gitrepo.Repo, idx *Index) error {
	if !idx.dirty {
		return nil
	}
	path, err := CachePath(repo)
	if err != nil {
		return err
	}
	if err := Save(path, idx); err != nil {
		return err
	}
	idx.dirty = false
	return nil
}

// Step is one commit of a record's history.
type Step struct {
	Commit Commit
	Path   string // the record's path after the commit
	From   string // its path before, for a rename
	Action string // added, modified, removed, renamed
}

// ErrNoHistory says no commit of the index touched the path.
var ErrNoHistory = errors.New("no commit changed this path")

// Follow returns the commits that changed path, newest first, following
// renames the way `git log --follow --first-parent` does: where a commit
// adds the path, git's rename detection (exact, then at least 50%
// similar) against the files that commit removed names the older path,
// which is followed from there on.
func (idx *Index) Follow(ctx context.Context, repo *gitrepo.Repo, path string) ([]Step, error) {
	var out []Step
	if err := idx.Cover(ctx, repo, path); err != nil {
		return nil, err
	}
	bound := uint32(len(idx.Commits))
	for {
		es := idx.Paths[path]
		// newest first, below bound
		k := sort.Search(len(es), func(i int) bool { return es[i]>>2 >= bound })
		renamed := false
		for j := k - 1; j >= 0; j-- {
			n, act := es[j]>>2, es[j]&3
			c := idx.Commits[n]
			st := Step{Commit: c, Path: path, Action: "modified"}
			switch act {
			case actRemoved:
				st.Action = "removed"
			case actAdded:
				st.Action = "added"
				key := c.Hash + " " + path
				from, ok := idx.Renames[key]
				if !ok {
					var err error
					if from, err = repo.RenameSource(ctx, c.Hash, path); err != nil {
						return nil, err
					}
					if idx.Renames == nil {
						idx.Renames = map[string]string{}
					}
					idx.Renames[key], idx.dirty = from, true
				}
				if from != "" {
					st.Action, st.From = "renamed", from
					out = append(out, st)
					if !idx.Covers(from) {
						// The source is not indexed yet: add it, and find
						// this commit in the new numbering.
						if err := idx.Cover(ctx, repo, from); err != nil {
							return nil, err
						}
						n = uint32(slices.IndexFunc(idx.Commits, func(x Commit) bool { return x.Hash == c.Hash }))
					}
					path, bound, renamed = from, n, true
				}
			}
			if renamed {
				break
			}
			out = append(out, st)
		}
		if !renamed {
			break
		}
	}
	if len(out) == 0 {
		return nil, ErrNoHistory
	}
	return out, nil
}
