package sandbox

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// Deadlines the documentation does not fix (Sandbox choices).
const (
	// pendingTTL: a pending redirect (wallet or 3DS) the customer never
	// finishes expires after a day, like an unpaid session.
	pendingTTL = 24 * time.Hour
	// authTTL: card authorizations "typically expire after 30 days" (KOMOJU
	// two-step capture guide); payment_details[expiry_days] overrides it.
	authTTL = 30 * 24 * time.Hour
)

// chargeIn is a validated request to create a payment, directly or through
// a session.
type chargeIn struct {
	amount, tax int64
	currency    string
	manual      bool
	det         detailsInput
	orderNum    string
	description string
	metadata    map[string]string
	locale      string
	returnURL   string
	cancelURL   string
	sess        *sessRec
	scenario    string
	// direct payments skip 3DS, as the seed's Method 2 says.
	direct bool
	// descriptor is the payment's statement_descriptor object, or nil.
	descriptor json.RawMessage
	// webhooks are the payment's own webhooks (Payment: Create).
	webhooks []Webhook
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	// Not &s: once inlined, an escaping parameter is moved to the heap
	// before the test above, an allocation even for "" (four per payment).
	p := new(string)
	*p = s
	return p
}

// chargeLocked creates a payment and its events. A decline (test card or
// Komoju-Scenario) still records a failed payment (payment.failed) and
// returns it together with the 502 error. Callers hold s.mu.
func (s *Server) chargeLocked(in chargeIn, now time.Time) (*payRec, *apiError) {
	if err := s.checkMethodLimit(in); err != nil {
		return nil, err
	}
	if in.det.scannedCode == ScannedCodeExpired {
		return nil, errScannedExpired()
	}
	var secTok *secureTokenRec
	if in.det.tokenID != "" && s.st.tokens[in.det.tokenID] == nil {
		st, err := s.secureTokenForPayment(in)
		if err != nil {
			return nil, err
		}
		secTok = st
		in.det.card, in.direct = st.card, true // authenticated (or skipped) already: no second challenge
		if in.det.email == "" {
			in.det.email = st.email
		}
	} else if in.det.tokenID != "" {
		tok := s.st.tokens[in.det.tokenID]
		switch {
		case tok == nil:
			return nil, newErr(komoju.CodeInvalidToken, "payment_details", "Token %s does not exist", truncate(in.det.tokenID, 64))
		case tok.used:
			return nil, newErr(komoju.CodeInvalidToken, "payment_details", "Token %s has already been used for a payment", in.det.tokenID)
		case tok.currency != "" && tok.currency != in.currency:
			return nil, newErr(komoju.CodeInvalidCurrency, "currency", "Token %s was created for %s, not %s", in.det.tokenID, tok.currency, in.currency)
		}
		in.det.card = tok.card
	}
	fee := s.fees[in.det.typ]
	id := s.newID()
	p := &komoju.Payment{
		ID:                  id,
		Resource:            "payment",
		Amount:              in.amount,
		Tax:                 in.tax,
		PaymentMethodFee:    fee,
		Total:               in.amount + in.tax + fee,
		Currency:            in.currency,
		Description:         strPtr(in.description),
		Metadata:            in.metadata,
		CreatedAt:           now,
		Locale:              in.locale,
		Refunds:             []komoju.Refund{},
		RefundRequests:      []komoju.RefundRequest{},
		StatementDescriptor: in.descriptor,
	}
	if p.Metadata == nil {
		p.Metadata = s.emptyMeta // shared and never written: metadata is replaced, not edited
	}
	if in.sess != nil {
		p.Session = &in.sess.view.ID
	}
	p.CustomerGivenName = strPtr(in.det.givenName)
	p.CustomerFamilyName = strPtr(in.det.familyName)
	ret := in.returnURL
	if in.sess != nil {
		ret = "" // a session's payment returns to the session's return_url (returnTarget): not kept twice
	}
	rec := &payRec{typ: in.det.typ, manual: in.manual, session: in.sess, extra: newPayExtra(ret, in.cancelURL, in.webhooks, 0)}
	if in.orderNum != "" {
		rec.orderNum = in.orderNum
		p.ExternalOrderNum = &rec.orderNum
	}
	rec.cur.Store(p)
	if in.det.typ == komoju.TypeCreditCard {
		if in.det.card.tds != tdsNone && !in.direct {
			// Gets its own copy: the 3DS redirect_url is filled in below.
			cc := in.det.card.details(in.det.email)
			p.PaymentDetails = &komoju.PaymentDetails{Type: komoju.TypeCreditCard, CreditCard: &cc}
		} else {
			p.PaymentDetails = s.sharedCardDetails(in.det.card.details(in.det.email))
		}
	}

	declined := in.scenario
	if declined == "" && in.det.typ == komoju.TypeCreditCard {
		declined = in.det.card.decline
	}
	if declined == "" && in.det.scannedCode != "" {
		declined = scannedDecline(in.det.scannedCode)
	}
	// What happens to the new payment; the table gives its status and events.
	var on payEvent
	switch {
	case declined != "":
		if p.PaymentDetails == nil {
			p.PaymentDetails = failedDetails(in.det)
		}
		on = payDecline
	case in.det.typ == komoju.TypeCreditCard:
		if in.det.card.tds != tdsNone && !in.direct {
			rec.tds = in.det.card.tds
			on = payAwait
			p.PaymentDetails.CreditCard.RedirectURL = s.base + "/sandbox/3ds/" + id
			rec.deadline = now.Add(pendingTTL)
		} else if in.manual {
			on = payAuthorize
			rec.deadline = now.Add(authTTL)
			if in.det.expiryDays > 0 {
				rec.deadline = now.Add(time.Duration(in.det.expiryDays) * 24 * time.Hour)
			}
		} else {
			on = payCharge
			p.CapturedAt = s.timePtr(now)
		}
	case in.det.typ.IsAsync():
		rec.deadline = cashDeadline(now, in.det.expiryDays)
		on = payAuthorize
		p.PaymentDetails = s.cashDetails(id, in.det, rec.deadline)
	case in.det.scannedCode != "": // PayPay code scanned at the counter: answered at once
		p.PaymentDetails = s.scannedDetails(in.det)
		if in.manual {
			on = payAuthorize
			rec.deadline = now.Add(authTTL)
		} else {
			on = payCharge
			p.CapturedAt = s.timePtr(now)
		}
	default: // offsite wallets
		on = payAwait
		p.PaymentDetails = s.offsiteDetails(id, in.det)
		rec.deadline = now.Add(pendingTTL)
	}
	t := paymentStep(payNew, on)
	p.Status = t.to
	if !rec.deadline.IsZero() {
		d := rec.deadline
		p.PaymentDeadline = &d
	}
	rec.seq = len(s.st.order)
	s.st.order = append(s.st.order, rec) // indexed by id and order number on a look-up, at the latest after indexChunk more (state.indexed)
	if len(s.st.order)-s.st.indexed >= indexChunk {
		s.st.indexPayments()
	}
	if in.sess != nil {
		in.sess.latest = rec
		s.sessionFollowLocked(rec, now)
	}
	if in.det.tokenID != "" && p.Status != komoju.PaymentFailed {
		if secTok != nil {
			secTok.used = true
		} else {
			s.st.tokens[in.det.tokenID].used = true
		}
	}
	s.afterPaymentMove(rec, t, now)
	if declined != "" {
		return rec, newErr(declined, "", "%s", declineMessage(declined))
	}
	return rec, nil
}

