package sandbox

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// The hosted pages: what KOMOJU shows the customer's browser. Plain HTML
// forms, no JavaScript, readable on a phone, labelled SANDBOX. They need no
// API key: they are the customer's side.

//go:embed templates/*.html
var templateFS embed.FS

// pageTemplates parses the page templates on first use rather than in
// package init, so commands that never serve a page (every headless
// komoju-tui command links this package) do not pay about 0.6 ms at start.
// The templates are embedded, so a parse error is a build defect: Must.
var pageTemplates = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("").Funcs(template.FuncMap{
		"money": komoju.FormatAmount,
		"jst": func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return t.In(jst).Format("2006-01-02 15:04:05 JST")
		},
		"deref": func(s *string) string {
			if s == nil {
				return ""
			}
			return *s
		},
		"methodName": func(t komoju.PaymentType) string {
			if m, ok := lookupMethod(t); ok {
				return m.nameEn
			}
			return string(t)
		},
		"storeName": func(slug string) string {
			if st, ok := lookupStore(slug); ok {
				return st.NameEn
			}
			return slug
		},
		"stores":  func() []storeInfo { return konbiniStores },
		"offsite": func(t komoju.PaymentType) bool { return t.IsOffsite() },
	}).ParseFS(templateFS, "templates/*.html"))
})

// pageData is what every page template receives.
type pageData struct {
	Title    string
	Error    string
	Session  *komoju.Session
	Payment  *komoju.Payment
	Types    []komoju.PaymentType
	Payable  bool
	Email    string
	TDS      tdsKind
	Return   string
	Form     url.Values
	Base     string
	Message  string
	HTTPCode int
	// SecureToken is set on the secure token authentication page.
	SecureToken *secureTokenPage
}

// StoreSlug is the konbini store of the page's payment, or "".
func (d pageData) StoreSlug() string {
	if d.Payment != nil && d.Payment.PaymentDetails != nil && d.Payment.PaymentDetails.Konbini != nil {
		return d.Payment.PaymentDetails.Konbini.Store
	}
	return ""
}

// IsSevenEleven: the 7-Eleven receipt number is deprecated and not shown.
func (d pageData) IsSevenEleven() bool { return d.StoreSlug() == komoju.StoreSevenEleven }

// AuthFails reports a 3DS card whose authentication always fails.
func (d pageData) AuthFails() bool { return d.TDS == tdsAuthFail }

