// Package config resolves komoju-tui's settings from flags, the environment
// and an optional TOML file, in that order of precedence, and decides which
// backend (embedded sandbox, KOMOJU test mode, KOMOJU live mode) to use.
package config

import (
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/receipt"
	"github.com/komoju-tui/komoju-tui/flows/words"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// Mode is the backend komoju-tui talks to.
type Mode string

// Modes. Sandbox is the embedded fake KOMOJU used when no key is configured.
const (
	ModeSandbox Mode = "sandbox"
	ModeTest    Mode = "test"
	ModeLive    Mode = "live"
)

// DefaultAPIURL is KOMOJU's production API base URL (test and live keys share it).
const DefaultAPIURL = "https://komoju.com/api/v1"

// Config is the resolved configuration.
type Config struct {
	Mode           Mode
	SecretKey      string
	PublishableKey string
	APIURL         string // empty in sandbox mode until the sandbox is started
	WebhookSecret  string
	Live           bool // --live given

	Currency  string
	Flow      string // session | direct
	Capture   komoju.CaptureMode
	NoBrowser bool
	Journal   string // explicit journal path, or "" for the default
	Lang      string // en | ja
	// OrderPrefix starts generated order numbers (default POS); give each
	// till its own so their numbers never collide.
	OrderPrefix string
	// Till names this till (made at first start and kept in the config
	// directory, or --till). Unless --order-prefix is given, generated
	// order numbers carry it ("POS-K3F9-20261124-0001"), so tills sharing
	// one KOMOJU account never number two sales the same without anyone
	// remembering a flag.
	Till string
	// OrderPrefixSet is true when --order-prefix (or its env or file key)
	// was given: the till then numbers with that prefix alone.
	OrderPrefixSet bool
	Demo           bool
	Accessible     bool

	// Shop heads every receipt (shop_name, shop_address, shop_phone).
	Shop receipt.Shop
	// Printer is where receipts are printed (--printer: a device path or
	// host:9100) and in which format; Configured() is false when no
	// printer is set.
	Printer receipt.Printer

	// KeySource says where the secret key came from: "flag", "env", "file" or "".
	KeySource string
	// Notices are things the clerk should see on screen, such as an
	// environment key overriding the config file.
	Notices []words.Text
	// Warnings are one-line security warnings for stderr: a secret given in
	// argv, a config file holding a key that others can read.
	Warnings []words.Text
}

// MaskedKey is the secret key safe to show on screen.
func (c Config) MaskedKey() string { return MaskKey(c.SecretKey) }

// MaskKey keeps a key's prefix and last four characters: "sk_test_…1234".
// Short keys are masked entirely.
func MaskKey(k string) string {
	if k == "" {
		return ""
	}
	prefix := ""
	for _, p := range []string{"sk_live_", "sk_test_", "pk_live_", "pk_test_", "sk_", "pk_"} {
		if strings.HasPrefix(k, p) {
			prefix = p
			break
		}
	}
	rest := k[len(prefix):]
	if len(rest) <= 8 {
		return prefix + "…"
	}
	return prefix + "…" + rest[len(rest)-4:]
}

// IsLiveKey reports a live secret key. KOMOJU's documented placeholder keys
// are sk_live_…; test-key prefixes are not confirmed, so anything that is
// not sk_live_ is treated as a test key.
func IsLiveKey(k string) bool { return strings.HasPrefix(k, "sk_live_") }

// Flags holds the command-line flags shared by the console and the headless
// commands. Register them with RegisterFlags.
type Flags struct {
	fs        *flag.FlagSet
	SecretKey string
	// SecretKeyFile and WebhookSecretFile name files holding the secrets
	// ("-" reads standard input), so they never appear in argv.
	SecretKeyFile     string
	WebhookSecretFile string
	// Stdin is read for a "-" secret file (default os.Stdin).
	Stdin          io.Reader
	PublishableKey string
	APIURL         string
	WebhookSecret  string
	Live           bool
	Currency       string
	Flow           string
	Capture        string
	NoBrowser      bool
	Journal        string
	Lang           string
	OrderPrefix    string
	Till           string
	Demo           bool
	Config         string
	// Printer, PrinterFormat and ShopName set the receipt printer and the
	// shop's name on receipts.
	Printer       string
	PrinterFormat string
	ShopName      string
}

// RegisterFlags adds the shared flags to fs.
func RegisterFlags(fs *flag.FlagSet) *Flags {
	f := &Flags{fs: fs}
	fs.StringVar(&f.SecretKeyFile, "secret-key-file", "", "read the KOMOJU secret key from this file, or - for stdin (env KOMOJU_SECRET_KEY_FILE)")
	fs.StringVar(&f.SecretKey, "secret-key", "", "KOMOJU secret key; prefer env KOMOJU_SECRET_KEY or --secret-key-file (argv is visible to other users); none = embedded sandbox")
	fs.StringVar(&f.PublishableKey, "publishable-key", "", "KOMOJU publishable key (env KOMOJU_PUBLISHABLE_KEY)")
	fs.StringVar(&f.APIURL, "api-url", "", "KOMOJU API base URL (env KOMOJU_API_URL; default "+DefaultAPIURL+")")
	fs.StringVar(&f.WebhookSecretFile, "webhook-secret-file", "", "read the webhook secret token from this file, or - for stdin (env KOMOJU_WEBHOOK_SECRET_FILE)")
	fs.StringVar(&f.WebhookSecret, "webhook-secret", "", "webhook secret token; prefer env KOMOJU_WEBHOOK_SECRET or --webhook-secret-file")
	fs.BoolVar(&f.Live, "live", false, "allow a live (sk_live_) key: real money moves")
	fs.StringVar(&f.Currency, "currency", "", "currency for new sales (default JPY)")
	fs.StringVar(&f.Flow, "flow", "", "session (Method 1, default) or direct (Method 2)")
	fs.StringVar(&f.Capture, "capture", "", "auto (default) or manual (two-step capture)")
	fs.BoolVar(&f.NoBrowser, "no-browser", false, "never open a browser; show URLs and QR codes only")
	fs.StringVar(&f.Journal, "journal", "", "path of the sale journal (default under $XDG_DATA_HOME/komoju-tui)")
	fs.StringVar(&f.Lang, "lang", "", "language of the console, receipts, the close report, summary and the payment commands' results: en (default) or ja")
	fs.StringVar(&f.OrderPrefix, "order-prefix", "", "prefix of generated order numbers (default POS; one per till)")
	fs.StringVar(&f.Till, "till", "", "this till's name (default: made at first start and kept in the config directory)")
	fs.BoolVar(&f.Demo, "demo", false, "presenter mode: larger text, keys and ids masked")
	fs.StringVar(&f.Config, "config", "", "config file (default $XDG_CONFIG_HOME/komoju-tui/config.toml)")
	return f
}

// RegisterReceiptFlags adds the receipt flags (--printer when printer is
// true, --printer-format, --shop-name) to the commands that make
// receipts: the console and "receipt" (which names its printer with
// --print). The other commands take the same settings from the
// environment and the config file only, so their help stays short.
func (f *Flags) RegisterReceiptFlags(fs *flag.FlagSet, printer bool) {
	if printer {
		fs.StringVar(&f.Printer, "printer", "", "receipt printer: a device path (/dev/usb/lp0) or host:9100 (env KOMOJU_TUI_PRINTER)")
	}
	fs.StringVar(&f.PrinterFormat, "printer-format", "", "escpos (default: receipt printers) or text (any printer)")
	fs.StringVar(&f.ShopName, "shop-name", "", "the shop's name at the top of receipts (env KOMOJU_TUI_SHOP_NAME)")
}

func (f *Flags) set(name string) bool {
	found := false
	if f.fs != nil {
		f.fs.Visit(func(fl *flag.Flag) {
			if fl.Name == name {
				found = true
			}
		})
	}
	return found
}

// File is the TOML config file's shape.
type File struct {
	SecretKey      string `toml:"secret_key"`
	PublishableKey string `toml:"publishable_key"`
	APIURL         string `toml:"api_url"`
	WebhookSecret  string `toml:"webhook_secret"`
	Currency       string `toml:"currency"`
	Flow           string `toml:"flow"`
	Capture        string `toml:"capture"`
	NoBrowser      bool   `toml:"no_browser"`
	Journal        string `toml:"journal"`
	Lang           string `toml:"lang"`
	OrderPrefix    string `toml:"order_prefix"`
	Till           string `toml:"till"`
	// Receipts: the shop's header lines and the printer.
	ShopName      string   `toml:"shop_name"`
	ShopAddress   []string `toml:"shop_address"`
	ShopPhone     string   `toml:"shop_phone"`
	Printer       string   `toml:"printer"`
	PrinterFormat string   `toml:"printer_format"`
}

// DefaultFilePath is $XDG_CONFIG_HOME/komoju-tui/config.toml (or
// ~/.config/komoju-tui/config.toml).
func DefaultFilePath(getenv func(string) string) string {
	dir := getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "komoju-tui", "config.toml")
}