// descriptorFields are the fields of KOMOJU's StatementDescriptor model
// (komoju/komoju-node-sdk models/statement-descriptor.ts) with the sandbox's
// length limits (Sandbox choice: KOMOJU's limits depend on the card network).
var descriptorFields = []descriptorField{{"statement_descriptor", 22}, {"statement_descriptor_alpha", 22}, {"statement_descriptor_kana", 22}, {"statement_city", 13}, {"contact_phone", 20}}

type descriptorField struct {
	name string
	max  int
}

// parseDescriptor reads the optional statement_descriptor object of a
// direct payment; the payment echoes it.
func parseDescriptor(p obj) (json.RawMessage, *apiError) {
	d, ok, err := p.object("statement_descriptor", "statement_descriptor")
	if err != nil || !ok {
		return nil, err
	}
	out := map[string]string{}
	for k := range d {
		if !slices.ContainsFunc(descriptorFields, func(f descriptorField) bool { return f.name == k }) {
			return nil, errInvalid("statement_descriptor["+truncate(k, 40)+"]", "not a statement descriptor field")
		}
	}
	for _, f := range descriptorFields {
		v, has, err := d.str(f.name, "statement_descriptor["+f.name+"]", 4*f.max)
		if err != nil {
			return nil, err
		}
		if has && v != "" {
			if n := utf8.RuneCountInString(v); n > f.max {
				return nil, errInvalid("statement_descriptor["+f.name+"]", "at most %d characters", f.max)
			}
			out[f.name] = v
		}
	}
	b, _ := json.Marshal(out)
	return b, nil
}

