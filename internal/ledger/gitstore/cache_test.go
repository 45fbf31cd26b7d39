package gitstore

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

func TestEntriesCacheExtendsAndNoticesRewrites(t *testing.T) {
	ctx := context.Background()
	s := open(t, bare(t))
	for i := 0; i < 3; i++ {
		if _, err := s.Append(ctx, recordMerge(fmt.Sprintf("%040x", i))); err != nil {
			t.Fatal(err)
		}
	}
	es, err := s.Entries(ctx)
	if err != nil || len(es) != 3 {
		t.Fatalf("%d entries, %v", len(es), err)
	}
	// Appended since: the cache is extended.
	if _, err := s.Append(ctx, recordMerge(fmt.Sprintf("%040x", 3))); err != nil {
		t.Fatal(err)
	}
	if es, _ = s.Entries(ctx); len(es) != 4 || es[3].Seq != 4 {
		t.Fatalf("after an append: %d entries", len(es))
	}
	// Rewritten: read again in full, the cache does not hide it.
	tamper(t, s, func(l []string) []string {
		l[1] = strings.Replace(l[1], "change ", "chang3 ", 1)
		return l[:3]
	})
	es, _ = s.Entries(ctx)
	if len(es) != 3 || !strings.HasPrefix(es[1].Title, "chang3") {
		t.Fatalf("after a rewrite: %d entries, %q", len(es), es[1].Title)
	}
}
