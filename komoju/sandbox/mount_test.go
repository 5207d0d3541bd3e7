package sandbox

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// Mount serves a page of the embedding program on the sandbox's own
// listener at its public URL, only at that path and only until it is
// taken down; a path outside /app/, or one already taken, is refused.
func TestMount(t *testing.T) {
	sb := startSandbox(t, Options{})
	u, unmount, err := sb.Mount("/app/return-1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "till page "+r.URL.Query().Get("session_id"))
	}))
	if err != nil || u != sb.BaseURL()+"/app/return-1" {
		t.Fatalf("Mount: %q, %v", u, err)
	}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(sb.BaseURL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/app/return-1?session_id=ses_1"); code != 200 || body != "till page ses_1" {
		t.Errorf("mounted page: %d %q", code, body)
	}
	if code, _ := get("/app/return-1/x"); code != 404 {
		t.Errorf("below the mounted path: %d", code)
	}
	for _, bad := range []string{"/return", "/app/", "/app/../sandbox/x", "/api/v1/payments"} {
		if _, _, err := sb.Mount(bad, http.NotFoundHandler()); err == nil {
			t.Errorf("Mount(%q) accepted", bad)
		}
	}
	if _, _, err := sb.Mount("/app/return-1", http.NotFoundHandler()); err == nil || !strings.Contains(err.Error(), "already") {
		t.Errorf("a second Mount of the same path: %v", err)
	}
	unmount()
	if code, _ := get("/app/return-1?session_id=ses_1"); code != 404 {
		t.Errorf("after unmount: %d", code)
	}
}
