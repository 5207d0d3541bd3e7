package cli

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/app"
	"github.com/komoju-tui/komoju-tui/flows/config"
	"github.com/komoju-tui/komoju-tui/komoju"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

const scenarioUsage = `Usage: komoju-tui scenario run FILE... [--junit FILE] [--json]

Replay QA flows written as scenario files (YAML) end to end and check what
must follow. Each file runs on a fresh App: without a key, its own embedded
sandbox, where the customer's steps (paying at the store, the 3-D Secure
code, approving in the wallet) and the clock are played for real; with a
KOMOJU test key, the customer's steps are skipped with a note saying what a
person would have to do, and the expectations that depend on them too.

A file:

  name: konbini at Lawson
  steps:
    - pay: {amount: 2480, method: konbini, store: lawson, email: a@example.com}
      expect: {outcome: awaiting, status: authorized}
    - customer: pay_at_store
      expect: {status: captured, webhook: payment.captured}

Steps (one action each, then an optional expect):
  pay: {amount, method, currency, card, exp, cvc, store, email, phone,
        given_name, family_name, given_name_kana, family_name_kana,
        flow: session|direct, capture: auto|manual, scenario}
  pay_again: {method, card, ...}     pay the last Method 1 sale again on its session
  customer: pay_at_store | approve | decline | 3ds   (code: 123456 passes, 111111 fails)
  capture: {amount}   cancel: {}   refund: {amount}   (amount optional: all of it)
  advance_clock: 4d                  move the sandbox clock (konbini deadlines, expiry)
Expectations: outcome (paid, authorized, awaiting, redirect, error, cancelled,
expired, ...), status (the payment's status at KOMOJU), amount (the payment's
amount, e.g. after a partial capture), error_code, event (KOMOJU lists this
event for the payment), webhook (this event for the payment reached the
app's webhook receiver, signature verified, within --webhook-wait; each
event counts once however often it is delivered; skipped against KOMOJU,
which cannot reach this machine).

A file may select the events the sandbox sends the receiver, as a KOMOJU
webhook's settings do:  webhook_events: [payment.captured, payment.failed]

Output: a line per expectation (pass, FAIL or skip); JSON lines with --json (a "step" line
as each step is done, with the payment and any URL the customer opens, an "expect" line per
expectation, then the "result"), JUnit XML with --junit FILE for CI. Exit 0 only when every expectation held;
9 when one did not; 2 when a file is not a valid scenario.
`

// scenarioFile is one scenario.
type scenarioFile struct {
	Name string `yaml:"name"`
	// WebhookEvents selects the events the sandbox sends to the app's
	// webhook receiver, as a KOMOJU webhook's event selection does
	// (default: all).
	WebhookEvents []string       `yaml:"webhook_events"`
	Steps         []scenarioStep `yaml:"steps"`
}

// scenarioStep is one action and what must follow it.
type scenarioStep struct {
	Name     string            `yaml:"name"`
	Pay      *scenarioPay      `yaml:"pay"`
	PayAgain *scenarioPay      `yaml:"pay_again"`
	Customer string            `yaml:"customer"`
	Code     string            `yaml:"code"`
	Capture  *scenarioAmount   `yaml:"capture"`
	Cancel   *struct{}         `yaml:"cancel"`
	Refund   *scenarioAmount   `yaml:"refund"`
	Advance  string            `yaml:"advance_clock"`
	Expect   map[string]string `yaml:"expect"`
}

// scenarioPay is a pay step's sale and details.
type scenarioPay struct {
	Amount         string `yaml:"amount"`
	Currency       string `yaml:"currency"`
	Method         string `yaml:"method"`
	Card           string `yaml:"card"`
	Exp            string `yaml:"exp"`
	CVC            string `yaml:"cvc"`
	Name           string `yaml:"name"`
	Store          string `yaml:"store"`
	Email          string `yaml:"email"`
	Phone          string `yaml:"phone"`
	GivenName      string `yaml:"given_name"`
	FamilyName     string `yaml:"family_name"`
	GivenNameKana  string `yaml:"given_name_kana"`
	FamilyNameKana string `yaml:"family_name_kana"`
	Flow           string `yaml:"flow"`
	Capture        string `yaml:"capture"`
	Scenario       string `yaml:"scenario"`
}

