package facts

import (
	"cmp"
	"sort"
	"strings"
	"time"

	"github.com/estate-dev/estate/internal/match"
	"github.com/estate-dev/estate/internal/record"
)

// scalar is a fact Merge takes one value of: the newest source's that has it.
type scalar struct {
	path string
	get  func(*record.Facts) any // nil: the source does not report it
	set  func(*record.Facts, any)
	same func(a, b any) bool
}

func strFact(path string, get func(*record.Facts) *string, norm func(string) string) scalar {
	return scalar{path: path,
		get: func(f *record.Facts) any {
			if p := get(f); p != nil && *p != "" {
				return *p
			}
			return nil
		},
		set: func(f *record.Facts, v any) {
			if strings.HasPrefix(path, "os.") && f.OS == nil {
				f.OS = &record.OSFacts{}
			}
			*get(f) = v.(string)
		},
		same: func(a, b any) bool { return norm(a.(string)) == norm(b.(string)) }}
}

func boolFact(path string, get func(*record.Security) **bool) scalar {
	return scalar{path: path,
		get: func(f *record.Facts) any {
			if f.Security != nil && *get(f.Security) != nil {
				return **get(f.Security)
			}
			return nil
		},
		set: func(f *record.Facts, v any) {
			if f.Security == nil {
				f.Security = &record.Security{}
			}
			*get(f.Security) = ptr(v.(bool))
		},
		same: func(a, b any) bool { return a == b }}
}

func osPart(get func(*record.OSFacts) *string) func(*record.Facts) *string {
	return func(f *record.Facts) *string {
		if f.OS == nil {
			return nil
		}
		return get(f.OS)
	}
}

func fold(s string) string  { return strings.ToLower(strings.TrimSpace(s)) }
func exact(s string) string { return s }

// scalars are the facts merged one by one, in schema order.
var scalars = []scalar{
	strFact("identity.serial", func(f *record.Facts) *string { return &f.Identity.Serial }, match.Serial),
	strFact("identity.hostname", func(f *record.Facts) *string { return &f.Identity.Hostname }, match.Host),
	strFact("identity.model", func(f *record.Facts) *string { return &f.Identity.Model }, fold),
	strFact("identity.manufacturer", func(f *record.Facts) *string { return &f.Identity.Manufacturer }, fold),
	strFact("identity.uuid", func(f *record.Facts) *string { return &f.Identity.UUID }, fold),
	strFact("os.family", osPart(func(o *record.OSFacts) *string { return &o.Family }), fold),
	strFact("os.name", osPart(func(o *record.OSFacts) *string { return &o.Name }), fold),
	strFact("os.version", osPart(func(o *record.OSFacts) *string { return &o.Version }), exact),
	strFact("os.build", osPart(func(o *record.OSFacts) *string { return &o.Build }), exact),
	strFact("os.kernel", osPart(func(o *record.OSFacts) *string { return &o.Kernel }), exact),
	strFact("os.arch", osPart(func(o *record.OSFacts) *string { return &o.Arch }), fold),
	boolFact("security.disk_encryption", func(s *record.Security) **bool { return &s.DiskEncryption }),
	boolFact("security.firewall", func(s *record.Security) **bool { return &s.Firewall }),
	{path: "security.screen_lock_seconds",
		get: func(f *record.Facts) any {
			if f.Security != nil && f.Security.ScreenLockSeconds != nil {
				return *f.Security.ScreenLockSeconds
			}
			return nil
		},
		set: func(f *record.Facts, v any) {
			if f.Security == nil {
				f.Security = &record.Security{}
			}
			f.Security.ScreenLockSeconds = ptr(v.(int))
		},
		same: func(a, b any) bool { return a == b }},
	boolFact("security.auto_updates", func(s *record.Security) **bool { return &s.AutoUpdates }),
	boolFact("security.secure_boot", func(s *record.Security) **bool { return &s.SecureBoot }),
	boolFact("security.gatekeeper", func(s *record.Security) **bool { return &s.Gatekeeper }),
	boolFact("security.sip", func(s *record.Security) **bool { return &s.SIP }),
	boolFact("security.compliant", func(s *record.Security) **bool { return &s.Compliant }),
}

