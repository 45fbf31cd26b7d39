package facts

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/estate-dev/estate/internal/record"
)

// OsqueryOptions tune ReadOsquery.
type OsqueryOptions struct {
	// Now stamps facts whose source carries no time (default time.Now).
	Now time.Time
	// MaxBytes bounds each file (default MaxFileBytes).
	MaxBytes int64
	// Unread, when set, counts by query name the results of a results
	// log that are of no table estate reads (a pack's other queries):
	// they are neither facts nor failures.
	Unread map[string]int
}

// row is one osquery row: every value as osquery prints it, a string.
type row map[string]string

// osqDevice gathers the tables of one device before they become facts.
type osqDevice struct {
	source string
	at     time.Time
	tables map[string][]row
	fleet  *fleetHost
}

// ReadOsquery reads osquery output and returns one device per host:
//
//   - `osqueryi --json "select * from TABLE"` output: a JSON array of rows
//     whose values are strings, in a file named after its table
//     (system_info.json, os_version.json, deb_packages.json, ...). The
//     files of one folder are one device; a folder may be given whole.
//   - osqueryd/Fleet result logs: one JSON object a line with
//     hostIdentifier, name and snapshot rows, an event's columns, or
//     diffResults; rows are grouped by host, the query's table found from
//     its name or its columns.
//   - a Fleet host (GET /api/v1/fleet/hosts/:id, or fleetctl get host --json).
//
// A file that is too large, not JSON, or holds another table than its name
// says is a Failure; the other files and devices go on. The error means
// a path could not be listed.
func ReadOsquery(paths []string, o OsqueryOptions) ([]record.Device, []Failure, error) {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = MaxFileBytes
	}
	var files []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, nil, fmt.Errorf("read osquery output: %w", err)
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		// A folder of tables is one device; a folder of such folders, many.
		n := len(files)
		err = filepath.WalkDir(p, func(path string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if e.IsDir() && path != p && strings.HasPrefix(e.Name(), ".") {
				return filepath.SkipDir
			}
			if e.Type().IsRegular() && (strings.EqualFold(filepath.Ext(e.Name()), ".json") || strings.HasSuffix(e.Name(), ".log")) {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("read osquery output: %w", err)
		}
		if len(files) == n {
			return nil, nil, fmt.Errorf("read osquery output: %s holds no .json or .log file", p)
		}
	}
	devs := map[string]*osqDevice{}
	var order []string
	dev := func(key, source string) *osqDevice {
		d := devs[key]
		if d == nil {
			d = &osqDevice{source: source, tables: map[string][]row{}}
			devs[key] = d
			order = append(order, key)
		}
		return d
	}
	var failures []Failure
	fail := func(src, format string, args ...any) {
		failures = append(failures, Failure{Source: src, Reason: fmt.Sprintf(format, args...)})
	}
	skip := func(query string) {
		if o.Unread != nil {
			o.Unread[query]++
		}
	}
	for _, file := range files {
		// A results log of a whole fleet can be larger than any one
		// device's facts: it is read as a stream, one result at a time.
		if big, err := streamLargeLog(file, o.MaxBytes, dev, fail, skip); big {
			if err != nil {
				fail(file, "%v", err)
			}
			continue
		}
		data, err := readFileCapped(file, o.MaxBytes)
		if err != nil {
			fail(file, "%v", err)
			continue
		}
		trim := bytes.TrimSpace(data)
		switch {
		case len(trim) == 0:
			fail(file, "the file is empty")
		case trim[0] == '[':
			rows, err := decodeRows(trim)
			if err != nil {
				fail(file, "not osqueryi --json output: %v", err)
				continue
			}
			table, err := tableOf(strings.TrimSuffix(filepath.Base(file), filepath.Ext(file)), rows)
			if err != nil {
				fail(file, "%v", err)
				continue
			}
			dir := filepath.Dir(file)
			d := dev("dir:"+dir, dir)
			if info, err := os.Stat(file); err == nil && info.ModTime().After(d.at) {
				d.at = info.ModTime()
			}
			d.tables[table] = append(d.tables[table], rows...)
		case trim[0] == '{':
			if hosts, ok := decodeFleetHosts(trim); ok {
				for i, fh := range hosts {
					key, src := "fleet:"+file, file
					if len(hosts) > 1 {
						key, src = fmt.Sprintf("fleet:%s#%d", file, i), file+"#"+cmpOr(trimmed(fh.Hostname), fmt.Sprint(i))
					}
					dev(key, src).fleet = fh
				}
				continue
			}
			if err := readResultLog(file, trim, dev, fail, skip); err != nil {
				fail(file, "%v", err)
			}
		default:
			fail(file, "not osquery JSON (it begins %q)", head(trim))
		}
	}
	var out []record.Device
	for _, key := range order {
		d := devs[key]
		at := d.at
		if at.IsZero() {
			at = o.Now
		}
		f := New("osquery", d.source, at.UTC().Format(time.RFC3339))
		var err error
		if d.fleet != nil {
			err = d.fleet.facts(f)
		} else {
			err = fromTables(d.tables, f)
		}
		if err == nil && f.Identity.Serial == "" && f.Identity.Hostname == "" {
			err = errors.New("neither a serial nor a hostname: include system_info")
		}
		if err != nil {
			fail(d.source, "%v", err)
			continue
		}
		out = append(out, record.Device{Source: d.source, Facts: f})
	}
	return out, failures, nil
}

