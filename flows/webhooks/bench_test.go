package webhooks_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/webhooks"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// BenchmarkReceiver measures one verified delivery end to end through the
// handler (signature check, parse, dedupe, journal write, answer): how
// quickly the sender gets its 200.
func BenchmarkReceiver(b *testing.B) {
	for _, withJournal := range []bool{false, true} {
		name := "memory"
		if withJournal {
			name = "journal"
		}
		b.Run(name, func(b *testing.B) {
			o := webhooks.Options{Secret: itSecret}
			if withJournal {
				j, err := journal.Open(filepath.Join(b.TempDir(), "j.db"))
				if err != nil {
					b.Fatal(err)
				}
				defer j.Close()
				o.Journal = j
			}
			r, err := webhooks.New(o)
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			bodies := make([][]byte, b.N)
			sigs := make([]string, b.N)
			for i := range bodies {
				bodies[i] = []byte(fmt.Sprintf(`{"id":"evt_bench_%d","type":"payment.captured","resource":"event","data":{"id":"pay_bench_%d","resource":"payment","status":"captured","amount":1000,"total":1000,"currency":"JPY"},"created_at":"2026-11-24T09:00:00Z","reason":null}`, i, i))
				sigs[i] = komoju.SignWebhook(bodies[i], itSecret)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				req := httptest.NewRequest(http.MethodPost, webhooks.Path, bytes.NewReader(bodies[i]))
				req.Header.Set("X-Komoju-Signature", sigs[i])
				rec := httptest.NewRecorder()
				r.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("answered %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
