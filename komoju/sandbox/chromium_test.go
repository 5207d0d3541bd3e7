package sandbox

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// This file drives the hosted pages in a real headless Chromium through the
// DevTools protocol over --remote-debugging-pipe (fd 3 in, fd 4 out,
// NUL-separated JSON), using only the standard library. Clicks are real
// mouse events at the element's position and typing is Input.insertText.

const chromiumPath = "/usr/bin/chromium"

type cdpReply struct {
	ID     int             `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Message string `json:"message"`
	} `json:"error"`
}

type browser struct {
	t       *testing.T
	cmd     *exec.Cmd
	w       io.WriteCloser
	mu      sync.Mutex
	next    int
	pending map[int]chan cdpReply
	session string
}

func startChromium(t *testing.T) *browser {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("chromium is not installed at %s: run scripts/test.sh (it installs it) or apt-get install chromium", chromiumPath)
	}
	toChrome, ourW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	ourR, fromChrome, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(chromiumPath, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
		"--user-data-dir="+t.TempDir(), "--remote-debugging-pipe", "about:blank")
	cmd.ExtraFiles = []*os.File{toChrome, fromChrome} // fd 3, fd 4
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	toChrome.Close()
	fromChrome.Close()
	b := &browser{t: t, cmd: cmd, w: ourW, pending: map[int]chan cdpReply{}}
	t.Cleanup(func() {
		ourW.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		ourR.Close()
		if t.Failed() {
			t.Logf("chromium stderr:\n%s", stderr.String())
		}
	})
	go func() {
		rd := bufio.NewReader(ourR)
		for {
			msg, err := rd.ReadBytes(0)
			if err != nil {
				return
			}
			var r cdpReply
			if json.Unmarshal(msg[:len(msg)-1], &r) != nil || r.ID == 0 {
				continue // events
			}
			b.mu.Lock()
			ch := b.pending[r.ID]
			delete(b.pending, r.ID)
			b.mu.Unlock()
			if ch != nil {
				ch <- r
			}
		}
	}()
	var target struct {
		TargetID string `json:"targetId"`
	}
	b.call("Target.createTarget", map[string]any{"url": "about:blank"}, &target)
	var att struct {
		SessionID string `json:"sessionId"`
	}
	b.call("Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &att)
	b.session = att.SessionID
	// A phone-sized viewport: the pages must be usable there.
	b.call("Emulation.setDeviceMetricsOverride", map[string]any{"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": true}, nil)
	return b
}

func (b *browser) call(method string, params any, out any) {
	b.t.Helper()
	if err := b.try(method, params, out); err != nil {
		b.t.Fatal(err)
	}
}

// try is call that returns what went wrong instead of failing the test.
func (b *browser) try(method string, params any, out any) error {
	b.mu.Lock()
	b.next++
	id := b.next
	ch := make(chan cdpReply, 1)
	b.pending[id] = ch
	b.mu.Unlock()
	msg := map[string]any{"id": id, "method": method, "params": params}
	if b.session != "" {
		msg["sessionId"] = b.session
	}
	data, _ := json.Marshal(msg)
	if _, err := b.w.Write(append(data, 0)); err != nil {
		return fmt.Errorf("cdp %s: %v", method, err)
	}
	select {
	case r := <-ch:
		if r.Error != nil {
			return fmt.Errorf("cdp %s: %s", method, r.Error.Message)
		}
		if out != nil {
			if err := json.Unmarshal(r.Result, out); err != nil {
				return fmt.Errorf("cdp %s: %v", method, err)
			}
		}
		return nil
	case <-time.After(15 * time.Second):
		return fmt.Errorf("cdp %s: no answer", method)
	}
}

// navigating reports a CDP error that only says the page was between two
// documents when the call arrived (a click's navigation under way).
func navigating(err error) bool {
	for _, s := range []string{"Inspected target navigated or closed", "Cannot find context with specified id", "Execution context was destroyed"} {
		if strings.Contains(err.Error(), s) {
			return true
		}
	}
	return false
}

// eval runs JavaScript in the page (the test's driver, not the page's: the
// pages themselves have no script) and returns its value.
func (b *browser) eval(expr string) any {
	b.t.Helper()
	var res struct {
		Result struct {
			Value any `json:"value"`
		} `json:"result"`
		ExceptionDetails any `json:"exceptionDetails"`
	}
	b.call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &res)
	if res.ExceptionDetails != nil {
		b.t.Fatalf("eval %q: %v", expr, res.ExceptionDetails)
	}
	return res.Result.Value
}

func (b *browser) navigate(url string) {
	b.t.Helper()
	b.eval(`window.__stale = 1`)
	b.call("Page.navigate", map[string]any{"url": url}, nil)
	b.waitURL(url)
}

// waitURL waits until a new document (loaded after the last click or
// navigate) at a URL starting with prefix has finished loading.
func (b *browser) waitURL(prefix string) {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		// Polled while the page navigates: a call that lands between two
		// documents is asked again, not a failure.
		var res struct {
			Result struct {
				Value any `json:"value"`
			} `json:"result"`
		}
		err := b.try("Runtime.evaluate", map[string]any{"expression": `(window.__stale ? "stale" : document.readyState) + " " + location.href`, "returnByValue": true}, &res)
		if err != nil && !navigating(err) {
			b.t.Fatal(err)
		}
		v, _ := res.Result.Value.(string)
		state, href, _ := strings.Cut(v, " ")
		if state == "complete" && strings.HasPrefix(href, prefix) {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("waiting for %s: at %q (%s)\n%s", prefix, href, state, b.text())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (b *browser) text() string {
	s, _ := b.eval(`document.body ? document.body.innerText : ""`).(string)
	return s
}

// click presses and releases the mouse over the element's centre.
func (b *browser) click(selector string) {
	b.t.Helper()
	sel, _ := json.Marshal(selector)
	v := b.eval(fmt.Sprintf(`(() => { const e = document.querySelector(%s); if (!e) return null;
		e.scrollIntoView({block: "center"}); const r = e.getBoundingClientRect();
		return [r.left + r.width / 2, r.top + r.height / 2]; })()`, sel))
	xy, ok := v.([]any)
	if !ok {
		b.t.Fatalf("click: no element %s on page:\n%s", selector, b.text())
	}
	b.eval(`window.__stale = 1`) // waitURL waits for a new document
	for _, typ := range []string{"mousePressed", "mouseReleased"} {
		b.call("Input.dispatchMouseEvent", map[string]any{"type": typ, "x": xy[0], "y": xy[1], "button": "left", "clickCount": 1}, nil)
	}
}

// typeInto clears an input, focuses it and types text as a keyboard would.
func (b *browser) typeInto(selector, text string) {
	b.t.Helper()
	sel, _ := json.Marshal(selector)
	b.eval(fmt.Sprintf(`(() => { const e = document.querySelector(%s); if (e) e.value = ""; })()`, sel))
	b.click(selector)
	b.call("Input.insertText", map[string]any{"text": text}, nil)
}

// checkPhoneLayout asserts the SANDBOX label and no sideways scrolling.
func (b *browser) checkPhoneLayout() {
	b.t.Helper()
	if !strings.Contains(b.text(), "SANDBOX") {
		b.t.Errorf("page at %v is not labelled SANDBOX", b.eval("location.href"))
	}
	if w, _ := b.eval(`document.documentElement.scrollWidth`).(float64); w > 390 {
		b.t.Errorf("page at %v is %vpx wide on a 390px phone", b.eval("location.href"), w)
	}
	if n, _ := b.eval(`document.scripts.length`).(float64); n != 0 {
		b.t.Errorf("page at %v has %v scripts; pages must work without JavaScript", b.eval("location.href"), n)
	}
}

func TestHostedPagesInChromium(t *testing.T) {
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "<!doctype html><title>shop</title><p>Back at the shop: %s</p>", r.URL.RawQuery)
	}))
	defer shop.Close()
	sb := startSandbox(t, Options{Clock: NewClock(time.Time{})}) // real time: the test card expiry is checked against it
	c := newRaw(t, sb)
	b := startChromium(t)

	session := func(order string) resp {
		return must(t, c.post("/sessions", map[string]any{"amount": 3300, "currency": "JPY", "email": "k@example.com",
			"return_url": shop.URL + "/done?order=" + order, "payment_data": map[string]any{"external_order_num": order}}), 200)
	}
	payment := func(sid string) resp {
		return must(t, c.getr("/sessions/"+sid), 200)
	}

	t.Run("card with 3DS challenge", func(t *testing.T) {
		s := session("C-3DS")
		b.navigate(s.str("session_url"))
		b.checkPhoneLayout()
		b.typeInto("#cc-number", "4100000000005000")
		b.typeInto("#cc-month", "12")
		b.typeInto("#cc-year", "30")
		b.typeInto("#cc-cvc", "123")
		b.click("#form-credit_card button[type=submit]")
		b.waitURL(sb.BaseURL() + "/sandbox/3ds/")
		b.checkPhoneLayout()
		b.typeInto("#code", "000000") // wrong code: asked again
		b.click("#submit")
		b.waitURL(sb.BaseURL() + "/sandbox/payments/")
		if !strings.Contains(b.text(), "123456") {
			t.Errorf("wrong code page:\n%s", b.text())
		}
		b.typeInto("#code", "123456")
		b.click("#submit")
		b.waitURL(shop.URL + "/done?order=C-3DS&session_id=" + s.str("id"))
		got := payment(s.str("id"))
		if got.str("status") != "completed" || got.str("payment", "status") != "captured" {
			t.Errorf("after 3DS: session %s, payment %s", got.str("status"), got.str("payment", "status"))
		}
	})

	t.Run("card declined then 3DS cancel", func(t *testing.T) {
		s := session("C-DECL")
		b.navigate(s.str("session_url"))
		b.typeInto("#cc-number", "4123111111111000")
		b.typeInto("#cc-month", "12")
		b.typeInto("#cc-year", "30")
		b.click("#form-credit_card button[type=submit]")
		b.waitURL(s.str("session_url"))
		if !strings.Contains(strings.ToLower(b.text()), "insufficient funds") {
			t.Errorf("decline not shown:\n%s", b.text())
		}
		if v := b.eval(`document.querySelector("#cc-number").value`); v != "" || strings.Contains(b.eval(`document.documentElement.outerHTML`).(string), `value="4123111111111000"`) {
			t.Errorf("the card number was echoed back into the page (%v)", v)
		}
		b.typeInto("#cc-number", "3528000000005006")
		if v := b.eval(`document.querySelector("#cc-year").value`); v != "30" {
			t.Errorf("the year was not kept after the decline: %v", v)
		}
		b.click("#form-credit_card button[type=submit]")
		b.waitURL(sb.BaseURL() + "/sandbox/3ds/")
		b.click("#cancel")
		b.waitURL(shop.URL + "/done?order=C-DECL&session_id=" + s.str("id"))
		got := payment(s.str("id"))
		if got.str("status") != "pending" || got.str("payment", "status") != "cancelled" {
			t.Errorf("after cancel: session %s, payment %s", got.str("status"), got.str("payment", "status"))
		}
	})

	t.Run("wallet approval", func(t *testing.T) {
		s := session("W-1")
		b.navigate(s.str("session_url"))
		b.click("#form-paypay button")
		b.waitURL(sb.BaseURL() + "/sandbox/wallet/")
		b.checkPhoneLayout()
		if !strings.Contains(b.text(), "PayPay") || !strings.Contains(b.text(), "¥3,300") {
			t.Errorf("wallet page:\n%s", b.text())
		}
		b.click("#approve")
		b.waitURL(shop.URL + "/done?order=W-1&session_id=" + s.str("id"))
		if got := payment(s.str("id")); got.str("payment", "status") != "captured" || got.str("status") != "completed" {
			t.Errorf("after approve: %s", got.body)
		}
	})

	t.Run("konbini paid at the store", func(t *testing.T) {
		s := session("K-1")
		b.navigate(s.str("session_url"))
		b.eval(`document.querySelector("#kb-store").value = "lawson"`)
		b.click("#form-konbini button[type=submit]")
		b.waitURL(sb.BaseURL() + "/sandbox/instructions/")
		b.checkPhoneLayout()
		got := payment(s.str("id"))
		if got.str("payment", "status") != "authorized" {
			t.Fatalf("konbini payment: %s", got.body)
		}
		txt := b.text()
		if !strings.Contains(txt, "Lawson") || !strings.Contains(txt, got.str("payment", "payment_details", "receipt")) ||
			!strings.Contains(txt, got.str("payment", "payment_details", "confirmation_code")) {
			t.Errorf("instructions page lacks the store's codes:\n%s", txt)
		}
		b.click("#paid")
		b.waitURL(shop.URL + "/done?order=K-1&session_id=" + s.str("id"))
		if got := payment(s.str("id")); got.str("payment", "status") != "captured" {
			t.Errorf("after paid: %s", got.str("payment", "status"))
		}
	})

	t.Run("secure token authentication page", func(t *testing.T) {
		st := must(t, c.post("/secure_tokens", map[string]any{"amount": 4400, "currency": "JPY", "return_url": shop.URL + "/3ds",
			"payment_details": card("4100000000005000")}), 200)
		b.navigate(st.str("authentication_url"))
		b.checkPhoneLayout()
		if txt := b.text(); !strings.Contains(txt, "¥4,400") || !strings.Contains(txt, "5000") || !strings.Contains(txt, "NEEDS_VERIFY") {
			t.Errorf("authentication page:\n%s", txt)
		}
		b.typeInto("#code", "000000") // wrong code: asked again
		b.click("#submit")
		b.waitURL(sb.BaseURL() + "/sandbox/secure_tokens/")
		if !strings.Contains(b.text(), "123456") {
			t.Errorf("wrong code page:\n%s", b.text())
		}
		b.typeInto("#code", "123456")
		b.click("#submit")
		b.waitURL(shop.URL + "/3ds?secure_token_id=" + st.str("id"))
		if got := must(t, c.getr("/secure_tokens/"+st.str("id")), 200); got.str("verification_status") != "OK" {
			t.Errorf("after authenticating: %s", got.body)
		}
		// Cancel ends ERRORED and also returns to the shop.
		st2 := must(t, c.post("/secure_tokens", map[string]any{"amount": 4400, "currency": "JPY", "return_url": shop.URL + "/3ds",
			"payment_details": card("3528000000005006")}), 200)
		b.navigate(st2.str("authentication_url"))
		b.click("#cancel")
		b.waitURL(shop.URL + "/3ds?secure_token_id=" + st2.str("id"))
		if got := must(t, c.getr("/secure_tokens/"+st2.str("id")), 200); got.str("verification_status") != "ERRORED" {
			t.Errorf("after cancel: %s", got.body)
		}
		// Coming back to a finished token shows its status and the way back.
		b.navigate(st2.str("authentication_url"))
		if !strings.Contains(b.text(), "ERRORED") || b.eval(`document.querySelector("#continue") !== null`) != true {
			t.Errorf("finished token page:\n%s", b.text())
		}
	})

	t.Run("direct wallet payment returns with signed URL", func(t *testing.T) {
		p := must(t, c.post("/payments", map[string]any{"amount": 500, "currency": "JPY", "tax": 0, "return_url": shop.URL + "/direct",
			"payment_details": map[string]any{"type": "merpay"}}), 200)
		b.navigate(p.str("payment_details", "redirect_url"))
		b.click("#decline")
		b.waitURL(shop.URL + "/direct?")
		href, _ := b.eval("location.href").(string)
		if !strings.Contains(href, "hmac=") || !strings.Contains(href, "status=cancelled") {
			t.Errorf("return URL %s", href)
		}
		if got := must(t, c.getr("/payments/"+p.str("id")), 200); got.str("status") != "cancelled" {
			t.Errorf("after decline: %s", got.str("status"))
		}
	})
}
