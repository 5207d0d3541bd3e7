package sandbox

import (
	"cmp"
	"strings"
	"sync"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

const maxSessionTTL = 86400 // seconds; KOMOJU's default and maximum

// createSession is POST /sessions (payment mode).
func (s *Server) createSession(q *apiReq) apiResp {
	p := q.p
	if mode, ok, err := p.str("mode", "mode", 32); err != nil {
		return fail(err)
	} else if ok && mode != "" && mode != "payment" {
		return fail(errInvalid("mode", "the sandbox supports only mode \"payment\", not %q", truncate(mode, 32)))
	}
	amount, err := p.amount("amount", "amount")
	if err != nil {
		return fail(err)
	}
	currency, err := p.currency("currency", "currency")
	if err != nil {
		return fail(err)
	}
	returnURL, err := p.absURL("return_url", "return_url")
	if err != nil {
		return fail(err)
	}
	email, _, err := p.str("email", "email", 254)
	if err != nil {
		return fail(err)
	}
	if email = strings.TrimSpace(email); email != "" && !validEmail(email) {
		return fail(errInvalid("email", "not an email address"))
	}
	name, _, err := p.str("name", "name", 200)
	if err != nil {
		return fail(err)
	}
	locale, err := parseLocale(p, "default_locale")
	if err != nil {
		return fail(err)
	}
	meta, _, err := p.metadata("metadata", "metadata")
	if err != nil {
		return fail(err)
	}
	if meta == nil {
		meta = s.emptyMeta // shared and never written: metadata is replaced, not edited
	}
	ttl, hasTTL, err := p.int("expires_in_seconds", "expires_in_seconds")
	if err != nil {
		return fail(err)
	}
	if !hasTTL {
		ttl = maxSessionTTL
	}
	if ttl < 1 || ttl > maxSessionTTL {
		return fail(errInvalid("expires_in_seconds", "must be between 1 and %d", maxSessionTTL))
	}
	pd := komoju.SessionPaymentData{Capture: komoju.CaptureAuto, Name: name}
	if d, ok, err := p.object("payment_data", "payment_data"); err != nil {
		return fail(err)
	} else if ok {
		if pd.ExternalOrderNum, _, err = d.str("external_order_num", "payment_data[external_order_num]", 255); err != nil {
			return fail(err)
		}
		pd.ExternalOrderNum = strings.TrimSpace(pd.ExternalOrderNum)
		capt, _, err := d.str("capture", "payment_data[capture]", 16)
		if err != nil {
			return fail(err)
		}
		switch capt {
		case "", "auto":
		case "manual":
			pd.Capture = komoju.CaptureManual
		default:
			return fail(errInvalid("payment_data[capture]", "%q is not auto or manual", truncate(capt, 16)))
		}
		if n, ok, err := d.str("name", "payment_data[name]", 200); err != nil {
			return fail(err)
		} else if ok {
			pd.Name = n
		}
		if pd.NameKana, _, err = d.str("name_kana", "payment_data[name_kana]", 200); err != nil {
			return fail(err)
		}
	}
	items, err := parseLineItems(p)
	if err != nil {
		return fail(err)
	}
	types, err := parseSessionTypes(p, currency)
	if err != nil {
		return fail(err)
	}
	scenario, err := scenarioHeader(q)
	if err != nil {
		return fail(err)
	}
	now := q.now
	// The answer (about 2 KB with every payment method) is encoded after
	// the lock is released: the view shares only immutable data.
	view, aerr := func() (*komoju.Session, *apiError) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if pd.ExternalOrderNum != "" {
			if other := s.st.sessionHolding(pd.ExternalOrderNum); other != nil {
				return nil, errInvalid("payment_data[external_order_num]", "%q is already used by session %s; order numbers are unique per session", truncate(pd.ExternalOrderNum, 64), other.view.ID)
			}
		}
		id := s.newID()
		expires := now.Add(time.Duration(ttl) * time.Second)
		retPtr, retStr := s.internReturnURL(returnURL)
		ss := &sessRec{
			types:     s.internTypes(types),
			scenario:  scenario,
			returnURL: retStr,
			manual:    pd.Capture == komoju.CaptureManual,
			email:     email,
			expiresAt: expires,
			base:      s.base,
		}
		ss.view = komoju.Session{
			ID:            id,
			Resource:      "session",
			Mode:          "payment",
			Amount:        amount,
			Currency:      currency,
			ReturnURL:     retPtr,
			DefaultLocale: locale,
			CreatedAt:     now,
			Status:        sessionStep(sessNew, sessOpen).to,
			Merchant:      s.merchant,
			Metadata:      meta,
			PaymentData:   pd,
			LineItems:     items,
			Email:         strPtr(email),
		}
		s.st.addSession(ss)
		return s.sessionView(ss), nil
	}()
	if aerr != nil {
		return fail(aerr)
	}
	return okJSON(view)
}

