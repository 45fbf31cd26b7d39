package evidence

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/estate-dev/estate/internal/atomicfile"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/output"
)

// Written is one pack's two files.
type Written struct {
	Pack       *Pack
	HTML, JSON string
}

// Write writes each pack as DIR/<name>.html and DIR/<name>.json (the
// folder is made when missing; each file is replaced atomically).
func Write(dir string, packs []*Pack) ([]Written, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("make %s: %w", dir, err)
	}
	var out []Written
	for _, p := range packs {
		w := Written{Pack: p, HTML: filepath.Join(dir, p.Name+".html"), JSON: filepath.Join(dir, p.Name+".json")}
		var h, j bytes.Buffer
		if err := Render(&h, p); err != nil {
			return out, err
		}
		if err := WriteJSON(&j, p); err != nil {
			return out, err
		}
		for path, data := range map[string][]byte{w.HTML: h.Bytes(), w.JSON: j.Bytes()} {
			if err := atomicfile.Write(path, func(f io.Writer) error { _, err := f.Write(data); return err }); err != nil {
				return out, fmt.Errorf("write %s: %w", path, err)
			}
		}
		out = append(out, w)
	}
	return out, nil
}

// Index is the --format json summary of a run of estate evidence.
type Index struct {
	Tool       string       `json:"tool"`
	Version    string       `json:"version"`
	OK         bool         `json:"ok"` // every pack is evidence
	Ref        string       `json:"ledger_ref"`
	LedgerHead *ledger.Head `json:"ledger_head"`
	Period     string       `json:"period,omitempty"`
	Seed       uint64       `json:"seed,omitempty"`
	Candidates int          `json:"candidates,omitempty"`
	Packs      []IndexPack  `json:"packs"`
}

// IndexPack is one pack of an Index: its name, verdict and files.
type IndexPack struct {
	Name      string   `json:"name"`
	Evidenced bool     `json:"evidenced"`
	Gaps      []string `json:"gaps"`
	HTML      string   `json:"html"`
	JSON      string   `json:"json"`
}

// IndexOf is the summary of res, whose packs were written as written, by
// estate at version.
func IndexOf(res *Result, written []Written, version string) Index {
	idx := Index{Tool: "estate evidence", Version: version, OK: res.Gaps() == 0, Ref: res.Ref, LedgerHead: res.Head,
		Candidates: res.Candidates, Packs: []IndexPack{}}
	if res.Period != nil {
		idx.Period, idx.Seed = res.Period.Name, res.Seed
	}
	for _, w := range written {
		idx.Packs = append(idx.Packs, IndexPack{Name: w.Pack.Name, Evidenced: w.Pack.Evidenced, Gaps: w.Pack.Gaps, HTML: w.HTML, JSON: w.JSON})
	}
	return idx
}

// WriteText writes a line per pack written (NOT EVIDENCE and its gaps
// for a pack with gaps), after the sample's size for a sample.
func WriteText(w io.Writer, res *Result, written []Written) {
	if res.Period != nil {
		fmt.Fprintf(w, "sampled %d of the %d changes of %s\n", len(res.Packs), res.Candidates, output.TextSafe(res.Period.Name))
	}
	for _, x := range written {
		state := "evidenced"
		if !x.Pack.Evidenced {
			state = fmt.Sprintf("NOT EVIDENCE: %d gaps", len(x.Pack.Gaps))
		}
		fmt.Fprintf(w, "%s  %s  %s\n", output.TextSafe(x.Pack.Name), state, output.TextSafe(x.HTML))
		for _, g := range x.Pack.Gaps {
			fmt.Fprintf(w, "  gap: %s\n", output.TextSafe(g))
		}
	}
}