// failedDetails is payment_details of a payment declined before any code
// was issued: the type and the contact fields KOMOJU's response models
// require (email; a konbini's store), without receipts or redirects.
func failedDetails(in detailsInput) *komoju.PaymentDetails {
	d := &komoju.PaymentDetails{Type: in.typ}
	switch {
	case in.typ == komoju.TypeKonbini:
		d.Konbini = &komoju.KonbiniDetails{Store: in.store, Email: in.email}
	case in.typ == komoju.TypeBankTransfer:
		d.BankTransfer = &komoju.BankTransferDetails{Email: in.email}
	case in.typ == komoju.TypePayEasy:
		d.PayEasy = &komoju.PayEasyDetails{Email: in.email}
	case in.typ.IsOffsite():
		d.Offsite = &komoju.OffsiteDetails{Email: in.email}
	default:
		d.Raw = []byte(`{"type":"` + string(in.typ) + `"}`)
	}
	return d
}

// checkMethodLimit refuses a payment above its method's per-payment cap
// (komoju.MethodLimit) with KOMOJU's error shape, before anything is
// recorded.
func (s *Server) checkMethodLimit(in chargeIn) *apiError {
	total := in.amount + in.tax + s.fees[in.det.typ]
	if max, ok := komoju.MethodLimit(in.det.typ, in.currency); ok && total > max {
		return &apiError{status: 422, code: komoju.CodeInvalidParameter, param: "amount", message: komoju.MethodLimitMessage(in.det.typ, in.currency, max)}
	}
	return nil
}

// declineMessage is the English message KOMOJU gives for a decline code.
func declineMessage(code string) string {
	switch code {
	case komoju.CodeInsufficientFunds:
		return "The card has insufficient funds."
	case komoju.CodeExceedsLimit:
		return "The payment exceeds the card's limit."
	case komoju.CodeBadVerificationVal:
		return "The card's security code (CVC) is incorrect."
	case komoju.CodeCardExpired:
		return "The card has expired."
	case komoju.CodeCardDeclined:
		return "The card was declined and cannot be used."
	case komoju.CodeInvalidNumber:
		return "The card number is invalid."
	case komoju.CodeUsedNumber:
		return "The prepaid number has already been used."
	case komoju.CodeFraudulent:
		return "The payment was rejected as potentially fraudulent."
	}
	return "The payment was declined (" + code + ")."
}

// scenarioCodes are the Komoju-Scenario values the sandbox honours: the
// payment errors KOMOJU answers with 502 (§6), plus fraudulent.
func validScenario(code string) bool {
	if code == komoju.CodeFraudulent {
		return true
	}
	return komoju.ErrorStatus(code) == 502 && code != komoju.CodeBadGateway
}

func scenarioHeader(q *apiReq) (string, *apiError) {
	sc := strings.TrimSpace(q.r.Header.Get("Komoju-Scenario"))
	if sc == "" {
		return "", nil
	}
	if !validScenario(sc) {
		return "", errBadRequest("Komoju-Scenario %q is not a payment error code (use e.g. %s)", truncate(sc, 40), strings.Join(komoju.DeclineCodes, ", "))
	}
	return sc, nil
}

// sessionFollowLocked completes the session once its latest payment is
// authorized or captured.
func (s *Server) sessionFollowLocked(p *payRec, now time.Time) {
	ss := p.session
	if ss == nil || ss.latest != p || sessionStep(ss.view.Status, sessComplete) == nil {
		return
	}
	if st := p.snap().Status; st == komoju.PaymentCaptured || st == komoju.PaymentAuthorized {
		_ = s.moveSession(ss, sessComplete, now) // allowed: checked above
	}
}

// parseTax reads tax: an integer, "auto" (10% consumption tax, rounded half
// up) or absent. Absent means "auto" before API version 2026-01-27 and 0
// from it on, as KOMOJU's changelog says; the seed's clients send 0.
func parseTax(q *apiReq, amount int64) (int64, *apiError) {
	if v, ok := q.p.value("tax"); ok {
		if s, isStr := v.(string); isStr && strings.EqualFold(strings.TrimSpace(s), "auto") {
			return (amount*10 + 50) / 100, nil
		}
		t, _, err := q.p.int("tax", "tax")
		if err != nil {
			return 0, err
		}
		if t < 0 || t > komoju.MaxAmount {
			return 0, errInvalid("tax", "must be between 0 and %d, or \"auto\"", komoju.MaxAmount)
		}
		return t, nil
	}
	if v := q.r.Header.Get(hdrAPIVersion); v != "" && v >= "2026-01-27" {
		return 0, nil
	}
	return (amount*10 + 50) / 100, nil
}

func parseLocale(p obj, key string) (string, *apiError) {
	l, ok, err := p.str(key, key, 8)
	if err != nil {
		return "", err
	}
	if !ok || l == "" {
		return "ja", nil
	}
	switch l {
	case "ja", "en", "ko":
		return l, nil
	}
	return "", errInvalid(key, "%q is not one of ja, en, ko", l)
}

