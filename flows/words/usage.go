package words

// usageTable is what the headless commands say about a command line they
// refuse (exit 2), looked up by the English format (cli's usageError):
// the English is byte for byte what the commands have always printed, and
// what --json carries.
func usageTable() []Entry {
	return []Entry{
		{"usage_no_args_q", "%s takes no arguments, only flags (got %q)", "%s は引数を取りません。フラグだけを指定してください（%q が渡されました）"},
		{"usage_reconcile_no_args_q", "reconcile takes no arguments (got %q)", "reconcile は引数を取りません（%q が渡されました）"},
		{"usage_timeout_positive", "must be greater than 0 (for example 2m)", "0 より大きくしてください（例: 2m）"},
		{"usage_format_q", "%q is not a format: use text, csv or json", "%q は形式ではありません。text、csv、json のいずれかを指定してください"},
		{"usage_format_json", "cannot be combined with --json (JSON lines); pick one", "--json（JSON Lines）とは併用できません。どちらか一方を指定してください"},
		{"usage_csv_json", "cannot be combined with --json; pick one", "--json とは併用できません。どちらか一方を指定してください"},
		{"usage_limit_negative", "cannot be negative (0 means all)", "負の値は指定できません（0 はすべて）"},
		{"usage_payment_id_s", "the payment id is required (komoju-tui %s ID)", "決済 ID が必要です（komoju-tui %s ID）"},
		{"usage_one_id_d_s", "takes one payment id, got %d arguments (%s)", "決済 ID は 1 つだけ指定してください（%d 個の引数: %s）"},
		{"usage_order_with_sale", "cannot be given with --sale (the sale keeps its order number)", "--sale とは併用できません（その売上の注文番号がそのまま使われます）"},
		{"usage_amount_required", "is required (for example --amount 1000)", "必須です（例: --amount 1000）"},
		{"usage_wait_negative", "cannot be negative", "負の値は指定できません"},
		{"usage_detail_not_used_s", "is not used by --method %s; remove it or pick the method it belongs to", "--method %s では使いません。外すか、対応する決済方法を選んでください"},
		{"usage_format_print", "only applies with --print (stdout gets the text receipt)", "--print と一緒にだけ使えます（標準出力にはテキストのレシートが出ます）"},
		{"usage_no_printer", "no printer is set (env KOMOJU_TUI_PRINTER or printer in the config file)", "プリンターが設定されていません（環境変数 KOMOJU_TUI_PRINTER か設定ファイルの printer）"},
		{"usage_fence_range", "must be between 0 and 24h (for example 2m)", "0 から 24h の間で指定してください（例: 2m）"},
		{"usage_scenario_run", "use: komoju-tui scenario run FILE...", "使い方: komoju-tui scenario run FILE..."},
		{"usage_webhook_wait_positive", "must be greater than 0 (for example 10s)", "0 より大きくしてください（例: 10s）"},
		{"usage_scenario_file", "name at least one scenario file", "シナリオファイルを 1 つ以上指定してください"},
		{"usage_scenario_live", "scenarios make test payments: they never run with a live key", "シナリオはテスト決済を作ります。本番キーでは実行しません"},
		{"usage_sessions_verb_q", "%q is not a sessions command (list or cancel)", "%q は sessions のコマンドではありません（list か cancel）"},
		{"usage_sessions_list_args", "sessions list takes no arguments", "sessions list は引数を取りません"},
		{"usage_sessions_cancel_what", "name the sessions to cancel (order numbers or session ids), or give --all", "取り消すセッション（注文番号かセッション ID）を指定するか、--all を指定してください"},
		{"usage_all_with_names", "cannot be combined with named sessions", "セッションの指定とは併用できません"},
		{"usage_event_one_s", "name one event (one of %s)", "イベントを 1 つ指定してください（%s のいずれか）"},
		{"usage_event_unknown_q_s", "%q is not an event trigger can produce (one of %s)", "%q は trigger で発生させられるイベントではありません（%s のいずれか）"},
		{"usage_authorized_new", "payment.authorized is made with a new payment only", "payment.authorized は新しい決済でのみ発生させられます"},
		{"usage_forward_url", "must be an http(s) URL such as http://127.0.0.1:3000/webhooks", "http://127.0.0.1:3000/webhooks のような http(s) の URL を指定してください"},
		{"usage_forward_sandbox", "only with the embedded sandbox (no key set); a running sandbox delivers to its own webhooks", "組み込みサンドボックス（キー未設定）でのみ使えます。起動中のサンドボックスは自身の Webhook に配信します"},
		{"usage_trigger_live", "trigger makes test payments: it never runs with a live key", "trigger はテスト決済を作ります。本番キーでは実行しません"},
		{"usage_no_journal_s", "there is no journal at %s: check --journal, KOMOJU_TUI_JOURNAL or journal in the config file (a report never starts a new journal)",
			"%s にジャーナルがありません。--journal、KOMOJU_TUI_JOURNAL、設定ファイルの journal を確認してください（レポートは新しいジャーナルを作りません）"},
		// What a command that could not finish says (cli's fail); the
		// argument after the colon is the journal's or KOMOJU's own words.
		{"fail_no_backend", "no backend: komoju-tui was built without a connector", "バックエンドがありません: komoju-tui がコネクタなしでビルドされています"},
		{"fail_start_s", "could not start: %s", "開始できませんでした: %s"},
		{"fail_no_engine", "could not start: the backend has no payment engine", "開始できませんでした: バックエンドに決済エンジンがありません"},
		{"fail_no_journal", "no sale journal is open (see --journal)", "売上ジャーナルが開いていません（--journal を参照）"},
		{"fail_write_close_s", "writing the close: %s", "締めの書き出しに失敗しました: %s"},
		{"fail_write_history_s", "writing the history: %s", "履歴の書き出しに失敗しました: %s"},
		{"fail_read_journal_s", "reading the journal: %s", "ジャーナルの読み込みに失敗しました: %s"},
		{"fail_write_summary_s", "writing the summary: %s", "集計の書き出しに失敗しました: %s"},
		{"fail_no_payment_s", "sale %s has no payment: there is nothing to give a receipt for", "売上 %s には決済がありません。レシートを発行できるものがありません"},
		{"fail_not_paid_s_s", "payment %s is %s and not paid: only a paid or authorized sale has a receipt", "決済 %s は %s で、支払われていません。レシートは支払い済みか仮売上の売上にだけ発行できます"},
		{"fail_write_junit_s", "writing --junit: %s", "--junit の書き出しに失敗しました: %s"},
		{"fail_forward_to_s", "--forward-to: %s", "--forward-to: %s"},
		{"fail_not_produced_s_s", "%s not produced: %s", "%s を発生させられませんでした: %s"},
		// flows/config's refusals of a setting (flag, environment or file).
		{"config_currency_q_s", "currency %q is not one KOMOJU supports (%s)", "通貨 %q は KOMOJU が対応していません（%s）"},
		{"config_flow_q", "flow %q: want session (Method 1) or direct (Method 2)", "フロー %q: session（方式 1）か direct（方式 2）を指定してください"},
		{"config_capture_q", "capture %q: want auto or manual", "売上確定 %q: auto か manual を指定してください"},
		{"config_order_prefix_q", "order prefix %q: use 1 to 12 letters or digits", "注文番号の接頭辞 %q: 英数字 1〜12 文字にしてください"},
		{"config_till_q", "till %q: use 1 to 12 letters or digits", "レジ %q: 英数字 1〜12 文字にしてください"},
		{"config_lang_q", "lang %q: want en or ja", "言語 %q: en か ja を指定してください"},
		// Go's flag package, as cli's parse reports it.
		{"usage_flag_undefined_s", "flag provided but not defined: %s", "そのようなフラグはありません: %s"},
		{"usage_flag_needs_arg_s", "flag needs an argument: %s", "フラグに値がありません: %s"},
		{"usage_flag_invalid_q_s_s", "invalid value %q for flag %s: %s", "フラグ %[2]s の値 %[1]q が正しくありません: %[3]s"},
		// cli's parsers of --date, --status, --method; flows' of --flow.
		{"usage_date_q_s", "%q is not a date: use YYYY-MM-DD (for example %s), today or yesterday", "%q は日付ではありません。YYYY-MM-DD（例: %s）、today、yesterday のいずれかを指定してください"},
		{"usage_status_q_s", "%q is not a payment status (one of %s)", "%q は決済ステータスではありません（%s のいずれか）"},
		{"usage_method_required_s", "is required (one of %s)", "必須です（%s のいずれか）"},
		{"usage_method_q_s", "%q is not a payment method (one of %s)", "%q は決済方法ではありません（%s のいずれか）"},
		{"usage_flow_q", "flow %q is not one of session, direct", "フロー %q は session、direct のいずれでもありません"},
	}
}
