package sandbox

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

var successCardBody = []byte(`{"amount":1000,"currency":"JPY","tax":0,"payment_details":{"type":"credit_card","number":"4111111111111111","month":12,"year":2030,"verification_value":"123"}}`)

// loadClient is a keep-alive HTTP client for n concurrent callers.
func loadClient(n int) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		MaxIdleConns: n, MaxIdleConnsPerHost: n, MaxConnsPerHost: n, IdleConnTimeout: time.Minute, DisableCompression: true,
	}}
}

func postPayment(hc *http.Client, url, key string, idem ...string) error {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(successCardBody))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if len(idem) > 0 {
		req.Header.Set("X-KOMOJU-IDEMPOTENCY", idem[0])
	}
	req.SetBasicAuth(key, "")
	res, err := hc.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		return fmt.Errorf("status %d", res.StatusCode)
	}
	return nil
}

// rawConn is a minimal keep-alive HTTP/1.1 client, as load tools like wrk
// use: it writes a prebuilt request and reads the answer, so the load
// generator (which shares the machine's cores) costs little.
type rawConn struct {
	c   net.Conn
	br  *bufio.Reader
	req []byte
}

func dialRaw(sb *Server) (*rawConn, error) {
	u, _ := url.Parse(sb.URL())
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		return nil, err
	}
	req := fmt.Sprintf("POST /api/v1/payments HTTP/1.1\r\nHost: %s\r\nAuthorization: Basic %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		u.Host, base64.StdEncoding.EncodeToString([]byte(sb.SecretKey()+":")), len(successCardBody), successCardBody)
	return &rawConn{c: c, br: bufio.NewReaderSize(c, 8192), req: []byte(req)}, nil
}

func (r *rawConn) post() error {
	if _, err := r.c.Write(r.req); err != nil {
		return err
	}
	res, err := http.ReadResponse(r.br, nil)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		return fmt.Errorf("status %d", res.StatusCode)
	}
	return nil
}

// runLoad sends b.N requests from `clients` concurrent callers and reports
// requests/s and latency percentiles.
func runLoad(b *testing.B, clients int, newCaller func() (func() error, error)) {
	var next atomic.Int64
	lats := make([][]time.Duration, clients)
	callers := make([]func() error, clients)
	for i := range callers {
		f, err := newCaller()
		if err != nil {
			b.Fatal(err)
		}
		callers[i] = f
	}
	var failed atomic.Int64
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	start := time.Now()
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			local := make([]time.Duration, 0, b.N/clients+1)
			for next.Add(1) <= int64(b.N) {
				t0 := time.Now()
				if err := callers[w](); err != nil {
					failed.Add(1)
					return
				}
				local = append(local, time.Since(t0))
			}
			lats[w] = local
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := cpuTime() - cpu0
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d requests failed", n)
	}
	// CPU time per request (server and load generator together) does not
	// depend on what else runs on the machine: 2 cores / cpu-µs is the rate
	// this process could reach on two idle cores.
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/op")
	var lat []time.Duration
	for _, l := range lats {
		lat = append(lat, l...)
	}
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "req/s")
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
}

// BenchmarkCreatePaymentParallel measures POST /payments with a success
// card over real TCP with 32 keep-alive connections driven by a wrk-style
// raw HTTP/1.1 client. It reports requests/s and p50/p99 latency.
//
//	go test -run '^$' -bench CreatePaymentParallel -benchtime 100000x ./komoju/sandbox/
func BenchmarkCreatePaymentParallel(b *testing.B) {
	sb := startSandbox(b, Options{Clock: NewClock(time.Time{})})
	runLoad(b, 32, func() (func() error, error) {
		rc, err := dialRaw(sb)
		if err != nil {
			return nil, err
		}
		b.Cleanup(func() { rc.c.Close() })
		return rc.post, nil
	})
}

