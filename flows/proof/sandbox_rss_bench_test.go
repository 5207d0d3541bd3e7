package proof

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkSandboxProcessRSS100k runs `komoju-tui sandbox` as its own
// process, creates 100,000 card payments in it through 32 keep-alive
// clients, and reads the sandbox process's RSS (target < 300 MB). Unlike
// komoju/sandbox's TestLoad100kPayments, the figure holds the server alone
// (no load generator in the same process). Each iteration is 100,000
// payments in a fresh process.
//
//	go test -run '^$' -bench SandboxProcessRSS100k -benchtime 1x ./flows/proof/
func BenchmarkSandboxProcessRSS100k(b *testing.B) {
	const total, clients = 100000, 32
	body := []byte(`{"amount":1000,"currency":"JPY","tax":0,"payment_details":{"type":"credit_card","number":"4111111111111111","month":12,"year":` + cardYear + `,"verification_value":"123"}}`)
	var maxRSS int64
	var rate float64
	for i := 0; i < b.N; i++ {
		cmd := newCmd(b, nil, "sandbox", "--addr", "127.0.0.1:0")
		out := &syncBuffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		api, err := waitBanner(out, time.Minute)
		if err != nil {
			_ = cmd.Process.Kill()
			b.Fatalf("%v\n%s", err, out.String())
		}
		key := ""
		for _, line := range strings.Split(out.String(), "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "Secret key:"); ok {
				key = strings.TrimSpace(v)
			}
		}
		u, _ := url.Parse(api)
		hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}}
		var next, failed atomic.Int64
		var wg sync.WaitGroup
		start := time.Now()
		for w := 0; w < clients; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= total {
					req, _ := http.NewRequest(http.MethodPost, api+"/payments", bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.SetBasicAuth(key, "")
					res, err := hc.Do(req)
					if err != nil {
						failed.Add(1)
						return
					}
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != 200 {
						failed.Add(1)
						return
					}
				}
			}()
		}
		wg.Wait()
		rate = total / time.Since(start).Seconds()
		if failed.Load() > 0 {
			_ = cmd.Process.Kill()
			b.Fatalf("%d requests failed (sandbox at %s)", failed.Load(), u.Host)
		}
		time.Sleep(500 * time.Millisecond)
		rss, err := rssOf(cmd.Process.Pid)
		if err != nil {
			b.Fatal(err)
		}
		maxRSS = max(maxRSS, rss)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	b.ReportMetric(float64(maxRSS)/(1<<20), "sandbox-rss-MB")
	b.ReportMetric(rate, "create-req/s")
}