// scenarioAmount is an optional amount.
type scenarioAmount struct {
	Amount string `yaml:"amount"`
}

// expectKeys are the expectations a step may declare.
var expectKeys = []string{"outcome", "status", "amount", "error_code", "event", "webhook"}

// check is one expectation's result.
type check struct {
	Event    string `json:"event"` // "expect", in the JSON-lines stream
	Scenario string `json:"scenario"`
	File     string `json:"file"`
	Step     int    `json:"step"`
	StepName string `json:"step_name"`
	Expect   string `json:"expect"`
	Want     string `json:"want"`
	Got      string `json:"got"`
	Result   string `json:"result"` // pass, fail, skip
	Note     string `json:"note,omitempty"`
}

// loadScenario reads and checks a scenario file; every problem names the
// step and the field.
func loadScenario(path string) (scenarioFile, error) {
	var sc scenarioFile
	b, err := os.ReadFile(path)
	if err != nil {
		return sc, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&sc); err != nil {
		return sc, fmt.Errorf("%s: %w", path, err)
	}
	if len(sc.Steps) == 0 {
		return sc, fmt.Errorf("%s: no steps", path)
	}
	if sc.Name == "" {
		sc.Name = path
	}
	for _, e := range sc.WebhookEvents {
		if !slices.Contains(sandbox.WebhookEventTypes, e) {
			return sc, fmt.Errorf("%s: webhook_events: %q is not one of %s", path, e, strings.Join(sandbox.WebhookEventTypes, ", "))
		}
	}
	for i, st := range sc.Steps {
		n := 0
		for _, set := range []bool{st.Pay != nil, st.PayAgain != nil, st.Customer != "", st.Capture != nil, st.Cancel != nil, st.Refund != nil, st.Advance != ""} {
			if set {
				n++
			}
		}
		if n != 1 {
			return sc, fmt.Errorf("%s: step %d: give exactly one of pay, pay_again, customer, capture, cancel, refund, advance_clock (got %d)", path, i+1, n)
		}
		for k := range st.Expect {
			ok := false
			for _, want := range expectKeys {
				ok = ok || k == want
			}
			if !ok {
				return sc, fmt.Errorf("%s: step %d: expect: unknown %q (one of %s)", path, i+1, k, strings.Join(expectKeys, ", "))
			}
		}
		switch st.Customer {
		case "", "pay_at_store", "approve", "decline", "3ds":
		default:
			return sc, fmt.Errorf("%s: step %d: customer: %q is not pay_at_store, approve, decline or 3ds", path, i+1, st.Customer)
		}
		if st.Advance != "" {
			if _, err := parseAdvance(st.Advance); err != nil {
				return sc, fmt.Errorf("%s: step %d: advance_clock: %w", path, i+1, err)
			}
		}
	}
	return sc, nil
}

// parseAdvance reads a clock advance: a Go duration or a number of days.
func parseAdvance(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if d, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(d, "%d", &n); err == nil && n > 0 && n < 400 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a positive duration such as 4d or 90m", s)
	}
	return d, nil
}

