package gitrepo

import "bytes"

// Git's rename scores (diffcore.h): a score is out of maxScore, and 50%
// is the least that counts as a rename or copy.
const (
	maxScore     = 60000
	minimumScore = 30000
	hashBase     = 107927
)

// spans is git's diffcore-delta fingerprint of a file: the number of
// bytes per hashed chunk, a chunk ending at a newline or at 64 bytes.
type spans map[uint32]uint32

// fingerprint hashes data the way git's hash_chars (diffcore-delta.c)
// does, CR of CRLF ignored in text files.
func fingerprint(data []byte) spans {
	isText := !bytes.Contains(data[:min(len(data), 8000)], []byte{0})
	out := spans{}
	var accum1, accum2 uint32
	n := uint32(0)
	for i := 0; i < len(data); i++ {
		c := uint32(data[i])
		if isText && c == '\r' && i+1 < len(data) && data[i+1] == '\n' {
			continue
		}
		old1 := accum1
		accum1 = (accum1 << 7) ^ (accum2 >> 25)
		accum2 = (accum2 << 7) ^ (old1 >> 25)
		accum1 += c
		n++
		if n < 64 && c != '\n' {
			continue
		}
		out[(accum1+accum2*0x61)%hashBase] += n
		n, accum1, accum2 = 0, 0, 0
	}
	if n > 0 {
		out[(accum1+accum2*0x61)%hashBase] += n
	}
	return out
}

// score is git's estimate_similarity (diffcore-rename.c) of a source of
// srcSize bytes and a destination of dstSize bytes: 0 when their sizes
// alone rule a rename out, else the bytes of src found in dst over the
// larger size, out of maxScore.
func score(src spans, srcSize int, dst spans, dstSize int) int {
	if !sizeAllows(srcSize, dstSize) || dstSize == 0 {
		return 0
	}
	copied := 0
	for h, sc := range src {
		if dc, ok := dst[h]; ok {
			copied += int(min(sc, dc))
		}
	}
	return int(int64(copied) * maxScore / int64(max(srcSize, dstSize)))
}

// sizeAllows is git's first test: sizes too far apart cannot be 50% alike.
func sizeAllows(srcSize, dstSize int) bool {
	maxSize, baseSize := max(srcSize, dstSize), min(srcSize, dstSize)
	return maxSize*(maxScore-minimumScore) >= (maxSize-baseSize)*maxScore
}
