package sandbox

// `komoju-tui sandbox load`: a wrk-style load generator that measures a
// sandbox running in its own process against a minimal net/http server
// (the "ceiling") answering the very bytes the sandbox answered, side by
// side in the same run, so the ratio holds whatever else the machine is
// doing. Numbers are recorded in docs/PERFORMANCE.md.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
)

// Load limits: the tool is for measuring, not for flooding.
const (
	loadMaxConns    = 256
	loadMaxDuration = 5 * time.Minute
	loadMaxStored   = 1_000_000
	loadMaxRequests = 20_000_000
)

// loadScenarios are the request mixes the tool knows, in the order "all"
// runs them.
var loadScenarios = []string{"post", "session", "get", "list", "filter"}

const loadUsage = `Usage: komoju-tui sandbox load [flags]

Measures a sandbox under an outside load generator (keep-alive HTTP/1.1
connections, one request in flight per connection, like wrk) and, in the
same run, a minimal net/http server answering the same bytes (the ceiling).
Prints requests/s, p50, p99 and max latency for both, their ratio, and the
load average. Targets 127.0.0.1 only.

Scenarios: post (POST /payments, card), session (POST /sessions then
POST /sessions/{id}/pay, counted per request), get (GET /payments/{id} over
the stored payments), list (GET /payments?per_page=100), filter
(GET /payments?external_order_num=…), all.

By default it starts its own sandbox and ceiling as child processes of this
binary and sends the requests itself. --generator wrk has wrk(1) send them
instead (2 threads, a Lua script per scenario): each round then lasts
whole seconds, --max-requests does not apply, and p50 and p99 are the
highest of the rounds' own. Flags:
`

// loadConfig is one run's settings.
type loadConfig struct {
	scenarios []string
	conns     int
	duration  time.Duration
	rounds    int
	stored    int
	maxReqs   int64
	url       string // an already running sandbox (loopback); "" starts one
	key       string
	wrk       string // wrk's path with --generator wrk; "" for the built-in generator
	wrkSecs   int    // each round's length for wrk's -d
}

