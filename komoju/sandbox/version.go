package sandbox

import (
	"net/http"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// failedStatusVersion is the first X-KOMOJU-API-VERSION whose answers show
// a declined payment as "failed". KOMOJU announced in 2024 that older API
// versions keep showing such payments as "pending". Sandbox choice (the
// exact cut-off is assumed): 2024-07-15, the oldest version KOMOJU's own
// code pins (komoju/komoju-mobile-sdk sends it). A request without the
// header gets the current behaviour, as an account on the latest version.
const failedStatusVersion = "2024-07-15"

// legacyFailedStatus reports a request whose API version predates the
// failed status.
func legacyFailedStatus(r *http.Request) bool {
	v := r.Header.Get(hdrAPIVersion)
	return validVersion(v) && v < failedStatusVersion
}

// validVersion accepts a YYYY-MM-DD date.
func validVersion(v string) bool {
	if len(v) != 10 || v[4] != '-' || v[7] != '-' {
		return false
	}
	for i := 0; i < len(v); i++ {
		if i != 4 && i != 7 && (v[i] < '0' || v[i] > '9') {
			return false
		}
	}
	return true
}

// asLegacy rewrites an answer for an API version before the failed status:
// every failed payment in it reads "pending". Answers without a failed
// payment are returned as they are. Events keep "failed" in their data: an
// event records what happened (and webhooks are not sent per request
// version).
func asLegacy(resp apiResp) apiResp {
	legacy := func(p *komoju.Payment) (*komoju.Payment, bool) {
		if p == nil || p.Status != komoju.PaymentFailed {
			return p, false
		}
		cp := *p
		cp.Status = komoju.PaymentPending
		return &cp, true
	}
	var v any
	switch x := resp.v.(type) {
	case *komoju.Payment:
		if p, ok := legacy(x); ok {
			v = p
		}
	case komoju.List[*komoju.Payment]:
		var data []*komoju.Payment
		for i, p := range x.Data {
			if lp, ok := legacy(p); ok {
				if data == nil {
					data = append([]*komoju.Payment(nil), x.Data...)
				}
				data[i] = lp
			}
		}
		if data != nil {
			x.Data = data
			v = x
		}
	case *komoju.Session:
		if p, ok := legacy(x.Payment); ok {
			cp := *x
			cp.Payment = p
			v = &cp
		}
	case *payResult:
		if p, ok := legacy(x.Payment); ok {
			cp := *x
			cp.Payment = p
			v = &cp
		}
	}
	if v == nil {
		return resp
	}
	out := okJSON(v)
	out.status = resp.status
	return out
}
