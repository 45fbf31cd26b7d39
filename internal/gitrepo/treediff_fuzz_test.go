package gitrepo

import (
	"strings"
	"testing"
)

// FuzzParseRawDiff: any bytes give changes or an error, never a panic;
// every change names a path and an action.
func FuzzParseRawDiff(f *testing.F) {
	f.Add([]byte(":100644 100644 " + strings.Repeat("a", 40) + " " + strings.Repeat("b", 40) + " M\x00inventory/laptop/LT-1.yaml\x00"))
	f.Add([]byte(":000000 120000 " + strings.Repeat("0", 40) + " " + strings.Repeat("b", 40) + " A\x00x\x00"))
	f.Add([]byte(":100644 000000 1 2 D\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cs, err := parseRawDiff(data)
		if err != nil {
			return
		}
		for _, c := range cs {
			if c.Action == "" || (c.From == "" && c.To == "") {
				t.Fatalf("change without action or path: %+v", c)
			}
		}
	})
}
