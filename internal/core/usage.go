package core

// UsageError marks err as an error in what the caller asked for (exit 2,
// errors.Is(err, ErrUsage)), with a hint for the user (its Hint method),
// as Open's own request errors are. Capability packages use it so that
// the CLI maps every request error the same way.
func UsageError(err error, hint string) error { return usage(err, hint) }

// Failure is err (the command could not run: exit 3) with a hint for the
// user, such as what to check.
func Failure(err error, hint string) error { return &hinted{err: err, hint: hint} }
