package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/config"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/termtext"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// ListenOptions configures Listen, the headless receiver.
type ListenOptions struct {
	// Addr is the listen address (default DefaultAddr).
	Addr string
	// Secret is the webhook secret token.
	Secret string
	// ForwardTo, when set, receives every verified event re-signed.
	ForwardTo string
	// JSON prints one JSON object per line instead of text.
	JSON bool
	// Out receives the output (default io.Discard).
	Out io.Writer
	// Journal, when set, stores events and applies payment statuses.
	Journal Journal
	// Ready, when set, is called with the bound URL once listening (tests,
	// or main registering the URL with an embedded sandbox).
	Ready func(url string)
}

// Listen runs a receiver until ctx ends, printing the bound URL and then
// one line (or JSON object) per delivery with its verdict. It returns nil
// when ctx ends and an error when the listener cannot start or stops.
func Listen(ctx context.Context, o ListenOptions) error {
	out := o.Out
	if out == nil {
		out = io.Discard
	}
	r, err := New(Options{Secret: o.Secret, Journal: o.Journal, ForwardTo: o.ForwardTo})
	if err != nil {
		return err
	}
	defer r.Close()
	subCtx, stopSub := context.WithCancel(context.Background())
	defer stopSub()
	deliveries := r.Subscribe(subCtx)
	u, err := r.Start(o.Addr)
	if err != nil {
		return err
	}
	if o.JSON {
		b, _ := json.Marshal(map[string]any{"listening": u, "secret_set": o.Secret != "", "forward_to": o.ForwardTo})
		fmt.Fprintf(out, "%s\n", b)
	} else {
		fmt.Fprintf(out, "listening on %s\n", u)
		if o.ForwardTo != "" {
			fmt.Fprintf(out, "forwarding verified events to %s\n", o.ForwardTo)
		}
		if o.Secret == "" {
			fmt.Fprintf(out, "warning: %s; every delivery will be rejected\n", ReasonNoSecret)
		}
	}
	if o.Ready != nil {
		o.Ready(u)
	}
	done := r.serveDone()
	var runErr error
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-done:
			h := r.Health()
			runErr = fmt.Errorf("webhooks: the listener stopped: %s", h.LastError)
			break loop
		case d, ok := <-deliveries:
			if !ok {
				break loop
			}
			writeDelivery(out, d, saleOf(o.Journal, d), o.JSON)
		}
	}
	// Close waits for forwards in flight and closes the subscription, so
	// every delivery answered before the end is printed.
	r.Close()
	for d := range deliveries {
		writeDelivery(out, d, saleOf(o.Journal, d), o.JSON)
	}
	return runErr
}

// saleFinder is the journal's look-up of a sale by payment
// (*journal.Journal has it).
type saleFinder interface {
	SaleByPayment(ctx context.Context, paymentID string) (journal.Sale, error)
}

// saleOf is the journal's sale a newly applied payment event moved, as it
// stands now: the store's receiver says which till's sale a payment
// settled. Nil for deliveries that moved no sale (rejected, duplicate, not
// a payment event, a payment made outside the store's tills).
func saleOf(j Journal, d Delivery) *journal.Sale {
	f, ok := j.(saleFinder)
	// Not d.Payment: a forwarded delivery is printed from its second
	// publication, which no longer carries it.
	if !ok || !d.Verified || d.Err != nil || d.Duplicate || d.PaymentID == "" || d.ForwardPending {
		return nil
	}
	// Not the listener's context: a delivery answered before Ctrl-C is
	// printed in full after it.
	ctx, cancel := context.WithTimeout(context.Background(), journalTimeout)
	defer cancel()
	s, err := f.SaleByPayment(ctx, d.PaymentID)
	if err != nil {
		return nil
	}
	return &s
}

// deliveryJSON is the --json line format.
type deliveryJSON struct {
	Time          time.Time    `json:"time"`
	EventType     string       `json:"event_type"`
	EventID       string       `json:"event_id"`
	DeliveryID    string       `json:"delivery_id,omitempty"`
	PaymentID     string       `json:"payment_id,omitempty"`
	PaymentStatus string       `json:"payment_status,omitempty"`
	Amount        *int64       `json:"amount,omitempty"`
	Currency      string       `json:"currency,omitempty"`
	AmountText    string       `json:"amount_formatted,omitempty"`
	Verified      bool         `json:"verified"`
	Verdict       string       `json:"verdict"`
	Reason        string       `json:"reason,omitempty"`
	HTTPStatus    int          `json:"http_status"`
	Duplicate     bool         `json:"duplicate"`
	Deliveries    int          `json:"deliveries"`
	Replay        bool         `json:"replay,omitempty"`
	Forward       *forwardJSON `json:"forward,omitempty"`
	Sale          *saleJSON    `json:"sale,omitempty"`
	ForwardSkip   string       `json:"forward_skipped,omitempty"`
	Error         string       `json:"error,omitempty"`
}

