package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/termtext"
	"github.com/komoju-tui/komoju-tui/flows/words"
	"github.com/komoju-tui/komoju-tui/komoju"
)

const sessionsUsage = `Usage: komoju-tui sessions [list] [--json]
         komoju-tui sessions cancel ORDER|SESSION_ID... [--json]
         komoju-tui sessions cancel --all [--json]

List the KOMOJU sessions (Method 1 payment pages) that sales in this journal
left open with nobody charged — a sale abandoned before the customer paid,
a declined attempt nobody retried — asking KOMOJU where each stands; "list"
only reads.

"cancel" closes them, so no customer can pay a sale the till gave up on.
First every sale a crash left unfinished is settled as reconcile does (an
abandoned session of a till that is gone is cancelled there and recorded as
not charged); then each named session is cancelled (Session: Cancel). A
session another running komoju-tui is working on is never touched (exit 7).
A session the customer paid in the meantime is not cancelled: the payment is
shown and recorded.
`

// openSessionJSON is one open session in --json output.
type openSessionJSON struct {
	OrderNum   string    `json:"order_num"`
	SessionID  string    `json:"session_id"`
	Amount     int64     `json:"amount"`
	Currency   string    `json:"currency"`
	CreatedAt  time.Time `json:"created_at"`
	SessionURL string    `json:"session_url,omitempty"`
	Attempts   int       `json:"attempts"`
}

// sessionCancelJSON is one cancel result in --json output.
type sessionCancelJSON struct {
	OrderNum  string `json:"order_num,omitempty"`
	SessionID string `json:"session_id,omitempty"`
	Cancelled bool   `json:"cancelled"`
	PaymentID string `json:"payment_id,omitempty"`
	Status    string `json:"status,omitempty"`
	ExitCode  int    `json:"exit_code"`
	Message   string `json:"message"`
	// said is Message in the clerk's language, for the text output.
	said string
}

// say sets the message from the words table: Message in English (as
// --json has it), said in lang.
func (c *sessionCancelJSON) say(lang, id string, args ...any) {
	t := words.T(id, args...)
	c.Message, c.said = t.In("en"), t.In(lang)
}

func (r *runner) sessions(args []string) int {
	fs, c := r.newFlagSet(true)
	all := fs.Bool("all", false, "cancel: every open session listed by sessions list")
	pos, code, ok := r.parse(fs, sessionsUsage, args)
	if !ok {
		return code
	}
	r.json = *c.json
	verb := "list"
	if len(pos) > 0 {
		verb, pos = pos[0], pos[1:]
	}
	switch {
	case verb != "list" && verb != "cancel":
		r.usageError("", "%q is not a sessions command (list or cancel)", verb)
		return ExitUsage
	case verb == "list" && (len(pos) > 0 || *all):
		r.usageError("", "sessions list takes no arguments")
		return ExitUsage
	case verb == "cancel" && len(pos) == 0 && !*all:
		r.usageError("ORDER", "name the sessions to cancel (order numbers or session ids), or give --all")
		return ExitUsage
	case verb == "cancel" && len(pos) > 0 && *all:
		r.usageError("--all", "cannot be combined with named sessions")
		return ExitUsage
	}
	b, ctx, done, code := r.start(c, true)
	if code != ExitOK {
		return code
	}
	defer done()
	if verb == "list" {
		return r.listSessions(ctx, b)
	}
	return r.cancelSessions(ctx, b, pos, *all)
}

// openSessions asks KOMOJU about every journal sale with a session and no
// charge, and returns those whose session is still open. It only reads.
func openSessions(ctx context.Context, b *Backend) ([]journal.Sale, []*komoju.Session, error) {
	sales, err := b.Journal.Sales(ctx, journal.Filter{Limit: -1})
	if err != nil {
		return nil, nil, fmt.Errorf("reading the journal: %w", err)
	}
	var open []journal.Sale
	var sess []*komoju.Session
	var errs []error
	for _, s := range sales {
		if s.SessionID == "" || s.Charged() || s.Status == komoju.PaymentAuthorized || s.Status == komoju.PaymentPending {
			continue
		}
		got, err := b.Engine.Client().Sessions.Get(ctx, s.SessionID)
		if err != nil {
			if !komoju.IsNotFound(err) {
				errs = append(errs, fmt.Errorf("%s: %w", s.OrderNum, err))
			}
			continue
		}
		if got.Status == komoju.SessionPending && !got.Expired && !holdsMoney(got.Payment) {
			open = append(open, s)
			sess = append(sess, got)
		}
	}
	return open, sess, errors.Join(errs...)
}

func (r *runner) listSessions(ctx context.Context, b *Backend) int {
	open, sess, err := openSessions(ctx, b)
	code := ExitOK
	if err != nil {
		code = ExitUnknown
		fmt.Fprintf(r.stderr, "komoju-tui sessions: could not check every session: %s\n", redact(err.Error()))
	}
	if r.json {
		out := []openSessionJSON{}
		for i, s := range open {
			out = append(out, openSessionJSON{OrderNum: s.OrderNum, SessionID: s.SessionID, Amount: s.Gross(), Currency: s.Currency,
				CreatedAt: s.CreatedAt, SessionURL: sess[i].SessionURL, Attempts: s.Attempts})
		}
		r.writeJSON(out)
		return code
	}
	lang := r.language()
	if len(open) == 0 {
		fmt.Fprintln(r.stdout, say(lang, "cli_sessions_none"))
		return code
	}
	// Padded by width on screen: a Japanese header or order number takes
	// two cells a character.
	rows := [][]string{{say(lang, "cli_sessions_created"), say(lang, "hist_order"), say(lang, "ev_col_amount"),
		say(lang, "cli_sessions_attempts"), say(lang, "cli_sessions_session")}}
	for _, s := range open {
		rows = append(rows, []string{s.CreatedAt.In(journal.JST).Format("2006-01-02 15:04"), termtext.Line(s.OrderNum),
			komoju.FormatAmount(s.Gross(), s.Currency), strconv.Itoa(s.Attempts), termtext.Line(s.SessionID)})
	}
	fmt.Fprint(r.stdout, termtext.Columns(rows))
	fmt.Fprintln(r.stdout, say(lang, "cli_sessions_close_hint"))
	return code
}

