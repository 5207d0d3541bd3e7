package flows

import (
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// ReturnPath is where the return server listens.
const ReturnPath = "/return"

// ReturnHandler is the app's return_url: where KOMOJU sends the customer's
// browser after a 3DS page, a wallet, or the hosted session page.
//
//   - Method 1 (sessions): KOMOJU appends session_id and signs nothing, so
//     the handler trusts nothing in the URL: it calls Session: Show and
//     pushes the session's payment to the engine.
//
//   - Method 2 (direct payments): KOMOJU appends parameters (the sandbox:
//     payment_id and status) and an hmac over path+query, keyed with the
//     secret key (the seed's "Notes on return_url"). The hmac is verified
//     with komoju.VerifyReturnURL; a tampered or unsigned URL is refused
//     with 400 and a plain message. The payment is then fetched, never
//     read from the URL.
//
//   - 3-D Secure for a direct payment (secure tokens): KOMOJU appends
//     secure_token_id; the token's status is fetched, never read from the
//     URL, and the till pays once it is verified.
//
// Either way the customer sees a small "you can return to the counter"
// page.
type ReturnHandler struct {
	engine    *Engine
	secretKey string
	timeout   time.Duration
}

// ReturnHandler returns the engine's return-URL handler. secretKey is the
// merchant's secret key (the hmac key for direct payments).
func (e *Engine) ReturnHandler(secretKey string) *ReturnHandler {
	return &ReturnHandler{engine: e, secretKey: secretKey, timeout: 10 * time.Second}
}

// ServeHTTP handles one return.
func (h *ReturnHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		returnPage(w, http.StatusMethodNotAllowed, "Not allowed", "This address only answers GET requests.")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.timeout)
	defer cancel()
	e := h.engine
	q := r.URL.Query()
	var p *komoju.Payment
	switch {
	case q.Get("hmac") != "":
		params, err := komoju.VerifyReturnURL(r.URL, h.secretKey)
		if err != nil {
			e.log.LogAttrs(ctx, slog.LevelWarn, "return URL rejected", slog.String("error", err.Error()))
			returnPage(w, http.StatusBadRequest, "Link not accepted",
				"This return link was changed or did not come from KOMOJU, so it was ignored. Please return to the counter.")
			return
		}
		id := params.Get("payment_id")
		if id == "" {
			id = params.Get("id")
		}
		sid := params.Get("session_id")
		switch {
		case id != "":
			p, err = e.client.Payments.Get(ctx, id)
		case sid != "":
			p, err = h.sessionPayment(ctx, sid)
		default:
			returnPage(w, http.StatusBadRequest, "Link not understood", "This return link names no payment. Please return to the counter.")
			return
		}
		if err != nil {
			h.lookupFailed(w, ctx, err)
			return
		}
	case q.Get("session_id") != "":
		var err error
		p, err = h.sessionPayment(ctx, q.Get("session_id"))
		if err != nil {
			h.lookupFailed(w, ctx, err)
			return
		}
	case q.Get("secure_token_id") != "":
		// 3-D Secure for a direct payment: no payment exists yet (the till
		// follows the token and then pays with it). Nothing in the URL is
		// trusted: the token's status comes from KOMOJU.
		st, err := e.client.SecureTokens.Get(ctx, q.Get("secure_token_id"))
		if err != nil {
			h.lookupFailed(w, ctx, err)
			return
		}
		if st.VerificationStatus == komoju.SecureTokenErrored {
			returnPage(w, http.StatusOK, "Payment not completed",
				"3-D Secure was not completed. Please return to the counter. / 本人認証は完了していません。レジにお戻りください。")
			return
		}
	default:
		returnPage(w, http.StatusBadRequest, "Link not understood",
			"This return link has no session_id or signed payment. Please return to the counter.")
		return
	}
	if p != nil {
		e.Push(ctx, Push{Payment: p, Source: SourceReturnURL})
	}
	title, body := "Thank you", "You can return to the counter. / レジにお戻りください。"
	if p != nil {
		switch OutcomeFromPayment(p).Kind {
		case OutcomeCancelled, OutcomeFailed, OutcomeExpired:
			title = "Payment not completed"
			body = "The payment was not completed. Please return to the counter. / お支払いは完了していません。レジにお戻りください。"
		}
	}
	returnPage(w, http.StatusOK, title, body)
}

// sessionPayment calls Session: Show; a session without a payment yet
// (the customer cancelled on the payment page) is not an error.
func (h *ReturnHandler) sessionPayment(ctx context.Context, id string) (*komoju.Payment, error) {
	s, err := h.engine.client.Sessions.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.Payment, nil
}

func (h *ReturnHandler) lookupFailed(w http.ResponseWriter, ctx context.Context, err error) {
	h.engine.log.LogAttrs(ctx, slog.LevelWarn, "return URL lookup failed", slog.String("error", err.Error()))
	if komoju.IsNotFound(err) {
		returnPage(w, http.StatusNotFound, "Unknown payment", "KOMOJU does not know this payment. Please return to the counter.")
		return
	}
	returnPage(w, http.StatusBadGateway, "Please return to the counter",
		"We could not check the payment just now; the clerk will confirm it. / レジにお戻りください。")
}

// returnPage writes the tiny page the customer's browser shows.
func returnPage(w http.ResponseWriter, status int, title, body string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>%s</title></head>`+
		`<body style="font-family:sans-serif;text-align:center;margin-top:20vh"><h1>%s</h1><p>%s</p></body></html>`,
		html.EscapeString(title), html.EscapeString(title), html.EscapeString(body))
}

// ReturnServer serves a ReturnHandler on a local address, so the app can
// give KOMOJU a return_url.
type ReturnServer struct {
	ln  net.Listener
	srv *http.Server
	url string
}

// NewReturnServer listens on addr (default "127.0.0.1:0", loopback with a
// free port) and serves h at ReturnPath. Close it when done.
func NewReturnServer(addr string, h http.Handler) (*ReturnServer, error) {
	if h == nil {
		return nil, errors.New("flows: return server needs a handler")
	}
	s, err := ListenReturn(addr)
	if err != nil {
		return nil, err
	}
	s.Serve(h)
	return s, nil
}

// ListenReturn listens on addr (default "127.0.0.1:0") without serving
// yet: its URL is known before the engine whose handler it will serve is
// built (Deps.ReturnURL), so nothing is set after construction. Call Serve,
// then Close.
func ListenReturn(addr string) (*ReturnServer, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("flows: return server cannot listen on %s: %w", addr, err)
	}
	host := ln.Addr().String()
	if strings.HasPrefix(host, "[::]") || strings.HasPrefix(host, "0.0.0.0") {
		_, port, _ := net.SplitHostPort(host)
		host = net.JoinHostPort("127.0.0.1", port)
	}
	return &ReturnServer{ln: ln, url: (&url.URL{Scheme: "http", Host: host, Path: ReturnPath}).String()}, nil
}

// Serve starts serving h at ReturnPath; a second call does nothing.
func (s *ReturnServer) Serve(h http.Handler) {
	if s.srv != nil || h == nil {
		return
	}
	mux := http.NewServeMux()
	mux.Handle(ReturnPath, h)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	srv, ln := s.srv, s.ln
	go func() { _ = srv.Serve(ln) }()
}

// URL is the return_url to give KOMOJU, e.g. http://127.0.0.1:53211/return.
func (s *ReturnServer) URL() string { return s.url }

// Close stops the server.
func (s *ReturnServer) Close() error {
	if s.srv == nil {
		return s.ln.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}
