package sandbox

import (
	"context"
	"hash/maphash"
	"log/slog"
	mrand "math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// state is everything the sandbox remembers. It is guarded by Server.mu.
//
// Payments are copy-on-write: payRec.snap() is an immutable komoju.Payment
// that is replaced (never modified) on every change, so events keep the
// payment as it was, and responses are marshalled outside the lock. The
// pointer is atomic so that list scans can read it without the lock.
type state struct {
	order []*payRec // creation order, for listing; append-only
	// idx finds payments in order[:indexed] by id and by order number
	// (direct or through a session) without a scan; see hashIndex. Not
	// saved: restore rebuilds it from the payments.
	idx hashIndex[*payRec]
	// indexed is how many payments of order idx holds. Creating a
	// payment only appends it to order; a look-up by id or order number
	// indexes those created since (indexPayments), and so does the
	// creation that leaves indexChunk of them unindexed, so that no
	// look-up indexes a whole burst under the lock (it took 0.26 s after
	// 350,000 payments, and the p99 of every client in the load tool's
	// filter scenario to 0.15–0.7 s).
	indexed int
	// sessions are in creation order, found by id and order number
	// through sessIdx, which indexes each as it is created.
	sessions []*sessRec
	sessIdx  hashIndex[*sessRec]
	events   []*eventRec
	// eventIdx finds events[:eventsIndexed] by id (GET /events/{id}),
	// through the same pointer-free hashIndex as payments. Like them,
	// events are indexed on a look-up or once indexChunk are waiting
	// (recordEvent), so the first look-up after a burst indexes little
	// under the lock. Restore indexes them all (it checks ids are unique).
	eventIdx      hashIndex[*eventRec]
	eventsIndexed int
	tokens        map[string]*tokenRec
	// secureTokens are POST /secure_tokens answers (ids share tokens' tok_
	// prefix, as in KOMOJU's 3-D Secure guide).
	secureTokens map[string]*secureTokenRec

	// duePayments and dueSessions hold the deadlines still ahead, soonest
	// first. A payment or session that leaves the state its deadline
	// applies to stays queued and is skipped when its turn comes.
	duePayments deadlineQueue
	dueSessions deadlineQueue

	idem      map[idemKey]*idemEntry
	idemSwept time.Time

	// payGen counts changes to payments (creations and moves, all made by
	// afterPaymentMove); pages are encoded unfiltered list pages valid
	// while payGen equals pagesGen (see listPayments).
	payGen   uint64
	pagesGen uint64
	pages    map[pageKey]apiResp

	// Shared immutable values (see sharedCardDetails and timePtr).
	cardDetails map[komoju.CreditCardDetails]*komoju.PaymentDetails
	lastTime    *time.Time
}

func newState() *state {
	return &state{
		idx:          newHashIndex[*payRec](),
		sessIdx:      newHashIndex[*sessRec](),
		eventIdx:     newHashIndex[*eventRec](),
		tokens:       map[string]*tokenRec{},
		secureTokens: map[string]*secureTokenRec{},
		idem:         map[idemKey]*idemEntry{},
		cardDetails:  map[komoju.CreditCardDetails]*komoju.PaymentDetails{},
		pages:        map[pageKey]apiResp{},
	}
}

// tdsKind is how a card behaves under 3D Secure when paid through a session.
type tdsKind uint8

const (
	tdsNone          tdsKind = iota // no challenge (plain and frictionless cards)
	tdsChallenge                    // challenge; 123456 authenticates
	tdsChallengeFail                // challenge that always fails
	tdsAuthFail                     // authentication fails after the redirect
)

// payRec is one payment. It is kept for every payment the sandbox ever
// took, so what only some payments have lives in extra (80 bytes a payment
// instead of 144, and fewer pointers for the collector to follow), and its
// first event is part of it.
type payRec struct {
	cur      atomic.Pointer[komoju.Payment] // see snap
	typ      komoju.PaymentType
	manual   bool // authorize only (capture:false / capture:"manual")
	tds      tdsKind
	session  *sessRec
	deadline time.Time // zero: none
	seq      int       // creation order: its position in state.order
	// nextSameNum is 1 + the position of the next payment whose order
	// number has the same hash (hashIndex.byNum), 0 for none.
	nextSameNum int32
	extra       *payExtra // nil: none of its fields set
	// orderNum is the external_order_num the snapshots point at: kept
	// here, it is not an object of its own. A restored snapshot points at
	// its own copy.
	orderNum string
	// firstEvent is the payment's first event (payment.captured,
	// .authorized or .failed as it is created), kept here rather than as an
	// object of its own: one allocation and one object fewer for the
	// collector per payment. events points at it like at any event.
	firstEvent eventRec
}

// payExtra is what a direct payment with return URLs or its own webhooks,
// or a cash payment with refund requests, keeps besides payRec.
type payExtra struct {
	returnURL string
	cancelURL string
	webhooks  []Webhook // Payment: Create's webhooks parameter
	// refundRequested is the sum of the refund requests' amounts, which
	// KOMOJU's RefundRequest object does not carry.
	refundRequested int64
}

// newPayExtra is nil when there is nothing to keep.
func newPayExtra(returnURL, cancelURL string, webhooks []Webhook, refundRequested int64) *payExtra {
	if returnURL == "" && cancelURL == "" && len(webhooks) == 0 && refundRequested == 0 {
		return nil
	}
	return &payExtra{returnURL: returnURL, cancelURL: cancelURL, webhooks: webhooks, refundRequested: refundRequested}
}

func (p *payRec) returnURL() string {
	if p.extra == nil {
		return ""
	}
	return p.extra.returnURL
}

func (p *payRec) cancelURL() string {
	if p.extra == nil {
		return ""
	}
	return p.extra.cancelURL
}

func (p *payRec) webhooks() []Webhook {
	if p.extra == nil {
		return nil
	}
	return p.extra.webhooks
}

func (p *payRec) refundRequested() int64 {
	if p.extra == nil {
		return 0
	}
	return p.extra.refundRequested
}

// snap is the payment as it is now. It may be read without s.mu (list
// scans); it is replaced only under s.mu.
func (p *payRec) snap() *komoju.Payment { return p.cur.Load() }

// update replaces the snapshot with a modified copy. f must not modify maps
// or slices it did not allocate itself.
func (p *payRec) update(f func(*komoju.Payment)) {
	cp := *p.snap()
	f(&cp)
	p.cur.Store(&cp)
}

// sessRec is one session. view is its public object without the payment,
// which is filled in from the latest attempt when rendered.
type sessRec struct {
	view      komoju.Session
	types     []komoju.PaymentType
	scenario  string
	returnURL string
	manual    bool
	email     string
	expiresAt time.Time
	// base is the sandbox's base URL when the session was made (its
	// session_url is base/sessions/id): shared with Server.base, so it
	// costs no bytes of its own, and kept across a restart on a new port.
	base string
	// latest is the last payment created through this session; the
	// others are the payments whose session it is (payRec.session).
	latest *payRec
	// endedAt is the session's completed_at or cancelled_at (never both),
	// which view points at: kept here, it is not an object of its own. A
	// restored view points at its own copy.
	endedAt time.Time
	// nextSameNum is 1 + the position of the next session whose order
	// number has the same hash (hashIndex.byNum), 0 for none.
	nextSameNum int32
}

// payable reports whether pay may be called on the session now.
func (s *sessRec) payable() *apiError {
	switch {
	case s.view.Status == komoju.SessionCompleted:
		return newErr(komoju.CodeUnprocessableEntity, "", "Session %s is already completed", s.view.ID)
	case s.view.Status == komoju.SessionCancelled:
		return newErr(komoju.CodeUnprocessableEntity, "", "Session %s was cancelled", s.view.ID)
	case s.view.Expired:
		return newErr(komoju.CodeUnprocessableEntity, "", "Session %s has expired", s.view.ID)
	case s.latest != nil && s.latest.snap().Status == komoju.PaymentPending:
		return newErr(komoju.CodeUnprocessableEntity, "", "Session %s has a payment awaiting the customer (%s); finish or cancel it first", s.view.ID, s.latest.snap().ID)
	}
	return nil
}

// tokenRec is a tokenized card. It keeps brand, last four digits, expiry and
// the test-card behaviour, never the number or CVC.
type tokenRec struct {
	view     komoju.Token
	card     cardInfo
	currency string
	used     bool
}

// eventRec is one event; data is the payment as it was when it happened.
type eventRec struct {
	id      string
	typ     string
	created time.Time
	payment *komoju.Payment
}

func (e *eventRec) view() komoju.Event {
	if e.payment == nil { // ping: no object
		return komoju.Event{ID: e.id, Type: e.typ, Resource: "event", Data: []byte("{}"), CreatedAt: e.created}
	}
	data, _ := jsonMarshal(e.payment)
	return komoju.Event{ID: e.id, Type: e.typ, Resource: "event", Data: data, CreatedAt: e.created}
}

const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// newID returns a 25-character lowercase alphanumeric id, as KOMOJU's.
func (s *Server) newID() string { return idFrom(s.rng) }

// idFrom draws a 25-character lowercase alphanumeric id from rng.
func idFrom(rng *mrand.ChaCha8) string {
	var b [25]byte
	for i := 0; i < len(b); {
		v := rng.Uint64()
		for j := 0; j < 10 && i < len(b); j++ {
			b[i] = idAlphabet[v%36]
			v /= 36
			i++
		}
	}
	return string(b[:])
}

// newDigits returns n random decimal digits.
func (s *Server) newDigits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + s.rng.Uint64()%10)
	}
	return string(b)
}

