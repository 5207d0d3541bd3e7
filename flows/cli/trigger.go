package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/config"
	"github.com/komoju-tui/komoju-tui/komoju"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

const triggerUsage = `Usage: komoju-tui trigger EVENT [--payment ID] [--forward-to URL] [--json]

Make the sandbox produce a webhook event, like "stripe trigger": a new test
payment is taken through the sale lifecycle (journaled like any sale) and
driven, as the customer or the clerk would, to the state that sends EVENT.
With --payment an existing payment is driven there instead (captured,
cancelled, refunded, refund.created, expired, failed).

Events:
  payment.authorized      a konbini slip (Lawson) awaiting the customer
  payment.captured        a card payment (or --payment: paid at the store, or captured)
  payment.failed          a 3-D Secure card whose challenge fails
  payment.cancelled       a konbini slip the clerk cancels
  payment.expired         a konbini slip whose deadline passes (the sandbox
                          clock moves on 8 days: every payment in it ages)
  payment.refunded        a card payment refunded in full
  payment.refund.created  a card payment refunded in part

Without a key the event comes from the running "komoju-tui sandbox" (found
by itself; its --webhook-url receivers get it), or when none runs (or with
--fresh) from this command's own embedded sandbox. --forward-to URL always
uses an embedded sandbox of its own and delivers the event there (signed
with the sandbox's webhook secret, printed on stderr). Against KOMOJU
itself, the events that need a customer (failed, expired, and captured of
a konbini slip) cannot be produced.
`

// triggerJSON is trigger's --json output.
type triggerJSON struct {
	Event      string                `json:"event"`
	EventID    string                `json:"event_id,omitempty"`
	PaymentID  string                `json:"payment_id"`
	OrderNum   string                `json:"order_num,omitempty"`
	Status     string                `json:"status"`
	ForwardTo  string                `json:"forward_to,omitempty"`
	Deliveries []triggerDeliveryJSON `json:"deliveries,omitempty"`
	OK         bool                  `json:"ok"`
	ExitCode   int                   `json:"exit_code"`
	Error      *errorDetail          `json:"error,omitempty"`
}

// triggerDeliveryJSON is one delivery attempt of the event to --forward-to.
type triggerDeliveryJSON struct {
	Attempt int    `json:"attempt"`
	Status  int    `json:"status"`
	Success bool   `json:"success"`
	Error   string `json:"error,omitempty"`
}

// triggerEvents are the events trigger can produce, in the order shown.
var triggerEvents = []string{
	komoju.EventPaymentAuthorized, komoju.EventPaymentCaptured, komoju.EventPaymentFailed, komoju.EventPaymentCancelled,
	komoju.EventPaymentExpired, komoju.EventPaymentRefunded, komoju.EventPaymentRefundCreated,
}

// triggerCard is the sandbox's always-approved test card; triggerCard3DSFail
// asks for a 3-D Secure challenge that code 111111 fails (docs/SANDBOX.md).
const (
	triggerCard        = "4111111111111111"
	triggerCard3DSFail = "4100000000300005"
)

