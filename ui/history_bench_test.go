package ui

import (
	"context"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/journal/journaltest"
)

// BenchmarkHistoryKeys measures each History keypress against a journal
// with 1k, 10k and 100k sales today (journaltest's bulk journal: cards and
// konbini, some declined, some refunded), as the console runs it: the key
// through Update, the journal query its command runs, the answer through
// Update, and View at 120x40.
//
//   - open: a new History screen loads (first page, count, the day's totals).
//
//   - filter: tab to the next status filter (first page and count).
//
//   - scroll: one row down (a page is read when the cursor nears the
//     window's edge).
//
//   - heap-MB: live heap after a GC with the screen open (everything the
//     process holds, the journal's connection cache included).
//
//     go test -run '^$' -bench HistoryKeys -benchtime 200x ./ui/
//
// KOMOJU_TUI_BENCH_SIZES=1k,10k narrows the sizes.
func BenchmarkHistoryKeys(b *testing.B) {
	sizes := []journaltest.Size{{Name: "1k", Sales: 1_000}, {Name: "10k", Sales: 10_000}, {Name: "100k", Sales: 100_000}}
	if os.Getenv(journaltest.SizesEnv) != "" {
		sizes = journaltest.Sizes(b)
	}
	// Today in Japan: the bulk day runs 09:00-21:00 JST on 23 November.
	end := time.Date(2026, 11, 24, 0, 0, 0, 0, journal.JST)
	now := end.Add(-2 * time.Hour)
	for _, sz := range sizes {
		path := journaltest.Cached(b, journaltest.Options{Sales: sz.Sales, PerDay: sz.Sales, End: end})
		j, err := journal.OpenWith(path, journal.Options{Now: func() time.Time { return now }})
		if err != nil {
			b.Fatal(err)
		}
		c := common{width: 120, height: 40, st: newStyles(), t: newTr("en"), now: func() time.Time { return now }}
		// open is the keypress: the screen with its first page.
		open := func() historyModel {
			h := newHistoryModel(c, newKeyMap(c.t), j, context.Background()).SetCommon(c, 34)
			h, _ = h.Load() // its commands, run one at a time:
			h, _ = runHistory(h, h.firstPageCmd())
			if h.err != nil || len(h.rows) != h.pageSize() {
				b.Fatalf("%d rows, %v", len(h.rows), h.err)
			}
			return h
		}
		b.Run("open/"+sz.Name, func(b *testing.B) {
			for b.Loop() {
				h := open()
				_ = h.View("")
			}
			runtime.GC()
			h := open()
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MB")
			runtime.KeepAlive(h)
		})
		b.Run("totals/"+sz.Name, func(b *testing.B) {
			h := open()
			for b.Loop() {
				h, _ = runHistory(h, h.countCmd(true))
				_ = h.View("")
			}
			if h.total != int64(sz.Sales) || !h.summed {
				b.Fatalf("count %d of %d", h.total, sz.Sales)
			}
		})
		b.Run("filter/"+sz.Name, func(b *testing.B) {
			h := open()
			for b.Loop() {
				h, _ = h.Update(keyMsg("tab"))
				h, _ = runHistory(h, h.firstPageCmd())
				_ = h.View("")
			}
		})
		b.Run("filter-count/"+sz.Name, func(b *testing.B) {
			h := open()
			for b.Loop() {
				h, _ = h.Update(keyMsg("tab"))
				h, _ = runHistory(h, h.countCmd(false))
			}
		})
		b.Run("scroll/"+sz.Name, func(b *testing.B) {
			h := open()
			var worst time.Duration
			for b.Loop() {
				t0 := time.Now()
				h, _ = historyKey(h, "down")
				_ = h.View("")
				worst = max(worst, time.Since(t0))
				if h.atEnd && h.table.Cursor() == len(h.rows)-1 {
					h = open() // the bottom of the day: start again
				}
			}
			b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms")
		})
		j.Close()
	}
}