// LoadCommand runs `komoju-tui sandbox load [flags]`. It returns the exit
// code: 0 after a run, 1 when a server fails, 2 for bad flags.
func LoadCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("komoju-tui sandbox load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	usage := usageTo(fs, loadUsage)
	fs.Usage = func() {} // printed below, as the sandbox command's
	var cfg loadConfig
	scen := fs.String("scenario", "all", "post, session, get, list, filter or all (comma-separated)")
	fs.IntVar(&cfg.conns, "connections", 32, "keep-alive connections (at most 256)")
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "time per scenario on each server (at most 5m)")
	fs.IntVar(&cfg.rounds, "rounds", 2, "the duration is split into this many alternating sandbox/ceiling rounds")
	fs.IntVar(&cfg.stored, "stored", 1000, "payments stored before measuring (each with an order number; at most 1,000,000)")
	fs.Int64Var(&cfg.maxReqs, "max-requests", 5_000_000, "stop a phase after this many requests (built-in generator)")
	fs.StringVar(&cfg.url, "url", "", "API base URL of a running sandbox on 127.0.0.1 (default: start one)")
	fs.StringVar(&cfg.key, "secret-key", DefaultSecretKey, "its secret key (with --url)")
	generator := fs.String("generator", "builtin", "builtin (this tool's own client) or wrk (wrk(1), installed separately)")
	ceiling := fs.Bool("serve-ceiling", false, "internal: serve the ceiling (answers read from stdin) and print its address")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(stdout)
			return 0
		}
		usage(stderr)
		return 2
	}
	if *ceiling {
		return serveCeiling(ctx, os.Stdin, stdout, stderr)
	}
	for _, s := range strings.Split(*scen, ",") {
		s = strings.TrimSpace(s)
		switch {
		case s == "all":
			cfg.scenarios = append(cfg.scenarios, loadScenarios...)
		case slices.Contains(loadScenarios, s):
			cfg.scenarios = append(cfg.scenarios, s)
		default:
			fmt.Fprintf(stderr, "komoju-tui sandbox load: --scenario %q is not one of %s, all\n", s, strings.Join(loadScenarios, ", "))
			return 2
		}
	}
	switch {
	case cfg.conns < 1 || cfg.conns > loadMaxConns:
		fmt.Fprintf(stderr, "komoju-tui sandbox load: --connections must be between 1 and %d\n", loadMaxConns)
		return 2
	case cfg.duration <= 0 || cfg.duration > loadMaxDuration:
		fmt.Fprintf(stderr, "komoju-tui sandbox load: --duration must be above 0 and at most %s\n", loadMaxDuration)
		return 2
	case cfg.rounds < 1 || cfg.rounds > 20:
		fmt.Fprintln(stderr, "komoju-tui sandbox load: --rounds must be between 1 and 20")
		return 2
	case cfg.stored < 1 || cfg.stored > loadMaxStored:
		fmt.Fprintf(stderr, "komoju-tui sandbox load: --stored must be between 1 and %d\n", loadMaxStored)
		return 2
	case cfg.maxReqs < 1 || cfg.maxReqs > loadMaxRequests:
		fmt.Fprintf(stderr, "komoju-tui sandbox load: --max-requests must be between 1 and %d\n", loadMaxRequests)
		return 2
	}
	switch *generator {
	case "builtin":
	case "wrk":
		secs, err := wrkSeconds(cfg.duration / time.Duration(cfg.rounds))
		if err != nil {
			fmt.Fprintf(stderr, "komoju-tui sandbox load: %v\n", err)
			return 2
		}
		bin, err := exec.LookPath("wrk")
		if err != nil {
			fmt.Fprintln(stderr, "komoju-tui sandbox load: --generator wrk: wrk is not installed (apt-get install wrk)")
			return 1
		}
		cfg.wrk, cfg.wrkSecs = bin, secs
	default:
		fmt.Fprintf(stderr, "komoju-tui sandbox load: --generator %q is not builtin or wrk\n", *generator)
		return 2
	}
	if err := runLoadTool(ctx, cfg, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "komoju-tui sandbox load: %v\n", err)
		return 1
	}
	return 0
}

// loopbackHost checks that a URL points at 127.0.0.1 (or ::1, localhost)
// and returns its host:port.
func loopbackHost(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return "", fmt.Errorf("%q is not an http:// URL", raw)
	}
	h := u.Hostname()
	if ip := net.ParseIP(h); (ip == nil || !ip.IsLoopback()) && h != "localhost" {
		return "", fmt.Errorf("%q is not on loopback: the load tool only targets 127.0.0.1", raw)
	}
	if u.Port() == "" {
		return "", fmt.Errorf("%q has no port", raw)
	}
	return u.Host, nil
}

// child is a server process started by the tool.
type child struct {
	cmd  *exec.Cmd
	addr string
}

func (c *child) stop() {
	if c == nil || c.cmd.Process == nil {
		return
	}
	_ = c.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
	}
}

// startChild runs this binary with args and waits for a line on its
// stdout for which find returns a non-empty address.
func startChild(ctx context.Context, stdin io.Reader, find func(line string) string, args ...string) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Stdin = stdin
	cmd.Stderr = io.Discard
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{cmd: cmd}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sent := false
		for sc.Scan() {
			if a := find(sc.Text()); a != "" && !sent {
				found <- a
				sent = true
			}
		}
		if !sent {
			close(found)
		}
	}()
	select {
	case a, ok := <-found:
		if !ok {
			c.stop()
			return nil, fmt.Errorf("%s %s exited without printing its address", exe, strings.Join(args, " "))
		}
		c.addr = a
		return c, nil
	case <-time.After(15 * time.Second):
		c.stop()
		return nil, fmt.Errorf("%s %s did not start within 15s", exe, strings.Join(args, " "))
	}
}

