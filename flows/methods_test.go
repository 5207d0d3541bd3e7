package flows

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

var testNow = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

func TestCatalogueCoversEveryMethod(t *testing.T) {
	want := []komoju.PaymentType{
		komoju.TypeCreditCard, komoju.TypeKonbini, komoju.TypeBankTransfer, komoju.TypePayEasy,
		komoju.TypePayPay, komoju.TypeMerpay, komoju.TypeRakutenPay, komoju.TypeAuPay,
		komoju.TypeLinePay, komoju.TypeAlipay, komoju.TypePaidy,
	}
	cat := Catalogue()
	if len(cat) != len(want) {
		t.Fatalf("catalogue has %d methods, want %d", len(cat), len(want))
	}
	for _, typ := range want {
		m, ok := LookupMethod(typ)
		if !ok {
			t.Fatalf("LookupMethod(%s) missing", typ)
		}
		if m.NameEn == "" || m.NameJa == "" {
			t.Errorf("%s lacks a display name: en %q ja %q", typ, m.NameEn, m.NameJa)
		}
		if m.Offsite != typ.IsOffsite() {
			t.Errorf("%s Offsite = %v, komoju says %v", typ, m.Offsite, typ.IsOffsite())
		}
		if m.Async != typ.IsAsync() || m.RefundViaRequest != typ.IsAsync() {
			t.Errorf("%s Async=%v RefundViaRequest=%v, want both %v", typ, m.Async, m.RefundViaRequest, typ.IsAsync())
		}
		if m.Offsite && len(m.Fields()) != 0 {
			t.Errorf("offsite %s asks for input %v", typ, m.Fields())
		}
	}
	if _, ok := LookupMethod("wechatpay"); ok {
		t.Error("LookupMethod found a method that is not in the catalogue")
	}
	// Catalogue returns fresh slices: changing one does not change the next.
	cat[0].Required[0] = "changed"
	if m, _ := LookupMethod(komoju.TypeCreditCard); m.Required[0] != DetailCardNumber {
		t.Error("Catalogue shares its slices between calls")
	}
	if got := cat[1].Name("ja"); got != "コンビニ決済" {
		t.Errorf("konbini Japanese name = %q", got)
	}
}

func TestMethodNeeds(t *testing.T) {
	cases := []struct {
		typ  komoju.PaymentType
		need []DetailField
	}{
		{komoju.TypeCreditCard, []DetailField{DetailCardNumber, DetailCardExpiry, DetailCardCVC}},
		{komoju.TypeKonbini, []DetailField{DetailStore, DetailEmail}},
		{komoju.TypeBankTransfer, []DetailField{DetailFamilyName, DetailGivenName, DetailFamilyNameKana, DetailGivenNameKana, DetailEmail, DetailPhone}},
		{komoju.TypePayEasy, []DetailField{DetailFamilyName, DetailGivenName, DetailFamilyNameKana, DetailGivenNameKana, DetailEmail, DetailPhone}},
		{komoju.TypePayPay, nil},
	}
	for _, c := range cases {
		m, _ := LookupMethod(c.typ)
		if fmt.Sprint(m.Required) != fmt.Sprint(c.need) {
			t.Errorf("%s requires %v, want %v", c.typ, m.Required, c.need)
		}
	}
}

func TestMethodsFromSession(t *testing.T) {
	s := &komoju.Session{PaymentMethods: []komoju.SessionPaymentMethod{
		{Type: komoju.TypeCreditCard, Brands: json.RawMessage(`["visa","master"]`)},
		{Type: komoju.TypeKonbini, Brands: json.RawMessage(`{"lawson":{"icon":"x"},"seven-eleven":{"icon":"y"}}`), CustomerFee: 190},
		{Type: komoju.TypePayPay, Offsite: true},
		{Type: "wechatpay", Offsite: true},
		{Type: "web_money", Offsite: false}, // needs a prepaid number we do not collect
	}}
	ms := MethodsFromSession(s)
	var types []string
	for _, m := range ms {
		types = append(types, string(m.Type))
	}
	if got := strings.Join(types, ","); got != "credit_card,konbini,paypay,wechatpay" {
		t.Fatalf("methods = %s", got)
	}
	if fmt.Sprint(ms[0].Brands) != "[visa master]" {
		t.Errorf("card brands = %v", ms[0].Brands)
	}
	// Store order follows KonbiniStores, not the JSON object.
	if fmt.Sprint(ms[1].Stores) != "[seven-eleven lawson]" || ms[1].CustomerFee != 190 {
		t.Errorf("konbini stores = %v fee %d", ms[1].Stores, ms[1].CustomerFee)
	}
	if ms[3].Known || !ms[3].Offsite {
		t.Errorf("unknown offsite method = %+v", ms[3])
	}
	if MethodsFromSession(nil) != nil {
		t.Error("nil session gave methods")
	}
}

