// Package intake turns what device-management services report into
// facts documents: the Microsoft Graph v1.0 Intune managedDevice and
// detectedApp resources, the Jamf Pro computers-inventory records, Fleet's
// hosts (with software and policy results) and the Google Admin SDK
// Directory's chromeosdevices.
//
// The mapping (FromIntune, FromJamf, FromFleet, FromGoogle) is pure: a decoded record in, one
// record.Facts out, with what the service did not report left absent
// (unknown), never guessed. ReadFiles reads saved API pages; Stream (and
// Pull, its slice) reads the live, read-only APIs over HTTP, a few pages
// in flight and each page's devices handed on as it arrives, with
// credentials taken from the
// environment (never from a flag), and never writes a secret into facts,
// failures or errors.
//
// It imports facts, record and httpretry (the one retrying transport,
// shared with the GitHub client); it prints nothing and knows nothing of
// flags: package facts/collect writes what it returns.
package intake