func (r *runner) trigger(args []string) int {
	fs, c := r.newFlagSet(true)
	paymentID := fs.String("payment", "", "drive this existing payment instead of a new one")
	forward := fs.String("forward-to", "", "with the embedded sandbox: deliver the event to this URL")
	pos, code, ok := r.parse(fs, triggerUsage, args)
	if !ok {
		return code
	}
	r.json = *c.json
	if len(pos) != 1 {
		r.usageError("EVENT", "name one event (one of %s)", strings.Join(triggerEvents, ", "))
		return ExitUsage
	}
	event := strings.TrimSpace(pos[0])
	if !strings.HasPrefix(event, "payment.") {
		event = "payment." + event // "trigger captured" reads as well
	}
	known := false
	for _, e := range triggerEvents {
		known = known || e == event
	}
	if !known {
		r.usageError("EVENT", "%q is not an event trigger can produce (one of %s)", pos[0], strings.Join(triggerEvents, ", "))
		return ExitUsage
	}
	if *paymentID != "" && event == komoju.EventPaymentAuthorized {
		r.usageError("--payment", "payment.authorized is made with a new payment only")
		return ExitUsage
	}
	if *forward != "" {
		u, err := url.Parse(*forward)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			r.usageError("--forward-to", "must be an http(s) URL such as http://127.0.0.1:3000/webhooks")
			return ExitUsage
		}
	}
	// --forward-to registers a webhook on the sandbox and reads its
	// deliveries in process: an embedded sandbox of its own.
	r.fresh = *forward != ""
	cfg, ok := r.resolve(c)
	if !ok {
		return ExitUsage
	}
	if *forward != "" && cfg.Mode != config.ModeSandbox {
		r.usageError("--forward-to", "only with the embedded sandbox (no key set); a running sandbox delivers to its own webhooks")
		return ExitUsage
	}
	if cfg.Mode == config.ModeLive {
		r.usageError("", "trigger makes test payments: it never runs with a live key")
		return ExitUsage
	}
	b, ok := r.open(cfg)
	if !ok {
		return ExitFailure
	}
	defer closeBackend(b, r.stderr)
	ctx, cancel := r.withTimeout(c, 0)
	defer cancel()
	if *forward != "" {
		if err := b.Sandbox.RegisterWebhook(sandbox.Webhook{URL: *forward, Events: []string{event}}); err != nil {
			return r.fail(ExitUsage, string(flows.ClassInput), "--forward-to: %s", err.Error())
		}
		fmt.Fprintln(r.stderr, say(r.language(), "trigger_delivering_s_s_s", event, *forward, b.Sandbox.WebhookSecret()))
	}
	t := &triggerer{r: r, b: b, base: sandboxBase(b)}
	p, o, err := t.drive(ctx, event, strings.TrimSpace(*paymentID))
	if err != nil {
		code := opExit(o, err)
		if code == ExitOK {
			code = ExitAPI
		}
		msg := o.Message
		if msg == "" {
			msg = err.Error()
		}
		return r.fail(code, className(o, err, code), "%s not produced: %s", event, msg)
	}
	res := triggerJSON{Event: event, PaymentID: p.ID, OrderNum: o.OrderNum, Status: string(p.Status), ForwardTo: *forward, OK: true}
	res.EventID = t.eventID(ctx, event, p.ID)
	if *forward != "" {
		res.Deliveries = waitDeliveries(ctx, b.Sandbox, *forward, event, res.EventID)
		if len(res.Deliveries) == 0 || !res.Deliveries[len(res.Deliveries)-1].Success {
			res.OK, res.ExitCode = false, ExitNotCompleted
		}
	}
	if r.json {
		r.writeJSON(res)
	} else {
		lang := r.language()
		fmt.Fprintln(r.stdout, say(lang, "trigger_done_s_s_s", event, p.ID, statusName(string(p.Status), lang)))
		if res.EventID != "" {
			fmt.Fprintln(r.stdout, say(lang, "trigger_event_s", res.EventID))
		}
		for _, d := range res.Deliveries {
			fmt.Fprintln(r.stdout, say(lang, "trigger_delivery_d_s_d_s", d.Attempt, *forward, d.Status, d.Error))
		}
	}
	if res.ExitCode != ExitOK {
		fmt.Fprintf(r.stderr, "komoju-tui trigger: %s\n", say(r.language(), "trigger_refused_s_s_d", event, *forward, res.ExitCode))
	}
	return res.ExitCode
}

// sandboxBase is the base URL of the sandbox's control and customer pages
// ("" when KOMOJU is not the sandbox as far as we know).
func sandboxBase(b *Backend) string {
	if b.Sandbox != nil {
		return b.Sandbox.BaseURL()
	}
	return strings.TrimSuffix(strings.TrimSuffix(b.Config.APIURL, "/"), "/api/v1")
}

// triggerer drives one payment to the state that sends an event.
type triggerer struct {
	r    *runner
	b    *Backend
	base string
}

