package proof

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

// recorded is one HTTP request the binary made, and the id its answer
// carried.
type recorded struct {
	method, path, ctype string
	body                []byte
	respID              string
}

// recorder is a pass-through proxy that records requests.
type recorder struct {
	target string
	mu     sync.Mutex
	reqs   []recorded
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	out, _ := http.NewRequestWithContext(r.Context(), r.Method, rc.target+r.URL.RequestURI(), bytes.NewReader(body))
	out.Header = r.Header.Clone()
	res, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	rb, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var id struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(rb, &id)
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, recorded{method: r.Method, path: r.URL.RequestURI(), ctype: r.Header.Get("Content-Type"), body: body, respID: id.ID})
	rc.mu.Unlock()
	for k, v := range res.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(res.StatusCode)
	_, _ = w.Write(rb)
}

// orderNumRE matches generated order numbers, replaced per replay so
// each curl sale is a new one.
var orderNumRE = regexp.MustCompile(`POS-[0-9]{8}-[0-9]{4}`)

// curlSale replays the recorded requests with curl, one process per
// request as a shell script would, mapping the recorded answers' ids to
// this run's (the session id in the pay URL) and using a fresh order
// number.
func curlSale(ctx context.Context, base, key string, reqs []recorded, seq int) error {
	ids := map[string]string{}
	order := fmt.Sprintf("CRL-%08d-%04d", seq/10000, seq%10000)
	for _, r := range reqs {
		path, body := r.path, string(r.body)
		for old, nw := range ids {
			path, body = strings.ReplaceAll(path, old, nw), strings.ReplaceAll(body, old, nw)
		}
		body = orderNumRE.ReplaceAllString(body, order)
		args := []string{"-sS", "--fail-with-body", "-u", key + ":", "-X", r.method, "-H", "X-KOMOJU-IDEMPOTENCY: " + komoju.NewIdempotencyKey()}
		if len(r.body) > 0 {
			args = append(args, "-H", "Content-Type: "+r.ctype, "--data-binary", body)
		}
		args = append(args, base+path)
		out, err := exec.CommandContext(ctx, "curl", args...).Output()
		if err != nil {
			return fmt.Errorf("curl %s %s: %v: %s", r.method, path, err, out)
		}
		var id struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(out, &id)
		if r.respID != "" && id.ID != "" {
			ids[r.respID] = id.ID
		}
	}
	return nil
}

// BenchmarkHeadlessSale measures a whole headless card sale — the
// `komoju-tui pay` process from start to exit, against an already-running
// sandbox, journal included — against curl making the same HTTP requests
// (recorded from the binary's own run, one curl process per request), in
// the same run and interleaved. It reports both and the ratio (target ≤ 2).
//
//	go test -run '^$' -bench HeadlessSale -benchtime 40x ./flows/proof/
func BenchmarkHeadlessSale(b *testing.B) {
	if _, err := exec.LookPath("curl"); err != nil {
		b.Fatal("curl is not installed: run scripts/test.sh (it installs what the tests need) or apt-get install curl")
	}
	for _, flow := range []string{"direct", "session"} {
		b.Run(flow, func(b *testing.B) {
			sb := startSandbox(b, sandbox.Options{})
			bin := binary(b)
			jpath := filepath.Join(b.TempDir(), "journal.db")
			rec := &recorder{target: sb.BaseURL()}
			px := httptest.NewServer(rec)
			defer px.Close()
			sale := func(api string) []string {
				return []string{"pay", "--amount", "1000", "--method", "credit_card", "--card", "4111111111111111", "--exp", cardExpiry,
					"--cvc", "123", "--flow", flow, "--journal", jpath}
			}
			envFor := func(api string) []string {
				return baseEnv(b, []string{"KOMOJU_SECRET_KEY=" + sb.SecretKey(), "KOMOJU_API_URL=" + api})
			}
			// Record what one sale sends.
			cmd := exec.Command(bin, sale(px.URL+"/api/v1")...)
			cmd.Env = envFor(px.URL + "/api/v1")
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("recording run: %v\n%s", err, out)
			}
			var seq []string
			for _, r := range rec.reqs {
				seq = append(seq, r.method+" "+orderNumRE.ReplaceAllString(r.path, "…"))
			}
			b.Logf("komoju-tui pay --flow %s sends %d requests: %s", flow, len(rec.reqs), strings.Join(seq, ", "))
			env := envFor(sb.URL())
			ctx := context.Background()
			var tuiTotal, curlTotal time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				cmd := exec.CommandContext(ctx, bin, sale(sb.URL())...)
				cmd.Env = env
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("komoju-tui pay: %v\n%s", err, out)
				}
				tuiTotal += time.Since(t0)
				t0 = time.Now()
				if err := curlSale(ctx, sb.BaseURL(), sb.SecretKey(), rec.reqs, i); err != nil {
					b.Fatal(err)
				}
				curlTotal += time.Since(t0)
			}
			b.StopTimer()
			tui := float64(tuiTotal.Microseconds()) / 1000 / float64(b.N)
			crl := float64(curlTotal.Microseconds()) / 1000 / float64(b.N)
			b.ReportMetric(tui, "komoju-tui-ms/sale")
			b.ReportMetric(crl, "curl-ms/sale")
			b.ReportMetric(tui/crl, "ratio")
		})
	}
}
