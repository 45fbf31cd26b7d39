package audit

import "hash/fnv"

// Shard names one part of a sharded audit: part K of N (1 ≤ K ≤ N). The
// zero Shard is the whole audit.
//
// An asset belongs to part ShardOf(asset id, N); a device that matches no
// asset, and a facts document's own findings, belong to the part of the
// document's path; the findings on baselines belong to part 1. So every
// finding is in exactly one part, and the parts' findings on one file are
// all in one part: merging the parts' sorted findings gives the whole
// audit's, in the same order.
type Shard struct {
	K, N int
}

// Whole says s is not a part (1/1 is a part: the one part of one).
func (s Shard) Whole() bool { return s.N == 0 }

// Has says the key (an asset id, or a facts document's path) is in s.
func (s Shard) Has(key string) bool { return s.N <= 1 || ShardOf(key, s.N) == s.K }

// ShardOf is the part (1..n) a key belongs to: the FNV-1a 64-bit hash of
// its bytes, mod n, plus 1. Stable across runs, machines and versions.
func ShardOf(key string, n int) int {
	h := fnv.New64a()
	h.Write([]byte(key))
	return int(h.Sum64()%uint64(n)) + 1
}
