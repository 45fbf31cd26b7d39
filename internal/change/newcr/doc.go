// Package newcr is estate change new: from a branch's change plan it
// builds the change request (record.ChangeRequest: the records the branch
// changes, the computed risk, the change type and its catalogue entry),
// gives it an id that follows the estate's pattern and is free on every
// branch (NextID) and in the reservations every clone shares on the
// remote (ReservationsRef, pushed fast-forward only, retried when another
// clone reserved first), and writes it through the one record writer
// (internal/store), which checks it as estate validate would and never
// overwrites a file.
//
// newcr may import change, store, rules, record, core and gitrepo; it
// knows nothing of flags or output.
package newcr
