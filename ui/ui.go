// Package ui is komoju-tui's point-of-sale console: a bubbletea program
// that walks a clerk from amount to result and through what comes after
// (capture, cancel, refund, history). It holds no KOMOJU logic: outcomes,
// allowed actions, validation and the method catalogue come from package
// flows. Every API call runs as a tea.Cmd built from values captured when
// the command is made; results carry the attempt they answer and stale ones
// are dropped, so nothing blocks the event loop and nothing races.
package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/pkg/browser"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/receipt"
	"github.com/komoju-tui/komoju-tui/flows/termtext"
	"github.com/komoju-tui/komoju-tui/flows/webhooks"
	"github.com/komoju-tui/komoju-tui/flows/words"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// Options configures the console. Engine is required; everything else has
// a default.
type Options struct {
	// Engine runs the payment flows (against the sandbox or KOMOJU).
	Engine *flows.Engine
	// Journal is the sale journal behind the History screen; nil hides
	// history.
	Journal *journal.Journal
	// Mode is "sandbox", "test" or "live"; it picks the header badge, and
	// live mode asks for the amount again before every charge.
	Mode string
	// KeyMasked is the secret key as it may be shown ("sk_test_…1234").
	KeyMasked string
	// Till is this till's id or name (config.Config.Till), shown in the
	// header.
	Till string
	// Notices are shown under the header, in the console's language, e.g.
	// "KOMOJU_SECRET_KEY from the environment overrides the key in …".
	Notices []words.Text
	// Currency of new sales (default JPY).
	Currency string
	// Flow is the initial flow: Method 1 (session, default) or 2 (direct).
	Flow flows.Flow
	// Capture is the initial capture mode (auto by default).
	Capture komoju.CaptureMode
	// NoBrowser never opens redirect pages; they are shown as text and QR.
	NoBrowser bool
	// Lang is "en" (default) or "ja".
	Lang string
	// Demo is presenter mode: larger amount and status, keys and ids masked.
	Demo bool
	// Accessible runs the detail forms in huh's accessible (line by line)
	// mode, for screen readers.
	Accessible bool
	// SandboxURL is the embedded sandbox's base URL (sandbox mode only); it
	// enables the "customer paid" shortcut and hints.
	SandboxURL string
	// ConfirmAbove is the total (minor units of Currency) above which a
	// sale is confirmed before it starts, so a slipped key does not
	// charge ¥99,999,999,999. 0 means flows.DefaultConfirmAbove; negative never
	// asks.
	ConfirmAbove int64
	// Input and Output replace stdin/stdout (tests).
	Input  io.Reader
	Output io.Writer
	// OpenURL opens a link in a browser (default pkg/browser.OpenURL).
	OpenURL func(string) error
	// Copy puts text on the clipboard (default: OSC 52 on stderr, which
	// reaches the terminal's clipboard over SSH too).
	Copy func(string) error
	// Now is the clock (default time.Now).
	Now func() time.Time
	// ReceiptDir is where receipts and CSV exports are saved, 0600 and
	// never over an existing file (default: $XDG_DATA_HOME/komoju-tui/exports).
	ReceiptDir string
	// Shop heads every receipt; Printer is where p prints it (zero: lp,
	// when the system has one).
	Shop    receipt.Shop
	Printer receipt.Printer
	// Getenv reads the environment (default os.Getenv); tests replace it.
	Getenv func(string) string
	// Context bounds every API call (default context.Background()).
	Context context.Context
	// Events is the webhook receiver behind the event inspector (key w);
	// nil hides the inspector.
	Events EventsSource
	// Webhooks, when set, delivers each webhook as it arrives so the
	// inspector updates live.
	Webhooks <-chan webhooks.Delivery
	// Recheck, when set, is run in the background after the first frame
	// to recheck the journal's waiting sales with KOMOJU (flows'
	// Engine.RecheckWaiting): what changed is announced in the header and
	// sales still waiting are followed until they settle.
	Recheck func(context.Context) ([]flows.WaitingUpdate, error)
}

// screen is one page of the console.
type screen int

// The screens, in the order a sale visits them.
const (
	screenAmount screen = iota
	screenMethod
	screenDetails
	screenProcessing
	screenResult
	screenPayment
	screenHistory
	screenEvents
	screen3DS   // Method 2 card: the customer's 3-D Secure (securetoken.go)
	screenClose // the end-of-day close (close.go)
)

// String names the screen (used in tests and debug logs).
func (s screen) String() string {
	switch s {
	case screenAmount:
		return "amount"
	case screenMethod:
		return "method"
	case screenDetails:
		return "details"
	case screenProcessing:
		return "processing"
	case screenResult:
		return "result"
	case screenPayment:
		return "payment"
	case screenHistory:
		return "history"
	case screenEvents:
		return "events"
	case screen3DS:
		return "3ds"
	case screenClose:
		return "close"
	}
	return fmt.Sprintf("screen(%d)", int(s))
}

