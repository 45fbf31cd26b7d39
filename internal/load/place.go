package load

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/estate-dev/estate/internal/record"
)

// PlaceFindings gives the findings that name a record's field (Field set, no
// line yet) the line and column of that field in tree, reading each file
// once: the field's node when it exists, else the deepest node of its path
// (the mapping a missing field belongs in). It is estate's one way to put
// a finding on a YAML line; files that cannot be read or parsed leave
// their findings where they were.
func PlaceFindings(ctx context.Context, tree Tree, fs []record.Finding) {
	byFile := map[string][]int{}
	for i, f := range fs {
		if f.Pos.Line == 0 && f.Field != "" && f.Pos.File != "" {
			byFile[f.Pos.File] = append(byFile[f.Pos.File], i)
		}
	}
	if len(byFile) == 0 {
		return
	}
	entries, err := tree.Entries(ctx)
	if err != nil {
		return
	}
	var todo []Entry
	for _, e := range entries {
		if len(byFile[e.Path]) > 0 && e.Problem == "" {
			todo = append(todo, e)
		}
	}
	// One file per worker at a time, on every core: a bad day names
	// every deployed asset's baseline (a hundred thousand files to parse).
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(todo)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := next.Add(1) - 1; j < int64(len(todo)) && ctx.Err() == nil; j = next.Add(1) - 1 {
				e := todo[j]
				data, err := tree.ReadFile(e, DefaultLimits.MaxFileBytes)
				if err != nil {
					continue
				}
				root, _ := Parse(e.Path, data)
				if root == nil {
					continue
				}
				for _, i := range byFile[e.Path] { // each finding is one file's: no two workers write one
					fs[i].Pos = PosOf(e.Path, root, fs[i].Field)
				}
			}
		}()
	}
	wg.Wait()
}
