package cli

import (
	"bytes"
	"context"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/komoju-tui/komoju-tui/flows/config"
)

// TestGuideScenariosPass runs every scenario shipped in docs/scenarios (one
// per payment flow of the guide) against the sandbox, as CI does.
func TestGuideScenariosPass(t *testing.T) {
	h := newHarness(t)
	files, err := filepath.Glob(filepath.Join("..", "..", "docs", "scenarios", "*.yaml"))
	if err != nil || len(files) < 6 {
		t.Fatalf("scenarios: %v %v", files, err)
	}
	report := filepath.Join(t.TempDir(), "junit.xml")
	code, out, errOut := h.run(append([]string{"scenario", "run", "--junit", report}, files...)...)
	if code != ExitOK || !strings.Contains(out, " 0 failed") || strings.Contains(out, "FAIL") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	var js junitSuites
	b, err := os.ReadFile(report)
	if err != nil || xml.Unmarshal(b, &js) != nil || len(js.Suites) != len(files) {
		t.Fatalf("junit report %v:\n%s", err, b)
	}
	for _, s := range js.Suites {
		if s.Tests == 0 || s.Failures != 0 || s.Skipped != 0 {
			t.Errorf("suite %+v", s)
		}
	}
}

func writeScenario(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "s.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestBrokenExpectationFails: the suite must be able to fail — an
// expectation that does not hold is a FAIL line, a JUnit failure, a JSON
// line with result "fail" and exit 9.
func TestBrokenExpectationFails(t *testing.T) {
	h := newHarness(t)
	f := writeScenario(t, `name: wallet declined but expected paid
steps:
  - pay: {amount: 990, method: paypay}
  - customer: decline
    expect: {status: captured, outcome: cancelled}
`)
	report := filepath.Join(t.TempDir(), "junit.xml")
	code, out, _ := h.run("scenario", "run", f, "--junit", report)
	if code != ExitExpectation || !strings.Contains(out, `FAIL step 2 customer decline: status is "cancelled", want "captured"`) ||
		!strings.Contains(out, `pass step 2 customer decline: outcome is "cancelled"`) || !strings.Contains(out, "2 expectation(s), 1 failed") {
		t.Errorf("exit %d\n%s", code, out)
	}
	b, _ := os.ReadFile(report)
	if !strings.Contains(string(b), `failures="1"`) || !strings.Contains(string(b), `<failure message="status is &#34;cancelled&#34;, want &#34;captured&#34;"`) {
		t.Errorf("junit:\n%s", b)
	}
	code, out, _ = h.run("scenario", "run", f, "--json")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	// A line per step as it is done (the payment, the URL the customer
	// opens), a line per expectation, then the result.
	if code != ExitExpectation || len(lines) != 5 {
		t.Fatalf("--json: exit %d\n%s", code, out)
	}
	if s := decode[scenarioStepJSON](t, lines[0]); s.Event != "step" || s.Step != 1 || s.Outcome != "redirect" || s.RedirectURL == "" || s.PaymentID == "" {
		t.Errorf("line 1, the PayPay sale with its page: %s", lines[0])
	}
	if s := decode[scenarioStepJSON](t, lines[1]); s.Event != "step" || s.Step != 2 || s.Outcome != "cancelled" {
		t.Errorf("line 2, the customer's decline: %s", lines[1])
	}
	if c := decode[check](t, lines[2]); c.Event != "expect" || c.Expect != "outcome" || c.Result != "pass" {
		t.Errorf("line 3 %+v", c)
	}
	if c := decode[check](t, lines[3]); c.Event != "expect" || c.Expect != "status" || c.Result != "fail" || c.Got != "cancelled" || c.Want != "captured" {
		t.Errorf("line 4 %+v", c)
	}
	if !strings.Contains(lines[4], `"event":"result"`) || !strings.Contains(lines[4], `"failed":1`) {
		t.Errorf("result line %s", lines[4])
	}
}

func TestInvalidScenarioNamesTheProblem(t *testing.T) {
	h := newHarness(t)
	for body, want := range map[string]string{
		"steps:\n  - pay: {amout: 100, method: card}\n":       `field amout not found`,
		"steps:\n  - cancel: {}\n    refund: {}\n":            "step 1: give exactly one of",
		"steps:\n  - customer: teleport\n":                    `"teleport" is not pay_at_store`,
		"steps:\n  - advance_clock: soon\n":                   "advance_clock:",
		"steps:\n  - cancel: {}\n    expect: {colour: red}\n": `expect: unknown "colour"`,
		"name: nothing\n":                                     "no steps",
	} {
		code, _, errOut := h.run("scenario", "run", writeScenario(t, body))
		if code != ExitUsage || !strings.Contains(errOut, want) {
			t.Errorf("%q: exit %d, want %q in\n%s", body, code, want, errOut)
		}
	}
	if code, _, errOut := h.run("scenario", "run", "no-such-file.yaml"); code != ExitUsage || !strings.Contains(errOut, "no-such-file.yaml") {
		t.Errorf("missing file: exit %d\n%s", code, errOut)
	}
	if h.connects.Load() != 0 {
		t.Errorf("an invalid scenario started the backend")
	}
}

// TestCustomerStepsSkippedWithoutSandbox: against KOMOJU (here: an API
// with no /sandbox pages) a customer's step cannot be played: it says what
// a person must do, and the expectations after it are skipped, not failed.
func TestCustomerStepsSkippedWithoutSandbox(t *testing.T) {
	h := newHarness(t)
	api, _ := url.Parse(h.sb.BaseURL())
	proxy := httputil.NewSingleHostReverseProxy(api)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/sandbox/") {
			http.NotFound(w, r)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer srv.Close()
	env := map[string]string{"KOMOJU_SECRET_KEY": h.sb.SecretKey(), "KOMOJU_API_URL": srv.URL + "/api/v1"}
	code, out, errOut := h.runEnv(env, "scenario", "run", filepath.Join("..", "..", "docs", "scenarios", "konbini-lawson.yaml"))
	if code != ExitOK || !strings.Contains(out, `pass step 1`) || !strings.Contains(out, "skip step 2 customer pay_at_store: status") ||
		!strings.Contains(out, "the customer pays the konbini slip (http") || !strings.Contains(out, "0 failed") {
		t.Errorf("exit %d\n%s\n%s", code, out, errOut)
	}
}

// A webhook expectation is checked at the app's own receiver: when the
// sandbox does not send the event (the file's webhook_events leave it
// out, as a KOMOJU webhook's event selection would), the expectation
// fails, even though KOMOJU lists the event (event: passes), and the note
// says what the receiver did get for the payment.
func TestScenarioWebhookNotSentFails(t *testing.T) {
	h := newHarness(t)
	f := writeScenario(t, `name: konbini, captured webhook not selected
webhook_events: [payment.authorized]
steps:
  - pay: {amount: 2480, method: konbini, store: lawson, email: a@example.com}
    expect: {webhook: payment.authorized}
  - customer: pay_at_store
    expect: {status: captured, event: payment.captured, webhook: payment.captured}
`)
	code, out, errOut := h.run("scenario", "run", f, "--webhook-wait", "300ms")
	if code != ExitExpectation ||
		!strings.Contains(out, `pass step 1 pay 2480 by konbini: webhook is "payment.authorized"`) ||
		!strings.Contains(out, `pass step 2 customer pay_at_store: event is "payment.captured"`) ||
		!strings.Contains(out, `FAIL step 2 customer pay_at_store: webhook is "(not received)", want "payment.captured"`) ||
		!strings.Contains(out, "reached the receiver within 300ms (received for it: payment.authorized)") ||
		!strings.Contains(out, "4 expectation(s), 1 failed") {
		t.Errorf("exit %d\n%s\n%s", code, out, errOut)
	}
	bad := writeScenario(t, "webhook_events: [payment.teleported]\nsteps:\n  - cancel: {}\n")
	if code, _, errOut := h.run("scenario", "run", bad); code != ExitUsage || !strings.Contains(errOut, `webhook_events: "payment.teleported" is not one of`) {
		t.Errorf("unknown webhook event: exit %d\n%s", code, errOut)
	}
	if code, _, errOut := h.run("scenario", "run", f, "--webhook-wait", "0s"); code != ExitUsage || !strings.Contains(errOut, "--webhook-wait") {
		t.Errorf("--webhook-wait 0: exit %d\n%s", code, errOut)
	}
}

// The receiver verifies every delivery's signature: a sandbox that signs
// with another secret than the app expects delivers nothing the scenario
// may count.
func TestScenarioWebhookMustBeSigned(t *testing.T) {
	h := newHarness(t)
	wrongSecret := func(ctx context.Context, cfg config.Config) (*Backend, error) {
		a, err := h.connect(ctx, cfg)
		if err == nil {
			a.Config.WebhookSecret = "not-the-sandbox-secret"
		}
		return a, err
	}
	f := writeScenario(t, `steps:
  - pay: {amount: 1000, method: credit_card, card: "4111111111111111", flow: direct}
    expect: {status: captured, webhook: payment.captured}
`)
	var stdout, stderr bytes.Buffer
	code := Run(t.Context(), "scenario", []string{"run", f, "--webhook-wait", "300ms"}, &stdout, &stderr, func(k string) string { return h.env[k] }, wrongSecret)
	if out := stdout.String(); code != ExitExpectation || !strings.Contains(out, `pass step 1`) ||
		!strings.Contains(out, `webhook is "(not received)", want "payment.captured"`) {
		t.Errorf("exit %d\n%s\n%s", code, out, stderr.String())
	}
}
