package sandbox

// `sandbox load --generator wrk`: the same scenarios, servers and report as
// the built-in generator, with wrk(1) sending the requests, the instrument
// issue 12 measured with. wrk is a C program with an event loop per thread,
// so on a small machine it leaves the servers more of the CPU than the
// built-in Go client does, and its latencies include its own threads'
// scheduling: the two generators' figures differ, and docs/PERFORMANCE.md
// records both.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// wrkThreads is wrk's own default (-t2), as the issue ran it.
const wrkThreads = 2

// wrkSummaryPrefix starts the line the scripts' done() prints: wrk's
// human-readable report is for people, this is for the tool.
const wrkSummaryPrefix = "komoju-tui-wrk "

// wrkScenario is what one scenario's script needs to know.
type wrkScenario struct {
	name   string
	auth   string   // the Authorization header's value
	run    string   // this run's order-number tag
	phase  int64    // this phase's number, in session order numbers
	ids    []string // stored payment ids (get)
	stored int      // stored payments (filter: order numbers s<run>-0 … -stored-1)
}

// wrkLuaCommon is in every script: the headers, the threads' numbers and
// the machine-readable summary. Each thread has a Lua state of its own:
// bad and first are per thread, and done() (run once, on wrk's main
// state) adds them up through the thread objects setup() kept.
const wrkLuaCommon = `-- written by komoju-tui sandbox load --generator wrk
local auth = [==[%s]==]
local json = {["Authorization"] = auth, ["Content-Type"] = "application/json"}
local plain = {["Authorization"] = auth}
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
bad, first = 0, ""
function done(summary, latency, requests)
  local b, f = 0, ""
  for _, t in ipairs(threads) do
    b = b + (t:get("bad") or 0)
    if f == "" then f = t:get("first") or "" end
  end
  local e = summary.errors
  io.write(string.format("` + wrkSummaryPrefix + `requests=%%d duration_us=%%d p50_us=%%d p99_us=%%d max_us=%%d status_errors=%%d socket_errors=%%d bad=%%d\n",
    summary.requests, summary.duration, math.floor(latency:percentile(50)), math.floor(latency:percentile(99)),
    latency.max, e.status, e.connect + e.read + e.write + e.timeout, b))
  if f ~= "" then io.write("komoju-tui-wrk-first " .. f .. "\n") end
end
`

