// Package gate is the pull-request gate behind `estate change check`: it
// reads the GitHub Actions event, has the change plan made (by a function
// the caller passes in), reads the pull request's reviews, judges them
// with change.Decide, and publishes the decision — one comment on the pull
// request (only ever the client's own, see github.Client.UpsertComment), a
// check run with annotations on the YAML lines, risk and type labels, and
// the job summary. It also reads a merged pull request's counted approvals
// for the ledger (ReadPullRequest), by the same review rule
// (change.CountReviews).
//
// Rules it holds:
//   - no token: outside GitHub Actions the plan is still made and the
//     summary written, nothing is read from or sent to GitHub, and the
//     result says that reviews were not read (never a pass); inside
//     GitHub Actions (Options.Actions) a pull-request event without a
//     token is an error, since a gate that silently does not run looks
//     like one that passed;
//   - any GitHub error or rate limit is an error (core.Failure: exit 3), never a
//     pass;
//   - everything that reaches the comment, check run or summary from the
//     pull request or the records is escaped by internal/change/report.
//
// It may import internal/change, internal/change/report, internal/github
// and the standard library; it knows nothing of cobra, flags, exit codes,
// os.Stdout or the environment: the caller turns those into Options and
// the Result into output.
package gate
