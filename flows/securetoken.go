package flows

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// 3-D Secure for direct card payments (Method 2), through KOMOJU's secure
// tokens (https://doc.komoju.com/docs/3d-secure): create a token with the
// card, show the customer its authentication URL (link and QR, as Method 1
// shows session_url), wait until its verification_status is final, then
// pay with the token id as payment_details. These helpers are the
// terminal-free part; the console decides how to show each step.

// SecureTokenInput is what a secure token needs.
type SecureTokenInput struct {
	Amount   int64
	Currency string
	// ReturnURL is where the customer's browser goes after authenticating
	// (the app's return-URL server). Required by KOMOJU.
	ReturnURL string
	// Card is credit_card payment details (number, month, year, CVC, name,
	// email). Its number and CVC are never logged or kept.
	Card komoju.PaymentDetailsParams
}

// Validate names what is wrong with the input, before anything is sent.
func (in SecureTokenInput) Validate() error {
	var errs []string
	if in.Amount <= 0 || in.Amount > komoju.MaxAmount {
		errs = append(errs, fmt.Sprintf("amount must be between 1 and %d", komoju.MaxAmount))
	}
	if _, ok := komoju.LookupCurrency(in.Currency); !ok {
		errs = append(errs, fmt.Sprintf("currency %q is not one KOMOJU takes", in.Currency))
	}
	if u, err := url.Parse(in.ReturnURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, "a return URL (absolute http or https) is required for 3-D Secure")
	}
	if in.Card.Type != "" && in.Card.Type != komoju.TypeCreditCard {
		errs = append(errs, fmt.Sprintf("3-D Secure is for cards, not %s", in.Card.Type))
	}
	if strings.TrimSpace(in.Card.Number) == "" {
		errs = append(errs, "the card number is missing")
	}
	if len(errs) > 0 {
		return errors.New("flows: secure token: " + strings.Join(errs, "; "))
	}
	return nil
}

// CreateSecureToken validates the input and creates the token (POST
// /secure_tokens).
func CreateSecureToken(ctx context.Context, c *komoju.Client, in SecureTokenInput) (*komoju.SecureToken, error) {
	if c == nil {
		return nil, errNoClient
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	card := in.Card
	card.Type = komoju.TypeCreditCard
	return c.SecureTokens.Create(ctx, &komoju.SecureTokenCreateParams{Amount: in.Amount, Currency: in.Currency, ReturnURL: in.ReturnURL, PaymentDetails: &card})
}

// SecureTokenStep is what to do next with a secure token.
type SecureTokenStep int

// Secure token steps.
const (
	// StepAuthenticate: show the customer AuthenticationURL and wait.
	StepAuthenticate SecureTokenStep = iota
	// StepPayAuthenticated: the customer authenticated; pay with the token.
	StepPayAuthenticated
	// StepPayNotEnrolled: 3-D Secure does not apply to this card (SKIPPED);
	// the token pays, without the liability shift — say so on the result.
	StepPayNotEnrolled
	// StepDeclined3DS: authentication failed or was abandoned (ERRORED);
	// nothing was charged; the customer may try again with a new token.
	StepDeclined3DS
	// StepUnknownStatus: a status this package does not know; look again
	// later rather than pay.
	StepUnknownStatus
)

func (s SecureTokenStep) String() string {
	switch s {
	case StepAuthenticate:
		return "authenticate"
	case StepPayAuthenticated:
		return "pay (3-D Secure authenticated)"
	case StepPayNotEnrolled:
		return "pay (3-D Secure not applicable to this card)"
	case StepDeclined3DS:
		return "3-D Secure failed"
	case StepUnknownStatus:
		return "unknown 3-D Secure status"
	}
	return fmt.Sprintf("SecureTokenStep(%d)", int(s))
}

// NextSecureTokenStep is the decision table from verification_status.
func NextSecureTokenStep(st *komoju.SecureToken) SecureTokenStep {
	if st == nil {
		return StepUnknownStatus
	}
	switch st.VerificationStatus {
	case komoju.SecureTokenNeedsVerify:
		return StepAuthenticate
	case komoju.SecureTokenOK:
		return StepPayAuthenticated
	case komoju.SecureTokenSkipped:
		return StepPayNotEnrolled
	case komoju.SecureTokenErrored:
		return StepDeclined3DS
	}
	return StepUnknownStatus
}

// WaitSecureToken polls GET /secure_tokens/{id} until its status is final
// (anything but NEEDS_VERIFY) or ctx ends. backoff(n) is the delay before
// poll n (1-based); nil waits 1s. On ctx's end it returns the last token
// seen (nil if none) with ctx's error.
func WaitSecureToken(ctx context.Context, c *komoju.Client, id string, backoff func(int) time.Duration) (*komoju.SecureToken, error) {
	return waitSecureToken(ctx, c, id, backoff, time.After)
}

// waitSecureToken is WaitSecureToken on the timer after.
func waitSecureToken(ctx context.Context, c *komoju.Client, id string, backoff func(int) time.Duration, after func(time.Duration) <-chan time.Time) (*komoju.SecureToken, error) {
	if c == nil {
		return nil, errNoClient
	}
	if backoff == nil {
		backoff = func(int) time.Duration { return time.Second }
	}
	var last *komoju.SecureToken
	for n := 1; ; n++ {
		st, err := c.SecureTokens.Get(ctx, id)
		switch {
		case err == nil:
			last = st
			if st.VerificationStatus.Final() {
				return st, nil
			}
		case ctx.Err() != nil:
			return last, ctx.Err()
		case !komoju.IsRetryable(err) && !isTransport(err):
			return last, err
		}
		select {
		case <-ctx.Done():
			return last, ctx.Err()
		case <-after(backoff(n)):
		}
	}
}

// isTransport reports an error with no KOMOJU answer (timeout, dropped
// connection): looking again is safe, a GET changes nothing.
func isTransport(err error) bool {
	var e *komoju.Error
	return !errors.As(err, &e)
}

// SecureTokenPayment builds the direct payment that spends a payable token.
// It refuses a token that cannot pay, naming why.
func SecureTokenPayment(st *komoju.SecureToken, p komoju.PaymentCreateParams) (*komoju.PaymentCreateParams, error) {
	switch step := NextSecureTokenStep(st); step {
	case StepPayAuthenticated, StepPayNotEnrolled:
	default:
		return nil, fmt.Errorf("flows: secure token cannot pay yet: %s", step)
	}
	p.PaymentDetails = nil
	p.Token = st.ID
	return &p, nil
}
