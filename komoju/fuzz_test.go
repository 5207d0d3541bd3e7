package komoju

import (
	"bytes"
	"encoding/json"
	"net/url"
	"reflect"
	"testing"
)

// FuzzParseAmount: no panic; an accepted amount is in (0, MaxAmount] and
// survives Format → ParseAmount and FormatPlain → ParseAmount.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"10.5", "1,000", "¥1,000", "￥1,000円", "-5", "0", "10.555", "1.5", "1,00", "abc",
		"99999999999999999999", "$0.05", ".5", "5.", "1,234,567.89", "CHF 1", "+1", " 7 ", "1e3", "٣", "\xff"} {
		for _, c := range []string{"JPY", "USD", "KRW", "CHF", "TWD"} {
			f.Add(s, c)
		}
	}
	f.Fuzz(func(t *testing.T, in, cur string) {
		got, err := ParseAmount(in, cur)
		if err != nil {
			if got != 0 {
				t.Fatalf("ParseAmount(%q) returned %d with error %v", in, got, err)
			}
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if got <= 0 || got > MaxAmount {
			t.Fatalf("ParseAmount(%q, %q) = %d, outside (0, MaxAmount]", in, cur, got)
		}
		c, _ := LookupCurrency(cur)
		for _, s := range []string{c.Format(got), c.FormatPlain(got)} {
			back, err := ParseAmount(s, cur)
			if err != nil || back != got {
				t.Fatalf("ParseAmount(%q) = %d; re-parse of %q = %d, %v", in, got, s, back, err)
			}
		}
	})
}

// FuzzVerifyWebhook: no panic; a body verifies with its own signature and
// secret, and any change to the body makes it fail.
func FuzzVerifyWebhook(f *testing.F) {
	f.Add([]byte(refundedEventJSON), "whsec_x", knownWebhookSig, 3)
	f.Add([]byte(`{"id":"e"}`), "secret", knownWebhookSig, 0)
	f.Add([]byte{}, "k", "zz", 1)
	f.Add([]byte("\x00\xff"), "", "", 7)
	f.Fuzz(func(t *testing.T, body []byte, secret, header string, pos int) {
		_ = VerifyWebhook(body, header, secret) // arbitrary header: must not panic
		if secret == "" {
			if VerifyWebhook(body, SignWebhook(body, secret), secret) == nil {
				t.Fatal("verified without a secret")
			}
			return
		}
		sig := SignWebhook(body, secret)
		if err := VerifyWebhook(body, sig, secret); err != nil {
			t.Fatalf("verify(sign(body)) = %v", err)
		}
		mutated := append([]byte(nil), body...)
		if len(mutated) == 0 {
			mutated = []byte{0}
		} else {
			i := pos % len(mutated)
			if i < 0 {
				i = -i
			}
			mutated[i] ^= 0x01
		}
		if VerifyWebhook(mutated, sig, secret) == nil {
			t.Fatalf("mutated body %q verified", mutated)
		}
		if header != sig && !bytes.EqualFold([]byte(header), []byte(sig)) && VerifyWebhook(body, header, secret) == nil {
			t.Fatalf("foreign signature %q verified", header)
		}
	})
}

// FuzzVerifyReturnURL: no panic; SignReturnURL output verifies and gives back
// the parameters; changing a value breaks it.
func FuzzVerifyReturnURL(f *testing.F) {
	f.Add("https://shop.example/return?till=3", "payment_id", "p1", "sk_test")
	f.Add("/relative", "a b", "c&d=e", "k")
	f.Add("https://x/%zz", "k", "", "k")
	f.Add("https://x/y?hmac=00", "hmac", "1", "key")
	f.Fuzz(func(t *testing.T, raw, key, val, secret string) {
		if u, err := url.Parse(raw); err == nil {
			_, _ = VerifyReturnURL(u, secret) // arbitrary input: must not panic
		}
		if secret == "" || key == "" || key == "hmac" {
			return
		}
		signed, err := SignReturnURL(raw, url.Values{key: {val}}, secret)
		if err != nil {
			return
		}
		u, err := url.Parse(signed)
		if err != nil {
			t.Fatalf("signed URL %q does not parse: %v", signed, err)
		}
		params, err := VerifyReturnURL(u, secret)
		if err != nil {
			t.Fatalf("verify(sign(%q)) = %v (signed %q)", raw, err, signed)
		}
		vals := params[key]
		if len(vals) == 0 || vals[len(vals)-1] != val {
			t.Fatalf("param %q = %q, want %q last", key, vals, val)
		}
		q := u.Query()
		q.Set(key, val+"x")
		u.RawQuery = q.Encode()
		if _, err := VerifyReturnURL(u, secret); err == nil {
			t.Fatalf("tampered %q verified", u)
		}
	})
}

// FuzzPaymentDetailsJSON: no panic; whatever decodes re-encodes to JSON that
// decodes to the same value and re-encodes to the same bytes.
func FuzzPaymentDetailsJSON(f *testing.F) {
	for _, s := range []string{
		`{"type":"konbini","email":"gordon@example.com","store":"lawson","confirmation_code":"1111","receipt":"12345","instructions_url":"https://komoju.com/en/instructions/x"}`,
		`{"type":"credit_card","brand":"master","last_four_digits":"3795","month":9,"year":"2024"}`,
		`{"type":"bank_transfer","bank_name":"B","extra":[1,2]}`,
		`{"type":"pay_easy","cvs_code":"c"}`,
		`{"type":"paypay","redirect_url":"https://r"}`,
		`{"type":"pix","qr":"x"}`,
		`"tok_abc"`, `null`, `{}`, `{"type":"konbini","Store":"a","store":"b"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var d1 PaymentDetails
		if json.Unmarshal(in, &d1) != nil {
			return
		}
		out1, err := json.Marshal(d1)
		if err != nil {
			return // Raw that is not re-encodable JSON (e.g. invalid UTF-8 kept verbatim)
		}
		var d2 PaymentDetails
		if err := json.Unmarshal(out1, &d2); err != nil {
			t.Fatalf("re-decode of %s: %v", out1, err)
		}
		if d1.Type != d2.Type || !reflect.DeepEqual(d1.CreditCard, d2.CreditCard) || !reflect.DeepEqual(d1.Konbini, d2.Konbini) ||
			!reflect.DeepEqual(d1.BankTransfer, d2.BankTransfer) || !reflect.DeepEqual(d1.PayEasy, d2.PayEasy) ||
			!reflect.DeepEqual(d1.Offsite, d2.Offsite) {
			t.Fatalf("round trip changed the value:\n in  %s\n out %s\n %+v\n %+v", in, out1, d1, d2)
		}
		out2, err := json.Marshal(d2)
		if err != nil || !bytes.Equal(out1, out2) {
			t.Fatalf("second encode differs: %s vs %s (%v)", out1, out2, err)
		}
	})
}