func (r *runner) scenario(args []string) int {
	fs, c := r.newFlagSet(true)
	junit := fs.String("junit", "", "also write a JUnit XML report to this file")
	webhookWait := fs.Duration("webhook-wait", 10*time.Second, "how long a webhook expectation waits for the event to reach the receiver")
	pos, code, ok := r.parse(fs, scenarioUsage, args)
	if !ok {
		return code
	}
	r.json = *c.json
	r.lines = r.json
	if len(pos) == 0 || pos[0] != "run" {
		r.usageError("", "use: komoju-tui scenario run FILE...")
		return ExitUsage
	}
	if *webhookWait <= 0 {
		r.usageError("--webhook-wait", "must be greater than 0 (for example 10s)")
		return ExitUsage
	}
	files := pos[1:]
	if len(files) == 0 {
		r.usageError("FILE", "name at least one scenario file")
		return ExitUsage
	}
	var scs []scenarioFile
	for _, f := range files {
		sc, err := loadScenario(f)
		if err != nil {
			r.usageError("FILE", "%s", r.problem(err))
			return ExitUsage
		}
		scs = append(scs, sc)
	}
	// Each file runs on an embedded sandbox of its own, never a running
	// `komoju-tui sandbox`: a scenario moves the clock and receives every
	// webhook, which would disturb whoever else uses a shared one, and a
	// CI run must not depend on what an earlier run left there.
	r.fresh = true
	cfg, ok := r.resolve(c)
	if !ok {
		return ExitUsage
	}
	if cfg.Mode == config.ModeLive {
		r.usageError("", "scenarios make test payments: they never run with a live key")
		return ExitUsage
	}
	var all []check
	for i, sc := range scs {
		b, ok := r.open(cfg)
		if !ok {
			return ExitFailure
		}
		ctx, cancel := r.withTimeout(c, 0)
		var hooks *webhookLog
		if b.Sandbox != nil {
			// Webhook expectations are checked where the console gets its
			// events: the app's own receiver (signature verified, each
			// event once, on the body's id), registered with the sandbox.
			if err := b.StartWebhooks(ctx, app.WebhookOptions{Events: sc.WebhookEvents}); err != nil {
				cancel()
				closeBackend(b, r.stderr)
				return r.fail(ExitFailure, "local", "%s", err.Error())
			}
			hooks = newWebhookLog(ctx, b.Receiver)
		}
		checks := r.runScenario(ctx, b, files[i], sc, hooks, *webhookWait)
		cancel()
		closeBackend(b, r.stderr)
		all = append(all, checks...)
	}
	failed := 0
	for _, ch := range all {
		if ch.Result == "fail" {
			failed++
		}
	}
	if *junit != "" {
		if err := writeJUnit(*junit, all); err != nil {
			return r.fail(ExitFailure, "local", "writing --junit: %s", err.Error())
		}
	}
	if r.json {
		r.writeJSON(map[string]any{"event": "result", "ok": failed == 0, "expectations": len(all), "failed": failed})
	} else {
		fmt.Fprintf(r.stdout, "\n%d expectation(s), %d failed\n", len(all), failed)
	}
	if failed > 0 {
		return ExitExpectation
	}
	return ExitOK
}

// scenarioStepJSON is the stream line of one step done: the sale as the
// step left it, and which scenario and step it was.
type scenarioStepJSON struct {
	eventJSON
	Scenario string `json:"scenario"`
	File     string `json:"file"`
	Step     int    `json:"step"`
	StepName string `json:"step_name"`
}

// scenarioState is what a running scenario knows: the current sale and
// payment.
type scenarioState struct {
	sale      *flows.Sale
	paymentID string
	last      flows.Outcome
	lastErr   error
}