func head(b []byte) string {
	if len(b) > 40 {
		b = b[:40]
	}
	return string(b)
}

func readFileCapped(name string, max int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("cannot open: %w", err)
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.Size() > max {
		return nil, fmt.Errorf("the file is %s, over the %s limit; it was not read", size(info.Size()), size(max))
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read: %w", err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("the file grew past the %s limit while it was read", size(max))
	}
	return data, nil
}

// decodeRows reads a JSON array of rows. osquery prints every value as a
// string; numbers (numerics: true) and booleans are taken as written, and
// a nested object or array is an error.
func decodeRows(b []byte) ([]row, error) {
	var raw []map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, jsonErr(b, err)
	}
	rows := make([]row, 0, len(raw))
	for i, m := range raw {
		r, err := toRow(m)
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", i+1, err)
		}
		rows = append(rows, r)
	}
	return rows, nil
}

func toRow(m map[string]any) (row, error) {
	r := make(row, len(m))
	for k, v := range m {
		switch v := v.(type) {
		case string:
			r[k] = v
		case json.Number:
			r[k] = v.String()
		case bool:
			r[k] = map[bool]string{true: "1", false: "0"}[v]
		case nil:
			r[k] = ""
		default:
			return nil, fmt.Errorf("column %q is not a scalar value", k)
		}
	}
	return r, nil
}

// jsonErr places a JSON syntax error at its line and column.
func jsonErr(b []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + bytes.Count(b[:se.Offset], []byte{'\n'})
		col := int(se.Offset) - bytes.LastIndexByte(b[:se.Offset], '\n')
		return fmt.Errorf("line %d, column %d: %v", line, col, err)
	}
	return err
}

// tableOf says which table rows hold: the one their file is named after,
// or the one table whose documented columns hold every column of the
// rows. In rows named after their table (by file or query name), columns
// estate does not know are ignored (newer osquery versions add them, e.g.
// bitlocker_info.protector_types); only rows that share fewer than half
// their columns with the table are refused as another table's.
func tableOf(name string, rows []row) (string, error) {
	cols := map[string]bool{}
	for _, r := range rows {
		for k := range r {
			cols[k] = true
		}
	}
	known := func(t string) (in, out []string) {
		doc := map[string]bool{}
		for _, c := range osqueryColumns[t] {
			doc[c] = true
		}
		for c := range cols {
			if doc[c] {
				in = append(in, c)
			} else {
				out = append(out, c)
			}
		}
		sort.Strings(out)
		return in, out
	}
	if _, ok := osqueryColumns[name]; ok {
		if in, extra := known(name); len(extra) > 0 && len(in) < len(extra) {
			return "", fmt.Errorf("the file is named after table %s but holds rows of another table (columns %s are not %s's)",
				name, strings.Join(extra, ", "), name)
		}
		return name, nil
	}
	if len(rows) == 0 {
		return "", fmt.Errorf("no rows, and the file name %q is not an osquery table estate reads", name)
	}
	// Rows not named after their table must fit one table exactly: a
	// majority is no proof of which table they are (routes share five
	// columns with interface_details).
	var cands []string
	for t := range osqueryColumns {
		if _, extra := known(t); len(extra) == 0 {
			cands = append(cands, t)
		}
	}
	sort.Strings(cands)
	switch len(cands) {
	case 0:
		names := sortedCols(cols)
		return "", errNotRead{fmt.Errorf("rows with columns %s are of no osquery table estate reads (%s)", strings.Join(names, ", "), strings.Join(knownTables(), ", "))}
	case 1:
		return cands[0], nil
	}
	return "", fmt.Errorf("the rows could be any of the tables %s: name the file after its table, e.g. %s.json", strings.Join(cands, ", "), cands[0])
}

