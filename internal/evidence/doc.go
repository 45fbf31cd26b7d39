// Package evidence builds an auditor's evidence pack for a change: one
// self-contained HTML page and its JSON per change, with the request (the
// change request record), the plan as approved, the approvals the policy
// required and those given, the implementation (the merge commit and its
// signature as git checks it), the verification (the audit that verified
// the change, its ledger entries and hashes) and the hash chain from the
// change's entry to the ledger's tip; each part mapped to NIST SP 800-53
// CM-2, CM-3, CM-5, CM-6 and CM-8; the earlier versions of the baselines
// (CM-2(3)) and the period's inventory accuracy (CM-8).
//
// A change short of approvals, never verified, or whose chain does not
// verify has gaps: the page says so in red, and never presents it as
// evidence. Sample draws a deterministic sample of a period's changes.
//
// Run reads git and the ledger (through gitrepo, ledger/gitstore, the
// change planner and the history index) and returns values; Render and
// Write turn a pack into HTML and JSON. It never prints, reads flags or
// the environment. Request errors satisfy errors.Is(err, core.ErrUsage).
package evidence
