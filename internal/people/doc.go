// Package people writes Person records (inventory/people/<email>.yaml)
// from a directory (Entra ID through internal/intake) or a CSV file,
// through the one writer of records (internal/store).
//
// It owns only what it wrote: a person record whose source is another
// (or that a person wrote by hand, with no source) is never replaced. A
// manager or location that would not resolve is left out, with a
// warning, so that nothing is written that estate validate refuses.
package people