func parseLineItems(p obj) ([]komoju.LineItem, *apiError) {
	l, ok, err := p.list("line_items", "line_items")
	if err != nil || !ok {
		return nil, err
	}
	if len(l) > 100 {
		return nil, errInvalid("line_items", "at most 100 line items are allowed")
	}
	items := make([]komoju.LineItem, 0, len(l))
	for i, v := range l {
		param := "line_items[" + itoa(i) + "]"
		m, isMap := v.(map[string]any)
		if !isMap {
			return nil, errInvalid(param, "expected an object, got %s", typeName(v))
		}
		o := obj(m)
		var it komoju.LineItem
		// amount is optional in KOMOJU's LineItem model, and KOMOJU's
		// WooCommerce plugin sends {description, quantity, image} only
		// (degica/komoju-woocommerce, since 2022).
		amt, _, err := o.int("amount", param+"[amount]")
		if err != nil {
			return nil, err
		}
		if amt < 0 || amt > komoju.MaxAmount {
			return nil, errInvalid(param+"[amount]", "must be between 0 and %d", komoju.MaxAmount)
		}
		it.Amount = amt
		if it.Description, err = o.reqStr("description", param+"[description]", 1000); err != nil {
			return nil, err
		}
		qty, ok, err := o.int("quantity", param+"[quantity]")
		if err != nil {
			return nil, err
		}
		if !ok {
			qty = 1
		}
		if qty < 1 || qty > 1e6 {
			return nil, errInvalid(param+"[quantity]", "must be between 1 and 1000000")
		}
		it.Quantity = qty
		if it.Image, err = o.absURL("image", param+"[image]"); err != nil {
			return nil, err
		}
		if it.ExternalProductNum, _, err = o.str("external_product_num", param+"[external_product_num]", 255); err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return items, nil
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// parseSessionTypes reads payment_types (default: every method that accepts
// the currency).
// defaultTypes is the default payment_types list per currency (a
// supported currency code: a handful of entries), built once and shared
// like internTypes' lists: never modified.
var defaultTypes sync.Map

func parseSessionTypes(p obj, currency string) ([]komoju.PaymentType, *apiError) {
	l, ok, err := p.list("payment_types", "payment_types")
	if err != nil {
		return nil, err
	}
	var out []komoju.PaymentType
	if !ok || len(l) == 0 {
		if d, ok := defaultTypes.Load(currency); ok {
			return d.([]komoju.PaymentType), nil
		}
		out = make([]komoju.PaymentType, 0, len(supportedMethods)) // one allocation, not one per doubling
		for _, m := range supportedMethods {
			if supportsCurrency(m.typ, currency) {
				out = append(out, m.typ)
			}
		}
		defaultTypes.Store(currency, out)
		return out, nil
	}
	for _, v := range l {
		str, _ := v.(string)
		t := komoju.PaymentType(str)
		if _, known := lookupMethod(t); !known {
			return nil, newErr(komoju.CodeInvalidPaymentType, "payment_types", "%q is not one of %s", truncate(str, 64), methodSlugs())
		}
		if !supportsCurrency(t, currency) {
			return nil, newErr(komoju.CodeInvalidCurrency, "currency", "%s payments only accept JPY, not %s", t, currency)
		}
		dup := false
		for _, o := range out {
			dup = dup || o == t
		}
		if !dup {
			out = append(out, t)
		}
	}
	return out, nil
}

// The answer is shared and must not be modified: sessions with the same
// (interned) types, amount and currency get one slice, built once, instead
// of 1.5 KB on every Session: Create, GET and Pay answer. Callers hold s.mu.
func (s *Server) sessionMethods(types []komoju.PaymentType, amount int64, currency string) []komoju.SessionPaymentMethod {
	var k methodsKey
	if len(types) > 0 {
		k = methodsKey{first: &types[0], n: len(types), amount: amount, currency: currency}
		if m, ok := s.methodSets[k]; ok {
			return m
		}
	}
	out := make([]komoju.SessionPaymentMethod, 0, len(types))
	for _, t := range types {
		out = append(out, sessionMethod(t, s.fees[t], amount, currency))
	}
	if len(types) > 0 {
		if len(s.methodSets) >= 4096 { // bounded: amounts vary; start over rather than grow
			clear(s.methodSets)
		}
		s.methodSets[k] = out
	}
	return out
}

// methodsKey names a payment_methods list: the types slice (interned, so
// its first element's address names it; the key keeps that slice alive),
// amount and currency. Fees are fixed when the sandbox starts.
type methodsKey struct {
	first    *komoju.PaymentType
	n        int
	amount   int64
	currency string
}

// sessionMethod is one entry of a session's payment_methods.
func sessionMethod(t komoju.PaymentType, fee, amount int64, currency string) komoju.SessionPaymentMethod {
	return komoju.SessionPaymentMethod{
		Type:        t,
		Offsite:     t.IsOffsite(),
		Brands:      brandsJSON(t),
		CustomerFee: fee,
		Currency:    currency,
		Amount:      amount + fee,
	}
}

// sessionView is the session's public object with its latest payment.
// Callers hold s.mu; the result shares only immutable data. session_url
// and payment_methods follow from the session's id, types, amount and
// currency, so they are built here rather than kept with every session.
func (s *Server) sessionView(ss *sessRec) *komoju.Session {
	v := ss.view
	v.SessionURL = ss.sessionURL()
	v.PaymentMethods = s.sessionMethods(ss.types, v.Amount, v.Currency)
	if ss.latest != nil {
		v.Payment = ss.latest.snap()
	}
	return &v
}

// sessionURL is the session's hosted page.
func (ss *sessRec) sessionURL() string { return ss.base + "/sessions/" + ss.view.ID }

// internReturnURL shares one string, and one pointer to it, among the
// sessions that return to the same URL (a till's sessions all do): two
// objects fewer per session for the collector. Callers hold s.mu.
func (s *Server) internReturnURL(u string) (*string, string) {
	if u == "" {
		return nil, ""
	}
	p, ok := s.returnURLs[u]
	if !ok {
		p = strPtr(u)
		if len(s.returnURLs) < 1024 { // bounded, as typeSets
			s.returnURLs[u] = p
		}
	}
	return p, *p
}

// internTypes shares one slice among sessions with the same payment types
// (usually every session has the default list). Callers hold s.mu.
func (s *Server) internTypes(types []komoju.PaymentType) []komoju.PaymentType {
	var kb [256]byte // the key is built on the stack: looking it up allocates nothing
	k := kb[:0]
	for _, t := range types {
		k = append(k, t...)
		k = append(k, ',')
	}
	if got, ok := s.typeSets[string(k)]; ok {
		return got
	}
	if len(s.typeSets) < 1024 { // bounded: a client inventing type lists cannot grow it
		s.typeSets[string(k)] = types
	}
	return types
}

func (s *Server) findSession(id string) (*sessRec, *apiError) {
	ss := s.st.sessionByID(id)
	if ss == nil {
		return nil, errNotFound("session", id)
	}
	return ss, nil
}

// getSession is GET /sessions/{id}.
func (s *Server) getSession(q *apiReq) apiResp {
	s.mu.Lock()
	ss, err := s.findSession(q.r.PathValue("id"))
	if err != nil {
		s.mu.Unlock()
		return fail(err)
	}
	v := s.sessionView(ss)
	s.mu.Unlock()
	return okJSON(v) // encoded outside the lock: v shares only immutable data
}

// cancelSession is POST /sessions/{id}/cancel. A payment still awaiting the
// customer (wallet or 3DS) is cancelled with it.
func (s *Server) cancelSession(q *apiReq) apiResp {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, err := s.findSession(q.r.PathValue("id"))
	if err != nil {
		return fail(err)
	}
	if err := s.cancelSessionLocked(ss, q.now); err != nil {
		return fail(err)
	}
	return okJSON(s.sessionView(ss))
}

// cancelSessionLocked cancels a pending session and the payment still
// awaiting the customer, if any. Callers hold s.mu.
func (s *Server) cancelSessionLocked(ss *sessRec, now time.Time) *apiError {
	if sessionStep(ss.view.Status, sessCancel) == nil {
		return sessRefusal(ss.view.ID, ss.view.Status, sessCancel)
	}
	if ss.latest != nil && ss.latest.snap().Status == komoju.PaymentPending {
		_ = s.cancelLocked(ss.latest, now) // pending → cancelled is always allowed
	}
	return s.moveSession(ss, sessCancel, now)
}

// payResult is the Session: Pay answer.
type payResult struct {
	Status      komoju.PayStatus `json:"status"`
	RedirectURL *string          `json:"redirect_url"`
	Payment     *komoju.Payment  `json:"payment"`
}

// paySession is POST /sessions/{id}/pay. Sandbox choice: a Komoju-Scenario
// header on the pay call fails that attempt, as it would on Payment: Create
// (pay creates a payment); KOMOJU documents the header on session create,
// which still makes every attempt fail.
func (s *Server) paySession(q *apiReq) apiResp {
	scenario, serr := scenarioHeader(q)
	if serr != nil {
		return fail(serr)
	}
	res, err := s.payCoreScenario(q.r.PathValue("id"), q.p, q.now, scenario)
	if err != nil {
		return fail(err)
	}
	return okJSON(res)
}

// payCore pays a session with the given parameters (payment_details and
// capture), shared by the API and the hosted session page. A declined card
// answers the 502 error; the failed attempt is recorded (payment.failed)
// and the session stays payable.
func (s *Server) payCore(id string, p obj, now time.Time) (*payResult, *apiError) {
	return s.payCoreScenario(id, p, now, "")
}

// payCoreScenario is payCore with a per-attempt Komoju-Scenario ("" uses
// the session's).
func (s *Server) payCoreScenario(id string, p obj, now time.Time, scenario string) (*payResult, *apiError) {
	s.mu.Lock()
	ss, err := s.findSession(id)
	if err == nil {
		err = ss.payable()
	}
	var currency, email string
	var manual bool
	if err == nil {
		currency, email, manual = ss.view.Currency, ss.email, ss.manual
	}
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	capt, _, err := p.str("capture", "capture", 16)
	if err != nil {
		return nil, err
	}
	switch capt {
	case "":
	case "auto":
		manual = false
	case "manual":
		manual = true
	default:
		return nil, errInvalid("capture", "%q is not auto or manual", truncate(capt, 16))
	}
	det, err := parseDetails(p, currency, email, now)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ss.payable(); err != nil { // re-check: another pay may have won
		return nil, err
	}
	allowed := false
	for _, t := range ss.types {
		allowed = allowed || t == det.typ
	}
	if !allowed {
		names := make([]string, len(ss.types))
		for i, t := range ss.types {
			names[i] = string(t)
		}
		return nil, newErr(komoju.CodeInvalidPaymentType, "payment_details[type]", "%q is not one of %s", det.typ, strings.Join(names, ", "))
	}
	in := chargeIn{
		amount:    ss.view.Amount,
		currency:  currency,
		manual:    manual,
		det:       det,
		orderNum:  ss.view.PaymentData.ExternalOrderNum,
		metadata:  ss.view.Metadata,
		locale:    ss.view.DefaultLocale,
		returnURL: ss.returnURL,
		sess:      ss,
		scenario:  cmp.Or(scenario, ss.scenario),
	}
	rec, err := s.chargeLocked(in, now)
	if err != nil {
		return nil, err
	}
	res := &payResult{Payment: rec.snap(), Status: komoju.PayCompleted}
	var redirect string
	switch {
	case rec.snap().Status == komoju.PaymentPending:
		res.Status = komoju.PayPending
		redirect = rec.snap().PaymentDetails.RedirectURL()
	case rec.typ.IsAsync():
		redirect = rec.snap().PaymentDetails.InstructionsURL()
	default:
		redirect = s.returnTarget(rec)
	}
	res.RedirectURL = strPtr(redirect)
	return res, nil
}
