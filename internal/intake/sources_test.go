package intake

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/record"
)

func TestFleetFixtures(t *testing.T) {
	hs, err := ParseFleetPage(fixture(t, "fleet/api/host.get.docs-example.json"))
	if err != nil || len(hs) != 1 {
		t.Fatalf("%d hosts, %v", len(hs), err)
	}
	f := FromFleet(hs[0], now)
	valid(t, f)
	if f.Collector.Source != "fleet:hosts/1" || f.CollectedAt != "2021-08-19T21:07:53Z" || f.Identity.Hostname != "23cfc9caacf0" ||
		f.Identity.UUID != "309a4b7d-0000-0000-8e7f-26ae0815ede8" {
		t.Fatalf("identity %+v at %s", f.Identity, f.CollectedAt)
	}
	if *f.OS != (record.OSFacts{Family: "linux", Name: "CentOS Linux", Version: "8.3.2011"}) || f.Security == nil || !*f.Security.DiskEncryption {
		t.Fatalf("os %+v security %+v", f.OS, f.Security)
	}
	if len(f.Packages) == 0 || f.Packages[0] != (record.Package{Name: "osquery", Version: "4.5.1", Source: "rpm"}) {
		t.Fatalf("packages %+v", f.Packages)
	}
	want := []record.Policy{{Name: "SomeQuery2", ID: "2", Source: "fleet", Passed: ptr(false)}, {Name: "SomeQuery3", ID: "3", Source: "fleet"},
		{Name: "SomeQuery", ID: "1", Source: "fleet", Passed: ptr(true)}}
	if !reflect.DeepEqual(f.Policies, want) {
		t.Fatalf("policies %+v", f.Policies)
	}
	if len(f.Users) < 2 || f.Users[0].Name != "root" || f.Users[0].UID == nil || *f.Users[0].UID != 0 {
		t.Fatalf("users %+v", f.Users)
	}
	list, err := ParseFleetPage(fixture(t, "fleet/api/hosts.list.docs-example.json"))
	if err != nil || len(list) != 1 || list[0].Hostname != "2ceca32fe484" {
		t.Fatalf("list %+v %v", list, err)
	}
	valid(t, FromFleet(list[0], now))
	// fleetctl's zero times: collected_at is the time of reading, said.
	spec, err := ParseFleetPage(fixture(t, "fleet/api/fleetctl-get-host.expected.json"))
	if err != nil || len(spec) != 1 {
		t.Fatalf("fleetctl %v", err)
	}
	g := FromFleet(spec[0], now)
	valid(t, g)
	if g.CollectedAt != "2026-11-23T12:00:00Z" || len(g.Errors) != 1 || len(g.Policies) != 2 {
		t.Fatalf("fleetctl: %s %q %+v", g.CollectedAt, g.Errors, g.Policies)
	}
}

func TestGoogleFixture(t *testing.T) {
	ds, next, err := ParseGooglePage(fixture(t, "google/chromeosdevices.list.jupiterone-recording.json"))
	if err != nil || len(ds) != 1 || next != "" {
		t.Fatalf("%d devices, next %q, %v", len(ds), next, err)
	}
	f := FromGoogle(ds[0], now)
	valid(t, f)
	if f.Identity != (record.Identity{Serial: "3WAZ9FGNC00030E", Model: "Samsung Galaxy Chromebook", UUID: "06d4fd60-bed5-4fe2-8d82-1a7b7b76f9ac"}) ||
		f.OS.Family != "chromeos" || f.OS.Version != "101.0.4951.59" || f.CollectedAt != "2022-05-19T16:14:15Z" {
		t.Fatalf("facts %+v %+v %s", f.Identity, f.OS, f.CollectedAt)
	}
	if !*f.Security.SecureBoot || f.Network.Interfaces[0].MAC != "2c:db:07:af:9a:83" || f.Users[0].Name != "integration-development@jupiterone.dev" {
		t.Fatalf("security %+v network %+v users %+v", f.Security, f.Network, f.Users)
	}
}

