package sandbox

import (
	"github.com/komoju-tui/komoju-tui/komoju"
)

// listEvents is GET /events: newest first, paginated, start_time/end_time.
func (s *Server) listEvents(q *apiReq) apiResp {
	page, perPage, err := parsePaging(q.p)
	if err != nil {
		return fail(err)
	}
	start, err := parseTime(q.p, "start_time")
	if err != nil {
		return fail(err)
	}
	end, err := parseTime(q.p, "end_time")
	if err != nil {
		return fail(err)
	}
	typ, _, err := q.p.str("type", "type", 64)
	if err != nil {
		return fail(err)
	}
	skip := (page - 1) * perPage
	var recs []*eventRec
	total := 0
	s.mu.Lock()
	unfiltered := start.IsZero() && end.IsZero() && typ == ""
	if unfiltered {
		total = len(s.st.events) // index the page directly instead of scanning
		for i := total - 1 - skip; i >= 0 && len(recs) < perPage; i-- {
			recs = append(recs, s.st.events[i])
		}
	}
	for i := len(s.st.events) - 1; i >= 0 && !unfiltered; i-- {
		e := s.st.events[i]
		if (!start.IsZero() && e.created.Before(start)) || (!end.IsZero() && e.created.After(end)) || (typ != "" && e.typ != typ) {
			continue
		}
		if total >= skip && len(recs) < perPage {
			recs = append(recs, e)
		}
		total++
	}
	s.mu.Unlock()
	out := make([]komoju.Event, len(recs))
	for i, e := range recs {
		out[i] = e.view()
	}
	return okJSON(listEnvelope(out, total, page, perPage, start, end))
}

// getEvent is GET /events/{id}.
func (s *Server) getEvent(q *apiReq) apiResp {
	s.mu.Lock()
	e := s.st.eventByID(q.r.PathValue("id"))
	s.mu.Unlock()
	if e == nil {
		return fail(errNotFound("event", q.r.PathValue("id")))
	}
	return okJSON(e.view())
}