// BenchmarkCreatePaymentNetHTTP is the same load through net/http's client
// (heavier on the shared cores, so it shows a lower rate).
func BenchmarkCreatePaymentNetHTTP(b *testing.B) {
	sb := startSandbox(b, Options{Clock: NewClock(time.Time{})})
	hc := loadClient(32)
	u, key := sb.URL()+"/payments", sb.SecretKey()
	runLoad(b, 32, func() (func() error, error) {
		return func() error { return postPayment(hc, u, key) }, nil
	})
}

// BenchmarkCreatePaymentHandler measures the handler alone (no network).
func BenchmarkCreatePaymentHandler(b *testing.B) {
	sb := startSandbox(b, Options{Clock: NewClock(time.Time{})})
	h := sb.Handler()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodPost, "/api/v1/payments", bytes.NewReader(successCardBody))
			req.Header.Set("Content-Type", "application/json")
			req.SetBasicAuth(sb.SecretKey(), "")
			rec := &recorder{header: http.Header{}}
			h.ServeHTTP(rec, req)
			if rec.status != 200 {
				b.Fatalf("status %d: %s", rec.status, rec.body.String())
			}
		}
	})
}

// TestLoad100kPayments creates 100,000 payments with 32 keep-alive clients,
// each with its own idempotency key, and reports throughput, p99 and the
// process RSS. It is a load run, not a
// unit test, so it only runs with SANDBOX_LOAD=1:
//
//	SANDBOX_LOAD=1 go test -run TestLoad100kPayments -v ./komoju/sandbox/
func TestLoad100kPayments(t *testing.T) {
	if os.Getenv("SANDBOX_LOAD") != "1" {
		t.Skip("load run: set SANDBOX_LOAD=1 (numbers are recorded in docs/PERFORMANCE.md)")
	}
	const total, clients = 100000, 32
	sb := startSandbox(t, Options{Clock: NewClock(time.Time{})})
	hc := loadClient(clients)
	url, key := sb.URL()+"/payments", sb.SecretKey()
	var next atomic.Int64
	lats := make([][]time.Duration, clients)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for n := next.Add(1); n <= total; n = next.Add(1) {
				t0 := time.Now()
				// A fresh idempotency key per request, as the komoju client
				// sends: the sandbox remembers every answer for 24 hours.
				if err := postPayment(hc, url, key, "load-"+strconv.FormatInt(n, 10)); err != nil {
					t.Error(err)
					return
				}
				lats[w] = append(lats[w], time.Since(t0))
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	for _, l := range lats {
		all = append(all, l...)
	}
	slices.Sort(all)
	runtime.GC()
	rss := readRSS()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("%d payments in %s: %.0f req/s, p50 %s, p99 %s, RSS %d MB (heap in use %d MB)",
		len(all), elapsed.Round(time.Millisecond), float64(len(all))/elapsed.Seconds(), all[len(all)/2], all[len(all)*99/100], rss>>20, ms.HeapInuse>>20)
	c := newRaw(t, sb)
	if l := must(t, c.getr("/payments?per_page=1"), 200); l.num("total") != total {
		t.Errorf("total payments %d", l.num("total"))
	}
	if rss > 300<<20 {
		t.Errorf("RSS %d MB exceeds 300 MB", rss>>20)
	}
}

// readRSS returns the resident set size of this process (Linux).
func readRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// cpuTime is the user+system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkParseJSONBodies decodes the bodies the load tool sends (POST
// /payments, Session: Create, Session: Pay). Parameter names, enumeration
// values, test cards and small integers come from read-only tables, so what
// is left is the objects themselves and the free text (order numbers, URLs,
// names).
func BenchmarkParseJSONBodies(b *testing.B) {
	for _, c := range []struct {
		name string
		body []byte
	}{
		{"payment", loadCardBody},
		{"session", loadSessionBody("m1-12345")},
		{"pay", loadPayBody},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := parseJSON(c.body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
