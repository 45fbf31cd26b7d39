package change

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/estate-dev/estate/internal/record"
)

// The actions of a RecordChange.
const (
	ActionAdded   = "added"
	ActionRemoved = "removed"
	ActionChanged = "changed"
	ActionRenamed = "renamed" // the id changed (and maybe the file)
	ActionMoved   = "moved"   // same id, another file (e.g. another class folder)
)

// File is one file that differs between base and head, as the git tree
// diff reports it.
type File struct {
	Action   string // added, deleted, modified, renamed (gitrepo's actions)
	From, To string // slash paths; From empty when added, To when deleted
	// Link and Other are set when the head side is a symbolic link or
	// neither a file nor a link (a submodule).
	Link, Other bool
}

// Path is the path the file is known by.
func (f File) Path() string {
	if f.To != "" {
		return f.To
	}
	return f.From
}

// RecordChange is one record that differs between base and head.
type RecordChange struct {
	Action  string      `json:"action"`
	Kind    record.Kind `json:"kind"`
	ID      string      `json:"id"`
	OldID   string      `json:"old_id,omitempty"`
	Path    string      `json:"path"`
	OldPath string      `json:"old_path,omitempty"`
	Class   string      `json:"class,omitempty"`
	// Fields are the changed fields, old → new, in path order.
	Fields []FieldChange `json:"fields,omitempty"`
	// Unreadable is set when one side could not be read as a record (its
	// findings say why); Fields are then unknown.
	Unreadable bool `json:"unreadable,omitempty"`

	old, new *record.Record
}

// FieldChange is one field's old and new value. Values are shown as
// written (scalars) or as compact JSON (lists and maps); absent is "".
type FieldChange struct {
	Field string `json:"field"` // e.g. owner, purchase.cost, controls[MAC-OS-001].check.version
	Old   string `json:"old,omitempty"`
	New   string `json:"new,omitempty"`
	// Locator is the field's path for load.Find on the side that has it
	// (head when present), e.g. controls.3.check.version.
	Locator string `json:"-"`
}

// Old and New return the record on each side (nil when absent).
func (c RecordChange) OldRecord() *record.Record { return c.old }
func (c RecordChange) NewRecord() *record.Record { return c.new }

// FieldNames returns the changed field paths.
func (c RecordChange) FieldNames() []string {
	out := make([]string, len(c.Fields))
	for i, f := range c.Fields {
		out[i] = f.Field
	}
	return out
}

