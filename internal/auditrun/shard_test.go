package auditrun

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/audit"
	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/factstore"
	"github.com/estate-dev/estate/internal/output"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/synth"
)

var shardNow = time.Date(2026, 11, 23, 23, 59, 59, 0, time.UTC)

var outputOptions = output.Options{}

// auditJSON runs the audit of dir (as of shardNow, or asOf) and writes
// its JSON report.
func auditJSONOf(t *testing.T, dir string, sh audit.Shard, asOf time.Time) []byte {
	t.Helper()
	return auditJSON(t, Options{Dir: dir, Now: shardNow, AsOf: asOf, Shard: sh})
}

func auditJSON(t *testing.T, o Options) []byte {
	t.Helper()
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	rep := res.Report("v1.2.3", record.SevHigh)
	if err := Write(&b, "json", rep, res, outputOptions); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func parts(t *testing.T, dir string, n int, asOf time.Time) []MergeInput {
	var in []MergeInput
	for k := 1; k <= n; k++ {
		in = append(in, MergeInput{Name: fmt.Sprintf("part-%d.json", k), Data: auditJSONOf(t, dir, audit.Shard{K: k, N: n}, asOf)})
	}
	return in
}

func mergedJSON(t *testing.T, in []MergeInput) []byte {
	t.Helper()
	m, err := Merge(in)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Write(&b, "json", m.Report(m.Version, m.FailOn), m.Result, outputOptions); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func synthEstate(t *testing.T, assets int) string {
	return synthEstateWith(t, assets, false)
}

// synthEstateWith is synthEstate, with a Person record for every asset
// owner when people is set, every other one a leaver (so that the audit
// reports assets still with leavers: findings of its own, not of a device).
func synthEstateWith(t *testing.T, assets int, people bool) string {
	dir := t.TempDir()
	files := synth.Generate(synth.Config{Assets: assets, Seed: 3, Now: shardNow})
	if people {
		owners := map[string]bool{}
		for _, a := range synth.Estate(files).Assets {
			if a.Owner != "" && strings.Contains(a.Owner, "@") {
				owners[strings.ToLower(a.Owner)] = true
			}
		}
		i := 0
		for _, o := range sortedKeys(owners) {
			status := "active"
			if i%2 == 1 {
				status = "leaver"
			}
			i++
			files = append(files, synth.File{Path: "inventory/people/" + o + ".yaml",
				Data: []byte("apiVersion: estate/v1\nkind: Person\nid: " + o + "\nname: P " + o + "\nstatus: " + status + "\n")})
		}
	}
	facts, err := synth.FactsFiles(synth.Facts(synth.Estate(files), synth.FactsConfig{Seed: 3, Now: shardNow.Add(-12 * time.Hour)}))
	if err != nil {
		t.Fatal(err)
	}
	if err := synth.Write(dir, append(files, facts...)); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestShardMergeSameBytes: the merge of the parts is byte for byte the
// unsharded report, on the reference estate and on a synthetic one, at
// several part counts; every part is marked as one, and holds some of the
// findings.
func TestShardMergeSameBytes(t *testing.T) {
	for _, c := range []struct {
		name, dir string
		asOf      time.Time
	}{{"reference", filepath.Join("..", ".."), time.Date(2026, 12, 1, 23, 59, 59, 0, time.UTC)}, {"synthetic", synthEstate(t, 1200), time.Time{}},
		{"people", synthEstateWith(t, 400, true), time.Time{}}} {
		whole := auditJSONOf(t, c.dir, audit.Shard{}, c.asOf)
		if bytes.Contains(whole, []byte(`"shard"`)) || bytes.Count(whole, []byte(`"rule":`)) < 20 {
			t.Fatalf("%s: the whole report is marked a part, or has few findings:\n%.400s", c.name, whole)
		}
		if c.name == "people" && !bytes.Contains(whole, []byte(`"rule": "audit/leaver"`)) {
			t.Fatalf("people: no asset with a leaver in the whole report")
		}
		for _, n := range []int{1, 3, 16} {
			in := parts(t, c.dir, n, c.asOf)
			total := 0
			for _, p := range in {
				if !bytes.Contains(p.Data, []byte(`"shard": {`)) {
					t.Fatalf("%s: %s is not marked as a part", c.name, p.Name)
				}
				total += bytes.Count(p.Data, []byte(`"rule":`))
			}
			if want := bytes.Count(whole, []byte(`"rule":`)); total != want {
				t.Errorf("%s, %d parts: %d findings in the parts, %d in the whole", c.name, n, total, want)
			}
			if got := mergedJSON(t, in); !bytes.Equal(got, whole) {
				t.Errorf("%s, %d parts: merged report differs from the unsharded one (%d and %d bytes)", c.name, n, len(got), len(whole))
			}
		}
	}
}

// TestMergeRefuses: missing and repeated parts, a whole report, and
// parts of different audits are usage errors, never a report.
// withFinding is the part report data with the first finding of other's
// added (as an edited part would be).
func withFinding(t *testing.T, data, other []byte) []byte {
	var o struct{ Findings []json.RawMessage }
	if err := json.Unmarshal(other, &o); err != nil || len(o.Findings) == 0 {
		t.Fatalf("no finding in the other part: %v", err)
	}
	out := bytes.Replace(data, []byte(`"findings": [`), append([]byte(`"findings": [`), append(o.Findings[0], ',')...), 1)
	if bytes.Equal(out, data) {
		t.Fatal("no findings array to add to")
	}
	return out
}

func TestMergeRefuses(t *testing.T) {
	ref := filepath.Join("..", "..")
	asOf := time.Date(2026, 12, 1, 23, 59, 59, 0, time.UTC)
	in := parts(t, ref, 3, asOf)
	other := parts(t, ref, 3, asOf.Add(time.Hour))
	whole := MergeInput{Name: "whole.json", Data: auditJSONOf(t, ref, audit.Shard{}, asOf)}
	four := parts(t, ref, 4, asOf)
	for name, c := range map[string]struct {
		in   []MergeInput
		want string
	}{
		"missing":   {in[:2], "part 3 of 3 missing"},
		"twice":     {[]MergeInput{in[0], in[1], in[1], in[2]}, "given twice"},
		"whole":     {[]MergeInput{in[0], whole}, "whole audit"},
		"as-of":     {[]MergeInput{in[0], in[1], other[2]}, "as_of"},
		"n":         {[]MergeInput{in[0], in[1], four[2]}, "of 3 parts"},
		"none":      {nil, "no partial reports"},
		"not json":  {[]MergeInput{{Name: "x.json", Data: []byte("{")}}, "x.json"},
		"baselines": {[]MergeInput{in[0], in[1], {Name: "p3", Data: bytes.Replace(in[2].Data, []byte(`"baselines_digest": "sha256:`), []byte(`"baselines_digest": "sha256:0`), 1)}}, "baselines"},
		"facts":     {[]MergeInput{in[0], in[1], {Name: "p3", Data: bytes.Replace(in[2].Data, []byte(`"facts_digest": "sha256:`), []byte(`"facts_digest": "sha256:0`), 1)}}, "facts"},
		"commit":    {[]MergeInput{in[0], in[1], {Name: "p3", Data: bytes.Replace(in[2].Data, []byte(`"estate_commit": "`), []byte(`"estate_commit": "0`), 1)}}, "commit"},
		"foreign":   {[]MergeInput{in[0], in[1], {Name: "p3", Data: withFinding(t, in[2].Data, in[1].Data)}}, "holds a finding of another part"},
	} {
		_, err := Merge(c.in)
		if err == nil || !errors.Is(err, core.ErrUsage) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want a usage error saying %q", name, err, c.want)
		}
	}
}

func TestParseShard(t *testing.T) {
	if s, err := ParseShard("3/16"); err != nil || s != (audit.Shard{K: 3, N: 16}) {
		t.Errorf("3/16: %v %v", s, err)
	}
	for _, bad := range []string{"0/16", "17/16", "3", "a/b", "1/0", "-1/4", "1/2000"} {
		if _, err := ParseShard(bad); !errors.Is(err, core.ErrUsage) {
			t.Errorf("%q: %v, want a usage error", bad, err)
		}
	}
}

// storeEstate is a synthetic estate whose facts are a facts store (no
// facts folder): every device's document, a second collector's for one
// device in five (merged with it), an older one of the same collector
// for one in seven (superseded), an unregistered device now and then, and
// documents collected after asOf.
func storeEstate(t *testing.T, assets int, asOf time.Time) (dir, store string) {
	dir = t.TempDir()
	files := synth.Generate(synth.Config{Assets: assets, Seed: 5, Now: shardNow})
	if err := synth.Write(dir, files); err != nil {
		t.Fatal(err)
	}
	fs := synth.Facts(synth.Estate(files), synth.FactsConfig{Seed: 5, Now: shardNow.Add(-12 * time.Hour)})
	var devices []record.Device
	add := func(f *record.Facts) { devices = append(devices, record.Device{Source: f.Identity.Hostname, Facts: f}) }
	for i, f := range fs {
		add(f)
		if i%5 == 0 {
			g := *f
			g.Collector = record.Collector{Name: "mdm", Source: "intune"}
			g.Packages, g.Identity.Hostname = nil, ""
			g.CollectedAt = shardNow.Add(-time.Duration(i%40) * time.Hour).Format(time.RFC3339)
			add(&g)
		}
		if i%7 == 0 {
			g := *f
			g.CollectedAt = shardNow.Add(-72 * time.Hour).Format(time.RFC3339)
			add(&g)
		}
		if i%11 == 0 {
			g := *f
			g.Identity.Serial, g.Identity.Hostname = fmt.Sprintf("ZZ%05d", i), fmt.Sprintf("stray-%d", i)
			add(&g)
		}
		if i%17 == 0 {
			g := *f
			g.Identity.Serial, g.Collector = "", record.Collector{Name: "ssh"}
			add(&g)
		}
		if i%19 == 0 && i+1 < len(fs) {
			// One unknown serial reported by two collectors with the
			// hostnames of two assets: the merged device is the newer's.
			g, h := *f, *fs[i+1]
			g.Identity.Serial, h.Identity.Serial = fmt.Sprintf("QQ%05d", i), fmt.Sprintf("QQ%05d", i)
			g.Collector, h.Collector = record.Collector{Name: "osquery"}, record.Collector{Name: "mdm", Source: "jamf"}
			g.CollectedAt, h.CollectedAt = shardNow.Add(-40*time.Hour).Format(time.RFC3339), shardNow.Add(-39*time.Hour).Format(time.RFC3339)
			add(&g)
			add(&h)
		}
		if i%13 == 0 && !asOf.IsZero() {
			g := *f
			g.CollectedAt = asOf.Add(time.Hour).Format(time.RFC3339)
			add(&g)
		}
	}
	store = filepath.Join(dir, "store")
	if _, failed, err := factstore.Write(store, devices, factstore.WriteOptions{Shards: 4}); err != nil || len(failed) > 0 {
		t.Fatal(failed, err)
	}
	return dir, store
}

// TestShardStoreSameBytes: from a facts store, each part reads only its
// own devices' documents in full (partSelect), and its report is byte
// for byte the report of a part that read them all (so its facts digest
// too); the merge of the parts is byte for byte the unsharded report.
func TestShardStoreSameBytes(t *testing.T) {
	for _, asOf := range []time.Time{{}, shardNow.Add(-30 * time.Hour)} {
		dir, store := storeEstate(t, 1500, asOf)
		o := Options{Dir: dir, Facts: store, Now: shardNow, AsOf: asOf}
		whole := auditJSON(t, o)
		if n := bytes.Count(whole, []byte(`"rule":`)); n < 100 || !bytes.Contains(whole, []byte(`"facts_store"`)) ||
			!bytes.Contains(whole, []byte(`audit/unregistered`)) || !bytes.Contains(whole, []byte(`"conflicts"`)) && !bytes.Contains(whole, []byte(`duplicate`)) {
			t.Fatalf("as of %v: the whole report has %d findings, or no store, strays or merged documents:\n%.600s", asOf, n, whole)
		}
		if !asOf.IsZero() && !bytes.Contains(whole, []byte(RuleAfterAsOf)) {
			t.Fatalf("as of %v: no document after it", asOf)
		}
		for _, n := range []int{1, 3, 16} {
			var in []MergeInput
			for k := 1; k <= n; k++ {
				o := o
				o.Shard = audit.Shard{K: k, N: n}
				got := auditJSON(t, o)
				noPartSelect = true
				want := auditJSON(t, o)
				noPartSelect = false
				if !bytes.Equal(got, want) {
					t.Fatalf("as of %v, part %d/%d: the report differs from a part that read every document (%d and %d bytes)", asOf, k, n, len(got), len(want))
				}
				in = append(in, MergeInput{Name: fmt.Sprintf("part-%d.json", k), Data: got})
			}
			if got := mergedJSON(t, in); !bytes.Equal(got, whole) {
				t.Errorf("as of %v, %d parts: merged report differs from the unsharded one (%d and %d bytes)", asOf, n, len(got), len(whole))
			}
		}
	}
}

// TestMergeFactsFindings: the findings on reading the facts go back to
// their places; places missing or given twice are refused.
func TestMergeFactsFindings(t *testing.T) {
	f := func(file string) record.Finding { return record.Finding{Pos: record.Pos{File: file}, Rule: "r"} }
	part := func(k int, at []int, fs ...record.Finding) *partReport {
		return &partReport{Findings: fs, Shard: &Part{K: k, N: 2, FactsFindings: at}}
	}
	got, err := mergeAll([]*partReport{part(1, []int{1}, f("z:2"), f("a")), part(2, []int{0, 2}, f("z:10"), f("z:3"), f("b"))})
	var files []string
	for _, x := range got {
		files = append(files, x.Pos.File)
	}
	if err != nil || strings.Join(files, " ") != "z:10 z:2 z:3 a b" {
		t.Errorf("merged %v %v, want z:10 z:2 z:3 a b", files, err)
	}
	for _, bad := range [][]*partReport{
		{part(1, []int{0}, f("x")), part(2, []int{0}, f("y"))},
		{part(1, []int{0}, f("x")), part(2, []int{2}, f("y"))},
		{part(1, []int{0, 1}, f("x"))},
	} {
		if _, err := mergeAll(bad); err == nil {
			t.Errorf("%+v merged", bad)
		}
	}
}
