package factstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"

	"github.com/estate-dev/estate/internal/atomicfile"
	"github.com/estate-dev/estate/internal/facts"
	"github.com/estate-dev/estate/internal/match"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/schema"
)

// Prefix names a store where a folder of facts documents is otherwise
// expected: --out parquet:DIR.
const Prefix = "parquet:"

// DefaultShards is how many shards a day is split into.
const DefaultShards = 16

// RuleRow is a row of the store that is no valid facts document.
const RuleRow = "facts/row"

// metaAPIVersion is the key-value metadata that makes a file estate's.
const metaAPIVersion = "estate.apiVersion"

// WriteOptions tune Write.
type WriteOptions struct {
	Shards int // default DefaultShards
	// Validator, when set, checks every document against #Facts before it
	// is written (facts.Encode), as a facts folder's are.
	Validator *schema.Validator
	// RowGroup is the most rows in a row group (default 20,000).
	RowGroup int
}

// Written is one device Write wrote: the file and row that hold it.
type Written struct {
	Path   string
	Row    int // 1-based
	Device record.Device
}

// Partition is where a device's facts go: date=YYYY-MM-DD/shard=NN, the
// date of collected_at in UTC and the shard by an FNV-1a hash of the
// device's key (match.DeviceKey), so one device's documents of a day
// share a shard. ok is false when collected_at is not a time.
func Partition(f *record.Facts, shards int) (string, bool) {
	t, err := time.Parse(time.RFC3339, f.CollectedAt)
	if err != nil {
		return "", false
	}
	h := fnv.New32a()
	io.WriteString(h, match.DeviceKey(f))
	return fmt.Sprintf("date=%s/shard=%02d", t.UTC().Format(time.DateOnly), h.Sum32()%uint32(shards)), true
}

// Write adds the devices' facts to the store in dir, as Hive partitions
// date=YYYY-MM-DD/shard=NN/part-N.parquet (N the next free number: a
// write never changes a file already there), each file written
// atomically. Facts estate would refuse are not written but failed, with
// the reason. The error means writing could not go on.
func Write(dir string, devices []record.Device, o WriteOptions) ([]Written, []facts.Failure, error) {
	if o.Shards <= 0 {
		o.Shards = DefaultShards
	}
	if o.RowGroup <= 0 {
		o.RowGroup = 20_000
	}
	parts := map[string][]int{}
	var failed []facts.Failure
	for i, d := range devices {
		r := FromFacts(d.Facts)
		if p := r.problem(); p != "" {
			failed = append(failed, facts.Failure{Source: d.Source, Reason: p + ": not written"})
			continue
		}
		if o.Validator != nil {
			if _, fs := facts.Encode(d, "json", o.Validator); len(fs) > 0 {
				failed = append(failed, facts.Failure{Source: d.Source, Reason: fs[0].Message, Pos: fs[0].Pos})
				continue
			}
		}
		p, _ := Partition(d.Facts, o.Shards)
		parts[p] = append(parts[p], i)
	}
	keys := make([]string, 0, len(parts))
	for k := range parts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []Written
	for _, k := range keys {
		pdir := filepath.Join(dir, filepath.FromSlash(k))
		if err := os.MkdirAll(pdir, 0o755); err != nil {
			return out, failed, fmt.Errorf("write facts store: %w", err)
		}
		file, err := nextPart(pdir)
		if err != nil {
			return out, failed, fmt.Errorf("write facts store: %w", err)
		}
		rows := make([]Row, len(parts[k]))
		for j, i := range parts[k] {
			rows[j] = FromFacts(devices[i].Facts)
		}
		err = atomicfile.Write(file, func(w io.Writer) error {
			pw := parquet.NewGenericWriter[Row](w, parquet.Compression(&zstd.Codec{Level: zstd.SpeedDefault}),
				parquet.MaxRowsPerRowGroup(int64(o.RowGroup)), parquet.KeyValueMetadata(metaAPIVersion, record.APIVersion),
				parquet.CreatedBy("estate", facts.Collector, ""))
			if _, err := pw.Write(rows); err != nil {
				return err
			}
			return pw.Close()
		})
		if err != nil {
			return out, failed, fmt.Errorf("write facts store %s: %w", file, err)
		}
		for j, i := range parts[k] {
			out = append(out, Written{Path: file, Row: j + 1, Device: devices[i]})
		}
	}
	return out, failed, nil
}