// errNotRead says rows are of a table estate does not read: in a results
// log, which carries every query of a pack, that is no failure.
type errNotRead struct{ error }

func (e errNotRead) Unwrap() error { return e.error }

func sortedCols(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	if len(out) > 8 {
		out = append(out[:8], "...")
	}
	return out
}

func knownTables() []string {
	var out []string
	for t := range osqueryColumns {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// resultLine is one line of an osqueryd results log.
type resultLine struct {
	Name           string           `json:"name"`
	HostIdentifier string           `json:"hostIdentifier"`
	Hostname       string           `json:"hostname"`
	UnixTime       json.RawMessage  `json:"unixTime"`
	Action         string           `json:"action"`
	Columns        map[string]any   `json:"columns"`
	Snapshot       []map[string]any `json:"snapshot"`
	DiffResults    *struct {
		Added   []map[string]any `json:"added"`
		Removed []map[string]any `json:"removed"`
	} `json:"diffResults"`
}

// readResultLog reads an osqueryd results log: JSON objects one after the
// other (a line each, or pretty-printed).
func readResultLog(file string, b []byte, dev func(key, source string) *osqDevice, fail func(src, format string, args ...any), skip func(query string)) error {
	return decodeResults(file, bytes.NewReader(b), b, dev, fail, skip)
}

// MaxLogBytes bounds an osquery results log read as a stream.
const MaxLogBytes = 4 << 30

// streamLargeLog reads file as a results log when it is larger than max
// and begins with an object; big says whether it did.
func streamLargeLog(file string, max int64, dev func(key, source string) *osqDevice, fail func(src, format string, args ...any), skip func(query string)) (big bool, err error) {
	f, err := os.Open(file)
	if err != nil {
		return false, nil // readFileCapped says why
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || info.Size() <= max {
		return false, nil
	}
	br := bufio.NewReaderSize(f, 1<<16)
	for {
		c, err := br.ReadByte()
		if err != nil {
			return false, nil
		}
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			continue
		}
		br.UnreadByte()
		if c != '{' {
			return false, nil // an osqueryi table this large: readFileCapped refuses it
		}
		break
	}
	if info.Size() > MaxLogBytes {
		return true, fmt.Errorf("the results log is %s, over the %s limit; split it", size(info.Size()), size(MaxLogBytes))
	}
	return true, decodeResults(file, br, nil, dev, fail, skip)
}

// decodeResults reads results one after the other from r; b, when set,
// is r's bytes, to place a syntax error at its line.
func decodeResults(file string, r io.Reader, b []byte, dev func(key, source string) *osqDevice, fail func(src, format string, args ...any), skip func(query string)) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	for n := 1; ; n++ {
		var l resultLine
		if err := dec.Decode(&l); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			if b != nil {
				err = jsonErr(b, err)
			}
			return fmt.Errorf("result %d: %w", n, err)
		}
		host := l.HostIdentifier
		if host == "" {
			host = l.Hostname
		}
		src := fmt.Sprintf("%s (result %d)", file, n)
		if host == "" {
			fail(src, "an osquery result without hostIdentifier")
			continue
		}
		var rows, removed []row
		conv := func(ms []map[string]any, into *[]row) error {
			for _, m := range ms {
				r, err := toRow(m)
				if err != nil {
					return err
				}
				*into = append(*into, r)
			}
			return nil
		}
		var err error
		switch {
		case l.Snapshot != nil:
			err = conv(l.Snapshot, &rows)
		case l.Columns != nil && l.Action == "removed":
			err = conv([]map[string]any{l.Columns}, &removed)
		case l.Columns != nil:
			err = conv([]map[string]any{l.Columns}, &rows)
		case l.DiffResults != nil:
			if err = conv(l.DiffResults.Added, &rows); err == nil {
				err = conv(l.DiffResults.Removed, &removed)
			}
		default:
			fail(src, "an osquery result with neither snapshot, columns nor diffResults")
			continue
		}
		if err != nil {
			fail(src, "%v", err)
			continue
		}
		table := ""
		for t := range osqueryColumns {
			if (l.Name == t || strings.HasSuffix(l.Name, "_"+t) || strings.HasSuffix(l.Name, "/"+t)) && len(t) > len(table) {
				table = t
			}
		}
		if table == "" {
			if table, err = tableOf(l.Name, append(append([]row{}, rows...), removed...)); err != nil {
				var nr errNotRead
				if errors.As(err, &nr) || len(rows)+len(removed) == 0 {
					skip(l.Name)
				} else {
					fail(src, "query %q: %v", l.Name, err)
				}
				continue
			}
		} else if _, err := tableOf(table, append(append([]row{}, rows...), removed...)); err != nil {
			fail(src, "query %q: %v", l.Name, err)
			continue
		}
		d := dev("host:"+host, file+"#"+host)
		if t := unixTime(l.UnixTime); t.After(d.at) {
			d.at = t
		}
		if l.Snapshot != nil {
			d.tables[table] = rows
		} else {
			d.tables[table] = append(d.tables[table], rows...)
		}
		for _, r := range removed {
			d.tables[table] = removeRow(d.tables[table], r)
		}
	}
}

