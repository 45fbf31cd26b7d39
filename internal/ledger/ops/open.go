package ops

import (
	"errors"
	"time"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/ledger/gitstore"
	"github.com/estate-dev/estate/internal/record"
)

// usage and failure are core's hinted errors: exit 2, and exit 3.
var usage, failure = core.UsageError, core.Failure

// openRepo opens the repository at dir (a working tree or a bare
// repository).
func openRepo(dir string) (*gitrepo.Repo, error) {
	repo, err := gitrepo.Open(dir)
	if err != nil {
		return nil, failure(err, "run estate inside a git repository, or point --repo at one")
	}
	return repo, nil
}

// openAt opens the repository at dir, resolves rev and makes the store of
// the ledger on ref ("" = ledger.ref of estate.yaml at rev).
func openAt(dir, rev, ref string, now func() time.Time) (*gitstore.Store, gitrepo.CommitInfo, error) {
	repo, err := openRepo(dir)
	if err != nil {
		return nil, gitrepo.CommitInfo{}, err
	}
	c, err := repo.Resolve(rev)
	if err != nil {
		repo.Close()
		return nil, gitrepo.CommitInfo{}, usage(err, "name a branch, tag or commit that exists")
	}
	ci, err := repo.Commit(c.Hash)
	if err != nil {
		repo.Close()
		return nil, ci, err
	}
	return &gitstore.Store{Repo: repo, Ref: ledgerRef(repo, ci.Hash, ref), Now: now}, ci, nil
}

// ledgerRef is ref, or else the ledger.ref of estate.yaml at commit ("" =
// HEAD's), or else the default ref.
func ledgerRef(repo *gitrepo.Repo, commit, ref string) string {
	if ref != "" {
		return ref
	}
	if commit == "" {
		h, err := repo.Resolve("HEAD")
		if err != nil {
			return (*record.Settings)(nil).LedgerRef()
		}
		commit = h.Hash
	}
	return gitstore.Settings(repo, commit).LedgerRef()
}

// defaultBranch resolves branch, else github.default_branch of estate.yaml
// at HEAD, main, master or HEAD, in that order, to a name and a commit.
func defaultBranch(repo *gitrepo.Repo, branch string) (string, string, error) {
	if branch != "" {
		c, err := repo.Resolve(branch)
		if err != nil {
			return "", "", usage(err, "name the default branch with --branch")
		}
		return branch, c.Hash, nil
	}
	var cands []string
	if head, err := repo.Resolve("HEAD"); err == nil {
		if s := gitstore.Settings(repo, head.Hash); s != nil && s.GitHub != nil && s.GitHub.DefaultBranch != "" {
			cands = append(cands, s.GitHub.DefaultBranch)
		}
	}
	cands = append(cands, "main", "master", "HEAD")
	for _, b := range cands {
		if c, err := repo.Resolve(b); err == nil {
			return b, c.Hash, nil
		}
	}
	return "", "", usage(errors.New("no default branch: the repository has no commits"), "")
}
