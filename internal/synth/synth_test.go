package synth_test

import (
	"context"
	"strings"
	"testing"

	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/synth"
	"github.com/estate-dev/estate/internal/validate"
)

func TestGeneratedEstateValidates(t *testing.T) {
	dir := t.TempDir()
	if err := synth.Write(dir, synth.Generate(synth.Config{Assets: 600, Seed: 1})); err != nil {
		t.Fatal(err)
	}
	res := run(t, dir)
	for _, f := range res.Findings {
		t.Errorf("clean estate: %s %s", f, f.Hint)
	}
	if len(res.Estate.Assets) != 600 {
		t.Errorf("assets: got %d, want 600", len(res.Estate.Assets))
	}
}

func TestInvalidEveryBreaksRecords(t *testing.T) {
	dir := t.TempDir()
	if err := synth.Write(dir, synth.Generate(synth.Config{Assets: 120, Seed: 2, InvalidEvery: 10})); err != nil {
		t.Fatal(err)
	}
	res := run(t, dir)
	broken := map[string]bool{}
	for _, f := range res.Findings {
		broken[f.Pos.File] = true
	}
	if len(broken) != 12 {
		var lines []string
		for _, f := range res.Findings {
			lines = append(lines, f.String())
		}
		t.Errorf("want 12 broken files, got %d:\n%s", len(broken), strings.Join(lines, "\n"))
	}
}

func run(t *testing.T, dir string) *validate.Result {
	t.Helper()
	d, err := load.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	res, err := validate.Load(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	return res
}
