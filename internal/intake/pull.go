package intake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
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
	Service  string // Intune or Jamf
	APIURL   string // Intune: GraphURL; Jamf: $JAMF_URL
	TokenURL string // Intune: EntraURL (then /{tenant}/oauth2/v2.0/token); Jamf: APIURL + /api/oauth/token
	// Getenv reads AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET
	// or JAMF_URL, JAMF_CLIENT_ID, JAMF_CLIENT_SECRET: the only place
	// secrets come from.
	Getenv   func(string) string
	Client   *http.Client                               // default: a client with a 60 s timeout
	Sleep    func(context.Context, time.Duration) error // waits between attempts (default: a timer)
	Attempts int                                        // tries per request (default 5)
	PageSize int                                        // Jamf page-size (default 100)
	Apps     bool                                       // Intune: also detectedApps, one request an app
	Now      time.Time
}

// Pull reads every device of o.Service's live API, read-only. A page that
// keeps failing (after Attempts tries on 429, 5xx or a network error, or
// one new token on a 401) or does not parse ends the reading: it is the
// one failure returned and the devices read before it are kept. The
// error means the reading could not start (ErrCredentials, a token
// refused); no secret is ever in it, nor in the failures or facts.
func Pull(ctx context.Context, o PullOptions) ([]record.Device, []facts.Failure, error) {
	p, err := newPuller(o)
	if err != nil {
		return nil, nil, err
	}
	if _, err := p.token(ctx); err != nil {
		return nil, nil, p.redactErr(err)
	}
	var acc accumulator
	var fail error
	if o.Service == Jamf {
		fail = p.jamf(ctx, &acc)
	} else {
		fail = p.intune(ctx, &acc)
	}
	var failed []facts.Failure
	if fail != nil {
		failed = append(failed, facts.Failure{Source: o.Service, Reason: p.redact(fail.Error())})
	}
	return acc.devices(o.Service, o.Now), failed, nil
}

type puller struct {
	o              PullOptions
	api, tokenURL  *url.URL
	form           url.Values
	secret, access string
}

