package journal

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // America/New_York for the DST test, whatever the host has

	"github.com/komoju-tui/komoju-tui/flows/termtext"
	"github.com/komoju-tui/komoju-tui/komoju"
)

var jst = time.FixedZone("JST", 9*60*60)

// daySale is one hand-built sale for the summary tests.
type daySale struct {
	at       time.Time
	order    string
	method   komoju.PaymentType
	currency string
	amount   int64
	tax      int64
	status   komoju.PaymentStatus // "" = no payment
	outcome  string               // "" = intent only, never finished
	refunded int64
}

func buildDay(t *testing.T, j *Journal, c *clock, sales []daySale) []int64 {
	t.Helper()
	ctx := context.Background()
	var ids []int64
	for i, d := range sales {
		c.set(d.at)
		in := intent(d.order)
		in.Method, in.Currency, in.Amount, in.Tax = d.method, d.currency, d.amount, d.tax
		if i%2 == 1 {
			in.Flow = FlowSession
		}
		id, err := j.BeginSale(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
		if d.outcome == "" {
			continue
		}
		c.advance(3 * time.Second)
		if d.status == "" {
			if err := j.FinishSale(ctx, id, Result{Outcome: d.outcome, ErrorCode: "card_declined", ErrorMessage: "declined"}); err != nil {
				t.Fatal(err)
			}
			continue
		}
		p := payment("pay_"+d.order, d.order, d.status, d.amount+d.tax, 0)
		p.Amount, p.Tax, p.Currency = d.amount, d.tax, d.currency
		p.PaymentDetails = &komoju.PaymentDetails{Type: d.method}
		if d.refunded > 0 {
			// Captured first, then the refund seen by a webhook.
			st := p.Status
			p.Status = komoju.PaymentCaptured
			if err := j.FinishSale(ctx, id, ResultFromPayment(p, d.outcome)); err != nil {
				t.Fatal(err)
			}
			c.advance(time.Minute)
			p.Status, p.AmountRefunded = st, d.refunded
			if err := j.RecordPayment(ctx, p, SourceWebhook); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := j.FinishSale(ctx, id, ResultFromPayment(p, d.outcome)); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

func at(day, hh, mm, ss int, loc *time.Location) time.Time {
	return time.Date(2026, 11, day, hh, mm, ss, 0, loc)
}

// handBuiltDay is 24 November 2026 in Tokyo, plus one sale on each
// neighbouring day right at the boundary.
var handBuiltDay = []daySale{
	{at(23, 23, 59, 59, jst), "POS-20261123-0099", komoju.TypeCreditCard, "JPY", 9999, 0, komoju.PaymentCaptured, OutcomePaid, 0},
	{at(24, 0, 0, 0, jst), "POS-20261124-0001", komoju.TypeCreditCard, "JPY", 1000, 0, komoju.PaymentCaptured, OutcomePaid, 0},
	{at(24, 10, 0, 0, jst), "POS-20261124-0002", komoju.TypeKonbini, "JPY", 500, 0, komoju.PaymentAuthorized, OutcomeAwaiting, 0},
	{at(24, 11, 0, 0, jst), "POS-20261124-0003", komoju.TypeCreditCard, "JPY", 2000, 0, komoju.PaymentCaptured, OutcomePaid, 300},
	{at(24, 12, 0, 0, jst), "POS-20261124-0004", komoju.TypeCreditCard, "JPY", 1500, 0, komoju.PaymentRefunded, OutcomePaid, 1500},
	{at(24, 13, 0, 0, jst), "POS-20261124-0005", komoju.TypePayPay, "JPY", 800, 0, "", OutcomeError, 0},
	{at(24, 14, 0, 0, jst), "POS-20261124-0006", komoju.TypeCreditCard, "JPY", 3000, 0, komoju.PaymentAuthorized, OutcomeAuthorized, 0},
	{at(24, 15, 0, 0, jst), "POS-20261124-0007", komoju.TypeKonbini, "JPY", 700, 70, komoju.PaymentCaptured, OutcomeAwaiting, 0},
	{at(24, 16, 0, 0, jst), "POS-20261124-0008", komoju.TypeBankTransfer, "JPY", 400, 0, "", "", 0},
	{at(24, 17, 0, 0, jst), "POS-20261124-0009", komoju.TypeCreditCard, "USD", 1050, 0, komoju.PaymentCaptured, OutcomePaid, 50},
	{at(24, 23, 59, 59, jst), "POS-20261124-0010", komoju.TypeCreditCard, "USD", 100, 0, komoju.PaymentCancelled, OutcomeAuthorized, 0},
	{at(25, 0, 0, 0, jst), "POS-20261125-0001", komoju.TypeCreditCard, "JPY", 8888, 0, komoju.PaymentCaptured, OutcomePaid, 0},
}

func TestSummaryHandBuiltDay(t *testing.T) { both(t, testSummaryHandBuiltDay) }

func testSummaryHandBuiltDay(t *testing.T) {
	j, c := openTest(t)
	buildDay(t, j, c, handBuiltDay)
	got, err := j.Summary(context.Background(), at(24, 12, 0, 0, jst), jst)
	if err != nil {
		t.Fatal(err)
	}
	want := Summary{
		Day: at(24, 0, 0, 0, jst), Open: 3, // 0002 and 0006 authorized, 0008 never finished
		Currencies: []CurrencySummary{
			{
				Currency: "JPY", Sales: 8, Paid: 4, Refunds: 2,
				Captured: 1000 + 2000 + 1500 + 770, Refunded: 300 + 1500, Net: 1000 + 1700 + 0 + 770,
				Authorized: 500 + 3000,
				ByMethod: []Bucket{
					{Key: "bank_transfer", Count: 1, Gross: 400},
					{Key: "credit_card", Count: 4, Gross: 7500, Paid: 3, Captured: 4500, Refunded: 1800, Net: 2700},
					{Key: "konbini", Count: 2, Gross: 1270, Paid: 1, Captured: 770, Net: 770},
					{Key: "paypay", Count: 1, Gross: 800},
				},
				ByStatus: []Bucket{
					{Key: "authorized", Count: 2, Gross: 3500},
					{Key: "captured", Count: 3, Gross: 3770, Paid: 3, Captured: 3770, Refunded: 300, Net: 3470},
					{Key: "error", Count: 1, Gross: 800},
					{Key: "refunded", Count: 1, Gross: 1500, Paid: 1, Captured: 1500, Refunded: 1500},
					{Key: "unfinished", Count: 1, Gross: 400},
				},
				ByTill: []Bucket{{Key: j.Till(), Count: 8, Gross: 9970, Paid: 4, Captured: 5270, Refunded: 1800, Net: 3470}},
			},
			{
				Currency: "USD", Sales: 2, Paid: 1, Refunds: 1, Captured: 1050, Refunded: 50, Net: 1000,
				ByMethod: []Bucket{{Key: "credit_card", Count: 2, Gross: 1150, Paid: 1, Captured: 1050, Refunded: 50, Net: 1000}},
				ByStatus: []Bucket{
					{Key: "cancelled", Count: 1, Gross: 100},
					{Key: "captured", Count: 1, Gross: 1050, Paid: 1, Captured: 1050, Refunded: 50, Net: 1000},
				},
				ByTill: []Bucket{{Key: j.Till(), Count: 2, Gross: 1150, Paid: 1, Captured: 1050, Refunded: 50, Net: 1000}},
			},
		},
	}
	if !got.Day.Equal(want.Day) {
		t.Errorf("Day = %v, want %v", got.Day, want.Day)
	}
	got.Day = want.Day
	if !reflect.DeepEqual(got, want) {
		gj, _ := json.MarshalIndent(got, "", " ")
		wj, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("summary mismatch\n got: %s\nwant: %s", gj, wj)
	}
	// The same instants summarised in UTC fall on other days: 24 Nov UTC
	// starts at 09:00 JST, so it takes 0002..0010 and 25 Nov 00:00 JST.
	utc, err := j.Summary(context.Background(), time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(utc.Currencies) != 2 || utc.Currencies[0].Sales != 8 || utc.Currencies[0].Captured != 2000+1500+770+8888 {
		t.Errorf("UTC summary = %+v", utc)
	}
}

func orders(ss []Sale) string {
	var b []string
	for _, s := range ss {
		b = append(b, strings.TrimPrefix(s.OrderNum, "POS-"))
	}
	return strings.Join(b, " ")
}

func TestSalesFilters(t *testing.T) { both(t, testSalesFilters) }

func testSalesFilters(t *testing.T) {
	j, c := openTest(t)
	buildDay(t, j, c, handBuiltDay)
	ctx := context.Background()
	list := func(f Filter) string {
		t.Helper()
		ss, err := j.Sales(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		return orders(ss)
	}
	day := at(24, 8, 0, 0, jst)
	if got, want := list(Filter{Day: day}), "20261124-0010 20261124-0009 20261124-0008 20261124-0007 20261124-0006 20261124-0005 20261124-0004 20261124-0003 20261124-0002 20261124-0001"; got != want {
		t.Errorf("Tokyo day = %s\nwant %s", got, want)
	}
	// Same day, but the day given in UTC and Loc set: Loc wins.
	if got := list(Filter{Day: day.UTC(), Loc: jst, Limit: 2}); got != "20261124-0010 20261124-0009" {
		t.Errorf("Loc + Limit = %s", got)
	}
	if got := list(Filter{Day: day, Limit: 2, Offset: 2}); got != "20261124-0008 20261124-0007" {
		t.Errorf("Offset = %s", got)
	}
	if got := list(Filter{Day: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)}); got != "20261124-0001 20261123-0099" {
		t.Errorf("23 Nov UTC = %s", got)
	}
	if got := list(Filter{Status: komoju.PaymentAuthorized}); got != "20261124-0006 20261124-0002" {
		t.Errorf("status authorized = %s", got)
	}
	if got := list(Filter{Day: day, Method: komoju.TypeKonbini}); got != "20261124-0007 20261124-0002" {
		t.Errorf("method konbini = %s", got)
	}
	if got := list(Filter{Day: at(26, 0, 0, 0, jst)}); got != "" {
		t.Errorf("empty day = %q", got)
	}
	ss, _ := j.Sales(ctx, Filter{Day: day, Limit: 1})
	if ss[0].CreatedAt.Location() != jst || ss[0].CreatedAt.Hour() != 23 {
		t.Errorf("times must come back in the filter's location: %v", ss[0].CreatedAt)
	}
}

func TestDayFilterAcrossDST(t *testing.T) { both(t, testDayFilterAcrossDST) }

func testDayFilterAcrossDST(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	j, c := openTest(t)
	// 1 Nov 2026 is the day US clocks go back: 25 hours long.
	buildDay(t, j, c, []daySale{
		{time.Date(2026, 10, 31, 23, 59, 0, 0, ny), "NY-1", komoju.TypeCreditCard, "USD", 100, 0, komoju.PaymentCaptured, OutcomePaid, 0},
		{time.Date(2026, 11, 1, 0, 30, 0, 0, ny), "NY-2", komoju.TypeCreditCard, "USD", 200, 0, komoju.PaymentCaptured, OutcomePaid, 0},
		{time.Date(2026, 11, 1, 23, 30, 0, 0, ny), "NY-3", komoju.TypeCreditCard, "USD", 300, 0, komoju.PaymentCaptured, OutcomePaid, 0},
		{time.Date(2026, 11, 2, 0, 10, 0, 0, ny), "NY-4", komoju.TypeCreditCard, "USD", 400, 0, komoju.PaymentCaptured, OutcomePaid, 0},
	})
	ss, err := j.Sales(context.Background(), Filter{Day: time.Date(2026, 11, 1, 12, 0, 0, 0, ny)})
	if err != nil {
		t.Fatal(err)
	}
	if got := orders(ss); got != "NY-3 NY-2" {
		t.Errorf("1 Nov in New York = %s, want NY-3 NY-2", got)
	}
}

func TestCSVRoundTrip(t *testing.T) { both(t, testCSVRoundTrip) }

func testCSVRoundTrip(t *testing.T) {
	j, c := openTest(t)
	buildDay(t, j, c, handBuiltDay)
	ctx := context.Background()
	// Text that needs quoting and defusing.
	c.set(at(24, 18, 0, 0, jst))
	in := intent("POS-20261124-0011")
	in.Description, in.Name, in.Email = "two \"large\" coffees, one tea\nsecond line", "=HYPERLINK(\"http://evil\")", "+a@example.com"
	id, err := j.BeginSale(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.FinishSale(ctx, id, Result{Outcome: OutcomePaid, PaymentID: "pay_q", Status: komoju.PaymentCaptured, Total: 1000}); err != nil {
		t.Fatal(err)
	}
	sales, err := j.Sales(ctx, Filter{Day: at(24, 0, 0, 0, jst)})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, sales); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	recs, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v\n%s", err, text)
	}
	if !reflect.DeepEqual(recs[0], CSVHeader()) {
		t.Fatalf("header = %v", recs[0])
	}
	if len(recs) != len(sales)+1 {
		t.Fatalf("%d rows for %d sales", len(recs)-1, len(sales))
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for i, s := range sales {
		r := recs[i+1]
		get := func(name string) string { return r[col[name]] }
		num := func(name string) int64 {
			n, err := strconv.ParseInt(get(name), 10, 64)
			if err != nil {
				t.Fatalf("%s %s = %q: %v", s.OrderNum, name, get(name), err)
			}
			return n
		}
		if id, _ := strconv.ParseInt(get("id"), 10, 64); id != s.ID || get("order_num") != s.OrderNum || get("status") != string(s.Status) ||
			get("method") != string(s.Method) || get("currency") != s.Currency || get("outcome") != CurrentOutcome(&s) {
			t.Errorf("row %d = %v, sale %+v", i, r, s)
		}
		if num("amount") != s.Amount || num("tax") != s.Tax || num("total") != s.Gross() || num("amount_refunded") != s.AmountRefunded || num("net") != s.Net() {
			t.Errorf("%s amounts = %v", s.OrderNum, r)
		}
		if get("total_display") != komoju.FormatAmount(s.Gross(), s.Currency) || get("net_display") != komoju.FormatAmount(s.Net(), s.Currency) {
			t.Errorf("%s formatted = %q %q", s.OrderNum, get("total_display"), get("net_display"))
		}
		ct, err := time.Parse(time.RFC3339, get("created_at"))
		if err != nil || !ct.Equal(s.CreatedAt) {
			t.Errorf("%s created_at %q = %v, %v", s.OrderNum, get("created_at"), ct, err)
		}
		if s.FinishedAt == nil {
			if get("finished_at") != "" {
				t.Errorf("%s finished_at = %q for an unfinished sale", s.OrderNum, get("finished_at"))
			}
		} else if ft, err := time.Parse(time.RFC3339, get("finished_at")); err != nil || !ft.Equal(*s.FinishedAt) {
			t.Errorf("%s finished_at %q", s.OrderNum, get("finished_at"))
		}
		if s.OrderNum == "POS-20261124-0011" {
			if get("description") != in.Description || get("name") != "'"+in.Name || get("email") != "'"+in.Email {
				t.Errorf("quoted text = %q %q %q", get("description"), get("name"), get("email"))
			}
		}
	}
	// Spot-check exact formatted cells a clerk would read.
	for _, want := range []string{"¥2,000", "¥1,700", "$10.50", "$10.00", "¥770", "\"two \"\"large\"\" coffees, one tea\nsecond line\"", "+09:00"} {
		if !strings.Contains(text, want) {
			t.Errorf("CSV lacks %q", want)
		}
	}
}

// utcTimes returns a copy of s with every time in UTC, so values that went
// through JSON compare with reflect.DeepEqual.
func utcTimes(s Sale) Sale {
	fix := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		u := t.UTC()
		return &u
	}
	s.CreatedAt, s.UpdatedAt = s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	s.FinishedAt, s.Deadline, s.CapturedAt = fix(s.FinishedAt), fix(s.Deadline), fix(s.CapturedAt)
	s.SentAt = fix(s.SentAt)
	for i := range s.History {
		s.History[i].At = s.History[i].At.UTC()
	}
	for i := range s.OpenActions {
		a := &s.OpenActions[i]
		a.CreatedAt, a.FinishedAt, a.SentAt = a.CreatedAt.UTC(), fix(a.FinishedAt), fix(a.SentAt)
	}
	return s
}

func TestJSONRoundTrip(t *testing.T) { both(t, testJSONRoundTrip) }

func testJSONRoundTrip(t *testing.T) {
	j, c := openTest(t)
	ids := buildDay(t, j, c, handBuiltDay)
	ctx := context.Background()
	sales, err := j.Sales(ctx, Filter{Loc: jst})
	if err != nil {
		t.Fatal(err)
	}
	full, err := j.Sale(ctx, ids[3]) // with history
	if err != nil {
		t.Fatal(err)
	}
	sales = append(sales, full)
	var buf bytes.Buffer
	if err := WriteJSON(&buf, sales); err != nil {
		t.Fatal(err)
	}
	var back []Sale
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatalf("JSON does not parse: %v", err)
	}
	if len(back) != len(sales) {
		t.Fatalf("%d sales back, wrote %d", len(back), len(sales))
	}
	for i := range sales {
		if w, g := utcTimes(sales[i]), utcTimes(back[i]); !reflect.DeepEqual(w, g) {
			t.Errorf("sale %d differs after JSON:\n got %+v\nwant %+v", i, g, w)
		}
	}
	if len(back[len(back)-1].History) != 2 {
		t.Errorf("history lost in JSON: %+v", back[len(back)-1].History)
	}
	buf.Reset()
	if err := WriteJSON(&buf, nil); err != nil || strings.TrimSpace(buf.String()) != "[]" {
		t.Errorf("empty export = %q, %v", buf.String(), err)
	}
}

func TestOutstanding(t *testing.T) { both(t, testOutstanding) }

func testOutstanding(t *testing.T) {
	j, c := openTest(t)
	buildDay(t, j, c, handBuiltDay)
	ss, err := j.Outstanding(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := orders(ss); got != "20261124-0002 20261124-0006" {
		t.Errorf("Outstanding = %s, want the konbini slip and the two-step card payment", got)
	}
}

// The streamed exports are the whole-slice ones: SalesEach gives Sales'
// sales in order, and JSONWriter writes, byte for byte, the array
// encoding/json writes for the slice (C1 controls and bidi escaped).
func TestStreamedExportsAreTheSlices(t *testing.T) { both(t, testStreamedExportsAreTheSlices) }

func testStreamedExportsAreTheSlices(t *testing.T) {
	j, c := openTest(t)
	buildDay(t, j, c, handBuiltDay)
	ctx := context.Background()
	if _, err := j.db.Exec(`UPDATE sales SET description = 'evil` + "\u009b2J\u202e" + `' WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	for _, f := range []Filter{{Loc: jst, Limit: -1}, {Loc: jst, Limit: 1}, {Loc: jst, Status: "nothing"}} {
		sales, err := j.Sales(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var each []Sale
		if err := j.SalesEach(ctx, f, func(s *Sale) error { each = append(each, *s); return nil }); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(each, sales) {
			t.Errorf("%+v: SalesEach gives %d sales, Sales %d, or they differ", f, len(each), len(sales))
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		if sales == nil {
			sales = []Sale{}
		}
		if err := enc.Encode(sales); err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		jw := NewJSONWriter(&got)
		for i := range each {
			if err := jw.Write(&each[i]); err != nil {
				t.Fatal(err)
			}
		}
		if err := jw.Close(); err != nil {
			t.Fatal(err)
		}
		if w := string(termtext.EscapeJSON(want.Bytes())); got.String() != w {
			t.Errorf("%+v: streamed JSON differs:\n got %q\nwant %q", f, firstBytes(got.String()), firstBytes(w))
		}
		if strings.ContainsAny(got.String(), "\u009b\u202e") {
			t.Errorf("raw C1 or bidi in the JSON")
		}
	}
}

func firstBytes(s string) string { return s[:min(len(s), 300)] }
