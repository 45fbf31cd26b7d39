// Package audit compares device facts with an estate: the physical audit
// (is every device we own where and with whom the inventory says, and is
// every device we see one we own?) and the functional audit (is each
// device configured as its baseline says, with exemptions honoured until
// they expire?).
//
// It is pure: it reads a record.Estate and facts already loaded in memory
// and returns findings and a compliance summary. It does no I/O, reads no
// clock (Options.Now) and imports no adapter. Loading facts and collecting
// them from devices is package facts' work.
package audit
