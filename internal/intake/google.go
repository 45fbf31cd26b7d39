package intake

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
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/estate-dev/estate/internal/record"
)

// Google endpoints and the one scope asked for.
const (
	GoogleURL      = "https://admin.googleapis.com"
	GoogleTokenURL = "https://oauth2.googleapis.com/token"
	GoogleScope    = "https://www.googleapis.com/auth/admin.directory.device.chromeos.readonly"
	jwtBearer      = "urn:ietf:params:oauth:grant-type:jwt-bearer"
)

// ChromeOSDevice is the part of an Admin SDK Directory chromeosdevice
// estate reads.
type ChromeOSDevice struct {
	DeviceID           string `json:"deviceId"`
	SerialNumber       string `json:"serialNumber"`
	Status             string `json:"status"`
	LastSync           string `json:"lastSync"`
	AnnotatedUser      string `json:"annotatedUser"`
	Model              string `json:"model"`
	OSVersion          string `json:"osVersion"`
	PlatformVersion    string `json:"platformVersion"`
	MACAddress         string `json:"macAddress"`
	EthernetMACAddress string `json:"ethernetMacAddress"`
	BootMode           string `json:"bootMode"`
	RecentUsers        []struct {
		Email string `json:"email"`
	} `json:"recentUsers"`
}

// ParseGooglePage reads a chromeosdevices list page
// ({"chromeosdevices": [...], "nextPageToken": "..."}) or one device
// (chromeosdevices.get): the devices and the next page's token.
func ParseGooglePage(data []byte) ([]ChromeOSDevice, string, error) {
	var p struct {
		Kind    string            `json:"kind"`
		Devices *[]ChromeOSDevice `json:"chromeosdevices"`
		Next    string            `json:"nextPageToken"`
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, "", jsonErr("read Google page", data, err)
	}
	switch {
	case p.Devices != nil:
		return *p.Devices, p.Next, nil
	case p.Kind == "admin#directory#chromeosdevices":
		return nil, p.Next, nil // a customer without Chromebooks: no chromeosdevices at all
	case p.Kind == "admin#directory#chromeosdevice":
		var d ChromeOSDevice
		if err := json.Unmarshal(data, &d); err != nil {
			return nil, "", jsonErr("read Google page", data, err)
		}
		return []ChromeOSDevice{d}, "", nil
	}
	return nil, "", errors.New("read Google page: neither chromeosdevices nor a chromeosdevice: not a Directory API response")
}

// FromGoogle maps a Chromebook to facts: serialNumber, model and
// deviceId (as uuid) to identity; os family chromeos, osVersion to
// os.version and platformVersion to os.build; bootMode to
// security.secure_boot (Verified true, Dev false); annotatedUser and
// recentUsers to users; macAddress and ethernetMacAddress to the wifi
// and ethernet interfaces; lastSync to collected_at.
func FromGoogle(d ChromeOSDevice, now time.Time) *record.Facts {
	f := newFacts("google:chromeosdevices/" + clean(d.DeviceID))
	f.CollectedAt = collectedAt(d.LastSync, now, "lastSync", f)
	f.Identity = record.Identity{Serial: clean(d.SerialNumber), Model: clean(d.Model), UUID: clean(d.DeviceID)}
	f.OS = &record.OSFacts{Family: "chromeos", Name: "ChromeOS", Version: clean(d.OSVersion), Build: clean(d.PlatformVersion)}
	switch strings.ToLower(strings.TrimSpace(d.BootMode)) {
	case "verified":
		f.Security = &record.Security{SecureBoot: ptr(true)}
	case "dev":
		f.Security = &record.Security{SecureBoot: ptr(false)}
	}
	seen := map[string]bool{}
	for _, u := range append([]string{d.AnnotatedUser}, emails(d)...) {
		if u = clean(u); u != "" && !seen[u] {
			seen[u] = true
			f.Users = append(f.Users, record.User{Name: u})
		}
	}
	var ifs []record.Interface
	for _, m := range []struct{ name, mac string }{{"wifi", d.MACAddress}, {"ethernet", d.EthernetMACAddress}} {
		if mac := colonMAC(clean(m.mac)); mac != "" {
			ifs = append(ifs, record.Interface{Name: m.name, MAC: mac})
		}
	}
	if ifs != nil {
		f.Network = &record.Network{Interfaces: ifs}
	}
	return f
}