// recordEvent stores an event for the payment's current snapshot and queues
// its webhooks. Callers hold s.mu.
func (s *Server) recordEvent(p *payRec, typ string, now time.Time) {
	e := &p.firstEvent
	if e.id != "" { // taken: a later event
		e = new(eventRec)
	}
	*e = eventRec{id: s.newID(), typ: typ, created: now, payment: p.snap()}
	s.st.events = append(s.st.events, e)
	if len(s.st.events)-s.st.eventsIndexed >= indexChunk {
		s.st.indexEvents()
	}
	s.wh.enqueue(e, p.webhooks())
	if s.log.Enabled(context.Background(), slog.LevelDebug) {
		s.log.Debug("sandbox event", "event", typ, "payment", p.snap().ID, "status", p.snap().Status)
	}
}

// indexChunk bounds what a look-up has to index, and so how long it holds
// the lock doing it: about 1 ms.
const indexChunk = 1024

// indexPayments adds the payments created since the last look-up to the
// id and order-number indexes (see state.indexed). Callers hold s.mu.
func (st *state) indexPayments() { st.indexed = st.idx.addFrom(st.order, st.indexed) }

// hashIndex finds payments, sessions and events by id, and payments and
// sessions by order number. It holds positions in a creation-order slice
// under hashes of the id and of the order number, and no pointer: it
// covers everything the sandbox keeps of each sale, and maps of strings and pointers would be marked by
// the collector on every cycle, whose mark phases set the p99 under load
// (docs/PERFORMANCE.md, round six). A hash says where to look; what is
// found is checked against the id or order number asked for, so a clash of
// hashes costs a look further, never a wrong answer.
type hashIndex[T indexed] struct {
	hash func(string) uint64 // maphash with a seed of this process; a test may clash them all
	// byID: hash of the id → position. An id whose hash another id had
	// first is in clashes (a chance of about one in 37 million that there
	// is any among a million ids).
	byID    map[uint64]int32
	clashes map[string]int32
	// byNum: hash of the order number → the first and last item with
	// that hash; the items between are linked through sameNum.
	byNum map[uint64]numChain
}

