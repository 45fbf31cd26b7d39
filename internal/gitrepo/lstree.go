package gitrepo

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/estate-dev/estate/internal/load"
)

// entriesGit lists the files of t under load.Roots with `git ls-tree -r
// -z`: the same entries as the go-git walk (TestEntriesGitMatchesGoGit),
// about five times faster on a tree of 36,000 files, because git reads
// large tree objects from its packs far faster. ErrNoGit when git is not
// installed or the repository has no working tree.
func (t *Tree) entriesGit(ctx context.Context) ([]load.Entry, error) {
	r := t.repo
	if r.Root == "" {
		return nil, ErrNoGit
	}
	args := append([]string{"--literal-pathspecs", "ls-tree", "-r", "-z", "--full-tree", t.tree.Hash.String(), "--"}, load.Roots...)
	var out bytes.Buffer
	if err := (Git{Dir: r.Root}).Run(ctx, Command{Args: args, Stdout: &out}); err != nil {
		return nil, fmt.Errorf("list %s: %w", t.name, err)
	}
	return t.parseLsTree(out.Bytes())
}

// parseLsTree reads "<mode> SP <type> SP <object> TAB <path> NUL" records.
func (t *Tree) parseLsTree(b []byte) ([]load.Entry, error) {
	var es []load.Entry
	for len(b) > 0 {
		nul := bytes.IndexByte(b, 0)
		if nul < 0 {
			return nil, fmt.Errorf("read git ls-tree output: malformed record %q", clipBytes(b))
		}
		rec := b[:nul]
		b = b[nul+1:]
		tab := bytes.IndexByte(rec, '\t')
		if tab < 0 {
			return nil, fmt.Errorf("read git ls-tree output: malformed record %q", clipBytes(rec))
		}
		f := strings.Fields(string(rec[:tab]))
		if len(f) != 3 || !isHex40(f[2]) {
			return nil, fmt.Errorf("read git ls-tree output: malformed record %q", clipBytes(rec))
		}
		mode, err := filemode.New(f[0])
		if err != nil {
			return nil, fmt.Errorf("read git ls-tree output: %w", err)
		}
		if mode == filemode.Dir || mode == filemode.Submodule {
			continue
		}
		e := t.entry(string(rec[tab+1:]), object.TreeEntry{Mode: mode, Hash: plumbing.NewHash(f[2])})
		if p := PathProblem(e.Path); p != "" {
			// go-git refuses the whole tree; a finding on the file is kinder.
			e.Problem = p
		}
		es = append(es, e)
	}
	return es, nil
}
