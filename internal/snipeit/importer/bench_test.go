package importer

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/estate-dev/estate/internal/scaffold"
)

// BenchmarkImport5k imports 5,000 rows into a fresh estate: every record
// rendered, checked against the effective schema and written atomically,
// locations first, the file system flushed once at the end.
//
//	go test ./internal/snipeit/importer -run '^$' -bench Import5k -count 6
func BenchmarkImport5k(b *testing.B) {
	var csv strings.Builder
	csv.WriteString(header)
	for i := 1; i <= 5000; i++ {
		csv.WriteString(row(10000+i, fmt.Sprintf("Site %d", i%20), "imported"))
	}
	file := writeFile(b, "assets.csv", csv.String())
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir() + "/estate"
		if _, err := scaffold.Init(scaffold.InitOptions{Dir: dir, NoGit: true, Now: now}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		rep, err := Run(context.Background(), Options{Dir: dir, File: file})
		if err != nil || rep.Created < 5000 {
			b.Fatalf("created %d: %v", rep.Created, err)
		}
	}
}
