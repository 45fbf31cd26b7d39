package people

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/intake"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/scaffold"
)

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

const secret = "s3cr3t-Client-Value"

// fixtures is <repo root>/../shared/fixtures (or $ESTATE_SHARED_FIXTURES);
// a test skips when it is missing outside CI, and fails under CI=true.
func fixtures(t *testing.T) string {
	t.Helper()
	p := os.Getenv("ESTATE_SHARED_FIXTURES")
	if p == "" {
		p, _ = filepath.Abs("../../../shared/fixtures")
	}
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("fixtures missing under CI: %v", err)
		}
		t.Skipf("no fixtures at %s", p)
	}
	return p
}

func newEstate(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "estate")
	if _, err := scaffold.Init(scaffold.InitOptions{Dir: dir, NoGit: true, Now: now}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func open(t *testing.T, dir string) *core.Estate {
	t.Helper()
	e, err := core.Open(context.Background(), core.Options{Dir: dir, Cache: core.CacheOff, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	for _, f := range e.Findings {
		if f.Severity >= record.SeverityError {
			t.Errorf("validate refuses what was written: %s", f)
		}
	}
	return e
}

// graph is a fake Entra: a token endpoint that checks the client
// credentials form, and GET /users that checks the bearer token, the
// $select and $expand, and serves the published example page, then a
// second page (users the test makes: a leaver, a manager) through
// @odata.nextLink.
func graph(t *testing.T) (*httptest.Server, *int32) {
	t.Helper()
	first, err := os.ReadFile(filepath.Join(fixtures(t), "intune", "entra", "users.list.docs-example.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(first, &doc); err != nil {
		t.Fatal(err)
	}
	var calls int32
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		atomic.AddInt32(&calls, 1)
		switch r.URL.Path {
		case "/tenant-1/oauth2/v2.0/token":
			if err := r.ParseForm(); err != nil || r.Method != http.MethodPost || r.PostForm.Get("grant_type") != "client_credentials" ||
				r.PostForm.Get("client_id") != "app-1" || r.PostForm.Get("client_secret") != secret ||
				r.PostForm.Get("scope") != "https://graph.microsoft.com/.default" {
				t.Errorf("token request: %s %v", r.Method, r.PostForm)
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			_, _ = w.Write([]byte(`{"access_token":"tok-1","token_type":"Bearer"}`))
			return
		case "/v1.0/users":
		default:
			t.Errorf("unexpected request %s %s", r.Method, r.URL)
			w.WriteHeader(http.StatusNotFound)
			return
		}
		if r.Method != http.MethodGet || r.Header.Get("Authorization") != "Bearer tok-1" {
			t.Errorf("users request: %s, Authorization %q", r.Method, r.Header.Get("Authorization"))
		}
		q := r.URL.Query()
		if q.Get("$skiptoken") == "" {
			if q.Get("$select") != intake.EntraSelect || q.Get("$expand") != "manager($select=mail,userPrincipalName)" {
				t.Errorf("users query %v", q)
			}
			doc["@odata.nextLink"] = srv.URL + "/v1.0/users?$skiptoken=page2"
			b, _ := json.Marshal(doc)
			_, _ = w.Write(b)
			return
		}
		if q.Get("$skiptoken") != "page2" {
			t.Errorf("second page query %v", q)
		}
		_, _ = w.Write([]byte(`{"value":[
 {"id":"u3","displayName":"Gage McCrackem","mail":"Gage@contoso.com","department":"Finance","officeLocation":"London office",
  "accountEnabled":true,"employeeLeaveDateTime":"2026-10-31T17:00:00Z","manager":{"mail":"admin@contoso.com"}},
 {"id":"u4","displayName":"Sam Kim","userPrincipalName":"sam@contoso.com","accountEnabled":false,"manager":{"mail":"nobody@contoso.com"}}]}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestPullEntraWritesPeople(t *testing.T) {
	srv, _ := graph(t)
	dir := newEstate(t)
	o := intake.PullOptions{APIURL: srv.URL + "/v1.0", TokenURL: srv.URL, Now: now,
		Getenv: env(map[string]string{"AZURE_TENANT_ID": "tenant-1", "AZURE_CLIENT_ID": "app-1", "AZURE_CLIENT_SECRET": secret})}
	users, failed, err := intake.PullEntraUsers(context.Background(), o)
	if err != nil || failed != "" {
		t.Fatalf("pull: %v %s", err, failed)
	}
	if len(users) != 4 {
		t.Fatalf("%d users, want 4 (2 on each page)", len(users))
	}
	rep, err := Write(context.Background(), Options{Dir: dir, Source: "entra"}, FromEntra(users, now), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Created != 4 || rep.Leavers != 2 || rep.Refused != 0 {
		t.Fatalf("report %+v", rep)
	}
	e := open(t, dir).Estate
	gage := e.People["gage@contoso.com"]
	if gage == nil || gage.Status != "leaver" || gage.Left != "2026-10-31" || gage.Manager != "admin@contoso.com" || gage.Team != "Finance" || gage.Source != "entra" {
		t.Errorf("gage = %+v", gage)
	}
	if sam := e.People["sam@contoso.com"]; sam == nil || sam.Status != "leaver" || sam.Manager != "" {
		t.Errorf("sam = %+v: a disabled account is a leaver; an unknown manager is left out", sam)
	}
	warned := false
	for _, p := range rep.Problems {
		warned = warned || strings.Contains(p.Reason, "nobody@contoso.com")
		if strings.Contains(p.Reason, secret) || strings.Contains(p.Reason, "tok-1") {
			t.Errorf("a secret in a problem: %s", p.Reason)
		}
	}
	if !warned {
		t.Errorf("the unknown manager was not reported: %+v", rep.Problems)
	}
	// A second pull changes nothing; a record written by hand is kept.
	hand := "apiVersion: estate/v1\nkind: Person\nid: adams@contoso.com\nname: Adams by hand\nstatus: active\n"
	if err := os.WriteFile(filepath.Join(dir, "inventory", "people", "adams@contoso.com.yaml"), []byte(hand), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err = Write(context.Background(), Options{Dir: dir, Source: "entra"}, FromEntra(users, now), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Created != 0 || rep.Updated != 0 || rep.Unchanged != 3 || rep.Kept != 1 {
		t.Errorf("second pull %+v", rep)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "inventory", "people", "adams@contoso.com.yaml")); string(b) != hand {
		t.Errorf("the record written by hand was replaced:\n%s", b)
	}
}

func TestPullEntraMissingCredentials(t *testing.T) {
	_, _, err := intake.PullEntraUsers(context.Background(), intake.PullOptions{Getenv: env(nil)})
	if err == nil || !strings.Contains(err.Error(), "AZURE_TENANT_ID") || !strings.Contains(err.Error(), "entra") {
		t.Errorf("err = %v", err)
	}
}

func TestImportCSV(t *testing.T) {
	dir := newEstate(t)
	csv := "Email,Name,GitHub,Team,Manager,Status,Left,Phone\n" +
		"boss@example.org,Boss,@boss,IT,,active,,1\n" +
		"Jane.Doe@example.org,Jane Doe,jdoe,IT,boss@example.org,,,2\n" +
		"old@example.org,Old,,IT,boss@example.org,leaver,2026-01-31,3\n" +
		"not-an-email,X,,,,,,4\n" +
		"bad@example.org,Bad,,,,retired,,5\n"
	in, probs, err := ReadCSV([]byte(csv))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Write(context.Background(), Options{Dir: dir, Source: "csv", From: "people.csv"}, in, probs)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Created != 3 || rep.Refused != 2 {
		t.Errorf("report %+v", rep)
	}
	var got []string
	for _, p := range rep.Problems {
		got = append(got, fmt.Sprintf("%s:%d:%d", p.Severity, p.Line, p.Column))
	}
	if want := "warning:1:8 error:5:1 error:6:24"; strings.Join(got, " ") != want {
		t.Errorf("problems at %s, want %s: %+v", strings.Join(got, " "), want, rep.Problems)
	}
	e := open(t, dir).Estate
	if j := e.People["jane.doe@example.org"]; j == nil || j.Manager != "boss@example.org" || j.GitHub != "jdoe" {
		t.Errorf("jane = %+v", j)
	}
	if b := e.People["boss@example.org"]; b == nil || b.GitHub != "boss" {
		t.Errorf("boss = %+v", b)
	}
}

// A manager whose own row is refused is left out of the people who name
// them: nothing written names a person that does not exist.
func TestManagerRefusedIsLeftOut(t *testing.T) {
	dir := newEstate(t)
	in := []Input{
		{Person: record.Person{ID: "boss@example.org", Name: "Boss", Status: "active", GitHub: "-not-a-login-"}, Line: 2},
		{Person: record.Person{ID: "jane@example.org", Name: "Jane", Status: "active", Manager: "boss@example.org"}, Line: 3},
	}
	rep, err := Write(context.Background(), Options{Dir: dir, Source: "csv"}, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Created != 1 || rep.Refused != 1 {
		t.Errorf("report %+v", rep)
	}
	if j := open(t, dir).Estate.People["jane@example.org"]; j == nil || j.Manager != "" {
		t.Errorf("jane = %+v", j)
	}
}
