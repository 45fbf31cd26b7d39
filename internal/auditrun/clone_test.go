package auditrun

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/estate-dev/estate/internal/core"
)

// reField matches a top-level field's line, its "key: " as group 1.
func reField(key string) *regexp.Regexp { return regexp.MustCompile(`(?m)^(` + key + `: ).*$`) }

// TestWriteClonedEstate writes the end-to-end case: the
// repository's reference estate with every facts document cloned under
// new serials and hostnames (and each matched asset with it, under a new
// id) to ESTATE_BENCH_DEVICES devices (default 73,904), and a bad day:
// every baseline asks for four packages no device has. Only when asked:
//
//	ESTATE_SYNTH_DIR=/tmp/clone74k go test -run WriteClonedEstate ./internal/auditrun
func TestWriteClonedEstate(t *testing.T) {
	dir := os.Getenv("ESTATE_SYNTH_DIR")
	if dir == "" {
		t.Skip("set ESTATE_SYNTH_DIR to write the cloned reference estate")
	}
	n := 73_904
	if v, err := strconv.Atoi(os.Getenv("ESTATE_BENCH_DEVICES")); err == nil && v > 0 {
		n = v
	}
	ref := filepath.Join("..", "..")
	est, err := core.Open(context.Background(), core.Options{Dir: ref})
	if err != nil {
		t.Fatal(err)
	}
	defer est.Close()
	// The estate but its facts and the assets that report them.
	for _, sub := range []string{"estate.yaml", "policies", "inventory", "changes"} {
		if err := os.CopyFS(filepath.Join(dir, sub), os.DirFS(filepath.Join(ref, sub))); err != nil && !os.IsExist(err) {
			if fi, serr := os.Stat(filepath.Join(ref, sub)); serr == nil && !fi.IsDir() {
				data, _ := os.ReadFile(filepath.Join(ref, sub))
				if err := os.WriteFile(filepath.Join(dir, sub), data, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			t.Fatal(err)
		}
	}
	// The bad day: four controls every device fails, in every baseline.
	bases, _ := filepath.Glob(filepath.Join(dir, "policies", "baselines", "*.yaml"))
	for _, b := range bases {
		data, _ := os.ReadFile(b)
		name := strings.ToUpper(strings.TrimSuffix(filepath.Base(b), ".yaml"))
		data = bytes.TrimRight(data, "\n")
		for k, pkg := range []string{"estate-new-agent", "estate-dlp", "estate-edr", "estate-vpn"} {
			data = append(data, fmt.Sprintf("\n  - id: NEW-%s-%03d\n    title: %s is installed\n    severity: high\n    check: {package: %s, present: true}", name, k+1, pkg, pkg)...)
		}
		data = append(data, '\n')
		if err := os.WriteFile(b, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	docs, _ := filepath.Glob(filepath.Join(ref, "facts", "*.json"))
	if len(docs) == 0 {
		t.Fatal("no facts in the reference estate")
	}
	os.MkdirAll(filepath.Join(dir, "facts"), 0o755)
	next := map[string]int{}
	for i := range n {
		src := docs[i%len(docs)]
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		id, _ := doc["identity"].(map[string]any)
		if id == nil {
			id = map[string]any{}
			doc["identity"] = id
		}
		serial, _ := id["serial"].(string)
		host, _ := id["hostname"].(string)
		rec := est.Assets[""]
		for _, a := range est.Assets {
			if (serial != "" && strings.EqualFold(a.Serial, serial)) || (serial == "" && host != "" && strings.EqualFold(a.Hostname, host)) {
				rec = a
				break
			}
		}
		newSerial, newHost := fmt.Sprintf("CL%08d", i), fmt.Sprintf("cl-%06d", i)
		id["serial"], id["hostname"] = newSerial, newHost
		out, _ := json.MarshalIndent(doc, "", "  ")
		if err := os.WriteFile(filepath.Join(dir, "facts", newHost+".json"), append(out, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		if rec == nil {
			continue // a device the inventory does not know: unregistered, as in the reference
		}
		prefix, _, _ := strings.Cut(rec.ID, "-")
		num := 10_000 + next[prefix]
		next[prefix]++
		if num > 99_999 {
			t.Fatalf("more than 90,000 clones of %s assets: the ids run out", prefix)
		}
		newID := fmt.Sprintf("%s-%05d", prefix, num)
		var path string
		for _, r := range est.Records {
			if r.Asset == rec {
				path = r.Path
			}
		}
		yml, err := os.ReadFile(filepath.Join(ref, path))
		if err != nil {
			t.Fatal(err)
		}
		s := reField("id").ReplaceAllString(string(yml), "${1}"+newID)
		s = reField("serial").ReplaceAllString(s, "${1}"+newSerial)
		s = reField("hostname").ReplaceAllString(s, "${1}"+newHost)
		if err := os.WriteFile(filepath.Join(dir, filepath.Dir(path), newID+".yaml"), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The originals' facts are not copied: their assets are missing, as
	// any asset whose device did not report.
}
