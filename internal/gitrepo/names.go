package gitrepo

import (
	"fmt"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"
)

// NamesOnBranches returns the names of the entries directly in folder dir
// (a slash path) at the tip of every branch the repository knows, its own
// (refs/heads/) and its remotes' (refs/remotes/), sorted and without
// repeats. A branch without the folder adds nothing. estate change new
// reads changes/ this way so that a new id is free on every branch, not
// only on the one checked out.
func (r *Repo) NamesOnBranches(dir string) ([]string, error) {
	r.mu.Lock()
	var tips []plumbing.Hash
	refs, err := r.gogit.References()
	if err == nil {
		err = refs.ForEach(func(ref *plumbing.Reference) error {
			if ref.Type() == plumbing.HashReference && (ref.Name().IsBranch() || ref.Name().IsRemote()) {
				tips = append(tips, ref.Hash())
			}
			return nil
		})
	}
	var trees []string
	for _, h := range tips {
		if err != nil {
			break
		}
		c, cerr := r.gogit.CommitObject(h)
		if cerr != nil {
			continue // a ref to something that is not a commit
		}
		trees = append(trees, c.TreeHash.String())
	}
	r.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("list branches: %w", err)
	}
	seen := map[string]bool{}
	var out []string
	for _, t := range trees {
		h, ok, err := r.PathHash(t, dir)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", dir, err)
		}
		if !ok {
			continue
		}
		r.mu.Lock()
		es, err := r.readTree(hashOf(h))
		r.mu.Unlock()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", dir, err)
		}
		for _, e := range es {
			if n := string(e.name); !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	sort.Strings(out)
	return out, nil
}
