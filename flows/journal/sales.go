package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/komoju-tui/komoju-tui/komoju"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Flow is how a sale is paid: Method 1 (a Session, then Session: Pay) or
// Method 2 (Payment: Create directly).
type Flow string

// Flows, as the seed names them.
const (
	FlowSession Flow = "session"
	FlowDirect  Flow = "direct"
)

// Outcome kinds as flows reports them. The journal stores any short kind;
// OutcomeUnknown is special: a sale or action with that outcome is still
// listed by Unfinished, because nobody knows yet whether money moved.
const (
	OutcomePaid       = "paid"
	OutcomeAwaiting   = "awaiting"
	OutcomeAuthorized = "authorized"
	OutcomeRedirect   = "redirect"
	OutcomeError      = "error"
	OutcomeUnknown    = "unknown"
)

// Sources of a status change, recorded in the status history.
const (
	SourceResult    = "result"     // FinishSale: the answer to our own call
	SourceAPI       = "api"        // a refresh or any other API answer
	SourceAction    = "action"     // the answer to a capture/cancel/refund
	SourcePoll      = "poll"       // polling while watching a payment
	SourceWebhook   = "webhook"    // a verified webhook event
	SourceReturnURL = "return_url" // the customer came back through the return URL
	SourceReconcile = "reconcile"  // recovered on start after a crash
)

func validSource(s string) bool {
	switch s {
	case SourceResult, SourceAPI, SourceAction, SourcePoll, SourceWebhook, SourceReturnURL, SourceReconcile:
		return true
	}
	return false
}

// Intent is a sale as written before the first API call (Session: Create
// for Method 1, Payment: Create for Method 2). It holds the card's brand and
// last four digits only; text that looks like a card number is refused.
type Intent struct {
	OrderNum       string // external_order_num; unique in the journal
	IdempotencyKey string // the key the creating call carries
	Flow           Flow
	Method         komoju.PaymentType // may be empty for Method 1 until the customer picks one
	Amount         int64              // minor units, tax excluded
	Tax            int64
	Currency       string
	Capture        komoju.CaptureMode // "" means auto
	Email          string
	Name           string
	Description    string
	SessionID      string
	CardBrand      string
	CardLast4      string
}

// Result is what came of a sale's API call, written by FinishSale.
type Result struct {
	PaymentID       string
	Status          komoju.PaymentStatus
	Amount          int64 // 0 keeps the intent's amount
	Tax             int64
	Total           int64
	AmountRefunded  int64
	Currency        string // "" keeps the intent's currency
	Method          komoju.PaymentType
	CardBrand       string
	CardLast4       string
	ErrorCode       string
	ErrorMessage    string
	Outcome         string // short kind: paid, awaiting, authorized, redirect, error, unknown
	InstructionsURL string
	RedirectURL     string
	Deadline        *time.Time
	// Store is the konbini store slug of a konbini payment ("lawson").
	Store string
}

// ResultFromPayment fills a Result from a payment KOMOJU returned (nil p
// gives just the outcome).
func ResultFromPayment(p *komoju.Payment, outcome string) Result {
	r := Result{Outcome: outcome}
	if p == nil {
		return r
	}
	r.PaymentID, r.Status = p.ID, p.Status
	r.Amount, r.Tax, r.Total, r.AmountRefunded, r.Currency = p.Amount, p.Tax, p.Total, p.AmountRefunded, p.Currency
	r.Method = p.Type()
	r.CardBrand, r.CardLast4 = cardOf(p)
	r.InstructionsURL = p.PaymentDetails.InstructionsURL()
	r.RedirectURL = p.PaymentDetails.RedirectURL()
	r.Deadline = p.PaymentDeadline
	r.Store = storeOf(p)
	return r
}

// storeOf returns the konbini store of p, or "" (the store slug is
// payment_details.store: https://doc.komoju.com/reference/createpayment).
func storeOf(p *komoju.Payment) string {
	if p == nil || p.PaymentDetails == nil || p.PaymentDetails.Konbini == nil || checkSlug(p.PaymentDetails.Konbini.Store) != nil {
		return ""
	}
	return p.PaymentDetails.Konbini.Store
}

