package sandbox

import (
	"encoding/json"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// createToken is POST /tokens (credit cards only). The token keeps brand,
// last four digits, expiry and test-card behaviour, never the number or CVC.
func (s *Server) createToken(q *apiReq) apiResp {
	d, ok, err := q.p.object("payment_details", "payment_details")
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
		return fail(newErr(komoju.CodeInvalidPaymentType, "payment_details[type]", "%q is not one of credit_card (only cards can be tokenized)", truncate(typ, 64)))
	}
	currency := ""
	if _, has := q.p.value("currency"); has {
		if currency, err = q.p.currency("currency", "currency"); err != nil {
			return fail(err)
		}
	}
	card, err := parseCard(d, q.now)
	if err != nil {
		return fail(err)
	}
	email, _, err := d.str("email", "payment_details[email]", 254)
	if err != nil {
		return fail(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &tokenRec{card: card, currency: currency}
	// A token's payment_details follow KOMOJU's TokenPaymentDetails model:
	// type and the contact fields given, never card data (Raw, so nothing
	// else is added).
	td := map[string]string{"type": string(komoju.TypeCreditCard)}
	if email != "" {
		td["email"] = email
	}
	raw, _ := json.Marshal(td)
	t.view = komoju.Token{ID: "tok_" + s.newID(), Resource: "token", CreatedAt: q.now,
		PaymentDetails: &komoju.PaymentDetails{Type: komoju.TypeCreditCard, Raw: raw}}
	s.st.tokens[t.view.ID] = t
	return okJSON(t.view)
}

// paymentMethods is GET /payment_methods.
func (s *Server) paymentMethods(q *apiReq) apiResp {
	out := make([]komoju.PaymentMethod, 0, len(supportedMethods))
	for _, m := range supportedMethods {
		pm := komoju.PaymentMethod{TypeSlug: m.typ, NameEn: m.nameEn, NameJa: m.nameJa, NameKo: m.nameKo, Currency: "JPY",
			Subtypes: subtypes(m.typ)}
		if m.typ == komoju.TypeCreditCard {
			pm.SecureTokenSupported = secureTokenBrands
		}
		out = append(out, pm)
	}
	return okJSON(out)
}
