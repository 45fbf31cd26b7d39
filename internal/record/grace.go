package record

import (
	"fmt"
	"strconv"
	"time"
)

// ParseGrace reads a grace period as baselines write it: a number of days
// ("14d") or weeks ("2w"). The empty string is no grace.
func ParseGrace(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n < 0 {
		return 0, fmt.Errorf("grace %q is not a number of days or weeks (e.g. 14d, 2w)", s)
	}
	switch s[len(s)-1] {
	case 'd':
		return time.Duration(n) * 24 * time.Hour, nil
	case 'w':
		return time.Duration(n) * 7 * 24 * time.Hour, nil
	}
	return 0, fmt.Errorf("grace %q is not a number of days or weeks (e.g. 14d, 2w)", s)
}

// Compliance states of a failing control, by its effective date and grace.
const (
	StateUpcoming = "upcoming" // fails, but the control takes effect later
	StateInGrace  = "in-grace" // fails, within the grace from its first failure
	StateBreached = "breached" // fails, past any grace
)