func cardOf(p *komoju.Payment) (brand, last4 string) {
	if p == nil || p.PaymentDetails == nil || p.PaymentDetails.CreditCard == nil {
		return "", ""
	}
	return p.PaymentDetails.CreditCard.Brand, p.PaymentDetails.CreditCard.LastFourDigits
}

// StatusChange is one row of a sale's status history.
type StatusChange struct {
	At             time.Time            `json:"at"`
	PaymentID      string               `json:"payment_id"`
	Status         komoju.PaymentStatus `json:"status"`
	AmountRefunded int64                `json:"amount_refunded"`
	Source         string               `json:"source"`
}

// Sale is a sale as the journal knows it: the intent, the latest result
// and the payment's current status and amounts. Amounts are minor units.
type Sale struct {
	ID             int64              `json:"id"`
	OrderNum       string             `json:"order_num"`
	IdempotencyKey string             `json:"idempotency_key"`
	Flow           Flow               `json:"flow"`
	Method         komoju.PaymentType `json:"method"`
	Amount         int64              `json:"amount"`
	Tax            int64              `json:"tax"`
	Currency       string             `json:"currency"`
	Capture        komoju.CaptureMode `json:"capture"`
	Email          string             `json:"email"`
	Name           string             `json:"name"`
	Description    string             `json:"description"`
	SessionID      string             `json:"session_id"`
	CardBrand      string             `json:"card_brand"`
	CardLast4      string             `json:"card_last4"`
	CreatedAt      time.Time          `json:"created_at"`
	UpdatedAt      time.Time          `json:"updated_at"`
	// Attempts counts pay attempts (Method 2 sales start at 1; Method 1
	// sales count BeginAction(ActionPay) calls).
	Attempts int `json:"attempts"`

	FinishedAt      *time.Time           `json:"finished_at"` // nil: the intent has no result yet
	Outcome         string               `json:"outcome"`
	PaymentID       string               `json:"payment_id"`
	Status          komoju.PaymentStatus `json:"status"`
	Total           int64                `json:"total"`
	AmountRefunded  int64                `json:"amount_refunded"`
	ErrorCode       string               `json:"error_code"`
	ErrorMessage    string               `json:"error_message"`
	InstructionsURL string               `json:"instructions_url"`
	RedirectURL     string               `json:"redirect_url"`
	Deadline        *time.Time           `json:"deadline"`
	CapturedAt      *time.Time           `json:"captured_at"`

	// Owner is the process (see Owner) that began the sale or last took
	// it over; OwnerGone is set by Reconcilable when that process is no
	// longer alive.
	Owner     string `json:"owner,omitempty"`
	OwnerGone bool   `json:"-"`
	// SentAt is when the call creating or paying the sale was last sent:
	// a look-up finding nothing proves "not charged" only once a fence past
	// it has passed.
	SentAt *time.Time `json:"sent_at,omitempty"`
	// Till is the till that began the sale (Options.Till of its journal
	// handle; empty when none was named or the sale predates schema 5).
	Till string `json:"till,omitempty"`
	// Store is the konbini store a slip was issued for ("lawson"; empty
	// for other methods and for sales before schema 6).
	Store string `json:"store,omitempty"`

	// History is the status history, oldest first (filled by Sale,
	// SaleByPayment and SaleByOrder only).
	History []StatusChange `json:"history,omitempty"`
	// OpenActions are this sale's actions without a result (filled by
	// Unfinished, Sale, SaleByPayment and SaleByOrder).
	OpenActions []Action `json:"open_actions,omitempty"`
}

// Unfinished reports whether the intent still lacks a definite result: no
// result was written, or it was written as OutcomeUnknown.
func (s *Sale) Unfinished() bool { return s.FinishedAt == nil || s.Outcome == OutcomeUnknown }

