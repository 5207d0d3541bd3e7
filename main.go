// Command komoju-tui is a terminal point-of-sale console for the KOMOJU
// payments API, with an embedded KOMOJU-compatible sandbox.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

const usage = `komoju-tui — a point-of-sale console for KOMOJU

Usage:
  komoju-tui [flags]              run the console (embedded sandbox when no key is set)
  komoju-tui sandbox [flags]      run the KOMOJU-compatible sandbox server

Flags:
  --version   print the version and exit
  --help      show this help
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("komoju-tui", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	showVersion := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			fmt.Fprint(stdout, usage)
			return 0
		}
		return 2
	}
	if *showVersion {
		fmt.Fprintf(stdout, "komoju-tui %s\n", version)
		return 0
	}
	fmt.Fprint(stdout, usage)
	return 0
}
