// Package github is estate's only door to the GitHub REST API, and the only
// package of estate that imports google/go-github (a test in this package
// checks that with go list). It provides one Client for every command that
// talks to GitHub — the pull-request gate, the ledger, and whatever comes
// after:
//
//   - PullRequest, Reviews: a pull request and every review of it;
//   - IsTeamMember: team membership, for approval rules naming teams;
//   - Self, UpsertComment: the one comment estate keeps on a pull request,
//     found again by a hidden marker AND by its author being the client's
//     own identity (a comment anyone else wrote is never edited);
//   - CheckRun: a completed check run with annotations, in batches of 50;
//   - Labels, AddLabels, RemoveLabel, SetLabels: issue labels, with label
//     names escaped in URL paths;
//   - Issues, CreateIssue, EditIssue, CloseIssue, ReopenIssue, Comment:
//     issues open and closed (by label, page by page), for incidents; an
//     issue's Author is matched with Identity.Wrote, the same rule as
//     comments;
//   - ParseEvent: the pull_request / pull_request_review payload GitHub
//     Actions writes to GITHUB_EVENT_PATH.
//
// Every list is read page by page (the Link header) until its end. Every
// request is retried on a transport error, a 5xx, a 429 or a 403 rate
// limit, waiting what Retry-After or X-RateLimit-Reset asks (up to
// Config.MaxWait) or a doubling backoff; the wait and the clock are
// injectable (Config.Sleep, Config.Now). When the retries run out the error
// says so (a *RateLimitError for a rate limit). A caller must treat any
// error as "not done", never as a pass.
//
// The package imports go-github, the standard library and httpretry (the
// one retrying transport; GitHub's own rule for what is retried, its
// rate-limited 403s, is here): nothing else of estate, so that the domain packages (change, ledger) stay free of it and
// the capability packages (gate) translate its types into theirs. It reads
// no environment variables and no files: callers pass a Config.
package github
