package audit

import (
	"reflect"
	"testing"
)

// TestSummaryAddsEveryCount: each summary type's Add sums every int
// field it has but the settings, so a count added to a type is summed by
// the merge of a sharded audit or this test fails.
func TestSummaryAddsEveryCount(t *testing.T) {
	check := func(name string, v any, add func(), skip ...string) {
		t.Helper()
		rv := reflect.ValueOf(v).Elem()
		set := func(n int64) {
			for i := range rv.NumField() {
				if f := rv.Field(i); f.Kind() == reflect.Int {
					f.SetInt(n)
				}
			}
		}
		set(1)
		add() // adds a copy holding 1s
		for i := range rv.NumField() {
			f, ft := rv.Field(i), rv.Type().Field(i)
			if f.Kind() != reflect.Int || contains(skip, ft.Name) {
				continue
			}
			if f.Int() != 2 {
				t.Errorf("%s.Add leaves out %s", name, ft.Name)
			}
		}
	}
	var s Summary
	check("Summary", &s, func() { x := s; s.Add(x) }, "MissingAfterDays")
	var b BaselineSummary
	check("BaselineSummary", &b, func() { x := b; b.Add(x) })
	var c ControlSummary
	check("ControlSummary", &c, func() { x := c; c.Add(x) })
	var l LocationSummary
	check("LocationSummary", &l, func() { x := l; l.Add(x) })
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}