// saleJSON is the journal sale a delivery moved (listen --journal).
type saleJSON struct {
	ID       int64  `json:"id"`
	OrderNum string `json:"order_num"`
	Till     string `json:"till,omitempty"`
	Status   string `json:"status"`
}

type forwardJSON struct {
	URL       string  `json:"url"`
	Status    int     `json:"status"`
	LatencyMS float64 `json:"latency_ms"`
	Error     string  `json:"error,omitempty"`
}

// Verdict is the ✓/✗ mark of a delivery.
func (d Delivery) Verdict() string {
	if d.Verified && d.Err == nil {
		return "✓"
	}
	return "✗"
}

// Line renders a delivery as one line of text, as `komoju-tui listen`
// prints it. Every field that came in the request (type, ids, status,
// reason) is made inert on its own (termtext.Line): an unsigned sender
// chooses them, and a \r or escape sequence must neither clear the
// screen, forge a ✓ line, nor swallow the fields after it.
func (d Delivery) Line() string {
	f := termtext.Line
	var b strings.Builder
	b.WriteString(d.LastAt.UTC().Format(time.RFC3339))
	b.WriteString(" " + d.Verdict() + " ")
	typ := f(d.Type)
	if typ == "" {
		typ = "-"
	}
	b.WriteString(typ)
	if d.EventID != "" {
		b.WriteString(" event=" + f(d.EventID))
	}
	if d.PaymentID != "" {
		b.WriteString(" payment=" + f(d.PaymentID))
	}
	if d.Currency != "" {
		b.WriteString(" amount=" + f(komoju.FormatAmount(d.Amount, d.Currency)))
	}
	if d.PaymentStatus != "" {
		b.WriteString(" status=" + f(string(d.PaymentStatus)))
	}
	fmt.Fprintf(&b, " http=%d", d.HTTPStatus)
	switch {
	case d.Err != nil:
		b.WriteString(" error=" + quoteIfSpace(f(d.Err.Error())))
	case !d.Verified:
		b.WriteString(" reason=" + quoteIfSpace(f(d.Reason)))
	}
	if d.Duplicate {
		fmt.Fprintf(&b, " duplicate deliveries=%d", d.Deliveries)
	}
	if d.Replay {
		b.WriteString(" replay")
	}
	if d.Forward != nil {
		b.WriteString(" forward=" + quoteIfSpace(f(d.Forward.String())))
	}
	if d.ForwardSkipped != "" {
		b.WriteString(" forward=" + quoteIfSpace(f(d.ForwardSkipped)))
	}
	return b.String()
}

func quoteIfSpace(s string) string {
	if strings.ContainsAny(s, " \t\"") {
		return fmt.Sprintf("%q", s)
	}
	return s
}

func writeDelivery(w io.Writer, d Delivery, sale *journal.Sale, asJSON bool) {
	if d.ForwardPending {
		return // printed once the forward answers, with its result
	}
	if !asJSON {
		line := d.Line()
		if sale != nil {
			line += " sale=" + termtext.Line(sale.OrderNum)
			if sale.Till != "" {
				line += " till=" + termtext.Line(sale.Till)
			}
		}
		fmt.Fprintln(w, line)
		return
	}
	j := deliveryJSON{
		Time: d.LastAt.UTC(), EventType: d.Type, EventID: d.EventID, DeliveryID: d.DeliveryID,
		PaymentID: d.PaymentID, PaymentStatus: string(d.PaymentStatus), Currency: d.Currency,
		Verified: d.Verified && d.Err == nil, Verdict: d.Verdict(), Reason: d.Reason, HTTPStatus: d.HTTPStatus,
		Duplicate: d.Duplicate, Deliveries: d.Deliveries, Replay: d.Replay, ForwardSkip: d.ForwardSkipped,
	}
	if d.Currency != "" {
		a := d.Amount
		j.Amount = &a
		j.AmountText = komoju.FormatAmount(d.Amount, d.Currency)
	}
	if d.Err != nil {
		j.Error = d.Err.Error()
	}
	if sale != nil {
		j.Sale = &saleJSON{ID: sale.ID, OrderNum: sale.OrderNum, Till: sale.Till, Status: string(sale.Status)}
	}
	if f := d.Forward; f != nil {
		j.Forward = &forwardJSON{URL: f.URL, Status: f.Status, LatencyMS: float64(f.Latency.Microseconds()) / 1000, Error: f.Err}
	}
	b, err := json.Marshal(j)
	if err != nil {
		fmt.Fprintf(w, "{\"error\":%q}\n", err.Error())
		return
	}
	// encoding/json escapes C0 but leaves C1 and bidi controls raw.
	fmt.Fprintf(w, "%s\n", termtext.EscapeJSON(b))
}

