package cli

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// intakeFixtures returns ../shared/fixtures from the repository root,
// skipping when it is absent outside CI.
func intakeFixtures(t *testing.T) string {
	t.Helper()
	p, _ := filepath.Abs("../../../shared/fixtures")
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("fixtures missing under CI: %v", err)
		}
		t.Skipf("no fixtures at %s", p)
	}
	return p
}

func runEstate(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	app := &App{Args: args, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] },
		Now: func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }}
	code := Main(app)
	return code, out.String(), errb.String()
}

func TestFactsCollectIntuneJamf(t *testing.T) {
	fx := intakeFixtures(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "estate.yaml"), []byte("apiVersion: estate/v1\nkind: Settings\n"), 0o644)
	code, out, errs := runEstate(t, nil, "-C", dir, "facts", "collect", "--intune", filepath.Join(fx, "intune"))
	// intune/ holds the Entra users pages too: no device in them, and
	// not Graph device pages estate fails on.
	if code != 0 || !strings.Contains(out, "wrote facts/device-name-value.json (intune:managedDevices/705c034c") || !strings.Contains(out, "1 device written") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = runEstate(t, nil, "-C", dir, "facts", "collect", "--jamf", filepath.Join(fx, "jamf/computers-inventory.list.sumologic-docs-example.json"), "--format", "yaml")
	if code != 0 || !strings.Contains(out, "wrote facts/boalime.yaml (jamf:computers-inventory/1)") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "facts", "boalime.yaml"))
	for _, want := range []string{"serial: C02ZC2QYLVDL", "name: mdm", "gatekeeper: true", "sip: true", "family: macos"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("no %q in\n%s", want, b)
		}
	}
}

