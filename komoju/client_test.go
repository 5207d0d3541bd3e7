package komoju

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testSK     = "sk_test_client_0001"
	testPK     = "pk_test_client_0001"
	testPrefix = "/api/v1"
)

// konbiniPaymentJSON is komoju-api.md §3.7's konbini "Show" example.
const konbiniPaymentJSON = `{"id":"dy9e1bjo86xc7d6362gkb7jkx","resource":"payment","status":"pending","amount":300,"tax":30,
 "customer":null,"payment_deadline":"2018-10-18T14:59:59Z",
 "payment_details":{"type":"konbini","email":"gordon@example.com","store":"lawson",
   "confirmation_code":"1111","receipt":"12345",
   "instructions_url":"https://komoju.com/en/instructions/dy9e1bjo86xc7d6362gkb7jkx"},
 "payment_method_fee":0,"total":330,"currency":"JPY","description":null,"captured_at":null,
 "external_order_num":"ORDER4","metadata":{},"created_at":"2018-10-15T03:13:55Z",
 "amount_refunded":0,"locale":"en","refunds":[],"refund_requests":[]}`

// refundedEventJSON is komoju-api.md §3.7's refunded webhook body, with ids filled in.
const refundedEventJSON = `{"id":"evt0000000000000000000001","type":"payment.refunded","resource":"event","created_at":"2023-08-28T02:13:48Z","reason":null,
 "data":{"id":"pay000000000000000000001","resource":"payment","status":"refunded","amount":1200,"tax":0,"total":1200,
   "currency":"EUR","payment_details":{"type":"credit_card","email":"buyer@example.com","brand":"master",
   "last_four_digits":"3795","month":9,"year":2024},"payment_method_fee":0,
   "captured_at":"2023-02-17T11:57:05Z","amount_refunded":1200,"session":"ses000000000000000000001","locale":"ja",
   "customer_family_name":null,"customer_given_name":null,"mcc":null,"statement_descriptor":null,
   "refunds":[{"id":"ref000000000000000000001","resource":"refund","amount":1200,"currency":"EUR","payment":"pay000000000000000000001",
     "description":"Bulk Chargeback 2023-08-28","created_at":"2023-08-28T02:13:46Z","chargeback":true}],
   "refund_requests":[]}}`

const sessionJSON = `{"id":"ses000000000000000000001","resource":"session","mode":"payment","amount":1000,"currency":"JPY",
 "session_url":"https://komoju.com/sessions/ses000000000000000000001","return_url":"https://shop.example/return",
 "default_locale":"ja","payment_methods":[{"type":"credit_card","brands":["visa","master"],"offsite":false,"customer_fee":0},
 {"type":"konbini","brands":{"lawson":{},"seven-eleven":{}},"offsite":false,"customer_fee":190}],
 "created_at":"2020-12-09T18:26:59.000+09:00","cancelled_at":null,"completed_at":null,"status":"pending","expired":false,
 "metadata":{},"payment":null,"payment_data":{"capture":"manual","external_order_num":"ORD-1"}}`

// testServer is an httptest server whose API lives under testPrefix, so a
// client that drops the base URL's path fails loudly (go-github style).
type testServer struct {
	t   *testing.T
	mux *http.ServeMux
	srv *httptest.Server
}

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	ts := &testServer{t: t, mux: http.NewServeMux()}
	root := http.NewServeMux()
	root.Handle(testPrefix+"/", http.StripPrefix(testPrefix, ts.mux))
	root.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside the base URL prefix: %s %s", r.Method, r.URL.Path)
		http.Error(w, "outside prefix", http.StatusBadRequest)
	})
	ts.srv = httptest.NewServer(root)
	t.Cleanup(ts.srv.Close)
	return ts
}

// client returns a client for the server with sleeping turned off.
func (ts *testServer) client(opts ...Option) *Client {
	base := []Option{WithBaseURL(ts.srv.URL + testPrefix), WithPublishableKey(testPK),
		WithBackoff(func(int) time.Duration { return 0 })}
	return NewClient(testSK, append(base, opts...)...)
}

func basicUser(t *testing.T, r *http.Request) string {
	t.Helper()
	h := r.Header.Get("Authorization")
	if !strings.HasPrefix(h, "Basic ") {
		t.Errorf("Authorization = %q, want Basic auth", h)
		return ""
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(h, "Basic "))
	if err != nil {
		t.Errorf("Authorization not base64: %v", err)
		return ""
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok || pass != "" {
		t.Errorf("Basic auth = %q, want key as user and an empty password", raw)
	}
	return user
}

// recorded is what a handler saw of one request.
type recorded struct {
	method, path, query, auth, version, idem, scenario, ctype, accept, ua string
	body                                                                  []byte
}

func record(t *testing.T, r *http.Request) recorded {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Errorf("reading request body: %v", err)
	}
	return recorded{
		method: r.Method, path: r.URL.Path, query: r.URL.RawQuery, auth: basicUser(t, r),
		version: r.Header.Get("X-KOMOJU-API-VERSION"), idem: r.Header.Get("X-KOMOJU-IDEMPOTENCY"),
		scenario: r.Header.Get("Komoju-Scenario"), ctype: r.Header.Get("Content-Type"),
		accept: r.Header.Get("Accept"), ua: r.Header.Get("User-Agent"), body: b,
	}
}

// jsonEqual compares two JSON documents semantically.
func jsonEqual(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("request body %q is not JSON: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want JSON %q: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("request body = %s, want %s", got, want)
	}
}

