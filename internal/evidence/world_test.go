package evidence

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/gitrepo/gittest"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/ledger/ops"
)

var start = time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)

// world is a real estate repository with a real ledger: changes merged
// by the test (one asset and one change request each, committed with
// go-git) and recorded with the ledger's own commands.
type world struct {
	t    testing.TB
	dir  string
	repo *gittest.Repo
	when time.Time
	n    int
}

func newWorld(t testing.TB) *world {
	t.Helper()
	dir := t.TempDir()
	w := &world{t: t, dir: dir, repo: gittest.Init(t, dir), when: start}
	w.write("estate.yaml", "apiVersion: estate/v1\nkind: Settings\nmanaged_classes: [laptop]\n")
	w.write("policies/change-control.yaml", "apiVersion: estate/v1\nkind: ChangePolicy\napprovals:\n  - name: peer-review\n    count: 1\n")
	w.write("policies/baselines/mac.yaml", baseline("2.3.0", "14.0"))
	w.write("inventory/locations/LON.yaml", "apiVersion: estate/v1\nkind: Location\nid: LON\nname: London\ntype: site\n")
	w.write("inventory/laptop/LT-1.yaml", asset("LT-1", "jane.doe@example.org"))
	w.commit("Import the estate")
	return w
}

func baseline(version, min string) string {
	return "apiVersion: estate/v1\nkind: Baseline\nname: mac\nversion: \"" + version + "\"\napplies_to: {classes: [laptop], os: macos}\ncontrols:\n" +
		"  - id: MAC-OS\n    title: macOS is patched\n    severity: high\n    check: {fact: os.version, version: \">= " + min + "\"}\n"
}

func asset(id, owner string) string {
	return "apiVersion: estate/v1\nkind: Asset\nid: " + id + "\nclass: laptop\nstatus: deployed\nserial: S" + id + "\nhostname: " + strings.ToLower(id) +
		"\nowner: " + owner + "\nlocation: LON\nbaseline: mac\n"
}

func (w *world) write(path, data string) {
	w.t.Helper()
	p := filepath.Join(w.dir, filepath.FromSlash(path))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		w.t.Fatal(err)
	}
	w.repo.Add(path)
}

func (w *world) commit(msg string) string {
	w.t.Helper()
	w.when = w.when.Add(time.Hour)
	return w.repo.Commit(msg, gittest.CommitOptions{Author: gittest.Signature{Name: "Alice", Email: "alice@example.org", When: w.when}})
}

// change merges change n (#n, CR-2026-000n): LT-1's owner changes, and
// the baseline when raise is set; approved says whether a review is
// recorded.
func (w *world) change(approved, raise bool) string {
	w.t.Helper()
	w.n++
	id := fmt.Sprintf("CR-2026-%04d", w.n)
	w.write("changes/"+id+".yaml", "apiVersion: estate/v1\nkind: ChangeRequest\nid: "+id+"\ntitle: Change "+id+
		"\ntype: normal\nreason: \"<script>alert(1)</script> routine\"\nrisk: medium\n")
	w.write("inventory/laptop/LT-1.yaml", asset("LT-1", fmt.Sprintf("owner%d@example.org", w.n)))
	if raise {
		w.write("policies/baselines/mac.yaml", baseline(fmt.Sprintf("2.%d.0", 3+w.n), "14.5"))
	}
	c := w.commit(fmt.Sprintf("Change %d (#%d)", w.n, w.n))
	o := ops.RecordOptions{Dir: w.dir, Now: func() time.Time { return w.when }}
	if approved {
		o.Approvals = []ledger.Approval{{By: "bob@example.org", At: ledger.FormatTime(w.when.Add(-30 * time.Minute))}}
	}
	if _, err := ops.Record(context.Background(), o); err != nil {
		w.t.Fatal(err)
	}
	return c
}

// audit records an audit at the world's clock in which failing records
// have findings, and the period's inventory counts.
func (w *world) audit(failing ...string) {
	w.t.Helper()
	w.when = w.when.Add(time.Hour)
	fs := "["
	for i, id := range failing {
		if i > 0 {
			fs += ","
		}
		fs += `{"record":"` + id + `","rule":"audit/control"}`
	}
	fs += "]"
	rep := fmt.Sprintf(`{"tool":"estate audit","generated_at":%q,"summary":{"devices":3,"assets":1,"unregistered":2,"missing":0,"duplicates":1},"findings":%s}`,
		ledger.FormatTime(w.when), fs)
	file := filepath.Join(w.t.TempDir(), "audit.json")
	if err := os.WriteFile(file, []byte(rep), 0o644); err != nil {
		w.t.Fatal(err)
	}
	if _, err := ops.RecordAudit(context.Background(), ops.AuditOptions{Dir: w.dir, File: file, Now: func() time.Time { return w.when }}); err != nil {
		w.t.Fatal(err)
	}
}
