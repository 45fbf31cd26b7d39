package intake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/record"
)

const secret = "s3cr3t-Client-Value"

// fakeService is an httptest server that checks each request it gets:
// the token request's form, and on the API the bearer token it issued
// last, the path and the query. Its script says what each API request
// is answered with, in order.
type fakeService struct {
	t       *testing.T
	mu      sync.Mutex
	tokens  int    // tokens issued
	tokPath string // where tokens are asked for
	form    url.Values
	check   func(r *http.Request) // checks an API request's path and query
	script  []func(w http.ResponseWriter, r *http.Request)
	calls   int
	srv     *httptest.Server
}

func (s *fakeService) start() *fakeService {
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.t.Cleanup(s.srv.Close)
	return s
}

func (s *fakeService) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.URL.Path == s.tokPath {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			s.t.Errorf("token request %s %s", r.Method, r.Header.Get("Content-Type"))
		}
		r.ParseForm()
		if !reflect.DeepEqual(r.PostForm, s.form) {
			s.t.Errorf("token form %v, want %v", r.PostForm, s.form)
		}
		if r.URL.RawQuery != "" {
			s.t.Errorf("token request with a query %q: secrets go in the body", r.URL.RawQuery)
		}
		s.tokens++
		fmt.Fprintf(w, `{"token_type": "Bearer", "expires_in": 3599, "access_token": "tok-%d-access"}`, s.tokens)
		return
	}
	if r.Method != http.MethodGet || r.Header.Get("Authorization") != fmt.Sprintf("Bearer tok-%d-access", s.tokens) || r.Header.Get("Accept") != "application/json" {
		s.t.Errorf("API request %s %s with Authorization %q", r.Method, r.URL, r.Header.Get("Authorization"))
		w.WriteHeader(http.StatusForbidden)
		return
	}
	s.check(r)
	if s.calls >= len(s.script) {
		s.t.Errorf("request %d (%s) beyond the script", s.calls+1, r.URL)
		w.WriteHeader(http.StatusTeapot)
		return
	}
	s.calls++
	s.script[s.calls-1](w, r)
}

func body(b string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(b)) }
}

func status(code int, header ...string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
		// An error body that echoes what a careless server might.
		fmt.Fprintf(w, `{"error": {"message": "client_secret=%s"}}`, secret)
	}
}

// intuneDevice is the fixture's device with its id, name and serial changed.
func intuneDevice(t *testing.T, n int) json.RawMessage {
	var page struct{ Value []map[string]any }
	if err := json.Unmarshal(fixture(t, "intune/managedDevices.list.docs-example.json"), &page); err != nil {
		t.Fatal(err)
	}
	d := page.Value[0]
	d["id"], d["deviceName"], d["serialNumber"] = fmt.Sprintf("dev-%d", n), fmt.Sprintf("lt-%d", n), fmt.Sprintf("SER%d", n)
	b, _ := json.Marshal(d)
	return b
}

func newIntune(t *testing.T, script ...func(http.ResponseWriter, *http.Request)) (*fakeService, PullOptions, *[]time.Duration) {
	s := (&fakeService{t: t, tokPath: "/tenant-1/oauth2/v2.0/token", script: script,
		form: url.Values{"grant_type": {"client_credentials"}, "client_id": {"app-1"}, "client_secret": {secret}, "scope": {GraphScope}}}).start()
	s.check = func(r *http.Request) {
		q := r.URL.Query()
		if r.URL.Path != "/v1.0/deviceManagement/managedDevices" || q.Get("$select") != IntuneSelect && q.Get("$skiptoken") == "" {
			t.Errorf("API request %s", r.URL)
		}
	}
	env := map[string]string{"AZURE_TENANT_ID": "tenant-1", "AZURE_CLIENT_ID": "app-1", "AZURE_CLIENT_SECRET": secret}
	var slept []time.Duration
	o := PullOptions{Service: Intune, APIURL: s.srv.URL + "/v1.0", TokenURL: s.srv.URL, Getenv: func(k string) string { return env[k] },
		Sleep: func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }, Now: now}
	return s, o, &slept
}