func TestEveryMethodSendsTheRightRequest(t *testing.T) {
	capFalse := false
	desc := "new description"
	start := time.Date(2026, 11, 1, 9, 0, 0, 0, time.FixedZone("JST", 9*3600))
	end := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	card := &PaymentDetailsParams{Type: TypeCreditCard, Number: "4111111111111111", Month: "12", Year: "99", VerificationValue: "123"}

	tests := []struct {
		name       string
		call       func(ctx context.Context, c *Client) (any, error)
		method     string
		path       string
		query      string // exact encoded query
		body       string // JSON, "" for no body
		auth       string
		scenario   string
		idemKey    string // expected exact key; "" means any fresh UUID (POST)
		respStatus int
		resp       string
		check      func(t *testing.T, got any)
	}{
		{
			name: "Sessions.Create",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Sessions.Create(ctx, &SessionCreateParams{Amount: 1000, Currency: "JPY", ReturnURL: "https://shop.example/return",
					PaymentData: &SessionPaymentData{Capture: CaptureManual, ExternalOrderNum: "ORD-1"}, PaymentTypes: []PaymentType{TypeCreditCard, TypeKonbini}})
			},
			method: "POST", path: "/sessions", auth: testSK,
			body: `{"amount":1000,"currency":"JPY","return_url":"https://shop.example/return","payment_data":{"capture":"manual","external_order_num":"ORD-1"},"payment_types":["credit_card","konbini"]}`,
			resp: sessionJSON,
			check: func(t *testing.T, got any) {
				s := got.(*Session)
				if s.ID != "ses000000000000000000001" || s.Status != SessionPending || s.PaymentData.Capture != CaptureManual {
					t.Errorf("session = %+v", s)
				}
				if got := s.PaymentMethods[1].StoreSlugs(); !reflect.DeepEqual(got, []string{StoreSevenEleven, StoreLawson}) {
					t.Errorf("konbini stores = %v", got)
				}
				if got := s.PaymentMethods[0].CardBrands(); !reflect.DeepEqual(got, []string{"visa", "master"}) {
					t.Errorf("card brands = %v", got)
				}
				if s.CreatedAt.UTC() != time.Date(2020, 12, 9, 9, 26, 59, 0, time.UTC) {
					t.Errorf("created_at = %v", s.CreatedAt)
				}
			},
		},
		{
			name: "Sessions.Get with publishable key",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Sessions.Get(ctx, "ses000000000000000000001", WithPublishable())
			},
			method: "GET", path: "/sessions/ses000000000000000000001", auth: testPK, resp: sessionJSON,
			check: func(t *testing.T, got any) {
				if s := got.(*Session); s.SessionURL != "https://komoju.com/sessions/ses000000000000000000001" {
					t.Errorf("session_url = %q", s.SessionURL)
				}
			},
		},
		{
			name: "Sessions.Pay with card, publishable key",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Sessions.Pay(ctx, "ses000000000000000000001", &SessionPayParams{PaymentDetails: card}, WithPublishable(), WithIdempotencyKey("pay-key-1"))
			},
			method: "POST", path: "/sessions/ses000000000000000000001/pay", auth: testPK, idemKey: "pay-key-1",
			body: `{"payment_details":{"type":"credit_card","number":"4111111111111111","month":"12","year":"99","verification_value":"123"}}`,
			resp: `{"status":"pending","redirect_url":"https://komoju.com/3ds/abc","payment":` + konbiniPaymentJSON + `}`,
			check: func(t *testing.T, got any) {
				r := got.(*SessionPayResult)
				if r.Status != PayPending || r.RedirectURL == nil || *r.RedirectURL != "https://komoju.com/3ds/abc" || r.Payment.ID != "dy9e1bjo86xc7d6362gkb7jkx" {
					t.Errorf("pay result = %+v", r)
				}
			},
		},
		{
			name: "Sessions.Pay with token",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Sessions.Pay(ctx, "ses1", &SessionPayParams{Token: "tok_abc", Capture: CaptureManual})
			},
			method: "POST", path: "/sessions/ses1/pay", auth: testSK,
			body: `{"payment_details":"tok_abc","capture":"manual"}`,
			resp: `{"status":"completed","redirect_url":null,"payment":null}`,
			check: func(t *testing.T, got any) {
				if r := got.(*SessionPayResult); r.Status != PayCompleted || r.RedirectURL != nil {
					t.Errorf("pay result = %+v", r)
				}
			},
		},
		{
			name:   "Sessions.Cancel",
			call:   func(ctx context.Context, c *Client) (any, error) { return c.Sessions.Cancel(ctx, "ses1") },
			method: "POST", path: "/sessions/ses1/cancel", auth: testSK,
			resp: strings.Replace(sessionJSON, `"status":"pending"`, `"status":"cancelled"`, 1),
			check: func(t *testing.T, got any) {
				if s := got.(*Session); s.Status != SessionCancelled {
					t.Errorf("status = %q", s.Status)
				}
			},
		},
		{
			name: "Payments.Create with scenario and caller key",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Payments.Create(ctx, &PaymentCreateParams{Amount: 300, Currency: "JPY", ExternalOrderNum: "ORDER4", Capture: &capFalse,
					PaymentDetails: &PaymentDetailsParams{Type: TypeKonbini, Store: StoreLawson, Email: "gordon@example.com"}},
					WithIdempotencyKey("order-4-attempt-1"), WithScenario("insufficient_funds"))
			},
			method: "POST", path: "/payments", auth: testSK, idemKey: "order-4-attempt-1", scenario: "insufficient_funds",
			body: `{"amount":300,"currency":"JPY","capture":false,"tax":0,"external_order_num":"ORDER4","payment_details":{"type":"konbini","store":"lawson","email":"gordon@example.com"}}`,
			resp: konbiniPaymentJSON,
			check: func(t *testing.T, got any) {
				if p := got.(*Payment); p.ID != "dy9e1bjo86xc7d6362gkb7jkx" {
					t.Errorf("payment id = %q", p.ID)
				}
			},
		},
		{
			name: "Payments.Create with token",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Payments.Create(ctx, &PaymentCreateParams{Amount: 1050, Currency: "USD", Token: "tok_xyz"})
			},
			method: "POST", path: "/payments", auth: testSK,
			body: `{"amount":1050,"currency":"USD","tax":0,"payment_details":"tok_xyz"}`,
			resp: konbiniPaymentJSON,
		},
		{
			name: "Payments.Get",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Payments.Get(ctx, "dy9e1bjo86xc7d6362gkb7jkx")
			},
			method: "GET", path: "/payments/dy9e1bjo86xc7d6362gkb7jkx", auth: testSK, resp: konbiniPaymentJSON,
			check: func(t *testing.T, got any) { checkKonbiniPayment(t, got.(*Payment)) },
		},
		{
			name: "Payments.Get escapes the id",
			call: func(ctx context.Context, c *Client) (any, error) { return c.Payments.Get(ctx, "a/b?c") },
			// the mux sees the unescaped path; what matters is that it stays under /payments/
			method: "GET", path: "/payments/a/b?c", auth: testSK, resp: konbiniPaymentJSON,
		},
		{
			name: "Payments.List with every filter",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Payments.List(ctx, &PaymentListParams{Page: 2, PerPage: 50, Status: []PaymentStatus{PaymentCaptured, PaymentAuthorized},
					ExternalOrderNum: "ORDER4", Currency: "JPY", StartTime: start, EndTime: end})
			},
			method: "GET", path: "/payments", auth: testSK,
			query: "currency=JPY&end_time=2026-11-02T00%3A00%3A00Z&external_order_num=ORDER4&page=2&per_page=50&start_time=2026-11-01T00%3A00%3A00Z&status=captured%2Cauthorized",
			resp:  `{"resource":"list","total":11,"page":2,"per_page":10,"last_page":2,"data":[` + konbiniPaymentJSON + `]}`,
			check: func(t *testing.T, got any) {
				l := got.(*List[Payment])
				if l.Total != 11 || l.Page != 2 || l.LastPage != 2 || len(l.Data) != 1 {
					t.Fatalf("list = %+v", l)
				}
				checkKonbiniPayment(t, &l.Data[0])
			},
		},
		{
			name:   "Payments.List nil params",
			call:   func(ctx context.Context, c *Client) (any, error) { return c.Payments.List(ctx, nil) },
			method: "GET", path: "/payments", auth: testSK,
			resp: `{"resource":"list","total":0,"page":1,"per_page":10,"last_page":0,"data":[]}`,
			check: func(t *testing.T, got any) {
				if l := got.(*List[Payment]); l.Total != 0 || len(l.Data) != 0 || l.PerPage != 10 {
					t.Errorf("list = %+v", l)
				}
			},
		},
		{
			name: "Payments.Update",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Payments.Update(ctx, "pay1", &PaymentUpdateParams{Description: &desc, Metadata: map[string]string{"till": "3"}})
			},
			method: "PATCH", path: "/payments/pay1", auth: testSK,
			body: `{"description":"new description","metadata":{"till":"3"}}`, resp: konbiniPaymentJSON,
		},
		{
			name:   "Payments.Capture full (nil params, no body)",
			call:   func(ctx context.Context, c *Client) (any, error) { return c.Payments.Capture(ctx, "pay1", nil) },
			method: "POST", path: "/payments/pay1/capture", auth: testSK,
			resp: strings.Replace(konbiniPaymentJSON, `"status":"pending"`, `"status":"captured"`, 1),
			check: func(t *testing.T, got any) {
				if p := got.(*Payment); p.Status != PaymentCaptured {
					t.Errorf("status = %q", p.Status)
				}
			},
		},
		{
			name: "Payments.Capture partial",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Payments.Capture(ctx, "pay1", &CaptureParams{Amount: 500})
			},
			method: "POST", path: "/payments/pay1/capture", auth: testSK, body: `{"amount":500}`, resp: konbiniPaymentJSON,
		},
		{
			name:   "Payments.Cancel",
			call:   func(ctx context.Context, c *Client) (any, error) { return c.Payments.Cancel(ctx, "pay1") },
			method: "POST", path: "/payments/pay1/cancel", auth: testSK, resp: konbiniPaymentJSON,
		},
		{
			name:   "Payments.Refund full",
			call:   func(ctx context.Context, c *Client) (any, error) { return c.Payments.Refund(ctx, "pay1", nil) },
			method: "POST", path: "/payments/pay1/refund", auth: testSK, resp: konbiniPaymentJSON,
		},
		{
			name: "Payments.Refund partial with description",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Payments.Refund(ctx, "pay1", &RefundParams{Amount: 200, Description: "returned item"})
			},
			method: "POST", path: "/payments/pay1/refund", auth: testSK, body: `{"amount":200,"description":"returned item"}`,
			resp: mustEventData(t),
			check: func(t *testing.T, got any) {
				p := got.(*Payment)
				if p.Status != PaymentRefunded || len(p.Refunds) != 1 || p.Refunds[0].Amount != 1200 || !p.Refunds[0].Chargeback {
					t.Errorf("refund answer = %+v", p)
				}
			},
		},
		{
			name: "Payments.RefundRequest (empty answer)",
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.Payments.RefundRequest(ctx, "pay1", &RefundRequestParams{Amount: 330, CustomerName: "ﾔﾏﾀﾞ ﾀﾛｳ", BankName: "Mizuho",
					BranchNumber: "001", AccountType: "normal", AccountNumber: "0123456", IncludePaymentMethodFee: true})
			},
			method: "POST", path: "/payments/pay1/refund_request", auth: testSK,
			body: `{"amount":330,"customer_name":"ﾔﾏﾀﾞ ﾀﾛｳ","bank_name":"Mizuho","branch_number":"001","account_type":"normal","account_number":"0123456","include_payment_method_fee":true}`,
			resp: "",
		},
		{
			name: "Events.List",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Events.List(ctx, &EventListParams{Page: 1, PerPage: 25, StartTime: start, EndTime: end})
			},
			method: "GET", path: "/events", auth: testSK,
			query: "end_time=2026-11-02T00%3A00%3A00Z&page=1&per_page=25&start_time=2026-11-01T00%3A00%3A00Z",
			resp:  `{"resource":"list","total":1,"page":1,"per_page":25,"last_page":1,"data":[` + refundedEventJSON + `]}`,
			check: func(t *testing.T, got any) {
				l := got.(*List[Event])
				if len(l.Data) != 1 {
					t.Fatalf("events = %+v", l)
				}
				checkRefundedEvent(t, &l.Data[0])
			},
		},
		{
			name: "Events.Get",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Events.Get(ctx, "evt0000000000000000000001")
			},
			method: "GET", path: "/events/evt0000000000000000000001", auth: testSK, resp: refundedEventJSON,
			check: func(t *testing.T, got any) { checkRefundedEvent(t, got.(*Event)) },
		},
		{
			name: "SecureTokens.Create",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.SecureTokens.Create(ctx, &SecureTokenCreateParams{Amount: 1000, Currency: "JPY", ReturnURL: "https://shop.example/3ds",
					PaymentDetails: &PaymentDetailsParams{Type: TypeCreditCard, Number: "4100000000005000", Month: "12", Year: "30"}})
			},
			method: "POST", path: "/secure_tokens", auth: testSK,
			body: `{"amount":1000,"currency":"JPY","return_url":"https://shop.example/3ds","payment_details":{"type":"credit_card","number":"4100000000005000","month":"12","year":"30"}}`,
			// The guide's example answer names the id "secure_token".
			resp: `{"secure_token":"tok_1234567890abcdefghijklmnop","verification_status":"NEEDS_VERIFY","authentication_url":"https://komoju.com/three_d_secure_service/offsite?token=tok_1234567890abcdefghijklmnop"}`,
			check: func(t *testing.T, got any) {
				st := got.(*SecureToken)
				if st.ID != "tok_1234567890abcdefghijklmnop" || st.VerificationStatus != SecureTokenNeedsVerify || st.VerificationStatus.Payable() || st.AuthenticationURL == "" {
					t.Errorf("secure token = %+v", st)
				}
			},
		},
		{
			name: "SecureTokens.Get",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.SecureTokens.Get(ctx, "tok_abc")
			},
			method: "GET", path: "/secure_tokens/tok_abc", auth: testSK,
			resp: `{"id":"tok_abc","created_at":"2026-01-15T03:00:00Z","verification_status":"OK","authentication_url":"https://komoju.com/x"}`,
			check: func(t *testing.T, got any) {
				if st := got.(*SecureToken); st.ID != "tok_abc" || !st.VerificationStatus.Payable() || !st.VerificationStatus.Final() {
					t.Errorf("secure token = %+v", st)
				}
			},
		},
		{
			name: "PaymentMethods.List",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.PaymentMethods.List(ctx, WithPublishable())
			},
			method: "GET", path: "/payment_methods", auth: testPK,
			resp: `[{"type_slug":"credit_card","name_en":"Credit Card","name_ja":"クレジットカード","name_ko":"신용카드","currency":"JPY","subtypes":["visa","jcb"],"secure_token_supported":["visa","jcb"]},
			        {"type_slug":"konbini","name_en":"Konbini","name_ja":"コンビニ","name_ko":"편의점","currency":"JPY","subtypes":["lawson"]}]`,
			check: func(t *testing.T, got any) {
				m := got.([]PaymentMethod)
				if len(m) != 2 || m[0].TypeSlug != TypeCreditCard || !m[0].SupportsSecureTokens() || m[1].SupportsSecureTokens() ||
					m[1].NameJa != "コンビニ" || m[0].NameKo != "신용카드" || len(m[0].Subtypes) != 2 {
					t.Errorf("methods = %+v", m)
				}
			},
		},
		{
			name: "Tokens.Create",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Tokens.Create(ctx, &TokenCreateParams{PaymentDetails: card, Currency: "JPY"}, WithPublishable())
			},
			method: "POST", path: "/tokens", auth: testPK,
			body: `{"payment_details":{"type":"credit_card","number":"4111111111111111","month":"12","year":"99","verification_value":"123"},"currency":"JPY"}`,
			resp: `{"id":"tok_1234567890abcdefghijklmnop","resource":"token","created_at":"2026-11-24T08:00:00Z",
			        "payment_details":{"type":"credit_card","brand":"visa","last_four_digits":"1111","month":"12","year":2099}}`,
			check: func(t *testing.T, got any) {
				tok := got.(*Token)
				cc := tok.PaymentDetails.CreditCard
				if tok.ID != "tok_1234567890abcdefghijklmnop" || cc == nil || cc.Brand != "visa" || cc.Month != 12 || cc.Year != 2099 {
					t.Errorf("token = %+v", tok)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t)
			var (
				mu   sync.Mutex
				seen []recorded
			)
			ts.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				rec := record(t, r)
				mu.Lock()
				seen = append(seen, rec)
				mu.Unlock()
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, tc.resp)
			})
			got, err := tc.call(context.Background(), ts.client())
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(seen) != 1 {
				t.Fatalf("server saw %d requests, want 1", len(seen))
			}
			r := seen[0]
			if r.method != tc.method {
				t.Errorf("method = %s, want %s", r.method, tc.method)
			}
			if wantPath, _, _ := strings.Cut(tc.path, "?"); tc.name != "Payments.Get escapes the id" && r.path != wantPath {
				t.Errorf("path = %s, want %s", r.path, wantPath)
			}
			if tc.name == "Payments.Get escapes the id" && (r.path != "/payments/a/b?c" || r.query != "") {
				t.Errorf("escaped id reached the server as path %q query %q", r.path, r.query)
			}
			if r.query != tc.query && tc.name != "Payments.Get escapes the id" {
				t.Errorf("query = %q, want %q", r.query, tc.query)
			}
			if r.auth != tc.auth {
				t.Errorf("basic auth user = %q, want %q", r.auth, tc.auth)
			}
			if r.version != DefaultAPIVersion {
				t.Errorf("X-KOMOJU-API-VERSION = %q, want %q", r.version, DefaultAPIVersion)
			}
			if r.accept != "application/json" || !strings.HasPrefix(r.ua, "komoju-tui/") {
				t.Errorf("Accept = %q, User-Agent = %q", r.accept, r.ua)
			}
			if r.scenario != tc.scenario {
				t.Errorf("Komoju-Scenario = %q, want %q", r.scenario, tc.scenario)
			}
			switch {
			case tc.method != "POST":
				if r.idem != "" {
					t.Errorf("%s carries X-KOMOJU-IDEMPOTENCY %q", tc.method, r.idem)
				}
			case tc.idemKey != "":
				if r.idem != tc.idemKey {
					t.Errorf("X-KOMOJU-IDEMPOTENCY = %q, want caller's %q", r.idem, tc.idemKey)
				}
			default:
				if len(r.idem) != 36 || strings.Count(r.idem, "-") != 4 {
					t.Errorf("X-KOMOJU-IDEMPOTENCY = %q, want a fresh UUID", r.idem)
				}
			}
			if tc.body == "" {
				if len(r.body) != 0 || r.ctype != "" {
					t.Errorf("sent body %q with Content-Type %q, want none", r.body, r.ctype)
				}
			} else {
				if r.ctype != "application/json" {
					t.Errorf("Content-Type = %q", r.ctype)
				}
				jsonEqual(t, r.body, tc.body)
			}
			if tc.check != nil {
				tc.check(t, got)
			}
		})
	}
}

