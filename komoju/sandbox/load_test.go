package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
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
