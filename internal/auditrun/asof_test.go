package auditrun

import (
	"errors"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/record"
)

func TestParseAsOf(t *testing.T) {
	for in, want := range map[string]time.Time{
		"":                          {},
		"2026-11-23":                time.Date(2026, 11, 23, 23, 59, 59, 0, time.UTC),
		"2026-11-23T08:30:00Z":      time.Date(2026, 11, 23, 8, 30, 0, 0, time.UTC),
		"2026-11-23T08:30:00-05:00": time.Date(2026, 11, 23, 13, 30, 0, 0, time.UTC),
	} {
		got, err := ParseAsOf(in)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseAsOf(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"yesterday", "2026-13-01", "23/11/2026", "2026-11-23 08:00"} {
		if _, err := ParseAsOf(bad); !errors.Is(err, core.ErrUsage) {
			t.Errorf("ParseAsOf(%q): %v, want a usage error", bad, err)
		}
	}
}

func TestAfterAsOf(t *testing.T) {
	asOf := time.Date(2026, 11, 23, 23, 59, 59, 0, time.UTC)
	late := afterAsOf([]record.Device{{Source: "b", Facts: &record.Facts{CollectedAt: "2026-11-24T00:00:00Z"}}}, asOf)
	if len(late) != 1 || late[0].Pos.File != "b" || late[0].Rule != RuleAfterAsOf || late[0].Severity != record.SevHigh ||
		late[0].Evidence != "2026-11-24T00:00:00Z" {
		t.Errorf("late %+v", late)
	}
}