// indexed is what hashIndex needs of an item: its id and order number,
// which never change, and its link to the next item whose order number
// has the same hash (1 + that item's position, 0 for none).
type indexed interface {
	indexID() string
	indexNum() string
	sameNum() *int32
}

func (p *payRec) indexID() string  { return p.snap().ID }
func (p *payRec) indexNum() string { return p.snap().OrderNum() }
func (p *payRec) sameNum() *int32  { return &p.nextSameNum }

func (e *eventRec) indexID() string  { return e.id }
func (e *eventRec) indexNum() string { return "" }  // events have no order number
func (e *eventRec) sameNum() *int32  { return nil } // never asked: see indexNum

func (s *sessRec) indexID() string  { return s.view.ID }
func (s *sessRec) indexNum() string { return s.view.PaymentData.ExternalOrderNum }
func (s *sessRec) sameNum() *int32  { return &s.nextSameNum }

type numChain struct{ head, tail int32 }

func newHashIndex[T indexed]() hashIndex[T] {
	seed := maphash.MakeSeed()
	return hashIndex[T]{
		hash:    func(s string) uint64 { return maphash.String(seed, s) },
		byID:    map[uint64]int32{},
		clashes: map[string]int32{},
		byNum:   map[uint64]numChain{},
	}
}

// add indexes items[i]; ids are unique (their creators and restore see to
// it).
func (x *hashIndex[T]) add(items []T, i int32) {
	id := items[i].indexID()
	h := x.hash(id)
	if _, taken := x.byID[h]; taken {
		x.clashes[id] = i
	} else {
		x.byID[h] = i
	}
	if n := items[i].indexNum(); n != "" {
		h := x.hash(n)
		if c, ok := x.byNum[h]; ok {
			*items[c.tail].sameNum() = i + 1
			x.byNum[h] = numChain{c.head, i}
		} else {
			x.byNum[h] = numChain{i, i}
		}
	}
}

