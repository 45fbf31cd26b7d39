package core

// Usage marks err as an error in what the caller asked for
// (errors.Is(err, ErrUsage): exit 2), with a hint for the user (its
// Hint method; "" for none). Capability packages built on the core use
// it for their own request errors.
func Usage(err error, hint string) error { return usage(err, hint) }
