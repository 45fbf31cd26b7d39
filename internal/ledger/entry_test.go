package ledger

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestCanonicalAndChain(t *testing.T) {
	e := &Entry{Kind: KindChangeImplemented, Time: FormatTime(time.Date(2026, 11, 20, 10, 0, 0, 0, time.FixedZone("CET", 3600))),
		Commits: &Commits{Merge: "abc"}, PR: 7, Title: "Raise <macOS> & more", Approvers: []Approval{{By: "bob", At: "2026-11-20T08:00:00Z"}}}
	raw, err := Chain(e, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"seq":1,"kind":"change-implemented","time":"2026-11-20T09:00:00Z","commits":{"merge":"abc"},"pr":7,"title":"Raise <macOS> & more","approvers":[{"by":"bob","at":"2026-11-20T08:00:00Z"}],"prev":""}`
	if string(raw) != want {
		t.Fatalf("canonical JSON:\n got %s\nwant %s", raw, want)
	}
	e2 := &Entry{Kind: KindAudit, Time: "2026-11-21T00:00:00Z", Audit: &Audit{Digest: "sha256:00", Severity: map[string]int{"low": 1, "high": 2}}}
	raw2, _ := Chain(e2, e.Seq, raw)
	if e2.Seq != 2 || e2.Prev != Hash(raw) || !strings.Contains(string(raw2), `"by_severity":{"high":2,"low":1}`) {
		t.Fatalf("second entry: %s", raw2)
	}
	got, canonical, err := Decode(raw2)
	if err != nil || !canonical || got.Seq != 2 {
		t.Fatalf("decode: %v %v %+v", err, canonical, got)
	}
	if _, _, err := Decode([]byte(`{"seq":1,"kind":"audit","time":"x","prev":"","extra":1}`)); err == nil {
		t.Fatal("an unknown field was accepted")
	}
	if _, canonical, _ := Decode([]byte(`{"seq": 1,"kind":"audit","time":"x","prev":""}`)); canonical {
		t.Fatal("a spaced entry was taken as canonical")
	}
}

func TestPRFromSubject(t *testing.T) {
	for s, want := range map[string]int{
		"Merge pull request #42 from acme/branch": 42,
		"Raise the macOS minimum (#17)":           17,
		"Fix typo in #3 notes":                    0,
		"hotfix":                                  0,
	} {
		if got := PRFromSubject(s); got != want {
			t.Errorf("%q: %d, want %d", s, got, want)
		}
	}
}

func TestSamePerson(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{{"bob", "bob@example.org", true}, {"Bob@Example.org", "bob@example.org", true}, {"bob", "bobby", false},
		{"bob@a.org", "bob@b.org", false}, {"", "", false}} {
		if got := SamePerson(c.a, c.b); got != c.want {
			t.Errorf("SamePerson(%q, %q) = %v", c.a, c.b, got)
		}
	}
}

// FuzzDecode: no input panics, and an entry read as canonical encodes
// back to exactly the bytes it was read from.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"seq":1,"kind":"change-implemented","time":"2026-11-20T09:00:00Z","commits":{"merge":"abc"},"prev":""}`))
	f.Add([]byte(`{"seq":2,"kind":"audit","time":"t","audit":{"digest":"d","findings":1,"by_severity":{"a":1},"noncompliant":0},"prev":"sha256:00"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, canonical, err := Decode(data)
		if err != nil {
			return
		}
		c, err := Canonical(e)
		if err != nil {
			t.Fatal(err)
		}
		if canonical != bytes.Equal(c, data) {
			t.Fatalf("canonical=%v for %q (re-encoded %q)", canonical, data, c)
		}
		e2, canonical2, err := Decode(c)
		if err != nil || !canonical2 || Hash(c) != func() string { c2, _ := Canonical(e2); return Hash(c2) }() {
			t.Fatalf("round trip of %q: %v %v", c, err, canonical2)
		}
	})
}
