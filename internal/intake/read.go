package intake

import (
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
)

// MaxPageBytes is the most of one saved or served API page that is read.
const MaxPageBytes = 64 << 20

// ReadFiles reads saved API pages of service (Intune or Jamf): each path
// a page (.json) or a folder of pages (every .json below it, in name
// order). A page that does not parse is a failure and the others are
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
			failed = append(failed, facts.Failure{Source: filepath.ToSlash(file), Reason: err.Error()})
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
	apps   map[string][]IntuneApp // Intune device id → apps listing it
}

func (a *accumulator) add(service string, data []byte) error {
	if service == Jamf {
		cs, _, err := ParseJamfPage(data)
		a.addJamf(cs)
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
	}
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
		if service == Jamf {
			f = FromJamf(a.jamf[id], now)
		} else {
			d := *a.intune[id]
			d.DetectedApps = append(d.DetectedApps, a.apps[id]...)
			f = FromIntune(d, now)
		}
		out = append(out, record.Device{Source: f.Collector.Source, Facts: f})
	}
	return out
}
