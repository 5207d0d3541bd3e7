package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestLoadCommandRefusesBadFlagsAndOtherHosts(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--connections", "0"}, 2, "--connections"},
		{[]string{"--connections", "1000"}, 2, "--connections"},
		{[]string{"--duration", "1h"}, 2, "--duration"},
		{[]string{"--stored", "2000000"}, 2, "--stored"},
		{[]string{"--scenario", "delete"}, 2, "--scenario"},
		{[]string{"--url", "http://192.0.2.1:7777/api/v1", "--duration", "1s"}, 1, "not on loopback"},
		{[]string{"--url", "https://example.com/api/v1", "--duration", "1s"}, 1, "not an http:// URL"},
	} {
		var out, errOut bytes.Buffer
		code := Command(context.Background(), append([]string{"load"}, tc.args...), &out, &errOut)
		if code != tc.code || !strings.Contains(errOut.String(), tc.msg) {
			t.Errorf("load %v: exit %d (want %d), stderr %q (want it to mention %q)", tc.args, code, tc.code, errOut.String(), tc.msg)
		}
	}
}

// TestCeilingAnswersEachRouteWithItsBytes: the reference server sends, per
// kind of request, the bytes the sandbox gave for it.
func TestCeilingAnswersEachRouteWithItsBytes(t *testing.T) {
	answers := map[string][]byte{"post": []byte(`{"p":1}`), "session": []byte(`{"s":1}`), "pay": []byte(`{"y":1}`),
		"get": []byte(`{"g":1}`), "list": []byte(`{"l":1}`), "filter": []byte(`{"f":1}`)}
	in, _ := json.Marshal(answers)
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int)
	go func() { done <- serveCeiling(ctx, bytes.NewReader(in), pw, io.Discard) }()
	line := make([]byte, 64)
	n, err := pr.Read(line)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	addr := strings.TrimSpace(strings.TrimPrefix(string(line[:n]), "ceiling "))
	for _, tc := range []struct{ method, path, want string }{
		{"POST", "/api/v1/payments", "post"}, {"POST", "/api/v1/sessions", "session"}, {"POST", "/api/v1/sessions/x/pay", "pay"},
		{"GET", "/api/v1/payments/abc", "get"}, {"GET", "/api/v1/payments?per_page=100", "list"},
		{"GET", "/api/v1/payments?external_order_num=A-1", "filter"},
	} {
		req, _ := http.NewRequest(tc.method, "http://"+addr+tc.path, strings.NewReader("{}"))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !bytes.Equal(got, answers[tc.want]) {
			t.Errorf("%s %s: %s, want the %s answer", tc.method, tc.path, got, tc.want)
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("ceiling did not stop")
	}
	pw.Close()
}

// TestMain lets the test binary stand in for komoju-tui when the load tool
// starts its sandbox and ceiling (`<binary> sandbox …` as children).
func TestMain(m *testing.M) {
	if os.Getenv(loadChildEnv) == "1" && len(os.Args) > 1 && os.Args[1] == "sandbox" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		code := Command(ctx, os.Args[2:], os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

const loadChildEnv = "KOMOJU_TUI_SANDBOX_TEST_CHILD"

// loadRow is one line of the tool's table.
type loadRow struct {
	rps   float64
	errs  int
	ratio string
}

// parseLoadTable reads the tool's report: scenario → server → row.
func parseLoadTable(t *testing.T, out string) map[string]map[string]loadRow {
	t.Helper()
	rows := map[string]map[string]loadRow{}
	scenario := ""
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && slices.Contains(loadScenarios, f[0]) {
			scenario, f = f[0], f[1:]
		} else if len(f) == 0 || (f[0] != "ceiling") {
			continue
		}
		if len(f) < 6 || (f[0] != "sandbox" && f[0] != "ceiling") {
			t.Fatalf("a row that is not a server's: %q", line)
		}
		rps, err1 := strconv.ParseFloat(f[1], 64)
		errs, err2 := strconv.Atoi(f[5])
		if err1 != nil || err2 != nil {
			t.Fatalf("row %q: req/s %q, errors %q", line, f[1], f[5])
		}
		r := loadRow{rps: rps, errs: errs}
		if f[0] == "sandbox" && len(f) > 6 {
			r.ratio = f[6]
		}
		if rows[scenario] == nil {
			rows[scenario] = map[string]loadRow{}
		}
		rows[scenario][f[0]] = r
	}
	return rows
}

// TestLoadToolRunsEveryScenarioWithBothGenerators runs the tool as a person
// does (its own sandbox and ceiling as child processes) with the built-in
// generator and with wrk: every scenario answers every request of both
// servers (a script whose sessions reused order numbers showed 17,122
// errors here), and the ratio is the sandbox's requests/s over the
// ceiling's.
func TestLoadToolRunsEveryScenarioWithBothGenerators(t *testing.T) {
	if _, err := exec.LookPath("wrk"); err != nil {
		t.Fatal("wrk is not installed: run scripts/test.sh (it installs wrk) or apt-get install wrk")
	}
	t.Setenv(loadChildEnv, "1")
	for _, tc := range []struct {
		name string
		args []string
		head string
	}{
		{"builtin", []string{"--duration", "1s", "--rounds", "1"}, "(built-in generator)"},
		{"wrk", []string{"--generator", "wrk", "--duration", "2s", "--rounds", "2"}, "(wrk, 2 threads)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := append([]string{"--scenario", "all", "--stored", "50", "--connections", "4"}, tc.args...)
			if code := LoadCommand(context.Background(), args, &out, &errOut); code != 0 {
				t.Fatalf("load %v: exit %d\n%s%s", args, code, out.String(), errOut.String())
			}
			if !strings.Contains(out.String(), tc.head) || strings.Contains(out.String(), "first error") {
				t.Errorf("report:\n%s", out.String())
			}
			rows := parseLoadTable(t, out.String())
			for _, sc := range loadScenarios {
				sb, ce := rows[sc]["sandbox"], rows[sc]["ceiling"]
				if sb.rps <= 0 || ce.rps <= 0 || sb.errs != 0 || ce.errs != 0 {
					t.Errorf("%s: sandbox %+v, ceiling %+v\n%s", sc, sb, ce, out.String())
					continue
				}
				if want := fmt.Sprintf("%.0f%%", 100*sb.rps/ce.rps); sb.ratio != want {
					// The printed rates are rounded: allow one point.
					got, _ := strconv.Atoi(strings.TrimSuffix(sb.ratio, "%"))
					w, _ := strconv.Atoi(strings.TrimSuffix(want, "%"))
					if got < w-1 || got > w+1 {
						t.Errorf("%s: ratio %s, want %s", sc, sb.ratio, want)
					}
				}
			}
		})
	}
}

func TestLoadToolGeneratorFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		path string
		code int
		msg  string
	}{
		{[]string{"--generator", "ab"}, "", 2, `--generator "ab" is not builtin or wrk`},
		{[]string{"--generator", "wrk", "--duration", "1s", "--rounds", "3"}, "", 2, "whole seconds"},
		{[]string{"--generator", "wrk"}, t.TempDir(), 1, "wrk is not installed (apt-get install wrk)"},
	} {
		if tc.path != "" {
			t.Setenv("PATH", tc.path)
		}
		var out, errOut bytes.Buffer
		if code := LoadCommand(context.Background(), tc.args, &out, &errOut); code != tc.code || !strings.Contains(errOut.String(), tc.msg) {
			t.Errorf("load %v: exit %d (want %d), stderr %q (want %q)", tc.args, code, tc.code, errOut.String(), tc.msg)
		}
	}
}

func TestParseWrkSummary(t *testing.T) {
	st, err := parseWrkSummary([]byte("Running 2s test @ http://127.0.0.1:1\n" +
		"komoju-tui-wrk requests=1000 duration_us=2000000 p50_us=800 p99_us=9500 max_us=20000 status_errors=3 socket_errors=1 bad=3\n" +
		"komoju-tui-wrk-first 422: {\"error\":\"\x1b[2Jno\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if st.n != 1000 || st.elapsed != 2*time.Second || st.errs != 4 || st.rps() != 500 ||
		st.pct(50) != 800*time.Microsecond || st.pct(99) != 9500*time.Microsecond || st.pct(100) != 20*time.Millisecond {
		t.Errorf("parsed %+v", st)
	}
	if got := loadPrintable(st.first); strings.ContainsRune(got, 0x1b) || !strings.HasPrefix(got, "422: ") {
		t.Errorf("first error printed as %q", got)
	}
	// Rounds combine: requests and time add up, percentiles keep the highest.
	var all loadStats
	all.add(st)
	all.add(loadStats{n: 3000, elapsed: 2 * time.Second, reported: map[float64]time.Duration{50: time.Millisecond, 99: 5 * time.Millisecond, 100: 6 * time.Millisecond}})
	if all.rps() != 1000 || all.pct(50) != time.Millisecond || all.pct(99) != 9500*time.Microsecond || all.pct(100) != 20*time.Millisecond {
		t.Errorf("combined %+v", all)
	}
	for _, bad := range []string{
		"",
		"Requests/sec: 100\n",
		"komoju-tui-wrk requests=10 duration_us=1\n",
		"komoju-tui-wrk requests=x duration_us=1 p50_us=1 p99_us=1 max_us=1 status_errors=0 socket_errors=0 bad=0\n",
		"komoju-tui-wrk requests=-1 duration_us=1 p50_us=1 p99_us=1 max_us=1 status_errors=0 socket_errors=0 bad=0\n",
	} {
		if _, err := parseWrkSummary([]byte(bad)); err == nil {
			t.Errorf("%q: parsed", bad)
		}
	}
	// A failure wrk counted without an answer to show still says so.
	st, err = parseWrkSummary([]byte("komoju-tui-wrk requests=10 duration_us=1000 p50_us=1 p99_us=1 max_us=1 status_errors=2 socket_errors=0 bad=0\n"))
	if err != nil || st.errs != 2 || !strings.Contains(st.first, "2 requests failed") {
		t.Errorf("%+v %v", st, err)
	}
}

func TestWrkScriptRefusesTextItCannotQuote(t *testing.T) {
	for _, sc := range []wrkScenario{
		{name: "get", run: "r1", ids: []string{"abc", `x"); os.execute("id`}},
		{name: "session", run: "r]==]1"},
		{name: "delete", run: "r1"},
	} {
		if _, err := wrkScript(sc); err == nil {
			t.Errorf("%+v: a script was written", sc)
		}
	}
}
