package sandbox

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// control wraps a sandbox-only endpoint: secret key required, no faults, no
// idempotency, JSON or form bodies.
func (s *Server) control(h func(*apiReq) apiResp) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := s.authenticate(r, secretOnly); err != nil {
			writeResp(w, fail(err))
			return
		}
		_, p, err := readParams(r)
		if err != nil {
			writeResp(w, fail(err))
			return
		}
		writeResp(w, h(&apiReq{r: r, p: p, now: s.clock.Now()}))
	})
}

// parseDuration accepts Go durations ("72h", "90m") and whole days ("3d").
func parseDuration(s string) (time.Duration, bool) {
	s = strings.TrimSpace(s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 || days > 3650 {
			return 0, false
		}
		return time.Duration(days) * 24 * time.Hour, true
	}
	d, err := time.ParseDuration(s)
	return d, err == nil
}

// ctlClock is POST /sandbox/clock {"advance":"72h"} (GET shows the time).
// Advancing fires deadlines: unpaid konbini/bank/pay-easy payments expire
// (payment.expired) and sessions get expired:true.
func (s *Server) ctlClock(q *apiReq) apiResp {
	if q.r.Method == http.MethodPost {
		adv, ok, err := q.p.str("advance", "advance", 32)
		if err != nil {
			return fail(err)
		}
		if !ok || adv == "" {
			return fail(errMissing("advance"))
		}
		d, valid := parseDuration(adv)
		if !valid || d < 0 || d > 10*365*24*time.Hour {
			return fail(errInvalid("advance", "expected a positive duration such as \"72h\", \"90m\" or \"3d\""))
		}
		s.clock.Advance(d)
	}
	return okJSON(map[string]any{"now": s.clock.Now()})
}

// ctlReset is POST /sandbox/reset: all payments, sessions, events, tokens,
// idempotency keys and the delivery log are forgotten.
func (s *Server) ctlReset(q *apiReq) apiResp {
	s.Reset()
	return okJSON(map[string]any{"reset": true})
}

// ctlAddWebhook is POST /sandbox/webhooks {"url": "...", "events": ["payment.captured"]}
// (events omitted or empty: every type). A new webhook gets a ping event.
func (s *Server) ctlAddWebhook(q *apiReq) apiResp {
	u, err := q.p.reqStr("url", "url", 2048)
	if err != nil {
		return fail(err)
	}
	h := Webhook{URL: u}
	if h.Events, err = parseEventTypes(q.p, "events"); err != nil {
		return fail(err)
	}
	if e := checkWebhookURL(u); e != nil {
		return fail(errInvalid("url", "%s", e.Error()))
	}
	if e := s.RegisterWebhook(h); e != nil {
		return fail(errInvalid("url", "%s", e.Error()))
	}
	return okJSON(map[string]any{"webhooks": s.wh.list()})
}

// parseEventTypes reads a list of webhook event types.
func parseEventTypes(p obj, key string) ([]string, *apiError) {
	l, ok, err := p.list(key, key)
	if err != nil || !ok {
		return nil, err
	}
	var out []string
	for _, v := range l {
		e, _ := v.(string)
		if !slices.Contains(WebhookEventTypes, e) {
			return nil, errInvalid(key, "%q is not one of %s", truncate(e, 64), strings.Join(WebhookEventTypes, ", "))
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out, nil
}

// ctlListWebhooks is GET /sandbox/webhooks.
func (s *Server) ctlListWebhooks(q *apiReq) apiResp {
	return okJSON(map[string]any{"webhooks": s.wh.list()})
}

// ctlRetryWebhooks is POST /sandbox/webhooks/retry: every delivery waiting
// for a retry is sent now.
func (s *Server) ctlRetryWebhooks(q *apiReq) apiResp {
	return okJSON(map[string]any{"retried": s.RetryWebhooksNow()})
}

// ctlDeliveries is GET /sandbox/webhook_deliveries: every attempt, oldest
// first, optionally only those of one event (?event_id=), one URL (?url=)
// or only final ones (?final=true).
func (s *Server) ctlDeliveries(q *apiReq) apiResp {
	eventID, _, err := q.p.str("event_id", "event_id", 64)
	if err != nil {
		return fail(err)
	}
	u, _, err := q.p.str("url", "url", 2048)
	if err != nil {
		return fail(err)
	}
	final, hasFinal, err := q.p.bool("final", "final")
	if err != nil {
		return fail(err)
	}
	d := s.Deliveries()
	if eventID != "" || u != "" || hasFinal {
		kept := d[:0]
		for _, x := range d {
			if (eventID == "" || x.EventID == eventID) && (u == "" || x.URL == u) && (!hasFinal || x.Final == final) {
				kept = append(kept, x)
			}
		}
		d = kept
	}
	return okJSON(map[string]any{"resource": "list", "total": len(d), "data": d})
}

// ctlFaults is POST /sandbox/faults {"latency":"200ms","fail_rate":0.1,"drop_rate":0,
// "slow":"3s","slow_rate":0.33,"slow_only":"POST /payments"} (omitted fields
// keep their value; GET shows the faults in force).
func (s *Server) ctlFaults(q *apiReq) apiResp {
	f := s.CurrentFaults()
	if q.r.Method == http.MethodPost {
		for _, k := range []string{"latency", "slow"} {
			v, ok := q.p.value(k)
			if !ok {
				continue
			}
			str, isStr := v.(string)
			if !isStr {
				ms, _, err := q.p.int(k, k)
				if err != nil {
					return fail(errInvalid(k, "expected a duration such as \"200ms\""))
				}
				str = strconv.FormatInt(ms, 10) + "ms"
			}
			d, valid := parseDuration(str)
			if !valid {
				return fail(errInvalid(k, "expected a duration such as \"200ms\""))
			}
			if k == "latency" {
				f.Latency = d
			} else {
				f.Slow = d
			}
		}
		for _, k := range []string{"fail_rate", "drop_rate", "slow_rate"} {
			s, ok, err := q.p.str(k, k, 32)
			if err != nil {
				return fail(err)
			}
			if !ok {
				continue
			}
			v, perr := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if perr != nil {
				return fail(errInvalid(k, "expected a number between 0 and 1"))
			}
			switch k {
			case "fail_rate":
				f.FailRate = v
			case "drop_rate":
				f.DropRate = v
			default:
				f.SlowRate = v
			}
		}
		if only, ok, err := q.p.str("slow_only", "slow_only", 256); err != nil {
			return fail(err)
		} else if ok {
			f.SlowOnly = only
		}
		f = f.normalized()
		if err := f.validate(); err != nil {
			return fail(newErr(komoju.CodeInvalidParameter, "", "%s", err.Error()))
		}
		s.SetFaults(f)
	}
	return okJSON(map[string]any{"latency": f.Latency.String(), "fail_rate": f.FailRate, "drop_rate": f.DropRate,
		"slow": f.Slow.String(), "slow_rate": f.SlowRate, "slow_only": f.SlowOnly})
}
