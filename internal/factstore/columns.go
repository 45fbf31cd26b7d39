package factstore

import (
	"errors"
	"io"
	"strconv"

	"github.com/parquet-go/parquet-go"

	"github.com/estate-dev/estate/internal/record"
)

// The column reader: a file whose schema is exactly the one estate
// writes (Row) is read a column chunk at a time, straight from the pages'
// levels and values, instead of through parquet.GenericReader[Row], which
// allocates a Go string per string value and a Row per row. A dictionary
// (model, OS, package names and versions) becomes one Go string per
// entry, shared by every row that names it; the other strings of a page
// are one allocation, cut into the rows' values; the facts documents of a
// row group are built in slabs. Any other file, and any file the column
// reader finds inconsistent, is read by the row reader (readRows): the
// column reader is a faster route to the same devices and findings, never
// a different verdict (TestColumnReaderSameAsRowReader).

var (
	rowSchema  = parquet.SchemaOf(Row{})
	rowColumns = func() map[string]int {
		m := map[string]int{}
		for i, p := range rowSchema.Columns() {
			m[joinPath(p)] = i
		}
		return m
	}()
)

func joinPath(p []string) string {
	s := ""
	for i, x := range p {
		if i > 0 {
			s += "."
		}
		s += x
	}
	return s
}

// col returns the index of a column of Row by its path (panics on a
// path Row lacks: a programming error, caught by every test).
func col(path string) int {
	i, ok := rowColumns[path]
	if !ok {
		panic("factstore: Row has no column " + path)
	}
	return i
}

var (
	cCollectedAt = col("collected_at")
	cCollector   = col("collector")
	cCollVersion = col("collector_version")
	cCollSource  = col("collector_source")
	cSerial      = col("serial")
	cHostname    = col("hostname")
	cModel       = col("model")
	cMfr         = col("manufacturer")
	cUUID        = col("uuid")
	cOSFamily    = col("os_family")
	cOSName      = col("os_name")
	cOSVersion   = col("os_version")
	cOSBuild     = col("os_build")
	cOSKernel    = col("os_kernel")
	cOSArch      = col("os_arch")
	cDisk        = col("disk_encryption")
	cFirewall    = col("firewall")
	cLock        = col("screen_lock_seconds")
	cAuto        = col("auto_updates")
	cSecure      = col("secure_boot")
	cGate        = col("gatekeeper")
	cSIP         = col("sip")
	cCompliant   = col("compliant")
	cHasPackages = col("has_packages")
	cPkgName     = col("packages.list.element.name")
	cPkgVersion  = col("packages.list.element.version")
	cPkgSource   = col("packages.list.element.source")
	cHasUsers    = col("has_users")
	cUserName    = col("users.list.element.name")
	cUserUID     = col("users.list.element.uid")
	cUserLogged  = col("users.list.element.logged_in")
	cIfName      = col("interfaces.list.element.name")
	cIfMAC       = col("interfaces.list.element.mac")
	cIfAddr      = col("interfaces.list.element.addresses.list.element")
	cErrors      = col("errors.list.element")
)

// errInconsistent makes the column reader give a file to the row reader.
var errInconsistent = errors.New("factstore: columns disagree")

// leaf is one column chunk, decoded: its levels (nil when the column's
// maximum level is 0) and its values (only where the definition level is
// the maximum), of one kind.
type leaf struct {
	maxRep, maxDef byte
	n              int // entries (levels)
	rep, def       []byte
	strs           []string
	ints           []int64
	bools          []bool
}

func (l *leaf) reset(maxRep, maxDef int) {
	*l = leaf{maxRep: byte(maxRep), maxDef: byte(maxDef), rep: l.rep[:0], def: l.def[:0], strs: l.strs[:0], ints: l.ints[:0], bools: l.bools[:0]}
}

// colReader reads the column chunks of one file; its buffers are reused
// from row group to row group.
type colReader struct {
	rowReader bool // read with the row reader instead (the reference)
	leaves    []leaf
	vals      []parquet.Value
	// the last dictionary seen and its entries as strings
	dict     parquet.Dictionary
	dictStrs []string
}

