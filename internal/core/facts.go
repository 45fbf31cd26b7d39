package core

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/estate-dev/estate/internal/facts"
	"github.com/estate-dev/estate/internal/factstore"
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
	// Before, when set, leaves out of the merge the documents collected
	// after it (an audit --as-of): they are returned in Facts.Later.
	Before time.Time
	// Pick, for a facts store, picks the documents read in full
	// (factstore.ReadPicked); a folder of documents is read whole.
	Pick func(light *record.Facts) bool
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
	// Later are the documents collected after FactsOptions.Before, unmerged.
	Later []record.Device
	// Store lists the Parquet files read, with their content hashes, when
	// Dir is a facts store (factstore) rather than a folder of documents.
	Store []factstore.File
}

// ReadFacts reads the facts documents of o.Dir, or of facts/ in the
// estate's root (o.Root, or the root FindRoot finds above it) when o.Dir
// is empty, with the one facts reader (facts.ReadDir): estate audit,
// the reports and the change plan read facts through it. Paths in sources
// and findings are relative to the estate's root for a folder inside it
// ("facts/lt-00042.json"), else as the user named the folder. A named
// folder that does not exist is an error in the request (ErrUsage); one
// that cannot be read, an error. The documents of one device (the same
// serial: Intune and osquery both report it) are merged into one
// (facts.Merge): each fact from its newest source, the conflicts listed.
// A folder that is a facts store (Parquet files in date=/shard=
// partitions; "parquet:DIR" says so explicitly) is read with
// factstore.Read, and the files read are listed with their hashes.
func ReadFacts(ctx context.Context, o FactsOptions) (*Facts, error) {
	root := cmpOr(o.Root, ".")
	if r, err := FindRoot(root); err == nil {
		root = r
	}
	dir, prefix := strings.TrimPrefix(o.Dir, factstore.Prefix), strings.TrimPrefix(o.Dir, factstore.Prefix)
	if dir == "" {
		dir, prefix = filepath.Join(root, "facts"), "facts"
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			if o.Required {
				return nil, usage(fmt.Errorf("no facts to audit: %s does not exist", dir),
					"collect them with 'estate facts collect', name a folder with --facts, or use --collect local")
			}
			return &Facts{}, nil
		}
	} else if rel, ok := inside(root, dir); ok {
		prefix = rel
	}
	sch := o.Schema
	var err error
	if sch == nil {
		if sch, err = builtin(); err != nil {
			return nil, fmt.Errorf("compile the built-in schema: %w", err)
		}
	}
	var devices []record.Device
	var findings []record.Finding
	var store []factstore.File
	if strings.HasPrefix(o.Dir, factstore.Prefix) || factstore.IsStore(dir) {
		devices, findings, store, err = factstore.ReadPicked(ctx, dir, factstore.ReadOptions{Prefix: strings.TrimSuffix(prefix, "/") + "/"}, o.Pick)
		if store == nil && err == nil {
			store = []factstore.File{}
		}
	} else {
		devices, findings, err = facts.ReadDir(ctx, dir, facts.ReadOptions{Schema: sch, Prefix: strings.TrimSuffix(prefix, "/") + "/"})
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, usage(err, "--facts names a folder of facts documents (kind: Facts, JSON or YAML) or a Parquet facts store (parquet:DIR)")
		}
		return nil, err
	}
	out := &Facts{Findings: findings, Dir: dir, Store: store}
	if !o.Before.IsZero() {
		kept := devices[:0:0]
		for _, d := range devices {
			if t, err := time.Parse(time.RFC3339, d.Facts.CollectedAt); err == nil && t.After(o.Before) {
				out.Later = append(out.Later, d)
				continue
			}
			kept = append(kept, d)
		}
		devices = kept
	}
	// One device seen by several sources is one document (facts.Merge).
	out.Devices = facts.Merge(devices)
	return out, nil
}

// inside returns p relative to root (a slash path) when p lies inside it.
func inside(root, p string) (string, bool) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", false
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return filepath.ToSlash(rel), true
}