func (r *runner) runScenario(ctx context.Context, b *Backend, file string, sc scenarioFile, hooks *webhookLog, wait time.Duration) []check {
	if !r.json {
		fmt.Fprintf(r.stdout, "%s (%s)\n", sc.Name, file)
	}
	var out []check
	var st scenarioState
	base := ""
	if b.Sandbox != nil {
		base = b.Sandbox.BaseURL()
	} else if b.Config.APIURL != "" && b.Config.APIURL != config.DefaultAPIURL {
		base = strings.TrimSuffix(strings.TrimSuffix(b.Config.APIURL, "/"), "/api/v1")
	}
	t := &triggerer{r: r, b: b, base: base}
	for i, step := range sc.Steps {
		name := step.Name
		if name == "" {
			name = describeStep(step)
		}
		skipped := ""
		o, err := r.scenarioStep(ctx, b, t, &st, step)
		if errors.Is(err, errNoSandbox) {
			skipped = "customer step: " + customerTodo(step, st.last) + " — skipped: " + err.Error()
		} else {
			st.last, st.lastErr = o, err
			if id := o.PaymentID(); id != "" {
				st.paymentID = id
			}
		}
		var p *komoju.Payment
		if st.paymentID != "" && skipped == "" {
			if ro, rerr := b.Engine.Refresh(ctx, st.paymentID); rerr == nil {
				p = ro.Payment
			}
		}
		if r.json && skipped == "" {
			// What the step did, before what it is checked against: a
			// script following the stream learns the payment, the URL the
			// customer opens or the konbini instructions as they happen.
			r.writeJSON(scenarioStepJSON{eventOf("step", "scenario", st.last, ""), sc.Name, file, i + 1, name})
		}
		if len(step.Expect) == 0 {
			if !r.json {
				fmt.Fprintf(r.stdout, "  step %d %s: done\n", i+1, name)
			}
			if skipped != "" && !r.json {
				fmt.Fprintf(r.stdout, "    note: %s\n", skipped)
			}
			continue
		}
		for _, k := range expectKeys {
			want, ok := step.Expect[k]
			if !ok {
				continue
			}
			ch := check{Event: "expect", Scenario: sc.Name, File: file, Step: i + 1, StepName: name, Expect: k, Want: want}
			switch {
			case skipped != "":
				ch.Result, ch.Note = "skip", skipped
			case k == "webhook" && hooks == nil:
				ch.Result, ch.Note = "skip", "webhook: KOMOJU cannot reach this machine's receiver; check the event with 'event:' or run 'komoju-tui listen' behind a public URL"
			case k == "webhook":
				ch.Got, ch.Note = hooks.wait(ctx, want, st.paymentID, wait)
				ch.Result = "fail"
				if ch.Got == want {
					ch.Result, ch.Note = "pass", ""
				}
			default:
				ch.Got = r.observe(ctx, b, k, want, st, p)
				ch.Result = "fail"
				if strings.EqualFold(ch.Got, want) {
					ch.Result = "pass"
				}
				if ch.Result == "fail" && st.lastErr != nil && st.last.Message != "" {
					ch.Note = st.last.Message
				}
			}
			out = append(out, ch)
			if r.json {
				r.writeJSON(ch)
				continue
			}
			mark := map[string]string{"pass": "pass", "fail": "FAIL", "skip": "skip"}[ch.Result]
			fmt.Fprintf(r.stdout, "  %-4s step %d %s: %s is %q", mark, i+1, name, k, ch.Got)
			if ch.Result == "fail" {
				fmt.Fprintf(r.stdout, ", want %q", want)
			}
			fmt.Fprintln(r.stdout)
			if ch.Note != "" {
				fmt.Fprintf(r.stdout, "       %s\n", redact(ch.Note))
			}
		}
	}
	return out
}

// observe reads what expectation k is about now.
func (r *runner) observe(ctx context.Context, b *Backend, k, want string, st scenarioState, p *komoju.Payment) string {
	switch k {
	case "outcome":
		return string(st.last.Kind)
	case "error_code":
		if st.last.Err != nil {
			return st.last.Err.Code
		}
		return ""
	case "status":
		if p == nil {
			return ""
		}
		return string(p.Status)
	case "amount":
		if p == nil {
			return ""
		}
		if v, err := parseMoney(want, p.Currency, true); err == nil && v == p.Amount {
			return want // the same amount, in the file's own spelling
		}
		return komoju.FormatAmount(p.Amount, p.Currency)
	case "event":
		// Events are recorded as the payment changes; a webhook of it is
		// sent at the same moment.
		for {
			if l, err := b.Engine.Client().Events.List(ctx, &komoju.EventListParams{PerPage: 100}); err == nil {
				for i := range l.Data {
					if ep, err := l.Data[i].Payment(); err == nil && ep.ID == st.paymentID && l.Data[i].Type == want {
						return want
					}
				}
			}
			select {
			case <-ctx.Done():
				return "(no such event)"
			case <-time.After(50 * time.Millisecond):
			}
			if b.Sandbox != nil {
				// The embedded sandbox records events synchronously:
				// one look is enough.
				return "(no such event)"
			}
		}
	}
	return ""
}