func mustEventData(t *testing.T) string {
	var e Event
	if err := json.Unmarshal([]byte(refundedEventJSON), &e); err != nil {
		t.Fatal(err)
	}
	return string(e.Data)
}

func checkKonbiniPayment(t *testing.T, p *Payment) {
	t.Helper()
	if p.Status != PaymentPending || p.Amount != 300 || p.Tax != 30 || p.Total != 330 || p.Currency != "JPY" {
		t.Errorf("payment money/status = %+v", p)
	}
	if p.OrderNum() != "ORDER4" || p.Description != nil || p.CapturedAt != nil || p.RefundableAmount() != 330 {
		t.Errorf("payment fields = %+v", p)
	}
	if p.PaymentDeadline == nil || !p.PaymentDeadline.Equal(time.Date(2018, 10, 18, 14, 59, 59, 0, time.UTC)) {
		t.Errorf("payment_deadline = %v", p.PaymentDeadline)
	}
	if p.Type() != TypeKonbini || p.PaymentDetails.Konbini == nil {
		t.Fatalf("payment_details = %+v, want the konbini variant", p.PaymentDetails)
	}
	k := p.PaymentDetails.Konbini
	if k.Store != StoreLawson || k.Receipt == nil || *k.Receipt != "12345" || k.ConfirmationCode == nil || *k.ConfirmationCode != "1111" {
		t.Errorf("konbini details = %+v", k)
	}
	if got := p.PaymentDetails.InstructionsURL(); got != "https://komoju.com/en/instructions/dy9e1bjo86xc7d6362gkb7jkx" {
		t.Errorf("instructions_url = %q", got)
	}
	if p.Refunds == nil || len(p.Refunds) != 0 || p.RefundRequests == nil {
		t.Errorf("refunds = %#v, refund_requests = %#v, want empty non-nil", p.Refunds, p.RefundRequests)
	}
}

