//go:build !race

package proof

// raceEnabled is false without -race (see race_test.go).
const raceEnabled = false
