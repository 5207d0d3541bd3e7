package sandbox

// Reference benchmarks for docs/PERFORMANCE.md (issue 7): the sandbox
// against the ceiling of Go's HTTP stack on the same machine, measured in
// the same run with the same load generator, so the ratio holds whatever
// else the shared cores are doing.

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// refStats is one load phase's result.
type refStats struct {
	n        int
	elapsed  time.Duration
	cpu      time.Duration // user+system CPU of the process (server and load generator)
	lat      []time.Duration
	failures int64
}

func (s *refStats) add(o refStats) {
	s.n += o.n
	s.elapsed += o.elapsed
	s.cpu += o.cpu
	s.lat = append(s.lat, o.lat...)
	s.failures += o.failures
}

func (s *refStats) rps() float64 { return float64(s.n) / s.elapsed.Seconds() }

func (s *refStats) pct(p int) float64 {
	slices.Sort(s.lat)
	if len(s.lat) == 0 {
		return 0
	}
	return float64(s.lat[len(s.lat)*p/100].Microseconds()) / 1000
}

func (s *refStats) cpuPerReq() float64 { return float64(s.cpu.Microseconds()) / float64(s.n) }

func refCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// refLoad sends n requests over `clients` keep-alive TCP connections to
// host, wrk-style: request i is the prebuilt bytes req(i), the answer is
// read with http.ReadResponse and must be 200.
func refLoad(host string, clients, n int, req func(i int) []byte) (refStats, error) {
	conns := make([]net.Conn, clients)
	for i := range conns {
		c, err := net.Dial("tcp", host)
		if err != nil {
			return refStats{}, err
		}
		defer c.Close()
		conns[i] = c
	}
	var next atomic.Int64
	var failed atomic.Int64
	lats := make([][]time.Duration, clients)
	var wg sync.WaitGroup
	cpu0, start := refCPU(), time.Now()
	for w := range conns {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			br := bufio.NewReaderSize(conns[w], 16<<10)
			local := make([]time.Duration, 0, n/clients+1)
			for {
				i := int(next.Add(1))
				if i > n {
					break
				}
				t0 := time.Now()
				if _, err := conns[w].Write(req(i)); err != nil {
					failed.Add(1)
					break
				}
				res, err := http.ReadResponse(br, nil)
				if err != nil {
					failed.Add(1)
					break
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					failed.Add(1)
					break
				}
				local = append(local, time.Since(t0))
			}
			lats[w] = local
		}(w)
	}
	wg.Wait()
	st := refStats{elapsed: time.Since(start), cpu: refCPU() - cpu0, failures: failed.Load()}
	for _, l := range lats {
		st.lat = append(st.lat, l...)
	}
	st.n = len(st.lat)
	if st.failures > 0 {
		return st, fmt.Errorf("%d connections failed", st.failures)
	}
	return st, nil
}

// refCeiling is the reference: a minimal net/http server that drains the
// body and answers a fixed JSON payment, on loopback.
func refCeiling(b *testing.B, body []byte) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})}
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

// refRaw builds a raw HTTP/1.1 keep-alive request.
func refRaw(method, host, path, key string, body []byte) []byte {
	s := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Basic %s\r\n", method, path, host, base64.StdEncoding.EncodeToString([]byte(key+":")))
	if body != nil {
		s += fmt.Sprintf("Content-Type: application/json\r\nContent-Length: %d\r\n", len(body))
	}
	return append([]byte(s+"\r\n"), body...)
}