func checkRefundedEvent(t *testing.T, e *Event) {
	t.Helper()
	if e.Type != EventPaymentRefunded || e.Reason != nil {
		t.Errorf("event = %+v", e)
	}
	p, err := e.Payment()
	if err != nil {
		t.Fatalf("event payment: %v", err)
	}
	if p.Status != PaymentRefunded || p.AmountRefunded != 1200 || p.RefundableAmount() != 0 || p.SessionID() != "ses000000000000000000001" {
		t.Errorf("payment = %+v", p)
	}
	if len(p.Refunds) != 1 || p.Refunds[0].Amount != 1200 || p.Refunds[0].Currency != "EUR" || !p.Refunds[0].Chargeback {
		t.Errorf("refunds = %+v", p.Refunds)
	}
	cc := p.PaymentDetails.CreditCard
	if cc == nil || cc.Brand != "master" || cc.LastFourDigits != "3795" || cc.Month != 9 || cc.Year != 2024 {
		t.Errorf("credit card details = %+v", p.PaymentDetails)
	}
}

func TestErrorDecodingAndClassification(t *testing.T) {
	tests := []struct {
		name, body                                     string
		status                                         int
		wantCode, wantParam, wantMsgHas                string
		notFound, auth, invalid, paymentErr, retryable bool
	}{
		{name: "401", status: 401, body: `{"error":{"code":"unauthorized","message":"Authorization failed","param":null}}`,
			wantCode: CodeUnauthorized, wantMsgHas: "Authorization failed", auth: true},
		{name: "404", status: 404, body: `{"error":{"code":"not_found","message":"The requested resource could not be found"}}`,
			wantCode: CodeNotFound, wantMsgHas: "could not be found", notFound: true},
		{name: "422", status: 422, body: `{"error":{"code":"missing_parameter","message":"A required parameter (amount) is missing","param":"amount","details":{}}}`,
			wantCode: CodeMissingParameter, wantParam: "amount", wantMsgHas: "(amount) is missing", invalid: true},
		{name: "502 decline", status: 502, body: `{"error":{"code":"card_declined","message":"The card was declined","param":null,"details":{"decline_code":"do_not_honor"}}}`,
			wantCode: CodeCardDeclined, wantMsgHas: "declined", paymentErr: true},
		{name: "502 HTML from a proxy", status: 502, body: "<html><body><h1>502 Bad Gateway</h1></body></html>",
			wantCode: CodeBadGateway, wantMsgHas: "502 Bad Gateway", paymentErr: true},
		{name: "404 empty body", status: 404, body: "", wantCode: CodeNotFound, wantMsgHas: "empty body", notFound: true},
		{name: "422 truncated JSON", status: 422, body: `{"error":{"code":"invalid_param`, wantCode: CodeUnprocessableEntity,
			wantMsgHas: `{"error":{"code":"invalid_param`, invalid: true},
		{name: "403", status: 403, body: `{"error":{"message":"forbidden for publishable key"}}`, wantCode: CodeForbidden,
			wantMsgHas: "publishable", auth: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t)
			var calls atomic.Int32
			ts.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			})
			_, err := ts.client().Payments.Create(context.Background(), &PaymentCreateParams{Amount: 1, Currency: "JPY"}, WithIdempotencyKey("req-42"))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v (%T), want *Error", err, err)
			}
			if calls.Load() != 1 {
				t.Errorf("server saw %d attempts; HTTP %d must not be retried", calls.Load(), tc.status)
			}
			if e.HTTPStatus != tc.status || e.Code != tc.wantCode || e.Param != tc.wantParam || e.RequestID != "req-42" {
				t.Errorf("error = %+v, want status %d code %q param %q request id req-42", e, tc.status, tc.wantCode, tc.wantParam)
			}
			if !strings.Contains(e.Error(), tc.wantMsgHas) {
				t.Errorf("Error() = %q, want it to contain %q", e.Error(), tc.wantMsgHas)
			}
			if IsNotFound(err) != tc.notFound || IsAuth(err) != tc.auth || IsInvalidInput(err) != tc.invalid ||
				IsPaymentError(err) != tc.paymentErr || IsRetryable(err) != tc.retryable {
				t.Errorf("classification: notFound=%v auth=%v invalid=%v payment=%v retryable=%v", IsNotFound(err), IsAuth(err),
					IsInvalidInput(err), IsPaymentError(err), IsRetryable(err))
			}
			if errors.Is(err, ErrOutcomeUnknown) {
				t.Error("an answered request must not be 'outcome unknown'")
			}
		})
	}
	t.Run("decline details kept raw", func(t *testing.T) {
		e := decodeError(502, []byte(`{"error":{"code":"card_declined","message":"m","details":{"decline_code":"do_not_honor"}}}`))
		if string(e.Details) != `{"decline_code":"do_not_honor"}` {
			t.Errorf("details = %s", e.Details)
		}
	})
	t.Run("long body snippet is bounded", func(t *testing.T) {
		e := decodeError(500, bytes.Repeat([]byte("日本"), 500))
		if n := len(e.Message); n > 300 || !strings.HasSuffix(e.Message, "…") || !strings.Contains(e.Message, "日本") {
			t.Errorf("message (%d bytes) = %q", n, e.Message)
		}
	})
}