// createPayment is POST /payments.
func (s *Server) createPayment(q *apiReq) apiResp {
	p := q.p
	if _, ok := p.value("customer"); ok {
		return fail(errInvalid("customer", "saved customers are not supported by the sandbox; send payment_details"))
	}
	amount, err := p.amount("amount", "amount")
	if err != nil {
		return fail(err)
	}
	currency, err := p.currency("currency", "currency")
	if err != nil {
		return fail(err)
	}
	capture, hasCapture, err := p.bool("capture", "capture")
	if err != nil {
		return fail(err)
	}
	tax, err := parseTax(q, amount)
	if err != nil {
		return fail(err)
	}
	in := chargeIn{amount: amount, tax: tax, currency: currency, manual: hasCapture && !capture, direct: true}
	if in.description, _, err = p.str("description", "description", 1000); err != nil {
		return fail(err)
	}
	if in.orderNum, _, err = p.str("external_order_num", "external_order_num", 255); err != nil {
		return fail(err)
	}
	in.orderNum = strings.TrimSpace(in.orderNum)
	if in.returnURL, err = p.absURL("return_url", "return_url"); err != nil {
		return fail(err)
	}
	if in.cancelURL, err = p.absURL("cancel_url", "cancel_url"); err != nil {
		return fail(err)
	}
	if in.locale, err = parseLocale(p, "locale"); err != nil {
		return fail(err)
	}
	if in.metadata, _, err = p.metadata("metadata", "metadata"); err != nil {
		return fail(err)
	}
	if in.scenario, err = scenarioHeader(q); err != nil {
		return fail(err)
	}
	if in.descriptor, err = parseDescriptor(p); err != nil {
		return fail(err)
	}
	if in.webhooks, err = parsePaymentWebhooks(p); err != nil {
		return fail(err)
	}
	if in.det, err = parseDetails(p, currency, "", q.now); err != nil {
		return fail(err)
	}
	s.mu.Lock()
	if in.orderNum != "" {
		if other := s.st.paymentHolding(in.orderNum); other != nil {
			s.mu.Unlock()
			return fail(errInvalid("external_order_num", "%q is already used by payment %s; order numbers are unique per payment", truncate(in.orderNum, 64), other.snap().ID))
		}
	}
	rec, err := s.chargeLocked(in, q.now)
	var snap *komoju.Payment
	if err == nil {
		snap = rec.snap() // read under the lock: expiry may replace it
	}
	s.mu.Unlock()
	if err != nil {
		return fail(err)
	}
	return okJSON(snap)
}

// findPayment looks a payment up. Callers hold s.mu.
func (s *Server) findPayment(id string) (*payRec, *apiError) {
	p := s.st.paymentByID(id)
	if p == nil {
		return nil, errNotFound("payment", id)
	}
	return p, nil
}

// getPayment is GET /payments/{id}.
func (s *Server) getPayment(q *apiReq) apiResp {
	s.mu.Lock()
	p, err := s.findPayment(q.r.PathValue("id"))
	var snap *komoju.Payment
	if err == nil {
		snap = p.snap() // read under the lock: expiry may replace it
	}
	s.mu.Unlock()
	if err != nil {
		return fail(err)
	}
	return okJSON(snap)
}

func parsePaging(p obj) (page, perPage int, err *apiError) {
	pg, ok, err := p.int("page", "page")
	if err != nil {
		return 0, 0, err
	}
	if !ok {
		pg = 1
	}
	if pg < 1 || pg > 1e9 {
		return 0, 0, errInvalid("page", "must be 1 or more")
	}
	pp, ok, err := p.int("per_page", "per_page")
	if err != nil {
		return 0, 0, err
	}
	if !ok {
		pp = 10
	}
	if pp < 1 || pp > 100 {
		return 0, 0, errInvalid("per_page", "must be between 1 and 100")
	}
	return int(pg), int(pp), nil
}

func parseTime(p obj, key string) (time.Time, *apiError) {
	s, ok, err := p.str(key, key, 64)
	if err != nil || !ok || s == "" {
		return time.Time{}, err
	}
	t, perr := time.Parse(time.RFC3339, s)
	if perr != nil {
		if d, derr := time.Parse("2006-01-02", s); derr == nil {
			return d, nil
		}
		return time.Time{}, errInvalid(key, "expected an ISO 8601 time such as 2026-01-02T15:04:05Z")
	}
	return t, nil
}