func unixTime(raw json.RawMessage) time.Time {
	s := strings.Trim(string(raw), `"`)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	return time.Unix(n, 0)
}

func removeRow(rows []row, r row) []row {
	for i, x := range rows {
		if len(x) == len(r) {
			same := true
			for k, v := range r {
				if x[k] != v {
					same = false
					break
				}
			}
			if same {
				return append(rows[:i], rows[i+1:]...)
			}
		}
	}
	return rows
}

// fromTables maps osquery tables to facts. Two rows of system_info that
// disagree on the serial are an error: which device is this?
func fromTables(t map[string][]row, f *record.Facts) error {
	first := func(table string) row {
		if rs := t[table]; len(rs) > 0 {
			return rs[0]
		}
		return nil
	}
	if rs := t["system_info"]; len(rs) > 1 {
		for _, r := range rs[1:] {
			if strings.TrimSpace(r["hardware_serial"]) != strings.TrimSpace(rs[0]["hardware_serial"]) {
				return fmt.Errorf("system_info has two serials (%q and %q): the rows of two devices are mixed", rs[0]["hardware_serial"], r["hardware_serial"])
			}
		}
	}
	if r := first("system_info"); r != nil {
		f.Identity.Hostname = trimmed(r["hostname"])
		if f.Identity.Hostname == "" {
			f.Identity.Hostname = trimmed(r["computer_name"])
		}
		f.Identity.Serial = trimmed(r["hardware_serial"])
		f.Identity.Model = trimmed(r["hardware_model"])
		f.Identity.Manufacturer = trimmed(r["hardware_vendor"])
		f.Identity.UUID = trimmed(r["uuid"])
	} else {
		f.Errors = append(f.Errors, "identity: no system_info table")
	}
	if r := first("chassis_info"); r != nil && f.Identity.Serial == "" {
		f.Identity.Serial = trimmed(r["serial"])
	}
	if r := first("os_version"); r != nil {
		o := &record.OSFacts{Name: trimmed(r["name"]), Version: trimmed(r["version"]), Build: trimmed(r["build"]), Arch: trimmed(r["arch"])}
		o.Family = osFamily(r["platform"], r["platform_like"])
		f.OS = o
	} else {
		f.Errors = append(f.Errors, "os: no os_version table")
	}
	if r := first("kernel_info"); r != nil && trimmed(r["version"]) != "" {
		if f.OS == nil {
			f.OS = &record.OSFacts{}
		}
		f.OS.Kernel = trimmed(r["version"])
	}
	if r := first("osquery_info"); r != nil && r["version"] != "" {
		f.Collector.Version = "osquery " + r["version"]
	}
	var pkgs []record.Package
	havePkgs := false
	for _, src := range []struct{ table, source string }{{"deb_packages", "deb"}, {"rpm_packages", "rpm"}, {"programs", "programs"},
		{"apps", "apps"}, {"homebrew_packages", "homebrew"}, {"chocolatey_packages", "chocolatey"}} {
		rs, ok := t[src.table]
		if !ok {
			continue
		}
		havePkgs = true
		for _, r := range rs {
			p := record.Package{Name: trimmed(r["name"]), Version: trimmed(r["version"]), Source: src.source}
			switch src.table {
			case "deb_packages":
				if st := r["status"]; st != "" && !strings.HasSuffix(st, " installed") {
					continue
				}
			case "rpm_packages":
				if r["release"] != "" {
					p.Version += "-" + r["release"]
				}
				if e := r["epoch"]; e != "" && e != "0" {
					p.Version = e + ":" + p.Version
				}
			case "apps":
				p.Name = strings.TrimSuffix(p.Name, ".app")
				p.Version = trimmed(r["bundle_short_version"])
			}
			if p.Name != "" {
				pkgs = append(pkgs, p)
			}
		}
	}
	if havePkgs {
		f.Packages = sortPackages(pkgs)
		if f.Packages == nil {
			f.Packages = []record.Package{}
		}
	}
	sec := &record.Security{}
	if rs, ok := t["disk_encryption"]; ok && len(rs) > 0 {
		sec.DiskEncryption = diskEncryption(rs)
	}
	if rs, ok := t["bitlocker_info"]; ok {
		for _, r := range rs {
			if strings.EqualFold(strings.TrimSpace(r["drive_letter"]), "C:") {
				sec.DiskEncryption = ptr(r["protection_status"] == "1")
			}
		}
	}
	if r := first("windows_security_center"); r != nil {
		if v := r["firewall"]; v != "" {
			sec.Firewall = ptr(v == "Good")
		}
		if v := r["autoupdate"]; v != "" {
			sec.AutoUpdates = ptr(v == "Good")
		}
	}
	if r := first("alf"); r != nil && r["global_state"] != "" {
		// macOS's application firewall: 1 on with exceptions, 2 block all, 0 off.
		sec.Firewall = ptr(r["global_state"] == "1" || r["global_state"] == "2")
	}
	if rs, ok := t["iptables"]; ok && len(rs) > 0 {
		sec.Firewall = iptablesFiltering(rs)
	}
	if r := first("screenlock"); r != nil && r["enabled"] != "" {
		if secs, ok := screenLock(r, t["preferences"]); ok {
			sec.ScreenLockSeconds = &secs
		} else {
			f.Errors = append(f.Errors, "security.screen_lock_seconds: screenlock says a password is required "+r["grace_period"]+
				" s after the screen saver starts, and the screen saver's idle time is not in the facts (add: SELECT * FROM preferences WHERE domain = 'com.apple.screensaver' AND key = 'idleTime')")
		}
	}
	if r := first("secureboot"); r != nil && r["secure_boot"] != "" {
		sec.SecureBoot = ptr(r["secure_boot"] == "1")
	}
	if *sec != (record.Security{}) {
		f.Security = sec
	}
	logged := map[string]bool{}
	for _, r := range t["logged_in_users"] {
		if r["type"] == "" || r["type"] == "user" || r["type"] == "active" {
			logged[r["user"]] = true
		}
	}
	if rs, ok := t["users"]; ok {
		for _, r := range rs {
			u := record.User{Name: trimmed(r["username"]), LoggedIn: logged[r["username"]]}
			if uid, err := strconv.Atoi(r["uid"]); err == nil {
				u.UID = &uid
			}
			if u.Name != "" {
				f.Users = append(f.Users, u)
			}
			delete(logged, r["username"])
		}
	}
	for _, name := range sortedCols(logged) {
		if name != "" && name != "..." {
			f.Users = append(f.Users, record.User{Name: name, LoggedIn: true})
		}
	}
	ifs := map[string]*record.Interface{}
	var names []string
	iface := func(n string) *record.Interface {
		if ifs[n] == nil {
			ifs[n] = &record.Interface{Name: n}
			names = append(names, n)
		}
		return ifs[n]
	}
	for _, r := range t["interface_details"] {
		if n := r["interface"]; n != "" && !strings.HasPrefix(n, "lo") {
			if m := r["mac"]; m != "" && m != "00:00:00:00:00:00" {
				iface(n).MAC = m
			}
		}
	}
	for _, r := range t["interface_addresses"] {
		if n := r["interface"]; n != "" && !strings.HasPrefix(n, "lo") && r["address"] != "" {
			i := iface(n)
			i.Addresses = append(i.Addresses, r["address"])
			if m := r["mac"]; m != "" && m != "00:00:00:00:00:00" && i.MAC == "" {
				i.MAC = m
			}
		}
	}
	if len(names) > 0 {
		f.Network = &record.Network{}
		for _, n := range names {
			f.Network.Interfaces = append(f.Network.Interfaces, *ifs[n])
		}
	}
	return nil
}

