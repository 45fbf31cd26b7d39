package output

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/estate-dev/estate/internal/record"
)

// goldenReport is a report of every kind of finding a consumer must
// place: on a line, on a whole file, in a file whose name needs
// percent-encoding, on a branch (a logical location), with hostile text.
func goldenReport() Report {
	return Report{Tool: "validate", Version: "v1.2.3", FailOn: record.SevLow,
		Summary: map[string]int{"records": 4, "checked": 4, "cached": 0},
		Findings: []record.Finding{
			{Pos: record.Pos{File: "inventory/laptop/LT-00101.yaml", Line: 5, Col: 9}, Rule: "schema", Severity: record.SevCritical,
				Message: `status: "deploy" is not allowed`, Hint: `did you mean "deployed"?`, Record: "LT-00101", Field: "status"},
			{Pos: record.Pos{File: "inventory/laptop/LT 00102 #1.yaml"}, Rule: "layout/name", Severity: record.SevHigh,
				Message: "the file name is not the id", Hint: "rename the file to LT-00102.yaml"},
			{Pos: record.Pos{File: "inventory/desktop/DT-00401.yaml", Line: 12, Col: 3}, Rule: "audit/control", Severity: record.SevMedium,
				Message: "hostname dt-00401\n::error file=x::forged \x1b[31mred", Record: "DT-00401", Field: "hostname", Control: "EUC-002",
				Expected: "firewall on", Observed: "off", Evidence: "osquery 2026-11-23T10:00:00Z", Owner: "sam@example.org"},
			{Pos: record.Pos{File: "main"}, Rule: "ledger/uncovered", Severity: record.SevLow, Message: "a commit came through no change"},
		}}
}

// TestGolden: the SARIF and JUnit estate writes, byte for byte, against
// testdata/*.golden (ESTATE_UPDATE_GOLDEN=1 rewrites them; review the
// diff). The consumers' own validators check the same shapes in the
// conformance tests; this pins every byte between them.
func TestGolden(t *testing.T) {
	for _, format := range []string{"sarif", "junit", "github", "text"} {
		t.Run(format, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, format, goldenReport(), Options{}); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join("testdata", "report."+format+".golden")
			if os.Getenv("ESTATE_UPDATE_GOLDEN") != "" {
				if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(p)
			if err != nil {
				t.Fatalf("%v (ESTATE_UPDATE_GOLDEN=1 writes it)", err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("%s differs from %s (ESTATE_UPDATE_GOLDEN=1 rewrites it); got:\n%s", format, p, b.String())
			}
		})
	}
}