// read decodes column chunk cc of kind k into l.
func (cr *colReader) read(cc parquet.ColumnChunk, l *leaf, k parquet.Kind) error {
	// A dictionary belongs to its column chunk: never reuse one's
	// strings for another (the library may recycle the object).
	cr.dict, cr.dictStrs = nil, nil
	pages := cc.Pages()
	defer pages.Close()
	for {
		p, err := pages.ReadPage()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		err = cr.page(p, l, k)
		parquet.Release(p)
		if err != nil {
			return err
		}
	}
}

func (cr *colReader) page(p parquet.Page, l *leaf, k parquet.Kind) error {
	n := int(p.NumValues())
	present := n
	if l.maxRep > 0 {
		rl := p.RepetitionLevels()
		if len(rl) != n {
			return errInconsistent
		}
		l.rep = append(l.rep, rl...)
	}
	if l.maxDef > 0 {
		dl := p.DefinitionLevels()
		if len(dl) != n {
			return errInconsistent
		}
		present = 0
		for _, d := range dl {
			if d > l.maxDef {
				return errInconsistent
			}
			if d == l.maxDef {
				present++
			}
		}
		l.def = append(l.def, dl...)
	}
	l.n += n
	switch k {
	case parquet.ByteArray:
		if d := p.Dictionary(); d != nil {
			table := cr.dictionary(d)
			dv := p.Data()
			idx := dv.Int32()
			if len(idx) != present {
				return errInconsistent
			}
			for _, i := range idx {
				if i < 0 || int(i) >= len(table) {
					return errInconsistent
				}
				l.strs = append(l.strs, table[i])
			}
			return nil
		}
		dv := p.Data()
		data, off := dv.ByteArray()
		if len(off) != present+1 && !(present == 0 && len(off) == 0) {
			return errInconsistent
		}
		s := string(data)
		for i := 0; i+1 < len(off); i++ {
			if off[i] > off[i+1] || int(off[i+1]) > len(s) {
				return errInconsistent
			}
			l.strs = append(l.strs, s[off[i]:off[i+1]])
		}
	case parquet.Int64:
		dv := p.Data()
		v := dv.Int64()
		if len(v) != present {
			return errInconsistent
		}
		l.ints = append(l.ints, v...)
	case parquet.Boolean:
		r := p.Values()
		got := 0
		for {
			if cap(cr.vals) == 0 {
				cr.vals = make([]parquet.Value, 4096)
			}
			m, err := r.ReadValues(cr.vals[:cap(cr.vals)])
			for _, v := range cr.vals[:m] {
				got++
				if !v.IsNull() {
					l.bools = append(l.bools, v.Boolean())
				}
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
		}
		if got != n {
			return errInconsistent
		}
	default:
		return errInconsistent
	}
	if k != parquet.Boolean && k != parquet.ByteArray && k != parquet.Int64 {
		return errInconsistent
	}
	if k == parquet.Boolean && len(l.bools) > l.n {
		return errInconsistent
	}
	return nil
}

// dictionary is d's entries as strings, made once per dictionary.
func (cr *colReader) dictionary(d parquet.Dictionary) []string {
	if d == cr.dict {
		return cr.dictStrs
	}
	dv := d.Page().Data()
	data, off := dv.ByteArray()
	s := string(data)
	strs := make([]string, 0, max(0, len(off)-1))
	for i := 0; i+1 < len(off); i++ {
		strs = append(strs, s[off[i]:off[i+1]])
	}
	cr.dict, cr.dictStrs = d, strs
	return strs
}

// flat checks a flat column has one entry per row (and a value in
// each, for a required one).
func (l *leaf) flat(rows int, k parquet.Kind) error {
	if l.n != rows || l.maxRep != 0 {
		return errInconsistent
	}
	var got int
	switch k {
	case parquet.ByteArray:
		got = len(l.strs)
	case parquet.Int64:
		got = len(l.ints)
	case parquet.Boolean:
		got = len(l.bools)
	}
	if l.maxDef == 0 && got != rows {
		return errInconsistent
	}
	return nil
}

// list cuts a list column (maximum repetition level 1) into rows: start[r]
// to start[r+1] are row r's elements, and present says, per element,
// whether the leaf's value is there (an optional leaf: def == maxDef).
// elemDef is the definition level at which an element exists.
func (l *leaf) list(rows int, elemDef byte, start []int, present []bool) ([]int, []bool, error) {
	start, present = start[:0], present[:0]
	if l.maxRep != 1 {
		return nil, nil, errInconsistent
	}
	for i := 0; i < l.n; i++ {
		if l.rep[i] == 0 {
			start = append(start, len(present))
		}
		if len(start) == 0 {
			return nil, nil, errInconsistent // the first entry continues no row
		}
		if l.def[i] >= elemDef {
			present = append(present, l.def[i] == l.maxDef)
		} else if l.rep[i] != 0 {
			return nil, nil, errInconsistent // an empty list after an element
		}
	}
	if len(start) != rows {
		return nil, nil, errInconsistent
	}
	start = append(start, len(present))
	return start, present, nil
}

// group decodes row group rg into devices and findings (file names
// them; first is the 1-based row of its first row in the file).
func (cr *colReader) group(rg parquet.RowGroup, file string, first int, sel selection) ([]record.Device, []record.Finding, error) {
	rows := int(rg.NumRows())
	chunks := rg.ColumnChunks()
	cols := rowSchema.Columns()
	if len(chunks) != len(cols) {
		return nil, nil, errInconsistent
	}
	if cap(cr.leaves) < len(cols) {
		cr.leaves = make([]leaf, len(cols))
	}
	cr.leaves = cr.leaves[:len(cols)]
	for i, p := range cols {
		lc, _ := rowSchema.Lookup(p...)
		l := &cr.leaves[i]
		l.reset(lc.MaxRepetitionLevel, lc.MaxDefinitionLevel)
		if err := cr.read(chunks[i], l, lc.Node.Type().Kind()); err != nil {
			return nil, nil, err
		}
	}
	return cr.build(rows, file, first, sel)
}

// selection says which of a file's valid rows to build in full: those
// pick picks, given the row's light facts (collected_at, the collector
// and the identity only: what facts.Merge groups by and the matcher
// matches by; valid during the call only); nil: every one.
type selection struct {
	pick func(light *record.Facts) bool
}

func (cr *colReader) build(rows int, file string, first int, sel selection) ([]record.Device, []record.Finding, error) {
	L := cr.leaves
	str := func(c int) ([]string, error) {
		if err := L[c].flat(rows, parquet.ByteArray); err != nil {
			return nil, err
		}
		return L[c].strs, nil
	}
	var err error
	var s [15][]string
	for i, c := range []int{cCollectedAt, cCollector, cCollVersion, cCollSource, cSerial, cHostname, cModel, cMfr, cUUID,
		cOSFamily, cOSName, cOSVersion, cOSBuild, cOSKernel, cOSArch} {
		if s[i], err = str(c); err != nil {
			return nil, nil, err
		}
	}
	collectedAt, collector, collVersion, collSource, serial, hostname, model, mfr, uuid := s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8]
	osFamily, osName, osVersion, osBuild, osKernel, osArch := s[9], s[10], s[11], s[12], s[13], s[14]

	// Optional scalars: a value per row, nil where null.
	optBool := func(c int) ([]*bool, error) {
		l := &L[c]
		if err := l.flat(rows, parquet.Boolean); err != nil || l.maxDef != 1 {
			return nil, errInconsistent
		}
		slab := make([]bool, len(l.bools))
		copy(slab, l.bools)
		out := make([]*bool, rows)
		v := 0
		for r := range rows {
			if l.def[r] == 1 {
				if v >= len(slab) {
					return nil, errInconsistent
				}
				out[r] = &slab[v]
				v++
			}
		}
		if v != len(slab) {
			return nil, errInconsistent
		}
		return out, nil
	}
	var b [7][]*bool
	for i, c := range []int{cDisk, cFirewall, cAuto, cSecure, cGate, cSIP, cCompliant} {
		if b[i], err = optBool(c); err != nil {
			return nil, nil, err
		}
	}
	disk, firewall, auto, secure, gate, sip, compliant := b[0], b[1], b[2], b[3], b[4], b[5], b[6]
	lockL := &L[cLock]
	if err := lockL.flat(rows, parquet.Int64); err != nil || lockL.maxDef != 1 {
		return nil, nil, errInconsistent
	}
	lock := make([]*int64, rows)
	{
		v := 0
		for r := range rows {
			if lockL.def[r] == 1 {
				if v >= len(lockL.ints) {
					return nil, nil, errInconsistent
				}
				lock[r] = &lockL.ints[v]
				v++
			}
		}
		if v != len(lockL.ints) {
			return nil, nil, errInconsistent
		}
	}
	reqBool := func(c int) ([]bool, error) {
		l := &L[c]
		if err := l.flat(rows, parquet.Boolean); err != nil || l.maxDef != 0 {
			return nil, errInconsistent
		}
		return l.bools, nil
	}
	hasPackages, err := reqBool(cHasPackages)
	if err != nil {
		return nil, nil, err
	}
	hasUsers, err := reqBool(cHasUsers)
	if err != nil {
		return nil, nil, err
	}

	// Lists: the first leaf of each says where each row's elements are;
	// the others must agree.
	listOf := func(elemDef byte, cs ...int) ([]int, [][]bool, error) {
		var start []int
		pres := make([][]bool, len(cs))
		for i, c := range cs {
			st, p, err := L[c].list(rows, elemDef, nil, nil)
			if err != nil {
				return nil, nil, err
			}
			if i == 0 {
				start = st
			} else if !equalInts(start, st) {
				return nil, nil, errInconsistent
			}
			pres[i] = p
		}
		return start, pres, nil
	}
	pkStart, pkPres, err := listOf(1, cPkgName, cPkgVersion, cPkgSource)
	if err != nil {
		return nil, nil, err
	}
	usStart, usPres, err := listOf(1, cUserName, cUserUID, cUserLogged)
	if err != nil {
		return nil, nil, err
	}
	ifStart, _, err := listOf(1, cIfName, cIfMAC)
	if err != nil {
		return nil, nil, err
	}
	erStart, _, err := listOf(1, cErrors)
	if err != nil {
		return nil, nil, err
	}
	for _, p := range [][]bool{pkPres[0], pkPres[1], pkPres[2], usPres[0], usPres[2]} {
		for _, ok := range p {
			if !ok {
				return nil, nil, errInconsistent
			}
		}
	}
	pkN, usN := pkStart[rows], usStart[rows]
	if len(L[cPkgName].strs) != pkN || len(L[cPkgVersion].strs) != pkN || len(L[cPkgSource].strs) != pkN ||
		len(L[cUserName].strs) != usN || len(L[cUserLogged].bools) != usN || len(L[cIfName].strs) != ifStart[rows] ||
		len(L[cIfMAC].strs) != ifStart[rows] || len(L[cErrors].strs) != erStart[rows] {
		return nil, nil, errInconsistent
	}
	// uid: optional within the element.
	uids := make([]*int64, usN)
	{
		v := 0
		for i, ok := range usPres[1] {
			if ok {
				if v >= len(L[cUserUID].ints) {
					return nil, nil, errInconsistent
				}
				uids[i] = &L[cUserUID].ints[v]
				v++
			}
		}
		if v != len(L[cUserUID].ints) {
			return nil, nil, errInconsistent
		}
	}
	// addresses: a list in each interface (repetition level 2).
	addrL := &L[cIfAddr]
	if addrL.maxRep != 2 || addrL.maxDef != 2 {
		return nil, nil, errInconsistent
	}
	ifAddrStart := make([]int, 0, ifStart[rows]+1) // per interface
	{
		rowsSeen, nAddr := 0, 0
		for i := 0; i < addrL.n; i++ {
			rep, def := addrL.rep[i], addrL.def[i]
			if rep == 0 {
				rowsSeen++
			}
			if rowsSeen == 0 {
				return nil, nil, errInconsistent
			}
			if def >= 1 && rep <= 1 {
				ifAddrStart = append(ifAddrStart, nAddr)
			} else if def >= 1 && len(ifAddrStart) == 0 {
				return nil, nil, errInconsistent
			} else if def == 0 && rep != 0 {
				return nil, nil, errInconsistent
			}
			if def == 2 {
				nAddr++
			} else if rep == 2 {
				return nil, nil, errInconsistent // an empty address list after an address
			}
		}
		if rowsSeen != rows || len(ifAddrStart) != ifStart[rows] || nAddr != len(addrL.strs) {
			return nil, nil, errInconsistent
		}
		ifAddrStart = append(ifAddrStart, nAddr)
	}

	// Check every row, then build the facts of the valid ones in slabs.
	var findings []record.Finding
	valid := make([]bool, rows)
	nValid := 0
	for r := range rows {
		c := rowCheck{collectedAt: collectedAt[r], collector: collector[r], serial: serial[r], hostname: hostname[r], osFamily: osFamily[r],
			screenLock: lock[r], hasPackages: hasPackages[r], hasUsers: hasUsers[r],
			packages: pkStart[r+1] - pkStart[r], users: usStart[r+1] - usStart[r]}
		for i := pkStart[r]; i < pkStart[r+1]; i++ {
			if L[cPkgName].strs[i] == "" {
				c.emptyPackage = i - pkStart[r] + 1
				break
			}
		}
		for i := usStart[r]; i < usStart[r+1]; i++ {
			if L[cUserName].strs[i] == "" {
				c.emptyUser = i - usStart[r] + 1
				break
			}
		}
		if p := c.problem(); p != "" {
			findings = append(findings, record.Finding{Pos: record.Pos{File: file, Line: first + r}, Rule: RuleRow, Severity: record.SevHigh,
				Message: p + "; the device's facts were not used"})
			continue
		}
		if sel.pick != nil {
			light := record.Facts{APIVersion: record.APIVersion, Kind: string(record.KindFacts), CollectedAt: collectedAt[r],
				Collector: record.Collector{Name: collector[r], Version: collVersion[r], Source: collSource[r]},
				Identity:  record.Identity{Serial: serial[r], Hostname: hostname[r], Model: model[r], Manufacturer: mfr[r], UUID: uuid[r]}}
			if !sel.pick(&light) {
				continue
			}
		}
		valid[r] = true
		nValid++
	}
	devices := make([]record.Device, 0, nValid)
	factsSlab := make([]record.Facts, nValid)
	var osSlab []record.OSFacts
	var secSlab []record.Security
	var pkSlab []record.Package
	var usSlab []record.User
	var intSlab []int
	sources := sourceNames(file, first, rows, valid)
	j := 0
	for r := range rows {
		if !valid[r] {
			continue
		}
		f := &factsSlab[j]
		j++
		*f = record.Facts{APIVersion: record.APIVersion, Kind: string(record.KindFacts), CollectedAt: collectedAt[r],
			Collector: record.Collector{Name: collector[r], Version: collVersion[r], Source: collSource[r]},
			Identity:  record.Identity{Serial: serial[r], Hostname: hostname[r], Model: model[r], Manufacturer: mfr[r], UUID: uuid[r]}}
		if a, b := erStart[r], erStart[r+1]; b > a {
			f.Errors = append([]string(nil), L[cErrors].strs[a:b]...)
		}
		if osFamily[r] != "" || osName[r] != "" || osVersion[r] != "" || osBuild[r] != "" || osKernel[r] != "" || osArch[r] != "" {
			if len(osSlab) == 0 {
				osSlab = make([]record.OSFacts, min(nValid, 4096))
			}
			o := &osSlab[0]
			osSlab = osSlab[1:]
			*o = record.OSFacts{Family: osFamily[r], Name: osName[r], Version: osVersion[r], Build: osBuild[r], Kernel: osKernel[r], Arch: osArch[r]}
			f.OS = o
		}
		if disk[r] != nil || firewall[r] != nil || lock[r] != nil || auto[r] != nil || secure[r] != nil || gate[r] != nil || sip[r] != nil || compliant[r] != nil {
			if len(secSlab) == 0 {
				secSlab = make([]record.Security, min(nValid, 4096))
			}
			s := &secSlab[0]
			secSlab = secSlab[1:]
			*s = record.Security{DiskEncryption: disk[r], Firewall: firewall[r], AutoUpdates: auto[r], SecureBoot: secure[r],
				Gatekeeper: gate[r], SIP: sip[r], Compliant: compliant[r]}
			if lock[r] != nil {
				s.ScreenLockSeconds = nextInt(&intSlab, nValid, int(*lock[r]))
			}
			f.Security = s
		}
		if hasPackages[r] {
			a, b := pkStart[r], pkStart[r+1]
			if len(pkSlab) < b-a {
				pkSlab = make([]record.Package, max(b-a, min(pkN, 1<<16)))
			}
			ps := pkSlab[: b-a : b-a]
			pkSlab = pkSlab[b-a:]
			for i := range ps {
				ps[i] = record.Package{Name: L[cPkgName].strs[a+i], Version: L[cPkgVersion].strs[a+i], Source: L[cPkgSource].strs[a+i]}
			}
			if ps == nil {
				ps = make([]record.Package, 0) // known: nothing installed
			}
			f.Packages = ps
		}
		if hasUsers[r] {
			a, b := usStart[r], usStart[r+1]
			if len(usSlab) < b-a {
				usSlab = make([]record.User, max(b-a, min(usN, 4096)))
			}
			us := usSlab[: b-a : b-a]
			usSlab = usSlab[b-a:]
			for i := range us {
				us[i] = record.User{Name: L[cUserName].strs[a+i], LoggedIn: L[cUserLogged].bools[a+i]}
				if u := uids[a+i]; u != nil {
					us[i].UID = nextInt(&intSlab, nValid, int(*u))
				}
			}
			if us == nil {
				us = make([]record.User, 0)
			}
			f.Users = us
		}
		if a, b := ifStart[r], ifStart[r+1]; b > a {
			f.Network = &record.Network{Interfaces: make([]record.Interface, b-a)}
			for i := range b - a {
				in := &f.Network.Interfaces[i]
				*in = record.Interface{Name: L[cIfName].strs[a+i], MAC: L[cIfMAC].strs[a+i]}
				if x, y := ifAddrStart[a+i], ifAddrStart[a+i+1]; y > x {
					in.Addresses = append([]string(nil), addrL.strs[x:y]...)
				}
			}
		}
		devices = append(devices, record.Device{Source: sources[r], Facts: f})
	}
	return devices, findings, nil
}