// attemptLog records every attempt a handler saw.
type attemptLog struct {
	mu     sync.Mutex
	keys   []string
	bodies []string
}

func (a *attemptLog) add(r *http.Request) int {
	b, _ := io.ReadAll(r.Body)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.keys = append(a.keys, r.Header.Get("X-KOMOJU-IDEMPOTENCY"))
	a.bodies = append(a.bodies, string(b))
	return len(a.keys)
}

func (a *attemptLog) assertSame(t *testing.T, want int) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.keys) != want {
		t.Fatalf("server saw %d attempts, want %d", len(a.keys), want)
	}
	for i := range a.keys {
		if a.keys[i] == "" || a.keys[i] != a.keys[0] {
			t.Errorf("attempt %d idempotency key %q, first was %q", i+1, a.keys[i], a.keys[0])
		}
		if a.bodies[i] != a.bodies[0] || a.bodies[i] == "" {
			t.Errorf("attempt %d body %q differs from first %q", i+1, a.bodies[i], a.bodies[0])
		}
	}
}

// dropConn closes the connection without answering, as a crashed proxy would.
func dropConn(t *testing.T, w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		t.Error("response writer cannot hijack")
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	conn.Close()
}

var cardCreate = &PaymentCreateParams{Amount: 1000, Currency: "JPY",
	PaymentDetails: &PaymentDetailsParams{Type: TypeCreditCard, Number: "4111111111111111", Month: "12", Year: "30", VerificationValue: "123"}}

func TestRetryOn500ReusesKeyAndBody(t *testing.T) {
	ts := newTestServer(t)
	var log attemptLog
	ts.mux.HandleFunc("/payments", func(w http.ResponseWriter, r *http.Request) {
		if log.add(r) < 3 {
			w.WriteHeader(500)
			io.WriteString(w, `{"error":{"code":"internal_server_error","message":"oops"}}`)
			return
		}
		io.WriteString(w, konbiniPaymentJSON)
	})
	p, err := ts.client().Payments.Create(context.Background(), cardCreate)
	if err != nil || p.ID != "dy9e1bjo86xc7d6362gkb7jkx" {
		t.Fatalf("Create = %v, %v; want success on the third attempt", p, err)
	}
	log.assertSame(t, 3)
}