// scenarioStep performs one step's action.
func (r *runner) scenarioStep(ctx context.Context, b *Backend, t *triggerer, st *scenarioState, step scenarioStep) (flows.Outcome, error) {
	e := b.Engine
	switch {
	case step.Pay != nil:
		co, typ, d, err := scenarioCheckout(*step.Pay, b.Config)
		if err != nil {
			return flows.Outcome{Kind: flows.OutcomeError, Message: err.Error()}, err
		}
		if co.Flow == flows.FlowDirect {
			st.sale = nil
			return e.PayDirect(ctx, co, typ, d, flows.PayOptions{})
		}
		sale, err := e.StartSession(ctx, co)
		if err != nil {
			return flows.SessionStartOutcome(err), err
		}
		st.sale = sale
		return e.PaySession(ctx, sale, typ, d, flows.PayOptions{})
	case step.PayAgain != nil:
		if st.sale == nil {
			err := errors.New("pay_again needs an earlier Method 1 pay step")
			return flows.Outcome{Kind: flows.OutcomeError, Message: err.Error()}, err
		}
		p := *step.PayAgain
		p.Amount = "1" // the sale keeps its amount
		_, typ, d, err := scenarioCheckout(p, b.Config)
		if err != nil {
			return flows.Outcome{Kind: flows.OutcomeError, Message: err.Error()}, err
		}
		return e.PaySession(ctx, st.sale, typ, d, flows.PayOptions{})
	case step.Customer != "":
		if st.paymentID == "" {
			err := errors.New("no payment for the customer to act on yet")
			return flows.Outcome{Kind: flows.OutcomeError, Message: err.Error()}, err
		}
		var form url.Values
		if step.Customer == "3ds" {
			code := step.Code
			if code == "" {
				code = "123456"
			}
			form = url.Values{"code": {code}}
		}
		if err := t.customer(ctx, st.paymentID, step.Customer, form); err != nil {
			return flows.Outcome{Kind: flows.OutcomeError, Message: err.Error()}, err
		}
		return e.Refresh(ctx, st.paymentID)
	case step.Capture != nil, step.Refund != nil:
		amt := ""
		if step.Capture != nil {
			amt = step.Capture.Amount
		} else {
			amt = step.Refund.Amount
		}
		var v int64
		if strings.TrimSpace(amt) != "" {
			p, err := e.Client().Payments.Get(ctx, st.paymentID)
			if err != nil {
				return lookupOutcome(err), err
			}
			if v, err = parseMoney(amt, p.Currency, false); err != nil {
				return flows.Outcome{Kind: flows.OutcomeError, Message: "amount: " + err.Error()}, err
			}
		}
		if step.Capture != nil {
			return e.Capture(ctx, st.paymentID, v)
		}
		return e.Refund(ctx, st.paymentID, v, "komoju-tui scenario")
	case step.Cancel != nil:
		return e.Cancel(ctx, st.paymentID)
	case step.Advance != "":
		d, _ := parseAdvance(step.Advance)
		body := fmt.Sprintf(`{"advance":%q}`, fmt.Sprintf("%dm", int64(d/time.Minute)))
		if err := t.control(ctx, "/sandbox/clock", body); err != nil {
			return flows.Outcome{Kind: flows.OutcomeError, Message: err.Error()}, err
		}
		if st.paymentID == "" {
			return st.last, st.lastErr
		}
		return e.Refresh(ctx, st.paymentID)
	}
	return flows.Outcome{}, errors.New("empty step")
}

