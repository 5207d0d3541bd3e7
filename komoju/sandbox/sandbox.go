// Package sandbox is an embedded, stateful, KOMOJU-compatible server: the
// payments API under /api/v1 (sessions, payments, refunds, events, tokens,
// payment methods), the customer-facing pages KOMOJU would host (3DS
// challenge, wallet approval, konbini/bank instructions, the hosted session
// page), signed webhooks with retries, a controllable clock and injectable
// faults. Tests start it in-process, like net/http/httptest:
//
//	sb, err := sandbox.New(sandbox.Options{})
//	if err != nil { ... }
//	defer sb.Close()
//	c := komoju.NewClient(sb.SecretKey(), komoju.WithBaseURL(sb.URL()))
//
// and `komoju-tui sandbox` serves it on a fixed port (see Command).
//
// The test inputs follow KOMOJU's test mode: the test card table, the 3DS
// test cards and the Komoju-Scenario header. Choices made where KOMOJU's
// documentation is silent are marked "Sandbox choice" in comments and listed
// in docs/SANDBOX.md.
package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// Fixed test keys, so demos work without configuration. They are not KOMOJU
// keys: real key prefixes are unconfirmed, and these are obviously fake.
const (
	DefaultSecretKey      = "sk_test_komojutui_sandbox_0000000000"
	DefaultPublishableKey = "pk_test_komojutui_sandbox_0000000000"
	DefaultWebhookSecret  = "whsec_komojutui_sandbox"
	// DefaultAddr is loopback with a free port.
	DefaultAddr = "127.0.0.1:0"
)

// maxBody is the request body limit (1 MiB).
const maxBody = 1 << 20

// Options configures a sandbox. The zero value is usable.
type Options struct {
	// Addr is the listen address (default "127.0.0.1:0", a free loopback port).
	Addr string
	// PublicURL is the base URL put in session_url, redirect_url and
	// instructions_url, for when customers reach the sandbox by another
	// address than it listens on (a phone scanning the session QR code needs
	// a LAN address). Default: the listener's address; when listening on all
	// interfaces (0.0.0.0 or [::]), the first non-loopback IPv4 address.
	PublicURL string
	// SecretKey, PublishableKey and WebhookSecret default to the Default*
	// constants on a loopback address. On a network address (0.0.0.0, a LAN
	// address, ":port") they default to fresh random keys, and the Default*
	// constants, which are public, are refused unless AllowDefaultKeys.
	SecretKey      string
	PublishableKey string
	WebhookSecret  string
	// RealKeys issues keys of the shape KOMOJU's test keys have ("sk_" and
	// "pk_" followed by 40 lowercase hex digits) for whichever of SecretKey
	// and PublishableKey is empty, so key handling (masking, prefixes,
	// length checks) is exercised as it will be live. With a Seed the keys
	// are the same on every run; without one they are random.
	RealKeys bool
	// AllowDefaultKeys accepts the built-in keys on a network address.
	AllowDefaultKeys bool
	// StatePath keeps the sandbox's state in this file across restarts:
	// loaded by New, saved (atomically) after every change before the change
	// is answered, and at Close. Empty: memory only. See StateNotices and
	// StateError. The file is locked while the sandbox runs (ErrStateInUse).
	StatePath string
	// FreshState starts empty even when StatePath holds a state; that state
	// is moved aside (path.previous-TIME), not deleted.
	FreshState bool
	// WebhookURLs receive every event (more can be added with AddWebhook).
	WebhookURLs []string
	// Webhooks are webhooks with an event selection (RegisterWebhook). Each
	// webhook, from either list, gets a ping event when the sandbox starts.
	Webhooks []Webhook
	// Latency, FailRate, DropRate, Slow, SlowRate and SlowOnly are the
	// initial faults (see Faults).
	Latency  time.Duration
	FailRate float64
	DropRate float64
	Slow     time.Duration
	SlowRate float64
	SlowOnly string
	// Seed makes ids and generated codes deterministic; 0 picks a random seed.
	Seed int64
	// Logger receives request and webhook logs; nil discards them. Card
	// numbers and CVCs are never logged.
	Logger *slog.Logger
	// Clock is the sandbox's time source; nil uses a clock that follows real
	// time and can be advanced.
	Clock *Clock
	// WebhookRetrySchedule is the wait before each retry of a delivery that
	// failed with no answer, a timeout or a 5xx (a 4xx is final): entry i
	// is the wait before attempt i+2, so len+1 attempts in all. Default
	// DefaultWebhookRetrySchedule (1m, 5m, 30m, 2h, 6h). Empty non-nil: no
	// retries.
	WebhookRetrySchedule []time.Duration
	// WebhookBackoff, when set and WebhookRetrySchedule is not, makes the
	// schedule doubling from it: attempt n waits WebhookBackoff*2^(n-2).
	// Tests use a few milliseconds.
	WebhookBackoff time.Duration
	// WebhookMaxAttempts is how often one event is tried per URL, with
	// WebhookBackoff or the default schedule (default 6, minimum 1).
	WebhookMaxAttempts int
	// WebhookTimeout bounds one delivery attempt (default 5s).
	WebhookTimeout time.Duration
	// DeliveryLogLimit is how many delivery attempts the sandbox remembers
	// for GET /sandbox/webhook_deliveries (default 100,000; when full, the
	// oldest half is forgotten).
	DeliveryLogLimit int
	// CustomerFees adds a payment_method_fee per payment type (exposed as
	// payment_methods[].customer_fee on sessions). Default: no fees.
	CustomerFees map[komoju.PaymentType]int64

	// slowGate (tests only) ends every slow-fault hold when closed, so tests
	// decide when the "processor" finishes instead of racing a timer.
	slowGate <-chan struct{}
}

