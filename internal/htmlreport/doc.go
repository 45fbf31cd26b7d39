// Package htmlreport writes the estate service report: one self-contained
// HTML file a service manager can forward — compliance summary and trend,
// inventory by status, class and location, licences, the forecast and the
// changes of the period.
//
// Self-contained means: no script, no external resource of any kind
// (styles inline, charts inline SVG), and a Content-Security-Policy that
// forbids fetching anything, so the file renders the same offline, in a
// mail client or an archive. Every value from the estate is untrusted
// text and is escaped by html/template. Lists are bounded so that the
// report of a 100,000-asset estate stays small.
//
// The package is pure: it renders a Data value; internal/reports gathers it.
package htmlreport
