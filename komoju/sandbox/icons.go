package sandbox

import (
	"fmt"
	"html"
	"net/http"
	"strings"
)

// konbiniIcon serves GET /sandbox/icons/konbini/{slug}.svg, the icon a
// session's konbini brand entry points at (see konbiniIconPath). The icons
// are plain labelled tiles: the stores' logos are their trademarks.
func (s *Server) konbiniIcon(w http.ResponseWriter, r *http.Request) {
	slug, ok := strings.CutSuffix(r.PathValue("file"), ".svg")
	st, known := lookupStore(slug)
	if !ok || !known {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="48" viewBox="0 0 96 48" role="img" aria-label="%[1]s">`+
		`<rect width="96" height="48" rx="8" fill="#f4f5f7" stroke="#b8bfcc"/>`+
		`<text x="48" y="30" font-family="sans-serif" font-size="12" text-anchor="middle" fill="#1d2330">%[1]s</text></svg>`, html.EscapeString(st.NameEn))
}