// listEnvelope builds KOMOJU's list answer: last_page = ceil(total/per_page).
// start_time and end_time echo the query's range (KOMOJU's PaymentList and
// EventList models carry them); null when the query gave none.
func listEnvelope[T any](items []T, total, page, perPage int, start, end time.Time) komoju.List[T] {
	if items == nil {
		items = []T{}
	}
	l := komoju.List[T]{Resource: "list", Total: total, Page: page, PerPage: perPage, LastPage: (total + perPage - 1) / perPage, Data: items}
	if !start.IsZero() {
		l.StartTime = &start
	}
	if !end.IsZero() {
		l.EndTime = &end
	}
	return l
}

// pageKey names an unfiltered list page.
type pageKey struct{ page, perPage int }

// maxCachedPages bounds the page cache (a page of 100 is about 60 KB).
const maxCachedPages = 16

// cachePage keeps r as the page key encoded at payment generation gen,
// unless a payment changed meanwhile. Callers hold s.mu.
func (st *state) cachePage(gen uint64, key pageKey, r apiResp) {
	if st.payGen != gen || r.status != http.StatusOK {
		return
	}
	if st.pagesGen != gen {
		clear(st.pages)
		st.pagesGen = gen
	}
	if len(st.pages) < maxCachedPages {
		st.pages[key] = r
	}
}

// listPayments is GET /payments: newest first, filtered by status (one or
// comma-separated), external_order_num, currency, start_time and end_time.
func (s *Server) listPayments(q *apiReq) apiResp {
	p := q.p
	page, perPage, err := parsePaging(p)
	if err != nil {
		return fail(err)
	}
	var statuses []komoju.PaymentStatus
	if l, _, err := p.list("status", "status"); err != nil {
		return fail(err)
	} else {
		for _, v := range l {
			st, _ := v.(string)
			switch komoju.PaymentStatus(st) {
			case komoju.PaymentPending, komoju.PaymentAuthorized, komoju.PaymentCaptured, komoju.PaymentRefunded,
				komoju.PaymentCancelled, komoju.PaymentExpired, komoju.PaymentFailed:
				statuses = append(statuses, komoju.PaymentStatus(st))
			default:
				return fail(errInvalid("status", "%q is not a payment status", truncate(st, 32)))
			}
		}
	}
	orderNum, _, err := p.str("external_order_num", "external_order_num", 255)
	if err != nil {
		return fail(err)
	}
	currency := ""
	if _, ok := p.value("currency"); ok {
		if currency, err = p.currency("currency", "currency"); err != nil {
			return fail(err)
		}
	}
	start, err := parseTime(p, "start_time")
	if err != nil {
		return fail(err)
	}
	end, err := parseTime(p, "end_time")
	if err != nil {
		return fail(err)
	}
	skip := (page - 1) * perPage
	var out []*komoju.Payment
	total := 0
	s.mu.Lock()
	if len(statuses) == 0 && orderNum == "" && currency == "" && start.IsZero() && end.IsZero() {
		// No filter: index the page directly instead of scanning every
		// payment, and answer it from the page cache while no payment has
		// changed (a till polling the first page re-encodes nothing).
		st, gen, key := s.st, s.st.payGen, pageKey{page, perPage}
		if st.pagesGen == gen {
			if r, ok := st.pages[key]; ok {
				s.mu.Unlock()
				return r
			}
		}
		total = len(st.order)
		for i := total - 1 - skip; i >= 0 && len(out) < perPage; i-- {
			out = append(out, st.order[i].snap())
		}
		s.mu.Unlock()
		r := okJSON(listEnvelope(out, total, page, perPage, start, end))
		s.mu.Lock()
		st.cachePage(gen, key, r)
		s.mu.Unlock()
		return r
	}
	// Filters scan without the lock: both slices are append-only, so the
	// records up to the length read now never change place, and each
	// payment's snapshot is read atomically. An order number narrows the
	// scan to its own payments through the index.
	cands := s.st.order
	if orderNum != "" {
		s.st.indexPayments()
		cands = s.st.idx.withNum(s.st.order, orderNum)
	}
	s.mu.Unlock()
	for i := len(cands) - 1; i >= 0; i-- {
		c := cands[i].snap()
		if (len(statuses) > 0 && !slices.Contains(statuses, c.Status)) ||
			(orderNum != "" && c.OrderNum() != orderNum) ||
			(currency != "" && c.Currency != currency) ||
			(!start.IsZero() && c.CreatedAt.Before(start)) ||
			(!end.IsZero() && c.CreatedAt.After(end)) {
			continue
		}
		if total >= skip && len(out) < perPage {
			out = append(out, c)
		}
		total++
	}
	return okJSON(listEnvelope(out, total, page, perPage, start, end))
}

