package komoju

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"
	"testing"
)

const testReturnKey = "sk_test_return_0001"

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestReturnURLSeedExample(t *testing.T) {
	// The seed's example: message "/return?param1=a&param2=b", hex
	// HMAC-SHA256 with the secret key, whatever the parameter order.
	m := hmac.New(sha256.New, []byte(testReturnKey))
	m.Write([]byte("/return?param1=a&param2=b"))
	mac := hex.EncodeToString(m.Sum(nil))
	u := mustParse(t, "https://example.com/return?hmac="+mac+"&param2=b&param1=a")
	got, err := VerifyReturnURL(u, testReturnKey)
	if err != nil {
		t.Fatalf("seed example: %v", err)
	}
	if got.Get("param1") != "a" || got.Get("param2") != "b" || got.Has("hmac") {
		t.Errorf("params = %v", got)
	}
}

func TestReturnURLSignVerify(t *testing.T) {
	signed, err := SignReturnURL("https://shop.example/komoju/return?till=3", url.Values{"payment_id": {"p1"}, "status": {"captured"}}, testReturnKey)
	if err != nil {
		t.Fatal(err)
	}
	u := mustParse(t, signed)
	q := u.Query()
	if q.Get("till") != "3" || q.Get("payment_id") != "p1" || len(q.Get("hmac")) != 64 {
		t.Fatalf("signed URL %s lost parameters", signed)
	}
	params, err := VerifyReturnURL(u, testReturnKey)
	if err != nil {
		t.Fatalf("round trip: %v", err)
	}
	if params.Get("status") != "captured" || params.Get("till") != "3" || params.Has("hmac") {
		t.Errorf("params = %v", params)
	}
	// The message is exactly path?sorted-query, as documented.
	m := hmac.New(sha256.New, []byte(testReturnKey))
	m.Write([]byte("/komoju/return?payment_id=p1&status=captured&till=3"))
	if q.Get("hmac") != hex.EncodeToString(m.Sum(nil)) {
		t.Errorf("hmac is not over the documented message")
	}

	mac := q.Get("hmac")
	tests := []struct {
		name string
		raw  string
		want error
	}{
		{"reordered params still verify", "http://other-host:8080/komoju/return?status=captured&hmac=" + mac + "&till=3&payment_id=p1", nil},
		{"fragment ignored", signed + "#top", nil},
		{"tampered param", strings.Replace(signed, "status=captured", "status=cancelled", 1), ErrReturnURLTampered},
		{"added param", signed + "&extra=1", ErrReturnURLTampered},
		{"removed param", strings.Replace(signed, "till=3", "", 1), ErrReturnURLTampered},
		{"tampered path", strings.Replace(signed, "/komoju/return", "/komoju/other", 1), ErrReturnURLTampered},
		{"tampered hmac", strings.Replace(signed, mac, flipHex(mac), 1), ErrReturnURLTampered},
		{"non-hex hmac", strings.Replace(signed, mac, "not-hex", 1), ErrReturnURLTampered},
		{"short hmac", strings.Replace(signed, mac, mac[:32], 1), ErrReturnURLTampered},
		{"missing hmac", "https://shop.example/komoju/return?payment_id=p1&status=captured&till=3", ErrReturnURLUnsigned},
	}
	for _, tc := range tests {
		_, err := VerifyReturnURL(mustParse(t, tc.raw), testReturnKey)
		if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Errorf("%s: VerifyReturnURL(%s) = %v, want %v", tc.name, tc.raw, err, tc.want)
		}
	}
	if _, err := VerifyReturnURL(u, "sk_test_other"); !errors.Is(err, ErrReturnURLTampered) {
		t.Errorf("wrong key: %v", err)
	}
	if _, err := VerifyReturnURL(u, ""); !errors.Is(err, ErrNoSecretKey) {
		t.Errorf("empty key: %v", err)
	}
	if _, err := SignReturnURL("https://x/y", nil, ""); !errors.Is(err, ErrNoSecretKey) {
		t.Errorf("sign with empty key: %v", err)
	}
	if _, err := VerifyReturnURL(nil, testReturnKey); err == nil {
		t.Error("nil URL verified")
	}
	if _, err := SignReturnURL("http://[::1", nil, testReturnKey); err == nil {
		t.Error("unparsable URL signed")
	}
}

func TestReturnURLPathOnlyMessage(t *testing.T) {
	signed, err := SignReturnURL("https://shop.example/done", nil, testReturnKey)
	if err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha256.New, []byte(testReturnKey))
	m.Write([]byte("/done"))
	want := "https://shop.example/done?hmac=" + hex.EncodeToString(m.Sum(nil))
	if signed != want {
		t.Errorf("signed = %s, want %s (message is the path alone)", signed, want)
	}
	if _, err := VerifyReturnURL(mustParse(t, signed), testReturnKey); err != nil {
		t.Error(err)
	}
	// A stale hmac in the input is replaced, not kept beside the new one.
	resigned, err := SignReturnURL(signed, url.Values{"a": {"1"}}, testReturnKey)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(resigned, "hmac="); n != 1 {
		t.Errorf("re-signed URL has %d hmac params: %s", n, resigned)
	}
}

func flipHex(s string) string {
	b := []byte(s)
	if b[0] == '0' {
		b[0] = '1'
	} else {
		b[0] = '0'
	}
	return string(b)
}
