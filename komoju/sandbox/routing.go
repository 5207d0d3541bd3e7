package sandbox

import (
	"net/http"
	"path"
	"strings"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// front keeps every answer in KOMOJU's shape. net/http's ServeMux answers
// paths that are not canonical ("//", "/./", "/../", "/api/v1" without its
// slash) with a redirect and unknown paths with a plain-text 404; a client
// that follows the redirect may resend a payment to another path, and one
// that parses the answer finds no error envelope. So a request whose path is
// not canonical, or that no route takes, gets the JSON error envelope
// (not_found) instead; only a browser asking for a page (GET or HEAD,
// Accept: text/html, no Authorization) gets the HTML message page.
func (s *Server) front(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if !canonicalPath(p) || p == "/api/v1" || p == "/api" || p == "/sandbox" {
			s.noRoute(w, r)
			return
		}
		if strings.HasPrefix(p, MountPrefix) {
			if h := s.mounted.get(p); h != nil {
				h.ServeHTTP(w, r)
				return
			}
		}
		mux.ServeHTTP(w, r)
	})
}

// canonicalPath reports whether ServeMux would take p as it is: absolute,
// no empty, "." or ".." segment.
func canonicalPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	clean := path.Clean(p)
	if strings.HasSuffix(p, "/") && clean != "/" {
		clean += "/"
	}
	return clean == p
}

// noRoute answers a request no endpoint takes.
func (s *Server) noRoute(w http.ResponseWriter, r *http.Request) {
	e := newErr(komoju.CodeNotFound, "", "No endpoint %s %s", truncate(r.Method, 16), truncate(r.URL.Path, 100))
	if wantsPage(r) && !strings.HasPrefix(r.URL.Path, "/api/") {
		s.errorPage(w, e)
		return
	}
	writeResp(w, fail(e))
}

// wantsPage reports a browser navigating to a page.
func wantsPage(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
		r.Header.Get("Authorization") == "" && strings.Contains(r.Header.Get("Accept"), "text/html")
}
