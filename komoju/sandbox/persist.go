package sandbox

import (
	"bytes"
	crand "crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// Persistence (Options.StatePath). A console restarted in SANDBOX mode must
// still be able to resolve a konbini, 3DS or PayPay sale it started before,
// so the embedded sandbox can keep its state in a file: loaded at start,
// written again after every change, before the change is answered.
//
// The file is one JSON document, replaced atomically (write a temporary
// file in the same directory, fsync, rename, fsync the directory), so a
// crash leaves either the old or the new state, never half of one. Saves
// are group-committed: requests that change state while a save runs wait
// for the next one, which covers all of them. A whole-state save costs time
// in proportion to the state; docs/SANDBOX.md gives figures. Only the
// account's objects are kept (payments, sessions, events, tokens, secure tokens,
// idempotency keys, order numbers, the id sequence, the sandbox time);
// webhook registrations, pending retries, the delivery log and faults are
// not: they belong to the running process (the console registers a new
// receiver on every start).

const (
	stateFormat  = "komoju-tui sandbox state"
	stateVersion = 1
)

// ErrStateInUse is returned by New when another running sandbox holds the
// state file.
var ErrStateInUse = errors.New("the sandbox state file is in use by another running sandbox")

// persister writes the state file.
type persister struct {
	path string
	lock *os.File // held for the sandbox's life (flock), nil where unsupported

	kick chan struct{}

	mu     sync.Mutex
	cond   *sync.Cond
	gen    uint64 // changes announced
	saved  uint64 // changes on disk
	saving bool
	err    error // the last save's error, nil after a good save
}

// stateChanged announces a change made outside a request (reset, clock
// expiry) and saves it in the background.
func (s *Server) stateChanged() {
	if s.persist == nil {
		return
	}
	select {
	case s.persist.kick <- struct{}{}:
	default: // a save is already due; it will cover this change
	}
}

// saver saves changes announced by stateChanged until the sandbox stops
// (Close then saves the final state).
func (s *Server) saver() {
	defer s.bg.Done()
	for {
		select {
		case <-s.stop:
			return
		case <-s.persist.kick:
			s.syncState()
		}
	}
}

// syncState announces a change and returns once it is on disk (or the save
// failed; the error is logged and kept for StateError).
func (s *Server) syncState() {
	p := s.persist
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.gen++
	want := p.gen
	for p.saved < want {
		if p.saving {
			p.cond.Wait()
			continue
		}
		p.saving = true
		target := p.gen // every change announced so far is in memory now
		p.mu.Unlock()
		err := s.saveState()
		p.mu.Lock()
		p.saving = false
		p.saved = max(p.saved, target)
		p.err = err
		if err != nil {
			s.log.Error("sandbox: could not save the state file; the last saved state stays on disk", "path", p.path, "err", err)
		}
		p.cond.Broadcast()
	}
}

// StateError is the error of the last failed state save, nil when the last
// save worked or there is no state file.
func (s *Server) StateError() error {
	if s.persist == nil {
		return nil
	}
	s.persist.mu.Lock()
	defer s.persist.mu.Unlock()
	return s.persist.err
}

// StateNote is what loading the state file found worth telling the user,
// as facts, so the console can say it in its own language.
type StateNote struct {
	Kind StateNoteKind
	Path string // the state file
	// Aside is where a previous (StateStartedEmpty) or unreadable
	// (StateUnreadable) state was moved.
	Aside              string
	Payments, Sessions int   // restored (StateRestored)
	Err                error // why the file could not be read (StateUnreadable)
}

// StateNoteKind says what happened to the saved state.
type StateNoteKind int

const (
	StateRestored     StateNoteKind = iota + 1 // read back
	StateStartedEmpty                          // FreshState: the previous state moved aside
	StateUnreadable                            // corrupt: moved aside, started empty
)

// String is the note in English (the standalone sandbox prints it).
func (n StateNote) String() string {
	switch n.Kind {
	case StateRestored:
		return fmt.Sprintf("Sandbox state restored from %s: %d payments, %d sessions", n.Path, n.Payments, n.Sessions)
	case StateStartedEmpty:
		return fmt.Sprintf("Sandbox started empty; its previous state was moved to %s", n.Aside)
	case StateUnreadable:
		return fmt.Sprintf("Sandbox state file %s could not be read (%v); it was moved to %s and the sandbox started empty", n.Path, n.Err, n.Aside)
	}
	return ""
}

// StateNotes are what loading the state file found worth telling the
// user: a corrupt file moved aside, a previous state moved aside by
// FreshState, how much was restored. The console shows them at start.
func (s *Server) StateNotes() []StateNote { return append([]StateNote(nil), s.stateNotes...) }

// StateNotices are StateNotes in English.
func (s *Server) StateNotices() []string {
	var out []string
	for _, n := range s.stateNotes {
		out = append(out, n.String())
	}
	return out
}

// persistWriter saves the state before the first byte of an answer to a
// request that may have changed it, so an answer the client saw is never
// lost by a crash.
type persistWriter struct {
	http.ResponseWriter
	s     *Server
	saved bool
}

func (w *persistWriter) save() {
	if !w.saved {
		w.saved = true
		w.s.syncState()
	}
}

func (w *persistWriter) WriteHeader(code int) {
	w.save()
	w.ResponseWriter.WriteHeader(code)
}

func (w *persistWriter) Write(b []byte) (int, error) {
	w.save()
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (the drop fault).
func (w *persistWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// persistent wraps the handler: requests that may change state (anything
// but GET and HEAD) are saved before they are answered, and after they end
// in any case (a dropped connection, a panic).
func (s *Server) persistent(next http.Handler) http.Handler {
	if s.persist == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		pw := &persistWriter{ResponseWriter: w, s: s}
		defer pw.save()
		next.ServeHTTP(pw, r)
	})
}

// The file's shape. Payment snapshots are shared by payments and the
// events that recorded them, so they are stored once and referred to by
// index.
type stateDoc struct {
	Format    string    `json:"format"`
	Version   int       `json:"version"`
	SavedAt   time.Time `json:"saved_at"` // sandbox time
	IDs       []byte    `json:"ids"`      // the id sequence's state
	IdemSwept time.Time `json:"idem_swept"`

	Snapshots []*komoju.Payment `json:"snapshots"`
	Payments  []savedPayment    `json:"payments"`
	Sessions  []savedSession    `json:"sessions"`
	Events    []savedEvent      `json:"events"`
	Tokens    []savedToken      `json:"tokens"`
	Secure    []savedSecure     `json:"secure_tokens"`
	Idem      []savedIdem       `json:"idempotency_keys"`

	DirectOrderNums  map[string]string `json:"direct_order_nums"`
	SessionOrderNums map[string]string `json:"session_order_nums"`
	DuePayments      []string          `json:"due_payments"`
	DueSessions      []string          `json:"due_sessions"`
}

type savedPayment struct {
	Snap      int                `json:"snap"`
	Type      komoju.PaymentType `json:"type"`
	Manual    bool               `json:"manual,omitempty"`
	TDS       tdsKind            `json:"tds,omitempty"`
	ReturnURL string             `json:"return_url,omitempty"`
	CancelURL string             `json:"cancel_url,omitempty"`
	Session   string             `json:"session,omitempty"`
	Deadline  time.Time          `json:"deadline"`
	Webhooks  []Webhook          `json:"webhooks,omitempty"`
	// RefundRequested is the sum of the refund requests' amounts.
	RefundRequested int64 `json:"refund_requested,omitempty"`
}

type savedSession struct {
	View      komoju.Session       `json:"view"`
	Types     []komoju.PaymentType `json:"types"`
	Scenario  string               `json:"scenario,omitempty"`
	ReturnURL string               `json:"return_url,omitempty"`
	Manual    bool                 `json:"manual,omitempty"`
	Email     string               `json:"email,omitempty"`
	ExpiresAt time.Time            `json:"expires_at"`
	Attempts  []string             `json:"attempts,omitempty"`
	Latest    string               `json:"latest,omitempty"`
}

type savedEvent struct {
	ID      string    `json:"id"`
	Type    string    `json:"type"`
	Created time.Time `json:"created"`
	Snap    int       `json:"snap"`
}

type savedToken struct {
	View     komoju.Token `json:"view"`
	Card     savedCard    `json:"card"`
	Currency string       `json:"currency,omitempty"`
	Used     bool         `json:"used,omitempty"`
}

type savedSecure struct {
	View         komoju.SecureToken `json:"view"`
	Card         savedCard          `json:"card"`
	TDS          tdsKind            `json:"tds,omitempty"`
	Frictionless bool               `json:"frictionless,omitempty"`
	Amount       int64              `json:"amount"`
	Currency     string             `json:"currency"`
	ReturnURL    string             `json:"return_url,omitempty"`
	Email        string             `json:"email,omitempty"`
	Used         bool               `json:"used,omitempty"`
}

func saveCard(c cardInfo) savedCard {
	return savedCard{Brand: c.brand, Last4: c.last4, Month: c.month, Year: c.year, Name: c.name, Decline: c.decline, TDS: c.tds}
}

func (c savedCard) info() cardInfo {
	return cardInfo{brand: c.Brand, last4: c.Last4, month: c.Month, year: c.Year, name: c.Name, decline: c.Decline, tds: c.TDS}
}

// savedCard is cardInfo: brand, last four, expiry, name and the test card's
// behaviour; never the number or the CVC.
type savedCard struct {
	Brand   string  `json:"brand"`
	Last4   string  `json:"last4"`
	Month   int     `json:"month"`
	Year    int     `json:"year"`
	Name    string  `json:"name,omitempty"`
	Decline string  `json:"decline,omitempty"`
	TDS     tdsKind `json:"tds,omitempty"`
}

type savedIdem struct {
	Publishable bool      `json:"publishable,omitempty"`
	Key         string    `json:"key"`
	Hash        []byte    `json:"hash"`
	Created     time.Time `json:"created"`
	Status      int       `json:"status"`
	Body        []byte    `json:"body"`
}

// snapshotLocked copies the state into a stateDoc. Payment snapshots are
// immutable, so the document shares them and is marshalled after the lock
// is released; everything that is edited in place is copied. Callers hold
// s.mu.
func (s *Server) snapshotLocked() (*stateDoc, error) {
	st := s.st
	ids, err := s.rng.MarshalBinary()
	if err != nil {
		return nil, err
	}
	// The order numbers in use and the deadlines ahead follow from the
	// payments and sessions, and restore derives them; they are written
	// so that a komoju-tui from before that reads the file the same.
	d := &stateDoc{Format: stateFormat, Version: stateVersion, SavedAt: s.clock.Now(), IDs: ids, IdemSwept: st.idemSwept,
		DirectOrderNums: map[string]string{}, SessionOrderNums: map[string]string{}}
	snapIdx := map[*komoju.Payment]int{}
	snap := func(p *komoju.Payment) int {
		if i, ok := snapIdx[p]; ok {
			return i
		}
		snapIdx[p] = len(d.Snapshots)
		d.Snapshots = append(d.Snapshots, p)
		return len(d.Snapshots) - 1
	}
	attempts := map[*sessRec][]string{} // the payments made through each session, in order
	for _, p := range st.order {
		if p.session != nil {
			attempts[p.session] = append(attempts[p.session], p.snap().ID)
		}
		sp := savedPayment{Snap: snap(p.snap()), Type: p.typ, Manual: p.manual, TDS: p.tds, ReturnURL: p.returnURL(), CancelURL: p.cancelURL(),
			Deadline: p.deadline, Webhooks: p.webhooks(), RefundRequested: p.refundRequested()}
		if p.session != nil {
			sp.Session = p.session.view.ID
		}
		d.Payments = append(d.Payments, sp)
		if n := p.snap().OrderNum(); n != "" && p.holdsOrderNum() {
			d.DirectOrderNums[n] = p.snap().ID // at most one such payment per number: see paymentHolding
		}
		if p.dueToExpire() {
			d.DuePayments = append(d.DuePayments, p.snap().ID)
		}
	}
	for _, ss := range st.sessions {
		if n := ss.view.PaymentData.ExternalOrderNum; n != "" && ss.holdsOrderNum() {
			d.SessionOrderNums[n] = ss.view.ID
		}
		if ss.dueToExpire() {
			d.DueSessions = append(d.DueSessions, ss.view.ID)
		}
		v := savedSession{View: ss.view, Types: ss.types, Scenario: ss.scenario, ReturnURL: ss.returnURL, Manual: ss.manual, Email: ss.email, ExpiresAt: ss.expiresAt}
		v.View.SessionURL = ss.sessionURL() // base is saved inside it
		v.View.Payment = nil
		v.Attempts = attempts[ss]
		if ss.latest != nil {
			v.Latest = ss.latest.snap().ID
		}
		d.Sessions = append(d.Sessions, v)
	}
	for _, e := range st.events {
		d.Events = append(d.Events, savedEvent{ID: e.id, Type: e.typ, Created: e.created, Snap: snap(e.payment)})
	}
	for _, t := range st.tokens {
		d.Tokens = append(d.Tokens, savedToken{View: t.view, Currency: t.currency, Used: t.used, Card: saveCard(t.card)})
	}
	for _, t := range st.secureTokens {
		d.Secure = append(d.Secure, savedSecure{View: t.view, Card: saveCard(t.card), TDS: t.tds, Frictionless: t.frictionless,
			Amount: t.amount, Currency: t.currency, ReturnURL: t.returnURL, Email: t.email, Used: t.used})
	}
	for k, e := range st.idem {
		if e.inFlight {
			continue // its request did not finish; after a restart it never will
		}
		r := e.resp.expand()
		d.Idem = append(d.Idem, savedIdem{Publishable: k.publishable, Key: k.key, Hash: e.hash[:], Created: e.created, Status: r.status, Body: r.body})
	}
	return d, nil
}

// saveState writes the state file atomically.
func (s *Server) saveState() error {
	s.mu.Lock()
	d, err := s.snapshotLocked()
	s.mu.Unlock()
	if err != nil {
		return err
	}
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return writeFileAtomic(s.persist.path, b)
}

// writeFileAtomic replaces path with b: a crash leaves the old file or the
// new one. The file is private (0600): it holds customer names and emails.
func writeFileAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	ok = true
	if d, err := os.Open(dir); err == nil { // make the rename itself durable
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// openState takes the state file for this sandbox: it locks it against
// other running sandboxes, moves it aside when FreshState asks, and loads
// it. A file that is not a sandbox state file at all is refused, never
// overwritten; one of ours that cannot be read is moved aside (and the
// notices say where) so nothing is lost.
func (s *Server) openState(path string, fresh bool) error {
	if path == "" {
		return nil
	}
	path, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("state file %s: %w", path, err)
	}
	lock, err := lockFile(path + ".lock")
	if err != nil {
		return fmt.Errorf("state file %s: %w", path, err)
	}
	s.persist = &persister{path: path, lock: lock, kick: make(chan struct{}, 1)}
	s.persist.cond = sync.NewCond(&s.persist.mu)
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("state file %s: %w", path, err)
	}
	if !bytes.Contains(b[:min(len(b), 200)], []byte(`"format":"`+stateFormat+`"`)) && len(bytes.TrimSpace(b)) > 0 {
		return fmt.Errorf("state file %s is not a komoju-tui sandbox state file; it was left untouched (choose another path)", path)
	}
	if fresh {
		aside, err := moveAside(path, "previous")
		if err != nil {
			return fmt.Errorf("state file %s: %w", path, err)
		}
		s.stateNotes = append(s.stateNotes, StateNote{Kind: StateStartedEmpty, Path: path, Aside: aside})
		s.newIDSequence()
		return nil
	}
	var d stateDoc
	err = json.Unmarshal(b, &d)
	if err == nil && d.Version > stateVersion {
		return fmt.Errorf("state file %s was written by a newer komoju-tui (version %d, this one reads %d); it was left untouched", path, d.Version, stateVersion)
	}
	if err == nil {
		if err = s.restore(&d); err == nil {
			s.stateNotes = append(s.stateNotes, StateNote{Kind: StateRestored, Path: path, Payments: len(d.Payments), Sessions: len(d.Sessions)})
			return nil
		}
		s.st = newState() // restore swaps the state in only on success
	}
	s.newIDSequence()
	aside, merr := moveAside(path, "corrupt")
	if merr != nil {
		return fmt.Errorf("state file %s cannot be read (%v) nor moved aside: %w", path, err, merr)
	}
	n := StateNote{Kind: StateUnreadable, Path: path, Aside: aside, Err: err}
	s.stateNotes = append(s.stateNotes, n)
	s.log.Error("sandbox: " + n.String())
	return nil
}

