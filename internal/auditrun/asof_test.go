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

func TestBeforeAsOf(t *testing.T) {
	dev := func(src, at string) record.Device {
		return record.Device{Source: src, Facts: &record.Facts{CollectedAt: at}}
	}
	asOf := time.Date(2026, 11, 23, 23, 59, 59, 0, time.UTC)
	in := []record.Device{dev("a", "2026-11-23T23:59:59Z"), dev("b", "2026-11-24T00:00:00Z"), dev("c", "not a time"), {Source: "d"}}
	kept, late := beforeAsOf(in, asOf)
	if len(kept) != 3 || kept[0].Source != "a" || kept[1].Source != "c" || kept[2].Source != "d" {
		t.Errorf("kept %+v", kept)
	}
	if len(late) != 1 || late[0].Pos.File != "b" || late[0].Rule != RuleAfterAsOf || late[0].Severity != record.SevHigh {
		t.Errorf("late %+v", late)
	}
	if in[1].Source != "b" {
		t.Error("beforeAsOf changed its input")
	}
}
