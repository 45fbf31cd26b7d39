// Package licence compares software entitlements with real use: the assets
// the inventory assigns a licence to, and the installs seen in device facts
// (packages whose name matches one of the licence's `packages:` glob
// patterns). It reports, per licence, seats entitled against seats used,
// over-deployment (non-compliance), unused seats with the cost they waste,
// and expiry.
//
// It is pure: it reads an *record.Estate and []record.Facts already loaded,
// and must not do I/O.
package licence