// Gross is what the sale charges (or charged): the payment's total once
// known, else amount + tax.
func (s *Sale) Gross() int64 {
	if s.Total > 0 {
		return s.Total
	}
	return s.Amount + s.Tax
}

// Charged reports whether the customer's money was captured (a refunded
// sale was charged, then refunded).
func (s *Sale) Charged() bool {
	return s.Status == komoju.PaymentCaptured || s.Status == komoju.PaymentRefunded
}

// Net is what the sale brought in: the captured total less refunds, 0 when
// nothing was captured.
func (s *Sale) Net() int64 {
	if !s.Charged() {
		return 0
	}
	return s.Gross() - s.AmountRefunded
}

// Limits on stored text; generous, but they keep a runaway caller from
// filling the disk.
const (
	maxShort = 200
	maxLong  = 4000
)

func (in *Intent) validate() error {
	in.OrderNum = strings.TrimSpace(in.OrderNum)
	in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	if in.Capture == "" {
		in.Capture = komoju.CaptureAuto
	}
	var errs []error
	bad := func(field, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: %s: %w", field, fmt.Sprintf(format, a...), ErrInvalid))
	}
	if in.OrderNum == "" {
		bad("order number", "is required")
	} else if len(in.OrderNum) > maxShort {
		bad("order number", "is longer than %d characters", maxShort)
	}
	if in.IdempotencyKey == "" {
		bad("idempotency key", "is required")
	} else if len(in.IdempotencyKey) > maxShort {
		bad("idempotency key", "is longer than %d characters", maxShort)
	}
	if in.Flow != FlowSession && in.Flow != FlowDirect {
		bad("flow", "%q is not session or direct", in.Flow)
	}
	if err := checkSlug(string(in.Method)); err != nil {
		bad("method", "%v", err)
	}
	if in.Amount <= 0 {
		bad("amount", "must be positive, got %d", in.Amount)
	} else if in.Amount > komoju.MaxAmount {
		bad("amount", "%d is larger than %d", in.Amount, komoju.MaxAmount)
	}
	if in.Tax < 0 || in.Tax > komoju.MaxAmount {
		bad("tax", "must be between 0 and %d, got %d", komoju.MaxAmount, in.Tax)
	}
	if _, ok := komoju.LookupCurrency(in.Currency); !ok {
		bad("currency", "%q is not a currency KOMOJU supports", in.Currency)
	}
	if in.Capture != komoju.CaptureAuto && in.Capture != komoju.CaptureManual {
		bad("capture", "%q is not auto or manual", in.Capture)
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"email", in.Email, maxShort}, {"name", in.Name, maxShort}, {"description", in.Description, maxLong},
		{"session id", in.SessionID, maxShort}, {"card brand", in.CardBrand, 40}} {
		if len(f.v) > f.max {
			bad(f.name, "is longer than %d characters", f.max)
		}
	}
	if in.CardLast4 != "" && !isLast4(in.CardLast4) {
		if longestDigitRun(in.CardLast4) >= 12 {
			errs = append(errs, fmt.Errorf("card last 4: %w", ErrCardData))
		} else {
			bad("card last 4", "must be exactly four digits")
		}
	}
	for _, f := range [][2]string{{"order number", in.OrderNum}, {"email", in.Email}, {"name", in.Name},
		{"description", in.Description}, {"card brand", in.CardBrand}} {
		if !utf8.ValidString(f[1]) {
			bad(f[0], "is not valid UTF-8 text")
		}
		if err := checkText(f[0], f[1]); err != nil {
			errs = append(errs, err)
		}
	}
	for _, f := range [][2]string{{"idempotency key", in.IdempotencyKey}, {"session id", in.SessionID}} {
		if err := checkID(f[0], f[1]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func checkSlug(s string) error {
	if len(s) > 64 {
		return fmt.Errorf("is longer than 64 characters")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return fmt.Errorf("%q is not a payment type slug", s)
		}
	}
	return nil
}

func isCurrencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func isLast4(s string) bool {
	if len(s) != 4 {
		return false
	}
	for i := 0; i < 4; i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// scrub masks what looks like a card number or secret key in text the
// journal is asked to keep but must not refuse (results, error messages,
// webhook-derived fields): losing a result would be worse than storing a
// masked one.
func scrub(s string, max int) string {
	if checkText("", s) != nil {
		b := []byte(s)
		run := 0
		for i := 0; i <= len(b); i++ {
			if i < len(b) && isDigit(b[i]) {
				run++
				continue
			}
			if run >= 6 {
				for k := i - run; k < i-4; k++ {
					b[k] = '*'
				}
			}
			run = 0
		}
		// Every key shape KOMOJU issues (sk_/pk_ + 40 hex included), not
		// only sk_live_/sk_test_.
		s = komoju.RedactSecrets(string(b))
		if groupedPAN(s) {
			s = "[redacted: looked like a card number]"
		}
		for {
			i, e := findCVC(s)
			if i < 0 {
				break
			}
			s = s[:i] + strings.Repeat("*", e-i) + s[e:]
		}
	}
	return truncate(strings.ToValidUTF8(s, "\uFFFD"), max)
}

// truncate cuts s to at most max bytes without splitting a character.
func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return s[:max]
}

func scrubLast4(s string) string {
	if isLast4(s) {
		return s
	}
	if len(s) > 4 && isLast4(s[len(s)-4:]) {
		return s[len(s)-4:]
	}
	return ""
}

// BeginSale writes a sale's intent before the API call that creates it and
// returns the sale id. Write it first, then call KOMOJU: a crash in between
// leaves an Unfinished sale to reconcile, never an unknown charge.
// Invalid input wraps ErrInvalid, card-like text ErrCardData, a reused
// order number ErrDuplicateOrder.
func (j *Journal) BeginSale(ctx context.Context, in Intent) (int64, error) {
	if err := in.validate(); err != nil {
		return 0, fmt.Errorf("journal: begin sale %q: %w", scrub(in.OrderNum, maxShort), err)
	}
	var id int64
	err := j.write(ctx, "begin sale "+in.OrderNum, func(tx *sql.Tx) error {
		var err error
		id, err = j.insertSaleTx(ctx, tx, in)
		return err
	})
	if err != nil {
		return 0, err
	}
	j.markRegistered()
	return id, nil
}

// insertSaleTx inserts a validated intent owned by this process.
func (j *Journal) insertSaleTx(ctx context.Context, tx *sql.Tx, in Intent) (int64, error) {
	attempts := 0
	if in.Flow == FlowDirect {
		attempts = 1
	}
	if err := j.registerTx(ctx, tx); err != nil {
		return 0, err
	}
	now := ms(j.now())
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO sales (order_num, idempotency_key, flow, method, amount, tax, currency, capture,
		email, name, description, session_id, card_brand, card_last4, created_at, updated_at, attempts, owner, sent_at, till)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`,
		in.OrderNum, in.IdempotencyKey, string(in.Flow), string(in.Method), in.Amount, in.Tax, in.Currency, string(in.Capture),
		in.Email, in.Name, in.Description, in.SessionID, in.CardBrand, in.CardLast4, now, now, attempts, j.owner, now, j.till).Scan(&id)
	if err != nil {
		if isUnique(err) {
			return 0, fmt.Errorf("%q: %w", in.OrderNum, ErrDuplicateOrder)
		}
		return 0, err
	}
	return id, j.changedTx(ctx, tx, id, in.OrderNum)
}

func isUnique(err error) bool {
	if pgCode(err) == "23505" {
		return true
	}
	var se *sqlite.Error
	return errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

// SetSession attaches the Method 1 session id to a sale once Session:
// Create answered.
func (j *Journal) SetSession(ctx context.Context, saleID int64, sessionID string) error {
	if sessionID == "" || len(sessionID) > maxShort {
		return fmt.Errorf("journal: set session of sale %d: session id must be 1-%d characters: %w", saleID, maxShort, ErrInvalid)
	}
	if err := checkID("session id", sessionID); err != nil {
		return fmt.Errorf("journal: set session of sale %d: %w", saleID, err)
	}
	return j.write(ctx, fmt.Sprintf("set session of sale %d", saleID), func(tx *sql.Tx) error {
		if err := expectOne(tx.ExecContext(ctx, `UPDATE sales SET session_id = ?, updated_at = ? WHERE id = ?`, sessionID, ms(j.now()), saleID)); err != nil {
			return err
		}
		return j.changedTx(ctx, tx, saleID, "")
	})
}

func expectOne(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// FinishSale writes the result of a sale's API call. It may be called
// again (a retried attempt, a reconciled unknown): the latest result wins,
// except that the payment status never moves backwards (see RecordPayment).
// A Result with Outcome "unknown" keeps the sale in Unfinished. Text that
// looks like a card number is masked rather than refused, so a result is
// never lost.
func (j *Journal) FinishSale(ctx context.Context, saleID int64, r Result) error {
	if err := r.validate(); err != nil {
		return fmt.Errorf("journal: finish sale %d: %w", saleID, err)
	}
	return j.write(ctx, fmt.Sprintf("finish sale %d", saleID), func(tx *sql.Tx) error {
		return j.finishSaleTx(ctx, tx, saleID, r, SourceResult)
	})
}

func (r *Result) validate() error {
	r.Outcome = strings.TrimSpace(r.Outcome)
	if r.Outcome == "" {
		return fmt.Errorf("outcome is required (paid, awaiting, authorized, redirect, error, unknown): %w", ErrInvalid)
	}
	if len(r.Outcome) > 40 {
		return fmt.Errorf("outcome %q is longer than 40 characters: %w", r.Outcome, ErrInvalid)
	}
	if r.Amount < 0 || r.Tax < 0 || r.Total < 0 || r.AmountRefunded < 0 {
		return fmt.Errorf("amounts must not be negative: %w", ErrInvalid)
	}
	if checkSlug(string(r.Method)) != nil {
		r.Method = "" // odd, but no reason to lose the result over it
	}
	if checkSlug(r.Store) != nil || len(r.Store) > 40 {
		r.Store = ""
	}
	r.PaymentID = scrub(r.PaymentID, maxShort)
	r.Status = komoju.PaymentStatus(scrub(string(r.Status), 40))
	r.Currency = strings.ToUpper(scrub(r.Currency, 3))
	r.CardBrand = scrub(r.CardBrand, 40)
	r.CardLast4 = scrubLast4(r.CardLast4)
	r.ErrorCode = scrub(r.ErrorCode, maxShort)
	r.ErrorMessage = scrub(r.ErrorMessage, maxLong)
	r.InstructionsURL = scrub(r.InstructionsURL, maxLong)
	r.RedirectURL = scrub(r.RedirectURL, maxLong)
	return nil
}

func (j *Journal) finishSaleTx(ctx context.Context, tx *sql.Tx, saleID int64, r Result, source string) error {
	cur, err := currentState(ctx, tx, saleID)
	if err != nil {
		return err
	}
	now := ms(j.now())
	// The answer to our own call is authoritative about which payment the
	// sale is paid with (a retried attempt creates a new payment).
	next, _ := cur.next(r.PaymentID, r.Status, r.AmountRefunded, true)
	_, err = tx.ExecContext(ctx, `UPDATE sales SET
		finished_at = ?, outcome = ?, updated_at = ?,
		payment_id = ?, status = ?, amount_refunded = ?,
		amount = CASE WHEN ? > 0 THEN ? ELSE amount END,
		tax = CASE WHEN ? > 0 THEN ? ELSE tax END,
		total = CASE WHEN ? > 0 THEN ? ELSE total END,
		currency = CASE WHEN ? <> '' THEN ? ELSE currency END,
		method = CASE WHEN ? <> '' THEN ? ELSE method END,
		card_brand = CASE WHEN ? <> '' THEN ? ELSE card_brand END,
		card_last4 = CASE WHEN ? <> '' THEN ? ELSE card_last4 END,
		error_code = ?, error_message = ?,
		instructions_url = CASE WHEN ? <> '' THEN ? ELSE instructions_url END,
		redirect_url = ?,
		deadline = COALESCE(?, deadline),
		store = CASE WHEN ? <> '' THEN ? ELSE store END
		WHERE id = ?`,
		now, r.Outcome, now,
		next.paymentID, string(next.status), next.refunded,
		r.Amount, r.Amount, r.Tax, r.Tax, r.Total, r.Total,
		r.Currency, r.Currency, string(r.Method), string(r.Method),
		r.CardBrand, r.CardBrand, r.CardLast4, r.CardLast4,
		r.ErrorCode, r.ErrorMessage,
		r.InstructionsURL, r.InstructionsURL, r.RedirectURL,
		nullMS(r.Deadline), r.Store, r.Store, saleID)
	if err != nil {
		return err
	}
	if err := j.changedTx(ctx, tx, saleID, ""); err != nil {
		return err
	}
	return addHistory(ctx, tx, saleID, cur, next, now, source)
}

// state is the payment a sale is currently paid with, its status and its
// refunded amount.
type state struct {
	paymentID string
	status    komoju.PaymentStatus
	refunded  int64
}

func currentState(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, saleID int64) (state, error) {
	var st state
	var s string
	err := q.QueryRowContext(ctx, `SELECT payment_id, status, amount_refunded FROM sales WHERE id = ?`, saleID).Scan(&st.paymentID, &s, &st.refunded)
	if errors.Is(err, sql.ErrNoRows) {
		return st, fmt.Errorf("sale %d: %w", saleID, ErrNotFound)
	}
	st.status = komoju.PaymentStatus(s)
	return st, err
}

// statusRank orders payment statuses along KOMOJU's life cycle (pending →
// authorized → captured → refunded/cancelled/expired/failed). Webhooks and
// polls can arrive out of order (a late payment.authorized after
// payment.captured); a status of lower rank than the current one is stale
// and is not applied. Statuses this build does not know rank with pending,
// so they are applied until a known later status is seen.
func statusRank(s komoju.PaymentStatus) int {
	switch s {
	case "":
		return -1
	case komoju.PaymentAuthorized:
		return 1
	case komoju.PaymentCaptured:
		return 2
	case komoju.PaymentRefunded, komoju.PaymentCancelled, komoju.PaymentExpired, komoju.PaymentFailed:
		return 3
	}
	return 0
}

// live reports whether a payment in status s holds, took or may still take
// the customer's money.
func live(s komoju.PaymentStatus) bool {
	switch s {
	case komoju.PaymentPending, komoju.PaymentAuthorized, komoju.PaymentCaptured, komoju.PaymentRefunded:
		return true
	}
	return false
}

// next returns the sale's state after seeing payment pid in (status,
// refunded), and whether that payment is (now) the sale's payment.
//
// For the sale's own payment (or when it has none yet) stale statuses are
// ignored and refunds never shrink. Another payment of the same sale (a
// Method 1 session makes a new payment per pay attempt) replaces it when
// adopt is set (the answer to our own call) or when it is live and the
// current one is not (a declined attempt, then a successful one); otherwise,
// say a late payment.failed for the declined attempt after the sale was
// captured, it does not touch the sale.
func (cur state) next(pid string, status komoju.PaymentStatus, refunded int64, adopt bool) (state, bool) {
	if pid == "" || cur.paymentID == "" || pid == cur.paymentID {
		out := cur
		if pid != "" {
			out.paymentID = pid
		}
		if status != "" && statusRank(status) >= statusRank(cur.status) {
			out.status = status
		}
		out.refunded = max(refunded, cur.refunded)
		return out, true
	}
	if adopt || (live(status) && !live(cur.status)) {
		return state{paymentID: pid, status: status, refunded: refunded}, true
	}
	return cur, false
}

// addHistory appends a status history row when the status or refunded
// amount changed; seeing the same state again adds nothing.
func addHistory(ctx context.Context, tx *sql.Tx, saleID int64, cur, next state, at int64, source string) error {
	if next.status == "" || next == cur {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO sale_status (sale_id, at, status, amount_refunded, source, payment_id) VALUES (?,?,?,?,?,?)`,
		saleID, at, string(next.status), next.refunded, source, next.paymentID)
	return err
}

