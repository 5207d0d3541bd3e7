package journal

import (
	"context"
	"database/sql"
	"runtime"
	"sync"
	"time"
)

// A listing of a whole busy day (history --limit 0) is a row dump, and
// the pure-Go SQLite driver steps its VM and moves each column out at
// about twice the cost of the C sqlite3 shell. The dump is cut instead
// into windows of created_at, read by several connections at once and
// prepared (formatted) in parallel, then handed over in order: on two
// cores a 100k-sale day is listed in a little over half the time, and at
// most a few windows are held at once.
// Variables, not constants, so tests cut a small day into windows.
var (
	// listedParallelFrom is the fewest sales worth the span query and
	// the extra connections; smaller listings are read as one query.
	listedParallelFrom int64 = 4000
	// listedWindowRows is the rows a window holds when the sales are
	// spread evenly over the span; listedMaxWindows bounds the queries.
	listedWindowRows int64 = 5000
	listedMaxWindows int64 = 256
)

const (
	// listedMaxReaders: more readers than two cost more CPU than they
	// save on the two-core machines the docs measure, and each holds one
	// of the pool's 4 connections (unpackListed may need another).
	listedMaxReaders = 2
	// listedSeqBatch is a batch's size when the listing is one query.
	listedSeqBatch = 1000
)

// EachListedBatch gives what EachListed gives, in the same order, a batch
// at a time: prepare turns each batch into a T, concurrently with other
// batches' reads and prepares (it must be safe for concurrent use, and
// must not keep the slice), and consume takes the Ts one at a time, in
// listing order. A listing with no limit (Limit < 0) and enough sales is
// read as windows of created_at on several connections; any other is one
// query. The first error (reading, or consume's) ends the listing and is
// returned once every reader has stopped.
func EachListedBatch[T any](ctx context.Context, j *Journal, f Filter, prepare func([]Listed) T, consume func(T) error) error {
	readers := min(runtime.GOMAXPROCS(0), listedMaxReaders)
	if f.Limit >= 0 || f.Offset > 0 || readers < 2 {
		return eachListedSeq(ctx, j, f, prepare, consume)
	}
	n, lo, hi, err := j.listedSpan(ctx, f)
	if err != nil {
		return err
	}
	if n < listedParallelFrom || hi <= lo {
		return eachListedSeq(ctx, j, f, prepare, consume)
	}
	return eachListedWindows(ctx, j, f, n, windowsOf(n, lo, hi), readers, prepare, consume)
}

// eachListedSeq is the listing as one query, batched.
func eachListedSeq[T any](ctx context.Context, j *Journal, f Filter, prepare func([]Listed) T, consume func(T) error) error {
	batch := make([]Listed, 0, listedSeqBatch)
	err := j.EachListed(ctx, f, func(l *Listed) error {
		if batch = append(batch, *l); len(batch) < listedSeqBatch {
			return nil
		}
		err := consume(prepare(batch))
		batch = batch[:0]
		return err
	})
	if err != nil || len(batch) == 0 {
		return err
	}
	return consume(prepare(batch))
}

// listedSpan counts the sales f keeps and gives the first and last
// created_at among them (one pass over sales_created for a day).
func (j *Journal) listedSpan(ctx context.Context, f Filter) (n, lo, hi int64, err error) {
	where, args, _ := f.where()
	var first, last *int64
	err = j.db.QueryRowContext(ctx, `SELECT count(*), min(created_at), max(created_at) FROM sales WHERE 1=1`+where, args...).Scan(&n, &first, &last)
	if err != nil || first == nil || last == nil {
		return 0, 0, 0, j.wrap("list sales", err)
	}
	return n, *first, *last, nil
}

// listedWindow is [from, to) of created_at, in milliseconds.
type listedWindow struct{ from, to int64 }

// windowsOf cuts [lo, hi] into windows of equal length, newest first,
// about listedWindowRows sales each if they are spread evenly.
func windowsOf(n, lo, hi int64) []listedWindow {
	k := min(max(n/listedWindowRows, 2), listedMaxWindows)
	span := hi - lo + 1
	k = min(k, span)
	step := (span + k - 1) / k
	out := make([]listedWindow, 0, k)
	for to := hi + 1; to > lo; to -= step {
		out = append(out, listedWindow{from: max(to-step, lo), to: to})
	}
	return out
}

// eachListedWindows reads the windows on readers connections, prepares
// each, and consumes them in order. At most readers+2 windows are read
// ahead of consume.
func eachListedWindows[T any](ctx context.Context, j *Journal, f Filter, n int64, windows []listedWindow, readers int, prepare func([]Listed) T, consume func(T) error) error {
	hint := int(n)/len(windows) + int(n)/len(windows)/4 // the rows of an even window, and a margin
	lw, err := j.prepareWindows(ctx, f)
	if err != nil {
		return err
	}
	defer lw.stmt.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		v   T
		err error
	}
	results := make([]chan result, len(windows))
	for i := range results {
		results[i] = make(chan result, 1) // a reader never waits to hand over
	}
	ahead := make(chan struct{}, readers+2)
	next := make(chan int)
	var wg sync.WaitGroup
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				rows, err := lw.read(ctx, windows[i], hint)
				var v T
				if err == nil {
					v = prepare(rows)
				}
				results[i] <- result{v, err}
			}
		}()
	}
	// The feeder hands out windows in order, no further ahead than
	// consume allows.
	go func() {
		defer close(next)
		for i := range windows {
			select {
			case ahead <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	for i := range windows {
		var r result
		select {
		case r = <-results[i]:
		case <-ctx.Done():
			r.err = ctx.Err()
		}
		if err = r.err; err == nil {
			err = consume(r.v)
		}
		if err != nil {
			break
		}
		<-ahead // window i was handed out (its result came): its slot is taken
	}
	cancel()
	wg.Wait()
	return err
}

// listedWindows is the query of a window's rows, prepared once for every
// window of a listing (SQLite parses the listing's SQL in about half a
// millisecond, per query).
type listedWindows struct {
	j    *Journal
	loc  *time.Location
	stmt *sql.Stmt
	args []any // f's own arguments, after the window's bounds
}

func (j *Journal) prepareWindows(ctx context.Context, f Filter) (*listedWindows, error) {
	_, _, loc := f.where()
	// The window lies within f's day: its bounds replace the day's, so
	// sales_created is read over the window alone (SQLite takes one pair
	// of bounds for an index range and would scan the day per window).
	f.Day = time.Time{}
	where, args, _ := f.where()
	stmt, err := j.db.PrepareContext(ctx, `SELECT `+j.listedSelect()+` FROM sales WHERE created_at >= ? AND created_at < ?`+where+
		` ORDER BY created_at DESC, id DESC`)
	if err != nil {
		return nil, j.wrap("list sales", err)
	}
	return &listedWindows{j: j, loc: loc, stmt: stmt, args: args}, nil
}

// read reads the Listed rows within w, in listing order.
func (lw *listedWindows) read(ctx context.Context, w listedWindow, hint int) ([]Listed, error) {
	rows, err := lw.stmt.QueryContext(ctx, append([]any{w.from, w.to}, lw.args...)...)
	if err != nil {
		return nil, lw.j.wrap("list sales", err)
	}
	out := make([]Listed, 0, hint)
	err = lw.j.scanListed(ctx, lw.loc, rows, func(l *Listed) error {
		out = append(out, *l)
		return nil
	})
	return out, err
}