// newIDSequence starts an id sequence no earlier state can have used, even
// with a fixed seed: a journal that knows the old state's payments must
// never see their ids again.
func (s *Server) newIDSequence() {
	var b [8]byte
	_, _ = crand.Read(b[:])
	s.seed ^= binary.LittleEndian.Uint64(b[:]) | 1
	s.seedIDs()
}

// moveAside renames path to path.<what>-<time>, never over another file.
func moveAside(path, what string) (string, error) {
	stamp := time.Now().UTC().Format("20060102T150405")
	for i := 0; ; i++ {
		aside := fmt.Sprintf("%s.%s-%s", path, what, stamp)
		if i > 0 {
			aside += fmt.Sprintf("-%d", i)
		}
		if _, err := os.Lstat(aside); errors.Is(err, os.ErrNotExist) {
			return aside, os.Rename(path, aside)
		}
		if i > 100 {
			return "", errors.New("no free name to move it aside")
		}
	}
}

// restore rebuilds the state from a document, checking every reference so
// that a damaged file is an error, never a panic or a half state.
func (s *Server) restore(d *stateDoc) error {
	if d.Format != stateFormat || d.Version != stateVersion {
		return fmt.Errorf("format %q version %d", d.Format, d.Version)
	}
	st := newState()
	snap := func(i int) (*komoju.Payment, error) {
		if i < 0 || i >= len(d.Snapshots) || d.Snapshots[i] == nil {
			return nil, fmt.Errorf("payment snapshot %d missing", i)
		}
		return d.Snapshots[i], nil
	}
	for _, p := range d.Snapshots {
		if p != nil && p.PaymentDetails != nil {
			normalizeDetails(p.PaymentDetails)
		}
		if p != nil && p.Metadata == nil {
			p.Metadata = s.emptyMeta
		}
	}
	for _, v := range d.Sessions {
		if v.View.ID == "" || st.sessionByID(v.View.ID) != nil {
			return fmt.Errorf("session id %q empty or repeated", v.View.ID)
		}
		ss := &sessRec{view: v.View, types: v.Types, scenario: v.Scenario, returnURL: v.ReturnURL, manual: v.Manual, email: v.Email, expiresAt: v.ExpiresAt}
		if len(ss.view.Metadata) == 0 {
			ss.view.Metadata = s.emptyMeta
		}
		// Built when answered (sessionView), not kept; files from before
		// that change still carry them.
		ss.base = strings.TrimSuffix(ss.view.SessionURL, "/sessions/"+ss.view.ID)
		if ss.base == s.base {
			ss.base = s.base // share the bytes
		}
		ss.view.SessionURL, ss.view.PaymentMethods, ss.view.Merchant = "", nil, s.merchant
		ss.types = s.internTypes(ss.types)
		st.addSession(ss) // queues its expiry if it is still open
	}
	for i, sp := range d.Payments {
		p, err := snap(sp.Snap)
		if err != nil {
			return err
		}
		if p.ID == "" || st.paymentByID(p.ID) != nil {
			return fmt.Errorf("payment id %q empty or repeated", p.ID)
		}
		rec := &payRec{typ: sp.Type, manual: sp.Manual, tds: sp.TDS, deadline: sp.Deadline, seq: i,
			extra: newPayExtra(sp.ReturnURL, sp.CancelURL, sp.Webhooks, sp.RefundRequested)}
		rec.cur.Store(p)
		if sp.Session != "" {
			if rec.session = st.sessionByID(sp.Session); rec.session == nil {
				return fmt.Errorf("payment %s refers to missing session %s", p.ID, sp.Session)
			}
		}
		st.order = append(st.order, rec)
		st.indexPayments()
		if rec.dueToExpire() {
			st.duePayments.add(rec.deadline, rec.seq)
		}
	}
	for _, v := range d.Sessions {
		ss := st.sessionByID(v.View.ID)
		for _, id := range v.Attempts { // each payment names its session too (savedPayment.Session)
			if p := st.paymentByID(id); p == nil || p.session != ss {
				return fmt.Errorf("session %s lists payment %s, which is missing or another session's", v.View.ID, id)
			}
		}
		if v.Latest != "" {
			if ss.latest = st.paymentByID(v.Latest); ss.latest == nil {
				return fmt.Errorf("session %s refers to missing payment %s", v.View.ID, v.Latest)
			}
		}
	}
	for _, e := range d.Events {
		p, err := snap(e.Snap)
		if err != nil {
			return err
		}
		if e.ID == "" || st.eventByID(e.ID) != nil {
			return fmt.Errorf("event id %q empty or repeated", e.ID)
		}
		rec := &eventRec{id: e.ID, typ: e.Type, created: e.Created, payment: p}
		st.events = append(st.events, rec)
	}
	st.indexEvents()
	for _, t := range d.Tokens {
		if t.View.ID == "" {
			return errors.New("token without id")
		}
		if t.View.PaymentDetails != nil {
			normalizeDetails(t.View.PaymentDetails)
		}
		st.tokens[t.View.ID] = &tokenRec{view: t.View, currency: t.Currency, used: t.Used, card: t.Card.info()}
	}
	for _, t := range d.Secure {
		if t.View.ID == "" || st.secureTokens[t.View.ID] != nil {
			return fmt.Errorf("secure token id %q empty or repeated", t.View.ID)
		}
		st.secureTokens[t.View.ID] = &secureTokenRec{view: t.View, card: t.Card.info(), tds: t.TDS, frictionless: t.Frictionless,
			amount: t.Amount, currency: t.Currency, returnURL: t.ReturnURL, email: t.Email, used: t.Used}
	}
	for _, e := range d.Idem {
		if len(e.Hash) != 32 {
			return fmt.Errorf("idempotency key %q: bad hash", truncate(e.Key, 40))
		}
		ent := &idemEntry{created: e.Created, resp: apiResp{status: e.Status, body: e.Body}}
		copy(ent.hash[:], e.Hash)
		st.idem[idemKey{publishable: e.Publishable, key: e.Key}] = ent
	}
	st.idemSwept = d.IdemSwept
	if err := s.rng.UnmarshalBinary(d.IDs); err != nil {
		return fmt.Errorf("id sequence: %w", err)
	}
	s.st = st
	// Sandbox time never runs backwards: a restart continues from the
	// time the state was saved at (deadlines already passed fire now).
	if now := s.clock.Now(); d.SavedAt.After(now) {
		s.clock.Advance(d.SavedAt.Sub(now))
	}
	return nil
}

// normalizeDetails drops the raw JSON a decoded payment_details keeps when
// a typed variant holds everything, so a restored payment encodes exactly
// as it did before the restart (the sandbox builds these in code, without
// Raw).
func normalizeDetails(pd *komoju.PaymentDetails) {
	if pd.CreditCard != nil || pd.Konbini != nil || pd.BankTransfer != nil || pd.PayEasy != nil || pd.Offsite != nil {
		pd.Raw = nil
	}
}

// closeState writes the final state and releases the file.
func (s *Server) closeState() error {
	if s.persist == nil {
		return nil
	}
	s.syncState()
	err := s.StateError()
	if s.persist.lock != nil {
		unlockFile(s.persist.lock)
	}
	return err
}

var _ io.Writer = (*persistWriter)(nil)