// nextInt is a pointer to a new int of value v, from a slab.
func nextInt(slab *[]int, hint, v int) *int {
	if len(*slab) == 0 {
		*slab = make([]int, min(max(hint, 1), 4096))
	}
	p := &(*slab)[0]
	*slab = (*slab)[1:]
	*p = v
	return p
}

// sourceNames are the devices' sources "file:row" of the valid rows, cut
// from one string.
func sourceNames(file string, first, rows int, valid []bool) []string {
	buf := make([]byte, 0, rows*(len(file)+8))
	ends := make([]int, rows+1)
	for r := range rows {
		if valid[r] {
			buf = append(buf, file...)
			buf = append(buf, ':')
			buf = strconv.AppendInt(buf, int64(first+r), 10)
		}
		ends[r+1] = len(buf)
	}
	s := string(buf)
	out := make([]string, rows)
	for r := range rows {
		out[r] = s[ends[r]:ends[r+1]]
	}
	return out
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// readColumns reads pf with the column reader; ok is false when pf is
// not exactly estate's schema or its columns do not add up (the caller
// then reads it with the row reader).
func readColumns(pf *parquet.File, file string, cr *colReader, sel selection) (devices []record.Device, findings []record.Finding, ok bool) {
	if pf.Schema().String() != rowSchema.String() {
		return nil, nil, false
	}
	defer func() {
		if p := recover(); p != nil {
			devices, findings, ok = nil, nil, false
		}
	}()
	at := 1
	for _, rg := range pf.RowGroups() {
		ds, fs, err := cr.group(rg, file, at, sel)
		if err != nil {
			return nil, nil, false
		}
		devices = append(devices, ds...)
		findings = append(findings, fs...)
		at += int(rg.NumRows())
	}
	if int64(at-1) != pf.NumRows() {
		return nil, nil, false
	}
	return devices, findings, true
}
