package komoju

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestPaymentDetailsVariants(t *testing.T) {
	tests := []struct {
		in    string
		check func(d *PaymentDetails) bool
	}{
		{`{"type":"credit_card","brand":"visa","last_four_digits":"1111","month":"02","year":29,"redirect_url":"https://x/3ds"}`,
			func(d *PaymentDetails) bool {
				return d.CreditCard != nil && d.CreditCard.Month == 2 && d.CreditCard.Year == 29 && d.RedirectURL() == "https://x/3ds"
			}},
		{`{"type":"konbini","store":"seven-eleven","confirmation_code":null,"receipt":"R1","instructions_url":"https://i"}`,
			func(d *PaymentDetails) bool {
				return d.Konbini != nil && d.Konbini.ConfirmationCode == nil && d.InstructionsURL() == "https://i"
			}},
		{`{"type":"bank_transfer","bank_name":"Mizuho","account_number":"1234567","instructions_url":"https://b"}`,
			func(d *PaymentDetails) bool { return d.BankTransfer != nil && d.InstructionsURL() == "https://b" }},
		{`{"type":"pay_easy","bank_id":"58191","instructions_url":"https://pe","payment_url":"https://pay"}`,
			func(d *PaymentDetails) bool { return d.PayEasy != nil && d.PayEasy.PaymentURL == "https://pay" }},
		{`{"type":"paypay","redirect_url":"https://paypay/x","external_payment_id":"e1"}`,
			func(d *PaymentDetails) bool { return d.Offsite != nil && d.RedirectURL() == "https://paypay/x" }},
		{`{"type":"merpay","redirect_url":"https://m","transaction_key":"tk"}`,
			func(d *PaymentDetails) bool { return d.Offsite != nil && d.Offsite.TransactionKey == "tk" }},
		{`{"type":"web_money","prepaid_cards":[{"last_four_digits":"1111","points":2000}]}`,
			func(d *PaymentDetails) bool {
				return d.CreditCard == nil && d.Konbini == nil && d.Offsite == nil && d.Type == "web_money" && d.RedirectURL() == ""
			}},
		{`"tok_abc"`, func(d *PaymentDetails) bool { return d.Type == "" && string(d.Raw) == `"tok_abc"` }},
	}
	for _, tc := range tests {
		var d PaymentDetails
		if err := json.Unmarshal([]byte(tc.in), &d); err != nil {
			t.Errorf("Unmarshal(%s): %v", tc.in, err)
			continue
		}
		if !tc.check(&d) {
			t.Errorf("Unmarshal(%s) = %+v", tc.in, d)
		}
		out, err := json.Marshal(d)
		if err != nil {
			t.Errorf("Marshal(%s): %v", tc.in, err)
			continue
		}
		// Every field of the input survives (FlexInt strings become numbers).
		var want, got any
		json.Unmarshal([]byte(strings.NewReplacer(`"02"`, `2`).Replace(tc.in)), &want)
		json.Unmarshal(out, &got)
		if !jsonSame(want, got) {
			t.Errorf("round trip of %s gave %s", tc.in, out)
		}
	}
	for _, bad := range []string{`{"type":"credit_card","month":"xx"}`, `{"type":"konbini","store":5}`, `[1]`, `{"type":7}`} {
		var d PaymentDetails
		if err := json.Unmarshal([]byte(bad), &d); err == nil {
			t.Errorf("Unmarshal(%s) accepted", bad)
		}
	}
}

func TestPaymentDetailsEditAndKeepUnknownFields(t *testing.T) {
	var d PaymentDetails
	if err := json.Unmarshal([]byte(`{"type":"konbini","store":"lawson","instructions_url":"https://i","barcode_url":"https://bc"}`), &d); err != nil {
		t.Fatal(err)
	}
	d.Konbini.Store = StoreFamilyMart
	out, _ := json.Marshal(d)
	if !strings.Contains(string(out), `"store":"family-mart"`) || !strings.Contains(string(out), `"barcode_url":"https://bc"`) {
		t.Errorf("re-encoded = %s; want the edit and the unknown field", out)
	}
	built := PaymentDetails{Type: TypeCreditCard, CreditCard: &CreditCardDetails{Brand: "jcb", LastFourDigits: "0000"}}
	out, _ = json.Marshal(built)
	// email is required in KOMOJU's response models, so a value built in code
	// (what the sandbox sends) always carries it.
	if string(out) != `{"type":"credit_card","email":"","brand":"jcb","last_four_digits":"0000"}` {
		t.Errorf("built in code = %s", out)
	}
	out, _ = json.Marshal(PaymentDetails{Type: TypePayPay})
	if string(out) != `{"type":"paypay"}` {
		t.Errorf("bare type = %s", out)
	}
}

func TestRefundRequestAcceptsNumbers(t *testing.T) {
	var p Payment
	in := `{"id":"p","refund_requests":[{"id":"rr1","payment":"p","customer_name":"ﾀﾛｳ","bank_name":"B","bank_code":"0001",
	  "branch_name":"X","branch_number":123,"account_number":1234567,"description":null,"status":"pending","created_at":"2026-01-01T00:00:00Z"},
	  {"id":"rr2","bank_code":null,"branch_number":"001","account_number":"0123456","status":"weird"}]}`
	if err := json.Unmarshal([]byte(in), &p); err != nil {
		t.Fatal(err)
	}
	r := p.RefundRequests
	if r[0].AccountNumber != "1234567" || r[0].BranchNumber != "123" || r[0].BankCode == nil || *r[0].BankCode != "0001" ||
		r[0].Status != RefundRequestPending || r[0].CustomerName != "ﾀﾛｳ" || r[0].CreatedAt.IsZero() {
		t.Errorf("rr1 = %+v", r[0])
	}
	if r[1].AccountNumber != "0123456" || r[1].BranchNumber != "001" || r[1].BankCode != nil || r[1].Status != "weird" {
		t.Errorf("rr2 = %+v", r[1])
	}
	if err := json.Unmarshal([]byte(`{"account_number":true}`), &RefundRequest{}); err == nil {
		t.Error("boolean account number accepted")
	}
}

func TestFlexInt(t *testing.T) {
	for in, want := range map[string]FlexInt{`12`: 12, `"02"`: 2, `null`: 0, `""`: 0} {
		var n FlexInt
		if err := json.Unmarshal([]byte(in), &n); err != nil || n != want {
			t.Errorf("FlexInt(%s) = %d, %v", in, n, err)
		}
	}
	var n FlexInt
	if err := json.Unmarshal([]byte(`"ab"`), &n); err == nil {
		t.Error(`FlexInt("ab") accepted`)
	}
}

func TestPaymentTypeAndStatusHelpers(t *testing.T) {
	if !TypePayPay.IsOffsite() || TypeKonbini.IsOffsite() || !TypeKonbini.IsAsync() || TypeCreditCard.IsAsync() {
		t.Error("IsOffsite/IsAsync wrong")
	}
	for s, final := range map[PaymentStatus]bool{PaymentPending: false, PaymentAuthorized: false, PaymentCaptured: false,
		PaymentRefunded: true, PaymentCancelled: true, PaymentExpired: true, PaymentFailed: true, "brand_new": false} {
		if s.Final() != final {
			t.Errorf("%s.Final() = %v", s, s.Final())
		}
	}
}

func jsonSame(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
