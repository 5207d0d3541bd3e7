package flows

import (
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// DetailField names one piece of clerk input a payment method needs. The
// same names appear in FieldError.Field from ValidateDetails.
type DetailField string

// Detail fields, one per Details field.
const (
	DetailCardNumber     DetailField = "card_number"
	DetailCardExpiry     DetailField = "card_expiry"
	DetailCardCVC        DetailField = "card_cvc"
	DetailCardName       DetailField = "card_name"
	DetailStore          DetailField = "store"
	DetailEmail          DetailField = "email"
	DetailPhone          DetailField = "phone"
	DetailGivenName      DetailField = "given_name"
	DetailFamilyName     DetailField = "family_name"
	DetailGivenNameKana  DetailField = "given_name_kana"
	DetailFamilyNameKana DetailField = "family_name_kana"
)

// Label is the field's English label for forms and error messages.
func (f DetailField) Label() string {
	switch f {
	case DetailCardNumber:
		return "Card number"
	case DetailCardExpiry:
		return "Expiry (MM/YY)"
	case DetailCardCVC:
		return "CVC"
	case DetailCardName:
		return "Name on card"
	case DetailStore:
		return "Convenience store"
	case DetailEmail:
		return "Email"
	case DetailPhone:
		return "Phone"
	case DetailGivenName:
		return "Given name"
	case DetailFamilyName:
		return "Family name"
	case DetailGivenNameKana:
		return "Given name (kana)"
	case DetailFamilyNameKana:
		return "Family name (kana)"
	}
	return string(f)
}

// Method describes one payment method as the till offers it.
type Method struct {
	Type   komoju.PaymentType
	NameEn string
	NameJa string
	// Offsite methods send the customer to redirect_url (a wallet app or
	// page); the payment stays pending until they approve.
	Offsite bool
	// Async methods (konbini, bank_transfer, pay_easy) stay authorized until
	// the customer pays at a store or bank, which can take days.
	Async bool
	// RefundViaRequest methods cannot be refunded by the API; money goes
	// back through a refund request (a manual bank transfer).
	RefundViaRequest bool
	// Required and Optional list the clerk input the method takes, in form
	// order.
	Required []DetailField
	Optional []DetailField
	// Stores lists the konbini stores offered (all six unless a session
	// says otherwise). Brands lists accepted card brands (credit_card).
	Stores []string
	Brands []string
	// From a session's payment_methods: extra fee charged to the customer,
	// and the method's own amount/currency when it differs (DCC).
	CustomerFee int64
	Currency    string
	Amount      int64
	// Known is false for a method komoju-tui has no catalogue entry for (it
	// can only be paid as an offsite redirect).
	Known bool
}

// Name returns the display name in lang ("ja" for Japanese, anything else
// for English).
func (m Method) Name(lang string) string {
	if strings.HasPrefix(strings.ToLower(lang), "ja") && m.NameJa != "" {
		return m.NameJa
	}
	if m.NameEn != "" {
		return m.NameEn
	}
	return string(m.Type)
}

// Fields returns Required followed by Optional.
func (m Method) Fields() []DetailField {
	return append(append([]DetailField(nil), m.Required...), m.Optional...)
}

// Needs reports whether f is required by the method.
func (m Method) Needs(f DetailField) bool {
	for _, r := range m.Required {
		if r == f {
			return true
		}
	}
	return false
}

// Takes reports whether f is required or optional for the method.
func (m Method) Takes(f DetailField) bool {
	for _, r := range m.Fields() {
		if r == f {
			return true
		}
	}
	return false
}

// Catalogue returns the methods komoju-tui knows, in the order a Japanese
// till usually offers them. Each call returns a fresh slice.
func Catalogue() []Method {
	personal := []DetailField{DetailFamilyName, DetailGivenName, DetailFamilyNameKana, DetailGivenNameKana, DetailEmail, DetailPhone}
	wallet := func(t komoju.PaymentType, en, ja string) Method {
		return Method{Type: t, NameEn: en, NameJa: ja, Offsite: true, Known: true}
	}
	return []Method{
		{
			Type: komoju.TypeCreditCard, NameEn: "Credit card", NameJa: "クレジットカード", Known: true,
			Required: []DetailField{DetailCardNumber, DetailCardExpiry, DetailCardCVC},
			Optional: []DetailField{DetailCardName, DetailEmail},
			Brands:   []string{BrandVisa, BrandMaster, BrandJCB, BrandAmex, BrandDiners},
		},
		{
			Type: komoju.TypeKonbini, NameEn: "Konbini (convenience store)", NameJa: "コンビニ決済", Known: true,
			Async: true, RefundViaRequest: true,
			Required: []DetailField{DetailStore, DetailEmail},
			Optional: []DetailField{DetailPhone, DetailFamilyName, DetailGivenName},
			Stores:   append([]string(nil), komoju.KonbiniStores...),
		},
		{
			Type: komoju.TypeBankTransfer, NameEn: "Bank transfer", NameJa: "銀行振込", Known: true,
			Async: true, RefundViaRequest: true,
			Required: append([]DetailField(nil), personal...),
		},
		{
			Type: komoju.TypePayEasy, NameEn: "Pay-easy", NameJa: "ペイジー", Known: true,
			Async: true, RefundViaRequest: true,
			Required: append([]DetailField(nil), personal...),
		},
		wallet(komoju.TypePayPay, "PayPay", "PayPay"),
		wallet(komoju.TypeMerpay, "Merpay", "メルペイ"),
		wallet(komoju.TypeRakutenPay, "Rakuten Pay", "楽天ペイ"),
		wallet(komoju.TypeAuPay, "au PAY", "au PAY"),
		wallet(komoju.TypeLinePay, "LINE Pay", "LINE Pay"),
		wallet(komoju.TypeAlipay, "Alipay", "支付宝 (Alipay)"),
		wallet(komoju.TypePaidy, "Paidy (pay later)", "ペイディ"),
	}
}

// LookupMethod returns the catalogue entry for t.
func LookupMethod(t komoju.PaymentType) (Method, bool) {
	for _, m := range Catalogue() {
		if m.Type == t {
			return m, true
		}
	}
	return Method{}, false
}

// MethodsFromSession lists what a session can be paid with (Method 1), from
// its payment_methods, in the session's order. Konbini stores come from the
// method's brands object and card brands from its brands array when
// present. Types missing from the catalogue are kept only when the session
// marks them offsite (they need no input, just a redirect).
func MethodsFromSession(s *komoju.Session) []Method {
	if s == nil {
		return nil
	}
	var out []Method
	for _, pm := range s.PaymentMethods {
		m, ok := LookupMethod(pm.Type)
		if !ok {
			if !pm.Offsite {
				continue
			}
			m = Method{Type: pm.Type, NameEn: string(pm.Type), Offsite: true}
		}
		if stores := pm.StoreSlugs(); len(stores) > 0 && m.Type == komoju.TypeKonbini {
			m.Stores = stores
		}
		if brands := pm.CardBrands(); len(brands) > 0 && m.Type == komoju.TypeCreditCard {
			m.Brands = brands
		}
		m.CustomerFee = pm.CustomerFee
		m.Currency = pm.Currency
		m.Amount = pm.Amount
		out = append(out, m)
	}
	return out
}

// MethodsFromAPI lists the merchant's methods from GET /payment_methods
// (Method 2). The API lists one entry per type and currency; each type
// appears once, in the API's order, with the API's names when given. Types
// missing from the catalogue are skipped: without a session nothing says
// whether they redirect or what input they need.
func MethodsFromAPI(pms []komoju.PaymentMethod) []Method {
	seen := map[komoju.PaymentType]bool{}
	var out []Method
	for _, pm := range pms {
		if seen[pm.TypeSlug] {
			continue
		}
		m, ok := LookupMethod(pm.TypeSlug)
		if !ok {
			continue
		}
		seen[pm.TypeSlug] = true
		if pm.NameEn != "" {
			m.NameEn = pm.NameEn
		}
		if pm.NameJa != "" {
			m.NameJa = pm.NameJa
		}
		out = append(out, m)
	}
	return out
}

// StoreName returns the display name of a konbini store slug in lang ("ja"
// or English).
func StoreName(slug, lang string) string {
	ja := strings.HasPrefix(strings.ToLower(lang), "ja")
	names := map[string][2]string{
		komoju.StoreSevenEleven:   {"7-Eleven", "セブン-イレブン"},
		komoju.StoreLawson:        {"Lawson", "ローソン"},
		komoju.StoreFamilyMart:    {"FamilyMart", "ファミリーマート"},
		komoju.StoreMinistop:      {"Ministop", "ミニストップ"},
		komoju.StoreDailyYamazaki: {"Daily Yamazaki", "デイリーヤマザキ"},
		komoju.StoreSeicomart:     {"Seicomart", "セイコーマート"},
	}
	n, ok := names[slug]
	if !ok {
		return slug
	}
	if ja {
		return n[1]
	}
	return n[0]
}

// ParseStore turns clerk input ("seven-eleven", "7-Eleven", "711",
// "family_mart", "FamilyMart", "lawson") into one of the six store slugs.
func ParseStore(s string) (string, error) {
	k := strings.ToLower(strings.TrimSpace(s))
	k = strings.NewReplacer("_", "", "-", "", " ", "", ".", "").Replace(k)
	switch k {
	case "seveneleven", "7eleven", "711", "セブンイレブン":
		return komoju.StoreSevenEleven, nil
	case "lawson", "ローソン":
		return komoju.StoreLawson, nil
	case "familymart", "famima", "ファミリーマート":
		return komoju.StoreFamilyMart, nil
	case "ministop", "ミニストップ":
		return komoju.StoreMinistop, nil
	case "dailyyamazaki", "デイリーヤマザキ":
		return komoju.StoreDailyYamazaki, nil
	case "seicomart", "セイコーマート":
		return komoju.StoreSeicomart, nil
	}
	if strings.TrimSpace(s) == "" {
		return "", problem("val_store_choose_s", strings.Join(komoju.KonbiniStores, ", "))
	}
	return "", problem("val_store_unknown_q_s", s, strings.Join(komoju.KonbiniStores, ", "))
}

// ValidateStore checks a konbini store (see ParseStore).
func ValidateStore(s string) error {
	_, err := ParseStore(s)
	return err
}

// Details is what the clerk typed for a payment method. Only the fields
// the method takes are used. CardNumber and CardCVC are secrets: they are
// sent to KOMOJU once and never logged, journaled or kept in a Sale.
type Details struct {
	CardNumber     string
	CardExpiry     string // "MM/YY" (also MM/YYYY, MMYY)
	CardCVC        string
	CardName       string
	Store          string
	Email          string
	Phone          string
	GivenName      string
	FamilyName     string
	GivenNameKana  string
	FamilyNameKana string
}

// String hides the card secrets so a Details value printed by accident
// leaks nothing.
func (d Details) String() string {
	return fmt.Sprintf("Details{card:%s store:%q email:%q}", MaskCardNumber(d.CardNumber), d.Store, d.Email)
}

// GoString hides the card secrets from %#v as well.
func (d Details) GoString() string { return d.String() }

// CardLast4 returns the last four digits of the card number, or "".
func (d Details) CardLast4() string {
	n := NormalizeCardNumber(d.CardNumber)
	if len(n) < 4 {
		return ""
	}
	return n[len(n)-4:]
}

// ValidateDetails checks the input for method type t at time now (for the
// card expiry) and returns every problem, or nil. Unknown types need no
// input (they can only be offsite redirects).
func ValidateDetails(t komoju.PaymentType, d Details, now time.Time) FieldErrors {
	m, ok := LookupMethod(t)
	if !ok {
		return nil
	}
	var errs FieldErrors
	check := func(f DetailField, value string, v func(string) error) {
		if !m.Takes(f) {
			return
		}
		if strings.TrimSpace(value) == "" {
			if m.Needs(f) {
				errs.add(string(f), "val_required")
			}
			return
		}
		errs.addErr(string(f), v(value))
	}
	check(DetailCardNumber, d.CardNumber, ValidateCardNumber)
	check(DetailCardExpiry, d.CardExpiry, func(s string) error { return ValidateExpiry(s, now) })
	check(DetailCardCVC, d.CardCVC, func(s string) error { return ValidateCVC(s, d.CardNumber) })
	check(DetailCardName, d.CardName, ValidateName)
	check(DetailStore, d.Store, ValidateStore)
	check(DetailEmail, d.Email, ValidateEmail)
	check(DetailPhone, d.Phone, ValidatePhone)
	check(DetailFamilyName, d.FamilyName, ValidateName)
	check(DetailGivenName, d.GivenName, ValidateName)
	check(DetailFamilyNameKana, d.FamilyNameKana, ValidateKana)
	check(DetailGivenNameKana, d.GivenNameKana, ValidateKana)
	return errs
}

// Params builds the payment_details request for type t from valid input:
// card number without separators, expiry split into month and four-digit
// year, store as its slug, kana names in katakana. Fields t does not take
// are left out.
func (d Details) Params(t komoju.PaymentType) *komoju.PaymentDetailsParams {
	p := &komoju.PaymentDetailsParams{Type: t}
	m, ok := LookupMethod(t)
	if !ok {
		return p
	}
	set := func(f DetailField, dst *string, v string) {
		if m.Takes(f) {
			*dst = strings.TrimSpace(v)
		}
	}
	if m.Takes(DetailCardNumber) {
		p.Number = NormalizeCardNumber(d.CardNumber)
		if mm, yy, err := ParseExpiry(d.CardExpiry); err == nil {
			p.Month = fmt.Sprintf("%02d", mm)
			p.Year = strconv.Itoa(yy)
		}
		p.VerificationValue = strings.TrimSpace(d.CardCVC)
	}
	set(DetailCardName, &p.Name, d.CardName)
	if m.Takes(DetailStore) {
		if s, err := ParseStore(d.Store); err == nil {
			p.Store = s
		} else {
			p.Store = strings.TrimSpace(d.Store)
		}
	}
	set(DetailEmail, &p.Email, d.Email)
	set(DetailPhone, &p.Phone, d.Phone)
	set(DetailGivenName, &p.GivenName, d.GivenName)
	set(DetailFamilyName, &p.FamilyName, d.FamilyName)
	if m.Takes(DetailGivenNameKana) {
		p.GivenNameKana = ToKatakana(strings.TrimSpace(d.GivenNameKana))
		p.FamilyNameKana = ToKatakana(strings.TrimSpace(d.FamilyNameKana))
	}
	return p
}

// Card brand slugs, as KOMOJU writes them in payment_details.brand.
const (
	BrandVisa    = komoju.BrandVisa
	BrandMaster  = komoju.BrandMaster
	BrandJCB     = komoju.BrandJCB
	BrandAmex    = komoju.BrandAmex
	BrandDiners  = komoju.BrandDiners
	BrandUnknown = komoju.BrandUnknown
)

// NormalizeCardNumber drops the spaces and dashes people type between
// digit groups. Other characters are kept so validation can reject them.
func NormalizeCardNumber(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\u3000' || r == '\t' {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
}

// Luhn reports whether number (separators allowed) passes the Luhn check.
func Luhn(number string) bool { return komoju.Luhn(NormalizeCardNumber(number)) }

// CardBrand detects the brand from the number's prefix: visa,
// master, jcb, american_express, diners_club, or unknown.
func CardBrand(number string) string { return komoju.CardBrand(NormalizeCardNumber(number)) }

// BrandName is the display name of a brand slug.
func BrandName(brand string) string {
	switch brand {
	case BrandVisa:
		return "Visa"
	case BrandMaster:
		return "Mastercard"
	case BrandJCB:
		return "JCB"
	case BrandAmex:
		return "American Express"
	case BrandDiners:
		return "Diners Club"
	}
	return "Card"
}

// cardLengths are the valid number lengths per brand.
func cardLengths(brand string) []int {
	switch brand {
	case BrandVisa:
		return []int{13, 16, 19}
	case BrandMaster:
		return []int{16}
	case BrandAmex:
		return []int{15}
	case BrandJCB:
		return []int{16, 17, 18, 19}
	case BrandDiners:
		return []int{14, 15, 16, 17, 18, 19}
	}
	return []int{12, 13, 14, 15, 16, 17, 18, 19}
}

// ValidateCardNumber checks digits (spaces and dashes allowed), length for
// the detected brand, and the Luhn checksum.
func ValidateCardNumber(s string) error {
	n := NormalizeCardNumber(s)
	if n == "" {
		return problem("val_required")
	}
	for _, r := range n {
		if r < '0' || r > '9' {
			return problem("val_card_chars")
		}
	}
	brand := CardBrand(n)
	okLen := false
	for _, l := range cardLengths(brand) {
		if len(n) == l {
			okLen = true
		}
	}
	if !okLen {
		if brand == BrandUnknown {
			return problem("val_card_len_d", len(n))
		}
		return problem("val_card_len_brand_d_s", len(n), BrandName(brand))
	}
	if !Luhn(n) {
		return problem("val_card_luhn")
	}
	return nil
}

// FormatCardNumber groups the digits for display: "4111 1111 1111 1111",
// American Express 4-6-5 ("3782 822463 10005"), Diners 14-digit 4-6-4.
// Partial input is grouped as far as it goes.
func FormatCardNumber(number string) string {
	n := NormalizeCardNumber(number)
	var groups []int
	switch {
	case CardBrand(n) == BrandAmex:
		groups = []int{4, 6, 5}
	case CardBrand(n) == BrandDiners && len(n) == 14:
		groups = []int{4, 6, 4}
	default:
		groups = []int{4, 4, 4, 4, 3}
	}
	var b strings.Builder
	i := 0
	for gi := 0; i < len(n); gi++ {
		size := 4
		if gi < len(groups) {
			size = groups[gi]
		}
		end := min(i+size, len(n))
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(n[i:end])
		i = end
	}
	return b.String()
}

// MaskCardNumber shows only the last four digits ("•••• 1111"), for
// display and logs.
func MaskCardNumber(number string) string {
	n := NormalizeCardNumber(number)
	if n == "" {
		return ""
	}
	if len(n) <= 4 {
		return "••••"
	}
	return "•••• " + n[len(n)-4:]
}

// ParseExpiry reads a card expiry "MM/YY" (also "MM/YYYY", "MMYY",
// "MM-YY", "M/YY") into month 1-12 and a four-digit year.
func ParseExpiry(s string) (month, year int, err error) {
	s = strings.TrimSpace(s)
	var mm, yy string
	if i := strings.IndexAny(s, "/-."); i >= 0 {
		mm, yy = strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:])
	} else if len(s) == 4 || len(s) == 6 {
		mm, yy = s[:2], s[2:]
	} else {
		return 0, 0, problem("val_expiry_format")
	}
	month, err1 := strconv.Atoi(mm)
	year, err2 := strconv.Atoi(yy)
	if err1 != nil || err2 != nil || len(mm) == 0 || len(mm) > 2 || (len(yy) != 2 && len(yy) != 4) {
		return 0, 0, problem("val_expiry_format")
	}
	if month < 1 || month > 12 {
		return 0, 0, problem("val_expiry_month")
	}
	if len(yy) == 2 {
		year += 2000
	}
	return month, year, nil
}