func trimmed(s string) string { return strings.TrimSpace(s) }

// iptablesFiltering says whether iptables filters incoming traffic: the
// filter table's INPUT chain drops or rejects by policy, or holds a rule
// that drops or rejects.
func iptablesFiltering(rs []row) *bool {
	for _, r := range rs {
		if fn := r["filter_name"]; fn != "" && fn != "filter" || r["chain"] != "INPUT" {
			continue
		}
		if p := r["policy"]; p == "DROP" || p == "REJECT" {
			return ptr(true)
		}
		if tg := r["target"]; tg == "DROP" || tg == "REJECT" {
			return ptr(true)
		}
	}
	return ptr(false)
}

// screenLock turns macOS's screenlock row (enabled, grace_period: the
// seconds after the screen saver starts before a password is needed; -1
// none) and the screen saver's idleTime preference into the seconds idle
// before the screen locks: 0 when it never locks. ok is false when the
// screen locks but the idle time is unknown.
func screenLock(r row, prefs []row) (secs int, ok bool) {
	grace, err := strconv.Atoi(trimmed(r["grace_period"]))
	if r["enabled"] != "1" || err != nil || grace < 0 {
		return 0, r["enabled"] == "0" || err == nil && grace < 0
	}
	idle := -1
	for _, p := range prefs {
		if p["domain"] == "com.apple.screensaver" && p["key"] == "idleTime" {
			if v, err := strconv.Atoi(trimmed(p["value"])); err == nil && v >= 0 {
				idle = v
			}
		}
	}
	switch {
	case idle < 0:
		return 0, false
	case idle == 0: // the screen saver never starts: the screen never locks
		return 0, true
	}
	return idle + grace, true
}