func (r *runner) cancelSessions(ctx context.Context, b *Backend, refs []string, all bool) int {
	// What a crash left behind is settled the usual way first: an
	// abandoned session of a till that is gone is cancelled there and its
	// sale recorded as not charged.
	recovered, err := b.Engine.Reconcile(ctx)
	if err != nil {
		fmt.Fprintf(r.stderr, "note: could not settle every unfinished sale: %s\n", redact(err.Error()))
	}
	var out []sessionCancelJSON
	for _, rc := range recovered {
		if rc.SessionID != "" && rc.Resolved && !rc.Charged {
			out = append(out, sessionCancelJSON{OrderNum: rc.OrderNum, SessionID: rc.SessionID, Cancelled: true, Message: redact(rc.Message),
				said: redact(rc.Say(r.language()))})
		} else {
			fmt.Fprintf(r.stderr, "note: %s\n", redact(rc.Say(r.language())))
		}
	}
	if all {
		open, _, err := openSessions(ctx, b)
		if err != nil {
			fmt.Fprintf(r.stderr, "komoju-tui sessions: could not check every session: %s\n", redact(err.Error()))
		}
		for _, s := range open {
			refs = append(refs, s.OrderNum)
		}
	}
	for _, ref := range refs {
		if done := settledIn(out, ref); done {
			continue
		}
		out = append(out, r.cancelOne(ctx, b, strings.TrimSpace(ref)))
	}
	code := ExitOK
	for _, o := range out {
		if o.ExitCode != ExitOK && code == ExitOK {
			code = o.ExitCode
		}
	}
	if r.json {
		if out == nil {
			out = []sessionCancelJSON{}
		}
		r.writeJSON(out)
	} else {
		if len(out) == 0 {
			fmt.Fprintln(r.stdout, say(r.language(), "cli_sessions_none"))
		}
		for _, o := range out {
			fmt.Fprintln(r.stdout, redact(o.said))
		}
	}
	return code
}

// settledIn reports whether ref (order number or session id) was settled
// by the reconcile step already.
func settledIn(out []sessionCancelJSON, ref string) bool {
	for _, o := range out {
		if o.OrderNum == ref || o.SessionID == ref {
			return true
		}
	}
	return false
}

// cancelOne cancels the session of the journal sale ref names.
func (r *runner) cancelOne(ctx context.Context, b *Backend, ref string) sessionCancelJSON {
	s, err := b.Journal.SaleByOrder(ctx, ref)
	if err != nil {
		s, err = b.Journal.SaleBySession(ctx, ref)
	}
	res := sessionCancelJSON{OrderNum: s.OrderNum, SessionID: s.SessionID}
	switch {
	case err != nil:
		res.OrderNum, res.ExitCode = ref, ExitUsage
		res.say(r.language(), "cli_sess_no_sale_s", ref)
		return res
	case s.SessionID == "":
		res.ExitCode = ExitUsage
		res.say(r.language(), "cli_sess_direct_s", s.OrderNum)
		return res
	case s.Unfinished():
		// Reconcile left it: a live process owns it.
		res.ExitCode = ExitNotCompleted
		res.say(r.language(), "cli_sess_busy_s", s.OrderNum)
		return res
	}
	if err := b.Journal.Claim(ctx, s.ID); err != nil {
		res.ExitCode = ExitNotCompleted
		if !errors.Is(err, journal.ErrOwned) {
			res.ExitCode = ExitFailure
		}
		res.say(r.language(), "cli_sess_not_cancelled_v", s.OrderNum, err)
		return res
	}
	sess, err := b.Engine.Client().Sessions.Cancel(ctx, s.SessionID)
	if err != nil {
		o := lookupOutcome(err)
		res.ExitCode = opExit(o, err)
		res.say(r.language(), "cli_sess_not_cancelled_o", s.OrderNum, flows.OutcomeWords(o))
		return res
	}
	if p := sess.Payment; holdsMoney(p) {
		// The customer paid in the meantime: the sale stands.
		b.Engine.Push(ctx, flows.Push{Payment: p, Source: flows.SourceAPI})
		res.PaymentID, res.Status = p.ID, string(p.Status)
		res.say(r.language(), "cli_sess_paid_s_s_s", s.OrderNum, p.ID, flows.StatusWords(p.Status))
		return res
	}
	res.Cancelled = true
	res.say(r.language(), "cli_sess_cancelled_s_s", s.OrderNum, s.SessionID)
	return res
}

// holdsMoney reports a payment that took, holds or may still take the
// customer's money (a declined attempt left on a session does not).
func holdsMoney(p *komoju.Payment) bool {
	return p != nil && (chargedStatus(p.Status) || p.Status == komoju.PaymentPending)
}