// ValidateExpiry checks the expiry format and that the card is still valid
// at now: a card is good through the last day of its expiry month.
func ValidateExpiry(s string, now time.Time) error {
	month, year, err := ParseExpiry(s)
	if err != nil {
		return err
	}
	ny, nm, _ := now.Date()
	if year < ny || (year == ny && month < int(nm)) {
		return problem("val_expiry_expired_d_d", month, year%100)
	}
	if year > ny+20 {
		return problem("val_expiry_far_d", year)
	}
	return nil
}

// ExpiryValidator returns a func(string) error for forms, reading the clock
// at each call.
func ExpiryValidator(now func() time.Time) func(string) error {
	return func(s string) error { return ValidateExpiry(s, now()) }
}

// ValidateCVC checks the security code: 3 digits, or 4 for American
// Express (decided from cardNumber; when that is empty, 3 or 4 are fine).
func ValidateCVC(cvc, cardNumber string) error {
	c := strings.TrimSpace(cvc)
	for _, r := range c {
		if r < '0' || r > '9' {
			return problem("val_digits_only")
		}
	}
	want := 3
	switch {
	case NormalizeCardNumber(cardNumber) == "":
		if len(c) == 3 || len(c) == 4 {
			return nil
		}
		return problem("val_cvc_3or4")
	case CardBrand(cardNumber) == BrandAmex:
		want = 4
	}
	if len(c) != want {
		return problem("val_cvc_len_d_s", want, BrandName(CardBrand(cardNumber)))
	}
	return nil
}

