// Package termguard keeps Bubble Tea's package initialisation from asking
// the terminal for its background colour.
//
// bubbletea v1 calls lipgloss.HasDarkBackground() in an init function, which
// makes termenv write an OSC 11 query to a terminal stdout and wait up to 5 s
// for an answer. A terminal that never answers (script -qc with nothing on
// the other end, some CI ptys, serial consoles) therefore delayed the first
// frame by five seconds before main even ran.
//
// Go initialises packages in import-path order among those whose imports
// are ready. This package imports only "os", so it is initialised before
// github.com/mattn/go-isatty and github.com/muesli/termenv (both sort after
// github.com/komoju-tui), and therefore before lipgloss and bubbletea. Its
// init sets TERM=dumb, which termenv treats as "cannot answer queries";
// package ui calls Restore from its own init (after bubbletea's) to put
// TERM back, and then sets the colour profile and background explicitly
// from the environment instead of querying.
package termguard

import "os"

// saved is the TERM value at start-up. It is written once, in init, before
// any other code of this program runs, and only read afterwards.
var saved = func() struct {
	value string
	ok    bool
} {
	v, ok := os.LookupEnv("TERM")
	return struct {
		value string
		ok    bool
	}{v, ok}
}()

func init() {
	// Setenv only fails for invalid names; "TERM" is valid.
	_ = os.Setenv("TERM", "dumb")
}

// Restore puts TERM back to its start-up value. Calling it more than once is
// harmless.
func Restore() {
	if saved.ok {
		_ = os.Setenv("TERM", saved.value)
	} else {
		_ = os.Unsetenv("TERM")
	}
}

// OriginalTERM returns TERM as it was when the program started.
func OriginalTERM() string { return saved.value }
