package sandbox

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// MerchantName is the session's merchant.name (KOMOJU's MerchantData
// model) in the sandbox.
const MerchantName = "komoju-tui sandbox merchant"

// methodInfo describes one payment type the sandbox supports.
type methodInfo struct {
	typ    komoju.PaymentType
	nameEn string
	nameJa string
	// nameKo is required in KOMOJU's AvailablePaymentMethod model (KOMOJU's
	// WooCommerce plugin shows it as the title in a Korean-locale store).
	// Sandbox choice: the Korean names are the sandbox's own wording.
	nameKo string
}

// supportedMethods in the order the hosted page and GET /payment_methods show them.
var supportedMethods = []methodInfo{
	{komoju.TypeCreditCard, "Credit Card", "クレジットカード", "신용카드"},
	{komoju.TypeKonbini, "Konbini", "コンビニ", "편의점 결제"},
	{komoju.TypeBankTransfer, "Bank Transfer", "銀行振込", "은행 송금"},
	{komoju.TypePayEasy, "Pay-easy", "ペイジー", "페이지(Pay-easy)"},
	{komoju.TypePayPay, "PayPay", "PayPay", "PayPay"},
	{komoju.TypeMerpay, "Merpay", "メルペイ", "메루페이"},
	{komoju.TypeRakutenPay, "Rakuten Pay", "楽天ペイ", "라쿠텐 페이"},
	{komoju.TypeAuPay, "au PAY", "au PAY", "au PAY"},
	{komoju.TypeLinePay, "LINE Pay", "LINE Pay", "LINE Pay"},
	{komoju.TypeAlipay, "Alipay", "アリペイ", "알리페이"},
	{komoju.TypePaidy, "Paidy", "ペイディ", "Paidy"},
}

func lookupMethod(t komoju.PaymentType) (methodInfo, bool) {
	for _, m := range supportedMethods {
		if m.typ == t {
			return m, true
		}
	}
	return methodInfo{}, false
}

func methodSlugs() string {
	s := make([]string, len(supportedMethods))
	for i, m := range supportedMethods {
		s[i] = string(m.typ)
	}
	return strings.Join(s, ", ")
}

// supportsCurrency: Sandbox choice — only cards take foreign currencies; the
// Japanese cash methods and wallets settle in JPY only.
func supportsCurrency(t komoju.PaymentType, currency string) bool {
	return t == komoju.TypeCreditCard || currency == "JPY"
}

var cardBrands = []string{"visa", "master", "jcb", "american_express", "diners_club"}

type storeInfo struct {
	Slug, NameEn, NameJa string
	// Confirmation says whether the store gets a confirmation_code (see
	// cashDetails).
	Confirmation bool
}

var konbiniStores = []storeInfo{
	{komoju.StoreSevenEleven, "7-Eleven", "セブン-イレブン", false},
	{komoju.StoreLawson, "Lawson", "ローソン", true},
	{komoju.StoreFamilyMart, "FamilyMart", "ファミリーマート", true},
	{komoju.StoreMinistop, "Ministop", "ミニストップ", true},
	{komoju.StoreDailyYamazaki, "Daily Yamazaki", "デイリーヤマザキ", false},
	{komoju.StoreSeicomart, "Seicomart", "セイコーマート", true},
}

func lookupStore(slug string) (storeInfo, bool) {
	for _, st := range konbiniStores {
		if st.Slug == slug {
			return st, true
		}
	}
	return storeInfo{}, false
}

// secureTokenBrands are the card brands whose 3-D Secure test cards KOMOJU
// lists (Visa 4100…, Mastercard 5100…, JCB 3528…): GET /payment_methods
// reports them in credit_card's secure_token_supported.
var secureTokenBrands = []string{"visa", "master", "jcb"}

