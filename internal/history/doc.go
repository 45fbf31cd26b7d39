// Package history answers "what happened to this record": every commit
// of the default branch's first-parent history that changed the record's
// file, following renames the way `git log --follow --first-parent` does,
// with the field-level diff of each change and, from the ledger, its pull
// request, change request and approvers.
//
// The index (path → commits) is built in one pass over the first-parent
// history, diffing each commit against its first parent tree by tree; it
// is cached by HEAD in .git/estate/ and extended incrementally.
package history