// loadRoute names a request's kind; the ceiling answers each kind with the
// bytes the sandbox gave for it.
func loadRoute(method, path string) string {
	p, q, _ := strings.Cut(path, "?")
	switch {
	case method == http.MethodPost && strings.HasSuffix(p, "/pay"):
		return "pay"
	case method == http.MethodPost && strings.HasSuffix(p, "/sessions"):
		return "session"
	case method == http.MethodPost:
		return "post"
	case strings.Contains(q, "external_order_num="):
		return "filter"
	case strings.HasSuffix(p, "/payments"):
		return "list"
	}
	return "get"
}

// serveCeiling is the reference server: it reads {"route": base64 body}
// from in, listens on a free loopback port, prints "ceiling ADDR" and
// answers every request with the body of its route until ctx ends.
func serveCeiling(ctx context.Context, in io.Reader, stdout, stderr io.Writer) int {
	// The scheduler the standalone sandbox runs with (Command), so that
	// the ratio compares the servers, not their settings.
	defer gcProcs(gcMinProcs)()
	var bodies map[string][]byte
	if err := json.NewDecoder(in).Decode(&bodies); err != nil {
		fmt.Fprintf(stderr, "ceiling: reading answers: %v\n", err)
		return 1
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintf(stderr, "ceiling: %v\n", err)
		return 1
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(bodies[loadRoute(r.Method, r.URL.RequestURI())])
	})}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	fmt.Fprintf(stdout, "ceiling %s\n", ln.Addr())
	_ = srv.Serve(ln)
	return 0
}

// loadStats is one phase's result.
type loadStats struct {
	n       int
	errs    int
	first   string // the first failure, for the report
	elapsed time.Duration
	lat     []time.Duration
	// reported are percentiles (50, 99, 100) a generator measured itself
	// (wrk) instead of lat; rounds combine by keeping the highest.
	reported map[float64]time.Duration
}

func (s *loadStats) add(o loadStats) {
	s.n += o.n
	s.errs += o.errs
	if s.first == "" {
		s.first = o.first
	}
	s.elapsed += o.elapsed
	s.lat = append(s.lat, o.lat...)
	for p, d := range o.reported {
		if s.reported == nil {
			s.reported = map[float64]time.Duration{}
		}
		s.reported[p] = max(s.reported[p], d)
	}
}

func (s *loadStats) rps() float64 {
	if s.elapsed <= 0 {
		return 0
	}
	return float64(s.n) / s.elapsed.Seconds()
}

func (s *loadStats) pct(p float64) time.Duration {
	if s.reported != nil {
		return s.reported[p]
	}
	if len(s.lat) == 0 {
		return 0
	}
	slices.Sort(s.lat)
	i := int(float64(len(s.lat)) * p / 100)
	return s.lat[min(i, len(s.lat)-1)]
}

// rawLoadConn is a keep-alive HTTP/1.1 connection that writes prebuilt
// requests and reads answers, as wrk does.
type rawLoadConn struct {
	c  net.Conn
	br *bufio.Reader
}

func (r *rawLoadConn) do(req []byte) (int, []byte, error) {
	if _, err := r.c.Write(req); err != nil {
		return 0, nil, err
	}
	res, err := http.ReadResponse(r.br, nil)
	if err != nil {
		return 0, nil, err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	return res.StatusCode, body, err
}

// loadTarget builds requests for one server.
type loadTarget struct {
	host, auth string
}

func (t loadTarget) req(method, path string, body []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\n", method, path, t.host, t.auth)
	if body != nil {
		fmt.Fprintf(&b, "Content-Type: application/json\r\nContent-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes()
}

// loadStep is what one connection does per iteration: one or more
// requests, each timed on its own. prev is the previous answer's body in
// the same iteration (the session for /pay).
type loadStep func(i int64, step int, prev []byte) (req []byte, done bool)

// runPhase drives conns connections against host for d (or maxReqs
// requests), each running step in a closed loop.
func runPhase(ctx context.Context, host string, conns int, d time.Duration, maxReqs int64, step loadStep) (loadStats, error) {
	cs := make([]*rawLoadConn, conns)
	for i := range cs {
		c, err := net.Dial("tcp", host)
		if err != nil {
			return loadStats{}, err
		}
		defer c.Close()
		cs[i] = &rawLoadConn{c: c, br: bufio.NewReaderSize(c, 64<<10)}
	}
	var next, sent atomic.Int64
	var errs atomic.Int64
	var first atomic.Value
	lats := make([][]time.Duration, conns)
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for w, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 4096)
			for ctx.Err() == nil && time.Now().Before(deadline) {
				i := next.Add(1)
				var prev []byte
				for s := 0; ; s++ {
					req, done := step(i, s, prev)
					if req == nil || sent.Add(1) > maxReqs {
						break
					}
					t0 := time.Now()
					code, body, err := c.do(req)
					if err != nil {
						errs.Add(1)
						first.CompareAndSwap(nil, err.Error())
						lats[w] = local
						return
					}
					local = append(local, time.Since(t0))
					if code != http.StatusOK {
						errs.Add(1)
						first.CompareAndSwap(nil, fmt.Sprintf("status %d: %.300s", code, body))
						break
					}
					prev = body
					if done {
						break
					}
				}
				if sent.Load() > maxReqs {
					break
				}
			}
			lats[w] = local
		}()
	}
	wg.Wait()
	st := loadStats{elapsed: time.Since(start), errs: int(errs.Load())}
	st.first, _ = first.Load().(string)
	for _, l := range lats {
		st.lat = append(st.lat, l...)
	}
	st.n = len(st.lat)
	return st, nil
}

