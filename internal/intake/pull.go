package intake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/estate-dev/estate/internal/facts"
	"github.com/estate-dev/estate/internal/httpretry"
	"github.com/estate-dev/estate/internal/record"
)

// ErrCredentials is wrapped by Pull's error when the environment lacks a
// variable the service needs: the request is at fault.
var ErrCredentials = errors.New("credentials missing")

// Default endpoints.
const (
	GraphURL     = "https://graph.microsoft.com/v1.0"
	EntraURL     = "https://login.microsoftonline.com"
	GraphScope   = "https://graph.microsoft.com/.default"
	jamfTokenAPI = "/api/oauth/token"
)

// PullOptions say which service to read and how.
type PullOptions struct {
	Service  string // Intune, Jamf, Fleet or Google
	APIURL   string // Intune: GraphURL; Jamf: $JAMF_URL; Fleet: $FLEET_URL; Google: GoogleURL
	TokenURL string // Intune: EntraURL (then /{tenant}/oauth2/v2.0/token); Jamf: APIURL + /api/oauth/token; Google: the key's token_uri
	// Getenv reads AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET;
	// JAMF_URL, JAMF_CLIENT_ID, JAMF_CLIENT_SECRET; FLEET_URL,
	// FLEET_API_TOKEN; or GOOGLE_APPLICATION_CREDENTIALS (the path of a
	// service account's key file): the only places secrets come from.
	Getenv   func(string) string
	ReadFile func(string) ([]byte, error)               // reads the Google key file (default os.ReadFile)
	Client   *http.Client                               // default: a client with a 60 s timeout
	Sleep    func(context.Context, time.Duration) error // waits between attempts (default: a timer)
	Attempts int                                        // tries per request (default 5)
	PageSize int                                        // Jamf page-size, Fleet per_page, Google maxResults (default 100)
	Workers  int                                        // pages of a page-numbered API (Jamf, Fleet) asked for at once (default 4)
	Apps     bool                                       // Intune: also detectedApps, one request an app
	Customer string                                     // Google: the customer id (default my_customer)
	Subject  string                                     // Google: the admin the service account acts for (default $GOOGLE_ADMIN_EMAIL)
	Scope    string                                     // Google: the OAuth scope asked for (default GoogleScope)
	// Progress, when set, hears after each page how far the reading is:
	// pages and devices read, and the devices there are (-1: unknown).
	Progress func(pages, devices, total int)
	Now      time.Time
}

// Pull reads every device of o.Service's live API, read-only, and
// returns them: Stream into a slice.
func Pull(ctx context.Context, o PullOptions) ([]record.Device, []facts.Failure, error) {
	var ds []record.Device
	failed, err := Stream(ctx, o, func(d record.Device) error { ds = append(ds, d); return nil })
	return ds, failed, err
}

// Stream reads every device of o.Service's live API, read-only, handing
// each to emit as its page arrives (the next page is already asked for:
// a page-numbered API has o.Workers pages in flight, a linked one the
// next page as soon as its link is read), so that memory holds a few
// pages, not the estate. A page that keeps failing (after Attempts
// tries on 429, 5xx or a network error, or one new token on a 401) or
// does not parse ends the reading: it is the one failure returned and
// the devices emitted before it stand. The error means the reading could
// not start (ErrCredentials, a token refused) or emit failed; no secret
// is ever in it, nor in the failures or facts.
func Stream(ctx context.Context, o PullOptions, emit func(record.Device) error) ([]facts.Failure, error) {
	p, err := newPuller(o)
	if err != nil {
		return nil, err
	}
	if _, err := p.token(ctx); err != nil {
		return nil, p.redactErr(err)
	}
	var emitErr error
	p.emit = func(f *record.Facts) error {
		if err := emit(record.Device{Source: f.Collector.Source, Facts: f}); err != nil {
			emitErr = err
			return errStop
		}
		p.devices++
		return nil
	}
	var fail error
	switch o.Service {
	case Jamf:
		fail = p.jamf(ctx)
	case Fleet:
		fail = p.fleet(ctx)
	case Google:
		fail = p.google(ctx)
	default:
		fail = p.intune(ctx)
	}
	if emitErr != nil {
		return nil, emitErr
	}
	var failed []facts.Failure
	if fail != nil {
		failed = append(failed, facts.Failure{Source: o.Service, Reason: p.redact(fail.Error())})
	}
	return failed, nil
}

