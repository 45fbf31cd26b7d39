// Package match is estate's one way to tell which asset a device is: by
// serial, then by hostname (the short name, case aside, any domain suffix
// dropped); the placeholder serials firmware writes when it has none
// ("To Be Filled By O.E.M.", "0", ...) count as no serial.
//
// The audit, the licence report and the change plan's impact all match
// through it, so that they agree on which device is which asset. It is
// pure: it imports only package record and does no I/O.
package match