const commandUsage = `Usage: komoju-tui listen [flags]

Runs the webhook receiver without the console and prints one line per
delivery with its verdict (✓ verified, ✗ rejected and why).

Flags:
  --webhook-addr ADDR    listen address (default 127.0.0.1:0, a free loopback port)
  --webhook-secret-file F  read the webhook secret token from file F (- for
                         stdin); or set KOMOJU_WEBHOOK_SECRET (or
                         KOMOJU_WEBHOOK_SECRET_FILE). --webhook-secret S also
                         works but shows S to every local user (ps)
  --forward-to URL       also post every verified event, re-signed, to URL
  --json                 print one JSON object per line
  --journal PATH|URL     keep every delivery in this sale journal (a file, or
                         the store's postgres://user:pw@host/db) and apply each
                         verified payment event to the sale it belongs to, so
                         the till that made the sale shows it at once (it
                         hears of it from the journal); default
                         KOMOJU_TUI_JOURNAL. Run one per store as its single
                         webhook endpoint; each printed line then names the
                         sale (sale=ORDER till=TILL)
`

// Command runs `komoju-tui listen` with args (the words after "listen").
// It returns the process exit code: 0 after ctx ends (Ctrl-C), 1 when the
// listener fails, 2 for bad flags or a missing secret.
func Command(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	return CommandIO(ctx, args, nil, stdout, stderr, getenv)
}

// CommandIO is Command reading "--webhook-secret-file -" from stdin (nil:
// os.Stdin).
func CommandIO(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	fs := flag.NewFlagSet("listen", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addr := fs.String("webhook-addr", DefaultAddr, "")
	secret := fs.String("webhook-secret", "", "")
	secretFile := fs.String("webhook-secret-file", "", "")
	forward := fs.String("forward-to", "", "")
	asJSON := fs.Bool("json", false, "")
	journalPath := fs.String("journal", "", "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, commandUsage)
			return 0
		}
		fmt.Fprintf(stderr, "komoju-tui listen: %v\n\n%s", err, commandUsage)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "komoju-tui listen: unexpected argument %q\n\n%s", fs.Arg(0), commandUsage)
		return 2
	}
	inArgv := *secret != ""
	if inArgv && *secretFile != "" {
		fmt.Fprintf(stderr, "komoju-tui listen: both --webhook-secret and --webhook-secret-file are given: use one\n")
		return 2
	}
	if inArgv {
		fmt.Fprintf(stderr, "komoju-tui listen: warning: --webhook-secret on the command line is visible to other users (ps, /proc/*/cmdline) and kept in shell history; use KOMOJU_WEBHOOK_SECRET or --webhook-secret-file\n")
	}
	if *secretFile == "" {
		*secretFile = strings.TrimSpace(getenv("KOMOJU_WEBHOOK_SECRET_FILE"))
	}
	if !inArgv && *secretFile != "" {
		v, err := config.ReadSecret(*secretFile, stdin)
		if err != nil {
			fmt.Fprintf(stderr, "komoju-tui listen: webhook secret file %s: %v\n", *secretFile, err)
			return 2
		}
		*secret = v
	}
	if *secret == "" {
		*secret = getenv("KOMOJU_WEBHOOK_SECRET")
	}
	if *secret == "" {
		fmt.Fprintf(stderr, "komoju-tui listen: no webhook secret: set KOMOJU_WEBHOOK_SECRET or pass --webhook-secret (the secret token of your KOMOJU webhook)\n")
		return 2
	}
	if *addr == "" {
		fmt.Fprintf(stderr, "komoju-tui listen: --webhook-addr must not be empty (default %s)\n", DefaultAddr)
		return 2
	}
	if *forward != "" {
		if err := checkForwardURL(*forward); err != nil {
			fmt.Fprintf(stderr, "komoju-tui listen: --forward-to: %v\n", strings.TrimPrefix(err.Error(), "webhooks: "))
			return 2
		}
	}
	// Whatever is printed reaches the terminal inert, whichever path
	// printed it (Line sanitises fields; this is the backstop).
	out := termtext.NewWriter(stdout)
	defer out.Flush()
	opts := ListenOptions{Addr: *addr, Secret: *secret, ForwardTo: *forward, JSON: *asJSON, Out: out}
	if *journalPath == "" {
		*journalPath = strings.TrimSpace(getenv("KOMOJU_TUI_JOURNAL"))
	}
	if *journalPath != "" {
		// The receiver only records facts KOMOJU signed (RecordPayment):
		// it owns no sale and settles none (journal package doc).
		j, err := journal.OpenWith(*journalPath, journal.Options{Till: "listen"})
		if err != nil {
			fmt.Fprintf(stderr, "komoju-tui listen: --journal: %v\n", err)
			return 1
		}
		defer j.Close()
		opts.Journal = j
	}
	err := Listen(ctx, opts)
	if err != nil {
		fmt.Fprintf(stderr, "komoju-tui listen: %v\n", strings.TrimPrefix(err.Error(), "webhooks: "))
		return 1
	}
	return 0
}
