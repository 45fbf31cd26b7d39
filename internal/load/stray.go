package load

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/estate-dev/estate/internal/record"
)

// StrayDepth is how deep below the repository root a YAML file outside
// Roots is still looked at as a record put in the wrong place
// (assets/LT-1.yaml, assets/laptop/LT-1.yaml): deeper files belong to
// something else (a tool's test data, a template).
const StrayDepth = 3

// Outside reports whether slash path p lies outside Roots: a file no
// record may be in.
func Outside(p string) bool {
	top, _, _ := strings.Cut(p, "/")
	return !slices.Contains(Roots, top)
}

// strays lists the YAML files outside Roots, down to StrayDepth, in
// folders that are neither hidden nor links: those a person could have
// meant as records. Their content decides (Stray); listing them costs a
// few folder reads.
func (d *Dir) strays(ctx context.Context) ([]Entry, error) {
	var out []Entry
	var walk func(dir string, depth int) error
	walk = func(dir string, depth int) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		f, err := os.Open(filepath.Join(d.root, filepath.FromSlash(dir)))
		if err != nil {
			if errors.Is(err, fs.ErrPermission) {
				return nil // a folder nobody may read holds no record of ours
			}
			return fmt.Errorf("list %s: %w", cmpDot(dir), err)
		}
		des, err := f.ReadDir(-1)
		f.Close()
		if err != nil {
			return fmt.Errorf("list %s: %w", cmpDot(dir), err)
		}
		for _, de := range des {
			name := de.Name()
			p := path.Join(dir, name)
			if strings.HasPrefix(name, ".") || (dir == "." && !Outside(p)) {
				continue
			}
			switch t := de.Type(); {
			case t.IsDir() && depth < StrayDepth:
				if err := walk(p, depth+1); err != nil {
					return err
				}
			case t.IsRegular() && (path.Ext(name) == ".yaml" || path.Ext(name) == ".yml"):
				info, err := de.Info()
				if err != nil {
					continue // gone since it was listed
				}
				out = append(out, Entry{Path: p, Size: info.Size(), ModTime: info.ModTime().UnixNano()})
			}
		}
		return nil
	}
	if err := walk(".", 1); err != nil {
		return nil, err
	}
	return out, nil
}

func cmpDot(dir string) string {
	if dir == "." {
		return "the repository root"
	}
	return dir
}

// Stray says whether the file at p (outside Roots) holding data is a
// record of the estate in the wrong place (a kind, with apiVersion
// estate/... or, for a kind of record, none), and if so returns the finding that says where it belongs.
// Any other YAML file (a workflow, a tool's settings, a Facts document)
// is not the estate's, and gets no finding.
func Stray(p string, data []byte) (record.Finding, bool) {
	root, fs := Parse(p, data)
	if fs != nil || root == nil {
		return record.Finding{}, false
	}
	api, hasAPI := Find(root, "apiVersion")
	kind, hasKind := Find(root, "kind")
	if !hasKind || kind.Kind != yaml.ScalarNode {
		return record.Finding{}, false
	}
	k := record.Kind(kind.Value)
	switch {
	case k == record.KindFacts:
		return record.Finding{}, false
	case hasAPI && api.Kind == yaml.ScalarNode && strings.HasPrefix(api.Value, "estate/"):
	case !hasAPI && k.Known():
		// A record that forgot its apiVersion is still a record.
	default:
		return record.Finding{}, false
	}
	base := strings.TrimSuffix(path.Base(p), path.Ext(p))
	where := map[record.Kind]string{
		record.KindAsset:         "inventory/<class>/" + base + ".yaml",
		record.KindLicence:       "inventory/licences/" + base + ".yaml",
		record.KindLocation:      "inventory/locations/" + base + ".yaml",
		record.KindPerson:        "inventory/people/" + base + ".yaml",
		record.KindBaseline:      "policies/baselines/" + base + ".yaml",
		record.KindChangePolicy:  "policies/change-control.yaml",
		record.KindChangeRequest: "changes/" + base + ".yaml",
		record.KindSettings:      "estate.yaml",
		record.KindProblem:       "problems/" + base + ".yaml",
	}[k]
	hint := "move it to where the layout puts its kind (see the repository layout in the README)"
	if where != "" {
		hint = "move it to " + where
	}
	return record.Finding{Pos: record.Pos{File: p, Line: 1, Col: 1}, Rule: RuleLayout, Severity: record.SeverityError,
		Message: "an estate record outside the estate's folders is never read: no record belongs at this path",
		Hint:    hint}, true
}