func nextPage(s *fakeService, devices json.RawMessage) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"@odata.context": "x", "value": %s, "@odata.nextLink": %q}`, devices, s.srv.URL+"/v1.0/deviceManagement/managedDevices?$skiptoken=page2")
	}
}

func TestPullIntunePagingThrottlingExpiredToken(t *testing.T) {
	var s *fakeService
	s, o, slept := newIntune(t)
	s.script = []func(http.ResponseWriter, *http.Request){
		status(http.StatusUnauthorized), // the token expired: a new one
		nextPage(s, json.RawMessage("["+string(intuneDevice(t, 1))+"]")),
		status(http.StatusTooManyRequests, "Retry-After", "7"),
		status(http.StatusServiceUnavailable),
		func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("$skiptoken") != "page2" {
				t.Errorf("nextLink not followed: %s", r.URL)
			}
			fmt.Fprintf(w, `{"value": [%s]}`, intuneDevice(t, 2))
		},
	}
	ds, failed, err := Pull(context.Background(), o)
	if err != nil || len(failed) != 0 {
		t.Fatalf("%v %+v", err, failed)
	}
	if len(ds) != 2 || ds[0].Facts.Identity.Hostname != "lt-1" || ds[1].Facts.Identity.Serial != "SER2" {
		t.Fatalf("devices %+v", ds)
	}
	if s.tokens != 2 || s.calls != 5 {
		t.Fatalf("%d tokens, %d calls", s.tokens, s.calls)
	}
	// Retry-After is obeyed; a 503 waits the growing pause of its try.
	if !reflect.DeepEqual(*slept, []time.Duration{7 * time.Second, 2 * time.Second}) {
		t.Fatalf("slept %v", *slept)
	}
	for _, d := range ds {
		valid(t, d.Facts)
	}
}

func TestPullIntuneFailingPages(t *testing.T) {
	dev := json.RawMessage("[" + string(intuneDevice(t, 1)) + "]")
	for name, tc := range map[string]struct {
		last func(s *fakeService) []func(http.ResponseWriter, *http.Request)
		want string
	}{
		"malformed": {func(*fakeService) []func(http.ResponseWriter, *http.Request) {
			return []func(http.ResponseWriter, *http.Request){body(`{"value": [{"id": `)}
		}, "page 2: read Graph page"},
		"keeps failing": {func(*fakeService) []func(http.ResponseWriter, *http.Request) {
			return []func(http.ResponseWriter, *http.Request){status(500), status(502), status(503), status(504), status(500)}
		}, "page 2: GET http://"},
		"refused": {func(*fakeService) []func(http.ResponseWriter, *http.Request) {
			return []func(http.ResponseWriter, *http.Request){status(http.StatusForbidden)}
		}, "403 Forbidden"},
		"401 twice": {func(*fakeService) []func(http.ResponseWriter, *http.Request) {
			return []func(http.ResponseWriter, *http.Request){status(401), status(401)}
		}, "401 Unauthorized"},
	} {
		t.Run(name, func(t *testing.T) {
			s, o, slept := newIntune(t)
			s.script = append([]func(http.ResponseWriter, *http.Request){nextPage(s, dev)}, tc.last(s)...)
			ds, failed, err := Pull(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if len(ds) != 1 || len(failed) != 1 || !strings.Contains(failed[0].Reason, tc.want) {
				t.Fatalf("devices %d, failed %+v; want one device and %q", len(ds), failed, tc.want)
			}
			if strings.Contains(failed[0].Reason, secret) || strings.Contains(failed[0].Reason, "access") {
				t.Fatalf("a secret in %q", failed[0].Reason)
			}
			if name == "keeps failing" && (len(*slept) != 4 || !strings.Contains(failed[0].Reason, "5 tries")) {
				t.Fatalf("slept %v: %s", *slept, failed[0].Reason)
			}
			if s.calls != len(s.script) {
				t.Fatalf("%d of %d requests", s.calls, len(s.script))
			}
		})
	}
}

// A nextLink to another host is not followed: the token goes only to
// the API named.
func TestPullIntuneForeignNextLink(t *testing.T) {
	s, o, _ := newIntune(t)
	s.script = []func(http.ResponseWriter, *http.Request){body(`{"value": [], "@odata.nextLink": "https://elsewhere.example/steal?$skiptoken=1"}`)}
	_, failed, err := Pull(context.Background(), o)
	if err != nil || len(failed) != 1 || !strings.Contains(failed[0].Reason, "not followed") || strings.Contains(failed[0].Reason, "skiptoken") {
		t.Fatalf("%v %+v", err, failed)
	}
}

func TestPullCredentials(t *testing.T) {
	for _, svc := range []string{Intune, Jamf} {
		_, _, err := Pull(context.Background(), PullOptions{Service: svc, Getenv: func(k string) string {
			if strings.HasSuffix(k, "_CLIENT_ID") {
				return "id"
			}
			return ""
		}})
		if !errors.Is(err, ErrCredentials) || !strings.Contains(err.Error(), "CLIENT_SECRET") {
			t.Errorf("%s: %v", svc, err)
		}
	}
	// A token refused is an error that names neither secret.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"error": "invalid_client", "error_description": "bad secret %s"}`, secret)
	}))
	defer srv.Close()
	env := map[string]string{"JAMF_URL": srv.URL, "JAMF_CLIENT_ID": "id", "JAMF_CLIENT_SECRET": secret}
	_, _, err := Pull(context.Background(), PullOptions{Service: Jamf, Getenv: func(k string) string { return env[k] }})
	if err == nil || !strings.Contains(err.Error(), "invalid_client") || strings.Contains(err.Error(), secret) {
		t.Fatalf("%v", err)
	}
}