// konbiniIconPath is where a store's icon is served. KOMOJU Fields loads
// `${komojuApi}${brands[store].icon}` (degica/komoju-fields
// src/fields/konbini/module.ts), so the icon is a path on the API host.
func konbiniIconPath(slug string) string { return "/sandbox/icons/konbini/" + slug + ".svg" }

// brandsJSON is payment_methods[].brands: an array for cards, an object
// keyed by store for konbini whose entries carry the icon KOMOJU Fields
// reads (degica/komoju-fields src/types.d.ts: KomojuKonbiniBrand {icon}).
//
// The values are built once and shared by every session (read-only): built
// per session they were a third of what a session kept and a tenth of the
// time Session: Create took.
func brandsJSON(t komoju.PaymentType) json.RawMessage {
	switch t {
	case komoju.TypeCreditCard:
		return sharedBrands().card
	case komoju.TypeKonbini:
		return sharedBrands().konbini
	}
	return nil
}

// sharedBrands builds brandsJSON's two values once.
var sharedBrands = sync.OnceValue(func() struct{ card, konbini json.RawMessage } {
	var out struct{ card, konbini json.RawMessage }
	out.card, _ = json.Marshal(cardBrands)
	m := map[string]map[string]string{}
	for _, st := range konbiniStores {
		m[st.Slug] = map[string]string{"icon": konbiniIconPath(st.Slug)}
	}
	out.konbini, _ = json.Marshal(m)
	return out
})

// subtypes is GET /payment_methods' subtypes: an array of strings in
// KOMOJU's AvailablePaymentMethod model (card brands, konbini stores).
func subtypes(t komoju.PaymentType) []string {
	switch t {
	case komoju.TypeCreditCard:
		return cardBrands
	case komoju.TypeKonbini:
		out := make([]string, len(konbiniStores))
		for i, st := range konbiniStores {
			out[i] = st.Slug
		}
		return out
	}
	return nil
}

// detailsInput is validated payment_details of a create or pay request.
type detailsInput struct {
	typ        komoju.PaymentType
	tokenID    string
	card       cardInfo
	store      string
	email      string
	phone      string
	givenName  string
	familyName string
	givenKana  string
	familyKana string
	expiryDays int
	// scannedCode is a paypay code scanned at the counter (see scanned.go).
	scannedCode string
}

func validEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	return at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " \t\r\n<>")
}

func validPhone(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("()-_+ ", r):
		default:
			return false
		}
	}
	return digits >= 10 && digits <= 15
}