func TestMethodsFromAPI(t *testing.T) {
	ms := MethodsFromAPI([]komoju.PaymentMethod{
		{TypeSlug: komoju.TypeCreditCard, NameEn: "Credit Card", NameJa: "クレジットカード", Currency: "JPY"},
		{TypeSlug: komoju.TypeCreditCard, NameEn: "Credit Card", Currency: "USD"},
		{TypeSlug: komoju.TypePayEasy, NameEn: "", NameJa: ""},
		{TypeSlug: "unionpay", NameEn: "UnionPay"},
	})
	if len(ms) != 2 || ms[0].Type != komoju.TypeCreditCard || ms[1].Type != komoju.TypePayEasy {
		t.Fatalf("methods = %+v", ms)
	}
	if ms[0].NameEn != "Credit Card" || ms[1].NameEn != "Pay-easy" {
		t.Errorf("names: %q %q (API name first, catalogue name as fallback)", ms[0].NameEn, ms[1].NameEn)
	}
}

func TestLuhnAndBrand(t *testing.T) {
	cases := []struct {
		number string
		luhn   bool
		brand  string
	}{
		{"4111111111111111", true, BrandVisa},
		{"4111 1111 1111 1111", true, BrandVisa},
		{"4111-1111-1111-1111", true, BrandVisa},
		{"4111111111111112", false, BrandVisa},
		{"5555555555554444", true, BrandMaster},
		{"2221000000000009", true, BrandMaster},
		{"3530111333300000", true, BrandJCB},
		{"378282246310005", true, BrandAmex},
		{"341111111111111", true, BrandAmex},
		{"30569309025904", true, BrandDiners},
		{"36227206271667", true, BrandDiners},
		{"6011111111111117", true, BrandUnknown},
		{"", false, BrandUnknown},
		{"abcd", false, BrandUnknown},
	}
	for _, c := range cases {
		if got := Luhn(c.number); got != c.luhn {
			t.Errorf("Luhn(%q) = %v", c.number, got)
		}
		if got := CardBrand(c.number); got != c.brand {
			t.Errorf("CardBrand(%q) = %s, want %s", c.number, got, c.brand)
		}
	}
}

func TestFormatAndMaskCardNumber(t *testing.T) {
	cases := map[string]string{
		"4111111111111111":    "4111 1111 1111 1111",
		"4111-1111 11111111":  "4111 1111 1111 1111",
		"378282246310005":     "3782 822463 10005",
		"30569309025904":      "3056 930902 5904",
		"41111":               "4111 1",
		"":                    "",
		"4111111111111111111": "4111 1111 1111 1111 111",
	}
	for in, want := range cases {
		if got := FormatCardNumber(in); got != want {
			t.Errorf("FormatCardNumber(%q) = %q, want %q", in, got, want)
		}
	}
	if got := MaskCardNumber("4111 1111 1111 1111"); got != "•••• 1111" {
		t.Errorf("mask = %q", got)
	}
	d := Details{CardNumber: "4111111111111111", CardCVC: "123"}
	for _, s := range []string{d.String(), fmt.Sprintf("%v", d), fmt.Sprintf("%+v", d), fmt.Sprintf("%#v", d)} {
		if strings.Contains(s, "4111111111111111") || strings.Contains(s, "123") {
			t.Errorf("Details printed a card secret: %s", s)
		}
	}
}

func TestValidateCardNumber(t *testing.T) {
	ok := []string{"4111111111111111", "4111 1111 1111 1111", "378282246310005", "30569309025904"}
	for _, n := range ok {
		if err := ValidateCardNumber(n); err != nil {
			t.Errorf("ValidateCardNumber(%q) = %v", n, err)
		}
	}
	bad := map[string]string{
		"":                  "required",
		"4111x111111111111": "digits",
		"4111111111111112":  "check digit",
		"41111111111":       "11 digits",
		"37828224631000":    "not a valid American Express",
	}
	for n, want := range bad {
		err := ValidateCardNumber(n)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidateCardNumber(%q) = %v, want it to mention %q", n, err, want)
		}
	}
	for _, c := range TestCards() {
		if err := ValidateCardNumber(c.Number); err != nil {
			t.Errorf("test card %s (%s) fails validation: %v", c.Number, c.Label, err)
		}
		if c.Brand != CardBrand(c.Number) || c.Brand == BrandUnknown {
			t.Errorf("test card %s brand %q", c.Number, c.Brand)
		}
	}
}