func TestPullJamf(t *testing.T) {
	var list struct {
		Results []json.RawMessage
	}
	if err := json.Unmarshal(fixture(t, "jamf/computers-inventory.list.sumologic-docs-example.json"), &list); err != nil {
		t.Fatal(err)
	}
	detail := fixture(t, "jamf/computers-inventory-detail.get.sdk-mock.json")
	second := strings.Replace(string(detail), `"id": "1"`, `"id": "2"`, 1)
	s := (&fakeService{t: t, tokPath: "/api/oauth/token",
		form: url.Values{"grant_type": {"client_credentials"}, "client_id": {"jamf-1"}, "client_secret": {secret}}}).start()
	page := 0
	s.check = func(r *http.Request) {
		q := r.URL.Query()
		if r.URL.Path != "/api/v1/computers-inventory" || !reflect.DeepEqual(q["section"], JamfSections) ||
			q.Get("page-size") != "1" || q.Get("sort") != "id:asc" || q.Get("page") != fmt.Sprint(page) {
			t.Errorf("API request %s (page %d)", r.URL, page)
		}
	}
	s.script = []func(http.ResponseWriter, *http.Request){
		func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprintf(w, `{"totalCount": 2, "results": [%s]}`, list.Results[0])
			page++
		},
		status(http.StatusTooManyRequests, "Retry-After", "Mon, 23 Nov 2026 12:00:30 GMT"),
		func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprintf(w, `{"totalCount": 2, "results": [%s]}`, second)
		},
	}
	env := map[string]string{"JAMF_URL": s.srv.URL + "/", "JAMF_CLIENT_ID": "jamf-1", "JAMF_CLIENT_SECRET": secret}
	var slept []time.Duration
	ds, failed, err := Pull(context.Background(), PullOptions{Service: Jamf, PageSize: 1, Now: now, Getenv: func(k string) string { return env[k] },
		Sleep: func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }})
	if err != nil || len(failed) != 0 || len(ds) != 2 {
		t.Fatalf("%v %+v %+v", err, failed, ds)
	}
	if ds[0].Facts.Identity.Serial != "C02ZC2QYLVDL" || ds[1].Facts.Identity.Hostname != "Test-Mac-001" || ds[1].Source != "jamf:computers-inventory/2" {
		t.Fatalf("devices %+v %+v", ds[0].Facts.Identity, ds[1].Facts.Identity)
	}
	if !reflect.DeepEqual(slept, []time.Duration{30 * time.Second}) || s.tokens != 1 || s.calls != 3 {
		t.Fatalf("slept %v, %d tokens, %d calls", slept, s.tokens, s.calls)
	}
}

func TestPullIntuneApps(t *testing.T) {
	devices := body(fmt.Sprintf(`{"value": [%s, %s]}`, intuneDevice(t, 1), intuneDevice(t, 2)))
	apps := body(`{"value": [{"id": "a1", "displayName": "Firefox", "version": "133.0"}, {"id": "a2", "displayName": "7-Zip", "version": "24.08"}]}`)
	on := func(ids ...string) func(http.ResponseWriter, *http.Request) {
		var vs []string
		for _, id := range ids {
			vs = append(vs, fmt.Sprintf(`{"@odata.type": "#microsoft.graph.managedDevice", "id": %q}`, id))
		}
		return body(`{"value": [` + strings.Join(vs, ",") + `]}`)
	}
	for name, tail := range map[string][]func(http.ResponseWriter, *http.Request){
		"all":     {on("dev-1", "dev-2"), on("dev-2")},
		"failing": {on("dev-1", "dev-2"), status(500), status(500), status(500), status(500), status(500)},
	} {
		t.Run(name, func(t *testing.T) {
			s, o, _ := newIntune(t)
			o.Apps = true
			var paths []string
			s.check = func(r *http.Request) { paths = append(paths, r.URL.Path+"?"+r.URL.Query().Get("$select")) }
			// The apps first, then the devices are streamed with them.
			s.script = append(append([]func(http.ResponseWriter, *http.Request){apps}, tail...), devices)
			ds, failed, err := Pull(context.Background(), o)
			if err != nil || len(ds) != 2 {
				t.Fatalf("%v %+v", err, ds)
			}
			want := []string{"/v1.0/deviceManagement/detectedApps?id,displayName,version",
				"/v1.0/deviceManagement/detectedApps/a1/managedDevices?id", "/v1.0/deviceManagement/detectedApps/a2/managedDevices?id"}
			if !reflect.DeepEqual(paths[:3], want) || paths[len(paths)-1] != "/v1.0/deviceManagement/managedDevices?"+IntuneSelect {
				t.Fatalf("requests %q", paths)
			}
			p1, p2 := ds[0].Facts.Packages, ds[1].Facts.Packages
			if name == "failing" {
				// Some packages would be a lie: none is unknown.
				if len(failed) != 1 || !strings.Contains(failed[0].Reason, "detectedApps/a2/managedDevices page 1") || p1 != nil || p2 != nil {
					t.Fatalf("failed %+v, packages %+v %+v", failed, p1, p2)
				}
				return
			}
			if len(failed) != 0 || len(p1) != 1 || p1[0].Name != "Firefox" || len(p2) != 2 || p2[1] != (record.Package{Name: "7-Zip", Version: "24.08", Source: "intune"}) {
				t.Fatalf("failed %+v, packages %+v %+v", failed, p1, p2)
			}
		})
	}
}