// TestFactsPullSecrets: the client secret and the access token appear in
// nothing estate prints or writes, even when the server echoes them.
func TestFactsPullSecrets(t *testing.T) {
	const secret, token = "Zx9-very-secret-value", "eyJ-access-token-value"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/t1/oauth2/v2.0/token":
			r.ParseForm()
			if r.PostForm.Get("client_secret") != secret || r.Method != http.MethodPost {
				t.Errorf("token request %s %v", r.Method, r.PostForm)
			}
			fmt.Fprintf(w, `{"access_token": %q}`, token)
		case r.Header.Get("Authorization") != "Bearer "+token || r.URL.Path != "/v1.0/deviceManagement/managedDevices":
			t.Errorf("API request %s %q", r.URL, r.Header.Get("Authorization"))
			w.WriteHeader(http.StatusForbidden)
		case r.URL.Query().Get("$skiptoken") == "":
			fmt.Fprintf(w, `{"value": [{"id": "d1", "deviceName": "lt-1", "serialNumber": "S1", "lastSyncDateTime": "2026-11-20T10:00:00Z"}],
  "@odata.nextLink": "http://%s/v1.0/deviceManagement/managedDevices?$skiptoken=%s"}`, r.Host, token)
		default:
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"error": {"message": "%s %s"}}`, secret, token)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "estate.yaml"), []byte("apiVersion: estate/v1\nkind: Settings\n"), 0o644)
	env := map[string]string{"AZURE_TENANT_ID": "t1", "AZURE_CLIENT_ID": "app", "AZURE_CLIENT_SECRET": secret}
	code, out, errs := runEstate(t, env, "-C", dir, "-v", "facts", "pull", "intune", "--api-url", srv.URL+"/v1.0", "--token-url", srv.URL)
	if code != 1 || !strings.Contains(out, "1 device written") || !strings.Contains(out, "intune: managedDevices page 2: GET ") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	all := out + errs
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			all += string(b)
		}
		return nil
	})
	if !strings.Contains(all, `"hostname": "lt-1"`) || strings.Contains(all, secret) || strings.Contains(all, token) {
		t.Fatalf("a secret in the output or the facts:\n%s", all)
	}
	// Missing variables are a usage error naming them, and a secret has no flag.
	if code, _, errs := runEstate(t, nil, "-C", dir, "facts", "pull", "jamf"); code != 2 || !strings.Contains(errs, "JAMF_URL, JAMF_CLIENT_ID, JAMF_CLIENT_SECRET") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if code, _, _ := runEstate(t, env, "-C", dir, "facts", "pull", "kandji"); code != 2 {
		t.Fatalf("an unknown service: exit %d", code)
	}
	if code, _, _ := runEstate(t, env, "-C", dir, "facts", "pull", "intune", "--client-secret", "x"); code != 2 {
		t.Fatalf("a --client-secret flag: exit %d", code)
	}
}

func TestFactsCollectFleetGoogle(t *testing.T) {
	fx := intakeFixtures(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "estate.yaml"), []byte("apiVersion: estate/v1\nkind: Settings\n"), 0o644)
	code, out, errs := runEstate(t, nil, "-C", dir, "facts", "collect", "--fleet", filepath.Join(fx, "fleet/api"))
	// fleetctl's spec is host 0; the list's host is host 1 again, its
	// software and policies kept from the host's own page (host.get).
	if code != 0 || !strings.Contains(out, "wrote facts/2ceca32fe484.json (fleet:hosts/1)") || !strings.Contains(out, "2 devices written") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "facts", "2ceca32fe484.json"))
	if !strings.Contains(string(b), `"policies"`) || !strings.Contains(string(b), `"passed": false`) {
		t.Fatalf("no policy results in\n%s", b)
	}
	code, out, errs = runEstate(t, nil, "-C", dir, "facts", "collect", "--google", filepath.Join(fx, "google"), "--out", filepath.Join(dir, "g"))
	if code != 0 || !strings.Contains(out, "wrote g/3waz9fgnc00030e.json (google:chromeosdevices/06d4fd60") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte("{\"hosts\": [\n  {\"id\": 1,}\n]}\n"), 0o644)
	code, out, _ = runEstate(t, nil, "-C", dir, "facts", "collect", "--fleet", bad)
	if code != 1 || !strings.Contains(out, "bad.json:2:") {
		t.Fatalf("malformed page: exit %d\n%s", code, out)
	}
}

// TestFactsPullFleetSecret: FLEET_API_TOKEN reaches nothing printed or
// written, even echoed by the server.
func TestFactsPullFleetSecret(t *testing.T) {
	const token = "fleet-Token-Value-123"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token || r.URL.Path != "/api/v1/fleet/hosts" {
			t.Errorf("request %s %q", r.URL, r.Header.Get("Authorization"))
		}
		if r.URL.Query().Get("page") == "0" {
			fmt.Fprint(w, `{"hosts": [{"id": 7, "hostname": "lt-7", "hardware_serial": "S7", "detail_updated_at": "2026-11-20T10:00:00Z", "software": []}]}`)
			return
		}
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"message": "bad token %s"}`, token)
	}))
	defer srv.Close()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "estate.yaml"), []byte("apiVersion: estate/v1\nkind: Settings\n"), 0o644)
	env := map[string]string{"FLEET_URL": srv.URL, "FLEET_API_TOKEN": token}
	code, out, errs := runEstate(t, env, "-C", dir, "-v", "facts", "pull", "fleet", "--page-size", "1")
	if code != 1 || !strings.Contains(out, "wrote facts/lt-7.json (fleet:hosts/7)") || !strings.Contains(out, "fleet: page 1: GET ") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "facts", "lt-7.json"))
	if strings.Contains(out+errs+string(b), token) {
		t.Fatalf("the token in the output or the facts:\n%s%s%s", out, errs, b)
	}
}

// The progress line is for a terminal only: none in CI, none when
// stdout is no terminal; a pull's total may not be known yet.
func TestProgress(t *testing.T) {
	var errb bytes.Buffer
	app := &App{Stderr: &errb, TTY: true, Getenv: func(string) string { return "" }}
	p := app.progress("pulling fleet devices")
	if p == nil {
		t.Fatal("no progress on a terminal")
	}
	p(300, -1)
	p(350, 400)
	if got := errb.String(); !strings.Contains(got, "pulling fleet devices: 300\r") || !strings.Contains(got, "pulling fleet devices: 350/400") {
		t.Fatalf("progress %q", got)
	}
	app.Getenv = func(k string) string { return map[string]string{"CI": "true"}[k] }
	if app.progress("x") != nil {
		t.Fatal("progress in CI")
	}
	app.Getenv, app.TTY = func(string) string { return "" }, false
	if app.progress("x") != nil {
		t.Fatal("progress without a terminal")
	}
}