func TestTestCardsAndScenarios(t *testing.T) {
	codes := map[string]bool{}
	var success, challenge bool
	for _, c := range TestCards() {
		switch c.Expect {
		case TestDecline:
			if c.Code == "" {
				t.Errorf("decline card %s has no error code", c.Number)
			}
			codes[c.Code] = true
		case TestSuccess:
			success = true
		case Test3DSChallenge:
			challenge = c.ThreeDSCode == "123456"
		}
	}
	for _, code := range []string{komoju.CodeInsufficientFunds, komoju.CodeExceedsLimit, komoju.CodeBadVerificationVal, komoju.CodeCardExpired, komoju.CodeCardDeclined, komoju.CodeInvalidNumber} {
		if !codes[code] {
			t.Errorf("no decline card for %s", code)
		}
	}
	if !success || !challenge {
		t.Error("missing success or 3DS challenge cards")
	}
	for _, s := range Scenarios() {
		if s.Code == "" || s.Label == "" {
			t.Errorf("scenario %+v incomplete", s)
		}
	}
}

func TestValidateExpiry(t *testing.T) {
	ok := []string{"11/26", "12/26", "01/27", "1/30", "12/2030", "1230", "12-30", " 12 / 30 "}
	for _, s := range ok {
		if err := ValidateExpiry(s, testNow); err != nil {
			t.Errorf("ValidateExpiry(%q) = %v", s, err)
		}
	}
	bad := map[string]string{
		"10/26": "expired",
		"12/25": "expired",
		"13/30": "month",
		"00/30": "month",
		"ab/cd": "MM/YY",
		"12/3":  "MM/YY",
		"":      "MM/YY",
		"12/99": "too far",
	}
	for s, want := range bad {
		err := ValidateExpiry(s, testNow)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidateExpiry(%q) = %v, want %q", s, err, want)
		}
	}
	v := ExpiryValidator(func() time.Time { return testNow })
	if v("11/26") != nil || v("10/26") == nil {
		t.Error("ExpiryValidator disagrees with ValidateExpiry")
	}
}

func TestValidateCVC(t *testing.T) {
	cases := []struct {
		cvc, number string
		ok          bool
	}{
		{"123", "4111111111111111", true},
		{"1234", "4111111111111111", false},
		{"12", "4111111111111111", false},
		{"1234", "378282246310005", true},
		{"123", "378282246310005", false},
		{"12a", "4111111111111111", false},
		{"123", "", true},
		{"1234", "", true},
		{"12345", "", false},
	}
	for _, c := range cases {
		err := ValidateCVC(c.cvc, c.number)
		if (err == nil) != c.ok {
			t.Errorf("ValidateCVC(%q, %q) = %v", c.cvc, c.number, err)
		}
	}
	num := "378282246310005"
	v := CVCValidator(func() string { return num })
	if v("1234") != nil || v("123") == nil {
		t.Error("CVCValidator does not follow the card number")
	}
}

func TestSmallValidators(t *testing.T) {
	type tc struct {
		in string
		ok bool
	}
	check := func(name string, f func(string) error, cases []tc) {
		t.Helper()
		for _, c := range cases {
			err := f(c.in)
			if (err == nil) != c.ok {
				t.Errorf("%s(%q) = %v", name, c.in, err)
			}
			if err != nil && err.Error() == "" {
				t.Errorf("%s(%q) has an empty message", name, c.in)
			}
		}
	}
	check("ValidateEmail", ValidateEmail, []tc{
		{"taro@example.com", true}, {"a@b.c", true}, {"", false}, {"taro", false},
		{"taro@localhost", false}, {"Taro <taro@example.com>", false}, {"taro@@example.com", false},
	})
	check("ValidatePhone", ValidatePhone, []tc{
		{"09012345678", true}, {"090-1234-5678", true}, {"+81 (90) 1234 5678", true},
		{"123456789", false}, {"090-1234-567a", false}, {"", false}, {"1234567890123456", false},
	})
	check("ValidateKana", ValidateKana, []tc{
		{"ヤマダ", true}, {"やまだ", true}, {"ﾔﾏﾀﾞ", true}, {"ヤマダ タロウ", true}, {"サトー", true},
		{"Yamada", false}, {"山田", false}, {"", false},
	})
	check("ValidateStore", ValidateStore, []tc{
		{"seven-eleven", true}, {"7-Eleven", true}, {"lawson", true}, {"family_mart", true},
		{"FamilyMart", true}, {"ministop", true}, {"daily-yamazaki", true}, {"seicomart", true},
		{"circle-k", false}, {"", false},
	})
	check("ValidateName", ValidateName, []tc{{"Taro", true}, {"山田", true}, {"", false}, {"  ", false}, {strings.Repeat("x", 101), false}})
	if s, _ := ParseStore("7-Eleven"); s != komoju.StoreSevenEleven {
		t.Errorf("ParseStore(7-Eleven) = %q", s)
	}
	if got := ToKatakana("やまだ たろう"); got != "ヤマダ タロウ" {
		t.Errorf("ToKatakana = %q", got)
	}
}