// DiffRecords pairs the records of the changed files and diffs them field
// by field. base and head hold (at least) the records of those files.
// Records that git saw as a delete and an add but that keep their kind and
// id are reported as moved, not as a removal and an addition.
func DiffRecords(base, head *record.Estate, files []File) []RecordChange {
	byPath := func(e *record.Estate) map[string]*record.Record {
		m := map[string]*record.Record{}
		if e != nil {
			for _, r := range e.Records {
				m[r.Path] = r
			}
		}
		return m
	}
	bp, hp := byPath(base), byPath(head)
	var out []RecordChange
	for _, f := range files {
		var o, n *record.Record
		if f.From != "" {
			o = bp[f.From]
		}
		if f.To != "" {
			n = hp[f.To]
		}
		if o == nil && n == nil {
			if isRecordPath(f.From) || isRecordPath(f.To) {
				out = append(out, RecordChange{Action: fileAction(f), Path: f.Path(), OldPath: oldPath(f), Unreadable: true})
			}
			continue
		}
		rc := RecordChange{old: o, new: n, Path: f.Path()}
		switch {
		case o == nil:
			rc.Action, rc.Kind, rc.ID = ActionAdded, n.Kind, n.ID
			rc.Unreadable = f.From != ""
		case n == nil:
			rc.Action, rc.Kind, rc.ID = ActionRemoved, o.Kind, o.ID
			rc.Unreadable = f.To != ""
		default:
			rc.Kind, rc.ID = n.Kind, n.ID
			rc.Action = ActionChanged
			if f.From != f.To {
				rc.OldPath = f.From
				rc.Action = ActionMoved
			}
			if o.ID != n.ID || o.Kind != n.Kind {
				rc.OldID = o.ID
				rc.Action = ActionRenamed
			}
			rc.Fields = DiffFields(o.Value(), n.Value())
		}
		rc.Class = classOf(n)
		if rc.Class == "" {
			rc.Class = classOf(o)
		}
		out = append(out, rc)
	}
	out = pairMoves(out)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// pairMoves pairs a removal with an addition that is the same record:
// the same kind and id (moved to another file), or, with another id, the
// same asset serial or otherwise equal fields (renamed). git reports only
// exact renames; records are too small and alike for content similarity.
func pairMoves(cs []RecordChange) []RecordChange {
	var added, removed []int
	for i, c := range cs {
		switch {
		case c.Unreadable:
		case c.Action == ActionAdded:
			added = append(added, i)
		case c.Action == ActionRemoved:
			removed = append(removed, i)
		}
	}
	if len(added) == 0 || len(removed) == 0 {
		return cs
	}
	drop := map[int]bool{}
	pair := func(i, j int) {
		o, n := cs[i], cs[j]
		rc := RecordChange{Action: ActionMoved, Kind: n.Kind, ID: n.ID, Path: n.Path, OldPath: o.Path,
			Class: n.Class, old: o.old, new: n.new, Fields: DiffFields(o.old.Value(), n.new.Value())}
		if o.ID != n.ID {
			rc.Action, rc.OldID = ActionRenamed, o.ID
		}
		cs[i] = rc
		drop[j] = true
	}
	same := func(i, j int, by func(o, n RecordChange) bool) bool {
		return !drop[j] && cs[i].Action == ActionRemoved && cs[i].Kind == cs[j].Kind && by(cs[i], cs[j])
	}
	byID := func(o, n RecordChange) bool { return o.ID == n.ID }
	bySerial := func(o, n RecordChange) bool {
		return o.old.Asset != nil && n.new.Asset != nil && o.old.Asset.Serial != "" && o.old.Asset.Serial == n.new.Asset.Serial
	}
	byFields := func(o, n RecordChange) bool {
		fs := DiffFields(o.old.Value(), n.new.Value())
		return len(fs) == 1 && fs[0].Field == "id"
	}
	for _, by := range []func(o, n RecordChange) bool{byID, bySerial, byFields} {
		for _, i := range removed {
			for _, j := range added {
				if same(i, j, by) {
					pair(i, j)
					break
				}
			}
		}
	}
	if len(drop) == 0 {
		return cs
	}
	out := cs[:0:0]
	for i, c := range cs {
		if !drop[i] {
			out = append(out, c)
		}
	}
	return out
}

func fileAction(f File) string {
	switch f.Action {
	case "added":
		return ActionAdded
	case "deleted":
		return ActionRemoved
	case "renamed":
		return ActionMoved
	}
	return ActionChanged
}

func oldPath(f File) string {
	if f.From != f.To && f.To != "" {
		return f.From
	}
	return ""
}

func classOf(r *record.Record) string {
	if r != nil && r.Asset != nil {
		return r.Asset.Class
	}
	return ""
}

// isRecordPath reports whether p is under a folder that holds records.
func isRecordPath(p string) bool {
	return p == "estate.yaml" || strings.HasPrefix(p, "inventory/") || strings.HasPrefix(p, "policies/") || strings.HasPrefix(p, "changes/") || strings.HasPrefix(p, "problems/")
}

// DiffFields compares two typed records (e.g. two *record.Asset) field by
// field. Lists of maps are keyed by their id (or control, or name) so a
// reordered list is no change and a changed control is named by its id.
func DiffFields(old, new any) []FieldChange {
	of, nf := map[string]leaf{}, map[string]leaf{}
	oe, ne := map[string]leaf{}, map[string]leaf{}
	flatten(generic(old), "", "", of, oe)
	flatten(generic(new), "", "", nf, ne)
	// A list element (a control, an exemption) only on one side is one
	// change, shown whole, not one per field.
	var out []FieldChange
	var whole []string
	for k, o := range oe {
		if _, ok := ne[k]; !ok {
			out = append(out, FieldChange{Field: k, Old: o.value, Locator: o.locator})
			whole = append(whole, k)
		}
	}
	for k, n := range ne {
		if _, ok := oe[k]; !ok {
			out = append(out, FieldChange{Field: k, New: n.value, Locator: n.locator})
			whole = append(whole, k)
		}
	}
	inWhole := func(f string) bool {
		for _, w := range whole {
			if strings.HasPrefix(f, w+".") || strings.HasPrefix(f, w+"[") {
				return true
			}
		}
		return false
	}
	keys := map[string]bool{}
	for k := range of {
		keys[k] = true
	}
	for k := range nf {
		keys[k] = true
	}
	for k := range keys {
		o, n := of[k], nf[k]
		if (o.value == n.value && o.set == n.set) || inWhole(k) {
			continue
		}
		loc := n.locator
		if !n.set {
			loc = o.locator
		}
		out = append(out, FieldChange{Field: k, Old: o.value, New: n.value, Locator: loc})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

type leaf struct {
	value   string
	locator string
	set     bool
}

// generic turns a typed record into maps, lists and scalars by its JSON
// tags (which follow the YAML keys), exactly as a JSON round trip would
// (numbers become float64, omitempty fields that are empty are left out;
// TestGenericMatchesJSON proves it), without encoding anything.
func generic(v any) any {
	if v == nil {
		return nil
	}
	return toGeneric(reflect.ValueOf(v))
}

func toGeneric(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return toGeneric(v.Elem())
	case reflect.Struct:
		fields := fieldsOf(v.Type())
		m := make(map[string]any, len(fields))
		for _, f := range fields {
			fv := v.Field(f.index)
			if f.omitEmpty && emptyJSON(fv) {
				continue
			}
			m[f.name] = toGeneric(fv)
		}
		return m
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		fallthrough
	case reflect.Array:
		out := make([]any, v.Len())
		for i := range out {
			out[i] = toGeneric(v.Index(i))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return nil
		}
		m := make(map[string]any, v.Len())
		it := v.MapRange()
		for it.Next() {
			m[fmt.Sprint(it.Key().Interface())] = toGeneric(it.Value())
		}
		return m
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return float64(v.Uint())
	case reflect.Float32, reflect.Float64:
		return v.Float()
	}
	return nil
}

type jsonField struct {
	index     int
	name      string
	omitEmpty bool
}

var fieldCache sync.Map // reflect.Type → []jsonField

// fieldsOf returns a struct type's exported fields by their JSON names.
func fieldsOf(t reflect.Type) []jsonField {
	if f, ok := fieldCache.Load(t); ok {
		return f.([]jsonField)
	}
	var out []jsonField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, jsonField{index: i, name: name, omitEmpty: strings.Contains(","+opts+",", ",omitempty,")})
	}
	fieldCache.Store(t, out)
	return out
}

