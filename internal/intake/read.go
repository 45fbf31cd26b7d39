package intake

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/estate-dev/estate/internal/facts"
	"github.com/estate-dev/estate/internal/record"
)

// Services ReadFiles and Pull know.
const (
	Intune = "intune"
	Jamf   = "jamf"
	Fleet  = "fleet"
	Google = "google"
)

// MaxPageBytes is the most of one saved or served API page that is read.
const MaxPageBytes = 64 << 20

// ReadFiles reads saved API pages of service (Intune, Jamf, Fleet or
// Google): each path
// a page (.json) or a folder of pages (every .json below it, in name
// order). A page that does not parse is a failure (at its line and
// column when it is no JSON) and the others are
// still read. A device on several pages (a list page and its "get") is
// one device, the later page's fields winning. The error means a path
// could not be read at all.
func ReadFiles(service string, paths []string, now time.Time) ([]record.Device, []facts.Failure, error) {
	files, err := pageFiles(paths)
	if err != nil {
		return nil, nil, err
	}
	var acc accumulator
	var failed []facts.Failure
	for _, file := range files {
		data, err := readPage(file)
		if err == nil {
			err = acc.add(service, data)
		}
		if err != nil {
			fl := facts.Failure{Source: filepath.ToSlash(file), Reason: err.Error()}
			var pe *PageError
			if errors.As(err, &pe) {
				fl.Pos = record.Pos{File: fl.Source, Line: pe.Line, Col: pe.Col}
			}
			failed = append(failed, fl)
		}
	}
	return acc.devices(service, now), failed, nil
}

func pageFiles(paths []string) ([]string, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("read API pages: %w", err)
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		var in []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.EqualFold(filepath.Ext(path), ".json") {
				in = append(in, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read API pages: %w", err)
		}
		sort.Strings(in)
		files = append(files, in...)
	}
	return files, nil
}

func readPage(file string) ([]byte, error) {
	fh, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, MaxPageBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxPageBytes {
		return nil, fmt.Errorf("over the %d MiB a page may hold", MaxPageBytes>>20)
	}
	return data, nil
}

// accumulator gathers the records of many pages, one a device id.
type accumulator struct {
	order  []string
	intune map[string]*IntuneDevice
	jamf   map[string]JamfComputer
	fleet  map[string]FleetHost
	google map[string]ChromeOSDevice
	apps   map[string][]IntuneApp // Intune device id → apps listing it
	seen   map[string]bool
}

func (a *accumulator) add(service string, data []byte) error {
	a.init()
	switch service {
	case Jamf:
		cs, _, err := ParseJamfPage(data)
		a.addJamf(cs)
		return err
	case Fleet:
		hs, err := ParseFleetPage(data)
		for _, h := range hs {
			a.see(h.ID.String(), func() {
				// A list page without software or policies keeps what
				// the host's own page said of them.
				if old, ok := a.fleet[h.ID.String()]; ok {
					if h.Software == nil {
						h.Software = old.Software
					}
					if h.Policies == nil {
						h.Policies = old.Policies
					}
					if h.Users == nil {
						h.Users = old.Users
					}
				}
				a.fleet[h.ID.String()] = h
			})
		}
		return err
	case Google:
		ds, _, err := ParseGooglePage(data)
		for _, d := range ds {
			a.see(d.DeviceID, func() { a.google[d.DeviceID] = d })
		}
		return err
	}
	ds, apps, _, err := ParseIntunePage(data)
	a.addIntune(ds, apps)
	return err
}

func (a *accumulator) addJamf(cs []JamfComputer) {
	a.init()
	for _, c := range cs {
		if _, ok := a.jamf[c.ID]; !ok {
			a.order = append(a.order, c.ID)
		}
		a.jamf[c.ID] = c
	}
}

func (a *accumulator) init() {
	if a.intune == nil {
		a.intune, a.jamf, a.apps = map[string]*IntuneDevice{}, map[string]JamfComputer{}, map[string][]IntuneApp{}
		a.fleet, a.google = map[string]FleetHost{}, map[string]ChromeOSDevice{}
	}
}

// see keeps a record of id, the later page's winning, in the order ids
// are first seen.
func (a *accumulator) see(id string, keep func()) {
	if _, ok := a.seen[id]; !ok {
		if a.seen == nil {
			a.seen = map[string]bool{}
		}
		a.seen[id] = true
		a.order = append(a.order, id)
	}
	keep()
}

func (a *accumulator) addIntune(ds []IntuneDevice, apps []IntuneApp) {
	a.init()
	for _, d := range ds {
		old, ok := a.intune[d.ID]
		if !ok {
			a.order = append(a.order, d.ID)
		} else if len(d.DetectedApps) == 0 {
			d.DetectedApps = old.DetectedApps
		}
		a.intune[d.ID] = &d
	}
	for _, app := range apps {
		for _, d := range app.ManagedDevices {
			a.apps[d.ID] = append(a.apps[d.ID], IntuneApp{ID: app.ID, DisplayName: app.DisplayName, Version: app.Version})
		}
	}
}

// devices maps what was gathered, in the order first seen. Apps that
// list a device no page holds are passed over: there is no device to
// give them to.
func (a *accumulator) devices(service string, now time.Time) []record.Device {
	var out []record.Device
	for _, id := range a.order {
		var f *record.Facts
		switch service {
		case Jamf:
			f = FromJamf(a.jamf[id], now)
		case Fleet:
			f = FromFleet(a.fleet[id], now)
		case Google:
			f = FromGoogle(a.google[id], now)
		default:
			d := *a.intune[id]
			d.DetectedApps = append(d.DetectedApps, a.apps[id]...)
			f = FromIntune(d, now)
		}
		out = append(out, record.Device{Source: f.Collector.Source, Facts: f})
	}
	return out
}