// refFetch makes one request with net/http and returns the body.
func refFetch(b *testing.B, method, u, key string, body []byte) []byte {
	req, _ := http.NewRequest(method, u, nil)
	if body != nil {
		req, _ = http.NewRequest(method, u, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	req.SetBasicAuth(key, "")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		b.Fatalf("%s %s: %d %s", method, u, res.StatusCode, out)
	}
	return out
}

// refCompare runs b.N requests against the sandbox and b.N against the
// ceiling, interleaved in four rounds each so both see the same machine,
// and reports both and their ratios.
func refCompare(b *testing.B, sbHost string, sbReq func(int) []byte, ceilHost string, ceilReq func(int) []byte) {
	const clients, rounds = 32, 4
	var sbs, ceil refStats
	b.ReportAllocs()
	b.ResetTimer()
	for r := 0; r < rounds; r++ {
		n := b.N / rounds
		if r == rounds-1 {
			n = b.N - n*(rounds-1)
		}
		if n == 0 {
			continue
		}
		s, err := refLoad(sbHost, clients, n, sbReq)
		if err != nil {
			b.Fatalf("sandbox: %v", err)
		}
		sbs.add(s)
		c, err := refLoad(ceilHost, clients, n, ceilReq)
		if err != nil {
			b.Fatalf("ceiling: %v", err)
		}
		ceil.add(c)
	}
	b.StopTimer()
	b.ReportMetric(sbs.rps(), "sandbox-req/s")
	b.ReportMetric(sbs.pct(50), "sandbox-p50-ms")
	b.ReportMetric(sbs.pct(99), "sandbox-p99-ms")
	b.ReportMetric(sbs.cpuPerReq(), "sandbox-cpu-µs/req")
	b.ReportMetric(ceil.rps(), "ceiling-req/s")
	b.ReportMetric(ceil.pct(50), "ceiling-p50-ms")
	b.ReportMetric(ceil.pct(99), "ceiling-p99-ms")
	b.ReportMetric(ceil.cpuPerReq(), "ceiling-cpu-µs/req")
	b.ReportMetric(100*sbs.rps()/ceil.rps(), "ratio-%")
	b.ReportMetric(100*ceil.cpuPerReq()/sbs.cpuPerReq(), "cpu-ratio-%")
}

// refSuccessCard is POST /payments with a success card, captured at once.
var refSuccessCard = []byte(`{"amount":1000,"currency":"JPY","tax":0,"payment_details":{"type":"credit_card","number":"4111111111111111","month":12,"year":2030,"verification_value":"123"}}`)

// BenchmarkRefPostPayment compares POST /api/v1/payments (card, captured)
// on the sandbox with a minimal net/http handler answering the same bytes
// a sandbox payment has, 32 keep-alive clients each:
//
//	go test -run '^$' -bench RefPostPayment -benchtime 40000x ./komoju/sandbox/
func BenchmarkRefPostPayment(b *testing.B) {
	sb, err := New(Options{Clock: NewClock(time.Time{})})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = sb.Close() })
	u, _ := url.Parse(sb.URL())
	sample := refFetch(b, http.MethodPost, sb.URL()+"/payments", sb.SecretKey(), refSuccessCard)
	ceil := refCeiling(b, sample)
	sbReq := refRaw(http.MethodPost, u.Host, "/api/v1/payments", sb.SecretKey(), refSuccessCard)
	ceilReq := refRaw(http.MethodPost, ceil, "/api/v1/payments", sb.SecretKey(), refSuccessCard)
	refCompare(b, u.Host, func(int) []byte { return sbReq }, ceil, func(int) []byte { return ceilReq })
}

// BenchmarkRefGetPayment compares GET /api/v1/payments/{id} over 1,000
// stored payments with the same minimal handler:
//
//	go test -run '^$' -bench RefGetPayment -benchtime 40000x ./komoju/sandbox/
func BenchmarkRefGetPayment(b *testing.B) {
	sb, err := New(Options{Clock: NewClock(time.Time{})})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = sb.Close() })
	u, _ := url.Parse(sb.URL())
	const stored = 1000
	reqs := make([][]byte, stored)
	var sample []byte
	for i := range reqs {
		body := refFetch(b, http.MethodPost, sb.URL()+"/payments", sb.SecretKey(), refSuccessCard)
		id := refID(b, body)
		reqs[i] = refRaw(http.MethodGet, u.Host, "/api/v1/payments/"+id, sb.SecretKey(), nil)
		if i == 0 {
			sample = refFetch(b, http.MethodGet, sb.URL()+"/payments/"+id, sb.SecretKey(), nil)
		}
	}
	ceil := refCeiling(b, sample)
	ceilReq := refRaw(http.MethodGet, ceil, "/api/v1/payments/x", sb.SecretKey(), nil)
	refCompare(b, u.Host, func(i int) []byte { return reqs[i%stored] }, ceil, func(int) []byte { return ceilReq })
}

// refID extracts "id" from a payment JSON without a full decode.
func refID(b *testing.B, body []byte) string {
	var p struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &p); err != nil || p.ID == "" {
		b.Fatalf("no id in %s: %v", body, err)
	}
	return p.ID
}
