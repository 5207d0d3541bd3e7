package flows

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/flowstest"
	"github.com/komoju-tui/komoju-tui/flows/journal"
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
	j   *journal.Journal
	rec *flakyJournal
}

func newEnv(t *testing.T) *testEnv {
	return newEnvWith(t, sandbox.Options{}, nil)
}

// newEnvWith starts a sandbox and an engine on the suites' one clock
// (flowstest); hc, when set, is the client's HTTP client (to inject
// transport faults).
func newEnvWith(t *testing.T, o sandbox.Options, hc *http.Client, extra ...komoju.Option) *testEnv {
	t.Helper()
	w := flowstest.New(t, flowstest.Options{Sandbox: o, HTTPClient: hc, Client: extra})
	rec := &flakyJournal{Recorder: w.Journal}
	e := NewEngine(Deps{
		Client:      w.Client,
		Journal:     rec,
		Now:         w.Now,
		PollBackoff: func(int) time.Duration { return time.Millisecond },
		Timeout:     5 * time.Second,
	})
	return &testEnv{t: t, sb: w.Sandbox, c: w.Client, e: e, j: w.Journal, rec: rec}
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

// cardExpiry is valid on the suites' clock (flowstest.Start), whatever
// the date the tests run.
const cardExpiry = flowstest.CardExpiry

func card(number string) Details {
	return Details{CardNumber: number, CardExpiry: cardExpiry, CardCVC: "123", CardName: "Taro Yamada"}
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

// flakyJournal is the real journal with a switch to fail the next intent
// write.
type flakyJournal struct {
	Recorder
	mu       sync.Mutex
	failNext error
}

func (f *flakyJournal) fail(err error) {
	f.mu.Lock()
	f.failNext = err
	f.mu.Unlock()
}

func (f *flakyJournal) take() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	err := f.failNext
	f.failNext = nil
	return err
}

func (f *flakyJournal) BeginAction(ctx context.Context, a journal.Action) (int64, error) {
	if err := f.take(); err != nil {
		return 0, err
	}
	return f.Recorder.BeginAction(ctx, a)
}

func (f *flakyJournal) BeginSale(ctx context.Context, in journal.Intent) (int64, error) {
	if err := f.take(); err != nil {
		return 0, err
	}
	return f.Recorder.BeginSale(ctx, in)
}

// history returns a sale's status history as "status@source ...".
func (env *testEnv) history(orderNum string) string {
	env.t.Helper()
	s, err := env.j.SaleByOrder(env.ctx(), orderNum)
	if err != nil {
		env.t.Fatalf("journal sale %s: %v", orderNum, err)
	}
	var parts []string
	for _, h := range s.History {
		parts = append(parts, string(h.Status)+"@"+h.Source)
	}
	return strings.Join(parts, " ")
}

// actionKinds counts the journal's actions per kind over every sale.
func (env *testEnv) actionKinds() map[journal.ActionKind]int {
	env.t.Helper()
	sales, err := env.j.Sales(env.ctx(), journal.Filter{Limit: -1})
	if err != nil {
		env.t.Fatal(err)
	}
	n := map[journal.ActionKind]int{}
	for _, s := range sales {
		acts, err := env.j.Actions(env.ctx(), s.ID)
		if err != nil {
			env.t.Fatal(err)
		}
		for _, a := range acts {
			n[a.Kind]++
		}
	}
	return n
}