func newPuller(o PullOptions) (*puller, error) {
	if o.Getenv == nil {
		o.Getenv = func(string) string { return "" }
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
	p := &puller{o: o, form: url.Values{"grant_type": {"client_credentials"}}}
	var api, tok string
	switch o.Service {
	case Intune:
		tenant, id := env("AZURE_TENANT_ID"), env("AZURE_CLIENT_ID")
		p.secret = env("AZURE_CLIENT_SECRET")
		p.form.Set("client_id", id)
		p.form.Set("scope", GraphScope)
		api, tok = or(o.APIURL, GraphURL), strings.TrimRight(or(o.TokenURL, EntraURL), "/")+"/"+url.PathEscape(tenant)+"/oauth2/v2.0/token"
	case Jamf:
		base := o.APIURL
		if base == "" {
			base = env("JAMF_URL")
		}
		id := env("JAMF_CLIENT_ID")
		p.secret = env("JAMF_CLIENT_SECRET")
		p.form.Set("client_id", id)
		api, tok = base, or(o.TokenURL, strings.TrimRight(base, "/")+jamfTokenAPI)
	default:
		return nil, fmt.Errorf("pull %q: not a service estate reads (intune, jamf)", o.Service)
	}
	if len(need) > 0 {
		return nil, fmt.Errorf("pull %s: %w: set %s in the environment", o.Service, ErrCredentials, strings.Join(need, ", "))
	}
	p.form.Set("client_secret", p.secret)
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
	if p.access != "" {
		return p.access, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.tokenURL.String(), strings.NewReader(p.form.Encode()))
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
func (p *puller) get(ctx context.Context, u string) ([]byte, error) {
	for renewed := false; ; renewed = true {
		tok, err := p.token(ctx)
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
		case code == http.StatusUnauthorized && !renewed:
			p.access = ""
			continue
		case code == http.StatusTooManyRequests || code >= 500:
			return nil, fmt.Errorf("GET %s: %s, %d tries", redactURL(u), resp.Status, p.o.Attempts)
		}
		return nil, fmt.Errorf("GET %s: %s", redactURL(u), resp.Status)
	}
}

func (p *puller) intune(ctx context.Context, acc *accumulator) error {
	q := url.Values{"$select": {IntuneSelect}}
	err := p.graph(ctx, "managedDevices", p.api.String()+"/deviceManagement/managedDevices?"+q.Encode(), func(ds []IntuneDevice, _ []IntuneApp) {
		acc.addIntune(ds, nil)
	})
	if err != nil || !p.o.Apps {
		return err
	}
	// Graph v1.0 lists the devices of one detectedApp at a time
	// (detectedApps/{id}/managedDevices): one request an app. A device's
	// packages are all of its apps or, when a request fails, none
	// (unknown), never some.
	var apps []IntuneApp
	q = url.Values{"$select": {"id,displayName,version"}}
	if err := p.graph(ctx, "detectedApps", p.api.String()+"/deviceManagement/detectedApps?"+q.Encode(), func(_ []IntuneDevice, as []IntuneApp) {
		apps = append(apps, as...)
	}); err != nil {
		return fmt.Errorf("%w; no device's packages written", err)
	}
	byDevice := map[string][]IntuneApp{}
	q = url.Values{"$select": {"id"}}
	for _, a := range apps {
		if a.ID == "" || clean(a.DisplayName) == "" {
			continue
		}
		what := "detectedApps/" + a.ID + "/managedDevices"
		err := p.graph(ctx, what, p.api.String()+"/deviceManagement/detectedApps/"+url.PathEscape(a.ID)+"/managedDevices?"+q.Encode(),
			func(ds []IntuneDevice, _ []IntuneApp) {
				for _, d := range ds {
					byDevice[d.ID] = append(byDevice[d.ID], IntuneApp{ID: a.ID, DisplayName: a.DisplayName, Version: a.Version})
				}
			})
		if err != nil {
			return fmt.Errorf("%w; no device's packages written", err)
		}
	}
	acc.init()
	for id, as := range byDevice {
		acc.apps[id] = as
	}
	return nil
}

// graph reads a Graph collection from first, following @odata.nextLink
// on the API's own host only, handing each page to each.
func (p *puller) graph(ctx context.Context, what, first string, each func([]IntuneDevice, []IntuneApp)) error {
	next := first
	for page := 1; next != ""; page++ {
		body, err := p.get(ctx, next)
		if err != nil {
			return fmt.Errorf("%s page %d: %w", what, page, err)
		}
		ds, apps, link, err := ParseIntunePage(body)
		if err != nil {
			return fmt.Errorf("%s page %d: %w", what, page, err)
		}
		each(ds, apps)
		if link != "" {
			// The token goes only where it was meant for.
			if l, err := url.Parse(link); err != nil || l.Scheme != p.api.Scheme || l.Host != p.api.Host {
				return fmt.Errorf("%s page %d: @odata.nextLink %q is not on %s: not followed", what, page, redactURL(link), p.api.Host)
			}
		}
		next = link
	}
	return nil
}

func (p *puller) jamf(ctx context.Context, acc *accumulator) error {
	for page := 0; ; page++ {
		q := url.Values{"section": JamfSections, "page": {strconv.Itoa(page)}, "page-size": {strconv.Itoa(p.o.PageSize)}, "sort": {"id:asc"}}
		body, err := p.get(ctx, p.api.String()+"/api/v1/computers-inventory?"+q.Encode())
		if err != nil {
			return fmt.Errorf("page %d: %w", page, err)
		}
		cs, total, err := ParseJamfPage(body)
		if err == nil && total < 0 {
			err = errors.New("read Jamf page: one computer, not a page of results")
		}
		if err != nil {
			return fmt.Errorf("page %d: %w", page, err)
		}
		acc.addJamf(cs)
		if len(cs) == 0 || (page+1)*p.o.PageSize >= total {
			return nil
		}
	}
}

// redact removes the client secret and the access token from s.
func (p *puller) redact(s string) string {
	for _, secret := range []string{p.secret, p.access} {
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
