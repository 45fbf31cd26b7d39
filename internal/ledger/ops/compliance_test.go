package ops

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/ledger/compliance"
)

func assetYAML(id, extra string) []byte {
	return []byte("apiVersion: estate/v1\nkind: Asset\nid: " + id + "\nclass: laptop\nstatus: deployed\nserial: S-" + id +
		"\nbaseline: mac\n" + extra)
}

// TestAuditsRecordComplianceChanges: three audits on three days; each
// audit entry's commit holds only what changed since the previous one,
// and a device's history gives its failing since.
func TestAuditsRecordComplianceChanges(t *testing.T) {
	dir, _ := repoWith(t, map[string][]byte{
		"estate.yaml":                 []byte("apiVersion: estate/v1\nkind: Settings\n"),
		"inventory/laptop/LT-1.yaml":  assetYAML("LT-1", ""),
		"inventory/laptop/LT-2.yaml":  assetYAML("LT-2", "exemptions:\n  - {control: MAC-FW, reason: r, change: CR-1, expires: 2027-01-01}\n"),
		"inventory/laptop/LT-3.yaml":  assetYAML("LT-3", ""),
		"policies/baselines/mac.yaml": []byte("apiVersion: estate/v1\nkind: Baseline\nname: mac\nversion: \"1.0.0\"\ncontrols: []\n"),
	}, "the estate")
	audit := func(day int, findings ...string) *AuditResult {
		t.Helper()
		var fs []string
		for _, f := range findings {
			p := strings.Split(f, " ")
			fs = append(fs, fmt.Sprintf(`{"rule": %q, "record": %q, "control": %q}`, p[0], p[1], p[2]))
		}
		at := time.Date(2026, 11, day, 6, 0, 0, 0, time.UTC)
		rep := fmt.Sprintf(`{"tool": "estate audit", "generated_at": %q, "findings": [%s]}`, at.Format(time.RFC3339), strings.Join(fs, ","))
		file := filepath.Join(t.TempDir(), "audit.json")
		if err := os.WriteFile(file, []byte(rep), 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := RecordAudit(context.Background(), AuditOptions{Dir: dir, File: file, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	r1 := audit(1, "audit/control LT-1 MAC-OS", "audit/control LT-3 MAC-OS", "audit/unverified LT-3 MAC-ENC")
	r2 := audit(2, "audit/control LT-1 MAC-OS", "audit/control LT-1 MAC-ENC", "audit/missing LT-3 -")
	r3 := audit(3, "audit/control LT-1 MAC-ENC", "audit/control LT-3 MAC-OS")
	counts := []int{r1.Appended[0].Audit.Changes.Count, r2.Appended[0].Audit.Changes.Count, r3.Appended[0].Audit.Changes.Count}
	// 1: LT-1 OS fail, LT-2 FW exempt, LT-3 OS fail, LT-3 ENC unverified.
	// 2: LT-1 ENC fail (LT-3 missing: kept as it was).
	// 3: LT-1 OS pass, LT-3 ENC pass (LT-3 OS still fails).
	if fmt.Sprint(counts) != "[4 1 2]" {
		t.Errorf("changes per audit %v, want [4 1 2]", counts)
	}
	all, err := ReadCompliance(context.Background(), ComplianceOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	since := compliance.FailingSinceAll(all)
	want := map[compliance.Key]int{{Asset: "LT-1", Control: "MAC-ENC"}: 2, {Asset: "LT-3", Control: "MAC-OS"}: 1}
	if len(since) != len(want) {
		t.Errorf("failing since %v, want %v", since, want)
	}
	for k, d := range want {
		if since[k].Day() != d {
			t.Errorf("%v failing since %v, want day %d", k, since[k], d)
		}
	}
	one, err := ReadCompliance(context.Background(), ComplianceOptions{Dir: dir, Asset: "LT-1"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range compliance.Events("LT-1", one) {
		got = append(got, fmt.Sprintf("%d %s %s→%s", e.At.Day(), e.Control, e.FromName, e.ToName))
	}
	if w := "[1 MAC-OS pass→fail 2 MAC-ENC pass→fail 3 MAC-OS fail→pass]"; fmt.Sprint(got) != w {
		t.Errorf("LT-1's events %v, want %s", got, w)
	}
	// The same report again appends nothing.
	if r := audit(3, "audit/control LT-1 MAC-ENC", "audit/control LT-3 MAC-OS"); !r.Already {
		t.Error("the same report was recorded twice")
	}
}

// TestPartialAuditJudgesOnlyWhatItSaw: an audit of only the devices it
// collected (partial, with the assets it saw) records no pass for a
// failing device it did not see.
func TestPartialAuditJudgesOnlyWhatItSaw(t *testing.T) {
	dir, _ := repoWith(t, map[string][]byte{
		"estate.yaml":                 []byte("apiVersion: estate/v1\nkind: Settings\n"),
		"inventory/laptop/LT-1.yaml":  assetYAML("LT-1", ""),
		"inventory/laptop/LT-2.yaml":  assetYAML("LT-2", ""),
		"policies/baselines/mac.yaml": []byte("apiVersion: estate/v1\nkind: Baseline\nname: mac\nversion: \"1.0.0\"\ncontrols: []\n"),
	}, "the estate")
	record := func(day int, body string) {
		t.Helper()
		at := time.Date(2026, 11, day, 6, 0, 0, 0, time.UTC)
		file := filepath.Join(t.TempDir(), "audit.json")
		if err := os.WriteFile(file, []byte(fmt.Sprintf(`{"tool": "estate audit", "generated_at": %q, %s}`, at.Format(time.RFC3339), body)), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := RecordAudit(context.Background(), AuditOptions{Dir: dir, File: file, Now: now}); err != nil {
			t.Fatal(err)
		}
	}
	record(1, `"findings": [{"rule": "audit/control", "record": "LT-1", "control": "MAC-OS"}, {"rule": "audit/control", "record": "LT-2", "control": "MAC-OS"}]`)
	// Day 2: only LT-1 was collected (estate audit --collect local on it), and it passes.
	record(2, `"findings": [], "partial": {"seen": ["LT-1"]}`)
	all, err := ReadCompliance(context.Background(), ComplianceOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	since := compliance.FailingSinceAll(all)
	if _, ok := since[compliance.Key{Asset: "LT-2", Control: "MAC-OS"}]; !ok {
		t.Errorf("LT-2, not seen by the partial audit, was recorded as passing: %v", since)
	}
	if _, ok := since[compliance.Key{Asset: "LT-1", Control: "MAC-OS"}]; ok {
		t.Errorf("LT-1, seen passing, still fails: %v", since)
	}
}

// TestVerifyFindsEditedComplianceChanges: an audit entry's commit whose
// compliance changes were replaced (the entry and its chain untouched)
// is a finding of estate ledger verify.
func TestVerifyFindsEditedComplianceChanges(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("needs git")
	}
	dir, _ := repoWith(t, map[string][]byte{
		"estate.yaml":                 []byte("apiVersion: estate/v1\nkind: Settings\n"),
		"inventory/laptop/LT-1.yaml":  assetYAML("LT-1", ""),
		"policies/baselines/mac.yaml": []byte("apiVersion: estate/v1\nkind: Baseline\nname: mac\nversion: \"1.0.0\"\ncontrols: []\n"),
	}, "the estate")
	file := filepath.Join(t.TempDir(), "audit.json")
	os.WriteFile(file, []byte(`{"tool": "estate audit", "generated_at": "2026-11-01T06:00:00Z", "findings": [{"rule": "audit/control", "record": "LT-1", "control": "MAC-OS"}]}`), 0o644)
	if _, err := RecordAudit(context.Background(), AuditOptions{Dir: dir, File: file, Now: now}); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		t.Helper()
		res, err := Verify(context.Background(), VerifyOptions{Dir: dir, Now: now()})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, f := range res.Findings {
			if f.Rule == RuleCompliance {
				n++
			}
		}
		return n
	}
	if n := count(); n != 0 {
		t.Fatalf("%d compliance findings on an intact ledger", n)
	}
	// A warm cache of the fold (as estate audit leaves it) does not hide
	// the forgery from verify.
	if _, err := FoldCompliance(context.Background(), FoldOptions{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".git", "estate", "compliance-refs_estate_ledger.cache")); err != nil {
		t.Fatalf("no cache of the fold: %v", err)
	}
	git := func(env []string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("git %v: %v", args, err)
		}
		return strings.TrimSpace(string(out))
	}
	tip := git(nil, "rev-parse", "refs/estate/ledger")
	shard := compliance.Dir + "/" + compliance.Shard("LT-1")
	if got := git(nil, "cat-file", "-p", tip+":"+shard); !strings.Contains(got, "LT-1") {
		t.Fatalf("LT-1's shard %s in the audit's commit holds %q", shard, got)
	}
	blob := git(nil, "hash-object", "-w", "--stdin") // empty: the failure erased
	idx := []string{"GIT_INDEX_FILE=" + filepath.Join(t.TempDir(), "index")}
	git(idx, "read-tree", tip)
	git(idx, "update-index", "--cacheinfo", "100644,"+blob+","+shard)
	tree := git(idx, "write-tree")
	msg := git(nil, "log", "-1", "--format=%B", tip)
	args := []string{"commit-tree", tree, "-m", msg}
	for _, p := range strings.Fields(git(nil, "rev-list", "--parents", "-n", "1", tip))[1:] {
		args = append(args, "-p", p)
	}
	forged := git([]string{"GIT_AUTHOR_NAME=m", "GIT_AUTHOR_EMAIL=m@x", "GIT_COMMITTER_NAME=m", "GIT_COMMITTER_EMAIL=m@x"}, args...)
	git(nil, "update-ref", "refs/estate/ledger", forged)
	if n := count(); n != 1 {
		t.Errorf("%d compliance findings after the audit's changes were erased, want 1", n)
	}
}
