package people

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/estate-dev/estate/internal/intake"
)

// directory is a fake Google Directory: a token endpoint that verifies the
// service account's signed assertion (RS256, the users read-only scope,
// acting for the admin) and users.list that checks the bearer token, the
// customer and projection, and serves two pages linked by nextPageToken,
// in the shape of the Directory API's User resource.
func directory(t *testing.T) (srv *httptest.Server, keyFile string, calls *int32) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	calls = new(int32)
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		atomic.AddInt32(calls, 1)
		if r.URL.Path == "/token" {
			r.ParseForm()
			parts := strings.Split(r.PostForm.Get("assertion"), ".")
			if r.Method != http.MethodPost || r.PostForm.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" || len(parts) != 3 {
				t.Errorf("token request %s %v", r.Method, r.PostForm)
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
			sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
			var claims map[string]any
			c, _ := base64.RawURLEncoding.DecodeString(parts[1])
			json.Unmarshal(c, &claims)
			if rsa.VerifyPKCS1v15(&k.PublicKey, crypto.SHA256, sum[:], sig) != nil || claims["scope"] != intake.GoogleUserScope ||
				claims["sub"] != "admin@example.org" || claims["aud"] != srv.URL+"/token" {
				t.Errorf("assertion claims %v", claims)
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			fmt.Fprint(w, `{"access_token": "ya29.google-access", "token_type": "Bearer", "expires_in": 3599}`)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/refused/") { // an API that refuses the account
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"error": {"code": 403, "message": "Not Authorized to access this resource/api"}}`)
			return
		}
		q := r.URL.Query()
		if r.Method != http.MethodGet || r.URL.Path != "/admin/directory/v1/users" || q.Get("customer") != "my_customer" || q.Get("projection") != "full" ||
			r.Header.Get("Authorization") != "Bearer ya29.google-access" {
			t.Errorf("API request %s %s (auth %q)", r.Method, r.URL, r.Header.Get("Authorization"))
			w.WriteHeader(http.StatusForbidden)
			return
		}
		switch q.Get("pageToken") {
		case "":
			fmt.Fprint(w, `{"kind": "admin#directory#users", "nextPageToken": "p2", "users": [
 {"primaryEmail": "Liz@Example.org", "name": {"givenName": "Elizabeth", "familyName": "Smith", "fullName": "Elizabeth Smith"}, "suspended": false,
  "organizations": [{"name": "Example", "department": "Sales", "primary": false}, {"department": "Finance", "primary": true}],
  "relations": [{"value": "boss@example.org", "type": "manager"}], "locations": [{"type": "desk", "area": "desk", "buildingId": "LON-HQ"}]},
 {"primaryEmail": "boss@example.org", "name": {"fullName": "The Boss"}}]}`)
		case "p2":
			fmt.Fprint(w, `{"kind": "admin#directory#users", "users": [
 {"primaryEmail": "gone@example.org", "name": {"fullName": "Gone"}, "suspended": true, "suspensionReason": "ADMIN", "suspensionTime": "2026-10-31T17:00:00.000Z",
  "relations": [{"value": "boss@example.org", "type": "manager"}]},
 {"primaryEmail": "archived@example.org", "name": {"fullName": "Archived"}, "archived": true}]}`)
		default:
			t.Errorf("page %q", q.Get("pageToken"))
		}
	}))
	t.Cleanup(srv.Close)
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	b, _ := json.Marshal(map[string]string{"type": "service_account", "client_email": "estate@proj.iam.gserviceaccount.com", "private_key_id": "kid-1",
		"private_key": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), "token_uri": srv.URL + "/token"})
	keyFile = filepath.Join(t.TempDir(), "key.json")
	if err := os.WriteFile(keyFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return srv, keyFile, calls
}

func TestPullGoogleWritesPeople(t *testing.T) {
	srv, key, calls := directory(t)
	dir := newEstate(t)
	o := intake.PullOptions{APIURL: srv.URL, Now: now, Getenv: env(map[string]string{"GOOGLE_APPLICATION_CREDENTIALS": key, "GOOGLE_ADMIN_EMAIL": "admin@example.org"})}
	users, failed, err := intake.PullGoogleUsers(context.Background(), o)
	if err != nil || failed != "" {
		t.Fatalf("pull: %v %s", err, failed)
	}
	if len(users) != 4 || *calls != 3 {
		t.Fatalf("%d users in %d requests, want 4 in 3 (a token, two pages)", len(users), *calls)
	}
	rep, err := Write(context.Background(), Options{Dir: dir, Source: "google"}, FromGoogle(users), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Created != 4 || rep.Leavers != 2 || rep.Refused != 0 {
		t.Fatalf("report %+v", rep)
	}
	e := open(t, dir).Estate
	if liz := e.People["liz@example.org"]; liz == nil || liz.Name != "Elizabeth Smith" || liz.Team != "Finance" || liz.Manager != "boss@example.org" || liz.Source != "google" {
		t.Errorf("liz = %+v", liz)
	}
	if g := e.People["gone@example.org"]; g == nil || g.Status != "leaver" || g.Left != "2026-10-31" {
		t.Errorf("gone = %+v: a suspended account is a leaver from its suspension day", g)
	}
	if a := e.People["archived@example.org"]; a == nil || a.Status != "leaver" || a.Left != "" {
		t.Errorf("archived = %+v", a)
	}
}

func TestPullGoogleRefusedPage(t *testing.T) {
	srv, key, _ := directory(t)
	o := intake.PullOptions{APIURL: srv.URL + "/refused", Now: now, Getenv: env(map[string]string{"GOOGLE_APPLICATION_CREDENTIALS": key, "GOOGLE_ADMIN_EMAIL": "admin@example.org"})}
	// A refused page is reported, never taken for an empty directory.
	users, failed, err := intake.PullGoogleUsers(context.Background(), o)
	if err != nil || failed == "" || len(users) != 0 || strings.Contains(failed, "ya29") {
		t.Fatalf("users %d, failed %q, err %v", len(users), failed, err)
	}
}

func TestPullGoogleMissingKey(t *testing.T) {
	_, _, err := intake.PullGoogleUsers(context.Background(), intake.PullOptions{Getenv: env(nil)})
	if err == nil || !strings.Contains(err.Error(), "GOOGLE_APPLICATION_CREDENTIALS") || !strings.Contains(err.Error(), "people pull google") {
		t.Errorf("err = %v", err)
	}
}
