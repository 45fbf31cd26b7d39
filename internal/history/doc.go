// Package history answers "what happened to this record": every commit
// of the default branch's first-parent history that changed the record's
// file, following renames the way `git log --follow --first-parent` does,
// with the field-level diff of each change and, from the ledger, its pull
// request, change request and approvers.
//
// The index (path → commits) covers the records asked about: read with
// one path-limited `git log --first-parent --raw` (or, without git, one
// go-git pass over the whole tree, diffing each commit against its first
// parent), cached by HEAD in .git/estate/history.idx, extended
// incrementally and grown as renames lead to other paths. A record's
// versions are streamed through one git cat-file batch (gitrepo), parsed
// once each by load.Parse and diffed field by field (load.Flatten).
//
// It reads git only through internal/gitrepo and parses YAML only
// through internal/load: it imports neither go-git nor yaml.v3.
package history