// parseDetails validates payment_details (an object, or a token id string)
// for a payment in currency. fallbackEmail is the session's email, which
// makes payment_details[email] optional.
func parseDetails(p obj, currency, fallbackEmail string, now time.Time) (detailsInput, *apiError) {
	const key = "payment_details"
	var in detailsInput
	raw, ok := p.value(key)
	if !ok {
		return in, errMissing(key)
	}
	if tok, isStr := raw.(string); isStr {
		tok = strings.TrimSpace(tok)
		if !strings.HasPrefix(tok, "tok_") || len(tok) > 64 {
			return in, newErr(komoju.CodeInvalidToken, key, "payment_details must be an object or a token id (tok_…)")
		}
		in.typ, in.tokenID = komoju.TypeCreditCard, tok
		return in, nil
	}
	d, _, err := p.object(key, key)
	if err != nil {
		return in, err
	}
	typ, err := d.reqStr("type", key+"[type]", 64)
	if err != nil {
		return in, err
	}
	in.typ = komoju.PaymentType(typ)
	if _, ok := lookupMethod(in.typ); !ok {
		return in, newErr(komoju.CodeInvalidPaymentType, key+"[type]", "%q is not one of %s", truncate(typ, 64), methodSlugs())
	}
	if !supportsCurrency(in.typ, currency) {
		return in, newErr(komoju.CodeInvalidCurrency, "currency", "%s payments only accept JPY, not %s", in.typ, currency)
	}
	// Param names are literals so that valid requests allocate nothing for them.
	str := func(name, param string, maxLen int) string {
		if err != nil {
			return ""
		}
		var v string
		v, _, err = d.str(name, param, maxLen)
		return strings.TrimSpace(v)
	}
	in.email = str("email", "payment_details[email]", 254)
	in.phone = str("phone", "payment_details[phone]", 32)
	in.givenName = str("given_name", "payment_details[given_name]", 100)
	in.familyName = str("family_name", "payment_details[family_name]", 100)
	in.givenKana = str("given_name_kana", "payment_details[given_name_kana]", 100)
	in.familyKana = str("family_name_kana", "payment_details[family_name_kana]", 100)
	if name := str("name", "payment_details[name]", 200); name != "" && in.givenName == "" && in.familyName == "" {
		in.givenName = name
	}
	in.store = str("store", "payment_details[store]", 64)
	if in.typ == komoju.TypePayPay {
		in.scannedCode = str("scanned_code", "payment_details[scanned_code]", 128)
	}
	if err != nil {
		return in, err
	}
	if in.email == "" {
		in.email = fallbackEmail
	}
	days, hasDays, err := d.int("expiry_days", "payment_details[expiry_days]")
	if err != nil {
		return in, err
	}
	if hasDays && (days < 1 || days > 59) {
		return in, errInvalid(key+"[expiry_days]", "must be between 1 and 59")
	}
	in.expiryDays = int(days)
	need := func(name, val string) *apiError {
		if val == "" {
			return errMissing(key + "[" + name + "]")
		}
		return nil
	}
	checkEmail := func() *apiError {
		if e := need("email", in.email); e != nil {
			return e
		}
		if !validEmail(in.email) {
			return errInvalid(key+"[email]", "not an email address")
		}
		return nil
	}
	checkPhone := func() *apiError {
		if e := need("phone", in.phone); e != nil {
			return e
		}
		if !validPhone(in.phone) {
			return errInvalid(key+"[phone]", "a phone number has 10 to 15 digits")
		}
		return nil
	}
	switch {
	case in.typ == komoju.TypeCreditCard:
		in.card, err = parseCard(d, now)
		if err != nil {
			return in, err
		}
		if in.email != "" && !validEmail(in.email) {
			return in, errInvalid(key+"[email]", "not an email address")
		}
	case in.typ == komoju.TypeKonbini:
		if in.store == "" {
			return in, errMissing(key + "[store]")
		}
		if _, ok := lookupStore(in.store); !ok {
			slugs := make([]string, len(konbiniStores))
			for i, s := range konbiniStores {
				slugs[i] = s.Slug
			}
			return in, errInvalid(key+"[store]", "%q is not one of %s", truncate(in.store, 32), strings.Join(slugs, ", "))
		}
		if e := checkEmail(); e != nil {
			return in, e
		}
		if in.phone != "" && !validPhone(in.phone) {
			return in, errInvalid(key+"[phone]", "a phone number has 10 to 15 digits")
		}
	case in.typ == komoju.TypeBankTransfer:
		for _, e := range []*apiError{checkEmail(), checkPhone(), need("family_name_kana", in.familyKana), need("given_name_kana", in.givenKana)} {
			if e != nil {
				return in, e
			}
		}
	case in.typ == komoju.TypePayEasy:
		for _, e := range []*apiError{checkEmail(), checkPhone(), need("family_name", in.familyName), need("given_name", in.givenName),
			need("family_name_kana", in.familyKana), need("given_name_kana", in.givenKana)} {
			if e != nil {
				return in, e
			}
		}
	default: // offsite wallets need nothing
		if in.scannedCode != "" && !validScannedCode(in.scannedCode) {
			return in, errInvalid(key+"[scanned_code]", "a scanned PayPay code has letters and digits only (at most 64)")
		}
		if in.email != "" && !validEmail(in.email) {
			return in, errInvalid(key+"[email]", "not an email address")
		}
	}
	return in, nil
}