// errStop ends a reading because emit failed (its error is returned).
var errStop = errors.New("stopped")

type puller struct {
	o             PullOptions
	api, tokenURL *url.URL
	// form is the token request's body; nil for a static token (Fleet).
	form           func() (url.Values, error)
	secret, access string
	static         bool       // access is the API token itself: a 401 is final
	tokMu          sync.Mutex // guards access between pages in flight
	emit           func(*record.Facts) error
	pages, devices int
}

func newPuller(o PullOptions) (*puller, error) {
	if o.Getenv == nil {
		o.Getenv = func(string) string { return "" }
	}
	if o.ReadFile == nil {
		o.ReadFile = os.ReadFile
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 60 * time.Second}
	}
	if o.Sleep == nil {
		o.Sleep = httpretry.Sleep
	}
	if o.Attempts < 1 {
		o.Attempts = 5
	}
	if o.Workers < 1 {
		o.Workers = 4
	}
	// 429, 5xx and network errors are tried again by the one retrying
	// transport (Retry-After obeyed, at most maxRetryAfter; else 1 s, 2 s,
	// 4 s, ...); a 401 is the puller's, with a new token.
	client := *o.Client
	client.Transport = &httpretry.Transport{Base: o.Client.Transport, Retries: o.Attempts - 1, Backoff: time.Second,
		Sleep: o.Sleep, Retryable: func(resp *http.Response, err error) (bool, time.Duration) {
			if err != nil {
				return true, 0
			}
			if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
				now := o.Now
				if now.IsZero() {
					now = time.Now()
				}
				d, _ := httpretry.RetryAfter(resp.Header.Get("Retry-After"), now)
				return true, min(d, maxRetryAfter)
			}
			return false, 0
		}}
	o.Client = &client
	if o.PageSize < 1 {
		o.PageSize = 100
	}
	var need []string
	env := func(k string) string {
		v := strings.TrimSpace(o.Getenv(k))
		if v == "" {
			need = append(need, k)
		}
		return v
	}
	p := &puller{o: o}
	var api, tok string
	credentials := func(form url.Values) {
		p.form = func() (url.Values, error) {
			v := url.Values{"grant_type": {"client_credentials"}, "client_secret": {p.secret}}
			for k, vs := range form {
				v[k] = vs
			}
			return v, nil
		}
	}
	switch o.Service {
	case Intune:
		tenant, id := env("AZURE_TENANT_ID"), env("AZURE_CLIENT_ID")
		p.secret = env("AZURE_CLIENT_SECRET")
		credentials(url.Values{"client_id": {id}, "scope": {GraphScope}})
		api, tok = or(o.APIURL, GraphURL), strings.TrimRight(or(o.TokenURL, EntraURL), "/")+"/"+url.PathEscape(tenant)+"/oauth2/v2.0/token"
	case Jamf:
		base := o.APIURL
		if base == "" {
			base = env("JAMF_URL")
		}
		id := env("JAMF_CLIENT_ID")
		p.secret = env("JAMF_CLIENT_SECRET")
		credentials(url.Values{"client_id": {id}})
		api, tok = base, or(o.TokenURL, strings.TrimRight(base, "/")+jamfTokenAPI)
	case Fleet:
		api = o.APIURL
		if api == "" {
			api = env("FLEET_URL")
		}
		p.secret = env("FLEET_API_TOKEN")
		p.access, p.static, tok = p.secret, true, or(api, "http://unused")
	case Google:
		keyFile := env("GOOGLE_APPLICATION_CREDENTIALS")
		if len(need) > 0 {
			break
		}
		key, err := readGoogleKey(o.ReadFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("pull google: %w: %v", ErrCredentials, err)
		}
		subject := or(o.Subject, strings.TrimSpace(o.Getenv("GOOGLE_ADMIN_EMAIL")))
		api, tok = or(o.APIURL, GoogleURL), or(o.TokenURL, or(key.TokenURI, GoogleTokenURL))
		p.form = func() (url.Values, error) {
			jwt, err := key.assertion(tok, or(o.Scope, GoogleScope), subject, o.Now)
			if err != nil {
				return nil, err
			}
			return url.Values{"grant_type": {jwtBearer}, "assertion": {jwt}}, nil
		}
	default:
		return nil, fmt.Errorf("pull %q: not a service estate reads (intune, jamf, fleet, google)", o.Service)
	}
	if len(need) > 0 {
		return nil, fmt.Errorf("pull %s: %w: set %s in the environment", o.Service, ErrCredentials, strings.Join(need, ", "))
	}
	var err error
	if p.api, err = parseURL(api); err != nil {
		return nil, fmt.Errorf("pull %s: API URL: %w", o.Service, err)
	}
	if p.tokenURL, err = parseURL(tok); err != nil {
		return nil, fmt.Errorf("pull %s: token URL: %w", o.Service, err)
	}
	return p, nil
}

