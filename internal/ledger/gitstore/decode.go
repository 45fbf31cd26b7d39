package gitstore

import "github.com/estate-dev/estate/internal/load"

// decodeRecord fills out (a pointer to a record type) from the YAML
// document data the way estate validate reads a record (load.Parse,
// load.Value, load.Decode: its safety limits, duplicate keys refused). It
// reports false when data is not a usable document; a field of the wrong
// type is left zero (validate reports it).
func decodeRecord(file string, data []byte, out any) bool {
	root, fs := load.Parse(file, data)
	if len(fs) > 0 || root == nil {
		return false
	}
	value, fs := load.Value(file, root, load.DefaultLimits)
	if len(fs) > 0 {
		return false
	}
	load.Decode(value, out)
	return true
}
