// Package intake turns what device-management services report into
// facts documents: the Microsoft Graph v1.0 Intune managedDevice and
// detectedApp resources, and the Jamf Pro computers-inventory records.
//
// The mapping (FromIntune, FromJamf) is pure: a decoded record in, one
// record.Facts out, with what the service did not report left absent
// (unknown), never guessed. ReadFiles reads saved API pages; Pull reads
// the live, read-only APIs over HTTP with credentials taken from the
// environment (never from a flag), and never writes a secret into facts,
// failures or errors.
//
// It imports facts, record and httpretry (the one retrying transport,
// shared with the GitHub client); it prints nothing and knows nothing of
// flags: package facts/collect writes what it returns.
package intake