// Merge makes one facts document of the documents that describe one
// device (the same serial, as internal/match compares serials; else the
// same short hostname when no serial is known). For each fact the newest
// source that reports it wins; lists (packages, users, network
// interfaces) are taken whole from the newest source that has them. The
// merged document lists its sources, with the facts each gave, and the
// facts on which they disagreed, newest value first. Its collector,
// collected_at and Source are the newest document's.
//
// Of one collector's (name and source) documents only the newest counts:
// an older snapshot is superseded, not a second source. Documents of one
// collector that name different hostnames are two devices sharing a
// serial, not one device: such a group is not merged, so the audit
// reports the duplicate. Devices keep
// their order (the first document of each group holds the place).
func Merge(devices []record.Device) []record.Device {
	groups := make(map[string][]int, len(devices))
	multi := false
	for i := range devices {
		k := match.DeviceKey(devices[i].Facts)
		if k == "" {
			continue
		}
		groups[k] = append(groups[k], i)
		multi = multi || len(groups[k]) > 1
	}
	if !multi {
		return devices
	}
	out := make([]record.Device, 0, len(devices))
	done := make([]bool, len(devices))
	for i := range devices {
		if done[i] {
			continue
		}
		g := groups[match.DeviceKey(devices[i].Facts)]
		if len(g) < 2 || distinct(devices, g) {
			out = append(out, devices[i])
			done[i] = true
			continue
		}
		docs := make([]record.Device, len(g))
		for j, k := range g {
			docs[j] = devices[k]
			done[k] = true
		}
		out = append(out, mergeOne(docs))
	}
	return out
}

// distinct says whether one collector reported different hostnames for
// the group: two devices, not one.
func distinct(devices []record.Device, g []int) bool {
	hosts := map[string]string{}
	for _, i := range g {
		f := devices[i].Facts
		h := match.Host(f.Identity.Hostname)
		if h == "" {
			continue
		}
		c := f.Collector.Name + "\x00" + f.Collector.Source
		if prev, ok := hosts[c]; ok && prev != h {
			return true
		}
		hosts[c] = h
	}
	return false
}

func collectedAt(f *record.Facts) time.Time {
	t, _ := time.Parse(time.RFC3339, f.CollectedAt)
	return t
}

func mergeOne(docs []record.Device) record.Device {
	sort.SliceStable(docs, func(i, j int) bool {
		return collectedAt(docs[i].Facts).After(collectedAt(docs[j].Facts))
	})
	// A collector's newer document supersedes its older ones (a store
	// keeps every day's): only each collector's newest is merged.
	seen := map[string]bool{}
	latest := docs[:0]
	for _, d := range docs {
		c := d.Facts.Collector.Name + "\x00" + d.Facts.Collector.Source
		if !seen[c] {
			seen[c] = true
			latest = append(latest, d)
		}
	}
	if docs = latest; len(docs) == 1 {
		return docs[0]
	}
	newest := docs[0].Facts
	m := &record.Facts{APIVersion: newest.APIVersion, Kind: newest.Kind, CollectedAt: newest.CollectedAt, Collector: newest.Collector}
	gave := make([][]string, len(docs))
	for _, s := range scalars {
		won := -1
		var vals []record.ConflictValue
		var kept any
		conflict := false
		for j, d := range docs {
			v := s.get(d.Facts)
			if v == nil {
				continue
			}
			vals = append(vals, record.ConflictValue{Value: v, Collector: d.Facts.Collector.Name, CollectedAt: d.Facts.CollectedAt})
			if won < 0 {
				won, kept = j, v
				s.set(m, v)
				gave[j] = append(gave[j], s.path)
			} else if !s.same(kept, v) {
				conflict = true
			}
		}
		if conflict {
			m.Conflicts = append(m.Conflicts, record.Conflict{Fact: s.path, Values: vals})
		}
	}
	for j, d := range docs {
		if d.Facts.Packages != nil && m.Packages == nil {
			m.Packages = d.Facts.Packages
			gave[j] = append(gave[j], "packages")
		}
		if d.Facts.Users != nil && m.Users == nil {
			m.Users = d.Facts.Users
			gave[j] = append(gave[j], "users")
		}
		if d.Facts.Network != nil && len(d.Facts.Network.Interfaces) > 0 && m.Network == nil {
			m.Network = d.Facts.Network
			gave[j] = append(gave[j], "network.interfaces")
		}
		// Policies are each service's own checks: all are kept, each
		// naming the service that ran it.
		for _, p := range d.Facts.Policies {
			p.Source = cmp.Or(p.Source, d.Facts.Collector.Source, d.Facts.Collector.Name)
			m.Policies = append(m.Policies, p)
		}
		if len(d.Facts.Policies) > 0 {
			gave[j] = append(gave[j], "policies")
		}
		for _, e := range d.Facts.Errors {
			m.Errors = append(m.Errors, d.Facts.Collector.Name+": "+e)
		}
		m.Sources = append(m.Sources, record.FactSource{Collector: d.Facts.Collector.Name, Source: d.Facts.Collector.Source,
			CollectedAt: d.Facts.CollectedAt, Document: d.Source, Facts: gave[j]})
	}
	return record.Device{Source: docs[0].Source, Facts: m}
}
