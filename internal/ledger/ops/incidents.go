package ops

import (
	"context"
	"time"

	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/ledger/gitstore"
)

// IncidentOptions say where RecordIncidents appends.
type IncidentOptions struct {
	Dir string // the repository
	Ref string // the ledger's ref ("" = ledger.ref of estate.yaml at HEAD)
	Writer
	Now func() time.Time
}

// RecordIncidents appends entries (incident-opened, incident-closed,
// incident-reopened) in order, each once: an entry of the same kind, time,
// issue and repeat already in the ledger is not appended again. A missing
// ledger ref is created. It returns what was appended, also on an error.
func RecordIncidents(ctx context.Context, o IncidentOptions, entries []*ledger.Entry) ([]*ledger.Entry, error) {
	if len(entries) == 0 {
		return nil, nil
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	store, _, err := openAt(o.Dir, "HEAD", o.Ref, now)
	if err != nil {
		return nil, err
	}
	defer store.Repo.Close()
	add, err := o.Writer.appender(ctx, store, o.Dir)
	if err != nil {
		return nil, err
	}
	var out []*ledger.Entry
	for _, e := range entries {
		got, err := add(func(snap *gitstore.Snapshot) (*ledger.Entry, error) {
			for _, x := range snap.Entries() {
				if x.Kind == e.Kind && x.Time == e.Time && x.Incident != nil && e.Incident != nil &&
					x.Incident.Issue == e.Incident.Issue && x.Incident.Repeat == e.Incident.Repeat {
					return nil, nil
				}
			}
			c := *e
			return &c, nil
		})
		if err != nil {
			return out, err
		}
		if got != nil {
			out = append(out, got)
		}
	}
	return out, nil
}