// nextPart is the first part-N.parquet not yet in dir.
func nextPart(dir string) (string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	have := map[string]bool{}
	for _, e := range ents {
		have[e.Name()] = true
	}
	for n := 0; ; n++ {
		name := fmt.Sprintf("part-%d.parquet", n)
		if !have[name] {
			return filepath.Join(dir, name), nil
		}
	}
}

// File is one Parquet file of a store, as read: its path (slash, from
// the store's folder), content hash and rows.
type File struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Rows   int64  `json:"rows"`
}

// IsStore says whether dir is a facts store: a folder with a date=
// partition or a .parquet file directly in it.
func IsStore(dir string) bool {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		if (e.IsDir() && strings.HasPrefix(e.Name(), "date=")) || (!e.IsDir() && strings.HasSuffix(e.Name(), ".parquet")) {
			return true
		}
	}
	return false
}

// ReadOptions tune Read.
type ReadOptions struct {
	Workers int // files read at once (default: all cores)
	// Prefix is put before each file's path in Sources and findings.
	Prefix string
	// rowReader reads every file with the row reader (the reference the
	// column reader is tested against).
	rowReader bool
}

// Read reads every .parquet file under dir (any partitions), each in
// full into memory and hashed as it is read, so the hashes are of the
// bytes audited. A row that is no valid facts document is a finding at
// file:row (line = row, 1-based) and its device is not used; a file
// that is not an estate facts file is a finding at the file. Files come
// back sorted by path, devices in file and row order. The error means dir
// itself could not be read.
func Read(ctx context.Context, dir string, o ReadOptions) ([]record.Device, []record.Finding, []File, error) {
	return ReadPicked(ctx, dir, o, nil)
}

// ReadPicked is Read building in full only the devices pick picks (nil:
// every one), from the reading goroutines at once: pick is asked of
// every valid row, given its light facts (collected_at, the collector and
// the identity only: what facts.Merge groups by and the matcher matches
// by; in full for a file the row reader reads), valid during the call
// only. The findings and file hashes are Read's. A sharded audit's part
// reads only its own devices' facts in full so.
func ReadPicked(ctx context.Context, dir string, o ReadOptions, pick func(light *record.Facts) bool) ([]record.Device, []record.Finding, []File, error) {
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("read facts store: %w", err)
	}
	defer root.Close()
	var names []string
	var findings []record.Finding
	err = fs.WalkDir(root.FS(), ".", func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if de.IsDir() {
			if p != "." && strings.HasPrefix(de.Name(), ".") {
				return fs.SkipDir
			}
			return ctx.Err()
		}
		switch name := de.Name(); {
		case strings.HasPrefix(name, "."), strings.EqualFold(name, "README.md"), strings.HasPrefix(name, "_"): // _SUCCESS, _common_metadata
		case !strings.HasSuffix(name, ".parquet"):
			findings = append(findings, record.Finding{Pos: record.Pos{File: o.Prefix + p}, Rule: facts.RuleFile, Severity: record.SevLow,
				Message: "not a Parquet file of the facts store (want .parquet); it was not read"})
		case !de.Type().IsRegular():
			findings = append(findings, record.Finding{Pos: record.Pos{File: o.Prefix + p}, Rule: facts.RuleFile, Severity: record.SevHigh,
				Message: "not a regular file (a link or device); it was not read", Hint: "put the Parquet file itself here"})
		default:
			names = append(names, p)
		}
		return nil
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("read facts store: %w", err)
	}
	sort.Strings(names)
	type result struct {
		devices  []record.Device
		findings []record.Finding
		file     File
	}
	results := make([]result, len(names))
	sel := selection{pick: pick}
	parallel(o.Workers, len(names), o.rowReader, func(i int, cr *colReader, buf *[]byte) {
		if ctx.Err() != nil {
			return
		}
		res := &results[i]
		res.file.Path = names[i]
		data, err := readAll(root, names[i], (*buf)[:0])
		*buf = data
		if err != nil {
			res.findings = []record.Finding{{Pos: record.Pos{File: o.Prefix + names[i]}, Rule: facts.RuleFile, Severity: record.SevHigh,
				Message: err.Error() + "; its devices' facts were not used"}}
			return
		}
		sum := sha256.Sum256(data)
		res.file.SHA256 = hex.EncodeToString(sum[:])
		var columns bool
		res.devices, res.findings, res.file.Rows, columns = readFile(o.Prefix+names[i], data, cr, sel)
		if pick != nil && !columns {
			// The row reader read every row in full: pick among them.
			kept := res.devices[:0]
			for _, d := range res.devices {
				if pick(d.Facts) {
					kept = append(kept, d)
				}
			}
			res.devices = kept
		}
	})
	if err := ctx.Err(); err != nil {
		return nil, nil, nil, err
	}
	var devices []record.Device
	files := make([]File, 0, len(names))
	n := 0
	for i := range results {
		n += len(results[i].devices)
	}
	devices = make([]record.Device, 0, n)
	for i := range results {
		devices = append(devices, results[i].devices...)
		findings = append(findings, results[i].findings...)
		files = append(files, results[i].file)
	}
	return devices, findings, files, nil
}

