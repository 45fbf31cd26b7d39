package gitrepo_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"

	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/gitrepo/gittest"
)

// TestSignatureIsGitsVerdict: an unsigned commit, a commit signed by a
// key git's gpg does not hold (unverifiable), and the same once the key
// is imported (good, of unknown validity: it is not trusted).
func TestSignatureIsGitsVerdict(t *testing.T) {
	gittest.NeedCLI(t)
	gpg, err := exec.LookPath("gpg")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("gpg is not installed (CI=true)")
		}
		t.Skip("gpg is not installed")
	}
	home := t.TempDir()
	t.Setenv("GNUPGHOME", home)
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	key, err := openpgp.NewEntity("estate CI", "", "ci@example.org", nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	r := gittest.Init(t, dir)
	os.WriteFile(filepath.Join(dir, "a"), []byte("a"), 0o644)
	r.Add("a")
	sig := gittest.Signature{Name: "Alice", Email: "alice@example.org", When: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	plain := r.Commit("unsigned", gittest.CommitOptions{Author: sig})
	signed := r.Commit("signed", gittest.CommitOptions{Author: sig, SignKey: key, AllowEmpty: true})

	repo, err := gitrepo.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	check := func(commit, want string) gitrepo.SignatureInfo {
		t.Helper()
		got, err := repo.Signature(context.Background(), commit)
		if err != nil || got.Status != want {
			t.Fatalf("signature of %.7s: %+v, %v; want %s", commit, got, err, want)
		}
		return got
	}
	check(plain, "unsigned")
	check(signed, "unverifiable")

	var pub bytes.Buffer
	w, _ := armor.Encode(&pub, openpgp.PublicKeyType, nil)
	key.Serialize(w)
	w.Close()
	imp := exec.Command(gpg, "--batch", "--import")
	imp.Stdin = &pub
	if out, err := imp.CombinedOutput(); err != nil {
		t.Fatalf("gpg --import: %v\n%s", err, out)
	}
	got := check(signed, "good-unknown-validity")
	if got.Signer == "" || got.Key == "" {
		t.Errorf("no signer or key: %+v", got)
	}
	if _, err := repo.Signature(context.Background(), "HEAD"); err == nil {
		t.Error("a revision that is not a hash was accepted")
	}
}