// LoadFile reads a config file. A missing file is not an error when optional.
// A file that users other than its owner may write is refused: whoever can
// change api_url receives the key and every card number typed.
func LoadFile(path string, optional bool) (File, error) {
	var f File
	if path == "" {
		return f, nil
	}
	if err := checkFileMode(path); err != nil {
		if optional && errors.Is(err, os.ErrNotExist) {
			return f, nil
		}
		return f, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		if optional && errors.Is(err, os.ErrNotExist) {
			return f, nil
		}
		return f, fmt.Errorf("config file %s: %w", path, err)
	}
	md, err := toml.Decode(string(b), &f)
	if err != nil {
		return f, fmt.Errorf("config file %s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return f, fmt.Errorf("config file %s: unknown setting(s) %s", path, strings.Join(keys, ", "))
	}
	return f, nil
}

// setting is a refused setting's problem, said in the clerk's language
// by whoever reports it (flows.ProblemIn).
func setting(id string, args ...any) error { return flows.Problem{Text: words.T(id, args...)} }

// Resolve merges flags > environment > file and validates the result.
// getenv is os.Getenv in production and a map lookup in tests.
func Resolve(f *Flags, getenv func(string) string) (Config, error) {
	if f == nil {
		f = &Flags{}
	}
	path, optional := f.Config, false
	if path == "" {
		path, optional = DefaultFilePath(getenv), true
	}
	file, err := LoadFile(path, optional)
	if err != nil {
		return Config{}, err
	}
	c := Config{Live: f.Live, Demo: f.Demo, Accessible: getenv("ACCESSIBLE") != ""}
	if (file.SecretKey != "" || file.WebhookSecret != "") && readableByOthers(path) {
		c.Warnings = append(c.Warnings, words.T("notice_config_readable", path, path))
	}
	getenv, fileSrc, err := secretFiles(f, getenv)
	if err != nil {
		return Config{}, err
	}
	for _, fl := range []struct{ name, env string }{{"secret-key", "KOMOJU_SECRET_KEY"}, {"webhook-secret", "KOMOJU_WEBHOOK_SECRET"}} {
		if f.set(fl.name) {
			c.Warnings = append(c.Warnings, words.T("notice_flag_secret_visible", fl.name, fl.env, fl.name))
		}
	}

	// pick returns the first non-empty of flag, env, file and names its source.
	pick := func(flagName, flagVal, envName, fileVal string) (string, string) {
		envVal := strings.TrimSpace(getenv(envName))
		switch {
		case f.set(flagName) || flagVal != "":
			return flagVal, "flag"
		case envVal != "":
			return envVal, "env"
		case fileVal != "":
			return fileVal, "file"
		}
		return "", ""
	}
	var src string
	c.SecretKey, c.KeySource = pick("secret-key", f.SecretKey, "KOMOJU_SECRET_KEY", file.SecretKey)
	keySrc := c.KeySource
	if fs := fileSrc["secret-key"]; fs != "" && c.KeySource != "file" {
		keySrc = fs
	}
	if c.KeySource == "env" && file.SecretKey != "" && file.SecretKey != c.SecretKey {
		c.Notices = append(c.Notices, words.T("notice_env_key_overrides", path))
	}
	if c.KeySource == "flag" && file.SecretKey != "" && file.SecretKey != c.SecretKey {
		c.Notices = append(c.Notices, words.T("notice_flag_key_overrides", path))
	}
	c.PublishableKey, _ = pick("publishable-key", f.PublishableKey, "KOMOJU_PUBLISHABLE_KEY", file.PublishableKey)
	c.APIURL, src = pick("api-url", f.APIURL, "KOMOJU_API_URL", file.APIURL)
	if src == "env" && file.APIURL != "" && file.APIURL != c.APIURL {
		c.Notices = append(c.Notices, words.T("notice_env_url_overrides", path))
	}
	c.WebhookSecret, _ = pick("webhook-secret", f.WebhookSecret, "KOMOJU_WEBHOOK_SECRET", file.WebhookSecret)
	c.Currency, _ = pick("currency", f.Currency, "KOMOJU_TUI_CURRENCY", file.Currency)
	c.Flow, _ = pick("flow", f.Flow, "KOMOJU_TUI_FLOW", file.Flow)
	capture, _ := pick("capture", f.Capture, "KOMOJU_TUI_CAPTURE", file.Capture)
	c.Journal, _ = pick("journal", f.Journal, "KOMOJU_TUI_JOURNAL", file.Journal)
	c.Lang, _ = pick("lang", f.Lang, "KOMOJU_TUI_LANG", file.Lang)
	c.OrderPrefix, _ = pick("order-prefix", f.OrderPrefix, "KOMOJU_TUI_ORDER_PREFIX", file.OrderPrefix)
	c.OrderPrefixSet = c.OrderPrefix != ""
	c.Till, _ = pick("till", f.Till, "KOMOJU_TUI_TILL", file.Till)
	c.NoBrowser = f.NoBrowser || file.NoBrowser
	c.Shop.Name, _ = pick("shop-name", f.ShopName, "KOMOJU_TUI_SHOP_NAME", file.ShopName)
	c.Shop.Address, c.Shop.Phone = file.ShopAddress, file.ShopPhone
	printer, _ := pick("printer", f.Printer, "KOMOJU_TUI_PRINTER", file.Printer)
	printerFormat, _ := pick("printer-format", f.PrinterFormat, "KOMOJU_TUI_PRINTER_FORMAT", file.PrinterFormat)
	if c.Printer.Format, err = receipt.ParseFormat(printerFormat); err != nil {
		return Config{}, err
	}
	if printer != "" {
		if c.Printer, err = receipt.NewPrinter(printer, printerFormat); err != nil {
			return Config{}, err
		}
	}

	if err := validateKey("secret key", c.SecretKey); err != nil {
		return Config{}, err
	}
	if err := validateKey("publishable key", c.PublishableKey); err != nil {
		return Config{}, err
	}
	if c.Currency == "" {
		c.Currency = "JPY"
	}
	cur, ok := komoju.LookupCurrency(c.Currency)
	if !ok {
		return Config{}, setting("config_currency_q_s", c.Currency, strings.Join(komoju.CurrencyCodes, ", "))
	}
	c.Currency = cur.Code
	switch c.Flow {
	case "":
		c.Flow = "session"
	case "session", "direct":
	default:
		return Config{}, setting("config_flow_q", c.Flow)
	}
	switch capture {
	case "", "auto":
		c.Capture = komoju.CaptureAuto
	case "manual":
		c.Capture = komoju.CaptureManual
	default:
		return Config{}, setting("config_capture_q", capture)
	}
	if c.OrderPrefix == "" {
		c.OrderPrefix = "POS"
	}
	if !validPrefix(c.OrderPrefix) {
		return Config{}, setting("config_order_prefix_q", c.OrderPrefix)
	}
	if c.Till == "" {
		c.Till = TillID(getenv)
	}
	if !validPrefix(c.Till) {
		return Config{}, setting("config_till_q", c.Till)
	}
	switch c.Lang {
	case "":
		c.Lang = "en"
	case "en", "ja":
	default:
		return Config{}, setting("config_lang_q", c.Lang)
	}

	switch {
	case c.SecretKey == "":
		c.Mode = ModeSandbox
		if c.APIURL != "" {
			return Config{}, fmt.Errorf("an API URL (%s) is set but no secret key: set KOMOJU_SECRET_KEY, or unset the URL to use the embedded sandbox", c.APIURL)
		}
	case IsLiveKey(c.SecretKey):
		c.Mode = ModeLive
		if !c.Live {
			return Config{}, fmt.Errorf("the secret key %s (%s) is a live key: real money would move; pass --live to allow it", MaskKey(c.SecretKey), keySource(keySrc, path))
		}
	default:
		c.Mode = ModeTest
		if c.Live {
			// --live promises real money; a test key would silently take
			// test payments instead. Say which key came from where.
			msg := fmt.Sprintf("--live was given but the secret key %s (%s) is not a live key (sk_live_…)", MaskKey(c.SecretKey), keySource(keySrc, path))
			if file.SecretKey != "" && file.SecretKey != c.SecretKey {
				msg += fmt.Sprintf("; the config file %s holds %s, which it overrides", path, MaskKey(file.SecretKey))
			}
			return Config{}, errors.New(msg)
		}
	}
	if c.Mode != ModeSandbox {
		if c.APIURL == "" {
			c.APIURL = DefaultAPIURL
		}
		u, err := url.Parse(c.APIURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return Config{}, fmt.Errorf("API URL %q is not an http(s) URL", c.APIURL)
		}
		if c.Mode == ModeLive && u.Scheme != "https" {
			return Config{}, fmt.Errorf("API URL %q: a live key is only sent over https", c.APIURL)
		}
	}
	return c, nil
}

func validPrefix(p string) bool {
	if len(p) == 0 || len(p) > 12 {
		return false
	}
	for _, r := range p {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func validateKey(what, k string) error {
	if k == "" {
		return nil
	}
	for _, r := range k {
		if r <= ' ' || r > '~' {
			return fmt.Errorf("%s contains a space or a non-ASCII character: check for a copy-paste error", what)
		}
	}
	if strings.HasPrefix(k, "pk_") && what == "secret key" {
		return fmt.Errorf("the secret key %s is a publishable key (pk_…); use the secret key (sk_…)", MaskKey(k))
	}
	return nil
}

// OrderNumberPrefix is what generated order numbers start with: the
// --order-prefix when one was given, else "POS-<till>".
func (c Config) OrderNumberPrefix() string {
	if c.OrderPrefixSet || c.Till == "" {
		return c.OrderPrefix
	}
	return c.OrderPrefix + "-" + c.Till
}

// TillID returns this machine's till id, kept in the file "till" beside
// the config file ($XDG_CONFIG_HOME/komoju-tui/till), making one (four
// characters without look-alikes) at first start. Two processes starting
// at once agree: the file appears whole (link of a written temporary file)
// and the loser reads the winner's. When the directory cannot be written, the id is derived from
// the host name, which is stable too.
func TillID(getenv func(string) string) string {
	path := filepath.Join(filepath.Dir(DefaultFilePath(getenv)), "till")
	if id, ok := readTill(path); ok {
		return id
	}
	id := newTillID()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err == nil {
		// Written whole to a temporary file, then linked into place: a
		// process starting at the same moment either finds no file or a
		// complete one, never an empty one it would take for "no id".
		if f, err := os.CreateTemp(filepath.Dir(path), ".till-*"); err == nil {
			_, werr := f.WriteString(id + "\n")
			serr := f.Sync()
			cerr := f.Close()
			if werr == nil && serr == nil && cerr == nil && os.Link(f.Name(), path) == nil {
				os.Remove(f.Name())
				return id
			}
			os.Remove(f.Name())
		}
		if got, ok := readTill(path); ok {
			return got
		}
	}
	host, _ := os.Hostname()
	sum := sha256.Sum256([]byte(host))
	return tillAlphabetID(sum[:4])
}

func readTill(path string) (string, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", false
	}
	id := strings.TrimSpace(string(b))
	return id, validPrefix(id)
}

func newTillID() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return tillAlphabetID(b)
}

func tillAlphabetID(b []byte) string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	out := make([]byte, len(b))
	for i := range b {
		out[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(out)
}