func TestRetryOnDroppedConnectionReusesKeyAndBody(t *testing.T) {
	ts := newTestServer(t)
	var log attemptLog
	ts.mux.HandleFunc("/sessions/ses1/pay", func(w http.ResponseWriter, r *http.Request) {
		if log.add(r) == 1 {
			dropConn(t, w)
			return
		}
		io.WriteString(w, `{"status":"completed","redirect_url":null,"payment":`+konbiniPaymentJSON+`}`)
	})
	res, err := ts.client().Sessions.Pay(context.Background(), "ses1", &SessionPayParams{PaymentDetails: cardCreate.PaymentDetails}, WithIdempotencyKey("k-drop"))
	if err != nil || res.Status != PayCompleted {
		t.Fatalf("Pay = %+v, %v", res, err)
	}
	log.assertSame(t, 2)
	if log.keys[0] != "k-drop" {
		t.Errorf("key = %q, want the caller's", log.keys[0])
	}
}

func TestEveryAttemptDroppedIsOutcomeUnknown(t *testing.T) {
	ts := newTestServer(t)
	var log attemptLog
	ts.mux.HandleFunc("/payments", func(w http.ResponseWriter, r *http.Request) {
		log.add(r)
		dropConn(t, w)
	})
	_, err := ts.client().Payments.Create(context.Background(), cardCreate, WithIdempotencyKey("k-unknown"))
	if !errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("err = %v, want ErrOutcomeUnknown", err)
	}
	var e *Error
	if errors.As(err, &e) {
		t.Errorf("a transport failure must not look like a KOMOJU answer: %+v", e)
	}
	if !strings.Contains(err.Error(), "k-unknown") || !strings.Contains(err.Error(), "3 attempt") {
		t.Errorf("err = %q, want it to name the key and the attempts", err)
	}
	log.assertSame(t, 1+DefaultMaxRetries)
}

func TestGetTransportFailureIsNotOutcomeUnknown(t *testing.T) {
	ts := newTestServer(t)
	var n atomic.Int32
	ts.mux.HandleFunc("/payments/p1", func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		dropConn(t, w)
	})
	_, err := ts.client(WithMaxRetries(1)).Payments.Get(context.Background(), "p1")
	if err == nil || errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("err = %v, want a plain transport error", err)
	}
	if n.Load() < 2 {
		t.Errorf("GET attempts = %d, want a retry", n.Load())
	}
}

func TestUnreachableServerIsNotOutcomeUnknown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens: every attempt fails to connect
	c := NewClient(testSK, WithBaseURL("http://"+addr+testPrefix), WithBackoff(func(int) time.Duration { return 0 }))
	_, err = c.Payments.Create(context.Background(), cardCreate)
	if err == nil || errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("err = %v; a request that never connected did not happen", err)
	}
}

func TestRetriedStatuses(t *testing.T) {
	for _, status := range []int{409, 429, 500, 503, 504} {
		ts := newTestServer(t)
		var log attemptLog
		ts.mux.HandleFunc("/payments/p1/refund", func(w http.ResponseWriter, r *http.Request) {
			log.add(r)
			w.WriteHeader(status)
		})
		_, err := ts.client().Payments.Refund(context.Background(), "p1", &RefundParams{Amount: 100})
		var e *Error
		if !errors.As(err, &e) || e.HTTPStatus != status || !IsRetryable(err) {
			t.Errorf("HTTP %d: err = %v, want the last *Error, retryable", status, err)
		}
		log.assertSame(t, 3)
	}
}

func TestNotRetriedStatuses(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 422, 502} {
		ts := newTestServer(t)
		var n atomic.Int32
		ts.mux.HandleFunc("/payments", func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			w.WriteHeader(status)
		})
		_, err := ts.client().Payments.Create(context.Background(), cardCreate)
		var e *Error
		if !errors.As(err, &e) || e.HTTPStatus != status {
			t.Errorf("HTTP %d: err = %v", status, err)
		}
		if n.Load() != 1 {
			t.Errorf("HTTP %d was sent %d times, want once", status, n.Load())
		}
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	date := time.Now().Add(4 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		header  string
		atLeast time.Duration
		atMost  time.Duration
	}{
		{"3", 3 * time.Second, 3 * time.Second},
		{date, 2 * time.Second, 4 * time.Second},
		{"86400", maxRetryAfter, maxRetryAfter}, // capped
		{"garbage", 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.header, func(t *testing.T) {
			ts := newTestServer(t)
			var n atomic.Int32
			ts.mux.HandleFunc("/payments/p1", func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) == 1 {
					w.Header().Set("Retry-After", tc.header)
					w.WriteHeader(503)
					return
				}
				io.WriteString(w, konbiniPaymentJSON)
			})
			c := ts.client()
			var delays []time.Duration
			c.sleep = func(ctx context.Context, d time.Duration) error { delays = append(delays, d); return nil }
			if _, err := c.Payments.Get(context.Background(), "p1"); err != nil {
				t.Fatal(err)
			}
			if len(delays) != 1 || delays[0] < tc.atLeast || delays[0] > tc.atMost {
				t.Errorf("waited %v, want one wait in [%v, %v]", delays, tc.atLeast, tc.atMost)
			}
		})
	}
}

func TestBackoffHookIsUsedPerAttempt(t *testing.T) {
	ts := newTestServer(t)
	ts.mux.HandleFunc("/payments/p1", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) })
	var attempts []int
	c := ts.client(WithMaxRetries(3), WithBackoff(func(a int) time.Duration { attempts = append(attempts, a); return time.Millisecond }))
	var delays []time.Duration
	c.sleep = func(ctx context.Context, d time.Duration) error { delays = append(delays, d); return nil }
	c.Payments.Get(context.Background(), "p1")
	if !reflect.DeepEqual(attempts, []int{1, 2, 3}) || len(delays) != 3 || delays[0] != time.Millisecond {
		t.Errorf("backoff attempts %v, delays %v", attempts, delays)
	}
}

func TestDefaultBackoffGrowsWithJitter(t *testing.T) {
	for a := 1; a <= 8; a++ {
		d := DefaultBackoff(a)
		base := 300 * time.Millisecond << (min(a, 5) - 1)
		base = min(base, 5*time.Second)
		if d < base/2 || d > base {
			t.Errorf("DefaultBackoff(%d) = %v, want within [%v, %v]", a, d, base/2, base)
		}
	}
}