// A page that is no JSON is placed at its line and column.
func TestMalformedPagePosition(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "hosts.json"), []byte("{\n  \"hosts\": [\n    {\"id\": 1,, }\n  ]\n}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "typed.json"), []byte("{\"hosts\": [\n {\"id\": 2, \"hostname\": 7}]}\n"), 0o644)
	_, failed, err := ReadFiles(Fleet, []string{dir}, now)
	if err != nil || len(failed) != 2 {
		t.Fatalf("%v %+v", err, failed)
	}
	if failed[0].Pos.Line != 3 || failed[0].Pos.Col < 14 || !strings.Contains(failed[0].Reason, "line 3, column") {
		t.Errorf("syntax: %+v", failed[0])
	}
	if failed[1].Pos.Line != 2 || !strings.Contains(failed[1].Reason, "hostname") {
		t.Errorf("type: %+v", failed[1])
	}
}

// fleetServer serves the Fleet fixtures' hosts, one a page, checking
// every request: GET, the path, the query, the API token, Accept.
func fleetServer(t *testing.T, token string, hosts []json.RawMessage, answer func(page string) (int, bool)) (*httptest.Server, *[]string) {
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if id, ok := strings.CutPrefix(r.URL.Path, "/api/v1/fleet/hosts/"); ok {
			// A host listed without software is asked for alone: Get host.
			mu.Lock()
			got = append(got, "host "+id)
			mu.Unlock()
			var n int
			if _, err := fmt.Sscan(id, &n); err != nil || n < 1 || n > len(hosts) || r.Method != http.MethodGet ||
				r.Header.Get("Authorization") != "Bearer "+token || r.Header.Get("Accept") != "application/json" || r.URL.RawQuery != "" {
				t.Errorf("request %s %s", r.Method, r.URL)
				w.WriteHeader(http.StatusNotFound)
				return
			}
			var h map[string]any
			json.Unmarshal(hosts[n-1], &h)
			h["software"] = []map[string]any{{"name": "curl", "version": "7.61.1", "source": "rpm_packages"}}
			json.NewEncoder(w).Encode(map[string]any{"host": h})
			return
		}
		mu.Lock()
		got = append(got, q.Get("page"))
		mu.Unlock()
		if r.Method != http.MethodGet || r.URL.Path != "/api/v1/fleet/hosts" || r.Header.Get("Authorization") != "Bearer "+token ||
			r.Header.Get("Accept") != "application/json" || q.Get("per_page") != "1" || q.Get("order_key") != "id" ||
			q.Get("populate_software") != "true" || q.Get("populate_policies") != "true" {
			t.Errorf("request %s %s %q", r.Method, r.URL, r.Header.Get("Authorization"))
			w.WriteHeader(http.StatusForbidden)
			return
		}
		if answer != nil {
			if code, done := answer(q.Get("page")); done {
				w.WriteHeader(code)
				fmt.Fprintf(w, `{"message": "token %s refused"}`, token)
				return
			}
		}
		var n int
		fmt.Sscan(q.Get("page"), &n)
		if n < len(hosts) {
			fmt.Fprintf(w, `{"hosts": [%s]}`, hosts[n])
			return
		}
		fmt.Fprint(w, `{"hosts": []}`)
	}))
	t.Cleanup(srv.Close)
	return srv, &got
}

func fleetHosts(t *testing.T) []json.RawMessage {
	var get struct{ Host json.RawMessage }
	json.Unmarshal(fixture(t, "fleet/api/host.get.docs-example.json"), &get)
	var list struct{ Hosts []map[string]any }
	json.Unmarshal(fixture(t, "fleet/api/hosts.list.docs-example.json"), &list)
	list.Hosts[0]["id"] = 2
	second, _ := json.Marshal(list.Hosts[0])
	return []json.RawMessage{get.Host, second}
}

