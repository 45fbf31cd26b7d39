package validate

import (
	"fmt"

	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/schema"
)

// Document checks the bytes of one record file at path (a slash path of
// the estate) exactly as Run checks a file of a tree: the size limit, then
// the YAML layer (syntax, one document, UTF-8, aliases, secrets), then the
// schema of v. It returns the findings, placed in path, and the decoded
// record (nil when the YAML layer refused it). The cross-record rules are
// not run: they need the whole estate.
func Document(v *schema.Validator, path string, data []byte, lim load.Limits) ([]record.Finding, *record.Record) {
	if lim.MaxFileBytes == 0 {
		lim = load.DefaultLimits
	}
	if int64(len(data)) > lim.MaxFileBytes {
		err := fmt.Errorf("%w: %d bytes, the limit is %d", load.ErrTooLarge, len(data), lim.MaxFileBytes)
		return []record.Finding{readFinding(path, err)}, nil
	}
	ce := checkDoc(v, path, data, "", load.Classify(path), lim)
	fs := withFile(ce.Findings, path)
	if ce.Record != nil {
		ce.Record.Path = path
	}
	return fs, ce.Record
}