// opKind is the kind of API call in flight.
type opKind int

const (
	opNone opKind = iota
	opSession
	opPay
	opAction
	opRefresh
)

// inflight is the API call the model waits for. Its id is the attempt
// number results must carry.
type inflight struct {
	id     int
	kind   opKind
	cancel context.CancelFunc
	money  bool // moves money: quitting asks first
}

// Model is the root model of the console.
type Model struct {
	// common is the size, styles, language and clock shared with the
	// child screens (m.width, m.t, m.st are its fields).
	common
	opts Options
	eng  *flows.Engine
	ctx  context.Context
	keys KeyMap
	help help.Model
	spin spinner.Model

	screen   screen
	fullHelp bool
	quitting bool
	status   string // one-line feedback ("Receipt saved to …")
	statusOK bool
	lpPath   string

	seq  int
	busy *inflight

	// the sale in progress
	flow     flows.Flow
	capture  komoju.CaptureMode
	amount   amountModel
	checkout flows.Checkout
	sale     *flows.Sale
	// methodList is the method screen (method.go).
	methodList methodModel
	// methodsGen numbers Method 2 method-list requests.
	methodsGen int
	method     flows.Method
	phone      bool // customer pays on their phone (session page)
	details    detailsModel
	processing processingModel
	outcome    *flows.Outcome
	result     resultModel     // the result screen (resultscreen.go)
	payment    *komoju.Payment // the payment shown on the payment screen
	origin     screen          // where the payment screen returns to
	browser    string          // what happened when opening the redirect page
	noBrowser  bool            // opening a browser failed once: do not try again
	lastCard   string          // brand and last four of the card last sent

	// following a payment or session
	watchSeq    int // allocates watch generations (foreground and background)
	watchGen    int // the foreground watch's generation
	watchCancel context.CancelFunc
	lastUpdate  string // where the last status change came from, and when
	// customerEnded: the customer ended the attempt on screen (cancelled
	// 3-D Secure, declined in the wallet, let it expire); t tries again.
	customerEnded bool

	// sales off screen (followups.go)
	waiting    []*waitingSale
	notes      []note
	uncaptured map[string]uncaptured
	// requested is the amount of the bank refund requests this till sent,
	// by payment id: KOMOJU does not echo it (refundLeft).
	requested  requestedRefunds
	startCheck bool
	pushes     <-chan flows.Push
	unsubPush  func()

	modal   *modal
	history historyModel
	// paymentScreen shows m.payment (payment.go).
	paymentScreen paymentModel
	qr            qrCache // rendered in Update, read by View

	events       EventsModel
	eventsOrigin screen

	closing     closeModel // the end-of-day close (close.go)
	closeOrigin screen

	sec secureState // 3-D Secure of Method 2 card sales (securetoken.go)
	// secure is the 3-D Secure screen (securetoken.go).
	secure secureModel
}

