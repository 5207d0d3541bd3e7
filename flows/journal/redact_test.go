package journal

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// hexKey is a KOMOJU test key's shape as in KOMOJU's own plugin tests:
// "sk_" + 40 hex characters. Before, only sk_live_/sk_test_ were known.
const hexKey = "sk_0123456789abcdef0123456789abcdef01234567"

func TestEveryKeyShapeIsKeptOut(t *testing.T) { both(t, testEveryKeyShapeIsKeptOut) }

func testEveryKeyShapeIsKeptOut(t *testing.T) {
	j, _ := openTest(t)
	ctx := context.Background()
	for _, key := range []string{hexKey, "sk_test_abcdefgh12345678", "sk_live_abcdefgh12345678"} {
		if _, err := j.BeginSale(ctx, Intent{OrderNum: "K-" + key[:5], IdempotencyKey: "k-" + key[:5], Flow: FlowDirect, Amount: 1, Currency: "JPY",
			Name: "Taro " + key}); !errors.Is(err, ErrCardData) {
			t.Errorf("a name holding %s: %v, want ErrCardData", key[:6], err)
		}
	}
	// Text the journal must keep, masked: a rejected delivery's reason, an
	// action's error message.
	if _, err := j.RecordEvent(ctx, StoredEvent{Type: "x", Body: []byte("{}"), VerifyError: "proxy said Authorization: Basic c2tfdGVzdDo= for " + hexKey}); err != nil {
		t.Fatal(err)
	}
	id, err := j.BeginAction(ctx, Action{PaymentID: "pay_1", Kind: ActionCapture, IdempotencyKey: "idem-1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.FinishAction(ctx, id, ActionResult{Outcome: "error", ErrorCode: "unauthorized", ErrorMessage: "bad key " + hexKey}); err != nil {
		t.Fatal(err)
	}
	j.Close()
	stored := storedText(t, j.Path())
	if !strings.Contains(stored, "unauthorized") {
		t.Fatal("storedText found nothing the test wrote")
	}
	for _, leak := range []string{hexKey[3:], "c2tfdGVzdDo="} {
		if strings.Contains(stored, leak) {
			t.Errorf("the journal file holds %q", leak)
		}
	}
}