func TestContextCancellationReturnsPromptly(t *testing.T) {
	ts := newTestServer(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	ts.mux.HandleFunc("/payments", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	done := make(chan error, 1)
	go func() {
		_, err := ts.client().Payments.Create(ctx, cardCreate)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		if !errors.Is(err, ErrOutcomeUnknown) {
			t.Errorf("err = %v: a POST cancelled in flight may have been processed; want ErrOutcomeUnknown", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Create did not return after its context was cancelled")
	}
}

func TestCancelDuringBackoffStopsRetrying(t *testing.T) {
	ts := newTestServer(t)
	var n atomic.Int32
	ts.mux.HandleFunc("/payments/p1", func(w http.ResponseWriter, r *http.Request) { n.Add(1); w.WriteHeader(503) })
	c := ts.client(WithBackoff(func(int) time.Duration { return time.Hour }))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	done := make(chan error, 1)
	go func() { _, err := c.Payments.Get(ctx, "p1"); done <- err }()
	select {
	case err := <-done:
		var e *Error
		if !errors.As(err, &e) || e.HTTPStatus != 503 || !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want the 503 *Error and context.Canceled", err)
		}
		if n.Load() != 1 {
			t.Errorf("attempts = %d, want 1", n.Load())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("did not stop waiting when the context was cancelled")
	}
}

func TestDeadlineShorterThanBackoffGivesUpAtOnce(t *testing.T) {
	ts := newTestServer(t)
	ts.mux.HandleFunc("/payments/p1", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) })
	c := ts.client(WithBackoff(func(int) time.Duration { return time.Hour }))
	c.sleep = func(context.Context, time.Duration) error { t.Error("slept past the deadline"); return nil }
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := c.Payments.Get(ctx, "p1")
	if e, ok := asError(err); !ok || e.HTTPStatus != 503 {
		t.Errorf("err = %v", err)
	}
}

func TestDebugLogNeverContainsCardSecrets(t *testing.T) {
	ts := newTestServer(t)
	ts.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, konbiniPaymentJSON) })
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := ts.client(WithLogger(logger))
	const number, cvc = "4123111111111034", "987"
	pd := &PaymentDetailsParams{Type: TypeCreditCard, Number: number, Month: "12", Year: "30", VerificationValue: cvc}
	ctx := context.Background()
	if _, err := c.Payments.Create(ctx, &PaymentCreateParams{Amount: 1000, Currency: "JPY", PaymentDetails: pd}, WithIdempotencyKey("log-key")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Sessions.Pay(ctx, "ses1", &SessionPayParams{PaymentDetails: pd}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Tokens.Create(ctx, &TokenCreateParams{PaymentDetails: pd}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, number) || strings.Contains(out, number[:12]) {
		t.Fatalf("log contains the card number:\n%s", out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var sawBody, sawAttempt bool
	for _, line := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		for k, v := range rec {
			// time and the client's random idempotency keys (UUIDs) may hold
			// "987" by chance: 1 run in ~70 failed on that alone.
			if s, ok := v.(string); ok && k != "time" && k != "idempotency_key" && strings.Contains(s, cvc) {
				t.Errorf("log field %s = %q contains the CVC", k, s)
			}
		}
		if body, ok := rec["body"].(string); ok {
			sawBody = true
			if !strings.Contains(body, `"verification_value":"[redacted]"`) || !strings.Contains(body, `"number":"[redacted]"`) {
				t.Errorf("logged body not redacted: %s", body)
			}
		}
		if rec["msg"] == "komoju request" && rec["idempotency_key"] == "log-key" {
			sawAttempt = true
			if rec["method"] != "POST" || rec["path"] != testPrefix+"/payments" || rec["status"] != float64(200) || rec["attempt"] != float64(1) {
				t.Errorf("attempt log = %v", rec)
			}
			if _, ok := rec["duration"]; !ok {
				t.Errorf("attempt log lacks duration: %v", rec)
			}
		}
	}
	if !sawBody || !sawAttempt {
		t.Errorf("debug log lacks the request body or attempt line:\n%s", out)
	}
}

func TestRedactedParams(t *testing.T) {
	p := PaymentDetailsParams{Type: TypeCreditCard, Number: "4111111111111111", VerificationValue: "123", Month: "12"}
	r := p.Redacted()
	b, _ := json.Marshal(r)
	if strings.Contains(string(b), "4111111111111111") || strings.Contains(string(b), `"123"`) || !strings.Contains(string(b), "1111") {
		t.Errorf("Redacted = %s", b)
	}
	if p.Number != "4111111111111111" {
		t.Error("Redacted modified the original")
	}
	if short := (PaymentDetailsParams{Number: "41111"}).Redacted(); strings.Contains(short.Number, "1111") {
		t.Errorf("short number leaked digits: %q", short.Number)
	}
}

func TestBadInputFailsBeforeSending(t *testing.T) {
	ts := newTestServer(t)
	ts.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { t.Errorf("unexpected request %s %s", r.Method, r.URL) })
	c := ts.client()
	ctx := context.Background()
	checks := []struct {
		name string
		err  error
		want string
	}{
		{"empty payment id", func() error { _, err := c.Payments.Get(ctx, ""); return err }(), "payment id is empty"},
		{"blank session id", func() error { _, err := c.Sessions.Get(ctx, "  "); return err }(), "session id is empty"},
		{"empty event id", func() error { _, err := c.Events.Get(ctx, ""); return err }(), "event id is empty"},
		{"nil create params", func() error { _, err := c.Payments.Create(ctx, nil); return err }(), "needs parameters"},
		{"nil pay params", func() error { _, err := c.Sessions.Pay(ctx, "s", nil); return err }(), "needs parameters"},
		{"nil token details", func() error { _, err := c.Tokens.Create(ctx, &TokenCreateParams{}); return err }(), "needs parameters"},
		{"nil refund request", func() error { return c.Payments.RefundRequest(ctx, "p", nil) }(), "needs parameters"},
		{"long idempotency key", func() error {
			_, err := c.Payments.Cancel(ctx, "p", WithIdempotencyKey(strings.Repeat("k", 101)))
			return err
		}(), "at most 100"},
		{"non-ASCII idempotency key", func() error {
			_, err := c.Payments.Cancel(ctx, "p", WithIdempotencyKey("キー"))
			return err
		}(), "printable ASCII"},
		{"bad base URL", func() error {
			_, err := NewClient(testSK, WithBaseURL("not a url")).Payments.Get(ctx, "p")
			return err
		}(), "absolute http(s) URL"},
		{"no key", func() error {
			_, err := NewClient("", WithBaseURL(ts.srv.URL)).Payments.Get(ctx, "p")
			return err
		}(), "no API key"},
		{"absolute endpoint path", c.do(ctx, "GET", "/payments", nil, nil, nil, nil), "relative to the base URL"},
	}
	for _, ck := range checks {
		if ck.err == nil || !strings.Contains(ck.err.Error(), ck.want) {
			t.Errorf("%s: err = %v, want it to mention %q", ck.name, ck.err, ck.want)
		}
	}
}

func TestOptions(t *testing.T) {
	ts := newTestServer(t)
	var (
		mu  sync.Mutex
		got recorded
	)
	last := func() recorded { mu.Lock(); defer mu.Unlock(); return got }
	ts.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		rec := record(t, r)
		mu.Lock()
		got = rec
		mu.Unlock()
		io.WriteString(w, konbiniPaymentJSON)
	})
	hc := &http.Client{Timeout: 5 * time.Second}
	c := NewClient(testSK, WithBaseURL(ts.srv.URL+testPrefix+"/"), WithHTTPClient(hc), WithAPIVersion("2026-01-27"), WithUserAgent("test-agent/1"))
	if c.httpClient != hc || c.BaseURL() != ts.srv.URL+testPrefix {
		t.Errorf("http client or base URL not applied: %v", c.BaseURL())
	}
	if _, err := c.Payments.Get(context.Background(), "p1"); err != nil {
		t.Fatal(err)
	}
	if got := last(); got.version != "2026-01-27" || got.ua != "test-agent/1" || got.path != "/payments/p1" {
		t.Errorf("request = %+v", got)
	}
	// An empty API version defers to the key's dashboard default: no header.
	c = NewClient(testSK, WithBaseURL(ts.srv.URL+testPrefix), WithAPIVersion(""))
	if _, err := c.Payments.Get(context.Background(), "p1"); err != nil {
		t.Fatal(err)
	}
	if got := last(); got.version != "" {
		t.Errorf("version header = %q, want none", got.version)
	}
	// Publishable calls fall back to the secret key when no publishable key is set.
	if _, err := c.Payments.Get(context.Background(), "p1", WithPublishable()); err != nil || last().auth != testSK {
		t.Errorf("fallback auth = %q, err %v", last().auth, err)
	}
	def := NewClient(testSK)
	if def.BaseURL() != DefaultBaseURL || def.maxRetries != 2 || def.apiVersion != DefaultAPIVersion || def.httpClient.Timeout != 30*time.Second {
		t.Errorf("defaults = %s retries %d version %s timeout %v", def.BaseURL(), def.maxRetries, def.apiVersion, def.httpClient.Timeout)
	}
	if NewClient(testSK, WithMaxRetries(-3)).maxRetries != 0 {
		t.Error("negative retries not clamped to 0")
	}
}

