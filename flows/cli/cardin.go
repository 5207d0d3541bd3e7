package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/x/term"

	"github.com/komoju-tui/komoju-tui/flows/config"
)

// Card data and keys given in argv are visible to every local user (ps,
// /proc/PID/cmdline) and stay in shell history. "pay --card -" reads the
// number, expiry and CVC from standard input instead: three lines, or, on
// a terminal, three prompts that do not echo.

// checkCardArgs warns on stderr about card data given in a pay command's
// argv and refuses --exp or --cvc beside "--card -". It reads nothing:
// with "--card -" pay reads the card itself (readCard), after
// everything else on the command line was checked and a large total
// confirmed, so a clerk never types a card for a sale that is then
// refused. The values stay in this process's memory; argv only ever holds
// "-".
func checkCardArgs(args []string, stderr io.Writer, getenv func(string) string) error {
	dash := false
	var argvSecrets []string
	for i := 0; i < len(args); i++ {
		name, val, hasVal := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if !strings.HasPrefix(args[i], "-") || args[i] == "-" || args[i] == "--" {
			if args[i] == "--" {
				break
			}
			continue
		}
		if name != "card" && name != "exp" && name != "cvc" {
			continue
		}
		if !hasVal && i+1 < len(args) {
			val = args[i+1]
		}
		if name == "card" {
			dash = val == "-"
		}
		if val != "-" && val != "" && name != "exp" {
			argvSecrets = append(argvSecrets, "--"+name)
		}
	}
	if len(argvSecrets) == 0 && !dash {
		return nil // nothing to say: no need for the language
	}
	lang := argsLang(args, getenv)
	if len(argvSecrets) > 0 {
		id := "cli_card_argv_many_s"
		if len(argvSecrets) == 1 {
			id = "cli_card_argv_one_s"
		}
		and := " and "
		if isJa(lang) {
			and = "と"
		}
		fmt.Fprintln(stderr, say(lang, id, strings.Join(argvSecrets, and)))
	}
	if !dash {
		return nil
	}
	for _, a := range args {
		if n, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "="); strings.HasPrefix(a, "-") && (n == "exp" || n == "cvc") {
			return errors.New(say(lang, "cli_card_stdin_drop_s", "--"+n))
		}
	}
	return nil
}

// readCard reads three lines (number, expiry MM/YY, CVC), prompting
// without echo when in is a terminal.
func readCard(in io.Reader, stderr io.Writer, lang string) (number, exp, cvc string, err error) {
	if f, ok := in.(*os.File); ok && term.IsTerminal(f.Fd()) {
		ask := func(prompt string) (string, error) {
			fmt.Fprint(stderr, prompt)
			b, err := term.ReadPassword(f.Fd())
			fmt.Fprintln(stderr)
			return strings.TrimSpace(string(b)), err
		}
		if number, err = ask(say(lang, "cli_card_number")); err == nil {
			if exp, err = ask(say(lang, "cli_card_expiry")); err == nil {
				cvc, err = ask(say(lang, "cli_card_cvc"))
			}
		}
		if err != nil {
			return "", "", "", fmt.Errorf("%s: %w", say(lang, "cli_card_stdin_terminal"), err)
		}
		return number, exp, cvc, nil
	}
	sc := bufio.NewScanner(io.LimitReader(in, 4<<10))
	var lines []string
	for sc.Scan() && len(lines) < 3 {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) < 3 {
		return "", "", "", errors.New(say(lang, "cli_card_stdin_lines"))
	}
	return lines[0], lines[1], lines[2], nil
}

// argsLang is the clerk's language before the command's configuration is
// resolved (the card's warnings, a refused flag): --lang, else KOMOJU_TUI_LANG, else
// the config file's lang (--config or the default file), as Resolve ranks
// them. "" is English.
func argsLang(args []string, getenv func(string) string) string {
	var lang, cfgPath string
	for i := 0; i < len(args); i++ {
		if args[i] == "--" {
			break
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if !strings.HasPrefix(args[i], "-") || (name != "lang" && name != "config") {
			continue
		}
		if !hasVal && i+1 < len(args) {
			val = args[i+1]
		}
		if name == "lang" {
			lang = val
		} else {
			cfgPath = val
		}
	}
	if lang != "" {
		return lang
	}
	if l := getenv("KOMOJU_TUI_LANG"); l != "" {
		return l
	}
	if cfgPath == "" {
		cfgPath = config.DefaultFilePath(getenv)
	}
	f, err := config.LoadFile(cfgPath, true)
	if err != nil {
		return ""
	}
	return f.Lang
}