// New builds the root model. It does no I/O, so the first frame is drawn
// at once.
func New(opts Options) Model {
	if opts.Currency == "" {
		opts.Currency = "JPY"
	}
	opts.Currency = strings.ToUpper(opts.Currency)
	if opts.Flow == "" {
		opts.Flow = flows.FlowSession
	}
	if opts.Capture == "" {
		opts.Capture = komoju.CaptureAuto
	}
	if opts.Mode == "" {
		opts.Mode = "sandbox"
	}
	if opts.OpenURL == nil {
		opts.OpenURL = browser.OpenURL
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Copy == nil {
		getenv := opts.Getenv
		opts.Copy = func(s string) error {
			term := os.Getenv("TERM")
			if getenv != nil {
				term = getenv("TERM")
			}
			return osc52Copy(os.Stderr, term, s)
		}
	}
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.ReceiptDir == "" {
		opts.ReceiptDir = defaultExportDir(opts.Getenv)
	}
	ctx := opts.Context
	if ctx == nil {
		ctx = context.Background()
	}
	t := newTr(opts.Lang)
	m := Model{
		common:  common{width: 80, height: 24, st: newStyles(), t: t, now: opts.Now, demo: opts.Demo, dark: darkBackground(opts.Getenv)},
		opts:    opts,
		eng:     opts.Engine,
		ctx:     ctx,
		keys:    newKeyMap(t),
		help:    help.New(),
		spin:    spinner.New(spinner.WithSpinner(spinner.Line)),
		flow:    opts.Flow,
		capture: opts.Capture,
	}
	if p, err := exec.LookPath("lp"); err == nil {
		m.lpPath = p
	}
	m.amount = newAmountModel(m.common, m.keys, opts.Currency)
	m.methodList = newMethodModel(m.common, m.keys)
	m.processing = newProcessingModel(m.common, m.keys)
	m.result = newResultModel(m.common, m.keys)
	m.paymentScreen = newPaymentModel(m.common, m.keys)
	m.secure = newSecureModel(m.common, m.keys, opts.SandboxURL != "")
	m.history = newHistoryModel(m.common, m.keys, opts.Journal, ctx)
	m.closing = newCloseModel(m.common, m.keys, m.eng, ctx, opts.ReceiptDir)
	if m.eng != nil {
		// Pushed updates (webhooks, return URL) keep a settled result on
		// screen current; subscribing is in memory, not I/O.
		m.pushes, m.unsubPush = m.eng.Hub().Subscribe()
	}
	m.startCheck = opts.Recheck != nil
	if opts.Events != nil {
		m.events = NewEventsModel(opts.Events, m.width, m.bodyHeight()+1).WithContext(ctx).WithNow(opts.Now).WithLanguage(m.t.lang)
	}
	return m
}

// Run starts the console and blocks until the clerk quits. The colour
// profile and background come from the environment (NO_COLOR, COLORTERM,
// TERM, COLORFGBG), never from terminal queries, so the first frame does
// not wait for a terminal that does not answer.
func Run(ctx context.Context, opts Options) error {
	if opts.Engine == nil {
		return errors.New("ui: Options.Engine is required")
	}
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	out := opts.Output
	if out == nil {
		out = os.Stdout
	}
	configureRenderer(out, opts.Getenv)
	// pkg/browser hands xdg-open the terminal's stdout and stderr, and
	// xdg-open without a browser prints "lynx: not found" and the URL
	// right over the console's screen. Its output is never the clerk's
	// to read: the result (opened or not) is said on screen instead.
	browser.Stdout, browser.Stderr = io.Discard, io.Discard
	opts.Context = ctx
	if opts.Accessible || opts.Getenv("ACCESSIBLE") != "" {
		opts.Accessible = true
	}
	if opts.Accessible {
		// Screen readers get the line-by-line console (accessible.go).
		return RunAccessible(ctx, opts)
	}
	teaOpts := []tea.ProgramOption{tea.WithAltScreen(), tea.WithContext(ctx), tea.WithOutput(out)}
	if opts.Input != nil {
		teaOpts = append(teaOpts, tea.WithInput(opts.Input))
	}
	p := tea.NewProgram(New(opts), teaOpts...)
	final, err := p.Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		err = nil // the caller cancelled: a clean stop
	}
	if fm, ok := final.(Model); ok {
		if fm.busy != nil && fm.busy.cancel != nil {
			fm.busy.cancel()
		}
		fm.stopAll()
	}
	return err
}

// Screen returns the active screen's name (for tests).
func (m Model) Screen() string { return m.screen.String() }

// Outcome returns the outcome on the result screen, or nil.
func (m Model) Outcome() *flows.Outcome { return m.outcome }

// Init starts listening for webhook deliveries (for the live inspector)
// and pushed payment updates, starts the recheck of unsettled sales, and
// schedules the journal's integrity check for after the first frame.
func (m Model) Init() tea.Cmd {
	var cmds []tea.Cmd
	if m.opts.Webhooks != nil {
		cmds = append(cmds, WaitWebhook(m.opts.Webhooks))
	}
	cmds = append(cmds, waitPush(m.pushes))
	if m.opts.Recheck != nil {
		cmds = append(cmds, startupCheckCmd(m.ctx, m.opts.Recheck))
	}
	cmds = append(cmds, m.checkJournalLater(), m.followStoreCmd())
	return tea.Batch(cmds...)
}