// wrkScript is the Lua script that makes wrk send sc's requests, as the
// built-in generator's steps do (runLoadTool).
func wrkScript(sc wrkScenario) (string, error) {
	for _, s := range append([]string{sc.run}, sc.ids...) {
		if !wrkSafe(s) {
			return "", fmt.Errorf("%q cannot be written into a wrk script", s)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, wrkLuaCommon, sc.auth)
	switch sc.name {
	case "post":
		fmt.Fprintf(&b, `local req
function init(args) req = wrk.format("POST", "/api/v1/payments", json, [==[%s]==]) end
request = function() return req end
`, loadCardBody)
	case "session":
		// Each thread keeps the sessions its answers created and pays
		// one before it creates the next; response() is only defined
		// here (wrk then hands every answer to Lua, which costs it time
		// on both servers alike).
		pre, post, _ := strings.Cut(string(loadSessionBody("\x00")), "\x00")
		fmt.Fprintf(&b, `local create1, create2 = [==[%s]==], [==[%s]==]
local pay = [==[%s]==]
local ready, seq = {}, 0
request = function()
  local id = table.remove(ready)
  if id then
    return wrk.format("POST", "/api/v1/sessions/" .. id .. "/pay", json, pay)
  end
  seq = seq + 1
  return wrk.format("POST", "/api/v1/sessions", json, create1 .. "w%s-%d-" .. tid .. "-" .. seq .. create2)
end
response = function(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
    if first == "" then first = status .. ": " .. string.sub(body, 1, 300) end
    return
  end
  local id = string.match(body, '^{"id":"([%%w_]+)","resource":"session"')
  if id then table.insert(ready, id) end
end
`, pre, post, loadPayBody, sc.run, sc.phase)
	case "get":
		b.WriteString("local ids = {")
		for i, id := range sc.ids[:min(len(sc.ids), 10000)] {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"` + id + `"`)
		}
		b.WriteString(`}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/api/v1/payments/" .. ids[(i * 7919 + tid * 1000) % #ids + 1], plain)
end
`)
	case "list":
		b.WriteString(`local req
function init(args) req = wrk.format("GET", "/api/v1/payments?per_page=100", plain) end
request = function() return req end
`)
	case "filter":
		fmt.Fprintf(&b, `local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/api/v1/payments?external_order_num=s%s-" .. ((i * 7919 + tid * 1000) %% %d), plain)
end
`, sc.run, max(sc.stored, 1))
	default:
		return "", fmt.Errorf("no wrk script for scenario %q", sc.name)
	}
	return b.String(), nil
}

// wrkSafe: ids and tags go into Lua strings as they are.
func wrkSafe(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// wrkSeconds is a round's length as wrk's -d takes it: whole seconds.
func wrkSeconds(d time.Duration) (int, error) {
	s := int(d.Round(time.Second) / time.Second)
	if s < 1 {
		return 0, fmt.Errorf("--generator wrk runs whole seconds: --duration / --rounds is %s, under 1s", d)
	}
	return s, nil
}

// runWrk runs one phase: wrk with script against host for secs seconds.
func runWrk(ctx context.Context, bin, host string, conns, secs int, script string) (loadStats, error) {
	f, err := os.CreateTemp("", "komoju-tui-wrk-*.lua")
	if err != nil {
		return loadStats{}, err
	}
	defer os.Remove(f.Name())
	if _, err := f.WriteString(script); err != nil {
		f.Close()
		return loadStats{}, err
	}
	if err := f.Close(); err != nil {
		return loadStats{}, err
	}
	cmd := exec.CommandContext(ctx, bin, "-t", strconv.Itoa(min(wrkThreads, conns)), "-c", strconv.Itoa(conns),
		"-d", strconv.Itoa(secs)+"s", "--timeout", "10s", "-s", f.Name(), "http://"+host)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return loadStats{}, fmt.Errorf("wrk: %v: %s%s", err, bytes.TrimSpace(stderr.Bytes()), lastLines(out, 5))
	}
	return parseWrkSummary(out)
}

// parseWrkSummary reads the summary line (and the first failed answer)
// the script's done() printed.
func parseWrkSummary(out []byte) (loadStats, error) {
	var st loadStats
	found := false
	for _, line := range strings.Split(string(out), "\n") {
		if f, ok := strings.CutPrefix(line, "komoju-tui-wrk-first "); ok {
			st.first = strings.TrimSpace(f)
			continue
		}
		rest, ok := strings.CutPrefix(line, wrkSummaryPrefix)
		if !ok {
			continue
		}
		v := map[string]int64{}
		for _, kv := range strings.Fields(rest) {
			k, s, _ := strings.Cut(kv, "=")
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				return loadStats{}, fmt.Errorf("wrk's summary: %q is not a count", kv)
			}
			v[k] = n
		}
		for _, k := range []string{"requests", "duration_us", "p50_us", "p99_us", "max_us", "status_errors", "socket_errors", "bad"} {
			if _, ok := v[k]; !ok {
				return loadStats{}, fmt.Errorf("wrk's summary has no %s: %q", k, line)
			}
		}
		us := func(k string) time.Duration { return time.Duration(v[k]) * time.Microsecond }
		st.n = int(v["requests"])
		st.elapsed = us("duration_us")
		// A non-2xx answer is counted by wrk (status_errors) and, in the
		// session script, by response() too (bad): the larger is each one once.
		st.errs = int(max(v["status_errors"], v["bad"]) + v["socket_errors"])
		st.reported = map[float64]time.Duration{50: us("p50_us"), 99: us("p99_us"), 100: us("max_us")}
		found = true
	}
	if !found {
		return loadStats{}, fmt.Errorf("wrk printed no summary%s", lastLines(out, 5))
	}
	if st.errs > 0 && st.first == "" {
		st.first = fmt.Sprintf("%d requests failed (wrk does not show the answers; the built-in generator does)", st.errs)
	}
	return st, nil
}

// lastLines is ": " and the last n lines of out, for an error, or "".
func lastLines(out []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) == 0 || lines[0] == "" {
		return ""
	}
	return ": " + strings.Join(lines[max(0, len(lines)-n):], " | ")
}
