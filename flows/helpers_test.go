package flows

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

// testEnv is an engine wired to an in-process sandbox and an in-memory
// journal.
type testEnv struct {
	t   *testing.T
	sb  *sandbox.Server
	c   *komoju.Client
	e   *Engine
	rec *memRecorder
}

func newEnv(t *testing.T) *testEnv {
	return newEnvWith(t, sandbox.Options{}, nil)
}

// newEnvWith starts a sandbox and an engine; hc, when set, is the client's
// HTTP client (to inject transport faults).
func newEnvWith(t *testing.T, o sandbox.Options, hc *http.Client) *testEnv {
	t.Helper()
	if o.WebhookBackoff == 0 {
		o.WebhookBackoff = time.Millisecond
	}
	sb, err := sandbox.New(o)
	if err != nil {
		t.Fatalf("sandbox: %v", err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	opts := []komoju.Option{komoju.WithBaseURL(sb.URL()), komoju.WithBackoff(func(int) time.Duration { return 0 })}
	if hc != nil {
		opts = append(opts, komoju.WithHTTPClient(hc))
	}
	c := komoju.NewClient(sb.SecretKey(), opts...)
	rec := newMemRecorder()
	e := NewEngine(Deps{
		Client:      c,
		Recorder:    rec,
		Now:         sb.Now,
		PollBackoff: func(int) time.Duration { return time.Millisecond },
		Timeout:     5 * time.Second,
	})
	return &testEnv{t: t, sb: sb, c: c, e: e, rec: rec}
}

func (env *testEnv) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	env.t.Cleanup(cancel)
	return ctx
}

// customer performs a hosted-page action as the test's API caller:
// "3ds" (with code), "approve", "decline", "pay_at_store".
func (env *testEnv) customer(paymentID, action string, form url.Values) *komoju.Payment {
	env.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, env.sb.BaseURL()+"/sandbox/payments/"+paymentID+"/"+action, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(env.sb.SecretKey(), "")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		env.t.Fatalf("%s %s: %v", action, paymentID, err)
	}
	defer resp.Body.Close()
	var p komoju.Payment
	if resp.StatusCode != 200 {
		var b komoju.ErrorBody
		_ = json.NewDecoder(resp.Body).Decode(&b)
		env.t.Fatalf("%s %s: HTTP %d %+v", action, paymentID, resp.StatusCode, b.Error)
	}
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
		env.t.Fatal(err)
	}
	return &p
}

// payments lists every payment the sandbox holds, through the API.
func (env *testEnv) payments(orderNum string) []komoju.Payment {
	env.t.Helper()
	var all []komoju.Payment
	for page := 1; ; page++ {
		l, err := env.c.Payments.List(env.ctx(), &komoju.PaymentListParams{ExternalOrderNum: orderNum, Page: page, PerPage: 100})
		if err != nil {
			env.t.Fatalf("list payments: %v", err)
		}
		all = append(all, l.Data...)
		if page >= l.LastPage {
			return all
		}
	}
}

func (env *testEnv) start(co Checkout) *Sale {
	env.t.Helper()
	sale, err := env.e.StartSession(env.ctx(), co)
	if err != nil {
		env.t.Fatalf("StartSession: %v", err)
	}
	return sale
}

func card(number string) Details {
	return Details{CardNumber: number, CardExpiry: "12/30", CardCVC: "123", CardName: "Taro Yamada"}
}

func cardAmex(number string) Details {
	d := card(number)
	d.CardCVC = "1234"
	return d
}

var bankPerson = Details{FamilyName: "山田", GivenName: "太郎", FamilyNameKana: "ヤマダ", GivenNameKana: "タロウ",
	Email: "taro@example.com", Phone: "090-1234-5678"}

func konbini(store string) Details {
	return Details{Store: store, Email: "taro@example.com", Phone: "09012345678"}
}

func mustKind(t *testing.T, o Outcome, err error, want OutcomeKind) {
	t.Helper()
	if o.Kind != want {
		t.Fatalf("outcome %s (%s), want %s; err %v", o.Kind, o.Message, want, err)
	}
	if (err != nil) != (want == OutcomeError || want == OutcomeUnknown) {
		t.Fatalf("outcome %s came with err %v", o.Kind, err)
	}
}

// waitFor watches target until pred holds, failing after the context ends.
func (env *testEnv) waitFor(target Target, opts WatchOptions, pred func(Update) bool) Update {
	env.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var last Update
	for u := range env.e.Watch(ctx, target, opts) {
		last = u
		if pred(u) {
			return u
		}
	}
	env.t.Fatalf("watch ended without the expected update; last %+v", last)
	return last
}

// memRecorder is an in-memory Recorder with the journal's contract.
type memRecorder struct {
	mu       sync.Mutex
	sales    []memSale
	intents  []Intent
	results  map[int64]Result
	statuses []memStatus
	failNext error
}

type memSale struct {
	ID        int64
	Checkout  Checkout
	SessionID string
}

type memStatus struct {
	PaymentID string
	Status    komoju.PaymentStatus
	Source    Source
}

func newMemRecorder() *memRecorder { return &memRecorder{results: map[int64]Result{}} }

func (m *memRecorder) BeginSale(_ context.Context, co Checkout) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sales = append(m.sales, memSale{ID: int64(len(m.sales) + 1), Checkout: co})
	return int64(len(m.sales)), nil
}

func (m *memRecorder) SaleSession(_ context.Context, id int64, sid string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sales[id-1].SessionID = sid
	return nil
}

func (m *memRecorder) RecordIntent(_ context.Context, in Intent) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failNext != nil {
		err := m.failNext
		m.failNext = nil
		return 0, err
	}
	in.ID = int64(len(m.intents) + 1)
	m.intents = append(m.intents, in)
	return in.ID, nil
}

func (m *memRecorder) RecordResult(_ context.Context, id int64, r Result) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.results[id]; dup {
		return fmt.Errorf("intent %d already has a result", id)
	}
	m.results[id] = r
	return nil
}

func (m *memRecorder) RecordStatus(_ context.Context, p *komoju.Payment, src Source) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := len(m.statuses) - 1; i >= 0; i-- {
		if m.statuses[i].PaymentID == p.ID {
			if m.statuses[i].Status == p.Status {
				return nil
			}
			break
		}
	}
	m.statuses = append(m.statuses, memStatus{p.ID, p.Status, src})
	return nil
}

func (m *memRecorder) OpenIntents(context.Context) ([]Intent, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Intent
	for _, in := range m.intents {
		if _, ok := m.results[in.ID]; !ok {
			out = append(out, in)
		}
	}
	return out, nil
}

func (m *memRecorder) LastOrderNum(_ context.Context, prefix string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var nums []string
	for _, s := range m.sales {
		if strings.HasPrefix(s.Checkout.OrderNum, prefix) {
			nums = append(nums, s.Checkout.OrderNum)
		}
	}
	sort.Strings(nums)
	if len(nums) == 0 {
		return "", nil
	}
	return nums[len(nums)-1], nil
}

func (m *memRecorder) OrderNumUsed(_ context.Context, n string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range m.sales {
		if s.Checkout.OrderNum == n {
			return true, nil
		}
	}
	return false, nil
}

func (m *memRecorder) statusesOf(id string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var parts []string
	for _, s := range m.statuses {
		if s.PaymentID == id {
			parts = append(parts, string(s.Status)+"@"+string(s.Source))
		}
	}
	return strings.Join(parts, " ")
}