// Update handles global keys and window sizes first, then the modal, then
// the active screen.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if km, ok := msg.(tea.KeyMsg); ok && km.Type == tea.KeyRunes {
		// Pasted text reaches every input (huh fields, prompts) only
		// through here: escape sequences and controls go whole, so
		// "Taro\x1b[31mRED" is "TaroRED", never "Taro[31mRED" (the text
		// input alone drops only the ESC byte).
		if s := string(km.Runes); !termtext.Safe(s) || strings.ContainsAny(s, "\n\t") {
			clean := termtext.Input(s)
			if clean == "" {
				return m, nil
			}
			km.Runes = []rune(clean)
			msg = km
		}
	}
	cmd := m.update(msg)
	// The QR code of what is now on screen is rendered here, not in
	// View, which stays a pure function of the model.
	m.qr = m.qr.refresh(m.qrURL(), m.qrBox(m.bodyHeight()))
	return m, cmd
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	// Keys typed faster than they are read (or sent by tmux send-keys)
	// arrive as one message with several runes; outside text fields each
	// is a keypad press of its own.
	if km, ok := msg.(tea.KeyMsg); ok && km.Type == tea.KeyRunes && len(km.Runes) > 1 && !km.Paste && !m.typing() && m.modal == nil {
		var cmds []tea.Cmd
		for _, r := range km.Runes {
			cmds = append(cmds, m.update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: km.Alt}))
		}
		return tea.Batch(cmds...)
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.Width = msg.Width
		var cmds []tea.Cmd
		var c tea.Cmd
		m.details, c = m.details.SetCommon(m.common, m.bodyHeight())
		cmds = append(cmds, c)
		m.history = m.history.SetCommon(m.common, m.bodyHeight())
		m.closing = m.closing.SetCommon(m.common, m.bodyHeight())
		m.methodList.common = m.common
		m.processing.common = m.common
		m.result.common = m.common
		m.amount.common = m.common
		m.paymentScreen.common = m.common
		m.secure.common = m.common
		if m.opts.Events != nil {
			m.events.SetSize(msg.Width, m.bodyHeight()+1)
		}
		return tea.Batch(cmds...)
	case spinner.TickMsg:
		if m.busy == nil && !m.watching() {
			return nil
		}
		var c tea.Cmd
		m.spin, c = m.spin.Update(msg)
		return c
	case tea.KeyMsg:
		if key.Matches(msg, m.keys.ForceQ) {
			return m.requestQuit()
		}
		if key.Matches(msg, m.keys.Dismiss) && m.modal == nil && m.dismissible() {
			m.notes = nil
			if len(m.opts.Notices) == 0 {
				return nil
			}
			// The start's notices go too, once read, but for a damaged
			// journal: that alarm stays until the journal is restored.
			m.opts.Notices = slices.DeleteFunc(slices.Clone(m.opts.Notices), func(n words.Text) bool { return n.ID != "journal_damaged" })
			// The header shrank: lay the screens out again.
			return m.update(tea.WindowSizeMsg{Width: m.width, Height: m.height})
		}
		if m.modal != nil {
			return m.updateModal(msg)
		}
		if !m.typing() {
			switch {
			case key.Matches(msg, m.keys.Quit):
				return m.requestQuit()
			case key.Matches(msg, m.keys.Help):
				m.fullHelp = !m.fullHelp
				return nil
			case key.Matches(msg, m.keys.Events) && m.opts.Events != nil && m.screen != screenEvents && m.screen != screenProcessing:
				return m.openEvents()
			case key.Matches(msg, m.keys.Close) && (m.screen == screenAmount || m.screen == screenHistory):
				return m.openClose()
			}
		}
	case sessionStartedMsg:
		return m.onSessionStarted(msg)
	case payResultMsg:
		return m.onPayResult(msg)
	case card3DSMsg:
		return m.on3DS(msg)
	case actionResultMsg:
		return m.onActionResult(msg)
	case watchMsg:
		return m.onWatch(msg)
	case pushMsg:
		return m.onPush(msg)
	case startupCheckedMsg:
		return m.onStartupChecked(msg)
	case abandonedMsg:
		return m.onAbandoned(msg)
	case lookedUpMsg:
		return m.onLookedUp(msg)
	case freshMsg:
		return m.onFresh(msg)
	case openedMsg:
		if msg.err != nil {
			// Said once, in a clerk's words (not exec's); from now on
			// the console behaves as with --no-browser.
			m.noBrowser = true
			m.browser = m.t.S("There is no browser here to open the page: show the customer the QR code or the link. Start with --no-browser to stop trying.")
		} else {
			m.browser = m.t.S("Opened the page in the browser.")
		}
		return nil
	case savedMsg:
		m.setStatus(msg.text, msg.err)
		return nil
	case historyMsg, historyLiveMsg:
		var c tea.Cmd
		m.history, c = m.history.Update(msg)
		return c
	case storeChangedMsg:
		return m.onStoreChanged(msg)
	case historyBackMsg, historyNewSaleMsg, historyOpenMsg, historyExportMsg, historyNoticeMsg:
		return m.onHistoryAsk(msg)
	case methodBackMsg, methodToggleFlowMsg, methodToggleCaptureMsg, methodChosenMsg, methodPhoneMsg:
		return m.onMethodAsk(msg)
	case resultNewSaleMsg, resultHistoryMsg, resultRetryMsg, resultDetailMsg, resultReceiptMsg, resultCopyLinkMsg,
		resultOpenLinkMsg, resultRefreshMsg, resultSandboxPaidMsg, resultCancelPhoneMsg, resultActionMsg:
		return m.onResultAsk(msg)
	case detailsSubmitMsg, detailsBackMsg, details3DSMsg:
		return m.onDetailsAsk(msg)
	case processingCancelMsg:
		return m.onProcessingCancel()
	case amountSubmitMsg:
		if m.screen == screenAmount {
			return m.submitAmount()
		}
	case amountHistoryMsg:
		if m.screen == screenAmount {
			return m.openHistory()
		}
	case paymentBackMsg, paymentHistoryMsg, paymentNewSaleMsg, paymentCopyLinkMsg, paymentActionMsg, paymentReceiptMsg:
		return m.onPaymentAsk(msg)
	case secureOpenMsg, secureCopyMsg, secureStopMsg, secureSandboxMsg:
		return m.onSecureAsk(msg)
	case timelineMsg:
		if msg.err == nil {
			m.paymentScreen = m.paymentScreen.SetTimeline(payTimeline{payment: msg.payment, hist: msg.hist, hooks: msg.hooks})
		}
		return nil
	case integrityMsg:
		return m.onIntegrity(msg)
	case formDoneMsg:
		return m.onAccessibleFormDone(msg)
	case methodsMsg:
		return m.onMethods(msg)
	case WebhookDeliveryMsg:
		if msg.Closed || m.opts.Events == nil {
			return nil
		}
		var c tea.Cmd
		if m.screen == screenEvents {
			m.events, c = m.events.Update(msg)
		}
		return tea.Batch(c, WaitWebhook(m.opts.Webhooks))
	case eventsLoadedMsg, eventsActionMsg, eventsCopiedMsg:
		var c tea.Cmd
		m.events, c = m.events.Update(msg)
		return c
	case EventsBackMsg:
		m.screen = m.eventsOrigin
		return nil
	case closeProgressMsg, closeDoneMsg, closeLiveMsg, closeTotalsMsg:
		var c tea.Cmd
		m.closing, c = m.closing.Update(msg)
		return c
	case closeBackMsg:
		if m.screen == screenClose {
			m.screen = m.closeOrigin
		}
		return nil
	}
	if m.modal != nil {
		return m.updateModal(msg)
	}
	switch m.screen {
	case screenAmount:
		var c tea.Cmd
		before := m.amount.digits
		m.amount, c = m.amount.Update(msg)
		if m.amount.digits != before {
			m.status = "" // the feedback was about the sale before
		}
		return c
	case screenMethod:
		var c tea.Cmd
		m.methodList, c = m.methodList.Update(msg)
		return c
	case screenDetails:
		var c tea.Cmd
		m.details, c = m.details.Update(msg)
		return c
	case screenProcessing:
		var c tea.Cmd
		m.processing, c = m.processing.Update(msg)
		return c
	case screenResult:
		var c tea.Cmd
		m.result, c = m.result.Update(msg, m.resultState(m.bodyHeight()))
		if c == nil {
			return nil
		}
		// The result screen only ever asks (plain values, no I/O): act on
		// the ask now, so keys typed right after it ("n" then the next
		// amount, or a paste) reach the screen the ask opens instead of
		// arriving before it.
		return m.onResultAsk(c())
	case screenPayment:
		var c tea.Cmd
		m.paymentScreen, c = m.paymentScreen.Update(msg, m.payment)
		if c == nil {
			return nil
		}
		return m.onPaymentAsk(c()) // only asks, acted on now (as the result screen's)
	case screenHistory:
		var c tea.Cmd
		m.history, c = m.history.Update(msg)
		return c
	case screen3DS:
		var c tea.Cmd
		m.secure, c = m.secure.Update(msg)
		return c
	case screenEvents:
		var c tea.Cmd
		m.events, c = m.events.Update(msg)
		return c
	case screenClose:
		var c tea.Cmd
		m.closing, c = m.closing.Update(msg)
		return c
	}
	return nil
}

