package compliance

import (
	"strings"
	"testing"
	"time"
)

// TestEncodeDecode: changes written as shards read back the same, and the
// digest is that of the shards in order.
func TestEncodeDecode(t *testing.T) {
	cs := []Change{{Key{"LT-1", "C-1"}, Fail}, {Key{"LT-1", "C-2"}, Exempt}, {Key{"LT-2", "C-1"}, Pass}, {Key{"LT-3", "C-9"}, Unverified}}
	files, digest := Encode(cs)
	if len(files) != Shards {
		t.Fatalf("%d shard files, want %d", len(files), Shards)
	}
	var got []Change
	shards := make([][]byte, Shards)
	for i := range Shards {
		name := Dir + "/" + string("0123456789abcdef"[i>>4]) + string("0123456789abcdef"[i&15])
		data, ok := files[name]
		if !ok {
			t.Fatalf("no shard %s", name)
		}
		shards[i] = data
		d, err := Decode(name, data)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, d...)
	}
	Sort(got)
	if len(got) != len(cs) {
		t.Fatalf("read %v, want %v", got, cs)
	}
	for i := range cs {
		if got[i] != cs[i] {
			t.Errorf("change %d: %v, want %v", i, got[i], cs[i])
		}
	}
	if Digest(shards) != digest {
		t.Error("the digest is not that of the shards")
	}
	if !strings.Contains(string(files[Dir+"/"+Shard("LT-1")]), "LT-1\tC-1\tfail\n") {
		t.Error("LT-1 is not in its shard")
	}
}

// TestDecodeNamesThePosition: a shard that is not ours says where.
func TestDecodeNamesThePosition(t *testing.T) {
	for _, c := range []struct{ data, want string }{
		{"LT-1\tC-1\tfail\nLT-2\tC-1\tbroken\n", "s:2:10: state \"broken\""},
		{"LT-1\tC-1\n", "s:1:1: want ASSET, CONTROL and STATE"},
		{"LT-1\tC-1\tfail", "s:1:14: the last line does not end"},
	} {
		if _, err := Decode("s", []byte(c.data)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Decode(%q) = %v, want %q", c.data, err, c.want)
		}
	}
}

// TestDiffKeepsWhatWasNotJudged: a device the audit did not look at keeps
// its failure; one it judged and found passing changes to pass.
func TestDiffKeepsWhatWasNotJudged(t *testing.T) {
	prev := map[Key]State{{"LT-1", "C"}: Fail, {"LT-2", "C"}: Fail}
	cur := map[Key]State{{"LT-3", "C"}: Unverified}
	got := Diff(prev, cur, func(a string) bool { return a != "LT-2" })
	want := []Change{{Key{"LT-1", "C"}, Pass}, {Key{"LT-3", "C"}, Unverified}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Diff = %v, want %v", got, want)
	}
}

// TestFailingSince: the first failure of the current spell; unverified
// does not end it, a pass does.
func TestFailingSince(t *testing.T) {
	d := func(n int) time.Time { return time.Date(2026, 11, n, 6, 0, 0, 0, time.UTC) }
	audits := []Audit{
		{1, d(1), []Change{{Key{"A", "X"}, Fail}, {Key{"A", "Y"}, Fail}}},
		{2, d(2), []Change{{Key{"A", "X"}, Unverified}, {Key{"A", "Y"}, Pass}}},
		{3, d(3), []Change{{Key{"A", "X"}, Fail}, {Key{"A", "Y"}, Fail}}},
	}
	all := FailingSinceAll(audits)
	if all[Key{"A", "X"}] != d(1) || all[Key{"A", "Y"}] != d(3) || len(all) != 2 {
		t.Errorf("failing since %v, want X from the 1st, Y from the 3rd", all)
	}
}