// Server is a running sandbox. All methods are safe for concurrent use.
type Server struct {
	secretKey, publishableKey, webhookSecret string
	secretAuth                               string // "Basic " + base64(secretKey + ":"), what clients send
	onNetwork, keysGenerated                 bool

	log      *slog.Logger
	clock    *Clock
	clockSub int
	seed     uint64
	fees     map[komoju.PaymentType]int64
	ln       net.Listener
	srv      *http.Server
	base     string
	mounted  mounts // the embedding program's pages (Mount)
	handler  http.Handler

	mu  sync.Mutex // guards st and rng
	st  *state
	rng *mrand.ChaCha8

	faultMu  sync.Mutex
	faults   Faults
	faultRng *mrand.PCG
	// slowGate, when set (tests), also ends a slow fault's hold.
	slowGate <-chan struct{}

	wh *webhooks

	persist    *persister // nil without Options.StatePath
	stateNotes []StateNote

	emptyMeta  map[string]string // read-only {} shared by payments without metadata
	merchant   *komoju.SessionMerchant
	typeSets   map[string][]komoju.PaymentType // guarded by mu; see internTypes
	returnURLs map[string]*string              // guarded by mu; see internReturnURL
	// methodSets are shared payment_methods lists; guarded by mu; see
	// sessionMethods.
	methodSets map[methodsKey][]komoju.SessionPaymentMethod

	connMu   sync.Mutex
	newConns map[net.Conn]struct{} // connections that have not sent a request yet

	stop      chan struct{}
	closeOnce sync.Once
	bg        sync.WaitGroup
}

