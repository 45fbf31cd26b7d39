package plan

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/record"
)

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// repo is a real git repository in a temporary folder.
type repo struct {
	t   *testing.T
	dir string
}

func newRepo(t *testing.T, files map[string]string) *repo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("git is not installed, and CI=true needs it")
		}
		t.Skip("git is not installed")
	}
	r := &repo{t: t, dir: t.TempDir()}
	r.git("init", "-q", "-b", "main")
	r.write(files)
	r.commit("the estate")
	return r
}

func (r *repo) git(args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org", "GIT_COMMITTER_NAME=t",
		"GIT_COMMITTER_EMAIL=t@example.org", "GIT_CONFIG_NOSYSTEM=1", "HOME="+r.dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func (r *repo) write(files map[string]string) {
	r.t.Helper()
	for p, data := range files {
		full := filepath.Join(r.dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			r.t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
			r.t.Fatal(err)
		}
	}
}

func (r *repo) commit(msg string) string {
	r.git("add", "-A")
	r.git("commit", "-q", "-m", msg)
	return r.git("rev-parse", "HEAD")
}

func (r *repo) run(o Options) (*Result, error) {
	r.t.Helper()
	o.Dir, o.Now = r.dir, now
	return Run(context.Background(), o)
}

func asset(id, loc, extra string) string {
	return "apiVersion: estate/v1\nkind: Asset\nid: " + id + "\nclass: laptop\nstatus: deployed\nserial: S-" + id +
		"\nowner: a@example.org\nlocation: " + loc + "\nbaseline: b\n" + extra
}

var estate = map[string]string{
	"inventory/locations/LON.yaml":   "apiVersion: estate/v1\nkind: Location\nid: LON\nname: London\ntype: site\n",
	"inventory/locations/NYC.yaml":   "apiVersion: estate/v1\nkind: Location\nid: NYC\nname: New York\ntype: site\n",
	"inventory/licences/OFFICE.yaml": "apiVersion: estate/v1\nkind: Licence\nid: OFFICE\nproduct: Office\nseats: 5\n",
	"policies/baselines/b.yaml":      "apiVersion: estate/v1\nkind: Baseline\nname: b\nversion: 1.0.0\ncontrols:\n  - id: C-1\n    title: fw\n    severity: high\n    check: {fact: security.firewall, equals: true}\n",
	"changes/CR-2026-0031.yaml":      "apiVersion: estate/v1\nkind: ChangeRequest\nid: CR-2026-0031\ntitle: t\ntype: normal\nreason: r\nrisk: low\n",
	"inventory/laptop/LT-1.yaml":     asset("LT-1", "LON", "licences: [OFFICE]\nexemptions:\n  - {control: C-1, reason: r, change: CR-2026-0031, expires: 2026-12-31}\n"),
	"inventory/laptop/LT-2.yaml":     asset("LT-2", "NYC", "licences: [OFFICE]\n"),
	"inventory/laptop/LT-3.yaml":     asset("LT-3", "NYC", ""),
}

func references(p *Result) []string {
	var out []string
	for _, f := range p.Plan.Findings {
		if f.Rule == "reference" {
			out = append(out, f.Pos.String()+" "+f.Record+" "+f.Field+" "+f.Message)
		}
	}
	return out
}

// TestRunDanglingReferences: a change that deletes a change request an
// exemption names, renames a location and removes a licence that
// untouched assets name gets the reference findings on their lines
// without --full, the same as --full (and both engines) give.
func TestRunDanglingReferences(t *testing.T) {
	r := newRepo(t, estate)
	r.git("checkout", "-q", "-b", "tidy")
	r.git("rm", "-q", "changes/CR-2026-0031.yaml", "inventory/licences/OFFICE.yaml")
	r.git("mv", "inventory/locations/NYC.yaml", "inventory/locations/NY.yaml")
	r.write(map[string]string{"inventory/locations/NY.yaml": "apiVersion: estate/v1\nkind: Location\nid: NY\nname: New York\ntype: site\n"})
	r.commit("tidy")

	want := []string{
		"inventory/laptop/LT-1.yaml:10:12 LT-1 licences.0 licence \"OFFICE\" does not exist",
		"inventory/laptop/LT-1.yaml:12:39 LT-1 exemptions.0.change change request \"CR-2026-0031\" does not exist",
		"inventory/laptop/LT-2.yaml:8:11 LT-2 location location \"NYC\" does not exist",
		"inventory/laptop/LT-2.yaml:10:12 LT-2 licences.0 licence \"OFFICE\" does not exist",
		"inventory/laptop/LT-3.yaml:8:11 LT-3 location location \"NYC\" does not exist",
	}
	for _, o := range []Options{{Engine: gitrepo.EngineGit}, {Engine: gitrepo.EngineGoGit}, {Full: true}} {
		res, err := r.run(o)
		if err != nil {
			t.Fatal(err)
		}
		if got := references(res); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%+v: reference findings\n%s\nwant\n%s", o, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}

	// A change that removes nothing an asset names scans nothing and
	// finds nothing.
	r.git("checkout", "-q", "main")
	r.git("checkout", "-q", "-b", "unrelated")
	r.write(map[string]string{"inventory/locations/PAR.yaml": "apiVersion: estate/v1\nkind: Location\nid: PAR\nname: Paris\ntype: site\n"})
	r.commit("Paris")
	res, err := r.run(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := references(res); len(got) != 0 {
		t.Errorf("unrelated change: %v", got)
	}
}

// TestRunWorktree: with Head HEAD the estate files git status reports are
// named (a warning for the caller and an info finding of at most five
// names); with another Head, or when clean, nothing is said.
func TestRunWorktree(t *testing.T) {
	r := newRepo(t, estate)
	res, err := r.run(Options{Base: "main"})
	if err != nil || len(res.Dirty) != 0 {
		t.Fatalf("clean: %v, %v", res.Dirty, err)
	}
	r.write(map[string]string{
		"inventory/laptop/LT-1.yaml": asset("LT-1", "NYC", ""),
		"docs/notes.md":              "not an estate file\n",
	})
	for i := range 6 {
		r.write(map[string]string{"inventory/phone/PH-" + string(rune('1'+i)) + ".yaml": "x: 1\n"})
	}
	res, err = r.run(Options{Base: "main"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Dirty) != 7 || res.Dirty[0] != "inventory/laptop/LT-1.yaml" {
		t.Errorf("dirty %v; want LT-1 and six phones, not the notes", res.Dirty)
	}
	var info []record.Finding
	for _, f := range res.Plan.Findings {
		if f.Rule == RuleWorktree {
			info = append(info, f)
		}
	}
	if len(info) != 1 || info[0].Severity != record.SevInfo ||
		!strings.HasSuffix(info[0].Message, "inventory/phone/PH-4.yaml and 2 more") || strings.Contains(info[0].Message, "PH-5") {
		t.Errorf("worktree findings %+v", info)
	}
	if res, err := r.run(Options{Base: "main", Head: "main"}); err != nil || res.Dirty != nil {
		t.Errorf("--head main: dirty %v, %v", res.Dirty, err)
	}
}

// TestRunControlCharacters: a file name with a control character under
// changes/ or policies/ is a finding on that path, and the plan is made.
func TestRunControlCharacters(t *testing.T) {
	r := newRepo(t, estate)
	r.git("checkout", "-q", "-b", "bell")
	r.write(map[string]string{
		"changes/CR-2026-0042\a.yaml":  "apiVersion: estate/v1\nkind: ChangeRequest\nid: CR-2026-0042\ntitle: t\ntype: normal\nreason: r\nrisk: low\n",
		"policies/x\x1b.yaml":          "x: 1\n",
		"inventory/laptop/LT-9\t.yaml": asset("LT-9", "LON", ""),
	})
	r.commit("bells")
	for _, o := range []Options{{Engine: gitrepo.EngineGit}, {Engine: gitrepo.EngineGoGit}, {Full: true, Engine: gitrepo.EngineGoGit}} {
		res, err := r.run(o)
		if err != nil {
			t.Fatalf("%+v: %v", o, err)
		}
		got := map[string]bool{}
		for _, f := range res.Plan.Findings {
			if strings.Contains(f.Message, "control character") && f.Severity == record.SeverityError {
				got[f.Pos.File] = true
			}
		}
		if len(got) != 3 || !got["changes/CR-2026-0042\a.yaml"] || !got["policies/x\x1b.yaml"] || !got["inventory/laptop/LT-9\t.yaml"] {
			t.Errorf("%+v: control-character findings on %v", o, got)
		}
	}
}

// TestRunResult: the commits, the names and the root of a plan.
func TestRunResult(t *testing.T) {
	r := newRepo(t, estate)
	base := r.git("rev-parse", "HEAD")
	r.git("checkout", "-q", "-b", "move")
	r.write(map[string]string{"inventory/laptop/LT-3.yaml": asset("LT-3", "LON", "")})
	head := r.commit("move LT-3")
	res, err := r.run(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Base.Hash != base || res.Head.Hash != head || res.Head.Subject != "move LT-3" {
		t.Errorf("commits %s %s (%q); want %s %s", res.Base.Hash, res.Head.Hash, res.Head.Subject, base, head)
	}
	if res.Context.Base != "merge-base(main) ("+base[:7]+")" || res.Context.Head != "HEAD ("+head[:7]+")" {
		t.Errorf("context %+v", res.Context)
	}
	root, _ := filepath.EvalSymlinks(r.dir)
	if got, _ := filepath.EvalSymlinks(res.Root); got != root || len(res.Files) != 1 || len(res.Plan.Records) != 1 {
		t.Errorf("root %s, %d files, %d records", res.Root, len(res.Files), len(res.Plan.Records))
	}
	if res.Elapsed <= 0 {
		t.Error("no elapsed time")
	}
}

// TestRunUsageErrors: what the caller got wrong is core.ErrUsage with a
// hint; the rest is not.
func TestRunUsageErrors(t *testing.T) {
	r := newRepo(t, estate)
	for name, o := range map[string]Options{
		"no such head":   {Head: "nope"},
		"no such base":   {Base: "nope"},
		"no default":     {DefaultBases: []string{"trunk"}},
		"engine":         {Engine: "svn"},
		"facts":          {Base: "main", Facts: filepath.Join(r.dir, "no-such-folder")},
		"not a git repo": {},
	} {
		var err error
		if name == "not a git repo" {
			_, err = Run(context.Background(), Options{Dir: t.TempDir(), Now: now})
		} else {
			_, err = r.run(o)
		}
		var h interface{ Hint() string }
		if !errors.Is(err, core.ErrUsage) || !errors.As(err, &h) {
			t.Errorf("%s: %v; want a usage error", name, err)
		}
	}
	// A context that is done is no usage error.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, Options{Dir: r.dir, Base: "main", Engine: gitrepo.EngineGit}); err == nil || errors.Is(err, core.ErrUsage) {
		t.Errorf("cancelled: %v", err)
	}
}
