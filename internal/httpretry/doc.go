// Package httpretry is estate's one way to try an HTTP API request again:
// a RoundTripper that retries a transport error, a 5xx or a 429 (and what
// else an API's own rule says, such as GitHub's rate-limited 403),
// waiting what the server asks (Retry-After, in seconds or as an HTTP
// date) or a pause that doubles from Backoff, replaying the request's
// body, and giving up with the last answer as it is once the retries run
// out or the wait asked is longer than MaxWait.
//
// The GitHub client (internal/github) and the MDM pulls (internal/intake)
// both use it. It imports only the standard library; its clock and sleep
// are injectable, so tests never wait.
package httpretry