// openEvents shows the webhook event inspector.
func (m *Model) openEvents() tea.Cmd {
	if m.opts.Events == nil || m.screen == screenEvents || m.screen == screenProcessing {
		return nil
	}
	m.eventsOrigin = m.screen
	m.screen = screenEvents
	m.events.SetSize(m.width, m.bodyHeight()+1)
	return m.events.Reload()
}

// typing reports whether keys go to a text field, so q and ? are text.
func (m *Model) typing() bool {
	switch m.screen {
	case screenAmount:
		return m.amount.focus > 0
	case screenDetails:
		return m.details.form != nil
	case screenHistory:
		return false
	}
	return false
}

func (m *Model) watching() bool { return m.watchCancel != nil }

// requestQuit quits at once, unless money may be moving, sales are still
// waiting, or payments are authorized but not captured: then it asks,
// naming them.
func (m *Model) requestQuit() tea.Cmd {
	if m.quitting {
		return tea.Quit
	}
	if title, body := m.quitWarnings(); title != "" || m.inFlightPayment() {
		if title == "" {
			title = m.t.S("Quit while a payment is in progress?")
			body = []string{m.t.S("The sale journal keeps the attempt; on the next start it is checked with KOMOJU before anything is charged again.")}
		}
		m.modal = m.confirmModal(title, strings.Join(body, "\n"), func(m *Model) tea.Cmd { return m.quit() })
		return nil
	}
	return m.quit()
}

func (m *Model) quit() tea.Cmd {
	m.quitting = true
	if m.busy != nil && m.busy.cancel != nil {
		m.busy.cancel()
	}
	m.stopAll()
	return tea.Quit
}

// stopAll ends every watch, foreground and background, and the push
// subscription.
func (m *Model) stopAll() {
	m.stopWatch()
	for _, w := range m.waiting {
		w.cancel()
	}
	m.waiting = nil
	if m.unsubPush != nil {
		m.unsubPush()
		m.unsubPush = nil
	}
}

