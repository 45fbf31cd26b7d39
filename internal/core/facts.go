package core

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/estate-dev/estate/internal/facts"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/schema"
)

// FactsOptions say which facts documents ReadFacts reads.
type FactsOptions struct {
	// Root is the estate's directory: its facts/ folder is the default.
	Root string
	// Dir is a folder the user named (--facts); "" for facts/ in Root.
	Dir string
	// Schema validates each document against #Facts (nil: the built-in).
	Schema *schema.Schema
	// Required makes a missing default folder an error (ErrUsage) rather
	// than no facts at all.
	Required bool
}

// Facts are the facts documents ReadFacts read.
type Facts struct {
	// Devices are the valid documents, one per device.
	Devices []record.Device
	// Findings are the files that could not be used, at their
	// file:line:column: below SevMedium a file that is not a facts
	// document at all, else a facts document that is broken.
	Findings []record.Finding
	// Dir is the folder read ("" when the default folder does not exist
	// and was not required: no facts).
	Dir string
}

// ReadFacts reads the facts documents of o.Dir, or of facts/ in o.Root
// when o.Dir is empty, with the one facts reader (facts.ReadDir). Paths
// in sources and findings start with the folder as the user named it
// ("facts/" for the default). A named folder that does not exist is an
// error in the request (ErrUsage); one that cannot be read, an error.
func ReadFacts(ctx context.Context, o FactsOptions) (*Facts, error) {
	dir, prefix := o.Dir, o.Dir
	if dir == "" {
		dir, prefix = filepath.Join(cmpOr(o.Root, "."), "facts"), "facts"
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			if o.Required {
				return nil, usage(fmt.Errorf("no facts: %s is not a folder", dir),
					"collect them with 'estate facts collect', or name a folder with --facts")
			}
			return &Facts{}, nil
		}
	}
	sch := o.Schema
	if sch == nil {
		var err error
		if sch, err = builtin(); err != nil {
			return nil, fmt.Errorf("compile the built-in schema: %w", err)
		}
	}
	devices, findings, err := facts.ReadDir(ctx, dir, facts.ReadOptions{Schema: sch, Prefix: strings.TrimSuffix(prefix, "/") + "/"})
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, usage(err, "--facts names a folder of facts documents (kind: Facts, JSON or YAML)")
		}
		return nil, err
	}
	return &Facts{Devices: devices, Findings: findings, Dir: dir}, nil
}