// addOtherHistory records the status of a payment of the sale that is not
// the sale's payment (see state.next), once per change, so that a second
// charge for the same order can never pass unnoticed.
func addOtherHistory(ctx context.Context, tx *sql.Tx, saleID int64, pid string, status komoju.PaymentStatus, refunded, at int64, source string) error {
	if status == "" {
		return nil
	}
	var last string
	var lastRef int64
	err := tx.QueryRowContext(ctx, `SELECT status, amount_refunded FROM sale_status WHERE sale_id = ? AND payment_id = ? ORDER BY id DESC LIMIT 1`,
		saleID, pid).Scan(&last, &lastRef)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if err == nil && komoju.PaymentStatus(last) == status && lastRef == refunded {
		return nil
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO sale_status (sale_id, at, status, amount_refunded, source, payment_id) VALUES (?,?,?,?,?,?)`,
		saleID, at, string(status), refunded, source, pid)
	return err
}

// RecordPayment records a payment as seen from source (poll, webhook,
// action, reconcile, return_url, api): it finds the sale by payment id,
// else by external order number, else by session id, updates its current
// status and amounts, and appends to its status history when the status or
// refunded amount changed. Recording the same state twice is a no-op, and
// a stale status (lower in the life cycle than the current one, e.g. a late
// payment.authorized after payment.captured) does not move the sale back.
// It returns an error wrapping ErrNotFound when no sale matches (a payment
// made outside this console).
func (j *Journal) RecordPayment(ctx context.Context, p *komoju.Payment, source string) error {
	if p == nil {
		return fmt.Errorf("journal: record payment: nil payment: %w", ErrInvalid)
	}
	if !validSource(source) {
		return fmt.Errorf("journal: record payment %s: unknown source %q (want poll, webhook, action, reconcile, return_url or api): %w", p.ID, source, ErrInvalid)
	}
	if p.ID == "" && p.OrderNum() == "" && p.SessionID() == "" {
		return fmt.Errorf("journal: record payment: the payment has no id, order number or session: %w", ErrInvalid)
	}
	return j.write(ctx, "record payment "+p.ID, func(tx *sql.Tx) error {
		id, err := findSale(ctx, tx, p)
		if err != nil {
			return err
		}
		return j.applyPaymentTx(ctx, tx, id, p, source, false)
	})
}

// findSale finds the sale a payment belongs to. By payment id and by
// session id the match is exact. By order number it is only a claim (another
// till, a script or a lost journal may number the same way), so a payment is
// taken for the sale only when it provably is the sale's own: a Method 2 sale
// that has no payment yet, in the sale's currency and for its amount. Anything
// else is reported as not found, never applied to the wrong sale.
func findSale(ctx context.Context, tx *sql.Tx, p *komoju.Payment) (int64, error) {
	var id int64
	for _, q := range []struct{ sql, arg string }{
		{`SELECT id FROM sales WHERE payment_id = ? ORDER BY id DESC LIMIT 1`, p.ID},
		{`SELECT id FROM sales WHERE session_id = ? ORDER BY id DESC LIMIT 1`, p.SessionID()},
	} {
		if q.arg == "" {
			continue
		}
		err := tx.QueryRowContext(ctx, q.sql, q.arg).Scan(&id)
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return 0, err
		}
	}
	if n := p.OrderNum(); n != "" {
		var flow, pid, currency string
		var amount, tax int64
		err := tx.QueryRowContext(ctx, `SELECT id, flow, payment_id, currency, amount, tax FROM sales WHERE order_num = ?`, n).
			Scan(&id, &flow, &pid, &currency, &amount, &tax)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, err
		}
		if err == nil && Flow(flow) == FlowDirect && pid == "" && PaymentMatches(p, currency, amount, tax) {
			return id, nil
		}
	}
	return 0, fmt.Errorf("payment %s (order %q, session %q): %w", p.ID, p.OrderNum(), p.SessionID(), ErrNotFound)
}

// PaymentMatches reports whether payment p is for a sale of amount plus
// tax in currency: the same currency, and the amount (or total) KOMOJU
// shows is the sale's (a Method 2 payment carries amount and tax apart; a
// Method 1 session's payment carries the total as its amount).
func PaymentMatches(p *komoju.Payment, currency string, amount, tax int64) bool {
	if p == nil || !strings.EqualFold(p.Currency, currency) {
		return false
	}
	switch {
	case p.Amount == amount && (p.Tax == tax || p.Tax == 0 && tax == 0):
		return true
	case p.Amount == amount+tax || p.Total == amount+tax && p.Total > 0:
		return true
	}
	return false
}

func (j *Journal) applyPaymentTx(ctx context.Context, tx *sql.Tx, saleID int64, p *komoju.Payment, source string, adopt bool) error {
	cur, err := currentState(ctx, tx, saleID)
	if err != nil {
		return err
	}
	now := ms(j.now())
	pid := scrub(p.ID, maxShort)
	status := komoju.PaymentStatus(scrub(string(p.Status), 40))
	next, ours := cur.next(pid, status, p.AmountRefunded, adopt)
	if !ours {
		return addOtherHistory(ctx, tx, saleID, pid, status, p.AmountRefunded, now, source)
	}
	brand, last4 := cardOf(p)
	brand, last4 = scrub(brand, 40), scrubLast4(last4)
	method := string(p.Type())
	if checkSlug(method) != nil {
		method = ""
	}
	currency := strings.ToUpper(scrub(p.Currency, 3))
	instructions := scrub(p.PaymentDetails.InstructionsURL(), maxLong)
	store := storeOf(p)
	_, err = tx.ExecContext(ctx, `UPDATE sales SET updated_at = ?,
		payment_id = ?, status = ?, amount_refunded = ?,
		amount = CASE WHEN ? > 0 THEN ? ELSE amount END,
		tax = CASE WHEN ? > 0 THEN ? ELSE tax END,
		total = CASE WHEN ? > 0 THEN ? ELSE total END,
		currency = CASE WHEN ? <> '' THEN ? ELSE currency END,
		method = CASE WHEN ? <> '' THEN ? ELSE method END,
		card_brand = CASE WHEN ? <> '' THEN ? ELSE card_brand END,
		card_last4 = CASE WHEN ? <> '' THEN ? ELSE card_last4 END,
		instructions_url = CASE WHEN ? <> '' THEN ? ELSE instructions_url END,
		deadline = COALESCE(?, deadline),
		captured_at = COALESCE(?, captured_at),
		store = CASE WHEN ? <> '' THEN ? ELSE store END
		WHERE id = ?`,
		now, next.paymentID, string(next.status), next.refunded,
		p.Amount, p.Amount, p.Tax, p.Tax, p.Total, p.Total,
		currency, currency, method, method,
		brand, brand, last4, last4,
		instructions, instructions,
		nullMS(p.PaymentDeadline), nullMS(p.CapturedAt), store, store, saleID)
	if err != nil {
		return err
	}
	if next != cur {
		// Seeing the same state again (a redelivered webhook, a poll)
		// is no news for the other tills.
		if err := j.changedTx(ctx, tx, saleID, ""); err != nil {
			return err
		}
	}
	return addHistory(ctx, tx, saleID, cur, next, now, source)
}