func TestValidateDetails(t *testing.T) {
	card := Details{CardNumber: "4111 1111 1111 1111", CardExpiry: "12/30", CardCVC: "123"}
	if errs := ValidateDetails(komoju.TypeCreditCard, card, testNow); errs != nil {
		t.Errorf("valid card: %v", errs)
	}
	errs := ValidateDetails(komoju.TypeCreditCard, Details{CardNumber: "4111111111111112", CardExpiry: "01/20"}, testNow)
	for _, f := range []DetailField{DetailCardNumber, DetailCardExpiry, DetailCardCVC} {
		if errs.For(string(f)) == "" {
			t.Errorf("card errors %v do not name %s", errs, f)
		}
	}
	if errs.For(string(DetailCardCVC)) != "is required" {
		t.Errorf("missing CVC message = %q", errs.For(string(DetailCardCVC)))
	}

	konbini := Details{Store: "lawson", Email: "taro@example.com"}
	if errs := ValidateDetails(komoju.TypeKonbini, konbini, testNow); errs != nil {
		t.Errorf("valid konbini: %v", errs)
	}
	errs = ValidateDetails(komoju.TypeKonbini, Details{Store: "circle-k", Phone: "123"}, testNow)
	if errs.For("store") == "" || errs.For("email") == "" || errs.For("phone") == "" {
		t.Errorf("konbini errors = %v", errs)
	}

	bank := Details{FamilyName: "山田", GivenName: "太郎", FamilyNameKana: "ヤマダ", GivenNameKana: "たろう", Email: "taro@example.com", Phone: "090-1234-5678"}
	for _, typ := range []komoju.PaymentType{komoju.TypeBankTransfer, komoju.TypePayEasy} {
		if errs := ValidateDetails(typ, bank, testNow); errs != nil {
			t.Errorf("valid %s: %v", typ, errs)
		}
		bad := bank
		bad.GivenNameKana = "Taro"
		bad.Phone = ""
		errs := ValidateDetails(typ, bad, testNow)
		if errs.For("given_name_kana") == "" || errs.For("phone") != "is required" {
			t.Errorf("%s errors = %v", typ, errs)
		}
	}
	// Wallets take nothing; card input is ignored for them.
	if errs := ValidateDetails(komoju.TypePayPay, Details{CardNumber: "junk"}, testNow); errs != nil {
		t.Errorf("paypay: %v", errs)
	}
}

func TestDetailsParams(t *testing.T) {
	d := Details{CardNumber: "4111 1111-1111 1111", CardExpiry: "3/30", CardCVC: "123", CardName: " Taro ",
		Store: "Lawson", Email: "taro@example.com", Phone: "09012345678",
		FamilyName: "山田", GivenName: "太郎", FamilyNameKana: "やまだ", GivenNameKana: "タロウ"}
	p := d.Params(komoju.TypeCreditCard)
	if p.Type != komoju.TypeCreditCard || p.Number != "4111111111111111" || p.Month != "03" || p.Year != "2030" ||
		p.VerificationValue != "123" || p.Name != "Taro" || p.Store != "" || p.Phone != "" {
		t.Errorf("card params = %+v", p.Redacted())
	}
	p = d.Params(komoju.TypeKonbini)
	if p.Store != komoju.StoreLawson || p.Email != "taro@example.com" || p.Number != "" || p.VerificationValue != "" || p.Phone != "09012345678" {
		t.Errorf("konbini params = %+v", p)
	}
	p = d.Params(komoju.TypeBankTransfer)
	if p.FamilyNameKana != "ヤマダ" || p.GivenNameKana != "タロウ" || p.Phone == "" || p.Number != "" {
		t.Errorf("bank params = %+v", p)
	}
	p = d.Params(komoju.TypePayPay)
	b, _ := json.Marshal(p)
	if string(b) != `{"type":"paypay"}` {
		t.Errorf("paypay params = %s", b)
	}
}
