package sandbox

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a goroutine-safe bytes.Buffer.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestCommandServesUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	code := make(chan int, 1)
	go func() {
		code <- Command(ctx, []string{"--addr", "127.0.0.1:0", "--seed", "3", "--webhook-url", "http://127.0.0.1:1/hook"}, &out, &errOut)
	}()
	re := regexp.MustCompile(`API base URL:\s+(http://\S+/api/v1)`)
	var base string
	deadline := time.Now().Add(5 * time.Second)
	for base == "" {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("no base URL printed; stdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
		} else {
			time.Sleep(10 * time.Millisecond)
		}
	}
	for _, want := range []string{DefaultSecretKey, DefaultPublishableKey, DefaultWebhookSecret} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout lacks %s:\n%s", want, out.String())
		}
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/payment_methods", nil)
	req.SetBasicAuth(DefaultSecretKey, "")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("payment_methods: %d", res.StatusCode)
	}
	cancel()
	select {
	case c := <-code:
		if c != 0 {
			t.Errorf("exit code %d; stderr: %s", c, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Command did not stop after cancel")
	}
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Error("server still answering after shutdown")
	}
}

// TestCommandHelpGoesToStdout: help the user asked for is the command's
// output ("komoju-tui sandbox --help | less" shows it, "komoju-tui help
// sandbox" too); after a mistake the usage goes to stderr with the error.
func TestCommandHelpGoesToStdout(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--help"}, "Usage: komoju-tui sandbox [flags]"},
		{[]string{"-h"}, "-webhook-url"},
		{[]string{"load", "--help"}, "Usage: komoju-tui sandbox load [flags]"},
		{[]string{"load", "-h"}, "-scenario"},
	} {
		var out, errOut syncBuffer
		code := CommandEnv(context.Background(), c.args, &out, &errOut, func(string) string { return "" })
		if code != 0 || !strings.Contains(out.String(), c.want) || errOut.String() != "" {
			t.Errorf("%v: exit %d\nstdout:\n%s\nstderr:\n%s", c.args, code, out.String(), errOut.String())
		}
	}
	for _, args := range [][]string{{"--nope"}, {"load", "--nope"}} {
		var out, errOut syncBuffer
		code := CommandEnv(context.Background(), args, &out, &errOut, func(string) string { return "" })
		if code != 2 || out.String() != "" || !strings.Contains(errOut.String(), "flag provided but not defined: -nope") ||
			!strings.Contains(errOut.String(), "Usage: komoju-tui sandbox") {
			t.Errorf("%v: exit %d\nstdout:\n%s\nstderr:\n%s", args, code, out.String(), errOut.String())
		}
	}
}

func TestCommandBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--fail-rate", "2"},
		{"--drop-rate", "-0.5"},
		{"--latency", "soon"},
		{"--webhook-url", "not a url"},
		{"--nope"},
		{"extra"},
		{"--webhook-url", "http://127.0.0.1:1/hook payment.nope"},
		{"--webhook-url", "http://169.254.169.254/latest/meta-data/"},
		{"--slow", "2m"},
		{"--slow-only", "payments"},
		{"--slow-rate", "3"},
		{"--fresh"},
	} {
		var out, errOut syncBuffer
		if code := Command(context.Background(), args, &out, &errOut); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
		if errOut.String() == "" {
			t.Errorf("%v: no error message", args)
		}
	}
	var out, errOut syncBuffer
	if code := Command(context.Background(), []string{"--addr", "256.0.0.1:99999"}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "listen") {
		t.Errorf("bad addr: exit %d, stderr %q", code, errOut.String())
	}
}

func TestCloseDoesNotWaitForSimulatedLatency(t *testing.T) {
	sb, err := New(Options{Latency: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		req, _ := http.NewRequest(http.MethodGet, sb.URL()+"/payments", nil)
		req.SetBasicAuth(sb.SecretKey(), "")
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
		}
	}()
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	if err := sb.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Close took %s", d)
	}
	<-done
}

// TestCommandRealKeys: --real-keys prints keys of KOMOJU's shape instead of
// the fixed defaults.
func TestCommandRealKeys(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	code := make(chan int, 1)
	go func() {
		code <- Command(ctx, []string{"--addr", "127.0.0.1:0", "--seed", "5", "--real-keys"}, &out, &errOut)
	}()
	re := regexp.MustCompile(`\bsk_[0-9a-f]{40}\b[\s\S]*\bpk_[0-9a-f]{40}\b`)
	deadline := time.Now().Add(5 * time.Second)
	for !re.MatchString(out.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("no real-shaped keys printed; stdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if strings.Contains(out.String(), DefaultSecretKey) {
		t.Errorf("the default key is still printed:\n%s", out.String())
	}
	cancel()
	if c := <-code; c != 0 {
		t.Errorf("exit %d", c)
	}
}

func TestCommandStateFlag(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	run := func(args ...string) string {
		ctx, cancel := context.WithCancel(context.Background())
		var out, errOut syncBuffer
		code := make(chan int, 1)
		go func() {
			code <- Command(ctx, append([]string{"--addr", "127.0.0.1:0", "--state", path}, args...), &out, &errOut)
		}()
		re := regexp.MustCompile(`API base URL:\s+(http://\S+/api/v1)`)
		var base string
		for deadline := time.Now().Add(5 * time.Second); base == ""; time.Sleep(10 * time.Millisecond) {
			if m := re.FindStringSubmatch(out.String()); m != nil {
				base = m[1]
			} else if time.Now().After(deadline) {
				t.Fatalf("no base URL; stdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
			}
		}
		req, _ := http.NewRequest(http.MethodPost, base+"/payments", strings.NewReader(`{"amount":100,"currency":"JPY","payment_details":{"type":"konbini","store":"lawson","email":"a@example.com"}}`))
		req.SetBasicAuth(DefaultSecretKey, "")
		req.Header.Set("Content-Type", "application/json")
		if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 200 {
			t.Fatalf("create: %v %v", res, err)
		} else {
			res.Body.Close()
		}
		cancel()
		if c := <-code; c != 0 {
			t.Fatalf("exit %d: %s", c, errOut.String())
		}
		return out.String()
	}
	first := run()
	if !strings.Contains(first, "State file:       "+path) {
		t.Errorf("banner:\n%s", first)
	}
	if second := run(); !strings.Contains(second, "restored from "+path+": 1 payments") {
		t.Errorf("second start:\n%s", second)
	}
	if third := run("--fresh"); !strings.Contains(third, "started empty") {
		t.Errorf("fresh start:\n%s", third)
	}
}
