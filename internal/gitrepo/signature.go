package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// SignatureInfo is what git says of a commit's signature (OpenPGP, SSH
// or X.509, as the user's git is configured to check them: gpg's key
// ring, gpg.ssh.allowedSignersFile).
type SignatureInfo struct {
	// Status is one of: good, bad, good-unknown-validity, expired-signature,
	// expired-key, revoked-key, unverifiable (signed, but git has no key to
	// check it with), unsigned; or signed-unchecked when the git command
	// is not installed (go-git only sees that a signature is there).
	Status string `json:"status"`
	Signer string `json:"signer,omitempty"` // the signer git names (%GS)
	Key    string `json:"key,omitempty"`    // the key's id or fingerprint (%GK)
	// Code is git's one-letter verdict (%G?): G B U X Y R E N.
	Code string `json:"code,omitempty"`
}

var sigCodes = map[string]string{"G": "good", "B": "bad", "U": "good-unknown-validity", "X": "expired-signature",
	"Y": "expired-key", "R": "revoked-key", "E": "unverifiable", "N": "unsigned"}

// Signature asks git to check commit's signature (git log --format=%G?).
// Without the git command it falls back on go-git: unsigned, or
// signed-unchecked.
func (r *Repo) Signature(ctx context.Context, commit string) (SignatureInfo, error) {
	if !isHex40(commit) {
		return SignatureInfo{}, fmt.Errorf("check signature of %q: not a commit hash", commit)
	}
	g, err := r.Git()
	if err == nil {
		var out []byte
		out, err = g.Output(ctx, "log", "-1", "--no-show-signature", "--format=%G?%x00%GS%x00%GK", commit)
		if err == nil {
			f := strings.SplitN(strings.TrimRight(string(out), "\n"), "\x00", 3)
			for len(f) < 3 {
				f = append(f, "")
			}
			st, ok := sigCodes[f[0]]
			if !ok {
				return SignatureInfo{}, fmt.Errorf("check signature of %.12s: git said %q", commit, f[0])
			}
			return SignatureInfo{Status: st, Signer: f[1], Key: f[2], Code: f[0]}, nil
		}
	}
	if err != nil && !errors.Is(err, ErrNoGit) {
		return SignatureInfo{}, fmt.Errorf("check signature of %.12s: %w", commit, err)
	}
	c, err := r.Commit(commit)
	if err != nil {
		return SignatureInfo{}, err
	}
	if c.Signed {
		return SignatureInfo{Status: "signed-unchecked"}, nil
	}
	return SignatureInfo{Status: "unsigned"}, nil
}
