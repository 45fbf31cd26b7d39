// Package plan makes the plan of a change: it reads two revisions of an
// estate repository from git (no checkout), diffs their trees, validates
// the changed files and the small context records on both sides, finds
// the assets a changed baseline reaches and the references a removed or
// renamed record leaves dangling, audits the devices' facts against both
// sides when asked, and hands all of it to change.Build (the pure domain
// of internal/change).
//
// Run is what `estate change plan`, `estate change check` and `estate
// change new` share; it knows nothing of flags or streams and writes
// nothing (validate's cache only when Options.Cache says so). Errors that
// are the caller's fault (a revision that does not exist, no git
// repository, no default branch, an unknown diff engine, a facts folder
// that cannot be read) satisfy errors.Is(err, core.ErrUsage) and carry a
// Hint; any other error means the plan could not be made.
//
// plan may import change, change/report, record, load, validate, rules,
// audit, match, facts, gitrepo and core; it never imports cli, output,
// github or go-git (commits are gitrepo's values, touched only through
// commitID).
package plan
