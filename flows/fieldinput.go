package flows

import "time"

// FieldInput is the check for a typed value of field f and where in d the
// value goes, so every form (the console's, the accessible one) checks a
// field the same way. A field that is not typed (the store, a choice)
// gets a no-op check and a throwaway destination.
func FieldInput(f DetailField, d *Details, now func() time.Time) (func(string) error, *string) {
	switch f {
	case DetailCardNumber:
		return ValidateCardNumber, &d.CardNumber
	case DetailCardExpiry:
		return ExpiryValidator(now), &d.CardExpiry
	case DetailCardCVC:
		return CVCValidator(func() string { return d.CardNumber }), &d.CardCVC
	case DetailCardName:
		return ValidateName, &d.CardName
	case DetailEmail:
		return ValidateEmail, &d.Email
	case DetailPhone:
		return ValidatePhone, &d.Phone
	case DetailGivenName:
		return ValidateName, &d.GivenName
	case DetailFamilyName:
		return ValidateName, &d.FamilyName
	case DetailGivenNameKana:
		return ValidateKana, &d.GivenNameKana
	case DetailFamilyNameKana:
		return ValidateKana, &d.FamilyNameKana
	}
	var s string
	return func(string) error { return nil }, &s
}