// scenarioCheckout builds a sale from a pay step, as pay does from flags.
func scenarioCheckout(p scenarioPay, cfg config.Config) (flows.Checkout, komoju.PaymentType, flows.Details, error) {
	cur := cfg.Currency
	if p.Currency != "" {
		cur = strings.ToUpper(p.Currency)
	}
	amount, err := parseMoney(p.Amount, cur, false)
	if err != nil {
		return flows.Checkout{}, "", flows.Details{}, fmt.Errorf("pay: amount: %w", err)
	}
	typ, err := parseMethod(p.Method)
	if err != nil {
		return flows.Checkout{}, "", flows.Details{}, fmt.Errorf("pay: method: %w", err)
	}
	flowName := p.Flow
	if flowName == "" {
		flowName = cfg.Flow
	}
	flow, err := flows.ParseFlow(flowName)
	if err != nil {
		return flows.Checkout{}, "", flows.Details{}, fmt.Errorf("pay: flow: %w", err)
	}
	capture := cfg.Capture
	if p.Capture != "" {
		capture = komoju.CaptureMode(p.Capture)
	}
	co := flows.Checkout{Amount: amount, Currency: cur, Email: p.Email, Name: p.Name, Capture: capture, Flow: flow, Scenario: p.Scenario,
		Description: "komoju-tui scenario"}
	d := flows.Details{Store: p.Store, Email: p.Email, Phone: p.Phone,
		GivenName: p.GivenName, FamilyName: p.FamilyName, GivenNameKana: p.GivenNameKana, FamilyNameKana: p.FamilyNameKana}
	if typ == komoju.TypeCreditCard {
		exp, cvc := p.Exp, p.CVC
		if exp == "" {
			exp = time.Now().AddDate(3, 0, 0).Format("01/06")
		}
		if cvc == "" {
			cvc = "123"
		}
		d = flows.Details{CardNumber: p.Card, CardExpiry: exp, CardCVC: cvc, CardName: p.Name, Email: p.Email}
	}
	return co, typ, d, nil
}

// describeStep names a step for the report.
func describeStep(s scenarioStep) string {
	switch {
	case s.Pay != nil:
		return "pay " + s.Pay.Amount + " by " + s.Pay.Method
	case s.PayAgain != nil:
		return "pay again by " + s.PayAgain.Method
	case s.Customer != "":
		return "customer " + s.Customer
	case s.Capture != nil:
		return strings.TrimSpace("capture " + s.Capture.Amount)
	case s.Cancel != nil:
		return "cancel"
	case s.Refund != nil:
		return strings.TrimSpace("refund " + s.Refund.Amount)
	case s.Advance != "":
		return "advance the clock " + s.Advance
	}
	return "step"
}

// customerTodo says what a person must do for a customer step KOMOJU's
// test mode cannot play.
func customerTodo(s scenarioStep, last flows.Outcome) string {
	where := last.RedirectURL
	if where == "" {
		where = last.InstructionsURL
	}
	switch s.Customer {
	case "pay_at_store":
		return "the customer pays the konbini slip (" + where + ")"
	case "approve":
		return "the customer approves in the wallet at " + where
	case "decline":
		return "the customer declines in the wallet at " + where
	case "3ds":
		return "the customer answers the 3-D Secure challenge at " + where
	}
	return "advance KOMOJU's clock"
}

// junitSuites is the JUnit XML report.
type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitFailure `xml:"skipped,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// writeJUnit writes checks as JUnit XML: a suite per scenario, a case per
// expectation.
func writeJUnit(path string, checks []check) error {
	var js junitSuites
	idx := map[string]int{}
	for _, ch := range checks {
		i, ok := idx[ch.File]
		if !ok {
			i = len(js.Suites)
			idx[ch.File] = i
			js.Suites = append(js.Suites, junitSuite{Name: ch.Scenario})
		}
		s := &js.Suites[i]
		c := junitCase{Name: fmt.Sprintf("step %d %s: %s is %s", ch.Step, ch.StepName, ch.Expect, ch.Want), Classname: ch.File}
		switch ch.Result {
		case "fail":
			c.Failure = &junitFailure{Message: fmt.Sprintf("%s is %q, want %q", ch.Expect, ch.Got, ch.Want), Text: redact(ch.Note)}
			s.Failures++
		case "skip":
			c.Skipped = &junitFailure{Message: redact(ch.Note)}
			s.Skipped++
		}
		s.Tests++
		s.Cases = append(s.Cases, c)
	}
	b, err := xml.MarshalIndent(js, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append([]byte(xml.Header), append(b, '\n')...), 0o644)
}
