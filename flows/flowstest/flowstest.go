// Package flowstest builds the world the test suites run in — an
// in-process sandbox, a KOMOJU client for it and a sale journal — on one
// clock, so no test mixes the machine's date with a fixed one (a test that
// did passed on one day of the year only). The engine is built by each
// suite from Deps (flows' own tests cannot import a package that imports
// flows).
package flowstest

import (
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/komoju"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

// JST is the shop's zone (journal.JST), the zone of the tests' fixed date.
var JST = journal.JST

// Start is the date every suite runs on: 24 November 2026, 10:00 JST.
var Start = time.Date(2026, 11, 24, 10, 0, 0, 0, JST)

// CardExpiry is a card expiry that is valid on the suites' clock.
const CardExpiry = "12/30"

// Options tunes New. The zero value is a running clock from Start, a
// sandbox, a client without retry sleeps, and a journal.
type Options struct {
	// Frozen stops the clock at Start (goldens); only Advance moves it.
	Frozen bool
	// Sandbox configures the sandbox; its Clock is the suite's clock.
	Sandbox sandbox.Options
	// NoJournal runs without a sale journal.
	NoJournal bool
	// Journal configures the journal; its Now is the suite's clock.
	Journal journal.Options
	// HTTPClient, when set, is the client's HTTP client (fault injection).
	HTTPClient *http.Client
	// Client adds client options after the defaults.
	Client []komoju.Option
}

// Env is one suite's world. Everything is closed when the test ends.
type Env struct {
	Clock   *sandbox.Clock
	Sandbox *sandbox.Server
	Client  *komoju.Client
	Journal *journal.Journal // nil with NoJournal
	Dir     string           // a temporary directory for files the test writes
}

// New builds an Env on one clock.
func New(t testing.TB, o Options) *Env {
	t.Helper()
	clock := sandbox.NewRunningClock(Start)
	if o.Frozen {
		clock = sandbox.NewClock(Start)
	}
	o.Sandbox.Clock = clock
	if o.Sandbox.WebhookBackoff == 0 {
		o.Sandbox.WebhookBackoff = time.Millisecond
	}
	sb, err := sandbox.New(o.Sandbox)
	if err != nil {
		t.Fatalf("sandbox: %v", err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	opts := []komoju.Option{komoju.WithBaseURL(sb.URL()), komoju.WithPublishableKey(sb.PublishableKey()),
		komoju.WithBackoff(func(int) time.Duration { return 0 })}
	if o.HTTPClient != nil {
		opts = append(opts, komoju.WithHTTPClient(o.HTTPClient))
	}
	opts = append(opts, o.Client...)
	env := &Env{Clock: clock, Sandbox: sb, Client: komoju.NewClient(sb.SecretKey(), opts...), Dir: t.TempDir()}
	if !o.NoJournal {
		jo := o.Journal
		jo.Now = clock.Now
		j, err := journal.OpenWith(filepath.Join(env.Dir, "journal.db"), jo)
		if err != nil {
			t.Fatalf("journal: %v", err)
		}
		t.Cleanup(func() { _ = j.Close() })
		env.Journal = j
	}
	return env
}

// Now is the suite's clock.
func (e *Env) Now() time.Time { return e.Clock.Now() }
