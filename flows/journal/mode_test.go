package journal

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
)

// TestClaimMode: the first till or command that talks to KOMOJU marks the
// journal with its mode; the same mode opens it again (another process
// too), another mode is refused with words that name both, and an unknown
// mode is an error. A PostgreSQL URL's password never appears.
func TestClaimMode(t *testing.T) { both(t, testClaimMode) }

func testClaimMode(t *testing.T) {
	path, password := testPath(t), ""
	if onPostgres(t) {
		// A password in the URL (the test server trusts any) that the
		// refusal must not print.
		u, err := url.Parse(path)
		if err != nil {
			t.Fatal(err)
		}
		if p, ok := u.User.Password(); ok {
			password = p
		} else {
			password = "secret-pw"
			u.User = url.UserPassword(u.User.Username(), password)
			path = u.String()
		}
	}
	ctx := context.Background()
	open := func() *Journal {
		t.Helper()
		j, err := OpenWith(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { j.Close() })
		return j
	}
	a, b := open(), open()
	if err := a.ClaimMode(ctx, ModeLive); err != nil {
		t.Fatalf("first claim: %v", err)
	}
	if err := b.ClaimMode(ctx, ModeLive); err != nil {
		t.Fatalf("the same mode from another process: %v", err)
	}
	err := b.ClaimMode(ctx, ModeSandbox)
	var me *ModeError
	if !errors.As(err, &me) || !errors.Is(err, ErrOtherMode) || me.Kept != ModeLive || me.Want != ModeSandbox {
		t.Fatalf("sandbox on a live journal: %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "keeps the sales of live mode and komoju-tui is in sandbox mode") ||
		!strings.Contains(msg, "leave out --journal") || (password != "" && strings.Contains(msg, password)) {
		t.Errorf("refusal: %s", msg)
	}
	if err := open().ClaimMode(ctx, ModeLive); err != nil {
		t.Errorf("live again after a refused sandbox: %v", err)
	}
	if err := a.ClaimMode(ctx, "prod"); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown mode: %v", err)
	}
}