// updatePayment is PATCH /payments/{id}: description and metadata only.
// Sandbox choice: metadata replaces the old metadata as a whole.
func (s *Server) updatePayment(q *apiReq) apiResp {
	desc, hasDesc, err := q.p.str("description", "description", 1000)
	if err != nil {
		return fail(err)
	}
	meta, hasMeta, err := q.p.metadata("metadata", "metadata")
	if err != nil {
		return fail(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.findPayment(q.r.PathValue("id"))
	if err != nil {
		return fail(err)
	}
	if !hasDesc && !hasMeta {
		return okJSON(p.snap())
	}
	if err := s.movePayment(p, payUpdate, q.now, func(c *komoju.Payment) {
		if hasDesc {
			c.Description = strPtr(desc)
		}
		if hasMeta {
			c.Metadata = meta
		}
	}); err != nil {
		return fail(err)
	}
	return okJSON(p.snap())
}

// capturePayment is POST /payments/{id}/capture.
//
// Sandbox choice for partial capture (KOMOJU does not document it): amount
// (before tax) may be at most the authorized amount; the payment's amount
// becomes the captured amount, tax stays unless tax is given, and total is
// recomputed. The uncaptured rest is released.
func (s *Server) capturePayment(q *apiReq) apiResp {
	amount, hasAmount, err := q.p.optAmount("amount", "amount")
	if err != nil {
		return fail(err)
	}
	tax, hasTax, err := q.p.int("tax", "tax")
	if err != nil {
		return fail(err)
	}
	if hasTax && (tax < 0 || tax > komoju.MaxAmount) {
		return fail(errInvalid("tax", "must be between 0 and %d", komoju.MaxAmount))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.findPayment(q.r.PathValue("id"))
	if err != nil {
		return fail(err)
	}
	if !hasAmount {
		amount = -1
	}
	if !hasTax {
		tax = -1
	}
	if err := s.captureLocked(p, amount, tax, q.now); err != nil {
		return fail(err)
	}
	return okJSON(p.snap())
}

// captureLocked captures an authorized payment: amount and tax (-1: as
// authorized) may lower what is taken. Callers hold s.mu.
func (s *Server) captureLocked(p *payRec, amount, tax int64, now time.Time) *apiError {
	c := p.snap()
	if paymentStep(c.Status, payCapture) == nil {
		return payRefusal(c.ID, c.Status, payCapture)
	}
	if p.typ.IsAsync() {
		return newErr(komoju.CodeNotCapturable, "", "Payment %s is a %s payment: it is captured when the customer pays, not by the merchant", c.ID, p.typ)
	}
	if amount < 0 {
		amount = c.Amount
	}
	if tax < 0 {
		tax = c.Tax
	}
	if amount > c.Amount {
		return errInvalid("amount", "%d is more than the authorized amount %d", amount, c.Amount)
	}
	if amount+tax > c.Amount+c.Tax {
		return errInvalid("tax", "amount plus tax (%d) is more than the authorized total %d", amount+tax, c.Amount+c.Tax)
	}
	return s.movePayment(p, payCapture, now, func(c *komoju.Payment) {
		c.Amount, c.Tax = amount, tax
		c.Total = amount + tax + c.PaymentMethodFee
		c.CapturedAt = s.timePtr(now)
		c.PaymentDeadline = nil
	})
}

// cancelLocked cancels a pending or authorized payment.
func (s *Server) cancelLocked(p *payRec, now time.Time) *apiError {
	return s.movePayment(p, payCancel, now, nil)
}

// cancelPayment is POST /payments/{id}/cancel.
func (s *Server) cancelPayment(q *apiReq) apiResp {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.findPayment(q.r.PathValue("id"))
	if err != nil {
		return fail(err)
	}
	if err := s.cancelLocked(p, q.now); err != nil {
		return fail(err)
	}
	return okJSON(p.snap())
}

// refundPayment is POST /payments/{id}/refund. Amounts include tax. A
// partial refund leaves the payment captured; the refund that brings
// amount_refunded to total makes it refunded. Every refund records
// payment.refund.created, the last one payment.refunded too.
func (s *Server) refundPayment(q *apiReq) apiResp {
	amount, hasAmount, err := q.p.optAmount("amount", "amount")
	if err != nil {
		return fail(err)
	}
	desc, _, err := q.p.str("description", "description", 1000)
	if err != nil {
		return fail(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.findPayment(q.r.PathValue("id"))
	if err != nil {
		return fail(err)
	}
	if !hasAmount {
		amount = -1
	}
	if err := s.refundLocked(p, amount, desc, q.now); err != nil {
		return fail(err)
	}
	return okJSON(p.snap())
}

// refundLocked refunds amount (-1: all that is left) of a captured
// payment. Callers hold s.mu.
func (s *Server) refundLocked(p *payRec, amount int64, desc string, now time.Time) *apiError {
	c := p.snap()
	switch {
	case p.typ.IsAsync():
		return newErr(komoju.CodeNotRefundable, "", "%s payments cannot be refunded through the API: the money was paid in cash, so use POST /payments/%s/refund_request to refund by bank transfer", p.typ, c.ID)
	case paymentStep(c.Status, payRefund) == nil:
		return payRefusal(c.ID, c.Status, payRefund)
	}
	remaining := c.Total - c.AmountRefunded
	if amount < 0 {
		amount = remaining
	}
	if amount > remaining {
		return errInvalid("amount", "%d is more than the %d that can still be refunded", amount, remaining)
	}
	ref := komoju.Refund{ID: s.newID(), Resource: "refund", Amount: amount, Currency: c.Currency, Payment: c.ID, Description: strPtr(desc), CreatedAt: now}
	on := payRefund
	if amount == remaining {
		on = payRefundAll
	}
	return s.movePayment(p, on, now, func(c *komoju.Payment) {
		c.Refunds = append(slices.Clip(c.Refunds), ref)
		c.AmountRefunded += amount
	})
}

// refundRequest is POST /payments/{id}/refund_request, for cash payments
// (konbini, bank_transfer, pay_easy) that refund cannot handle. It answers
// 200 with an empty body, as KOMOJU does, and appends a pending refund
// request to the payment (payment.updated). The payment stays captured.
func (s *Server) refundRequest(q *apiReq) apiResp {
	p := q.p
	amount, err := p.amount("amount", "amount")
	if err != nil {
		return fail(err)
	}
	var f [6]string
	for i, name := range []string{"customer_name", "bank_name", "branch_number", "account_type", "account_number"} {
		if f[i], err = p.reqStr(name, name, 100); err != nil {
			return fail(err)
		}
	}
	if _, ok := p.value("include_payment_method_fee"); !ok {
		return fail(errMissing("include_payment_method_fee"))
	}
	inclFee, _, err := p.bool("include_payment_method_fee", "include_payment_method_fee")
	if err != nil {
		return fail(err)
	}
	bankCode, _, err := p.str("bank_code", "bank_code", 8)
	if err != nil {
		return fail(err)
	}
	branchName, _, err := p.str("branch_name", "branch_name", 100)
	if err != nil {
		return fail(err)
	}
	desc, _, err := p.str("description", "description", 1000)
	if err != nil {
		return fail(err)
	}
	digits := func(name, v string, n int) *apiError {
		if len(v) < 1 || len(v) > n {
			return errInvalid(name, "expected up to %d digits", n)
		}
		for _, r := range v {
			if r < '0' || r > '9' {
				return errInvalid(name, "expected digits only")
			}
		}
		return nil
	}
	if err := digits("branch_number", f[2], 3); err != nil {
		return fail(err)
	}
	if err := digits("account_number", f[4], 8); err != nil {
		return fail(err)
	}
	if bankCode != "" {
		if err := digits("bank_code", bankCode, 4); err != nil {
			return fail(err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := s.findPayment(q.r.PathValue("id"))
	if err != nil {
		return fail(err)
	}
	rr := komoju.RefundRequest{CustomerName: f[0], BankName: f[1], BankCode: strPtr(bankCode), BranchName: branchName,
		BranchNumber: f[2], AccountNumber: f[4], Description: strPtr(desc)}
	if err := s.refundRequestLocked(rec, amount, inclFee, rr, q.now); err != nil {
		return fail(err)
	}
	return apiResp{status: 200}
}

// refundRequestLocked records a pending refund request (rr without its id,
// payment, status and time) for amount of a captured cash payment.
// Callers hold s.mu.
func (s *Server) refundRequestLocked(rec *payRec, amount int64, inclFee bool, rr komoju.RefundRequest, now time.Time) *apiError {
	c := rec.snap()
	switch {
	case !rec.typ.IsAsync():
		return newErr(komoju.CodeNotRefundable, "", "Refund requests are for konbini, bank_transfer and pay_easy payments; refund %s payment %s with POST /payments/%s/refund", rec.typ, c.ID, c.ID)
	case paymentStep(c.Status, payRefundRequest) == nil:
		return payRefusal(c.ID, c.Status, payRefundRequest)
	}
	limit := c.Total - c.AmountRefunded
	if !inclFee {
		limit -= c.PaymentMethodFee
	}
	// KOMOJU's RefundRequest model does not echo the amount, so the sandbox
	// keeps what was requested on the record (requests are never rejected
	// in the sandbox).
	requested := rec.refundRequested()
	if amount > limit-requested {
		return errInvalid("amount", "%d is more than the %d that can still be refunded", amount, max(limit-requested, 0))
	}
	if rec.extra == nil {
		rec.extra = &payExtra{}
	}
	rec.extra.refundRequested += amount
	// KOMOJU's RefundRequest model has no amount: the amount asked for is
	// not echoed (komoju/komoju-node-sdk models/refund-request.ts).
	rr.ID, rr.Payment, rr.Status, rr.CreatedAt = s.newID(), c.ID, komoju.RefundRequestPending, now
	return s.movePayment(rec, payRefundRequest, now, func(c *komoju.Payment) { c.RefundRequests = append(slices.Clip(c.RefundRequests), rr) })
}

// returnTarget is where the customer goes after a hosted page: the
// session's return_url with session_id appended (existing parameters kept),
// or for a direct payment its return_url (cancel_url when the customer
// cancelled and one was given) with payment_id and status plus an hmac
// signed with the secret key. "" means no return URL: show the result page.
// Callers hold s.mu.
func (s *Server) returnTarget(p *payRec) string {
	if ss := p.session; ss != nil {
		if ss.returnURL == "" {
			return ss.sessionURL()
		}
		return appendQuery(ss.returnURL, "session_id", ss.view.ID)
	}
	target := p.returnURL()
	if st := p.snap().Status; (st == komoju.PaymentCancelled || st == komoju.PaymentFailed) && p.cancelURL() != "" {
		target = p.cancelURL()
	}
	if target == "" {
		return ""
	}
	signed, err := komoju.SignReturnURL(target, url.Values{"payment_id": {p.snap().ID}, "status": {string(p.snap().Status)}}, s.secretKey)
	if err != nil {
		return ""
	}
	return signed
}

// appendQuery adds k=v to a URL, keeping its existing query untouched.
func appendQuery(raw, k, v string) string {
	if plainHTTPURL(raw) {
		// What url.Parse and String give back for such a URL is raw
		// itself (TestAppendQueryFastPath), so append without them: they
		// were a Session: Pay's largest allocation after the payment.
		add := url.QueryEscape(k) + "=" + url.QueryEscape(v)
		switch i := strings.IndexByte(raw, '?'); {
		case i < 0:
			return raw + "?" + add
		case i == len(raw)-1:
			return raw + add
		}
		return raw + "&" + add
	}
	return appendQueryParsed(raw, k, v)
}

// plainHTTPURL reports whether raw is http(s)://host[:port] followed by
// nothing but unreserved characters and / ? & = : (no escapes, fragment,
// user info or brackets), the shape of the return URLs clients send. The
// host is letters, digits, dots and hyphens; a port is digits.
func plainHTTPURL(raw string) bool {
	rest, ok := strings.CutPrefix(raw, "https://")
	if !ok {
		if rest, ok = strings.CutPrefix(raw, "http://"); !ok {
			return false
		}
	}
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	host, port, hasPort := strings.Cut(rest[:end], ":")
	if host == "" {
		return false
	}
	for i := 0; i < len(host); i++ {
		if c := host[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	if hasPort {
		for i := 0; i < len(port); i++ {
			if port[i] < '0' || port[i] > '9' {
				return false
			}
		}
	}
	for i := end; i < len(rest); i++ {
		switch c := rest[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-' || c == '.' || c == '_' || c == '~' || c == '/' || c == '?' || c == '&' || c == '=' || c == ':':
		default:
			return false
		}
	}
	return true
}

// appendQueryParsed is appendQuery through url.Parse, for any URL.
func appendQueryParsed(raw, k, v string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	add := url.QueryEscape(k) + "=" + url.QueryEscape(v)
	if u.RawQuery == "" {
		u.RawQuery = add
	} else {
		u.RawQuery += "&" + add
	}
	return u.String()
}

// sharedCardDetails returns one immutable payment_details value per
// distinct card (brand, last four, expiry, name, email): a sandbox sees the
// same few test cards over and over, and sharing saves about 240 bytes per
// payment. The cache is bounded; beyond it, details are not shared.
// Callers hold s.mu.
// cc is taken by value: a shared card costs no allocation (its copy was
// 128 bytes of garbage per payment).
func (s *Server) sharedCardDetails(cc komoju.CreditCardDetails) *komoju.PaymentDetails {
	if d := s.st.cardDetails[cc]; d != nil {
		return d
	}
	c := new(komoju.CreditCardDetails) // not &cc: that would move cc to the heap on every call
	*c = cc
	d := &komoju.PaymentDetails{Type: komoju.TypeCreditCard, CreditCard: c}
	if len(s.st.cardDetails) < 4096 {
		s.st.cardDetails[cc] = d
	}
	return d
}

// timePtr returns a shared pointer for a timestamp: times have one-second
// resolution, so payments captured in the same second share one.
// Callers hold s.mu.
func (s *Server) timePtr(t time.Time) *time.Time {
	if s.st.lastTime == nil || !s.st.lastTime.Equal(t) {
		s.st.lastTime = &t
	}
	return s.st.lastTime
}
