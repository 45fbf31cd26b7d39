// Package collect runs 'estate facts collect': it gathers device facts
// from one source (this machine, SSH hosts named or taken from the
// inventory, osquery output, Intune or Jamf Pro pages saved or pulled
// live through package intake, or facts documents already collected),
// keeps only documents that are valid #Facts, and writes them into a
// folder, one file per device. Devices that fail are results, never
// errors.
//
// It holds the orchestration that sits above package facts (the
// collectors and parsers): it may import core (to read the inventory),
// facts, intake, record and schema; it knows nothing of flags or terminals and
// prints nothing: the caller writes the Result.
package collect
