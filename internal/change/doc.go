// Package change turns two revisions of an estate into a change plan: the
// semantic diff of the records (added, removed, renamed, moved, changed
// field by field), lifecycle transitions, the impact on devices, whether a
// change request is needed or a standard change matches the catalogue,
// the computed risk against the declared one, the approvals the change
// policy requires, and freeze-window conflicts. Gate then decides, from a
// plan and the pull request's reviews, whether the change may merge.
//
// The package is pure: it reads no files, no git and no network. Callers
// load the two estates (internal/validate over internal/gitrepo trees)
// and the reviews (internal/github) and pass them in.
package change
