package gitstore

import (
	"context"

	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/record"
)

// GrantedExemptions returns the exemptions commit added to assets against
// its first parent (a control newly exempted, or an exemption whose
// expiry moved), for exemption-granted entries.
func GrantedExemptions(ctx context.Context, repo *gitrepo.Repo, commit string) ([]ledger.Exemption, error) {
	chs, err := repo.Changes(ctx, commit, true)
	if err != nil {
		return nil, err
	}
	var out []ledger.Exemption
	for _, ch := range chs {
		if ch.ToBlob == "" || load.Classify(ch.Path()).Kind != record.KindAsset {
			continue
		}
		var before map[string]string
		if ch.FromBlob != "" {
			old, err := assetAt(repo, ch.From, ch.FromBlob)
			if err != nil {
				return nil, err
			}
			if old != nil {
				before = map[string]string{}
				for _, x := range old.Exemptions {
					before[x.Control] = x.Expires
				}
			}
		}
		a, err := assetAt(repo, ch.Path(), ch.ToBlob)
		if err != nil {
			return nil, err
		}
		if a == nil {
			continue
		}
		for _, x := range a.Exemptions {
			if exp, ok := before[x.Control]; ok && exp == x.Expires {
				continue
			}
			out = append(out, ledger.Exemption{Record: a.ID, Control: x.Control, Expires: x.Expires, Change: x.Change})
		}
	}
	return out, nil
}

func assetAt(repo *gitrepo.Repo, path, blob string) (*record.Asset, error) {
	data, err := repo.ReadBlob(blob, load.DefaultLimits.MaxFileBytes)
	if err != nil {
		return nil, err
	}
	var a record.Asset
	if !decodeRecord(path, data, &a) {
		return nil, nil // not valid YAML: validate reports it
	}
	return &a, nil
}
