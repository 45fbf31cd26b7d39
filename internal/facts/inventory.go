package facts

import (
	"encoding/json"
	"fmt"

	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/schema"
)

// InventoryTargets lists every deployed or loaned asset of e with a
// hostname, in id order: the hosts 'collect --ssh-inventory' and
// 'audit --collect ssh' ask.
func InventoryTargets(e *record.Estate) []Target {
	var out []Target
	for _, a := range e.SortedAssets() {
		if (a.Status == "deployed" || a.Status == "loaned") && a.Hostname != "" {
			out = append(out, Target{Host: a.Hostname, Asset: a.ID})
		}
	}
	return out
}

// FailureFindings turns devices that could not be collected into
// findings (RuleDevice, high), at the asset's record (field hostname)
// when the host came from the inventory, else at the failure's position.
func FailureFindings(e *record.Estate, failed []Failure) []record.Finding {
	paths := map[string]string{}
	for _, r := range e.Records {
		if r.Kind == record.KindAsset {
			paths[r.ID] = r.Path
		}
	}
	var out []record.Finding
	for _, f := range failed {
		pos := f.Pos
		if pos.File == "" {
			pos.File = f.Source
		}
		fd := record.Finding{Pos: pos, Rule: RuleDevice, Severity: record.SevHigh,
			Message: f.Source + " was not collected: " + f.Reason}
		if p := paths[f.Asset]; p != "" {
			fd.Pos, fd.Record, fd.Field = record.Pos{File: p}, f.Asset, "hostname"
			fd.Owner = e.Accountable(e.Assets[f.Asset])
			fd.Message = f.Asset + " (" + f.Source + ") was not collected: " + f.Reason
		}
		out = append(out, fd)
	}
	return out
}

// Validate checks collected facts against #Facts exactly as a document
// read from a file is checked, so that nothing is written that ReadDir
// would refuse.
func Validate(v *schema.Validator, d record.Device) []record.Finding {
	data, err := json.Marshal(d.Facts)
	if err != nil {
		return []record.Finding{{Pos: record.Pos{File: d.Source}, Message: fmt.Sprintf("encode facts: %v", err)}}
	}
	root, fs := load.Parse(d.Source, data)
	if len(fs) > 0 {
		return fs
	}
	val, fs := load.Value(d.Source, root, load.Limits{MaxFileBytes: MaxFileBytes, MaxNodes: 1_000_000})
	if len(fs) > 0 {
		return fs
	}
	return v.Validate(record.KindFacts, val, d.Source, root)
}

// KeepValid splits devices into those whose facts are valid #Facts and a
// Failure ("invalid facts: ...") for each of the others.
func KeepValid(v *schema.Validator, devices []record.Device) ([]record.Device, []Failure) {
	var kept []record.Device
	var failed []Failure
	for _, d := range devices {
		if fs := Validate(v, d); len(fs) > 0 {
			failed = append(failed, Failure{Source: d.Source, Reason: "invalid facts: " + fs[0].Message})
			continue
		}
		kept = append(kept, d)
	}
	return kept, failed
}