// inFlightPayment reports an API call that moves money, or a customer who
// is still paying (redirect page or phone).
func (m *Model) inFlightPayment() bool {
	if m.busy != nil && m.busy.money {
		return true
	}
	if m.screen == screenResult && m.outcome != nil && m.outcome.Kind == flows.OutcomeRedirect {
		return true
	}
	return false
}

func (m *Model) setStatus(text string, err error) {
	if err != nil {
		m.status, m.statusOK = text+": "+m.t.problem(err), false
		return
	}
	m.status, m.statusOK = text, true
}

// begin registers a new API call and returns its attempt id and context.
// A call still in flight is cancelled: its result would be stale anyway.
func (m *Model) begin(kind opKind, money bool, timeout time.Duration) (int, context.Context) {
	if m.busy != nil && m.busy.cancel != nil {
		m.busy.cancel()
	}
	m.seq++
	ctx, cancel := context.WithTimeout(m.ctx, timeout)
	m.busy = &inflight{id: m.seq, kind: kind, cancel: cancel, money: money}
	return m.seq, ctx
}

// finish clears the in-flight call if id is it; false means id is stale.
func (m *Model) finish(id int) bool {
	if m.busy == nil || m.busy.id != id {
		return false
	}
	m.busy.cancel()
	m.busy = nil
	return true
}

// bodyHeight is what is left between header and help line.
func (m *Model) bodyHeight() int {
	return max(m.height-m.headerHeight()-1, 5)
}

// dismissible reports whether ctrl+x has something to take away: the
// announcements under the header, or a start notice other than a damaged
// journal's.
func (m *Model) dismissible() bool {
	return len(m.notes) > 0 || slices.ContainsFunc(m.opts.Notices, func(n words.Text) bool { return n.ID != "journal_damaged" })
}

func (m *Model) headerHeight() int { return 1 + len(m.noticeLines()) + m.headerExtraHeight() + 1 }

// noticeLines are the notices under the header in the console's language,
// each wrapped to the width rather than cut: a warning's remedy ("chmod
// 600 FILE") and a restored state's counts are at the end of the line.
func (m *Model) noticeLines() []string {
	var out []string
	for _, n := range m.opts.Notices {
		s := "! " + m.t.text(n)
		if m.width <= 2 {
			out = append(out, s)
			continue
		}
		// wrap (the result screen's) breaks at spaces only, so a link or a
		// path moves to the next line whole; ansi.Wrap also breaks at
		// every hyphen (komoju-tui/journal-/sandbox.db).
		out = append(out, strings.Split(wrap(s, m.width), "\n")...)
	}
	return out
}

// View draws header, the active screen (or the modal over it) and the help
// line.
// View renders the console. Everything drawn passes termtext.Screen: the
// one place that guarantees no escape sequence or control character from
// data (a webhook, a KOMOJU field, a journal row) reaches the terminal,
// whichever screen drew it. Only the styles' own SGR colours pass; the
// screens also make their data inert where they show it, so it cannot
// restyle a line either.
func (m Model) View() string { return termtext.Screen(m.view()) }

func (m Model) view() string {
	if m.quitting {
		return ""
	}
	header := m.viewHeader()
	var body string
	switch m.screen {
	case screenAmount:
		body = m.amount.View()
	case screenMethod:
		body = m.methodList.View(m.checkout, m.flow, m.capture, m.bodyHeight())
	case screenDetails:
		body = m.details.View(komoju.FormatAmount(m.checkout.Total(), m.checkout.Currency), m.sec.skip)
	case screenProcessing:
		body = m.processing.View(komoju.FormatAmount(m.checkout.Total(), m.checkout.Currency), m.spin.View())
	case screenResult:
		body = m.result.View(m.resultState(m.bodyHeight()))
	case screenPayment:
		body = m.paymentScreen.View(m.payment, m.requested, m.qr, m.bodyHeight())
	case screenHistory:
		body = m.history.View(m.spin.View())
	case screenClose:
		body = m.closing.View(m.spin.View())
	case screen3DS:
		body = m.secure.View(secureView{token: m.sec.pending, amount: komoju.FormatAmount(m.checkout.Total(), m.checkout.Currency),
			message: m.outcomeMessage(m.sec.waiting), card: m.lastCard, browser: m.browser, spin: m.spin.View(),
			following: m.busy != nil, qr: m.qr, bodyH: m.bodyHeight()})
	case screenEvents:
		if m.modal == nil {
			// The inspector draws its own status and help lines.
			return header + "\n" + fitLines(m.events.View(), m.width, max(m.height-lipgloss.Height(header), 3))
		}
	}
	if m.status != "" {
		st := m.st.Ok
		if !m.statusOK {
			st = m.st.Err
		}
		body += "\n" + st.Render(wrap(termtext.Line(m.status), max(m.width-1, 20)))
	}
	if m.modal != nil {
		body = overlay(fitLines(body, m.width, max(m.height-lipgloss.Height(header)-1, 3)), m.viewModal(), m.width)
	}
	var helpLine string
	if m.fullHelp {
		helpLine = m.help.FullHelpView(m.fullBindings())
	} else {
		helpLine = m.shortHelpLine()
	}
	// help's own truncation can overflow by one item when the ellipsis
	// does not fit; cut to the width so a line never wraps.
	helpLine = fitLines(helpLine, m.width, lipgloss.Height(helpLine))
	bh := max(m.height-lipgloss.Height(header)-lipgloss.Height(helpLine), 3)
	body = fitLines(body, m.width, bh)
	return header + "\n" + body + "\n" + helpLine
}