// addFrom indexes items[from:] and returns len(items), the new count of
// indexed items.
func (x *hashIndex[T]) addFrom(items []T, from int) int {
	for i := from; i < len(items); i++ {
		x.add(items, int32(i))
	}
	return len(items)
}

// byIDIn is the item with this id among the indexed ones, or the zero T.
func (x *hashIndex[T]) byIDIn(items []T, id string) T {
	if i, ok := x.byID[x.hash(id)]; ok && items[i].indexID() == id {
		return items[i]
	}
	if i, ok := x.clashes[id]; ok {
		return items[i]
	}
	var none T
	return none
}

// eachWithNum calls f with the indexed items with this order number in
// creation order, until f returns false.
func (x *hashIndex[T]) eachWithNum(items []T, n string, f func(T) bool) {
	c, ok := x.byNum[x.hash(n)]
	if !ok {
		return
	}
	for i := c.head; ; {
		if items[i].indexNum() == n && !f(items[i]) {
			return
		}
		if i == c.tail {
			return
		}
		i = *items[i].sameNum() - 1
	}
}

// withNum lists the indexed items with this order number in creation
// order: a new slice, which the caller may scan without s.mu.
func (x *hashIndex[T]) withNum(items []T, n string) []T {
	var out []T
	x.eachWithNum(items, n, func(it T) bool {
		out = append(out, it)
		return true
	})
	return out
}

// deadlineQueue is a min-heap of deadlines and the positions (in
// state.order or state.sessions) they belong to: expire pops those that
// have passed instead of walking every open payment and session each
// second under the lock, and it holds no pointer for the collector. It is
// sifted by hand: container/heap would box every entry it is given.
type deadlineQueue []deadline

type deadline struct {
	at  int64 // Unix nanoseconds
	pos int32
}

func (d deadline) before(e deadline) bool {
	return d.at < e.at || d.at == e.at && d.pos < e.pos
}

// add queues position pos for time at.
func (q *deadlineQueue) add(at time.Time, pos int) {
	h := append(*q, deadline{at: at.UnixNano(), pos: int32(pos)})
	for i := len(h) - 1; i > 0; {
		up := (i - 1) / 2
		if !h[i].before(h[up]) {
			break
		}
		h[i], h[up] = h[up], h[i]
		i = up
	}
	*q = h
}

// pop removes and returns the soonest deadline; q is not empty.
func (q *deadlineQueue) pop() deadline {
	h := *q
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	for i := 0; ; {
		small, l, r := i, 2*i+1, 2*i+2
		if l < len(h) && h[l].before(h[small]) {
			small = l
		}
		if r < len(h) && h[r].before(h[small]) {
			small = r
		}
		if small == i {
			break
		}
		h[i], h[small] = h[small], h[i]
		i = small
	}
	*q = h
	return top
}

// passed pops the positions whose deadline is not after now, soonest
// first (then in creation order, so event ids stay deterministic under a
// seed); still is asked whether the entry still applies.
func (q *deadlineQueue) passed(now time.Time, still func(at int64, pos int32) bool) []int32 {
	var out []int32
	limit := now.UnixNano()
	for len(*q) > 0 && (*q)[0].at <= limit {
		d := q.pop()
		if len(out) > 0 && out[len(out)-1] == d.pos {
			continue // queued twice for the same time
		}
		if still(d.at, d.pos) {
			out = append(out, d.pos)
		}
	}
	return out
}

// sessionByID finds a session. Callers hold s.mu.
func (st *state) sessionByID(id string) *sessRec {
	return st.sessIdx.byIDIn(st.sessions, id)
}

