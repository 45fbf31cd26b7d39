package evidence

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/estate-dev/estate/internal/ledger"
)

// Period is a span of time: [Start, End).
type Period struct {
	Name       string // as given: 2026-Q3, 2026-11, 2026, or FROM..TO
	Start, End time.Time
}

// Contains reports whether t falls in p.
func (p Period) Contains(t time.Time) bool { return !t.Before(p.Start) && t.Before(p.End) }

var (
	quarterRE = regexp.MustCompile(`^([0-9]{4})-Q([1-4])$`)
	monthRE   = regexp.MustCompile(`^([0-9]{4})-(0[1-9]|1[0-2])$`)
	yearRE    = regexp.MustCompile(`^([0-9]{4})$`)
	rangeRE   = regexp.MustCompile(`^([0-9]{4}-[0-9]{2}-[0-9]{2})\.\.([0-9]{4}-[0-9]{2}-[0-9]{2})$`)
)

// ParsePeriod reads a period: a quarter (2026-Q3), a month (2026-07), a
// year (2026) or two dates FROM..TO (both days included), in UTC.
func ParsePeriod(s string) (Period, error) {
	atoi := func(x string) int { n, _ := strconv.Atoi(x); return n }
	if m := quarterRE.FindStringSubmatch(s); m != nil {
		start := time.Date(atoi(m[1]), time.Month(3*(atoi(m[2])-1)+1), 1, 0, 0, 0, 0, time.UTC)
		return Period{Name: s, Start: start, End: start.AddDate(0, 3, 0)}, nil
	}
	if m := monthRE.FindStringSubmatch(s); m != nil {
		start := time.Date(atoi(m[1]), time.Month(atoi(m[2])), 1, 0, 0, 0, 0, time.UTC)
		return Period{Name: s, Start: start, End: start.AddDate(0, 1, 0)}, nil
	}
	if m := yearRE.FindStringSubmatch(s); m != nil {
		start := time.Date(atoi(m[1]), 1, 1, 0, 0, 0, 0, time.UTC)
		return Period{Name: s, Start: start, End: start.AddDate(1, 0, 0)}, nil
	}
	if m := rangeRE.FindStringSubmatch(s); m != nil {
		a, err1 := time.Parse(time.DateOnly, m[1])
		b, err2 := time.Parse(time.DateOnly, m[2])
		if err := errors.Join(err1, err2); err != nil {
			return Period{}, fmt.Errorf("period %q: %w", s, err)
		}
		if b.Before(a) {
			return Period{}, fmt.Errorf("period %q ends before it starts", s)
		}
		return Period{Name: s, Start: a, End: b.AddDate(0, 0, 1)}, nil
	}
	return Period{}, fmt.Errorf("period %q is not a quarter (2026-Q3), a month (2026-07), a year (2026) or FROM..TO (2026-07-01..2026-09-30)", s)
}

// QuarterOf is the quarter t falls in.
func QuarterOf(t time.Time) Period {
	t = t.UTC()
	p, _ := ParsePeriod(fmt.Sprintf("%04d-Q%d", t.Year(), (int(t.Month())-1)/3+1))
	return p
}

// Sample draws n of the change-implemented entries merged in p: the n
// whose SHA-256 of (seed, merge commit) is smallest. The draw depends
// only on the seed and the changes themselves, so anyone can repeat it,
// and a change recorded later does not reshuffle the sample of a closed
// period. Seed 0 means the period's name (so a period has one default
// sample). The sample is returned oldest first.
func Sample(entries []*ledger.Entry, p Period, n int, seed uint64) []*ledger.Entry {
	key := make([]byte, 8)
	if seed == 0 {
		s := sha256.Sum256([]byte(p.Name))
		seed = binary.BigEndian.Uint64(s[:8])
	}
	binary.BigEndian.PutUint64(key, seed)
	type ranked struct {
		e    *ledger.Entry
		rank [32]byte
	}
	var in []ranked
	seen := map[string]bool{}
	for _, e := range entries {
		if e.Kind != ledger.KindChangeImplemented || e.Merge() == "" || seen[e.Merge()] || !p.Contains(e.When()) {
			continue
		}
		seen[e.Merge()] = true
		in = append(in, ranked{e, sha256.Sum256(append(append([]byte{}, key...), e.Merge()...))})
	}
	sort.Slice(in, func(i, j int) bool { return string(in[i].rank[:]) < string(in[j].rank[:]) })
	if n >= 0 && n < len(in) {
		in = in[:n]
	}
	out := make([]*ledger.Entry, len(in))
	for i, r := range in {
		out[i] = r.e
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}
