package core

// Usage marks err as the request's fault (errors.Is(err, ErrUsage): exit
// 2), with a hint for the person who made it. Capability packages that
// open an estate through core report their own request errors with it.
func Usage(err error, hint string) error { return usage(err, hint) }