func (s *Server) render(w http.ResponseWriter, name string, status int, d pageData) {
	d.Base = s.base
	var buf bytes.Buffer
	if err := pageTemplates().ExecuteTemplate(&buf, name, d); err != nil {
		s.log.Error("sandbox: render page", "page", name, "err", err)
		http.Error(w, "SANDBOX: could not render the page", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action *; frame-ancestors 'self'")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (s *Server) errorPage(w http.ResponseWriter, e *apiError) {
	s.render(w, "message.html", e.status, pageData{Title: "Cannot continue", Error: e.message, HTTPCode: e.status})
}

func (s *Server) pageRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", s.pageIndex)
	mux.HandleFunc("GET /sessions/{id}", s.pageSession)
	mux.HandleFunc("POST /sessions/{id}", s.pageSessionPay)
	mux.HandleFunc("GET /sandbox/3ds/{id}", s.page3DS)
	mux.HandleFunc("GET /sandbox/wallet/{id}", s.pageWallet)
	mux.HandleFunc("GET /sandbox/instructions/{id}", s.pageInstructions)
	mux.HandleFunc("GET /sandbox/result/{id}", s.pageResult)
	mux.HandleFunc("GET /sandbox/secure_tokens/{id}", s.pageSecureToken)
	mux.HandleFunc("POST /sandbox/secure_tokens/{id}/authenticate", s.pageSecureTokenAuth)
	mux.HandleFunc("GET /sandbox/icons/konbini/{file}", s.konbiniIcon)
	mux.HandleFunc("POST /sandbox/payments/{id}/3ds", s.actionHandler(func(r *http.Request, id string, now time.Time) (*payRec, *apiError) {
		return s.threeDS(id, strings.TrimSpace(r.PostFormValue("code")), r.PostFormValue("action") == "cancel", now)
	}))
	mux.HandleFunc("POST /sandbox/payments/{id}/approve", s.actionHandler(func(_ *http.Request, id string, now time.Time) (*payRec, *apiError) {
		return s.walletAction(id, true, now)
	}))
	mux.HandleFunc("POST /sandbox/payments/{id}/decline", s.actionHandler(func(_ *http.Request, id string, now time.Time) (*payRec, *apiError) {
		return s.walletAction(id, false, now)
	}))
	mux.HandleFunc("POST /sandbox/payments/{id}/pay_at_store", s.actionHandler(func(_ *http.Request, id string, now time.Time) (*payRec, *apiError) {
		return s.payAtStore(id, now)
	}))
}

// actionHandler serves a customer action two ways. With an Authorization
// header (tests, scripts) it requires the secret key and answers the payment
// as JSON. Without one it is the customer's browser: it answers with a 303
// redirect to the return URL (or the result page).
func (s *Server) actionHandler(act func(*http.Request, string, time.Time) (*payRec, *apiError)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		api := r.Header.Get("Authorization") != ""
		if api {
			if _, err := s.authenticate(r, secretOnly); err != nil {
				writeResp(w, fail(err))
				return
			}
		}
		if err := r.ParseForm(); err != nil {
			if api {
				writeResp(w, fail(errBadRequest("The form body is malformed")))
			} else {
				s.errorPage(w, errBadRequest("The form body is malformed"))
			}
			return
		}
		id := r.PathValue("id")
		p, err := act(r, id, s.clock.Now())
		if api {
			if err != nil {
				writeResp(w, fail(err))
				return
			}
			s.mu.Lock()
			snap := p.snap()
			s.mu.Unlock()
			writeResp(w, okJSON(snap))
			return
		}
		if err != nil {
			if err.code == komoju.CodeInvalidParameter && p != nil { // wrong 3DS code: ask again
				s.render3DS(w, p, err.message, err.status)
				return
			}
			s.errorPage(w, err)
			return
		}
		s.mu.Lock()
		target := s.returnTarget(p)
		s.mu.Unlock()
		if target == "" {
			target = s.base + "/sandbox/result/" + p.snap().ID
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
	}
}

func (s *Server) pageIndex(w http.ResponseWriter, r *http.Request) {
	s.render(w, "message.html", http.StatusOK, pageData{Title: "KOMOJU sandbox",
		Message: "This is the komoju-tui KOMOJU sandbox. The API is at " + s.URL() + "; hosted pages appear here as payments need them."})
}

// sessionPage gathers the session page data under the lock.
func (s *Server) sessionPage(id string) (pageData, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, err := s.findSession(id)
	if err != nil {
		return pageData{}, err
	}
	d := pageData{Title: "Pay " + komoju.FormatAmount(ss.view.Amount, ss.view.Currency), Session: s.sessionView(ss), Types: pageOrder(ss.types), Email: ss.email}
	if e := ss.payable(); e == nil {
		d.Payable = true
	} else {
		d.Message = e.message
		if ss.latest != nil && ss.latest.snap().Status == komoju.PaymentPending {
			d.Return = ss.latest.snap().PaymentDetails.RedirectURL()
		} else if ss.view.Status == komoju.SessionCompleted && ss.returnURL != "" {
			d.Return = s.returnTarget(ss.latest)
		}
	}
	if ss.latest != nil && ss.latest.snap().Status == komoju.PaymentFailed && d.Payable {
		d.Error = "The last payment attempt failed. Please try again."
	}
	return d, nil
}

func (s *Server) pageSession(w http.ResponseWriter, r *http.Request) {
	d, err := s.sessionPage(r.PathValue("id"))
	if err != nil {
		s.errorPage(w, err)
		return
	}
	s.render(w, "session.html", http.StatusOK, d)
}

// pageSessionPay handles the session page's forms: the same fields as the
// API's form encoding (payment_details[type]=konbini ...).
func (s *Server) pageSessionPay(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	id := r.PathValue("id")
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, errBadRequest("The form body is malformed"))
		return
	}
	p, perr := parseForm(r.PostForm)
	var res *payResult
	if perr == nil {
		res, perr = s.payCore(id, p, s.clock.Now())
	}
	if perr != nil {
		d, err := s.sessionPage(id)
		if err != nil {
			s.errorPage(w, err)
			return
		}
		d.Error = perr.message
		d.Form = r.PostForm
		d.Form.Del("payment_details[number]") // never echo card secrets
		d.Form.Del("payment_details[verification_value]")
		s.render(w, "session.html", perr.status, d)
		return
	}
	target := s.base + "/sessions/" + id
	if res.RedirectURL != nil {
		target = *res.RedirectURL
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

func (s *Server) paymentFor(w http.ResponseWriter, r *http.Request) (*payRec, *komoju.Payment, bool) {
	s.mu.Lock()
	p, err := s.findPayment(r.PathValue("id"))
	var snap *komoju.Payment
	if err == nil {
		snap = p.snap()
	}
	s.mu.Unlock()
	if err != nil {
		s.errorPage(w, err)
		return nil, nil, false
	}
	return p, snap, true
}

func (s *Server) page3DS(w http.ResponseWriter, r *http.Request) {
	p, _, ok := s.paymentFor(w, r)
	if !ok {
		return
	}
	s.render3DS(w, p, "", http.StatusOK)
}

func (s *Server) render3DS(w http.ResponseWriter, p *payRec, msg string, status int) {
	s.mu.Lock()
	d := pageData{Title: "3D Secure", Payment: p.snap(), TDS: p.tds, Error: msg}
	if p.snap().Status != komoju.PaymentPending || p.tds == tdsNone {
		d.Message = "This payment has no authentication waiting (status: " + string(p.snap().Status) + ")."
		d.Return = s.returnTarget(p)
	}
	s.mu.Unlock()
	s.render(w, "3ds.html", status, d)
}

func (s *Server) pageWallet(w http.ResponseWriter, r *http.Request) {
	p, snap, ok := s.paymentFor(w, r)
	if !ok {
		return
	}
	d := pageData{Title: "Pay with " + string(snap.Type()), Payment: snap}
	if !p.typ.IsOffsite() || snap.Status != komoju.PaymentPending {
		d.Message = "This payment is not waiting for wallet approval (status: " + string(snap.Status) + ")."
		s.mu.Lock()
		d.Return = s.returnTarget(p)
		s.mu.Unlock()
	}
	s.render(w, "wallet.html", http.StatusOK, d)
}

func (s *Server) pageInstructions(w http.ResponseWriter, r *http.Request) {
	p, snap, ok := s.paymentFor(w, r)
	if !ok {
		return
	}
	if !p.typ.IsAsync() {
		s.errorPage(w, newErr(komoju.CodeNotFound, "", "Payment %s is not a konbini, bank transfer or Pay-easy payment", snap.ID))
		return
	}
	d := pageData{Title: "Payment instructions", Payment: snap}
	if ss := p.session; ss != nil {
		s.mu.Lock()
		d.Return = s.returnTarget(p)
		s.mu.Unlock()
	}
	s.render(w, "instructions.html", http.StatusOK, d)
}

func (s *Server) pageResult(w http.ResponseWriter, r *http.Request) {
	_, snap, ok := s.paymentFor(w, r)
	if !ok {
		return
	}
	s.render(w, "result.html", http.StatusOK, pageData{Title: "Payment " + string(snap.Status), Payment: snap})
}

// pageOrder puts the quick methods first on a phone: card, konbini, the
// one-tap wallets, then the long bank forms. (The API keeps its own order.)
func pageOrder(types []komoju.PaymentType) []komoju.PaymentType {
	rank := func(t komoju.PaymentType) int {
		switch {
		case t == komoju.TypeCreditCard:
			return 0
		case t == komoju.TypeKonbini:
			return 1
		case t.IsOffsite():
			return 2
		}
		return 3
	}
	out := append([]komoju.PaymentType(nil), types...)
	slices.SortStableFunc(out, func(a, b komoju.PaymentType) int { return rank(a) - rank(b) })
	return out
}
