package factstore

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/estate-dev/estate/internal/facts"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/schema"
)

// duckDB is a folder whose node_modules holds @duckdb/node-api (DuckDB's
// own engine, as the README's query runs it): $ESTATE_DUCKDB_NODE. Outside
// CI a missing one skips; under CI=true it fails (.ci/run installs it).
func duckDB(t *testing.T) (node, prefix string) {
	t.Helper()
	prefix = os.Getenv("ESTATE_DUCKDB_NODE")
	node, err := exec.LookPath("node")
	if prefix == "" || err != nil {
		if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
			t.Fatal("DuckDB is not installed: set ESTATE_DUCKDB_NODE to a folder where npm installed @duckdb/node-api (and have node on PATH)")
		}
		t.Skip("set ESTATE_DUCKDB_NODE to a folder where npm installed @duckdb/node-api")
	}
	if _, err := os.Stat(filepath.Join(prefix, "node_modules", "@duckdb", "node-api")); err != nil {
		t.Fatalf("ESTATE_DUCKDB_NODE=%s: %v", prefix, err)
	}
	return node, prefix
}

// readmeQuery is the DuckDB query the README shows for "devices failing
// MAC-OS-001 by model": the test runs the documentation itself.
func readmeQuery(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)in DuckDB \\(checked with DuckDB [0-9.]+\\):\\s*```sql\n(.*?)```").FindSubmatch(data)
	if m == nil {
		t.Fatal("README.md: no ```sql block after \"in DuckDB (checked with DuckDB N):\"")
	}
	return string(m[1])
}

// runDuckDB runs sql in an in-memory DuckDB and returns its rows.
func runDuckDB(t *testing.T, sql string) []map[string]any {
	t.Helper()
	node, prefix := duckDB(t)
	script := `const { DuckDBInstance } = require('@duckdb/node-api');
(async () => {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const r = await c.runAndReadAll(process.env.SQL);
  process.stdout.write(JSON.stringify(r.getRowObjectsJson()));
})().catch(e => { console.error(String(e)); process.exit(1); });
`
	cmd := exec.Command(node, "-e", script)
	cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(prefix, "node_modules"), "SQL="+sql)
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("duckdb: %v\n%s\n%s", err, stderr, sql)
	}
	var rows []map[string]any
	if err := json.Unmarshal(out, &rows); err != nil {
		t.Fatalf("duckdb output %s: %v", out, err)
	}
	return rows
}

// TestDuckDBReadsTheStore: a store estate wrote is read as it is by
// DuckDB, and the README's query gives the devices failing MAC-OS-001
// by model from each device's newest facts: a device fixed since, one
// known by serial in another case, Windows, and 14.5 itself are not
// failing; every row and both partition columns are there.
func TestDuckDBReadsTheStore(t *testing.T) {
	dir := t.TempDir()
	mk := func(serial, host, model, family, version, at string) record.Device {
		f := facts.New("osquery", "results.log", at)
		f.Identity = record.Identity{Serial: serial, Hostname: host, Model: model}
		f.OS = &record.OSFacts{Family: family, Name: "macOS", Version: version}
		return record.Device{Source: host, Facts: f}
	}
	sch, err := schema.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	days := [][]record.Device{
		{
			mk("C02A", "lt-a", "MacBookPro18,3", "macos", "14.1", "2026-11-22T09:00:00Z"), // fixed the next day
			mk("C02B", "lt-b", "MacBookPro18,3", "macos", "14.4.1", "2026-11-22T09:00:00Z"),
			mk("c02c ", "lt-c", "MacBookAir10,1", "macos", "13.6.9", "2026-11-22T09:00:00Z"),
		},
		{
			mk("C02A", "lt-a", "MacBookPro18,3", "macos", "15.0", "2026-11-23T09:00:00Z"),
			mk("C02C", "lt-c", "MacBookAir10,1", "macos", "13.7", "2026-11-23T09:00:00Z"), // the same device, newer, still failing
			mk("C02D", "lt-d", "MacBookAir10,1", "macos", "14.5", "2026-11-23T09:00:00Z"),
			mk("", "kiosk-1", "Mac mini", "macos", "12.7.6", "2026-11-23T09:00:00Z"), // by hostname
			mk("W1", "pc-1", "Latitude 7440", "windows", "10.0.22631", "2026-11-23T09:00:00Z"),
		},
	}
	for _, ds := range days {
		if _, failed, err := Write(dir, ds, WriteOptions{Shards: 4, Validator: sch.NewValidator()}); err != nil || len(failed) > 0 {
			t.Fatalf("write: %v %+v", err, failed)
		}
	}
	glob := filepath.ToSlash(dir) + "/**/*.parquet"
	sql := strings.Replace(readmeQuery(t), "estate-facts/**/*.parquet", glob, 1)
	if !strings.Contains(sql, glob) {
		t.Fatal("the README's query reads no estate-facts/**/*.parquet")
	}
	got := runDuckDB(t, sql)
	want := []map[string]any{
		{"model": "Mac mini", "failing": "1"},
		{"model": "MacBookAir10,1", "failing": "1"}, // c02c and C02C are one device
		{"model": "MacBookPro18,3", "failing": "1"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("README query: got %v, want %v", got, want)
	}
	all := runDuckDB(t, "SELECT count(*) AS rows, count(DISTINCT date) AS dates, min(shard) IS NOT NULL AS sharded, "+
		"count(*) FILTER (WHERE os_family = 'macos') AS macs FROM read_parquet('"+glob+"', hive_partitioning = true)")
	if want := []map[string]any{{"rows": "8", "dates": "2", "sharded": true, "macs": "7"}}; !reflect.DeepEqual(all, want) {
		t.Errorf("rows: got %v, want %v", all, want)
	}
}