func TestPullFleet(t *testing.T) {
	const token = "fleet-api-token-Value"
	throttled := false
	srv, pages := fleetServer(t, token, fleetHosts(t), func(page string) (int, bool) {
		if page == "1" && !throttled {
			throttled = true
			return http.StatusTooManyRequests, true
		}
		return 0, false
	})
	env := map[string]string{"FLEET_URL": srv.URL + "/", "FLEET_API_TOKEN": token}
	var slept []time.Duration
	var progress [][3]int
	ds, failed, err := Pull(context.Background(), PullOptions{Service: Fleet, PageSize: 1, Workers: 1, Now: now, Getenv: func(k string) string { return env[k] },
		Sleep:    func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil },
		Progress: func(p, d, total int) { progress = append(progress, [3]int{p, d, total}) }})
	if err != nil || len(failed) != 0 || len(ds) != 2 {
		t.Fatalf("%v %+v %d", err, failed, len(ds))
	}
	if ds[0].Source != "fleet:hosts/1" || len(ds[0].Facts.Policies) != 3 || ds[1].Facts.Identity.Hostname != "2ceca32fe484" {
		t.Fatalf("devices %+v %+v", ds[0].Facts, ds[1].Facts)
	}
	// Host 2 was listed without software (the docs' List hosts example
	// has none): its packages come from Get host.
	if p := ds[1].Facts.Packages; len(p) != 1 || p[0].Name != "curl" || p[0].Source != "rpm" {
		t.Fatalf("host 2's packages %+v", p)
	}
	// page 1 asked twice (429), host 2 alone, page 2 empty ends it.
	if !reflect.DeepEqual(*pages, []string{"0", "1", "1", "host 2", "2"}) || len(slept) != 1 {
		t.Fatalf("pages %q slept %v", *pages, slept)
	}
	if !reflect.DeepEqual(progress, [][3]int{{1, 1, -1}, {2, 2, -1}, {3, 2, -1}}) {
		t.Fatalf("progress %v", progress)
	}
	for _, d := range ds {
		valid(t, d.Facts)
	}
}

// Fleet's API token is not renewed: a 401 ends the reading, what was
// read is kept, and the token is in no failure even when echoed.
func TestPullFleetRefused(t *testing.T) {
	const token = "fleet-api-token-Value"
	srv, _ := fleetServer(t, token, fleetHosts(t), func(page string) (int, bool) { return http.StatusUnauthorized, page == "1" })
	env := map[string]string{"FLEET_URL": srv.URL, "FLEET_API_TOKEN": token}
	ds, failed, err := Pull(context.Background(), PullOptions{Service: Fleet, PageSize: 1, Now: now, Getenv: func(k string) string { return env[k] }})
	if err != nil || len(ds) != 1 || len(failed) != 1 || !strings.Contains(failed[0].Reason, "page 1: GET") || !strings.Contains(failed[0].Reason, "401") {
		t.Fatalf("%v %d %+v", err, len(ds), failed)
	}
	if strings.Contains(fmt.Sprint(failed, ds[0].Facts), token) {
		t.Fatal("the token in a failure")
	}
	if _, _, err := Pull(context.Background(), PullOptions{Service: Fleet, Getenv: func(k string) string { return map[string]string{"FLEET_URL": srv.URL}[k] }}); !errors.Is(err, ErrCredentials) ||
		!strings.Contains(err.Error(), "FLEET_API_TOKEN") {
		t.Fatalf("no token: %v", err)
	}
}