func (t *triggerer) drive(ctx context.Context, event, id string) (*komoju.Payment, flows.Outcome, error) {
	e := t.b.Engine
	newPay := func(method komoju.PaymentType, d flows.Details, want flows.OutcomeKind) (flows.Outcome, error) {
		co := flows.Checkout{Amount: 1000, Currency: "JPY", Description: "komoju-tui trigger " + event, Flow: flows.FlowDirect}
		o, err := e.PayDirect(ctx, co, method, d, flows.PayOptions{})
		if err == nil && o.Kind != want {
			err = fmt.Errorf("the new payment is %s, not %s", o.Kind, want)
		}
		return o, err
	}
	konbini := flows.Details{Store: komoju.StoreLawson, Email: "trigger@example.com", Phone: "0312345678"}
	card := func(n string) flows.Details {
		return flows.Details{CardNumber: n, CardExpiry: time.Now().AddDate(3, 0, 0).Format("01/06"), CardCVC: "123"}
	}
	var o flows.Outcome
	var err error
	if id == "" {
		switch event {
		case komoju.EventPaymentAuthorized, komoju.EventPaymentCancelled, komoju.EventPaymentExpired:
			o, err = newPay(komoju.TypeKonbini, konbini, flows.OutcomeAwaiting)
		case komoju.EventPaymentFailed:
			// 3-D Secure is asked through a session only (Method 1).
			var sale *flows.Sale
			co := flows.Checkout{Amount: 1000, Currency: "JPY", Description: "komoju-tui trigger " + event}
			if sale, err = e.StartSession(ctx, co); err == nil {
				o, err = e.PaySession(ctx, sale, komoju.TypeCreditCard, card(triggerCard3DSFail), flows.PayOptions{})
			}
			if err == nil && o.Kind != flows.OutcomeRedirect {
				err = fmt.Errorf("the new payment is %s, not waiting for 3-D Secure", o.Kind)
			}
		default:
			o, err = newPay(komoju.TypeCreditCard, card(triggerCard), flows.OutcomePaid)
		}
		if err != nil {
			return nil, o, err
		}
		id = o.PaymentID()
	}
	p, err := e.Client().Payments.Get(ctx, id)
	if err != nil {
		return nil, lookupOutcome(err), err
	}
	if p.ExternalOrderNum != nil {
		o.OrderNum = *p.ExternalOrderNum
	}
	switch event {
	case komoju.EventPaymentAuthorized:
		// Made above.
	case komoju.EventPaymentCaptured:
		switch {
		case p.Status == komoju.PaymentAuthorized && p.Type() == komoju.TypeCreditCard:
			o, err = e.Capture(ctx, id, 0)
		case p.Status == komoju.PaymentAuthorized:
			err = t.customer(ctx, id, "pay_at_store", nil)
		case p.Status != komoju.PaymentCaptured:
			err = fmt.Errorf("payment %s is %s: only an authorized payment can be captured", id, p.Status)
		}
	case komoju.EventPaymentFailed:
		if p.Status != komoju.PaymentPending {
			err = fmt.Errorf("payment %s is %s: only a pending 3-D Secure payment can fail", id, p.Status)
		} else {
			err = t.customer(ctx, id, "3ds", url.Values{"code": {"111111"}})
		}
	case komoju.EventPaymentCancelled:
		o, err = e.Cancel(ctx, id)
	case komoju.EventPaymentRefunded:
		o, err = e.Refund(ctx, id, 0, "komoju-tui trigger")
	case komoju.EventPaymentRefundCreated:
		o, err = e.Refund(ctx, id, max(1, p.RefundableAmount()/2), "komoju-tui trigger")
	case komoju.EventPaymentExpired:
		err = t.control(ctx, "/sandbox/clock", `{"advance":"8d"}`)
	}
	if err != nil {
		if o.Message == "" || o.Kind != flows.OutcomeError {
			o = flows.Outcome{Kind: flows.OutcomeError, Message: err.Error(), OrderNum: o.OrderNum}
		}
		return nil, o, err
	}
	// Read the payment back as KOMOJU has it now (recording its status).
	ro, err := e.Refresh(ctx, id)
	if err != nil || ro.Payment == nil {
		if err == nil {
			err = errors.New("no payment in the answer")
		}
		return nil, ro, err
	}
	ro.OrderNum = o.OrderNum
	return ro.Payment, ro, nil
}

// errNoSandbox says a customer's step needs the komoju-tui sandbox.
var errNoSandbox = errors.New("this needs a customer, which only the komoju-tui sandbox can play: run 'komoju-tui sandbox' and point KOMOJU_API_URL at it, or set no key")

// customer performs a customer's action on the sandbox's hosted pages.
func (t *triggerer) customer(ctx context.Context, id, action string, form url.Values) error {
	return t.post(ctx, "/sandbox/payments/"+url.PathEscape(id)+"/"+action, "application/x-www-form-urlencoded", form.Encode())
}

// control calls a sandbox control endpoint with a JSON body.
func (t *triggerer) control(ctx context.Context, path, body string) error {
	return t.post(ctx, path, "application/json", body)
}

func (t *triggerer) post(ctx context.Context, path, ctype, body string) error {
	if t.base == "" {
		return errNoSandbox
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.base+path, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", ctype)
	req.SetBasicAuth(t.b.Config.SecretKey, "")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("the sandbox at %s: %w", t.base, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return errNoSandbox
	case resp.StatusCode >= 300:
		return fmt.Errorf("the sandbox answered HTTP %d to %s", resp.StatusCode, path)
	}
	return nil
}

// eventID finds the id of the event the trigger produced ("" when KOMOJU
// does not list it).
func (t *triggerer) eventID(ctx context.Context, event, paymentID string) string {
	l, err := t.b.Engine.Client().Events.List(ctx, &komoju.EventListParams{PerPage: 50})
	if err != nil {
		return ""
	}
	evs := l.Data
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].CreatedAt.After(evs[j].CreatedAt) })
	for i := range evs {
		if evs[i].Type != event {
			continue
		}
		if p, err := evs[i].Payment(); err == nil && p.ID == paymentID {
			return evs[i].ID
		}
	}
	return ""
}

// waitDeliveries waits until the embedded sandbox has a final (or a
// successful) delivery of the event to url, and returns the attempts.
func waitDeliveries(ctx context.Context, sb *sandbox.Server, url, event, eventID string) []triggerDeliveryJSON {
	for {
		var out []triggerDeliveryJSON
		done := false
		for _, d := range sb.Deliveries() {
			if d.URL != url || d.EventType != event || (eventID != "" && d.EventID != eventID) {
				continue
			}
			out = append(out, triggerDeliveryJSON{Attempt: d.Attempt, Status: d.Status, Success: d.Success, Error: d.Error})
			done = done || d.Success || d.Final
		}
		if done {
			return out
		}
		select {
		case <-ctx.Done():
			return out
		case <-time.After(20 * time.Millisecond):
		}
		if len(out) > 0 && !out[len(out)-1].Success {
			// A failed first attempt is retried on the sandbox's schedule;
			// the command does not wait for that.
			return out
		}
	}
}