// CVCValidator returns a func(string) error for forms; cardNumber is read
// at each call so the rule follows the number typed so far.
func CVCValidator(cardNumber func() string) func(string) error {
	return func(s string) error {
		n := ""
		if cardNumber != nil {
			n = cardNumber()
		}
		return ValidateCVC(s, n)
	}
}

// ValidateName checks a person's name: present and at most 100 characters.
func ValidateName(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return problem("val_required")
	}
	if len([]rune(s)) > 100 {
		return problem("val_too_long_100")
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return problem("val_control_char")
		}
	}
	return nil
}

// ValidateEmail checks a plain address like taro@example.com (no display
// name; the domain needs a dot).
func ValidateEmail(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return problem("val_required")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return problem("val_email_q", s)
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return problem("val_email_q", s)
	}
	return nil
}

// ValidatePhone checks a phone number: at least 10 digits (at most 15),
// separators ( ) - _ + . and spaces allowed, as KOMOJU's schema says.
func ValidatePhone(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return problem("val_required")
	}
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("()-_+. ", r):
		default:
			return problem("val_phone_chars")
		}
	}
	if digits < 10 {
		return problem("val_phone_short_d", digits)
	}
	if digits > 15 {
		return problem("val_phone_long_d", digits)
	}
	return nil
}

