//go:build race

package proof

// raceEnabled is true when the tests run under -race; the binary is then
// built with -race too, so it reuses the packages `go test -race` already
// compiled instead of building modernc.org/sqlite a second time.
const raceEnabled = true
