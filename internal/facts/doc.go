// Package facts turns real device state into normalized facts documents
// (#Facts in schema/facts.cue, record.Facts in Go), one per device:
//
//   - local: the machine estate runs on (Linux: /etc/os-release, the dpkg
//     and rpm databases, DMI, hostname, dm-crypt, firewall, utmp);
//   - ssh: the same facts read from remote hosts by a fixed, read-only
//     POSIX sh script over golang.org/x/crypto/ssh, with known_hosts
//     verification always on;
//   - osquery: `osqueryi --json` table output and osquery/Fleet result logs;
//   - file: facts documents already collected (JSON or YAML), validated
//     against #Facts.
//
// A fact that cannot be read is left out (unknown), never guessed; what a
// collector tried and could not read is listed in the document's errors.
// A device that fails is reported with its reason and never stops the
// others. Parsing is pure and separate from reading, so every parser is
// tested and fuzzed on bytes.
package facts