// isKana reports katakana (full- and half-width), hiragana, the long vowel
// mark and the middle dot.
func isKana(r rune) bool {
	switch {
	case r >= 0x3041 && r <= 0x309F: // hiragana
		return true
	case r >= 0x30A0 && r <= 0x30FF: // katakana incl. ー and ・
		return true
	case r >= 0xFF66 && r <= 0xFF9F: // half-width katakana
		return true
	case r >= 0x31F0 && r <= 0x31FF: // katakana phonetic extensions
		return true
	}
	return false
}

// ValidateKana checks a name written in kana (katakana or hiragana; spaces
// allowed), as bank transfer and Pay-easy require.
func ValidateKana(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return problem("val_required")
	}
	for _, r := range s {
		if r == ' ' || r == '\u3000' {
			continue
		}
		if !isKana(r) {
			return problem("val_kana")
		}
	}
	return nil
}

// ToKatakana converts hiragana to full-width katakana; other characters are
// kept. KOMOJU's kana fields expect katakana.
func ToKatakana(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 0x3041 && r <= 0x3096 {
			return r + 0x60
		}
		return r
	}, s)
}

// TestOutcome is what a test card does in test mode.
type TestOutcome string

// Test card behaviours (komoju-api.md §8.1).
const (
	TestSuccess           TestOutcome = "success"
	TestSuccess3DS        TestOutcome = "success_3ds_frictionless"
	Test3DSChallenge      TestOutcome = "3ds_challenge"         // enter 123456 on the challenge page
	Test3DSChallengeFails TestOutcome = "3ds_challenge_failure" // enter 111111 on the challenge page
	Test3DSAuthFailure    TestOutcome = "3ds_auth_failure"      // fails after the redirect back
	TestDecline           TestOutcome = "decline"
)