// overlay draws box centred over base (both plain lines of at most w
// cells), keeping what is around it, so the sale stays visible behind a
// question.
func overlay(base, box string, w int) string {
	bl := strings.Split(base, "\n")
	ol := strings.Split(box, "\n")
	bw := 0
	for _, l := range ol {
		bw = max(bw, ansi.StringWidth(l))
	}
	x := max((w-bw)/2, 0)
	y := max((len(bl)-len(ol))/2, 0)
	for i, l := range ol {
		if y+i >= len(bl) {
			bl = append(bl, "")
		}
		line := bl[y+i]
		if d := x + bw - ansi.StringWidth(line); d > 0 {
			line += strings.Repeat(" ", d)
		}
		l += strings.Repeat(" ", bw-ansi.StringWidth(l))
		bl[y+i] = ansi.Truncate(line, x, "") + l + ansi.TruncateLeft(line, x+bw, "")
	}
	return strings.Join(bl, "\n")
}

// fitLines pads or cuts s to exactly h lines, each at most w cells.
func fitLines(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			lines[i] = ansi.Truncate(l, w, "…")
		}
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// viewHeader is the permanent header: mode badge, key, flow, capture,
// currency, and notices.
func (m Model) viewHeader() string {
	var badge string
	switch m.opts.Mode {
	case "live":
		badge = m.st.BadgeLive.Render("LIVE")
	case "test":
		badge = m.st.BadgeTest.Render("TEST")
	default:
		badge = m.st.BadgeSand.Render("SANDBOX")
	}
	keyText := m.opts.KeyMasked
	if m.opts.Demo && keyText != "" {
		keyText = maskAll(keyText)
	}
	keyLabel := m.t.S("key") + " "
	if keyText == "" && m.opts.Mode == "sandbox" {
		keyText, keyLabel = m.t.S("built-in test key"), ""
	}
	flowText := m.t.S("Method 1: session")
	if m.flow == flows.FlowDirect {
		flowText = m.t.S("Method 2: direct")
	}
	capText := m.t.S("capture auto")
	if m.capture == komoju.CaptureManual {
		capText = m.t.S("capture manual")
	}
	parts := []string{}
	if m.opts.Till != "" {
		// Which till this is: order numbers, the journal's rows and a
		// store's history name it.
		parts = append(parts, m.t.S("till")+" "+m.opts.Till)
	}
	if keyText != "" {
		parts = append(parts, m.st.Muted.Render(keyLabel+keyText))
	}
	parts = append(parts, flowText, capText, m.opts.Currency)
	if hs, ok := m.opts.Events.(eventsHealthSource); ok {
		h := hs.Health()
		if !h.Listening || !h.SecretSet {
			// A warning goes right after the badge, so cutting the
			// line to fit never hides it.
			parts = append([]string{m.webhookHealth(h)}, parts...)
		} else {
			parts = append(parts, m.webhookHealth(h))
		}
	}
	// The product name and the mode badge are never cut (a clerk must
	// always see LIVE; scripts wait for "KOMOJU POS"); the rest is cut to
	// fit, as a wrapped header would push the screen down.
	line := m.st.Header.Render("KOMOJU POS") + "  " + badge
	rest := strings.Join(parts, "  ")
	if m.width > 0 {
		if room := m.width - lipgloss.Width(line) - 2; room > 1 {
			rest = ansi.Truncate(rest, room, "…")
		} else {
			rest = ""
		}
	}
	if rest != "" {
		line += "  " + rest
	}
	var b strings.Builder
	b.WriteString(line)
	for _, l := range m.noticeLines() {
		b.WriteString("\n" + m.st.Notice.Render(l))
	}
	for _, l := range m.headerExtra() {
		b.WriteString("\n" + l)
	}
	b.WriteString("\n" + m.st.Muted.Render(strings.Repeat("─", max(m.width, 10))))
	return b.String()
}

