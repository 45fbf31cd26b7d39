package change

import (
	"strings"
	"testing"
	"time"
)

// TestCountReviews is the review rule the gate and the ledger share.
func TestCountReviews(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 11, 20, h, 0, 0, 0, time.UTC) }
	const head, old = "hhhhhhhhhh", "oooooooooo"
	rs := []Review{
		{User: "alice", State: "APPROVED", CommitID: head, At: at(9)},
		{User: "alice", State: "CHANGES_REQUESTED", CommitID: head, At: at(10)}, // alice's verdict now
		{User: "bob", State: "APPROVED", CommitID: head, At: at(10)},
		{User: "bob", State: "COMMENTED", CommitID: head, At: at(12)}, // keeps bob's approval
		{User: "carol", State: "APPROVED", CommitID: head, At: at(8)},
		{User: "carol", State: "DISMISSED", CommitID: head, At: at(11)},
		{User: "erin", State: "approved", CommitID: old, At: at(11)},  // before the latest push
		{User: "Jane", State: "APPROVED", CommitID: head, At: at(11)}, // the author, any case
		{User: "dave", State: "APPROVED", CommitID: head, At: at(12)},
		{User: "frank", State: "PENDING", CommitID: head, At: at(12)},
	}
	c := CountReviews(rs, "jane", head)
	var got []string
	for _, a := range c.Approvals {
		got = append(got, a.User)
	}
	if strings.Join(got, ",") != "bob,dave" || strings.Join(c.ChangesRequested, ",") != "alice" || len(c.Ignored) != 3 {
		t.Errorf("approvals %v, changes requested %v, ignored %v", got, c.ChangesRequested, c.Ignored)
	}
	if !strings.Contains(strings.Join(c.Ignored, "\n"), "erin: approved ooooooo, before the latest push (hhhhhhh)") {
		t.Errorf("ignored %v", c.Ignored)
	}
	// An approval that names no commit is stale too.
	if c := CountReviews([]Review{{User: "omar", State: "APPROVED", At: at(9)}}, "jane", head); len(c.Approvals) != 0 ||
		!strings.Contains(c.Ignored[0], "an unknown commit") {
		t.Errorf("approval without a commit: %+v", c)
	}
}