// With a slow server, a page-numbered API has pages in flight at once,
// and a linked one asks for its next page while the last is written.
func TestPullPagesInFlight(t *testing.T) {
	const token = "fleet-api-token-Value"
	hosts := fleetHosts(t)
	second := make(chan struct{})
	var once sync.Once
	srv, _ := fleetServer(t, token, hosts, func(page string) (int, bool) {
		switch page {
		case "1":
			// Page 1 is answered only once page 2 is asked for too.
			select {
			case <-second:
			case <-time.After(10 * time.Second):
				t.Error("page 2 not asked for while page 1 was in flight")
			}
		case "2":
			once.Do(func() { close(second) })
		}
		return 0, false
	})
	env := map[string]string{"FLEET_URL": srv.URL, "FLEET_API_TOKEN": token}
	ds, failed, err := Pull(context.Background(), PullOptions{Service: Fleet, PageSize: 1, Workers: 2, Now: now, Getenv: func(k string) string { return env[k] }})
	if err != nil || len(failed) != 0 || len(ds) != 2 {
		t.Fatalf("%v %+v %d", err, failed, len(ds))
	}

	// Graph: the device of page 1 is written only once page 2 is asked for.
	asked := make(chan struct{})
	s, o, _ := newIntune(t)
	s.script = []func(http.ResponseWriter, *http.Request){
		nextPage(s, json.RawMessage("["+string(intuneDevice(t, 1))+"]")),
		func(w http.ResponseWriter, r *http.Request) {
			close(asked)
			fmt.Fprintf(w, `{"value": [%s]}`, intuneDevice(t, 2))
		},
	}
	var got []string
	failed, err = Stream(context.Background(), o, func(d record.Device) error {
		if d.Facts.Identity.Hostname == "lt-1" {
			select {
			case <-asked:
			case <-time.After(10 * time.Second):
				t.Error("page 2 not asked for while page 1 was written")
			}
		}
		got = append(got, d.Facts.Identity.Hostname)
		return nil
	})
	if err != nil || len(failed) != 0 || !reflect.DeepEqual(got, []string{"lt-1", "lt-2"}) {
		t.Fatalf("%v %+v %q", err, failed, got)
	}
}

// googleKeyFile writes a service account key file with a new RSA key.
func googleKeyFile(t *testing.T, tokenURI string) (string, *rsa.PublicKey) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	b, _ := json.Marshal(map[string]string{"type": "service_account", "client_email": "estate@proj.iam.gserviceaccount.com", "private_key_id": "kid-1",
		"private_key": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), "token_uri": tokenURI})
	p := filepath.Join(t.TempDir(), "key.json")
	os.WriteFile(p, b, 0o600)
	return p, &k.PublicKey
}