// webhookHealth is the header's webhook line: whether the receiver really
// listens, what it accepted and rejected, and when the last event came.
// A receiver that is down says so in the notice colour, never "ready".
func (m Model) webhookHealth(h webhooks.Health) string {
	if !h.Listening {
		return m.st.Notice.Render(m.t.S("webhooks down"))
	}
	s := m.t.S("webhooks") + " ●"
	if !h.SecretSet {
		// Listening, but every delivery will be refused as unverifiable.
		return m.st.Notice.Render(s + " " + m.t.S("no secret (KOMOJU_WEBHOOK_SECRET)"))
	}
	if h.Accepted > 0 {
		s += fmt.Sprintf(" %d✓", h.Accepted)
	}
	if bad := h.Rejected + h.Failed; bad > 0 {
		s += fmt.Sprintf(" %d✗", bad)
	}
	if !h.LastEventAt.IsZero() {
		s += " " + h.LastEventAt.In(journal.JST).Format("15:04:05")
	}
	return m.st.Muted.Render(s)
}

// maskAll keeps a key's prefix ("sk_test_") and hides the rest.
func maskAll(k string) string {
	if i := strings.LastIndexByte(k, '_'); i >= 0 {
		return k[:i+1] + "…"
	}
	return "…"
}

// shortHelpLine is the footer: the screen's keys, cut to fit, then
// "? help" and the quit key, which are never cut, so a newcomer at 80
// columns still learns that ? lists everything.
func (m Model) shortHelpLine() string {
	if m.modal != nil {
		return m.help.ShortHelpView([]key.Binding{m.keys.Yes, m.keys.No})
	}
	g := []key.Binding{m.keys.Help, m.keys.Quit}
	if m.typing() {
		g[1] = m.keys.ForceQ
	}
	screen := m.screenBindings()
	if m.dismissible() {
		// First, so a narrow help line never cuts it off.
		screen = append([]key.Binding{m.keys.Dismiss}, screen...)
	}
	hm := m.help
	hm.Width = 0
	global := hm.ShortHelpView(g)
	if m.width <= 0 {
		return hm.ShortHelpView(append(screen, g...))
	}
	sep := hm.Styles.ShortSeparator.Inline(true).Render(hm.ShortSeparator)
	room := m.width - lipgloss.Width(global) - lipgloss.Width(sep)
	var part string
	for i, b := range screen {
		item := hm.ShortHelpView([]key.Binding{b})
		if part != "" {
			item = sep + item
		}
		// Keep room for the ellipsis unless this is the last item.
		need := lipgloss.Width(part + item)
		if i < len(screen)-1 {
			need += 2
		}
		if need > room {
			if part != "" {
				part += " " + hm.Styles.Ellipsis.Inline(true).Render(hm.Ellipsis)
			}
			break
		}
		part += item
	}
	if part == "" {
		return global
	}
	return part + sep + global
}

// fullBindings is what ? shows: the screen's keys, then those that work
// everywhere; each key once.
func (m Model) fullBindings() [][]key.Binding {
	global := []key.Binding{m.keys.Help, m.keys.Quit, m.keys.ForceQ}
	if m.dismissible() {
		global = append(global, m.keys.Dismiss)
	}
	if m.opts.Events != nil && m.screen != screenProcessing {
		global = append(global, m.keys.Events)
	}
	seen := map[string]bool{}
	once := func(bs []key.Binding) []key.Binding {
		var out []key.Binding
		for _, b := range bs {
			if k := b.Help().Key; !seen[k] {
				seen[k] = true
				out = append(out, b)
			}
		}
		return out
	}
	sc := once(m.fullScreenBindings())
	return [][]key.Binding{sc, once(global)}
}

// fullScreenBindings are every key the active screen handles.
func (m Model) fullScreenBindings() []key.Binding {
	k := m.keys
	switch m.screen {
	case screenAmount:
		return append(m.amount.keys.FullHelp(), k.Close)
	case screenHistory:
		return append(m.history.keys.FullHelp(), k.Close)
	case screenClose:
		return m.closing.keys.FullHelp()
	case screenDetails:
		return m.details.FullHelp()
	case screenResult:
		return m.result.FullHelp(m.resultState(m.bodyHeight()))
	}
	return m.screenBindings()
}

func (m Model) screenBindings() []key.Binding {
	switch m.screen {
	case screenAmount:
		return m.amount.keys.ShortHelp()
	case screenMethod:
		return m.methodList.keys.ShortHelp()
	case screenDetails:
		return m.details.ShortHelp()
	case screenProcessing:
		return m.processing.keys.ShortHelp()
	case screenResult:
		return m.result.ShortHelp(m.resultState(m.bodyHeight()))
	case screenPayment:
		return m.paymentScreen.ShortHelp(m.currentActions(), m.qrURL() != "", hasReceipt(m.payment), m.canPrint())
	case screenHistory:
		return m.history.keys.ShortHelp()
	case screenClose:
		return m.closing.keys.ShortHelp()
	case screen3DS:
		return m.secure.ShortHelp()
	}
	return nil
}

// testMode reports SANDBOX or TEST, where test data and scenarios exist.
func (m Model) testMode() bool { return m.opts.Mode != "live" }
