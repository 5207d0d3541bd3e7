package sandbox

import (
	"net/http"
	"strings"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// Secure tokens: 3-D Secure for payments created directly, as KOMOJU's "3D
// Secure Without a Session" guide describes (https://doc.komoju.com/docs/3d-secure):
// POST /secure_tokens with amount, currency, return_url and card
// payment_details → authentication_url → the customer authenticates →
// GET /secure_tokens/{id} → verification_status → pay with
// payment_details: "<secure token id>". The object follows
// komoju/komoju-node-sdk models/secure-token.ts.
//
// Sandbox choices (the guide does not say): the 3-D Secure test cards
// answer NEEDS_VERIFY (the guide's own example, the frictionless
// 4100000000000100, does); every other card is not enrolled and answers
// SKIPPED, payable at once. On the authentication page challenge cards take
// 123456 (OK) or 111111 (ERRORED), challenge-failure and
// authentication-failure cards always end ERRORED, frictionless cards end
// OK without a challenge, and Cancel ends ERRORED. The browser then goes to
// return_url with secure_token_id=<id> appended. A token pays once, in its
// currency, for at most its amount (amount + tax).

// frictionlessCards are KOMOJU's frictionless 3DS test cards: authenticated
// without a challenge.
var frictionlessCards = map[string]bool{"4100000000000100": true, "5100000000000107": true, "3528000000000106": true}

// secureTokenRec is a secure token; like tokenRec it keeps no card number
// or CVC.
type secureTokenRec struct {
	view         komoju.SecureToken
	card         cardInfo
	tds          tdsKind
	frictionless bool
	amount       int64
	currency     string
	returnURL    string
	email        string
	used         bool
}

// createSecureToken is POST /secure_tokens. KOMOJU recommends making this
// call from the customer's device, so the publishable key may call it.
func (s *Server) createSecureToken(q *apiReq) apiResp {
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
	returnURL, err := p.absURL("return_url", "return_url")
	if err != nil {
		return fail(err)
	}
	if returnURL == "" {
		return fail(errMissing("return_url"))
	}
	d, ok, err := p.object("payment_details", "payment_details")
	if err != nil {
		return fail(err)
	}
	if !ok {
		return fail(errMissing("payment_details"))
	}
	typ, err := d.reqStr("type", "payment_details[type]", 64)
	if err != nil {
		return fail(err)
	}
	if typ != string(komoju.TypeCreditCard) {
		return fail(newErr(komoju.CodeInvalidPaymentType, "payment_details[type]", "%q is not one of credit_card (secure tokens are for cards)", truncate(typ, 64)))
	}
	card, err := parseCard(d, q.now)
	if err != nil {
		return fail(err)
	}
	email, _, err := d.str("email", "payment_details[email]", 254)
	if err != nil {
		return fail(err)
	}
	if email = strings.TrimSpace(email); email != "" && !validEmail(email) {
		return fail(errInvalid("payment_details[email]", "not an email address"))
	}
	number, _, _ := d.str("number", "payment_details[number]", 64)
	number = strings.NewReplacer(" ", "", "-", "").Replace(number)
	s.mu.Lock()
	defer s.mu.Unlock()
	id := "tok_" + s.newID()
	st := &secureTokenRec{card: card, tds: card.tds, frictionless: frictionlessCards[number], amount: amount, currency: currency,
		returnURL: returnURL, email: email}
	status := komoju.SecureTokenSkipped
	if st.tds != tdsNone || st.frictionless {
		status = komoju.SecureTokenNeedsVerify
	}
	st.view = komoju.SecureToken{ID: id, CreatedAt: q.now, VerificationStatus: status, AuthenticationURL: s.base + "/sandbox/secure_tokens/" + id}
	s.st.secureTokens[id] = st
	return okJSON(st.view)
}

// getSecureToken is GET /secure_tokens/{id}.
func (s *Server) getSecureToken(q *apiReq) apiResp {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st.secureTokens[q.r.PathValue("id")]
	if st == nil {
		return fail(errNotFound("secure token", q.r.PathValue("id")))
	}
	return okJSON(st.view)
}

// secureTokenForPayment checks that a secure token may pay for in.
// Callers hold s.mu.
func (s *Server) secureTokenForPayment(in chargeIn) (*secureTokenRec, *apiError) {
	id := in.det.tokenID
	st := s.st.secureTokens[id]
	switch {
	case st == nil:
		return nil, newErr(komoju.CodeInvalidToken, "payment_details", "Token %s does not exist", truncate(id, 64))
	case st.used:
		return nil, newErr(komoju.CodeInvalidToken, "payment_details", "Secure token %s has already been used for a payment", id)
	case st.view.VerificationStatus == komoju.SecureTokenNeedsVerify:
		return nil, newErr(komoju.CodeInvalidToken, "payment_details", "Secure token %s is not authenticated yet (verification_status NEEDS_VERIFY): send the customer to its authentication_url first", id)
	case st.view.VerificationStatus == komoju.SecureTokenErrored:
		return nil, newErr(komoju.CodeInvalidToken, "payment_details", "Secure token %s failed 3-D Secure authentication (verification_status ERRORED); create a new one", id)
	case st.currency != in.currency:
		return nil, newErr(komoju.CodeInvalidCurrency, "currency", "Secure token %s was created for %s, not %s", id, st.currency, in.currency)
	case in.amount+in.tax > st.amount:
		return nil, errInvalid("amount", "%d is more than the %d the secure token %s was authenticated for", in.amount+in.tax, st.amount, id)
	}
	return st, nil
}

// Codes of the authentication page (the same test values as the session
// 3DS page).
func (s *Server) authenticateSecureToken(id, code string, cancel bool) (*secureTokenRec, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st.secureTokens[id]
	if st == nil {
		return nil, errNotFound("secure token", id)
	}
	if st.view.VerificationStatus != komoju.SecureTokenNeedsVerify {
		return st, newErr(komoju.CodeUnprocessableEntity, "", "Secure token %s is %s and has no authentication waiting", id, st.view.VerificationStatus)
	}
	switch {
	case cancel, st.tds == tdsAuthFail, st.tds == tdsChallengeFail:
		st.view.VerificationStatus = komoju.SecureTokenErrored
	case st.frictionless && st.tds == tdsNone, code == threeDSSuccessCode:
		st.view.VerificationStatus = komoju.SecureTokenOK
	case code == threeDSFailCode:
		st.view.VerificationStatus = komoju.SecureTokenErrored
	default:
		return st, errWrongCode()
	}
	return st, nil
}

// secureTokenReturn is where the browser goes once the token is final.
func secureTokenReturn(st *secureTokenRec) string {
	return appendQuery(st.returnURL, "secure_token_id", st.view.ID)
}

// pageSecureToken is the authentication_url: the issuer's 3-D Secure page.
// A frictionless card authenticates on arrival and the browser goes
// straight back, as a frictionless flow does.
func (s *Server) pageSecureToken(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	st := s.st.secureTokens[id]
	frictionless := st != nil && st.frictionless && st.tds == tdsNone && st.view.VerificationStatus == komoju.SecureTokenNeedsVerify
	s.mu.Unlock()
	if st == nil {
		s.errorPage(w, errNotFound("secure token", id))
		return
	}
	if frictionless {
		if st, err := s.authenticateSecureToken(id, "", false); err == nil {
			http.Redirect(w, r, secureTokenReturn(st), http.StatusSeeOther)
			return
		}
	}
	s.renderSecureToken(w, st, "", http.StatusOK)
}

func (s *Server) renderSecureToken(w http.ResponseWriter, st *secureTokenRec, msg string, status int) {
	s.mu.Lock()
	d := pageData{Title: "3D Secure", TDS: st.tds, Error: msg, SecureToken: &secureTokenPage{
		ID: st.view.ID, Amount: st.amount, Currency: st.currency, Brand: st.card.brand, Last4: st.card.last4,
		Status: string(st.view.VerificationStatus)}}
	if st.view.VerificationStatus != komoju.SecureTokenNeedsVerify {
		d.Message = "This card's 3-D Secure check is finished (" + string(st.view.VerificationStatus) + ")."
		d.Return = secureTokenReturn(st)
	}
	s.mu.Unlock()
	s.render(w, "securetoken.html", status, d)
}

// pageSecureTokenAuth handles the page's forms. Like actionHandler, with an
// Authorization header (tests, scripts) it needs the secret key and answers
// the secure token as JSON; without one it is the customer's browser and
// is sent on to return_url.
func (s *Server) pageSecureTokenAuth(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	api := r.Header.Get("Authorization") != ""
	if api {
		if _, err := s.authenticate(r, secretOnly); err != nil {
			writeResp(w, fail(err))
			return
		}
	}
	if err := r.ParseForm(); err != nil {
		if api {
			writeResp(w, fail(errBadRequest("The form body is malformed")))
		} else {
			s.errorPage(w, errBadRequest("The form body is malformed"))
		}
		return
	}
	st, err := s.authenticateSecureToken(r.PathValue("id"), strings.TrimSpace(r.PostFormValue("code")), r.PostFormValue("action") == "cancel")
	if api {
		if err != nil {
			writeResp(w, fail(err))
			return
		}
		s.mu.Lock()
		view := st.view
		s.mu.Unlock()
		writeResp(w, okJSON(view))
		return
	}
	switch {
	case err != nil && st != nil && err.code == komoju.CodeInvalidParameter: // wrong code: ask again
		s.renderSecureToken(w, st, err.message, err.status)
	case err != nil:
		s.errorPage(w, err)
	default:
		http.Redirect(w, r, secureTokenReturn(st), http.StatusSeeOther)
	}
}

// secureTokenPage is what the authentication page shows.
type secureTokenPage struct {
	ID, Currency, Brand, Last4, Status string
	Amount                             int64
}
