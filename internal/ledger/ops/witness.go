package ops

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/ledger/gitstore"
	"github.com/estate-dev/estate/internal/record"
)

// WitnessRefPrefix is where Verify keeps the copy of a remote's ledger it
// compared with: one ref per remote, overwritten by each --against.
const WitnessRefPrefix = "refs/estate/witness/"

// maxHeadFile bounds a file read for its ledger_head (an audit report or
// an evidence pack's JSON).
const maxHeadFile = MaxReportBytes

// witness compares the ledger on store with against: a file holding a
// ledger_head (an audit report, an evidence pack), a local ref holding a
// copy of the ledger, or a remote (name or URL) whose ledger ref is
// fetched into WitnessRefPrefix+hash(remote).
func witness(ctx context.Context, store *gitstore.Store, against string) ([]record.Finding, error) {
	snap, err := store.Read(ctx)
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(against); err == nil && !st.IsDir() {
		h, err := ReadHead(against)
		if err != nil {
			return nil, err
		}
		return ledger.WitnessHead(snap.Stored, store.Ref, *h, against), nil
	}
	ref := against
	if tip, ok, err := store.Repo.Ref(against); err != nil || !ok {
		sum := sha256.Sum256([]byte(against))
		ref = WitnessRefPrefix + hex.EncodeToString(sum[:6])
		err := GitRemote{Repo: store.Repo}.FetchTo(ctx, against, store.Ref, ref)
		switch {
		case errors.Is(err, gitrepo.ErrNoRemoteRef):
			return nil, usage(fmt.Errorf("--against %s: the remote has no %s", against, store.Ref), "name the mirror that holds the ledger, or a file with a ledger_head")
		case errors.Is(err, gitrepo.ErrNoGit):
			return nil, failure(fmt.Errorf("--against %s: %w", against, err), "install git to fetch a mirror's ledger")
		case err != nil:
			return nil, usage(fmt.Errorf("--against %s is not a file, a ref of this repository or a remote that can be fetched: %w", against, err),
				"give an audit report or evidence pack JSON (they record ledger_head), a ref such as refs/remotes/mirror/ledger, or a remote")
		}
	} else if tip == snap.Tip && against == store.Ref {
		return nil, usage(fmt.Errorf("--against %s is the ledger itself", against), "name another copy: a mirror, or a file with a ledger_head")
	}
	other, err := (&gitstore.Store{Repo: store.Repo, Ref: ref}).Read(ctx)
	if err != nil {
		return nil, err
	}
	if len(other.Stored) == 0 {
		return nil, usage(fmt.Errorf("--against %s holds no ledger entry", against), "")
	}
	return ledger.WitnessCopy(snap.Stored, other.Stored, store.Ref, against), nil
}

// ReadHead reads the ledger_head a JSON file records (an audit report
// of estate audit --format json, an evidence pack's JSON).
func ReadHead(path string) (*ledger.Head, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usage(fmt.Errorf("read %s: %w", path, err), "")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxHeadFile+1))
	if err != nil {
		return nil, usage(fmt.Errorf("read %s: %w", path, err), "")
	}
	if len(data) > maxHeadFile {
		return nil, usage(fmt.Errorf("read %s: larger than %d bytes", path, maxHeadFile), "")
	}
	return ParseHead(path, data)
}

// ParseHead reads the ledger_head of a JSON document (name names it in
// errors, which are usage errors with line:column for broken JSON).
func ParseHead(path string, data []byte) (*ledger.Head, error) {
	var doc struct {
		Head *ledger.Head `json:"ledger_head"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, usage(fmt.Errorf("%s:%w", path, JSONPos(data, err)), "give a JSON file that records ledger_head: an audit report or an evidence pack")
	}
	if doc.Head == nil {
		return nil, usage(fmt.Errorf("%s records no ledger_head", path),
			"audit reports (estate audit --format json) and evidence packs record the ledger head they saw; reports made before the ledger existed have none")
	}
	if err := doc.Head.Check(); err != nil {
		return nil, usage(fmt.Errorf("%s: %w", path, err), "")
	}
	return doc.Head, nil
}