func parseURL(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(s, "/"))
	if err != nil {
		return nil, err
	}
	if u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("%q is not an http(s) URL", u.Redacted())
	}
	return u, nil
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// token returns an access token, asking for a new one when there is none.
func (p *puller) token(ctx context.Context) (string, error) {
	if p.access != "" || p.static {
		return p.access, nil
	}
	form, err := p.form()
	if err != nil {
		return "", fmt.Errorf("get a %s token: %w", p.o.Service, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.tokenURL.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := p.o.Client.Do(req)
	if err != nil {
		return "", fmt.Errorf("get a %s token: %w", p.o.Service, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var t struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error"`
	}
	_ = json.Unmarshal(body, &t)
	if resp.StatusCode != http.StatusOK || t.AccessToken == "" {
		why := resp.Status
		if t.Error != "" {
			why += " (" + clean(t.Error) + ")"
		}
		return "", fmt.Errorf("get a %s token from %s: %s", p.o.Service, p.tokenURL.Redacted(), why)
	}
	p.access = t.AccessToken
	return p.access, nil
}

// maxRetryAfter bounds the wait a throttled service may ask for.
const maxRetryAfter = 10 * time.Minute

// get fetches one page (429, 5xx and network errors are tried again by
// the client's transport), and once more with a new token after a 401.
// Pages asked for at once share the token: the first 401 renews it.
func (p *puller) get(ctx context.Context, u string) ([]byte, error) {
	for renewed := false; ; renewed = true {
		p.tokMu.Lock()
		tok, err := p.token(ctx)
		p.tokMu.Unlock()
		if err != nil {
			return nil, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Accept", "application/json")
		resp, err := p.o.Client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("GET %s: %v, %d tries", redactURL(u), err, p.o.Attempts)
		}
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, MaxPageBytes+1))
		resp.Body.Close()
		switch code := resp.StatusCode; {
		case code == http.StatusOK && rerr == nil && len(body) <= MaxPageBytes:
			return body, nil
		case code == http.StatusOK:
			return nil, fmt.Errorf("GET %s: read the page: %v", redactURL(u), or(fmt.Sprint(rerr), "over the size a page may have"))
		case code == http.StatusUnauthorized && !renewed && !p.static:
			p.tokMu.Lock()
			if p.access == tok {
				p.access = ""
			}
			p.tokMu.Unlock()
			continue
		case code == http.StatusTooManyRequests || code >= 500:
			return nil, fmt.Errorf("GET %s: %s, %d tries", redactURL(u), resp.Status, p.o.Attempts)
		}
		return nil, fmt.Errorf("GET %s: %s", redactURL(u), resp.Status)
	}
}

// onHost checks a link a page gives is on the API's own host: the token
// goes only where it was meant for.
func (p *puller) onHost(link string) error {
	if l, err := url.Parse(link); err != nil || l.Scheme != p.api.Scheme || l.Host != p.api.Host {
		return fmt.Errorf("next page link %q is not on %s: not followed", redactURL(link), p.api.Host)
	}
	return nil
}

// page counts a page read and tells Progress.
func (p *puller) page(total int) {
	p.pages++
	if p.o.Progress != nil {
		p.o.Progress(p.pages, p.devices, total)
	}
}

// redact removes the client secret and the access token from s.
func (p *puller) redact(s string) string {
	p.tokMu.Lock()
	access := p.access
	p.tokMu.Unlock()
	for _, secret := range []string{p.secret, access} {
		if len(secret) >= 4 {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	return s
}

func (p *puller) redactErr(err error) error {
	if r := p.redact(err.Error()); r != err.Error() {
		return errors.New(r)
	}
	return err
}

// redactURL drops a URL's query (skip tokens, filters) and user info.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(a URL that does not parse)"
	}
	u.RawQuery, u.User = "", nil
	return u.String()
}
