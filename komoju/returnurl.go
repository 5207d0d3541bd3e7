package komoju

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
)

// Return URL verification errors.
var (
	ErrReturnURLUnsigned = errors.New("komoju: return URL has no hmac parameter")
	ErrReturnURLTampered = errors.New("komoju: return URL hmac does not match (tampered or wrong key)")
	// ErrNoSecretKey is returned when signing or verifying without a key: an
	// empty key would let anyone forge a valid hmac.
	ErrNoSecretKey = errors.New("komoju: no secret key to sign or verify the return URL with")
)

// returnURLMessage is the exact message that is signed for a return URL, as
// the seed's "Notes on return_url" describe:
//
//	message = path + "?" + query
//
// where query is every parameter except hmac, sorted by key and encoded as
// url.Values.Encode writes them (key=value pairs joined by "&", values of a
// repeated key in their original order). With no parameter left the message
// is the path alone. Scheme, host and fragment are not part of it.
func returnURLMessage(u *url.URL) string {
	q := u.Query()
	q.Del("hmac")
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

func returnURLMAC(u *url.URL, secretKey string) string {
	m := hmac.New(sha256.New, []byte(secretKey))
	m.Write([]byte(returnURLMessage(u)))
	return hex.EncodeToString(m.Sum(nil))
}

// SignReturnURL adds params to rawURL, then an hmac parameter signed with
// the merchant's secret key. Existing query parameters are kept.
func SignReturnURL(rawURL string, params url.Values, secretKey string) (string, error) {
	if secretKey == "" {
		return "", ErrNoSecretKey
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("komoju: return URL %q: %w", rawURL, err)
	}
	q := u.Query()
	q.Del("hmac")
	for k, vs := range params {
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	u.RawQuery = q.Encode()
	q.Set("hmac", returnURLMAC(u, secretKey))
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// VerifyReturnURL checks the hmac parameter of a URL KOMOJU redirected the
// customer to, in constant time, and returns the remaining parameters.
func VerifyReturnURL(u *url.URL, secretKey string) (url.Values, error) {
	if secretKey == "" {
		return nil, ErrNoSecretKey
	}
	if u == nil {
		return nil, ErrReturnURLUnsigned
	}
	q := u.Query()
	got := q.Get("hmac")
	if got == "" {
		return nil, ErrReturnURLUnsigned
	}
	gotBytes, err := hex.DecodeString(got)
	if err != nil {
		return nil, ErrReturnURLTampered
	}
	want, _ := hex.DecodeString(returnURLMAC(u, secretKey))
	if !hmac.Equal(gotBytes, want) {
		return nil, ErrReturnURLTampered
	}
	q.Del("hmac")
	return q, nil
}
