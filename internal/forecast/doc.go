// Package forecast looks ahead over an estate: warranties that expire,
// devices due a refresh (age against a refresh policy per class, with the
// cost of replacing them), and devices due a physical audit, per month and
// per quarter over a horizon.
//
// It is pure: it reads an *record.Estate and a date, and must not do I/O.
package forecast