// loadAvg reads the 1-minute load average (Linux; "?" elsewhere).
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

// sessionID finds the first "id" of a session answer (its own id comes
// first in the object).
func sessionID(body []byte) string {
	const k = `"id":"`
	i := bytes.Index(body, []byte(k))
	if i < 0 {
		return ""
	}
	rest := body[i+len(k):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}

var (
	loadCardBody = []byte(`{"amount":1000,"currency":"JPY","tax":0,"payment_details":{"type":"credit_card","number":"4111111111111111","month":12,"year":2030,"verification_value":"123"}}`)
	loadPayBody  = []byte(`{"payment_details":{"type":"credit_card","number":"4111111111111111","month":12,"year":2030,"verification_value":"123","name":"TARO YAMADA"}}`)
)

// loadSessionBody is a Session: Create as the console sends it (all
// payment types, an order number of its own).
func loadSessionBody(order string) []byte {
	return []byte(`{"amount":1100,"currency":"JPY","return_url":"http://127.0.0.1:1/return","payment_data":{"capture":"auto","external_order_num":"` + order + `"}}`)
}

func loadOrderBody(order string) []byte {
	return []byte(`{"amount":1000,"currency":"JPY","tax":0,"external_order_num":"` + order + `","payment_details":{"type":"credit_card","number":"4111111111111111","month":12,"year":2030,"verification_value":"123"}}`)
}

func runLoadTool(ctx context.Context, cfg loadConfig, stdout, stderr io.Writer) error {
	sbHost := ""
	rss := func() string { return "" } // the sandbox's resident memory, when the tool started it
	if cfg.url != "" {
		h, err := loopbackHost(cfg.url)
		if err != nil {
			return err
		}
		sbHost = h
	} else {
		sb, err := startChild(ctx, nil, func(line string) string {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "API base URL:"); ok {
				h, _ := loopbackHost(strings.TrimSpace(v))
				return h
			}
			return ""
		}, "sandbox", "--addr", "127.0.0.1:0", "--seed", "1")
		if err != nil {
			return fmt.Errorf("starting the sandbox: %w", err)
		}
		defer sb.stop()
		sbHost = sb.addr
		rss = func() string { return procRSS(sb.cmd.Process.Pid) }
	}
	sbT := loadTarget{host: sbHost, auth: "Basic " + base64.StdEncoding.EncodeToString([]byte(cfg.key+":"))}
	// Store payments, each with an order number (the filter scenario looks
	// them up), over several connections so a million takes a minute.
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	fmt.Fprintf(stdout, "storing %d payments (load avg %s)…\n", cfg.stored, loadAvg())
	t0 := time.Now()
	ids := make([]string, cfg.stored)
	var storeErr atomic.Value
	var storeNext atomic.Int64
	var wg sync.WaitGroup
	for range min(cfg.conns, 16) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := net.Dial("tcp", sbHost)
			if err != nil {
				storeErr.Store(err)
				return
			}
			defer conn.Close()
			rc := &rawLoadConn{c: conn, br: bufio.NewReaderSize(conn, 64<<10)}
			for i := storeNext.Add(1) - 1; i < int64(cfg.stored) && ctx.Err() == nil; i = storeNext.Add(1) - 1 {
				code, out, err := rc.do(sbT.req(http.MethodPost, "/api/v1/payments", loadOrderBody("s"+run+"-"+strconv.FormatInt(i, 10))))
				if err != nil || code != http.StatusOK {
					storeErr.Store(fmt.Errorf("storing payment %d: %v (status %d)", i, err, code))
					return
				}
				ids[i] = sessionID(out)
			}
		}()
	}
	wg.Wait()
	if e, _ := storeErr.Load().(error); e != nil {
		return e
	}
	fmt.Fprintf(stdout, "stored in %s%s\n", time.Since(t0).Round(time.Millisecond), rss())

	// Record one answer of each kind for the ceiling.
	// Dialled only now: the sandbox closes connections idle for long, as
	// this one would be while a million payments are stored.
	one, err := net.Dial("tcp", sbHost)
	if err != nil {
		return err
	}
	defer one.Close()
	c := &rawLoadConn{c: one, br: bufio.NewReaderSize(one, 64<<10)}
	call := func(method, path string, body []byte) ([]byte, error) {
		code, out, err := c.do(sbT.req(method, path, body))
		if err == nil && code != http.StatusOK {
			err = fmt.Errorf("%s %s: status %d: %.200s", method, path, code, out)
		}
		return out, err
	}

	answers := map[string][]byte{}
	if answers["post"], err = call(http.MethodPost, "/api/v1/payments", loadCardBody); err != nil {
		return err
	}
	sess, err := call(http.MethodPost, "/api/v1/sessions", loadSessionBody("c"+run))
	if err != nil {
		return err
	}
	answers["session"] = sess
	if answers["pay"], err = call(http.MethodPost, "/api/v1/sessions/"+sessionID(sess)+"/pay", loadPayBody); err != nil {
		return err
	}
	if answers["get"], err = call(http.MethodGet, "/api/v1/payments/"+ids[0], nil); err != nil {
		return err
	}
	if answers["list"], err = call(http.MethodGet, "/api/v1/payments?per_page=100", nil); err != nil {
		return err
	}
	if answers["filter"], err = call(http.MethodGet, "/api/v1/payments?external_order_num=s"+run+"-0", nil); err != nil {
		return err
	}
	enc, _ := json.Marshal(answers)
	ceil, err := startChild(ctx, bytes.NewReader(enc), func(line string) string {
		a, _ := strings.CutPrefix(line, "ceiling ")
		if a == line {
			return ""
		}
		return a
	}, "sandbox", "load", "--serve-ceiling")
	if err != nil {
		return fmt.Errorf("starting the ceiling: %w", err)
	}
	defer ceil.stop()
	ceT := loadTarget{host: ceil.addr, auth: sbT.auth}

	var orderSeq atomic.Int64 // session order numbers, unique over every phase
	var wrkPhases atomic.Int64
	gen := "built-in generator"
	if cfg.wrk != "" {
		gen = fmt.Sprintf("wrk, %d threads", min(wrkThreads, cfg.conns))
	}
	fmt.Fprintf(stdout, "%d connections (%s), %s per scenario on each server in %d rounds, %d payments stored\n",
		cfg.conns, gen, cfg.duration, cfg.rounds, cfg.stored)
	fmt.Fprintf(stdout, "%-8s %-8s %10s %9s %9s %9s %6s %7s %s\n", "scenario", "server", "req/s", "p50", "p99", "max", "errors", "ratio", "load avg")
	for _, sc := range cfg.scenarios {
		steps := func(t loadTarget) loadStep {
			switch sc {
			case "post":
				req := t.req(http.MethodPost, "/api/v1/payments", loadCardBody)
				return func(int64, int, []byte) ([]byte, bool) { return req, true }
			case "session":
				payCeil := t.req(http.MethodPost, "/api/v1/sessions/x/pay", loadPayBody)
				return func(i int64, s int, prev []byte) ([]byte, bool) {
					if s == 0 {
						return t.req(http.MethodPost, "/api/v1/sessions", loadSessionBody("m"+run+"-"+strconv.FormatInt(orderSeq.Add(1), 10))), false
					}
					if t == ceT {
						return payCeil, true
					}
					return t.req(http.MethodPost, "/api/v1/sessions/"+sessionID(prev)+"/pay", loadPayBody), true
				}
			case "get":
				reqs := make([][]byte, min(len(ids), 10000))
				for i := range reqs {
					reqs[i] = t.req(http.MethodGet, "/api/v1/payments/"+ids[(i*7919)%len(ids)], nil)
				}
				return func(i int64, _ int, _ []byte) ([]byte, bool) { return reqs[int(i)%len(reqs)], true }
			case "list":
				req := t.req(http.MethodGet, "/api/v1/payments?per_page=100", nil)
				return func(int64, int, []byte) ([]byte, bool) { return req, true }
			default: // filter
				return func(i int64, _ int, _ []byte) ([]byte, bool) {
					n := (i * 7919) % int64(cfg.stored)
					return t.req(http.MethodGet, "/api/v1/payments?external_order_num=s"+run+"-"+strconv.FormatInt(n, 10), nil), true
				}
			}
		}
		var sbs, ces loadStats
		la0 := loadAvg()
		per := cfg.duration / time.Duration(cfg.rounds)
		phase := func(t loadTarget) (loadStats, error) {
			if cfg.wrk == "" {
				return runPhase(ctx, t.host, cfg.conns, per, cfg.maxReqs/int64(cfg.rounds), steps(t))
			}
			// Each phase's sessions get order numbers of their own:
			// wrk's counters start again with every run of it.
			script, err := wrkScript(wrkScenario{name: sc, auth: t.auth, run: run, phase: wrkPhases.Add(1), ids: ids, stored: cfg.stored})
			if err != nil {
				return loadStats{}, err
			}
			return runWrk(ctx, cfg.wrk, t.host, cfg.conns, cfg.wrkSecs, script)
		}
		for r := 0; r < cfg.rounds && ctx.Err() == nil; r++ {
			s, err := phase(sbT)
			if err != nil {
				return fmt.Errorf("sandbox: %w", err)
			}
			sbs.add(s)
			c, err := phase(ceT)
			if err != nil {
				return fmt.Errorf("ceiling: %w", err)
			}
			ces.add(c)
		}
		la := la0 + "→" + loadAvg()
		ms := func(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }
		ratio := 0.0
		if ces.rps() > 0 {
			ratio = 100 * sbs.rps() / ces.rps()
		}
		fmt.Fprintf(stdout, "%-8s %-8s %10.0f %9s %9s %9s %6d %6.0f%% %s\n", sc, "sandbox", sbs.rps(), ms(sbs.pct(50)), ms(sbs.pct(99)), ms(sbs.pct(100)), sbs.errs, ratio, la)
		fmt.Fprintf(stdout, "%-8s %-8s %10.0f %9s %9s %9s %6d %7s%s\n", "", "ceiling", ces.rps(), ms(ces.pct(50)), ms(ces.pct(99)), ms(ces.pct(100)), ces.errs, "", rss())
		for _, f := range []string{sbs.first, ces.first} {
			if f != "" {
				fmt.Fprintf(stdout, "         first error: %s\n", loadPrintable(f))
			}
		}
	}
	return nil
}

// procRSS is ", sandbox RSS N MB" for a process (Linux), or "".
func procRSS(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return fmt.Sprintf(", sandbox RSS %d MB", kb>>10)
		}
	}
	return ""
}

// loadPrintable keeps a server's answer, quoted in a report, from driving
// the terminal: what is not printable shows as "?".
func loadPrintable(s string) string {
	return strings.Map(func(r rune) rune {
		if r != ' ' && !unicode.IsPrint(r) {
			return '?'
		}
		return r
	}, s)
}
