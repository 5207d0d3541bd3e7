package sandbox

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// On a network address the public built-in keys would let anyone on the
// network drive the sandbox: fresh keys are generated, and the built-in
// ones are refused unless allowed explicitly.
func TestNetworkAddressGetsFreshKeys(t *testing.T) {
	sb := startSandbox(t, Options{Addr: "0.0.0.0:0"})
	keyShape := regexp.MustCompile(`^(sk|pk)_[0-9a-f]{40}$`)
	if !sb.OnNetwork() || !sb.KeysGenerated() || !keyShape.MatchString(sb.SecretKey()) || !keyShape.MatchString(sb.PublishableKey()) ||
		sb.WebhookSecret() == DefaultWebhookSecret || sb.WebhookSecret() == "" {
		t.Fatalf("network sandbox keys: %s %s %s", sb.SecretKey(), sb.PublishableKey(), sb.WebhookSecret())
	}
	other := startSandbox(t, Options{Addr: "0.0.0.0:0"})
	if other.SecretKey() == sb.SecretKey() {
		t.Error("two network sandboxes got the same key")
	}
	c := newRaw(t, sb)
	c.key = DefaultSecretKey
	mustErr(t, c.post("/sandbox/reset", nil), 401, "unauthorized")
	mustErr(t, c.getr("/payments"), 401, "unauthorized")
	c.key = sb.SecretKey()
	must(t, c.getr("/payments"), 200)

	for _, o := range []Options{{Addr: "0.0.0.0:0", SecretKey: DefaultSecretKey}, {Addr: ":0", WebhookSecret: DefaultWebhookSecret}} {
		if s, err := New(o); err == nil {
			s.Close()
			t.Errorf("New(%+v) accepted a built-in key on a network address", o)
		} else if !strings.Contains(err.Error(), "allow-default-keys") {
			t.Errorf("error does not say how to allow it: %v", err)
		}
	}
	allowed := startSandbox(t, Options{Addr: "0.0.0.0:0", SecretKey: DefaultSecretKey, PublishableKey: DefaultPublishableKey, WebhookSecret: DefaultWebhookSecret, AllowDefaultKeys: true})
	if allowed.SecretKey() != DefaultSecretKey || allowed.KeysGenerated() {
		t.Errorf("allowed default keys: %s", allowed.SecretKey())
	}
	// Loopback keeps the built-in keys, so demos need no configuration.
	local := startSandbox(t, Options{})
	if local.OnNetwork() || local.SecretKey() != DefaultSecretKey {
		t.Errorf("loopback sandbox: %v %s", local.OnNetwork(), local.SecretKey())
	}
}

func TestLoopbackAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:7777": true, "localhost:0": true, "[::1]:1": true, "127.1.2.3:9": true,
		"0.0.0.0:7777": false, ":7777": false, "[::]:1": false, "192.168.1.20:7777": false, "example.com:80": false, "nonsense": false,
	} {
		if got := loopbackAddr(addr); got != want {
			t.Errorf("loopbackAddr(%q) = %v", addr, got)
		}
	}
}

func TestCommandOnNetworkWarnsAndPrintsFreshKeys(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	code := make(chan int, 1)
	go func() { code <- Command(ctx, []string{"--addr", "0.0.0.0:0"}, &out, &errOut) }()
	re := regexp.MustCompile(`Secret key:\s+(sk_[0-9a-f]{40})`)
	var key string
	for deadline := time.Now().Add(5 * time.Second); key == ""; time.Sleep(10 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			key = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("no fresh key printed; stdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
		}
	}
	if strings.Contains(out.String(), DefaultSecretKey) || !strings.Contains(errOut.String(), "warning: listening on a network address") ||
		!strings.Contains(errOut.String(), "fresh keys were generated") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
	}
	cancel()
	if c := <-code; c != 0 {
		t.Errorf("exit %d", c)
	}
	var out2, errOut2 syncBuffer
	if c := Command(context.Background(), []string{"--addr", "0.0.0.0:0", "--secret-key", DefaultSecretKey}, &out2, &errOut2); c != 1 || !strings.Contains(errOut2.String(), "--allow-default-keys") {
		t.Errorf("built-in key on the network: exit %d, stderr %s", c, errOut2.String())
	}
	_ = http.StatusOK
}