// New starts a sandbox listening on opts.Addr.
func New(opts Options) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = DefaultAddr
	}
	if opts.RealKeys {
		sk, pk := realKeys(opts.Seed)
		if opts.SecretKey == "" {
			opts.SecretKey = sk
		}
		if opts.PublishableKey == "" {
			opts.PublishableKey = pk
		}
	}
	onNetwork := !loopbackAddr(opts.Addr)
	keysGenerated := false
	if onNetwork {
		var err error
		if keysGenerated, err = networkKeys(&opts); err != nil {
			return nil, fmt.Errorf("sandbox: %w", err)
		}
	}
	if opts.SecretKey == "" {
		opts.SecretKey = DefaultSecretKey
	}
	if opts.PublishableKey == "" {
		opts.PublishableKey = DefaultPublishableKey
	}
	if opts.WebhookSecret == "" {
		opts.WebhookSecret = DefaultWebhookSecret
	}
	if opts.SecretKey == opts.PublishableKey {
		return nil, errors.New("sandbox: secret and publishable keys must differ")
	}
	for _, k := range []string{opts.SecretKey, opts.PublishableKey} {
		if strings.ContainsAny(k, ": \t\r\n") {
			return nil, fmt.Errorf("sandbox: key %q must not contain ':' or whitespace", k)
		}
	}
	f := opts.faults()
	if err := f.validate(); err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	var hooks []Webhook
	for _, h := range append(webhooksOf(opts.WebhookURLs), opts.Webhooks...) {
		if err := checkWebhook(h); err != nil {
			return nil, fmt.Errorf("sandbox: %w", err)
		}
		if !slices.ContainsFunc(hooks, func(o Webhook) bool { return o.URL == h.URL }) {
			hooks = append(hooks, Webhook{URL: h.URL, Events: slices.Clone(h.Events)})
		}
	}
	if len(hooks) > maxWebhooks {
		return nil, fmt.Errorf("sandbox: at most %d webhooks", maxWebhooks)
	}
	if opts.PublicURL != "" {
		u, err := url.Parse(opts.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return nil, fmt.Errorf("sandbox: public URL %q must be like http://192.168.1.20:7777", opts.PublicURL)
		}
		opts.PublicURL = strings.TrimSuffix(opts.PublicURL, "/")
	}
	seed := uint64(opts.Seed)
	if opts.Seed == 0 {
		var b [8]byte
		_, _ = rand.Read(b[:])
		seed = binary.LittleEndian.Uint64(b[:])
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	clock := opts.Clock
	if clock == nil {
		clock = NewClock(time.Time{})
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("sandbox: listen on %s: %w", opts.Addr, err)
	}
	s := &Server{
		secretKey:      opts.SecretKey,
		publishableKey: opts.PublishableKey,
		webhookSecret:  opts.WebhookSecret,
		log:            log,
		clock:          clock,
		seed:           seed,
		fees:           map[komoju.PaymentType]int64{},
		ln:             ln,
		base:           publicBase(opts.PublicURL, ln.Addr()),
		faults:         f,
		faultRng:       mrand.NewPCG(seed, 0x5eed),
		slowGate:       opts.slowGate,
		stop:           make(chan struct{}),
		newConns:       map[net.Conn]struct{}{},
		emptyMeta:      map[string]string{},
		merchant:       &komoju.SessionMerchant{Name: MerchantName},
		typeSets:       map[string][]komoju.PaymentType{},
		returnURLs:     map[string]*string{},
		methodSets:     map[methodsKey][]komoju.SessionPaymentMethod{},
		secretAuth:     "Basic " + base64.StdEncoding.EncodeToString([]byte(opts.SecretKey+":")),
		onNetwork:      onNetwork,
		keysGenerated:  keysGenerated,
	}
	for t, fee := range opts.CustomerFees {
		if fee < 0 || fee > komoju.MaxAmount {
			ln.Close()
			return nil, fmt.Errorf("sandbox: customer fee for %s must be between 0 and %d", t, komoju.MaxAmount)
		}
		s.fees[t] = fee
	}
	s.seedIDs()
	s.st = newState()
	if err := s.openState(opts.StatePath, opts.FreshState); err != nil {
		ln.Close()
		if s.persist != nil && s.persist.lock != nil {
			unlockFile(s.persist.lock)
		}
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	s.wh = newWebhooks(s, opts, hooks)
	s.handler = s.routes()
	s.srv = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
		ConnState:         s.trackConn,
	}
	s.clockSub = clock.subscribe(s.onClock)
	if s.persist != nil {
		s.bg.Add(1)
		go s.saver()
	}
	s.bg.Add(2)
	go func() {
		defer s.bg.Done()
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("sandbox: serve", "err", err)
		}
	}()
	go s.ticker()
	for _, h := range hooks {
		s.wh.ping(h.URL, s.clock.Now())
	}
	s.log.Info("sandbox listening", "url", s.URL())
	if onNetwork {
		s.log.Warn("sandbox: listening on a network address: whoever has the secret key can read payments, reset state, set faults and register webhooks; the hosted pages need no key",
			"addr", ln.Addr().String(), "fresh_keys", keysGenerated)
	}
	return s, nil
}

// realKeys returns a secret and a publishable key of KOMOJU's shape:
// "sk_"/"pk_" + 40 lowercase hex digits. A non-zero seed derives them.
func realKeys(seed int64) (secret, publishable string) {
	var b [40]byte
	if seed != 0 {
		var s [32]byte
		binary.LittleEndian.PutUint64(s[:], uint64(seed))
		copy(s[8:], "komoju-tui sandbox keys")
		r := mrand.NewChaCha8(s)
		_, _ = r.Read(b[:])
	} else {
		_, _ = rand.Read(b[:])
	}
	return "sk_" + hex.EncodeToString(b[:20]), "pk_" + hex.EncodeToString(b[20:])
}

// OnNetwork reports a sandbox listening on a network (non-loopback) address.
func (s *Server) OnNetwork() bool { return s.onNetwork }

// KeysGenerated reports that the keys were generated for this run because
// the sandbox listens on a network address and none were given.
func (s *Server) KeysGenerated() bool { return s.keysGenerated }