func TestNewIdempotencyKey(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		k := NewIdempotencyKey()
		if len(k) != 36 || k[14] != '4' || !strings.ContainsRune("89ab", rune(k[19])) || validateIdempotencyKey(k) != nil {
			t.Fatalf("key %q is not a v4 UUID", k)
		}
		if seen[k] {
			t.Fatalf("duplicate key %q", k)
		}
		seen[k] = true
	}
}

func TestUnknownStatusAndTypeSurviveRoundTrip(t *testing.T) {
	in := `{"id":"p1","resource":"payment","status":"on_hold","amount":5,"payment_details":{"type":"pix","qr_code":"000201","expires":{"at":"soon"}}}`
	ts := newTestServer(t)
	ts.mux.HandleFunc("/payments/p1", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, in) })
	p, err := ts.client().Payments.Get(context.Background(), "p1")
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != "on_hold" || p.Status.Final() || p.Type() != "pix" {
		t.Errorf("status %q type %q", p.Status, p.Type())
	}
	out, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var back Payment
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	if back.Status != "on_hold" {
		t.Errorf("status after round trip = %q", back.Status)
	}
	jsonEqual(t, back.PaymentDetails.Raw, `{"type":"pix","qr_code":"000201","expires":{"at":"soon"}}`)
}

func TestPaymentMethodsAcceptsListEnvelope(t *testing.T) {
	got, err := decodePaymentMethods([]byte(`{"resource":"list","data":[{"type_slug":"paypay","name_en":"PayPay","currency":"JPY"}]}`))
	if err != nil || len(got) != 1 || got[0].TypeSlug != TypePayPay {
		t.Errorf("methods = %+v, %v", got, err)
	}
	if _, err := decodePaymentMethods([]byte(`<html>`)); err == nil {
		t.Error("HTML accepted as payment methods")
	}
}

func TestSuccessWithUndecodableBody(t *testing.T) {
	ts := newTestServer(t)
	ts.mux.HandleFunc("/payments/p1", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"id":"p1","amount":"lots"`) })
	_, err := ts.client().Payments.Get(context.Background(), "p1")
	if err == nil || !strings.Contains(err.Error(), "decoding GET payments/p1 response") {
		t.Errorf("err = %v", err)
	}
}

func TestUndecodableAnswerToPostIsOutcomeUnknown(t *testing.T) {
	ts := newTestServer(t)
	ts.mux.HandleFunc("/payments", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"id":"p1","status":`) })
	_, err := ts.client().Payments.Create(context.Background(), cardCreate, WithIdempotencyKey("k-garbled"))
	if !errors.Is(err, ErrOutcomeUnknown) || !strings.Contains(err.Error(), "k-garbled") {
		t.Errorf("err = %v; KOMOJU answered 200 but the result is unreadable, want ErrOutcomeUnknown naming the key", err)
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	ts := newTestServer(t)
	var followed atomic.Bool
	ts.mux.HandleFunc("/payments", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, testPrefix+"/elsewhere", http.StatusFound)
	})
	ts.mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, r *http.Request) { followed.Store(true) })
	c := NewClient(testSK, WithBaseURL(ts.srv.URL+testPrefix), WithBackoff(func(int) time.Duration { return 0 }))
	_, err := c.Payments.Create(context.Background(), cardCreate)
	var e *Error
	if !errors.As(err, &e) || e.HTTPStatus != http.StatusFound || e.Code != "http_302" {
		t.Errorf("err = %v, want an *Error for the 302", err)
	}
	if followed.Load() {
		t.Error("the POST was redirected (and would have become a GET)")
	}
}

func TestConcurrentCalls(t *testing.T) {
	ts := newTestServer(t)
	var log attemptLog
	ts.mux.HandleFunc("/payments", func(w http.ResponseWriter, r *http.Request) { log.add(r); io.WriteString(w, konbiniPaymentJSON) })
	c := ts.client()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Payments.Create(context.Background(), cardCreate); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, k := range log.keys {
		if seen[k] {
			t.Errorf("two different calls shared idempotency key %s", k)
		}
		seen[k] = true
	}
	if len(seen) != 8 {
		t.Errorf("%d distinct keys, want 8", len(seen))
	}
}

func BenchmarkClientRoundTrip(b *testing.B) {
	mux := http.NewServeMux()
	body := []byte(konbiniPaymentJSON)
	mux.HandleFunc(testPrefix+"/payments/dy9e1bjo86xc7d6362gkb7jkx", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := NewClient(testSK, WithBaseURL(srv.URL+testPrefix))
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, err := c.Payments.Get(ctx, "dy9e1bjo86xc7d6362gkb7jkx")
		if err != nil || p.Total != 330 {
			b.Fatalf("Get = %v, %v", p, err)
		}
	}
}