// parallel calls do(i) for i in [0, n) on workers goroutines, each with
// its own column reader (rowReader: one that leaves every file to the
// row reader) and buffer.
func parallel(workers, n int, rowReader bool, do func(i int, cr *colReader, buf *[]byte)) {
	var next int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range min(workers, max(1, n)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			cr := colReader{rowReader: rowReader} // its buffers serve every file this worker reads
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n {
					return
				}
				do(i, &cr, &buf)
			}
		}()
	}
	wg.Wait()
}

func readAll(root *os.Root, name string, buf []byte) ([]byte, error) {
	f, err := root.Open(name)
	if err != nil {
		return buf, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return buf, err
	}
	if int64(cap(buf)) < st.Size()+1 {
		buf = make([]byte, 0, st.Size()+1)
	}
	b := bytes.NewBuffer(buf[:0])
	_, err = b.ReadFrom(f)
	return b.Bytes(), err
}

// required are the columns without which a file is not estate's facts.
var required = []string{"collected_at", "collector", "serial", "hostname"}

// readFile reads the rows of one file (data, named file in findings);
// columns says the column reader read it (else the row reader did, every
// row in full whatever sel says).
func readFile(file string, data []byte, cr *colReader, sel selection) (devices []record.Device, findings []record.Finding, rows int64, columns bool) {
	bad := func(msg string) []record.Finding {
		return []record.Finding{{Pos: record.Pos{File: file}, Rule: facts.RuleFile, Severity: record.SevHigh,
			Message: msg + "; its devices' facts were not used", Hint: "the store holds the Parquet files estate writes (estate facts collect --out parquet:DIR)"}}
	}
	defer func() {
		// A damaged file can make the library panic deep in a decoder:
		// the file is then a finding, never a crash or a silent skip.
		if p := recover(); p != nil {
			devices, findings, columns = nil, bad(fmt.Sprintf("not a readable Parquet file: %v", p)), false
		}
	}()
	pf, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, bad("not a Parquet file: " + err.Error()), 0, false
	}
	if v, ok := pf.Lookup(metaAPIVersion); !ok || v != record.APIVersion {
		return nil, bad(fmt.Sprintf("not an estate facts file (its %s is %q, want %q)", metaAPIVersion, v, record.APIVersion)), pf.NumRows(), false
	}
	for _, c := range required {
		if _, ok := pf.Schema().Lookup(c); !ok {
			return nil, bad("the file has no column " + c), pf.NumRows(), false
		}
	}
	rows = pf.NumRows()
	if !cr.rowReader {
		if ds, fs, ok := readColumns(pf, file, cr, sel); ok {
			return ds, fs, rows, true
		}
	}
	r := parquet.NewGenericReader[Row](pf)
	defer r.Close()
	devices = make([]record.Device, 0, rows)
	// Read the rows in as few calls as can be: with small batches the
	// reader re-reads page headers, and took three times the CPU.
	buf := make([]Row, max(1, min(rows, 1<<16)))
	at := 0
	for {
		n, err := r.Read(buf)
		for i := range buf[:n] {
			at++
			row := &buf[i]
			if p := row.problem(); p != "" {
				findings = append(findings, record.Finding{Pos: record.Pos{File: file, Line: at}, Rule: RuleRow, Severity: record.SevHigh,
					Message: p + "; the device's facts were not used"})
				continue
			}
			devices = append(devices, record.Device{Source: fmt.Sprintf("%s:%d", file, at), Facts: row.toFacts()})
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			findings = append(findings, bad(fmt.Sprintf("row %d does not read: %v", at+1, err))...)
			break
		}
	}
	return devices, findings, rows, false
}

// Rel is p relative to the store's folder, as a slash path.
func Rel(dir, p string) string {
	if r, err := filepath.Rel(dir, p); err == nil {
		return path.Clean(filepath.ToSlash(r))
	}
	return filepath.ToSlash(p)
}
