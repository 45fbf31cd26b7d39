// Package gitrepo is estate's only door to git. It opens a repository
// (Open; the owner closes it), resolves revisions, gives a revision's
// tree as a load.Tree without a checkout (listed with git ls-tree, read
// ahead through pipelined git cat-file processes, or through go-git),
// diffs trees, walks first-parent history, reads and writes refs and
// commits of the ledger, and fetches and pushes refs (Fetch, Push).
//
// Every git process estate starts goes through one runner, Git: context,
// arguments, environment, stdin, stdout streamed, stderr kept in the
// *GitError. ErrNoGit says the git CLI cannot be used (not installed, or
// refusing the repository: "dubious ownership"); then go-git does the
// work, so estate needs no git binary. Push and Fetch return typed
// errors (ErrNonFastForward, ErrRefChanged, ErrNoRemoteRef, a
// *RejectedError) so that callers never read git's output.
//
// What it hands out is estate's own: Commit, FileChange, TreeChange,
// load.Entry; never a go-git type. It is the only package that imports
// go-git (github.com/go-git/...; TestOnlyGitrepoImportsGoGit); gittest,
// under it, builds repositories for other packages' tests. It imports
// internal/load for the Tree contract and nothing else of estate's. A
// Repo serialises its go-git reads (go-git repositories are not safe for
// concurrent use): parse what it returns in parallel instead.
package gitrepo
