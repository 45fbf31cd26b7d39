// Package show is estate history as a capability: it finds a record's
// file (by id or path, at a revision or in the history when it has been
// removed), follows it through the first-parent history with the cached
// index (internal/history), joins the ledger's entries (change request,
// approvers, verification) and writes the result as text or markdown.
//
// It may import history, gitrepo, ledger, ledger/gitstore, load and
// output; it knows nothing of flags (internal/cli calls Run).
package show