// emptyJSON is encoding/json's omitempty test.
func emptyJSON(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}

func flatten(v any, path, loc string, out, elems map[string]leaf) {
	join := func(a, b string) string {
		if a == "" {
			return b
		}
		return a + "." + b
	}
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if k == "apiVersion" || k == "kind" {
				continue
			}
			flatten(x, join(path, k), join(loc, k), out, elems)
		}
	case []any:
		keyed := len(v) > 0
		keys := map[string]bool{}
		for _, x := range v {
			k := listKey(x)
			if k == "" || keys[k] {
				keyed = false
				break
			}
			keys[k] = true
		}
		if !keyed {
			out[path] = leaf{value: scalar(v), locator: loc, set: true}
			return
		}
		for i, x := range v {
			p, l := path+"["+listKey(x)+"]", join(loc, strconv.Itoa(i))
			elems[p] = leaf{value: scalar(x), locator: l, set: true}
			flatten(x, p, l, out, elems)
		}
	case nil:
	default:
		out[path] = leaf{value: scalar(v), locator: loc, set: true}
	}
}

// listKey is what names an element of a list of maps.
func listKey(x any) string {
	m, ok := x.(map[string]any)
	if !ok {
		return ""
	}
	for _, k := range []string{"id", "control", "name"} {
		if s, ok := m[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

func scalar(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}
