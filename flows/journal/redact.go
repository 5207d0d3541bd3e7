package journal

import "github.com/komoju-tui/komoju-tui/komoju"

// scrubAll is scrub that also redacts API keys of every KOMOJU shape and
// Authorization credentials (komoju.RedactSecrets) first. scrub itself
// (sales.go) knows only sk_live_/sk_test_; results and messages written
// outside sales.go go through here.
func scrubAll(s string, max int) string { return scrub(komoju.RedactSecrets(s), max) }
