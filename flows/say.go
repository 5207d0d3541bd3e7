package flows

import (
	"fmt"
	"strings"

	"github.com/komoju-tui/komoju-tui/flows/words"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// Say is o's sentence in lang ("en" or "ja"), from the one message table
// (flows/words), so the console, the accessible console and the headless
// commands say the same thing in both languages. Message stays the English
// sentence (JSON output and logs carry it).
func (o Outcome) Say(lang string) string {
	if !isJa(lang) || o.Message == "" {
		return o.Message
	}
	if ja, ok := words.JA(o.Message); ok {
		return ja // a fixed sentence (3-D Secure, scanned codes, …)
	}
	p := o.Payment
	switch o.Kind {
	case OutcomeFailed, OutcomeError:
		if o.Err == nil && p != nil && o.Kind == OutcomeFailed {
			return paymentMessage(p, o.Kind, o, lang)
		}
		reason := o.Message
		if o.Text.ID != "" {
			reason = o.Text.In(lang)
		}
		if o.Err != nil && o.Err.Message != "" {
			reason = o.Err.Message // KOMOJU words its errors in English
		}
		if o.Err != nil {
			if ja, ok := words.Decline(o.Err.Code, lang); ok {
				reason = ja
			}
		}
		s := say(lang, "say_not_paid", reason)
		if o.CanRetry {
			s += say(lang, "say_retry_same_sale")
		}
		return s
	case OutcomeUnknown:
		return say(lang, "say_unknown")
	case OutcomePaid, OutcomeAwaiting, OutcomeAuthorized, OutcomeRedirect, OutcomeRefunded, OutcomeCancelled, OutcomeExpired:
		if p != nil {
			return paymentMessage(p, o.Kind, o, lang)
		}
		return say(lang, "say_"+string(o.Kind)+"_nopay")
	}
	return o.Message
}

// say is message id in lang, formatted with args.
func say(lang, id string, args ...any) string {
	s, ok := words.Lookup(id, lang)
	if !ok {
		return id // a missing id fails words' completeness test first
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

func isJa(lang string) bool { return strings.HasPrefix(strings.ToLower(lang), "ja") }

// methodPhrase names how p is paid, ready to follow the amount in a
// sentence: " by Visa •••• 1111" / " with PayPay", or "（…）" in Japanese.
func methodPhrase(p *komoju.Payment, lang string) string {
	d := p.PaymentDetails
	if d == nil {
		return ""
	}
	if d.CreditCard != nil {
		s := BrandName(d.CreditCard.Brand)
		if d.CreditCard.LastFourDigits != "" {
			s += " •••• " + d.CreditCard.LastFourDigits
		}
		return say(lang, "say_by_card", s)
	}
	if m, ok := LookupMethod(d.Type); ok {
		return say(lang, "say_with_method", m.Name(lang))
	}
	if d.Type != "" {
		return say(lang, "say_with_method", string(d.Type))
	}
	return ""
}

// StatusWords is a payment status as an argument of a words.Text: it says
// itself in the Text's language.
type StatusWords komoju.PaymentStatus

func (s StatusWords) In(lang string) string { return words.Status(string(s), lang) }

// OutcomeWords is an outcome's sentence as an argument of a words.Text.
type OutcomeWords Outcome

func (o OutcomeWords) In(lang string) string { return Outcome(o).Say(lang) }

// saidIn is t in lang, or the English message when t is empty (a sentence
// the table does not have).
func saidIn(t words.Text, message, lang string) string {
	if t.ID == "" || !isJa(lang) {
		return message
	}
	return t.In(lang)
}
