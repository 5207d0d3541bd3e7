package sandbox

import (
	"fmt"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// The session state machine. Every change of a session's status (and of
// its expired flag) goes through sessTransitions by way of
// Server.moveSession; an event the table does not allow is refused with
// KOMOJU's error shape.
//
// A session's status is pending, completed or cancelled (komoju/komoju-node-sdk
// docs/Models/Session.md); expiry does not change the status but sets
// expired: true, which is why expiring is a pending → pending row. KOMOJU's
// webhook event types have none for sessions (payment, customer,
// subscription and settlement events only, https://doc.komoju.com/docs/webhooks): what a session goes
// through reaches the merchant as the events of its payments, so no row
// records one.

// sessNew is the status of a session not created yet.
const sessNew komoju.SessionStatus = ""

// sessEvent is something that happens to a session.
type sessEvent uint8

const (
	sessOpen     sessEvent = iota // Session: Create
	sessComplete                  // its latest payment was authorized or captured
	sessCancel                    // Session: Cancel
	sessExpire                    // expires_at passed
	numSessEvents
)

var sessEventNames = [numSessEvents]string{"open", "complete", "cancel", "expire"}

func (e sessEvent) String() string {
	if e < numSessEvents {
		return sessEventNames[e]
	}
	return fmt.Sprintf("sessEvent(%d)", uint8(e))
}

// sessTransition is one row of the table. Sessions record no KOMOJU event
// (see above), so the row has no events column.
type sessTransition struct {
	from komoju.SessionStatus
	on   sessEvent
	to   komoju.SessionStatus
}

var sessTransitions = []sessTransition{
	{sessNew, sessOpen, komoju.SessionPending},
	{komoju.SessionPending, sessComplete, komoju.SessionCompleted},
	{komoju.SessionPending, sessCancel, komoju.SessionCancelled},
	{komoju.SessionPending, sessExpire, komoju.SessionPending}, // expired: true
}

// sessStatuses are every status a session can have, sessNew first.
var sessStatuses = []komoju.SessionStatus{sessNew, komoju.SessionPending, komoju.SessionCompleted, komoju.SessionCancelled}

// sessionStep is the row for event on from, or nil.
func sessionStep(from komoju.SessionStatus, on sessEvent) *sessTransition {
	for i := range sessTransitions {
		if t := &sessTransitions[i]; t.from == from && t.on == on {
			return t
		}
	}
	return nil
}

// sessRefusal is KOMOJU's refusal of an event the session's status does
// not allow.
func sessRefusal(id string, from komoju.SessionStatus, on sessEvent) *apiError {
	code, only := komoju.CodeUnprocessableEntity, "only pending sessions can change"
	switch on {
	case sessCancel:
		code, only = komoju.CodeNotCancellable, "only pending sessions can be cancelled"
	case sessComplete:
		only = "only pending sessions can be completed"
	case sessExpire:
		only = "only pending sessions expire"
	}
	if from == sessNew {
		return newErr(code, "", "Session %s does not exist yet; %s", id, only)
	}
	return newErr(code, "", "Session %s is %s; %s", id, from, only)
}

// moveSession applies event on to ss, or refuses it changing nothing.
// Leaving pending takes the session off the deadline index. Callers hold
// s.mu.
func (s *Server) moveSession(ss *sessRec, on sessEvent, now time.Time) *apiError {
	t := sessionStep(ss.view.Status, on)
	if t == nil {
		return sessRefusal(ss.view.ID, ss.view.Status, on)
	}
	ss.view.Status = t.to
	switch on {
	case sessComplete:
		ss.endedAt = now
		ss.view.CompletedAt = &ss.endedAt
	case sessCancel:
		ss.endedAt = now
		ss.view.CancelledAt = &ss.endedAt
	case sessExpire:
		ss.view.Expired = true
	}
	return nil
}
