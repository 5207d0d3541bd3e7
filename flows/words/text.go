package words

import "fmt"

// Text is a sentence of the table with its arguments. The packages below
// the console (the configuration, the start-up of the backend) say what
// they have to tell as a Text, and each surface says it in its language:
// the console in the clerk's, the headless commands' stderr in English.
type Text struct {
	ID   string // a table id; "" for Raw text
	Args []any
}

// T is the table's sentence id with args.
func T(id string, args ...any) Text { return Text{ID: id, Args: args} }

// Raw is text from outside the table (an error from the system, a test's
// input), shown as it is in every language.
func Raw(s string) Text { return Text{Args: []any{s}} }

// In is t in lang ("en" or "ja"). An id missing from the table shows as
// the id (TestNoticesAreInTheTable keeps them all there).
func (t Text) In(lang string) string {
	if t.ID == "" {
		if len(t.Args) == 1 {
			return fmt.Sprint(t.Args[0])
		}
		return ""
	}
	f, ok := Lookup(t.ID, lang)
	if !ok {
		return t.ID
	}
	if len(t.Args) == 0 {
		return f
	}
	return fmt.Sprintf(f, t.Args...)
}

// String is t in English.
func (t Text) String() string { return t.In("en") }

// noticeTable is what the configuration and the backend's start-up tell
// the clerk (under the console's header; "warning:" and "note:" lines of
// the headless commands).
func noticeTable() []Entry {
	return []Entry{
		{"notice_config_readable", "config file %s holds a secret and other users can read it: chmod 600 %s",
			"設定ファイル %s に秘密情報があり、他のユーザーが読めます: chmod 600 %s を実行してください"},
		{"notice_flag_secret_visible", "--%s on the command line is visible to other users (ps, /proc/*/cmdline) and kept in shell history; use %s or --%s-file",
			"コマンドラインの --%s は他のユーザーから見え (ps, /proc/*/cmdline)、シェルの履歴にも残ります。%s か --%s-file を使ってください"},
		{"notice_env_key_overrides", "KOMOJU_SECRET_KEY from the environment overrides the key in %s",
			"環境変数 KOMOJU_SECRET_KEY が %s のキーより優先されます"},
		{"notice_flag_key_overrides", "--secret-key overrides the key in %s", "--secret-key が %s のキーより優先されます"},
		{"notice_env_url_overrides", "KOMOJU_API_URL from the environment overrides the URL in %s",
			"環境変数 KOMOJU_API_URL が %s の URL より優先されます"},
		{"notice_sandbox_in_use", "the saved sandbox is in use by another komoju-tui; this one starts empty and settles nothing from before",
			"保存されたサンドボックスは別の komoju-tui が使用中です。このレジのサンドボックスは空で起動し、以前の売上は確定しません"},
		{"notice_sandbox_restored", "Sandbox state restored from %s: %d payments, %d sessions",
			"サンドボックスの状態を %s から復元しました: 決済 %d 件、セッション %d 件"},
		{"notice_sandbox_started_empty", "Sandbox started empty; its previous state was moved to %s",
			"サンドボックスを空で起動しました。以前の状態は %s に移動しました"},
		{"notice_sandbox_unreadable", "Sandbox state file %s could not be read (%v); it was moved to %s and the sandbox started empty",
			"サンドボックスの状態ファイル %s を読めませんでした (%v)。%s に移動し、サンドボックスは空で起動しました"},
		{"notice_sandbox_network", "customers' phones open the sandbox's pages at %s (fresh keys; this network can reach it)",
			"お客様のスマホは %s でサンドボックスのページを開きます (新しいキー。このネットワークから接続できます)"},
		{"notice_sandbox_network_port", "customers' phones open the sandbox's pages at %s (fresh keys; this network can reach it); the sandbox listens on port %s of this machine (%s): point the tunnel or port forward at http://127.0.0.1:%s",
			"お客様のスマホは %s でサンドボックスのページを開きます (新しいキー。このネットワークから接続できます)。サンドボックスはこのマシンのポート %s (%s) で待ち受けています: トンネルやポート転送の宛先は http://127.0.0.1:%s にしてください"},
		{"notice_webhooks_failed", "webhooks: %s", "Webhook: %s"},
	}
}