// osFamily maps os_version.platform (and platform_like) to #OS.
func osFamily(platform, like string) string {
	p := strings.ToLower(strings.TrimSpace(platform))
	switch p {
	case "darwin", "macos":
		return "macos"
	case "windows":
		return "windows"
	case "ios":
		return "ios"
	case "ipados":
		return "ipados"
	case "android":
		return "android"
	case "chrome", "chromeos":
		return "chromeos"
	case "":
		return ""
	}
	for _, l := range append([]string{p}, strings.Fields(strings.ToLower(like))...) {
		switch l {
		case "linux", "ubuntu", "debian", "rhel", "centos", "fedora", "rocky", "almalinux", "amzn", "suse", "opensuse",
			"opensuse-leap", "sles", "arch", "gentoo", "manjaro", "linuxmint", "pop", "kali", "ol":
			return "linux"
		}
	}
	return "other"
}

// diskEncryption reads osquery's disk_encryption rows: on macOS the
// FileVault status decides; elsewhere on when a volume is encrypted, off
// when none is. (The table does not say which volume holds the root.)
func diskEncryption(rs []row) *bool {
	for _, r := range rs {
		switch strings.ToLower(r["filevault_status"]) {
		case "on":
			return ptr(true)
		}
	}
	anyFV := false
	for _, r := range rs {
		if r["filevault_status"] != "" {
			anyFV = true
		}
	}
	if anyFV {
		return ptr(false)
	}
	for _, r := range rs {
		if r["encrypted"] == "1" {
			return ptr(true)
		}
	}
	return ptr(false)
}

