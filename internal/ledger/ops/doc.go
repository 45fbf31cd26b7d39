// Package ops runs the ledger's commands: Record (the change-implemented
// entry of a merged commit, and the exemptions it granted), RecordAudit
// (an audit entry, the changes it verified, the exemptions that lapsed),
// Verify (the chain and the coverage of the default branch) and Show.
// Each takes an Options value and returns a result for the caller to
// print; none prints, reads flags or the environment.
//
// Errors: one the request caused (a revision or ref that does not exist,
// unreadable input) satisfies errors.Is(err, core.ErrUsage); any may carry
// a hint (a Hint() string method). Everything else means the command
// could not run.
//
// ops may import ledger (the domain), ledger/gitstore (the ref store),
// gitrepo, core (to read the audited estate), record, and github and gate
// (GitHubReviews reads a pull request through the one GitHub client, with
// the gate's approval rule). It never imports cobra, cli, go-git or
// go-github: a pull request's reviews come through RecordOptions.Reviews,
// and every git command the ledger runs (fetch and push of its ref) goes
// through the Remote interface, implemented once, by GitRemote
// over gitrepo's git runner.
package ops
