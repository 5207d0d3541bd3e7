package words

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// Every message has an id, English and Japanese; ids and English texts are
// unique; both languages take the same format verbs.
func TestEveryIDHasEveryLanguage(t *testing.T) {
	ids := map[string]bool{}
	ens := map[string]bool{}
	for _, e := range Table() {
		if e.ID == "" || strings.TrimSpace(e.EN) == "" || strings.TrimSpace(e.JA) == "" {
			t.Errorf("incomplete entry %+v", e)
		}
		if ids[e.ID] {
			t.Errorf("id %q twice", e.ID)
		}
		if ens[e.EN] && !byIDOnly(e.ID) {
			t.Errorf("English %q twice", e.EN)
		}
		ids[e.ID] = true
		if !byIDOnly(e.ID) {
			ens[e.EN] = true
		}
		if v1, v2 := verbs(e.EN), verbs(e.JA); v1 != v2 {
			t.Errorf("%s: verbs %q in English, %q in Japanese", e.ID, v1, v2)
		}
	}
}

// verbs lists the format verbs of s, sorted (Japanese may reorder them
// with %[n]s).
func verbs(s string) string {
	var v []string
	for i := 0; i < len(s)-1; i++ {
		if s[i] != '%' {
			continue
		}
		i++
		if s[i] == '[' {
			for i < len(s) && s[i] != ']' {
				i++
			}
			i++
		}
		if i < len(s) {
			v = append(v, string(s[i]))
		}
	}
	sort.Strings(v)
	return strings.Join(v, "")
}

func TestLookup(t *testing.T) {
	if s, ok := Lookup("card_number", "ja"); !ok || s != "カード番号" {
		t.Fatalf("ja: %q %v", s, ok)
	}
	if s, ok := Lookup("card_number", "en"); !ok || s != "Card number" {
		t.Fatalf("en: %q %v", s, ok)
	}
	if _, ok := Lookup("no_such_id", "en"); ok {
		t.Fatal("unknown id found")
	}
}

func BenchmarkLookup(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := Lookup("card_number", "ja"); !ok {
			b.Fatal("card_number missing")
		}
	}
}

func TestText(t *testing.T) {
	n := T("notice_sandbox_restored", "/d/s.json", 3, 1)
	if got := n.String(); got != "Sandbox state restored from /d/s.json: 3 payments, 1 sessions" {
		t.Errorf("English: %q", got)
	}
	if got := n.In("ja"); got != "サンドボックスの状態を /d/s.json から復元しました: 決済 3 件、セッション 1 件" {
		t.Errorf("Japanese: %q", got)
	}
	if got := T("notice_sandbox_in_use").In("ja"); !strings.Contains(got, "別の komoju-tui が使用中") {
		t.Errorf("no arguments: %q", got)
	}
	if got := Raw("100% raw: %s").In("ja"); got != "100% raw: %s" {
		t.Errorf("raw text is shown as it is: %q", got)
	}
	if got := T("no_such_id", 1).String(); got != "no_such_id" {
		t.Errorf("unknown id: %q", got)
	}
}

// TestNoticesAreInTheTable: every words.T("id", …) in the module names an
// id of the table, so no notice shows as its bare id.
func TestNoticesAreInTheTable(t *testing.T) {
	use := regexp.MustCompile(`words\.T\("([^"]+)"`)
	n := 0
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != "../.." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || filepath.Dir(path) == filepath.Join("..", "..", "flows", "words") {
			return nil // this package says T, not words.T
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range use.FindAllStringSubmatch(string(b), -1) {
			n++
			if _, ok := Lookup(m[1], "ja"); !ok {
				t.Errorf("%s: words.T(%q) is not in the table", path, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Errorf("found %d uses of words.T; the walk missed the module's sources", n)
	}
}
