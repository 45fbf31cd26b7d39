// Package gitstore keeps the ledger on a git ref (refs/estate/ledger by
// default): every entry is one commit on top of the last, its canonical
// JSON in the commit's message (the tree is empty), made with go-git
// (through internal/gitrepo) and published by a compare-and-swap of the
// ref, so two writers never lose an entry; the ref is never rewritten.
// `git log refs/estate/ledger` shows the ledger.
//
// It also reads what the ledger needs of the repository at a commit (the
// change-implemented entry's description, granted exemptions, estate.yaml,
// the change-control policy) and verifies the ledger against the default
// branch.
//
// gitstore may import ledger, gitrepo, load (every record it reads is
// parsed by load), history, record and atomicfile (its read cache in
// .git/estate/); it never imports go-git, YAML or
// CLI packages, and runs no git command: pushing and fetching the ref is
// internal/ledger/ops's.
package gitstore