func TestPullGoogle(t *testing.T) {
	page := fixture(t, "google/chromeosdevices.list.jupiterone-recording.json")
	var srv *httptest.Server
	var pub *rsa.PublicKey
	var mu sync.Mutex
	tokens, calls := 0, 0
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.URL.Path == "/token" {
			r.ParseForm()
			if r.Method != http.MethodPost || r.PostForm.Get("grant_type") != jwtBearer || r.URL.RawQuery != "" {
				t.Errorf("token request %s %v", r.Method, r.PostForm)
			}
			checkJWT(t, pub, r.PostForm.Get("assertion"), srv.URL+"/token")
			tokens++
			fmt.Fprintf(w, `{"access_token": "g-%d-access", "token_type": "Bearer", "expires_in": 3599}`, tokens)
			return
		}
		q := r.URL.Query()
		if r.Method != http.MethodGet || r.URL.Path != "/admin/directory/v1/customer/C048tgq5f/devices/chromeos" || q.Get("maxResults") != "100" ||
			q.Get("projection") != "FULL" || r.Header.Get("Accept") != "application/json" {
			t.Errorf("API request %s %s", r.Method, r.URL)
		}
		calls++
		switch {
		case r.Header.Get("Authorization") != fmt.Sprintf("Bearer g-%d-access", tokens):
			t.Errorf("Authorization %q", r.Header.Get("Authorization"))
		case calls == 1 && q.Get("pageToken") == "":
			// The recording, with a next page.
			w.Write(append(page[:len(page)-1:len(page)-1], []byte(`,"nextPageToken":"p2"}`)...))
		case calls == 2:
			w.WriteHeader(http.StatusUnauthorized) // the token expired
		case calls == 3 && q.Get("pageToken") == "p2":
			fmt.Fprint(w, `{"kind": "admin#directory#chromeosdevices", "chromeosdevices": [{"deviceId": "d2", "serialNumber": "S2", "lastSync": "2026-11-20T10:00:00.000Z", "bootMode": "Dev"}]}`)
		default:
			t.Errorf("request %d %s", calls, r.URL)
		}
	}))
	defer srv.Close()
	page = bytes.TrimSpace(page)
	if !bytes.HasSuffix(page, []byte("}")) {
		t.Fatalf("the recording ends %q", page[len(page)-2:])
	}
	var file string
	file, pub = googleKeyFile(t, srv.URL+"/token")
	env := map[string]string{"GOOGLE_APPLICATION_CREDENTIALS": file, "GOOGLE_ADMIN_EMAIL": "admin@example.com"}
	ds, failed, err := Pull(context.Background(), PullOptions{Service: Google, APIURL: srv.URL, Customer: "C048tgq5f", Now: time.Now(), Getenv: func(k string) string { return env[k] }})
	if err != nil || len(failed) != 0 || len(ds) != 2 || tokens != 2 || calls != 3 {
		t.Fatalf("%v %+v %d devices, %d tokens, %d calls", err, failed, len(ds), tokens, calls)
	}
	if ds[0].Facts.Identity.Serial != "3WAZ9FGNC00030E" || ds[1].Source != "google:chromeosdevices/d2" || *ds[1].Facts.Security.SecureBoot {
		t.Fatalf("devices %+v %+v", ds[0].Facts.Identity, ds[1].Facts)
	}
	// A key file that is not one: the error quotes nothing of it.
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"type": "service_account", "client_email": "x", "private_key": "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n-----END PRIVATE KEY-----\n"}`), 0o600)
	_, _, err = Pull(context.Background(), PullOptions{Service: Google, Getenv: func(string) string { return bad }})
	if !errors.Is(err, ErrCredentials) || strings.Contains(err.Error(), "c2VjcmV0") {
		t.Fatalf("bad key: %v", err)
	}
}

// checkJWT verifies an RS256 assertion as Google's token endpoint does.
func checkJWT(t *testing.T, pub *rsa.PublicKey, jwt, aud string) {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Errorf("assertion %q", jwt)
		return
	}
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		t.Errorf("signature: %v", err)
	}
	var head map[string]string
	var claims map[string]any
	h, _ := base64.RawURLEncoding.DecodeString(parts[0])
	c, _ := base64.RawURLEncoding.DecodeString(parts[1])
	json.Unmarshal(h, &head)
	json.Unmarshal(c, &claims)
	if head["alg"] != "RS256" || head["kid"] != "kid-1" || claims["iss"] != "estate@proj.iam.gserviceaccount.com" || claims["scope"] != GoogleScope ||
		claims["aud"] != aud || claims["sub"] != "admin@example.com" || claims["exp"].(float64)-claims["iat"].(float64) != 3600 {
		t.Errorf("JWT %v %v", head, claims)
	}
}

// A host listed without software whose Get host answers for another host
// (or fails) is a failed page, never facts of the wrong device.
func TestPullFleetHostMismatch(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/fleet/hosts":
			if r.URL.Query().Get("page") == "0" {
				fmt.Fprint(w, `{"hosts": [{"id": 7, "hostname": "lt-7", "hardware_serial": "S7"}]}`)
				return
			}
			fmt.Fprint(w, `{"hosts": []}`)
		case "/api/v1/fleet/hosts/7":
			fmt.Fprint(w, `{"host": {"id": 8, "hostname": "lt-8", "hardware_serial": "S8", "software": []}}`)
		default:
			t.Errorf("request %s", r.URL)
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()
	env := map[string]string{"FLEET_URL": srv.URL, "FLEET_API_TOKEN": "t"}
	ds, failed, err := Pull(context.Background(), PullOptions{Service: Fleet, PageSize: 10, Now: now, Getenv: func(k string) string { return env[k] }})
	if err != nil || len(ds) != 0 || len(failed) != 1 || !strings.Contains(failed[0].Reason, "answered with another host") {
		t.Fatalf("%v %d %+v", err, len(ds), failed)
	}
}