// addSession keeps a new session and queues its expiry. Callers hold s.mu.
func (st *state) addSession(ss *sessRec) {
	st.sessions = append(st.sessions, ss)
	st.sessIdx.add(st.sessions, int32(len(st.sessions)-1))
	if ss.dueToExpire() {
		st.dueSessions.add(ss.expiresAt, len(st.sessions)-1)
	}
}

// dueToExpire reports whether the session's expiry still applies: it is
// open (pending) and has not expired.
func (s *sessRec) dueToExpire() bool {
	return s.view.Status == komoju.SessionPending && !s.view.Expired
}

// holdsOrderNum reports whether the session keeps its order number from
// other sessions: unless it was cancelled or has expired.
func (s *sessRec) holdsOrderNum() bool {
	return s.view.Status != komoju.SessionCancelled && !s.view.Expired
}

// holdsOrderNum reports whether the payment keeps its order number from
// other direct payments: a direct one, unless it failed.
func (p *payRec) holdsOrderNum() bool {
	return p.session == nil && p.snap().Status != komoju.PaymentFailed
}

// sessionHolding is the open session using order number n, or nil: KOMOJU
// refuses a second session with the order number of one that is neither
// cancelled nor expired. Callers hold s.mu.
func (st *state) sessionHolding(n string) *sessRec {
	var holder *sessRec
	st.sessIdx.eachWithNum(st.sessions, n, func(ss *sessRec) bool {
		if ss.holdsOrderNum() {
			holder = ss
			return false
		}
		return true
	})
	return holder
}

// paymentHolding is the direct payment using order number n, or nil: a
// direct payment keeps its order number unless it failed. Callers hold
// s.mu.
func (st *state) paymentHolding(n string) *payRec {
	st.indexPayments()
	var holder *payRec
	st.idx.eachWithNum(st.order, n, func(p *payRec) bool {
		if p.holdsOrderNum() {
			holder = p
			return false
		}
		return true
	})
	return holder
}

// dueToExpire reports whether the payment's deadline still applies: a
// pending or authorized payment with one (afterPaymentMove queues it).
func (p *payRec) dueToExpire() bool {
	st := p.snap().Status
	return !p.deadline.IsZero() && (st == komoju.PaymentPending || st == komoju.PaymentAuthorized)
}

// paymentByID finds a payment, indexing those created since the last
// look-up first. Callers hold s.mu.
func (st *state) paymentByID(id string) *payRec {
	if p := st.idx.byIDIn(st.order, id); p != nil || st.indexed == len(st.order) {
		return p
	}
	st.indexPayments()
	return st.idx.byIDIn(st.order, id)
}

// indexEvents adds the events recorded since the last look-up to
// eventIdx. Callers hold s.mu.
func (st *state) indexEvents() { st.eventsIndexed = st.eventIdx.addFrom(st.events, st.eventsIndexed) }

// eventByID finds an event, first indexing those recorded since the last
// look-up (see state.eventIdx). Callers hold s.mu.
func (st *state) eventByID(id string) *eventRec {
	st.indexEvents()
	return st.eventIdx.byIDIn(st.events, id)
}

// expire fires deadlines that have passed: authorized cash payments and
// pending redirects become expired (payment.expired), card authorizations
// lapse, sessions get expired:true, and old idempotency keys are forgotten.
func (s *Server) expire(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	// A payment is expired by the last deadline queued for it, if its
	// status still allows it.
	due := st.duePayments.passed(now, func(at int64, pos int32) bool {
		p := st.order[pos]
		return p.deadline.UnixNano() == at && paymentStep(p.snap().Status, payExpire) != nil
	})
	for _, pos := range due {
		_ = s.movePayment(st.order[pos], payExpire, now, nil) // allowed: checked above
	}
	changed := len(due) > 0
	for _, pos := range st.dueSessions.passed(now, func(at int64, pos int32) bool {
		ss := st.sessions[pos]
		return ss.dueToExpire() && ss.expiresAt.UnixNano() == at
	}) {
		if s.moveSession(st.sessions[pos], sessExpire, now) == nil {
			changed = true
		}
	}
	if changed {
		s.stateChanged()
	}
	// Sweeping keys is O(keys), so do it at most once a minute.
	if now.Sub(s.st.idemSwept) >= time.Minute {
		s.st.idemSwept = now
		for k, e := range s.st.idem {
			if !e.inFlight && now.Sub(e.created) >= idemWindow {
				delete(s.st.idem, k)
			}
		}
	}
}
