package sandbox

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Faults are injected failures for resilience testing. They apply to the
// /api/v1 endpoints only, so tests can always reach /sandbox/ to turn them off.
type Faults struct {
	// Latency delays every API request before it is handled. A client that
	// gives up during the delay cancels the request: nothing is done.
	Latency time.Duration `json:"latency"`
	// FailRate (0..1) answers 503 service_unavailable before doing anything.
	FailRate float64 `json:"fail_rate"`
	// DropRate (0..1) does the work, then closes the connection without an
	// answer: the case idempotency keys exist for.
	DropRate float64 `json:"drop_rate"`
	// Slow holds a request this long and then does the work even when the
	// client has given up or disconnected meanwhile, as a slow card
	// processor does: the payment appears (and its webhooks go out) after
	// the client's timeout, and a lookup made during the hold finds nothing.
	// Unlike Latency, leaving does not cancel the request.
	Slow time.Duration `json:"slow"`
	// SlowRate (0..1) is the fraction of requests SlowOnly matches that are
	// held; 0 with Slow set means every one.
	SlowRate float64 `json:"slow_rate"`
	// SlowOnly limits Slow to one endpoint: "POST /payments",
	// "POST /sessions/*/pay" ("*" is one path segment; the /api/v1 prefix
	// may be left out; no method means any). Empty: every API request.
	SlowOnly string `json:"slow_only"`
}

// faults are the initial faults the options ask for.
func (o Options) faults() Faults {
	return Faults{Latency: o.Latency, FailRate: o.FailRate, DropRate: o.DropRate, Slow: o.Slow, SlowRate: o.SlowRate, SlowOnly: o.SlowOnly}.normalized()
}

// normalized fills the defaults: a slow fault with no rate holds every
// matching request.
func (f Faults) normalized() Faults {
	if f.Slow > 0 && f.SlowRate == 0 {
		f.SlowRate = 1
	}
	f.SlowOnly = strings.Join(strings.Fields(f.SlowOnly), " ")
	return f
}

func (f Faults) validate() error {
	if f.Latency < 0 || f.Latency > time.Minute {
		return fmt.Errorf("latency %s must be between 0 and 1m", f.Latency)
	}
	if !(f.FailRate >= 0 && f.FailRate <= 1) {
		return fmt.Errorf("fail rate %v must be between 0 and 1", f.FailRate)
	}
	if !(f.DropRate >= 0 && f.DropRate <= 1) {
		return fmt.Errorf("drop rate %v must be between 0 and 1", f.DropRate)
	}
	if f.Slow < 0 || f.Slow > time.Minute {
		return fmt.Errorf("slow %s must be between 0 and 1m", f.Slow)
	}
	if !(f.SlowRate >= 0 && f.SlowRate <= 1) {
		return fmt.Errorf("slow rate %v must be between 0 and 1", f.SlowRate)
	}
	if _, _, err := parseEndpoint(f.SlowOnly); err != nil {
		return err
	}
	return nil
}

// parseEndpoint reads "METHOD /path" or "/path" into a method ("" = any)
// and path segments relative to /api/v1.
func parseEndpoint(spec string) (method string, segs []string, err error) {
	f := strings.Fields(spec)
	switch len(f) {
	case 0:
		return "", nil, nil
	case 1:
	case 2:
		method, f = strings.ToUpper(f[0]), f[1:]
		switch method {
		case http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete:
		default:
			return "", nil, fmt.Errorf("slow_only %q: %q is not an HTTP method", truncate(spec, 64), truncate(method, 16))
		}
	default:
		return "", nil, fmt.Errorf("slow_only %q must look like \"POST /payments\"", truncate(spec, 64))
	}
	p := f[0]
	if !strings.HasPrefix(p, "/") || len(p) > 200 {
		return "", nil, fmt.Errorf("slow_only %q must look like \"POST /payments\"", truncate(spec, 64))
	}
	p = strings.TrimPrefix(p, "/api/v1")
	return method, strings.Split(strings.Trim(p, "/"), "/"), nil
}

// matchesEndpoint reports whether r is the endpoint spec names.
func matchesEndpoint(spec string, r *http.Request) bool {
	method, segs, err := parseEndpoint(spec)
	if err != nil {
		return false
	}
	if segs == nil {
		return true
	}
	if method != "" && method != r.Method {
		return false
	}
	got := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, "/api/v1"), "/"), "/")
	if len(got) != len(segs) {
		return false
	}
	for i, s := range segs {
		if s != "*" && s != got[i] {
			return false
		}
	}
	return true
}

// slowFor decides whether this request is held by the slow fault.
func (s *Server) slowFor(f Faults, r *http.Request) time.Duration {
	if f.Slow <= 0 || !matchesEndpoint(f.SlowOnly, r) || !s.roll(f.SlowRate) {
		return 0
	}
	return f.Slow
}

// holdSlow waits out a slow fault. The client leaving does not end it: the
// work is done afterwards, as a slow processor finishes a charge whose
// caller timed out. Stopping the server ends it early so that Close is not
// held up; the work is then done at once.
func (s *Server) holdSlow(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.stop:
	case <-s.slowGate: // nil outside tests: never ready
	}
}

// SetFaults replaces the injected faults. Invalid values are clamped to the
// nearest valid value; an invalid SlowOnly is dropped (every request).
func (s *Server) SetFaults(f Faults) {
	f.Latency = min(max(f.Latency, 0), time.Minute)
	f.Slow = min(max(f.Slow, 0), time.Minute)
	f.FailRate = clampRate(f.FailRate)
	f.DropRate = clampRate(f.DropRate)
	f.SlowRate = clampRate(f.SlowRate)
	if _, _, err := parseEndpoint(f.SlowOnly); err != nil {
		f.SlowOnly = ""
	}
	f = f.normalized()
	s.faultMu.Lock()
	s.faults = f
	s.faultMu.Unlock()
}

func clampRate(v float64) float64 {
	if v != v { // NaN
		return 0
	}
	return min(max(v, 0), 1)
}

// CurrentFaults returns the faults in force.
func (s *Server) CurrentFaults() Faults {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	return s.faults
}

// roll reports whether an event of probability p happens.
func (s *Server) roll(p float64) bool {
	if p <= 0 {
		return false
	}
	if p >= 1 {
		return true
	}
	s.faultMu.Lock()
	v := float64(s.faultRng.Uint64()>>11) / (1 << 53)
	s.faultMu.Unlock()
	return v < p
}