// jst is Japan Standard Time (no DST), fixed so no tzdata is needed.
var jst = time.FixedZone("JST", 9*60*60)

// cashDeadline is when an unpaid cash payment expires: 23:59:59 JST on the
// last day, counting days from today in Japan (KOMOJU's konbini rule).
func cashDeadline(now time.Time, days int) time.Time {
	if days <= 0 {
		days = 3
	}
	d := now.In(jst)
	return time.Date(d.Year(), d.Month(), d.Day()+days, 23, 59, 59, 0, jst).UTC()
}

// cashDetails builds the response payment_details of konbini, bank_transfer
// and pay_easy payments. Callers hold s.mu (codes come from the seeded rng).
//
// Sandbox choice for konbini codes (KOMOJU gives different fields per chain):
// every store gets a receipt number; lawson, family-mart, ministop and
// seicomart also get a confirmation_code; seven-eleven and daily-yamazaki
// get none (null). The 7-Eleven receipt is the deprecated payment slip
// number that apps must not show: customers use instructions_url.
func (s *Server) cashDetails(id string, in detailsInput, deadline time.Time) *komoju.PaymentDetails {
	instructions := s.base + "/sandbox/instructions/" + id
	switch in.typ {
	case komoju.TypeKonbini:
		st, _ := lookupStore(in.store)
		var receipt string
		switch st.Slug {
		case komoju.StoreSevenEleven:
			receipt = s.newDigits(13)
		case komoju.StoreFamilyMart:
			receipt = s.newDigits(12)
		case komoju.StoreDailyYamazaki:
			receipt = s.newDigits(11)
		default:
			receipt = s.newDigits(8)
		}
		k := &komoju.KonbiniDetails{Store: st.Slug, Email: in.email, Receipt: &receipt, InstructionsURL: instructions}
		if st.Confirmation {
			code := s.newDigits(4)
			if st.Slug == komoju.StoreFamilyMart {
				code = s.newDigits(5)
			}
			k.ConfirmationCode = &code
		}
		return &komoju.PaymentDetails{Type: in.typ, Konbini: k}
	case komoju.TypeBankTransfer:
		return &komoju.PaymentDetails{Type: in.typ, BankTransfer: &komoju.BankTransferDetails{
			Email:             in.email,
			OrderID:           s.newDigits(10),
			BankName:          "Sandbox Bank (サンドボックス銀行)",
			AccountBranchName: "Test Branch (テスト支店) 001",
			AccountNumber:     s.newDigits(7),
			AccountType:       "普通 (ordinary)",
			AccountName:       "KOMOJU SANDBOX (コモジュ サンドボックス)",
			InstructionsURL:   instructions,
			PaymentDeadline:   deadline.Format(time.RFC3339),
		}}
	case komoju.TypePayEasy:
		return &komoju.PaymentDetails{Type: in.typ, PayEasy: &komoju.PayEasyDetails{
			Email:           in.email,
			BankID:          "58191",
			CustomerID:      s.newDigits(20),
			ConfirmationID:  s.newDigits(6),
			InstructionsURL: instructions,
			PaymentURL:      instructions,
		}}
	}
	return nil
}

// offsiteDetails is payment_details of a pending wallet payment.
func (s *Server) offsiteDetails(id string, in detailsInput) *komoju.PaymentDetails {
	o := &komoju.OffsiteDetails{Email: in.email, RedirectURL: s.base + "/sandbox/wallet/" + id}
	switch in.typ {
	case komoju.TypePayPay:
		o.ExternalPaymentID = s.newDigits(19)
	case komoju.TypeMerpay:
		o.TransactionKey = fmt.Sprintf("mp_%s", s.newID()[:16])
	case komoju.TypeAlipay:
		o.TransactionID = s.newDigits(28)
	}
	return &komoju.PaymentDetails{Type: in.typ, Offsite: o}
}
