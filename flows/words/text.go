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
	// An argument that can say itself in lang does (a nested Text, a
	// list of refused fields); t's own arguments are left as they are.
	args := t.Args
	copied := false
	for i, a := range t.Args {
		if l, ok := a.(interface{ In(string) string }); ok {
			if !copied {
				args, copied = append([]any(nil), t.Args...), true
			}
			args[i] = l.In(lang)
		}
	}
	return fmt.Sprintf(f, args...)
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

// resultTable is the headless commands' result block (pay, capture,
// cancel, refund, refund-request, show): its labels and phrases. The
// English is byte for byte what the commands have always printed.
func resultTable() []Entry {
	return []Entry{
		{"out_result", "result", "結果"},
		{"out_status", "status", "状態"},
		{"out_payment", "payment", "決済"},
		{"out_session", "session", "セッション"},
		{"out_order", "order", "注文番号"},
		{"out_method", "method", "支払い方法"},
		{"out_amount", "amount", "金額"},
		{"out_refunded", "refunded", "返金済み"},
		{"out_error_code", "error code", "エラーコード"},
		{"out_field", "field", "項目"},
		{"out_open", "open", "開くページ"},
		{"out_instructions", "instructions", "支払い案内"},
		{"out_receipt", "receipt", "受付番号"},
		{"out_confirmation", "confirmation", "確認番号"},
		{"out_pay_by", "pay by", "支払期限"},
		{"out_capture_by", "capture by", "売上確定期限"},
		{"out_deadline", "deadline", "期限"},
		{"out_retry", "retry", "再試行"},
		{"out_check", "check", "確認"},
		{"out_next", "next", "次の操作"},
		{"out_created", "created", "作成"},
		{"out_captured", "captured", "売上確定"},
		{"out_refund", "refund", "返金"},
		{"out_refund_request", "refund request", "返金依頼"},
		{"out_journal", "journal", "ジャーナル"},
		{"out_history", "history", "履歴"},
		{"out_unfinished", "unfinished", "未完了"},
		{"out_amount_breakdown", " (tax %s, fee %s, total %s)", " (税 %s、手数料 %s、合計 %s)"},
		{"out_still_refundable", "%s (%s still refundable)", "%s (あと %s 返金できます)"},
		{"out_retry_sale", "yes: pay the same sale again with: komoju-tui pay --sale %s --method ...",
			"可: 同じ取引をもう一度支払うには komoju-tui pay --sale %s --method ..."},
		{"out_retry_yes", "yes: the same sale can be paid again", "可: 同じ取引をもう一度支払えます"},
		{"out_failed", "%s failed: %s", "%s に失敗しました: %s"},
		{"out_outcome_unknown", "%s: outcome unknown: %s", "%s: 結果不明: %s"},
		{"out_refund_row", "%s %s on %s%s", "%s %s (%s)%s"},
		{"out_refund_request_row", "%s %s(%s) to %s", "%s %s(%s) 振込先 %s"},
		{"out_journal_sale", "sale %d, %s flow, %d attempt(s)", "売上 %d、%s フロー、試行 %d 回"},
		{"out_flow_session", "session", "セッション"},
		{"out_flow_direct", "direct", "直接決済"},
		{"out_history_row", "%s %s via %s", "%s %s (%s)"},
		{"out_history_refunded", " (refunded %s)", " (返金 %s)"},
		{"out_open_actions", "%d action(s) without a definite result", "結果の確定していない操作 %d 件"},
		{"kind_error", "error", "エラー"},
		{"kind_paid", "paid", "支払い済み"},
		{"kind_awaiting", "awaiting", "支払い待ち"},
		{"kind_authorized", "authorized", "仮売上"},
		{"kind_redirect", "redirect", "お客様の操作待ち"},
		{"kind_unknown", "unknown", "不明"},
		{"kind_cancelled", "cancelled", "取消"},
		{"kind_expired", "expired", "期限切れ"},
		{"kind_failed", "failed", "失敗"},
		{"kind_refunded", "refunded", "返金済み"},
	}
}

// summaryTable is the headless summary's words.
func summaryTable() []Entry {
	return []Entry{
		{"sum_title", "Summary for %s (Japan time)", "%s の集計 (日本時間)"},
		{"sum_till", ", till %s", "、レジ %s"},
		{"sum_none", "No sales.", "売上はありません。"},
		{"sum_currency", "%s: %d sale(s), %d paid", "%s: 売上 %d 件、支払い済み %d 件"},
		{"sum_captured", "captured", "売上確定"},
		{"sum_refunded", "refunded", "返金"},
		{"sum_net", "net", "純売上"},
		{"sum_authorized", "authorized", "未確定"},
		{"sum_held", " (held or awaiting the customer)", " (与信中、またはお客様の支払い待ち)"},
		{"sum_no_method", "none", "なし"},
		{"sum_by_method", "BY METHOD", "支払い方法別"},
		{"sum_by_status", "BY STATUS", "状態別"},
		{"sum_by_till", "BY TILL", "レジ別"},
		{"sum_sales", "SALES", "件数"},
		{"hist_time", "TIME", "日時"},
		{"hist_order", "ORDER", "注文番号"},
		{"hist_method", "METHOD", "支払い方法"},
		{"hist_status", "STATUS", "状態"},
		{"hist_total", "TOTAL", "合計"},
		{"hist_payment", "PAYMENT", "決済ID"},
		{"sum_paid", "PAID", "支払い済み"},
		{"sum_captured_col", "CAPTURED", "売上確定"},
		{"sum_refunded_col", "REFUNDED", "返金"},
		{"sum_net_col", "NET", "純売上"},
	}
}