func emails(d ChromeOSDevice) []string {
	var out []string
	for _, u := range d.RecentUsers {
		out = append(out, u.Email)
	}
	return out
}

// colonMAC writes Google's 2cdb07af9a83 as 2c:db:07:af:9a:83.
func colonMAC(s string) string {
	if len(s) != 12 || strings.ContainsAny(s, ":-") {
		return strings.ToLower(s)
	}
	var b strings.Builder
	for i := 0; i < 12; i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(strings.ToLower(s[i : i+2]))
	}
	return b.String()
}

// google streams the customer's Chromebooks, following nextPageToken.
func (p *puller) google(ctx context.Context) error {
	customer := or(p.o.Customer, "my_customer")
	base := p.api.String() + "/admin/directory/v1/customer/" + url.PathEscape(customer) + "/devices/chromeos"
	q := url.Values{"maxResults": {strconv.Itoa(min(p.o.PageSize, 300))}, "projection": {"FULL"}, "orderBy": {"serialNumber"}}
	parse := func(body []byte) ([]ChromeOSDevice, string, error) {
		ds, token, err := ParseGooglePage(body)
		if err != nil || token == "" {
			return ds, "", err
		}
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("pageToken", token)
		return ds, base + "?" + nq.Encode(), nil
	}
	return linked(ctx, p, "chromeosdevices", base+"?"+q.Encode(), parse, func(ds []ChromeOSDevice) error {
		for _, d := range ds {
			if err := p.emit(FromGoogle(d, p.o.Now)); err != nil {
				return err
			}
		}
		p.page(-1)
		return nil
	})
}

// googleKey is a service account's key file (its JSON, as the Cloud
// console writes it).
type googleKey struct {
	Type         string `json:"type"`
	ClientEmail  string `json:"client_email"`
	PrivateKeyID string `json:"private_key_id"`
	PrivateKey   string `json:"private_key"`
	TokenURI     string `json:"token_uri"`
	key          *rsa.PrivateKey
}

// readGoogleKey reads the key file; its errors never quote it.
func readGoogleKey(read func(string) ([]byte, error), file string) (*googleKey, error) {
	data, err := read(file)
	if err != nil {
		return nil, fmt.Errorf("GOOGLE_APPLICATION_CREDENTIALS: %w", err)
	}
	var k googleKey
	if json.Unmarshal(data, &k) != nil || k.Type != "service_account" || k.ClientEmail == "" || k.PrivateKey == "" {
		return nil, errors.New("GOOGLE_APPLICATION_CREDENTIALS does not name a service account's JSON key file")
	}
	block, _ := pem.Decode([]byte(k.PrivateKey))
	if block == nil {
		return nil, errors.New("GOOGLE_APPLICATION_CREDENTIALS: the private_key is no PEM key")
	}
	if key, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		k.key, _ = key.(*rsa.PrivateKey)
	} else if key, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		k.key = key
	}
	if k.key == nil {
		return nil, errors.New("GOOGLE_APPLICATION_CREDENTIALS: the private_key is no RSA key")
	}
	return &k, nil
}

// assertion is the signed JWT (RS256) exchanged at aud for an access
// token: the service account, acting for subject when set (domain-wide
// delegation), asks for scope for an hour.
func (k *googleKey) assertion(aud, scope, subject string, now time.Time) (string, error) {
	if now.IsZero() {
		now = time.Now()
	}
	enc := base64.RawURLEncoding
	head, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": k.PrivateKeyID})
	claims := map[string]any{"iss": k.ClientEmail, "scope": scope, "aud": aud, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	if subject != "" {
		claims["sub"] = subject
	}
	body, _ := json.Marshal(claims)
	signed := enc.EncodeToString(head) + "." + enc.EncodeToString(body)
	sum := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return signed + "." + enc.EncodeToString(sig), nil
}