// fleetHost is the part of a Fleet host (REST API or fleetctl) estate reads.
type fleetHost struct {
	Hostname              string `json:"hostname"`
	UUID                  string `json:"uuid"`
	Platform              string `json:"platform"`
	PlatformLike          string `json:"platform_like"`
	OSVersion             string `json:"os_version"`
	Build                 string `json:"build"`
	HardwareVendor        string `json:"hardware_vendor"`
	HardwareModel         string `json:"hardware_model"`
	HardwareSerial        string `json:"hardware_serial"`
	DetailUpdatedAt       string `json:"detail_updated_at"`
	OsqueryVersion        string `json:"osquery_version"`
	DiskEncryptionEnabled *bool  `json:"disk_encryption_enabled"`
	Software              []struct {
		Name    string `json:"name"`
		Version string `json:"version"`
		Source  string `json:"source"`
	} `json:"software"`
	Users []struct {
		UID      *int   `json:"uid"`
		Username string `json:"username"`
	} `json:"users"`
}

// decodeFleetHosts reads a Fleet host ("Get host": {"host": {...}}),
// fleetctl's {"kind": "host", "spec": {...}}, or a page of "List hosts"
// ({"hosts": [...]}; Fleet pages by query parameters, so a page carries
// no paging metadata).
func decodeFleetHosts(b []byte) ([]*fleetHost, bool) {
	var w struct {
		Host  *fleetHost   `json:"host"`
		Hosts []*fleetHost `json:"hosts"`
		Kind  string       `json:"kind"`
		Spec  *fleetHost   `json:"spec"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, false
	}
	if w.Host != nil && w.Host.Hostname+w.Host.HardwareSerial != "" {
		return []*fleetHost{w.Host}, true
	}
	if w.Kind == "host" && w.Spec != nil {
		return []*fleetHost{w.Spec}, true
	}
	if w.Hosts != nil {
		var out []*fleetHost
		for _, h := range w.Hosts {
			if h != nil {
				out = append(out, h)
			}
		}
		return out, true
	}
	return nil, false
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (h *fleetHost) facts(f *record.Facts) error {
	// Fleet writes the zero time (0001-01-01T00:00:00Z) for a host whose
	// details it never received: never seen, not seen now.
	t, err := time.Parse(time.RFC3339, h.DetailUpdatedAt)
	if err != nil || t.Year() <= 1970 {
		return fmt.Errorf("never seen: Fleet has never received this host's details (detail_updated_at %q), so there are no facts to audit", h.DetailUpdatedAt)
	}
	f.CollectedAt = t.UTC().Format(time.RFC3339)
	f.Collector.Name = "osquery"
	if h.OsqueryVersion != "" {
		f.Collector.Version = "fleet, osquery " + h.OsqueryVersion
	}
	f.Identity = record.Identity{Hostname: trimmed(h.Hostname), Serial: trimmed(h.HardwareSerial),
		Model: trimmed(h.HardwareModel), Manufacturer: trimmed(h.HardwareVendor), UUID: trimmed(h.UUID)}
	// os_version is "macOS 14.5" or "Ubuntu 22.04.3 LTS": the name, then the version.
	name, ver := h.OSVersion, ""
	if i := strings.LastIndexFunc(h.OSVersion, func(r rune) bool { return r == ' ' }); i > 0 {
		for j, fld := range strings.Fields(h.OSVersion) {
			if j > 0 && fld != "" && fld[0] >= '0' && fld[0] <= '9' {
				name = strings.Join(strings.Fields(h.OSVersion)[:j], " ")
				ver = fld
				break
			}
		}
	}
	if fam := osFamily(h.Platform, h.PlatformLike); fam != "" || h.OSVersion != "" {
		f.OS = &record.OSFacts{Family: fam, Name: name, Version: ver, Build: trimmed(h.Build)}
	}
	if h.DiskEncryptionEnabled != nil {
		f.Security = &record.Security{DiskEncryption: h.DiskEncryptionEnabled}
	}
	if h.Software != nil {
		f.Packages = []record.Package{}
		for _, s := range h.Software {
			src := strings.TrimSuffix(s.Source, "_packages")
			if s.Name != "" {
				f.Packages = append(f.Packages, record.Package{Name: strings.TrimSuffix(s.Name, ".app"), Version: s.Version, Source: src})
			}
		}
		f.Packages = sortPackages(f.Packages)
	}
	for _, u := range h.Users {
		if u.Username != "" {
			f.Users = append(f.Users, record.User{Name: u.Username, UID: u.UID})
		}
	}
	return nil
}