// URL is the API base URL, e.g. "http://127.0.0.1:7777/api/v1".
func (s *Server) URL() string { return s.base + "/api/v1" }

// LocalURL is the API's URL on the listener's own address, for a client
// on this machine: when PublicURL names a LAN address or a tunnel, the
// till itself still talks to the sandbox over loopback.
func (s *Server) LocalURL() string {
	host := s.ln.Addr().String()
	if tcp, ok := s.ln.Addr().(*net.TCPAddr); ok && tcp.IP.IsUnspecified() {
		host = net.JoinHostPort("127.0.0.1", fmt.Sprint(tcp.Port))
	}
	return "http://" + host + "/api/v1"
}

// BaseURL is where the hosted pages live, e.g. "http://127.0.0.1:7777".
func (s *Server) BaseURL() string { return s.base }

// SecretKey is the merchant secret key the sandbox accepts.
func (s *Server) SecretKey() string { return s.secretKey }

// PublishableKey is the publishable key the sandbox accepts.
func (s *Server) PublishableKey() string { return s.publishableKey }

// WebhookSecret signs webhook bodies (X-Komoju-Signature).
func (s *Server) WebhookSecret() string { return s.webhookSecret }

// Clock is the sandbox's clock; advancing it fires deadlines and expiries.
func (s *Server) Clock() *Clock { return s.clock }

// Now is the sandbox's current time.
func (s *Server) Now() time.Time { return s.clock.Now() }

// Handler is the sandbox's HTTP handler, for mounting it in another server
// or calling it directly in benchmarks. URLs it generates still point at the
// sandbox's own listener.
func (s *Server) Handler() http.Handler { return s.handler }

// Reset empties all state (payments, sessions, events, tokens, idempotency
// keys, webhook delivery log). Keys, webhook URLs and faults are kept.
//
// Ids are never reused: the id sequence goes on where it was (with a seed it
// is still the same sequence from the start, so a seeded run stays
// deterministic). A sale journal kept across a reset must never match an old
// sale to a new payment that happens to get the old id.
func (s *Server) Reset() {
	s.mu.Lock()
	s.st = newState()
	s.mu.Unlock()
	s.wh.reset()
	s.stateChanged()
}

// seedIDs starts the id sequence from the seed.
func (s *Server) seedIDs() {
	var seed [32]byte
	binary.LittleEndian.PutUint64(seed[:], s.seed)
	copy(seed[8:], "komoju-tui sandbox ids")
	s.rng = mrand.NewChaCha8(seed)
}

// Close stops the server gracefully (in-flight requests get 5 seconds) and
// stops webhook delivery.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.stop)
		s.clock.unsubscribe(s.clockSub)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- s.srv.Shutdown(ctx) }()
		// Shutdown waits for connections that never sent a request (clients
		// often dial spares) for 5 seconds; they carry no work, so close them.
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
	wait:
		for {
			select {
			case err = <-done:
				break wait
			case <-tick.C:
				s.closeNewConns()
			}
		}
		if err != nil {
			s.srv.Close()
		}
		s.wh.close()
		s.bg.Wait()
		err = errors.Join(err, s.closeState())
	})
	return err
}

// ticker fires deadlines that pass in real time (the clock follows the wall
// clock unless frozen) and forgets idempotency keys older than 24 hours.
func (s *Server) ticker() {
	defer s.bg.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.expire(s.clock.Now())
		}
	}
}

func (s *Server) onClock(now time.Time) { s.expire(now) }

func (s *Server) trackConn(c net.Conn, st http.ConnState) {
	s.connMu.Lock()
	if st == http.StateNew {
		s.newConns[c] = struct{}{}
	} else {
		delete(s.newConns, c)
	}
	s.connMu.Unlock()
}

func (s *Server) closeNewConns() {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	for c := range s.newConns {
		c.Close()
		delete(s.newConns, c)
	}
}

func webhooksOf(urls []string) []Webhook {
	out := make([]Webhook, len(urls))
	for i, u := range urls {
		out[i] = Webhook{URL: u}
	}
	return out
}

// publicBase is the base URL customers use (see Options.PublicURL).
func publicBase(public string, addr net.Addr) string {
	if public != "" {
		return public
	}
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return "http://" + addr.String()
	}
	host := "127.0.0.1"
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil && !ipn.IP.IsLoopback() && !ipn.IP.IsLinkLocalUnicast() {
				host = ipn.IP.String()
				break
			}
		}
	}
	return "http://" + net.JoinHostPort(host, fmt.Sprint(tcp.Port))
}