// TestCard is a KOMOJU test-mode card for the UI's test-data picker. Test
// numbers are public and only work with test keys.
type TestCard struct {
	Number string
	Brand  string
	Label  string
	Expect TestOutcome
	// Code is the error code a decline card produces.
	Code string
	// ThreeDSCode is what to type on the 3DS challenge page, if any.
	ThreeDSCode string
}

// TestCards lists KOMOJU's documented test cards (komoju-api.md §8.1): the
// success cards per brand, the 3DS cards, and each decline card with its
// expected error code. Any future expiry, any CVC and any name work.
func TestCards() []TestCard {
	c := func(n string, e TestOutcome, code, label string) TestCard {
		tc := TestCard{Number: n, Brand: CardBrand(n), Label: label, Expect: e, Code: code}
		switch e {
		case Test3DSChallenge:
			tc.ThreeDSCode = "123456"
		case Test3DSChallengeFails:
			tc.ThreeDSCode = "111111"
		}
		return tc
	}
	return []TestCard{
		c("4111111111111111", TestSuccess, "", "Visa: success"),
		c("5555555555554444", TestSuccess, "", "Mastercard: success"),
		c("3530111333300000", TestSuccess, "", "JCB: success"),
		c("378282246310005", TestSuccess, "", "American Express: success"),
		c("30569309025904", TestSuccess, "", "Diners Club: success"),
		c("4100000000000100", TestSuccess3DS, "", "Visa 3DS: frictionless success"),
		c("5100000000000107", TestSuccess3DS, "", "Mastercard 3DS: frictionless success"),
		c("3528000000000106", TestSuccess3DS, "", "JCB 3DS: frictionless success"),
		c("4100000000005000", Test3DSChallenge, "", "Visa 3DS: challenge (enter 123456)"),
		c("5100000000005007", Test3DSChallenge, "", "Mastercard 3DS: challenge (enter 123456)"),
		c("3528000000005006", Test3DSChallenge, "", "JCB 3DS: challenge (enter 123456)"),
		c("4100000000300005", Test3DSChallengeFails, "", "Visa 3DS: challenge fails (enter 111111)"),
		c("5100000000300002", Test3DSChallengeFails, "", "Mastercard 3DS: challenge fails (enter 111111)"),
		c("3528000000300001", Test3DSChallengeFails, "", "JCB 3DS: challenge fails (enter 111111)"),
		c("4100000000500000", Test3DSAuthFailure, "", "Visa 3DS: authentication fails"),
		c("5100000000500007", Test3DSAuthFailure, "", "Mastercard 3DS: authentication fails"),
		c("3528000000500006", Test3DSAuthFailure, "", "JCB 3DS: authentication fails"),
		c("4123111111111000", TestDecline, komoju.CodeInsufficientFunds, "Decline: insufficient funds"),
		c("4123111111111018", TestDecline, komoju.CodeExceedsLimit, "Decline: exceeds card limit"),
		c("4123111111111034", TestDecline, komoju.CodeBadVerificationVal, "Decline: bad CVC"),
		c("4123111111111042", TestDecline, komoju.CodeCardExpired, "Decline: card expired"),
		c("4123111111111059", TestDecline, komoju.CodeCardDeclined, "Decline: card cannot be used"),
		// KOMOJU's English and Japanese pages disagree on the invalid-card
		// number; both are listed.
		c("4123111111111067", TestDecline, komoju.CodeInvalidNumber, "Decline: invalid card (EN docs)"),
		c("4123111111111075", TestDecline, komoju.CodeInvalidNumber, "Decline: invalid card (JA docs)"),
	}
}

// Scenario is a Komoju-Scenario header value: in test mode it makes a
// payment (or every pay attempt on a session) fail with that error code,
// which is how declines are tested for methods without a card number.
type Scenario struct {
	Code  string
	Label string
}

// Scenarios lists the Komoju-Scenario codes the test-data picker offers.
func Scenarios() []Scenario {
	return []Scenario{
		{komoju.CodeInsufficientFunds, "Insufficient funds"},
		{komoju.CodeExceedsLimit, "Exceeds limit"},
		{komoju.CodeBadVerificationVal, "Bad verification value"},
		{komoju.CodeCardExpired, "Card expired"},
		{komoju.CodeCardDeclined, "Card declined"},
		{komoju.CodeInvalidNumber, "Invalid number"},
		{komoju.CodeFraudulent, "Suspected fraud"},
	}
}
