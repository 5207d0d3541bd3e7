// Package words is the console's and the headless commands' message
// table: every sentence a clerk reads, by id, in English and Japanese side
// by side, so a missing translation is a failing test rather than English
// on a Japanese screen. It has no terminal code.
package words

import (
	"slices"
	"strings"
	"sync"
)

// Entry is one message: its id, and its text in each language. Texts may
// be fmt format strings; both languages take the same verbs in the same
// order.
type Entry struct {
	ID string
	EN string
	JA string
}

// Table returns every message. It is built on each call, so no caller can
// change another's.
func Table() []Entry {
	return slices.Concat(baseTable(), receiptTable(), sayTable(), noticeTable(), resultTable(), summaryTable(), validationTable(), eventsTable(), testDataTable(), usageTable())
}

// baseTable is the console's and the headless commands' own messages.
func baseTable() []Entry {
	return []Entry{
		{"card_number", "Card number", "カード番号"},
		{"expiry_mm_yy", "Expiry (MM/YY)", "有効期限 (MM/YY)"},
		{"cvc", "CVC", "セキュリティコード"},
		{"name_on_card", "Name on card", "カード名義"},
		{"convenience_store", "Convenience store", "コンビニ"},
		{"phone", "Phone", "電話番号"},
		{"given_name", "Given name", "名"},
		{"family_name", "Family name", "姓"},
		{"given_name_kana", "Given name (kana)", "名 (カナ)"},
		{"family_name_kana", "Family name (kana)", "姓 (カナ)"},
		{"optional", "(optional)", "(任意)"},
		{"optional_2", "optional", "任意"},
		{"card", "Card", "カード"},
		{"waiting_for_payment", "WAITING FOR PAYMENT", "お支払い待ち"},
		{"authorized_capture_pending", "AUTHORIZED: CAPTURE PENDING", "仮売上: 売上確定待ち"},
		{"customer_must_finish_paying", "CUSTOMER MUST FINISH PAYING", "お客様の操作待ち"},
		{"customer_pays_on_their_phone", "CUSTOMER PAYS ON THEIR PHONE", "お客様のスマホでお支払い中"},
		{"phone_page_cancelled", "The payment page was cancelled: the customer can no longer pay on it.", "お支払いページを取り消しました。お客様はこのページでは支払えません。"},
		{"customer_chooses_on_phone", "chosen on the phone", "スマホで選択中"},
		{"timeline_other_attempt", "other attempt %s", "別の試行 %s"},
		{"copy_link", "copy link", "リンクをコピー"},
		{"link_copied", "Link copied to the clipboard.", "リンクをクリップボードにコピーしました。"},
		{"bank_refund_requested_row", "Bank refund requested", "銀行振込返金の依頼済み"},
		{"bank_refund_amount_unknown", "yes (the amount is not known on this till)", "あり (金額はこのレジでは不明)"},
		{"done_captured", "Captured %s.", "%s の売上を確定しました。"},
		{"done_cancelled", "Payment cancelled: nothing will be charged.", "決済を取り消しました。請求はされません。"},
		{"done_refunded", "Refunded %s to the customer.", "%s をお客様に返金しました。"},
		{"done_refund_requested", "Bank refund of %s requested: KOMOJU sends it to the customer's bank account.", "%s の銀行振込返金を依頼しました。KOMOJU がお客様の口座に送金します。"},
		{"not_paid", "NOT PAID", "未決済"},
		{"unknown_check_before_charging_again", "UNKNOWN: CHECK BEFORE CHARGING AGAIN", "不明: 再請求の前に確認してください"},
		{"refunded", "REFUNDED", "返金済み"},
		{"cancelled", "CANCELLED", "取消済み"},
		{"expired", "EXPIRED", "期限切れ"},
		{"failed", "FAILED", "失敗"},
		{"link", "Link", "リンク"},
		{"following_the_status_live", "following the status live", "状態を自動更新中"},
		{"test_data", "Test data", "テストデータ"},
		{"pay_now", "pay now", "今すぐ支払う"},
		{"partial_capture", "partial capture", "一部売上確定"},
		{"partial_refund", "partial refund", "一部返金"},
		{"cancel_payment", "cancel payment", "決済取消"},
		{"bank_refund_request", "bank refund request", "銀行返金依頼"},
		{"bank_refund_request_2", "Bank refund request", "銀行振込による返金依頼"},
		{"webhook_events", "webhook events", "Webhookイベント"},
		{"built_in_test_key", "built-in test key", "内蔵テストキー"},
		{"webhooks", "webhooks", "Webhook"},
		{"till", "till", "レジ"},
		{"webhooks_down", "webhooks down", "Webhook 受信停止"},
		{"no_secret_komoju_webhook_secret", "no secret (KOMOJU_WEBHOOK_SECRET)", "シークレット未設定 (KOMOJU_WEBHOOK_SECRET)"},
		{"esc_cancels_this_step", "esc cancels this step", "escでこの処理を中止"},
		{"qr_code_of_the_payment_page", "QR code of the payment page", "支払いページのQRコード"},
		{"capture_how_much", "Capture how much?", "売上確定する金額は?"},
		{"refund_how_much", "Refund how much?", "返金する金額は?"},
		{"enter_confirms_esc_cancels", "enter confirms · esc cancels", "enterで確定 · escで取消"},
		{"receipt", "RECEIPT", "領収書"},
		{"thank_you", "Thank you!", "ありがとうございました"},
		{"key", "key", "キー"},
		{"receipt_2", "Receipt", "受付番号"},
		{"conf_code", "Conf. code", "確認番号"},
		{"sandbox_customer_pays", "sandbox: customer pays", "サンドボックス: お客様の支払い"},
		{"sandbox_the_customer_s_page_has", "Sandbox: the customer's page has the buttons; P simulates the customer here.", "サンドボックス: お客様用ページにボタンがあります。P でここから支払いを再現できます。"},
		{"opened_the_page_in_the_browser", "Opened the page in the browser.", "ブラウザでページを開きました。"},
		{"opening_the_page_in_the_browser", "Opening the page in the browser…", "ブラウザでページを開いています…"},
		{"no_browser_the_page_was_not", "--no-browser: the page was not opened. Show the QR code or the link.", "--no-browser: ページは開いていません。QRコードかリンクを見せてください。"},
		{"could_not_open_a_browser_v", "Could not open a browser (%v): show the QR code or the link instead.", "ブラウザを開けませんでした (%v): QRコードかリンクを見せてください。"},
		{"checked_with_komoju", "Checked with KOMOJU", "KOMOJUで確認しました"},
		// What a till's start finds (flows.WaitingUpdate, flows.Recovery).
		{"say_wait_unchecked_s_v_s", "%s: could not check with KOMOJU (%v); still %s.", "%s: KOMOJU に確認できませんでした (%v)。%s のままです。"},
		{"say_wait_still_s_s", "%s: still %s.", "%s: %s のままです。"},
		{"say_wait_now_s_s_s_s", "%s: now %s (was %s): %s", "%s: %s になりました (以前は %s): %s"},
		{"say_rc_not_charged_s_s", "%s: the customer was NOT charged (%s).", "%s: お客様への請求はありません (%s)。"},
		{"say_rc_why_no_session", "the sale never got a KOMOJU session, so there was nothing to pay", "KOMOJU のセッションが作られなかったため、支払う対象がありませんでした"},
		{"say_rc_why_unknown_session", "KOMOJU does not know its session", "KOMOJU がそのセッションを知りません"},
		{"say_rc_why_session_closed", "its session is closed and holds no payment", "セッションは閉じられ、決済はありません"},
		{"say_rc_why_page_closed", "its payment page was closed with no payment on it", "支払いページは決済のないまま閉じられました"},
		{"say_rc_why_no_payment", "KOMOJU has no payment for it, and its request has long ended", "KOMOJU に決済がなく、リクエストはとうに終わっています"},
		{"say_rc_recovered_s_s", "%s: recovered: %s", "%s: 復旧しました: %s"},
		{"say_rc_still_unknown_s", "%s: KOMOJU shows no payment yet, but the last request may still be running there; still unknown, checked again. Do not charge again.", "%s: KOMOJU にはまだ決済がありませんが、最後のリクエストがまだ処理中かもしれません。結果は不明のまま、もう一度確認します。再請求しないでください。"},
		{"say_rc_still_unknown_at_s_s", "%s: KOMOJU shows no payment yet, but the last request may still be running there; still unknown, checked again after %s. Do not charge again.", "%s: KOMOJU にはまだ決済がありませんが、最後のリクエストがまだ処理中かもしれません。結果は不明のまま、%s 以降にもう一度確認します。再請求しないでください。"},
		{"say_rc_not_charged_retry_s", "%s: the customer was NOT charged (the pay attempt made no payment); they can try again.", "%s: お客様への請求はありません (支払いの試行で決済は作られませんでした)。もう一度お試しいただけます。"},
		{"say_act_pay", "pay", "支払い"},
		{"say_act_capture", "capture", "売上確定"},
		{"say_act_cancel", "cancel", "取消"},
		{"say_act_refund", "refund", "返金"},
		{"say_act_refund_request", "refund request", "返金依頼"},
		{"say_rc_act_no_payment_s_s", "%s: the %s names no payment; nothing was done.", "%s: この%sには決済が指定されていません。何も行われていません。"},
		{"say_rc_act_unknown_payment_s_s_s", "%s: KOMOJU does not know payment %s; the %s did nothing.", "%s: KOMOJU は決済 %s を知りません。%sは行われていません。"},
		{"say_rc_act_done_s_s_s", "%s: the interrupted %s went through: %s", "%s: 中断された%sは完了していました: %s"},
		{"say_rc_act_not_done_s_s_s", "%s: the interrupted %s did NOT happen; the payment reads: %s", "%s: 中断された%sは行われていません。決済の状態: %s"},
		{"say_rc_act_unknown_s_s_s", "%s: the payment does not show the %s yet, but the request may still be running at KOMOJU; still unknown, checked again after %s.", "%s: 決済にはまだ%sが反映されていませんが、KOMOJU でリクエストが処理中かもしれません。結果は不明のまま、%s 以降にもう一度確認します。"},
		{"say_rc_unreachable_s_v", "%s: could not reach KOMOJU to check (%v); will try again.", "%s: 確認のため KOMOJU に接続できませんでした (%v)。もう一度試します。"},
		{"msg_status_changed_s_s_s", "Status changed to %s (%s, %s).", "状態が %s になりました (%s, %s)。"},
		{"at_most_d_digits", "At most %d digits.", "%d 桁までです。"},
		{"history_needs_journal", "History needs the sale journal (it is off in this run)", "履歴には売上ジャーナルが必要です (この起動では無効です)"},
		{"form_accessible_mode", "The form runs in accessible mode.", "フォームはアクセシブルモードで動作しています。"},
		{"sale_s_no_payment_yet_s", "Sale %s has no payment yet (%s).", "取引 %s にはまだ決済がありません (%s)。"},
		{"method_fee", "fee", "手数料"},
		{"cancelled_while_waiting", "Cancelled while waiting for KOMOJU. The attempt is in the journal; if it went through anyway, History shows it. Check before charging again.", "KOMOJU の応答を待つ間にキャンセルしました。この試行はジャーナルに記録されています。実際には処理されていた場合は履歴に表示されます。再請求の前に確認してください。"},
		{"widen_for_qr", "(widen the window to show the QR code)", "(QRコードを表示するにはウィンドウを広げてください)"},
		{"capture_s_of_payment_s", "Capture %s of payment %s?", "決済 %[2]s の %[1]s を売上確定しますか?"},
		{"cancel_payment_s_s_will_not", "Cancel payment %s (%s will not be charged)?", "決済 %s を取り消しますか (%s は請求されません)?"},
		{"refund_s_of_payment_s_to", "Refund %s of payment %s to the customer?", "決済 %[2]s の %[1]s をお客様に返金しますか?"},
		{"at_most_s", "at most %s", "最大 %s"},
		{"sales_today", "Sales today", "本日の売上"},
		{"no_sales_match", "No sales match.", "該当する売上はありません。"},
		{"loading", "Loading…", "読み込み中…"},
		{"sales", "sales", "件数"},
		{"captured", "captured", "売上"},
		{"refunded_2", "refunded", "返金"},
		{"net", "net", "純額"},
		{"method_takings", "%[1]s %[2]d (paid %[3]d, net %[4]s)", "%[1]s %[2]d件 (支払い済み %[3]d件、純額 %[4]s)"},
		{"by_method", "by method", "支払い方法別"},
		{"by_status", "by status", "状態別"},
		{"no_method_chosen", "no method chosen", "方法未選択"},
		{"processing", "Processing", "処理中"},
		{"cancelled_2", "cancelled", "中止"},
		{"try_again", "try again", "再試行"},
		{"scan_to_pay", "Scan to pay", "スキャンして支払い"},
		{"digits_on_the_card", "digits on the card", "カードの数字"},
		{"3_4_digits", "(3-4 digits)", "(3〜4桁)"},
		{"as_printed_on_the_card", "as printed on the card", "カードの表記どおり"},
		{"automatic_pos_yyyymmdd_nnnn", "automatic (POS-TILL-YYYYMMDD-NNNN)", "自動 (POS-TILL-YYYYMMDD-NNNN)"},
		{"sample_customer_valid_details", "Sample customer (valid details)", "サンプルのお客様 (有効な入力)"},
		{"no_scenario_clear", "No scenario (clear)", "シナリオなし (解除)"},
		{"type_to_filter_enter_fills_the", "type to filter · ↑/↓ · enter fills the form · esc closes", "入力で絞り込み · ↑/↓ · enterで入力 · escで閉じる"},
		{"komoju_scenario_s_this_attempt_will", "Komoju-Scenario: %s (this attempt will fail on purpose)", "Komoju-Scenario: %s (この試行は意図的に失敗します)"},
		{"account_holder_katakana", "Account holder (katakana)", "口座名義 (カタカナ)"},
		{"bank_name", "Bank name", "銀行名"},
		{"branch_number_3_digits", "Branch number (3 digits)", "支店番号 (3桁)"},
		{"account_type", "Account type", "口座種別"},
		{"account_number_7_digits", "Account number (7 digits)", "口座番号 (7桁)"},
		{"ordinary", "ordinary", "普通"},
		{"checking", "checking", "当座"},
		{"savings", "savings", "貯蓄"},
		{"komoju_sends_the_money_to_the", "KOMOJU sends the money to the customer's bank account.", "KOMOJUがお客様の銀行口座に返金します。"},
		{"request_a_bank_refund_of_s", "Request a bank refund of %s for payment %s?", "決済 %[2]s について %[1]s の返金を依頼しますか?"},
		{"timeline", "Timeline", "経過"},
		{"created", "created", "作成"},
		{"qr", "QR", "QR"},
		{"amount", "Amount", "金額"},
		{"order_number", "Order number", "注文番号"},
		{"email", "Email", "メール"},
		{"customer_name", "Customer name", "お客様名"},
		{"description", "Description", "説明"},
		{"tax", "Tax", "税額"},
		{"type_the_amount_on_the_keypad", "Type the amount on the keypad", "テンキーで金額を入力"},
		{"payment_method", "Payment method", "支払い方法"},
		{"method_1_session", "Method 1: session", "方式1: セッション"},
		{"method_2_direct", "Method 2: direct", "方式2: 直接決済"},
		{"capture_auto", "capture auto", "自動売上"},
		{"capture_manual", "capture manual", "手動売上 (仮売上)"},
		{"customer_pays_on_their_phone_2", "Customer pays on their phone", "お客様のスマホで支払う"},
		{"offsite", "offsite", "外部"},
		{"async", "async", "入金待ち"},
		{"details", "Details", "入力"},
		{"creating_session", "Creating session", "セッション作成"},
		{"paying", "Paying", "支払い"},
		{"creating_payment", "Creating payment", "決済作成"},
		{"result", "Result", "結果"},
		{"paid", "PAID", "支払い完了"},
		{"payment", "Payment", "決済"},
		{"history", "History", "履歴"},
		{"quit", "quit", "終了"},
		{"help", "help", "ヘルプ"},
		{"back", "back", "戻る"},
		{"continue", "continue", "次へ"},
		{"new_sale", "new sale", "新規売上"},
		{"history_2", "history", "履歴"},
		{"clear", "clear", "クリア"},
		{"delete_digit", "delete digit", "1桁削除"},
		{"next_field", "next field", "次の項目"},
		{"toggle_method_1_2", "toggle method 1/2", "方式切替"},
		{"toggle_capture", "toggle capture", "売上方式切替"},
		{"select", "select", "選択"},
		{"test_data_2", "test data", "テストデータ"},
		{"cancel", "cancel", "取消"},
		{"capture", "capture", "売上確定"},
		{"refund", "refund", "返金"},
		{"refresh", "refresh", "更新"},
		{"details_2", "details", "詳細"},
		{"save_receipt", "save receipt", "レシート保存"},
		{"print", "print", "印刷"},
		{"open_link", "open link", "リンクを開く"},
		{"yes", "yes", "はい"},
		{"no", "no", "いいえ"},
		{"scan_for_instructions", "Scan for instructions", "スキャンして支払い方法を表示"},
		{"store", "Store", "コンビニ"},
		{"deadline", "Deadline", "支払期限"},
		{"receipt_number", "Receipt number", "受付番号"},
		{"confirmation_code", "Confirmation code", "確認番号"},
		{"instructions", "Instructions", "支払い方法"},
		{"status", "Status", "状態"},
		{"method", "Method", "方法"},
		{"payment_id", "Payment id", "決済ID"},
		{"session", "Session", "セッション"},
		{"total", "Total", "合計"},
		{"refunded_3", "Refunded", "返金済み"},
		{"refundable", "Refundable", "返金可能"},
		{"refunds", "Refunds", "返金"},
		{"actions", "Actions", "操作"},
		{"quit_while_a_payment_is_in", "Quit while a payment is in progress?", "決済処理中です。終了しますか?"},
		{"amount_must_be_greater_than_zero", "Amount must be greater than zero", "金額は0より大きくしてください"},
		{"waiting_for_the_customer", "Waiting for the customer", "お客様の操作を待っています"},
		{"time", "Time", "時刻"},
		{"order", "Order", "注文"},
		{"filter", "Filter", "絞り込み"},
		{"history_till_s", "till %s", "レジ %s"},
		{"history_till_column", "Till", "レジ"},
		{"history_konbini", "Konbini", "コンビニ"},
		{"history_n_of_n", "%d of %d", "%[2]d件中 %[1]d件目"},
		{"all", "all", "すべて"},
		{"export_csv", "export CSV", "CSV出力"},
		{"filter_2", "filter", "絞り込み"},
		{"d_sale_s_still_wait_for", "%d sale(s) still wait for the customer or for KOMOJU's answer. The journal keeps them; on the next start they are checked with KOMOJU.", "%d 件の売上がお客様の操作またはKOMOJUの応答を待っています。売上記録に残り、次回起動時にKOMOJUで確認します。"},
		{"s_is_no_longer_followed_here", "%s is no longer followed here (too many waiting sales); History has it.", "%s はここでは追跡しません (待ちの売上が多すぎます)。履歴で確認できます。"},
		{"authorized_not_captured_s_the_money", "Authorized, not captured: %s. The money is only held: capture it before the authorization expires (History h, open it, c), or cancel it (x) to release it.", "仮売上のまま未確定: %s。代金は確保されているだけです。与信の期限までに売上確定するか (履歴 h で開いて c)、取消 (x) して解放してください。"},
		{"checking_what_can_be_refunded_with", "Checking what can be refunded with KOMOJU…", "返金可能な金額をKOMOJUで確認しています…"},
		{"could_not_ask_komoju", "Could not ask KOMOJU", "KOMOJUに確認できませんでした"},
		{"could_not_cancel_the_session_of", "Could not cancel the session of %s (%s): it may still be open at KOMOJU. The till keeps following it.", "%s のセッションを取り消せませんでした (%s)。KOMOJUでまだ支払い可能かもしれません。引き続き追跡します。"},
		{"could_not_check_the_payment_with", "Could not check the payment with KOMOJU, so nothing was refunded", "KOMOJUで決済を確認できなかったため、返金していません"},
		{"could_not_check_d_waiting_sale", "Could not check %d waiting sale(s) with KOMOJU; History shows them as they were", "待機中の売上 %d 件をKOMOJUで確認できませんでした。履歴には以前の状態で表示されます"},
		{"could_not_create_the_session", "Could not create the session", "セッションを作成できませんでした"},
		{"komoju_says_there_is_nothing_left", "KOMOJU says there is nothing left to refund on this payment.", "KOMOJUによると、この決済に返金できる残額はありません。"},
		{"komoju_shows_no_payment_for_this", "KOMOJU shows no payment for this sale yet. That does not prove the customer was not charged: the request may still be in progress. The till keeps checking; do not charge again.", "KOMOJUにはまだこの売上の決済がありません。請求されていない証拠にはなりません (処理中の可能性があります)。引き続き確認します。再請求しないでください。"},
		{"press_t_to_try_again_same", "Press t to try again (same sale).", "tキーで同じ取引をもう一度お試しいただけます。"},
		{"press_t_to_try_again", "Press t to try again.", "tキーでもう一度お試しいただけます。"},
		{"quit_with_payments_authorized_but_not", "Quit with payments authorized but not captured?", "売上未確定の仮売上があります。終了しますか?"},
		{"still_unknown_do_not_charge_again", "Still unknown: do not charge again.", "まだ不明です。再請求しないでください。"},
		{"the_customer_cancelled_3_d_secure", "The customer cancelled 3-D Secure: %s was not charged.", "お客様が3Dセキュアをキャンセルしました。%s は請求されていません。"},
		{"the_customer_declined_or_cancelled_in", "The customer declined or cancelled in %s: %s was not charged.", "お客様が %s で支払いを拒否またはキャンセルしました。%s は請求されていません。"},
		{"the_customer_did_not_finish_in", "The customer did not finish in time: %s was not charged.", "お客様が時間内に支払いを完了しませんでした。%s は請求されていません。"},
		{"the_customer_s_authentication_failed_s", "The customer's authentication failed: %s was not charged.", "お客様の本人認証に失敗しました。%s は請求されていません。"},
		{"the_sale_journal_keeps_the_attempt", "The sale journal keeps the attempt; on the next start it is checked with KOMOJU before anything is charged again.", "売上記録に試行が残ります。次回起動時に、再請求の前にKOMOJUで確認します。"},
		{"updated_by_a_s_at_s", "Updated by a %s at %s.", "%s により更新しました (%s)。"},
		{"waiting", "Waiting", "待機中"},
		{"checking_waiting_sales_with_komoju", "checking waiting sales with KOMOJU…", "待機中の売上をKOMOJUで確認中…"},
		{"dismiss_notices", "dismiss notices", "お知らせを消す"},
		{"is_already_used_by_another_sale", "is already used by another sale: type a new one (nothing was charged)", "は別の売上で使用済みです。新しい番号を入力してください (請求はありません)"},
		{"and_d_more_see_history_h", "…and %d more: see History (h).", "…ほか %d 件: 履歴 (h) を確認してください。"},
		{"type_the_amount_again_to_confirm", "Type the amount again to confirm (LIVE)", "確認のため金額を再入力してください (本番)"},
		{"the_amounts_do_not_match_nothing", "The amounts do not match. Nothing was sent.", "金額が一致しません。送信していません。"},
		// the journal's background integrity check (ui/integrity.go)
		{"journal_damaged", "Sale journal damaged: restore a backup (see komoju-tui --check-journal)", "売上ジャーナルが破損しています: バックアップから復元してください (komoju-tui --check-journal)"},
		// keys' help words
		{"help_amount", "amount", "金額"},
		{"help_up", "up", "上へ"},
		{"help_down", "down", "下へ"},
		{"help_previous_field", "previous field", "前の項目"},
		{"no_browser_here", "There is no browser here to open the page: show the customer the QR code or the link. Start with --no-browser to stop trying.", "ページを開くブラウザがありません。お客様にQRコードかリンクをお見せください。--no-browser で起動すると開こうとしなくなります。"},
		{"no_browser_not_opened", "No browser here: the page was not opened. Show the QR code or the link.", "ブラウザがないため、ページは開いていません。QRコードかリンクをお見せください。"},
		{"charge_big_amount", "Charge %s?", "%s を請求しますか?"},
		{"big_amount_check", "%s is more than %s. Check the amount with the customer before going on.", "%s は %s を超えています。続ける前にお客様と金額をご確認ください。"},
		{"email_placeholder", "e.g. name@example.com", "例: taro@example.jp"},
		// the accessible (line-by-line) console, ui/accessible.go
		{"acc_full_stop", ".", "。"},
		{"acc_kind_paid", "Paid", "支払い済み"},
		{"acc_kind_not_paid", "Not paid", "支払われていません"},
		{"acc_kind_awaiting", "Waiting for the customer to pay", "お客様のお支払い待ち"},
		{"acc_kind_authorized", "Authorized: capture pending", "仮売上: 売上確定待ち"},
		{"acc_kind_redirect", "Customer must finish paying", "お客様の操作待ち"},
		{"acc_kind_unknown", "Unknown: check before charging again", "不明: 再請求の前に確認してください"},
		{"acc_kind_cancelled", "Cancelled", "取消済み"},
		{"acc_kind_expired", "Expired", "期限切れ"},
		{"acc_kind_failed", "Failed", "失敗"},
		{"acc_not_an_amount", "%s is not an amount: give digits only, more than 0.", "%s は金額ではありません。0 より大きい数字だけを入力してください。"},
		{"acc_amount_prompt", "Amount in %s, digits only (q quits):", "金額 (%s)、数字のみ (q で終了):"},
		{"acc_answer_y_or_n", "Answer y for yes or n for no.", "はいは y、いいえは n で答えてください。"},
		{"acc_choose_by_number", "Choose by number:", "番号で選んでください:"},
		{"acc_confirmation_code", "Confirmation code: %s.", "確認番号: %s。"},
		{"acc_could_not_load_methods", "Could not load the payment methods: %s", "支払い方法を読み込めませんでした: %s"},
		{"acc_could_not_read_journal", "Could not read the journal: %s", "売上記録を読めませんでした: %s"},
		{"acc_give_number", "Give a number from 1 to %d.", "1 から %d までの番号を入力してください。"},
		{"acc_give_amount", "Give an amount from 1 to %s.", "1 から %s までの金額を入力してください。"},
		{"acc_goodbye", "Goodbye.", "終了します。"},
		{"acc_history_summary", "History summary", "本日の集計"},
		{"acc_jpy", "Japanese yen (JPY)", "日本円 (JPY)"},
		{"acc_welcome", "KOMOJU POS, accessible console. Mode: %s.", "KOMOJU POS、読み上げ対応コンソール。モード: %s。"},
		{"acc_new_sale", "New sale", "新しい取引"},
		{"acc_no_methods", "No payment method is available for this sale.", "この取引で使える支払い方法がありません。"},
		{"acc_no_sales_today", "No sales today.", "本日の取引はありません。"},
		{"acc_not_paid_choose_again", "Not paid. Choose the method again.", "支払っていません。支払い方法を選び直してください。"},
		{"acc_nothing_changed", "Nothing was changed.", "何も変更していません。"},
		{"acc_order_total", "Order %s, %s.", "注文 %s、%s。"},
		{"acc_order_payment", "Order %s, payment %s.", "注文 %s、決済 %s。"},
		{"acc_pay_by", "Pay %s by %s?", "%s を %s で支払いますか?"},
		{"acc_paying", "Paying…", "支払い処理中…"},
		{"acc_instructions", "Payment instructions for the customer: %s", "お客様向けのお支払い方法: %s"},
		{"acc_payment_methods", "Payment methods:", "支払い方法:"},
		{"acc_quit", "Quit", "終了"},
		{"acc_receipt_number", "Receipt number: %s.", "受付番号: %s。"},
		{"acc_refund_how_much", "Refund how much? Enter refunds all of %s:", "返金する金額は? Enter で %s を全額返金:"},
		{"acc_starting_sale", "Starting the sale…", "取引を開始しています…"},
		{"acc_still_waiting", "Still waiting: %s.", "引き続き待っています: %s。"},
		{"acc_stopped_waiting", "Stopped waiting. The sale is not settled yet; History has it.", "待つのをやめました。取引はまだ確定していません。履歴で確認できます。"},
		{"acc_authenticate_at", "The customer authenticates the card at this link: %s", "お客様はこのリンクでカードの本人認証をします: %s"},
		{"acc_finish_at", "The customer finishes paying at this link: %s", "お客様はこのリンクでお支払いを完了します: %s"},
		{"acc_till", "Till: %s.", "レジ: %s。"},
		{"acc_today", "Today: %d sales; captured %s, refunded %s, net %s; held or awaiting payment %s.", "本日: 取引 %d 件。売上確定 %s、返金 %s、純額 %s、仮売上・入金待ち %s。"},
		{"acc_try_again", "Try again on the same sale", "同じ取引でもう一度試す"},
		{"acc_waiting", "Waiting for the customer… Press Enter to stop waiting.", "お客様を待っています… Enter で待つのをやめます。"},
		{"acc_what_next", "What next?", "次は?"},
		{"acc_card_ending", "ending ", "末尾 "},
		// action labels (flows.Action.Label)
		{"action_capture", "Capture", "売上確定"},
		{"action_cancel_payment", "Cancel payment", "決済取消"},
		{"action_refund", "Refund", "返金"},
		{"action_request_bank_refund", "Request bank refund", "銀行返金依頼"},
		{"action_refresh", "Refresh", "更新"},
		// the end-of-day close (flows/close.go, ui/close.go, cli close)
		{"close_title", "END-OF-DAY CLOSE", "締め処理 (精算レポート)"},
		{"close_whole_store", "whole store", "店舗全体"},
		{"close_refreshed_d_d", "Asked KOMOJU about %d open sale(s): %d changed.", "未確定の取引 %d 件をKOMOJUに確認しました: %d 件が変わりました。"},
		{"close_no_sales", "No sales that day.", "この日の取引はありません。"},
		{"close_sales", "Sales", "取引数"},
		{"close_captured", "Captured", "売上確定額"},
		{"close_net_takings", "Net takings", "純売上"},
		{"close_authorized_held", "Held, not captured", "仮売上 (未確定)"},
		{"close_by_method", "By method", "決済方法別"},
		{"close_by_outcome", "By outcome", "結果別"},
		{"close_by_till", "By till", "レジ別"},
		{"close_paid", "Paid", "支払い済み"},
		{"close_net", "Net", "純額"},
		{"close_store_total", "Store total (net)", "店舗合計 (純額)"},
		{"close_still_waiting", "Still waiting (not in the takings)", "支払い待ち (売上に含まず)"},
		{"close_unknown", "UNKNOWN: check these before charging again", "不明: 再請求の前に確認してください (売上に含まず)"},
		{"close_no_method", "no method chosen yet", "決済方法未選択"},
		{"close_status_unfinished", "unfinished", "未完了"},
		{"close_status_error", "not charged", "未請求"},
		{"close_refreshing", "Asking KOMOJU about the day's open sales…", "当日の未確定取引をKOMOJUに確認中…"},
		{"close_refreshing_d_s", "Checked %d: %s", "%d 件目を確認: %s"},
		{"close_the_day", "close the day", "締め処理"},
		{"close_save", "save text, CSV and JSON", "テキスト・CSV・JSONを保存"},
		{"close_saved_to_s", "Saved the close to %s", "締めレポートを保存しました: %s"},
		{"close_toggle_store", "this till / whole store", "このレジ / 店舗全体"},
		{"close_updated_s", "Totals updated from the journal at %s: sales changed at another till or the store's receiver (g asks KOMOJU again).", "%s に記録から合計を更新しました: 他のレジや店舗の受信で取引が変わりました (g でKOMOJUに再確認)。"},
		// the headless close's lines on stderr
		{"cli_close_checked_s_s", "checked %s: %s", "%s を確認: %s"},
		{"cli_confirm_charge_s_s", "Charge %s? It is more than %s: check the amount with the customer. Type yes to charge: ", "%s を請求しますか？ %s を超えています。お客様と金額を確認してください。請求するには yes と入力: "},
		{"cli_card_number", "Card number: ", "カード番号: "},
		{"cli_card_stdin_drop_s", "--card - reads the expiry and CVC from standard input too: drop %s", "--card - は有効期限とセキュリティコードも標準入力から読み取ります: %s を外してください"},
		{"cli_card_stdin_terminal", "--card -: reading the terminal", "--card -: 端末から読み取れません"},
		{"cli_card_stdin_lines", "--card - wants three lines on standard input: the card number, the expiry (MM/YY) and the CVC", "--card - は標準入力に3行を読み取ります: カード番号、有効期限 (MM/YY)、セキュリティコード"},
		{"cli_card_expiry", "Expiry (MM/YY): ", "有効期限 (MM/YY): "},
		{"cli_card_cvc", "CVC: ", "セキュリティコード: "},
		{"cli_card_argv_one_s", "warning: %s on the command line is visible to other users (ps, /proc/*/cmdline) and kept in shell history; use --card - to read the card from standard input", "警告: コマンドラインの %s は他のユーザーから見え（ps、/proc/*/cmdline）、シェルの履歴にも残ります。--card - で標準入力から読み取ってください"},
		{"cli_card_argv_many_s", "warning: %s on the command line are visible to other users (ps, /proc/*/cmdline) and kept in shell history; use --card - to read the card from standard input", "警告: コマンドラインの %s は他のユーザーから見え（ps、/proc/*/cmdline）、シェルの履歴にも残ります。--card - で標準入力から読み取ってください"},
		{"cli_pay_not_completed_d", "not completed (exit %d)", "完了していません (終了コード %d)"},
		{"cli_sess_no_sale_s", "%s: no sale in this journal has that order number or session id; only sessions this app left open are cancelled.", "%s: この注文番号またはセッションIDの売上はジャーナルにありません。このアプリが開いたままにしたセッションだけを取り消します。"},
		{"cli_sess_direct_s", "%s: the sale has no KOMOJU session (it was a direct payment).", "%s: この売上には KOMOJU のセッションがありません (直接決済でした)。"},
		{"cli_sess_busy_s", "%s: not cancelled: another komoju-tui is working on this sale.", "%s: 取り消していません: 別の komoju-tui がこの売上を処理中です。"},
		{"cli_sess_not_cancelled_v", "%s: not cancelled: %v.", "%s: 取り消していません: %v。"},
		{"cli_sess_not_cancelled_o", "%s: not cancelled: %s", "%s: 取り消していません: %s"},
		{"cli_sess_paid_s_s_s", "%s: not cancelled: the customer paid (payment %s, %s).", "%s: 取り消していません: お客様は支払い済みです (決済 %s、%s)。"},
		{"cli_sess_cancelled_s_s", "%s: session %s cancelled; nobody was charged and the payment page is closed.", "%s: セッション %s を取り消しました。請求はなく、支払いページは閉じられています。"},
		{"cli_sessions_none", "No open sessions.", "開いているセッションはありません。"},
		{"cli_sessions_created", "CREATED", "作成"},
		{"cli_sessions_attempts", "ATTEMPTS", "試行"},
		{"cli_sessions_session", "SESSION", "セッション"},
		{"cli_sessions_close_hint", "Close them with: komoju-tui sessions cancel --all", "まとめて閉じるには: komoju-tui sessions cancel --all"},
		{"cli_reconcile_nothing", "Nothing to settle: every sale this till may settle has a result.", "精算するものはありません: このレジが精算できる売上にはすべて結果があります。"},
		{"cli_confirm_declined", "Not charged: the amount was not confirmed.", "請求していません：金額が確認されませんでした。"},
		{"cli_close_unchanged", ", unchanged", "、変更なし"},
		{"cli_close_ask_failed_s", " (could not ask KOMOJU: %s)", " (KOMOJUに確認できませんでした: %s)"},
		{"cli_close_lookup_failed_s", "some sales could not be looked up, they are shown as the journal has them: %s", "一部の取引をKOMOJUに確認できませんでした。記録のまま表示しています: %s"},
		{"cli_close_unknown_d", "%d sale(s) with an unknown outcome: check them (komoju-tui show ORDER) before charging again", "結果が不明な取引が %d 件あります: 再請求の前に確認してください (komoju-tui show 注文番号)"},
		{"cli_sale_no_payment_s", "Sale %[1]s has no payment at KOMOJU to act on (nobody paid it, or its outcome is not known yet): komoju-tui show %[1]s says where it stands.", "取引 %[1]s にはKOMOJU上の操作できる決済がありません (未払い、または結果がまだ不明です)。状況は komoju-tui show %[1]s で確認できます。"},
		{"cli_sandbox_using_s_s_d", "using the sandbox at %s started %s (pid %d); --fresh for a new one", "起動中のサンドボックス %s を使います (%s 起動、pid %d)。新しく起動するには --fresh"},
		{"cli_sandbox_ignored_s", "warning: ignoring %s; this command starts its own empty sandbox", "警告: %s を無視します。このコマンドは専用の空のサンドボックスを起動します"},
		{"cli_payment_currency_s", " (the payment is in %s)", " (この決済の通貨は %s)"},
		{"cli_usage_hint_s", "Run 'komoju-tui %s --help' for usage.", "使い方は 'komoju-tui %s --help' で表示されます。"},
		{"cli_sandbox_hint", "note: no KOMOJU key is set and no running 'komoju-tui sandbox' was used (none found,\n  or --fresh), so this command ran against its own empty embedded sandbox, which knows\n  nothing of payments made by earlier commands. For a script of several steps, start\n  one sandbox in another terminal; every command without a key then uses it:\n    komoju-tui sandbox\n",
			"注意: KOMOJUのキーが設定されておらず、起動中の 'komoju-tui sandbox' も使われませんでした\n  (見つからないか --fresh)。このコマンドは自分専用の空の組み込みサンドボックスで動いたため、\n  前のコマンドで作った決済を知りません。複数の手順を続けるスクリプトでは、別の端末で\n  サンドボックスを一つ起動してください。キーのないコマンドはすべてそれを使います:\n    komoju-tui sandbox\n"},
		{"close_check_failed_v", "Could not ask KOMOJU about some sales (%v): they are listed as they were.", "一部の取引をKOMOJUに確認できませんでした (%v): 記録のまま表示しています。"},
		// payment statuses and where a status came from: looked up by id
		// (Status), as "captured" and "cancelled" also name other things
		{"status_captured", "captured", "売上確定"},
		{"status_authorized", "authorized", "仮売上"},
		{"status_pending", "pending", "支払い待ち"},
		{"status_refunded", "refunded", "返金済み"},
		{"status_cancelled", "cancelled", "取消済み"},
		{"status_expired", "expired", "期限切れ"},
		{"status_failed", "failed", "失敗"},
		{"status_unknown", "unknown", "不明"},
		{"status_open", "open", "未決済"},
		{"status_error", "error", "エラー"},
		{"status_unfinished", "unfinished", "未完了"},
		{"source_result", "result", "応答"},
		{"source_api", "api", "API"},
		{"source_webhook", "webhook", "Webhook"},
		{"source_recheck", "recheck", "再確認"},
		{"source_reconcile", "reconcile", "照合"},
		{"source_action", "action", "操作"},
		{"source_poll", "poll", "問い合わせ"},
		{"source_return_url", "return_url", "戻りURL"},
		// Method 2 3-D Secure and scanned PayPay codes (securetoken.go, scan.go)
		{"scan_customer_s_paypay_code", "Scan customer's PayPay code", "お客様の PayPay コードを読み取り"},
		{"scan_the_barcode_in_the_customer", "Scan the barcode in the customer's PayPay app, or type its digits, then Enter: the payment is made at once. Leave it empty and press Enter to have the customer pay in the PayPay app instead.", "お客様の PayPay アプリのバーコードをスキャンするか、数字を入力して Enter を押すと、すぐに決済されます。空のまま Enter を押すと、お客様が PayPay アプリで支払います。"},
		{"that_is_not_a_paypay_code", "That is not a PayPay code (letters and digits only, at most 64): scan it again.", "PayPay のコードではありません (英数字のみ、64文字まで)。もう一度読み取ってください。"},
		{"charging_the_paypay_code", "Charging the PayPay code", "PayPay コードで決済中"},
		{"3_d_secure_skipped_for_this", "3-D Secure: SKIPPED for this payment (no liability shift)", "3-Dセキュア: この決済ではスキップ (チャージバック保護なし)"},
		{"turn_on", "turn on", "有効にする"},
		{"3_d_secure_on_the_customer", "3-D Secure: on (the customer may confirm on their phone)", "3-Dセキュア: 有効 (お客様がスマホで認証する場合があります)"},
		{"skip_3_d_secure", "skip 3-D Secure", "3-Dセキュアをスキップ"},
		{"checking_the_card_3_d_secure", "Checking the card (3-D Secure)", "カードを確認中 (3-Dセキュア)"},
		{"creating_payment_3_d_secure_skipped", "Creating payment (3-D Secure skipped)", "決済を作成中 (3-Dセキュアなし)"},
		{"stop_waiting", "stop waiting", "待機をやめる"},
		{"sandbox_customer_authenticates", "sandbox: customer authenticates", "サンドボックス: お客様が認証"},
		{"3_d_secure_customer_confirms_with", "3-D SECURE: CUSTOMER CONFIRMS WITH THEIR CARD ISSUER", "3-Dセキュア: お客様がカード会社で認証中"},
		{"sandbox_on_the_page_123456_authenticates", "Sandbox: on the page 123456 authenticates and 111111 fails; P authenticates here.", "サンドボックス: ページで 123456 は認証成功、111111 は失敗。P でここから認証します。"},
		{"authenticated", "authenticated", "認証済み"},
		{"not_applicable_to_this_card", "not applicable to this card", "このカードは対象外"},
		{"skipped_by_the_clerk_no_liability", "skipped by the clerk (no liability shift)", "店員の判断でスキップ (チャージバック保護なし)"},
		{"not_completed", "not completed", "未完了"},
		// KOMOJU decline reasons by error code (KOMOJU sends them in English)
		{"decline_insufficient_funds", "The card has insufficient funds.", "カードの残高が不足しています。"},
		{"decline_exceeds_limit", "The payment exceeds the card's limit.", "カードの利用限度額を超えています。"},
		{"decline_bad_verification_value", "The card's security code (CVC) is incorrect.", "カードのセキュリティコードが正しくありません。"},
		{"decline_card_expired", "The card has expired.", "カードの有効期限が切れています。"},
		{"decline_card_declined", "The card was declined and cannot be used.", "このカードはご利用いただけません。"},
		{"decline_invalid_number", "The card number is invalid.", "カード番号が正しくありません。"},
		{"decline_used_number", "The prepaid number has already been used.", "このプリペイド番号は使用済みです。"},
		{"decline_fraudulent", "The payment was rejected as potentially fraudulent.", "不正利用の疑いにより決済が拒否されました。"},
	}
}

// Lookup returns the text of id in lang ("en" or "ja"; anything starting
// with "ja" is Japanese), and false for an unknown id.
func Lookup(id, lang string) (string, bool) {
	e, ok := byID()[id]
	if !ok {
		return "", false
	}
	if strings.HasPrefix(strings.ToLower(lang), "ja") {
		return e.JA, true
	}
	return e.EN, true
}

// byID indexes the table once: Lookup runs inside views and receipts, and
// building the whole table per word cost about 30 µs and 20 KB each.
var byID = sync.OnceValue(func() map[string]Entry {
	t := Table()
	m := make(map[string]Entry, len(t))
	for _, e := range t {
		if _, dup := m[e.ID]; !dup { // the first entry wins, as the old linear scan did
			m[e.ID] = e
		}
	}
	return m
})

// JA is the Japanese of an English text in the table (entries reached
// only by id excepted).
func JA(en string) (string, bool) {
	ja, ok := japanese()[en]
	return ja, ok
}

var japanese = sync.OnceValue(Japanese)

// Japanese maps each English text to its Japanese one, for callers that
// key their messages by the English text.
func Japanese() map[string]string {
	t := Table()
	m := make(map[string]string, len(t))
	for _, e := range t {
		if byIDOnly(e.ID) {
			continue
		}
		m[e.EN] = e.JA
	}
	return m
}

// Decline returns KOMOJU's decline reason for an error code in lang, and
// false for a code the table does not know (show KOMOJU's own message).
func Decline(code, lang string) (string, bool) {
	if code == "" {
		return "", false
	}
	return Lookup("decline_"+code, lang)
}

// byIDOnly reports entries reached only by id, whose English text may
// name something else elsewhere in the table.
func byIDOnly(id string) bool {
	for _, p := range []string{"status_", "source_", "slip_", "acc_kind_", "say_", "notice_", "out_", "kind_", "sum_", "val_", "wh_"} {
		if strings.HasPrefix(id, p) {
			return true
		}
	}
	return false
}

// Status names a payment status (or a status's source) in lang; an
// unknown one is returned as it is.
func Status(s, lang string) string {
	for _, p := range []string{"status_", "source_"} {
		if v, ok := Lookup(p+s, lang); ok {
			return v
		}
	}
	return s
}

// validationTable is what flows' checks of a clerk's input say (FieldError,
// flows.Problem): the console shows them under the field, the headless
// commands in their usage errors.
func validationTable() []Entry {
	return []Entry{
		{"val_required", "is required", "入力してください"},
		{"val_card_chars", "may only contain digits, spaces and dashes", "数字・スペース・ハイフンのみ使えます"},
		{"val_card_len_d", "has %d digits; card numbers have 12 to 19", "%d 桁です。カード番号は12〜19桁です"},
		{"val_card_len_brand_d_s", "has %d digits, which is not a valid %s number", "%[1]d 桁は %[2]s のカード番号として正しくありません"},
		{"val_card_luhn", "is not a valid card number (check digit mismatch: look for a typo)", "カード番号が正しくありません (入力ミスを確認してください)"},
		{"val_expiry_format", "must look like MM/YY, for example 12/30", "MM/YY の形式で入力してください (例: 12/30)"},
		{"val_expiry_month", "month must be 01 to 12", "月は01〜12で入力してください"},
		{"val_expiry_expired_d_d", "the card expired at the end of %02d/%02d", "このカードは %02d/%02d 末で有効期限が切れています"},
		{"val_expiry_far_d", "year %d is too far in the future", "%d 年は先すぎます"},
		{"val_digits_only", "may only contain digits", "数字のみ使えます"},
		{"val_cvc_3or4", "must be 3 or 4 digits", "3桁または4桁で入力してください"},
		{"val_cvc_len_d_s", "must be %d digits for %s", "%[2]s は %[1]d 桁です"},
		{"val_too_long_100", "is too long (at most 100 characters)", "長すぎます (100文字まで)"},
		{"val_control_char", "contains a control character", "制御文字が含まれています"},
		{"val_email_q", "%q is not an email address like taro@example.com", "%q はメールアドレスの形式ではありません (例: taro@example.com)"},
		{"val_phone_chars", "may only contain digits and ( ) - + spaces", "数字と ( ) - + スペースのみ使えます"},
		{"val_phone_short_d", "needs at least 10 digits (has %d)", "10桁以上必要です (現在 %d 桁)"},
		{"val_phone_long_d", "has too many digits (%d; at most 15)", "桁数が多すぎます (%d 桁。15桁まで)"},
		{"val_kana", "must be written in katakana or hiragana (for example ヤマダ)", "カタカナまたはひらがなで入力してください (例: ヤマダ)"},
		{"val_store_choose_s", "choose a store: %s", "店舗を選んでください: %s"},
		{"val_store_unknown_q_s", "%q is not one of the stores %s", "%q は店舗 %s のいずれでもありません"},
		{"val_order_required", "is required (for example POS-20261124-0001)", "入力してください (例: POS-20261124-0001)"},
		{"val_too_long_d", "is too long (at most %d characters)", "長すぎます (%d 文字まで)"},
		{"val_order_chars", "may only contain letters, digits and -_./# (no spaces)", "英字・数字と -_./# のみ使えます (スペース不可)"},
		{"val_currency_q", "%q is not a currency KOMOJU supports (for example JPY, USD, EUR)", "%q はKOMOJUが扱う通貨ではありません (例: JPY, USD, EUR)"},
		{"val_gt_zero", "must be greater than 0", "0より大きくしてください"},
		{"val_amount_too_large_s", "is too large (at most %s)", "大きすぎます (上限 %s)"},
		{"val_negative", "cannot be negative", "マイナスにはできません"},
		{"val_too_large", "is too large", "大きすぎます"},
		{"val_too_long_255", "is too long (at most 255 characters)", "長すぎます (255文字まで)"},
		{"val_meta_empty_key", "has an empty key", "空のキーがあります"},
		{"val_meta_key_long_q_d", "key %q is longer than %d characters", "キー %q が %d 文字を超えています"},
		{"val_meta_value_long_q_d", "value of %q is longer than %d characters", "%q の値が %d 文字を超えています"},
		{"val_line_no_desc_d", "line %d needs a description", "%d 行目に説明が必要です"},
		{"val_line_neg_amount_d", "line %d has a negative amount", "%d 行目の金額がマイナスです"},
		{"val_line_neg_qty_d", "line %d has a negative quantity", "%d 行目の数量がマイナスです"},
		{"val_lines_sum_s_s", "add up to %s but the amount is %s", "明細の合計は %s ですが、金額は %s です"},
		{"val_card_in_field", "looks like a card number; card numbers go only in the card form", "カード番号のようです。カード番号はカード入力欄にのみ入力してください"},
		{"val_card_in_meta_q", "%q looks like it holds a card number; card numbers go only in the card form", "%q にカード番号らしきものが含まれています。カード番号はカード入力欄にのみ入力してください"},
		{"val_card_in_line_d", "line %d looks like it holds a card number", "%d 行目にカード番号らしきものが含まれています"},
		{"val_capture_q", "%q is not auto or manual", "%q は auto でも manual でもありません"},
		{"val_flow_q", "%q is not session or direct", "%q は session でも direct でもありません"},
		{"val_return_url", "must be an http(s) URL like https://example.com/return", "https://example.com/return のような http(s) のURLにしてください"},
		{"val_return_url_3ds", "is required for 3-D Secure (the customer's browser returns there)", "3Dセキュアに必要です (お客様のブラウザがそこへ戻ります)"},
		{"val_choose_method", "choose a payment method", "支払い方法を選んでください"},
		{"val_method_not_offered_s", "%s is not offered for this sale", "%s はこの取引では使えません"},
		{"val_method_unsupported_s", "%s is not a payment method this till supports", "%s はこのレジが対応していない支払い方法です"},
		{"val_method_limit_s_s", "The value of amount is invalid: %s payments accept at most %s (amount + tax + fees)", "金額が正しくありません: %s の支払いは1回 %s まで (金額・税・手数料の合計) です"},
		{"val_digits_4", "must be 4 digits", "4桁で入力してください"},
		{"val_digits_3", "must be 3 digits", "3桁で入力してください"},
		{"val_digits_7", "must be 7 digits", "7桁で入力してください"},
		{"val_amount_unknown_currency_q", "unknown currency %q", "不明な通貨です: %q"},
		{"val_amount_empty", "amount is empty", "金額が入力されていません"},
		{"val_amount_negative_q", "amount %q is negative", "金額 %q はマイナスです"},
		{"val_amount_nan_q", "amount %q is not a number", "金額 %q は数値ではありません"},
		{"val_amount_no_minor_q_s", "amount %q has decimals, but %s has no minor unit", "金額 %q に小数がありますが、%s には小数の単位がありません"},
		{"val_amount_decimals_q_d_s", "amount %q has more than %d decimal places for %s", "金額 %[1]q は %[3]s の小数点以下 %[2]d 桁を超えています"},
		{"val_amount_too_large_q_s", "amount %q is too large (max %s)", "金額 %q は大きすぎます (上限 %s)"},
		{"val_amount_zero_q", "amount %q must be greater than zero", "金額 %q は0より大きくしてください"},
		{"val_confirm_above_q_s", "%q is not an amount in %s greater than 0, nor off", "%q は %s の0より大きい金額でも off でもありません"},
		{"val_confirm_above_refused_s_s", "the total %s is more than %s: check the amount with the customer, then run again with --confirm-above off (or a larger amount) to charge it", "合計 %s は %s を超えています。お客様と金額を確認し、請求する場合は --confirm-above off（またはより大きい金額）を付けて実行し直してください"},
		{"val_amount_grouping_q", "amount %q has misplaced thousands separators", "金額 %q の桁区切りの位置が正しくありません"},
		{"val_more_than_refundable", "is more than can be refunded", "返金できる額を超えています"},
		{"out_please_fix_nothing_sent_s", "Please fix: %s. Nothing was sent to KOMOJU.", "入力を確認してください: %s。KOMOJUには何も送信していません"},
		{"out_please_fix_s", "Please fix: %s.", "入力を確認してください: %s。"},
		{"val_account_type", "must be ordinary, checking or savings", "ordinary・checking・savings のいずれかにしてください"},
	}
}

// eventsTable is the webhook inspector's words and the receiver's health
// line (wh_, by id).
func eventsTable() []Entry {
	return []Entry{
		{"wh_not_listening", "webhooks ○ not listening", "webhooks ○ 受信していません"},
		{"wh_no_secret", " · no secret", " · シークレット未設定"},
		{"wh_no_events", " · no events yet", " · イベントはまだありません"},
		{"wh_last_s_s", " · last %s %s", " · 最新 %s %s"},
		{"wh_counts_d_d_d", " · %d ok · %d ✗ · %d dup", " · 正常 %d · ✗ %d · 重複 %d"},
		{"wh_flood_d", " · %d ✗ not recorded (flood)", " · ✗ %d 件未記録 (大量)"},
		{"wh_failed_d", " · %d failed", " · 失敗 %d"},
		{"wh_forward_failed_d", " · %d forward failed", " · 転送失敗 %d"},
		{"wh_forward_loops_d", " · %d forward loop(s) cut", " · 転送ループ遮断 %d"},
		{"wh_last_error_s", " · last error: %s", " · 最新のエラー: %s"},
		// the details form's placeholders
		{"ph_phone", "e.g. 090-1234-5678", "例: 090-1234-5678"},
		{"ph_given_name", "e.g. Taro", "例: 太郎"},
		{"ph_family_name", "e.g. Yamada", "例: 山田"},
		{"ph_given_kana", "e.g. タロウ", "例: タロウ"},
		{"ph_family_kana", "e.g. ヤマダ", "例: ヤマダ"},
		{"ev_title_d", "Webhook events (%d)", "Webhookイベント (%d)"},
		{"ev_col_type", "TYPE", "種類"},
		{"ev_col_amount", "AMOUNT", "金額"},
		{"ev_col_deliveries", "DLV", "配信"},
		{"ev_col_verdict", "VERDICT", "判定"},
		{"ev_page_up", "page up", "前のページ"},
		{"ev_page_down", "page down", "次のページ"},
		{"ev_newest", "newest", "最新へ"},
		{"ev_oldest", "oldest", "最古へ"},
		{"ev_replay_locally", "replay locally", "ローカルで再送"},
		{"ev_forward", "forward", "転送"},
		{"ev_copy_id", "copy id", "IDをコピー"},
		{"ev_copy_body", "copy body", "本文をコピー"},
		{"ev_reload", "reload", "再読み込み"},
		{"ev_load_failed_s", "could not load events: %s", "イベントを読み込めませんでした: %s"},
		{"ev_copy_failed_s", "copy failed: %s", "コピーできませんでした: %s"},
		{"ev_copied_s", "copied %s to the clipboard (OSC 52)", "%s をクリップボードにコピーしました (OSC 52)"},
		{"ev_what_event_id_s", "event id %s", "イベントID %s"},
		{"ev_what_payment_id_s", "payment id %s", "決済ID %s"},
		{"ev_what_body", "the body", "本文"},
		{"ev_no_event_id", "this delivery has no event id to copy", "この配信にはコピーできるイベントIDがありません"},
		{"ev_rejected_s_s", "cannot %s a rejected delivery (%s): only verified events are re-signed", "拒否された配信は%sできません (%s): 再署名できるのは検証済みのイベントだけです"},
		{"ev_running_s", "%s still running…", "%s を実行中…"},
		{"ev_started_s_s", "%s %s…", "%s %s…"},
		{"ev_action_failed_s_s", "%s failed: %s", "%s に失敗しました: %s"},
		{"ev_action_done_s_s_s_s", "%s %s → %s: %s", "%s %s → %s: %s"},
		{"ev_local_receiver", "local receiver", "ローカル受信"},
		{"ev_kind_replay", "replay", "再送"},
		{"ev_no_clipboard", "no clipboard", "クリップボードがありません"},
		{"ev_receiver_off", "the webhook receiver is not running", "Webhook受信が動いていません"},
		{"ev_loading", "loading…", "読み込み中…"},
		{"ev_none_yet", "No webhook events yet.", "Webhookイベントはまだありません。"},
		{"ev_appear_here_s", " Deliveries to %s appear here.", " %s への配信がここに表示されます。"},
		{"ev_not_listening", " The receiver is not listening.", " 受信していません。"},
		{"ev_verified", "✓ signature verified", "✓ 署名を検証済み"},
		{"ev_rejected_reason_s", "✗ rejected: %s", "✗ 拒否: %s"},
		{"ev_no_id", "(no event id)", "(イベントIDなし)"},
		{"ev_event", "Event", "イベント"},
		{"ev_type", "Type", "種類"},
		{"ev_first_received", "First received", "初回受信"},
		{"ev_last", "Last", "最新"},
		{"ev_deliveries", "Deliveries", "配信回数"},
		{"ev_event_created", "Event created", "イベント作成"},
		{"ev_unverified", "Unverified: the fields above come from a body nobody signed.", "未検証: 上の項目は誰も署名していない本文から読んだものです。"},
		{"ev_headers", "Headers", "ヘッダー"},
		{"ev_none_stored", "(none stored)", "(保存なし)"},
		{"ev_body", "Body", "本文"},
		{"ev_empty", "(empty)", "(空)"},
	}
}

// testDataTable is the test-data picker's labels (flows.TestCards,
// flows.Scenarios), found by their English.
func testDataTable() []Entry {
	return []Entry{
		{"tc_visa_success", "Visa: success", "Visa: 成功"},
		{"tc_mc_success", "Mastercard: success", "Mastercard: 成功"},
		{"tc_jcb_success", "JCB: success", "JCB: 成功"},
		{"tc_amex_success", "American Express: success", "American Express: 成功"},
		{"tc_diners_success", "Diners Club: success", "Diners Club: 成功"},
		{"tc_visa_3ds_frictionless", "Visa 3DS: frictionless success", "Visa 3DS: 認証操作なしで成功"},
		{"tc_mc_3ds_frictionless", "Mastercard 3DS: frictionless success", "Mastercard 3DS: 認証操作なしで成功"},
		{"tc_jcb_3ds_frictionless", "JCB 3DS: frictionless success", "JCB 3DS: 認証操作なしで成功"},
		{"tc_visa_3ds_challenge", "Visa 3DS: challenge (enter 123456)", "Visa 3DS: チャレンジ認証 (123456 を入力)"},
		{"tc_mc_3ds_challenge", "Mastercard 3DS: challenge (enter 123456)", "Mastercard 3DS: チャレンジ認証 (123456 を入力)"},
		{"tc_jcb_3ds_challenge", "JCB 3DS: challenge (enter 123456)", "JCB 3DS: チャレンジ認証 (123456 を入力)"},
		{"tc_visa_3ds_challenge_fails", "Visa 3DS: challenge fails (enter 111111)", "Visa 3DS: チャレンジ認証に失敗 (111111 を入力)"},
		{"tc_mc_3ds_challenge_fails", "Mastercard 3DS: challenge fails (enter 111111)", "Mastercard 3DS: チャレンジ認証に失敗 (111111 を入力)"},
		{"tc_jcb_3ds_challenge_fails", "JCB 3DS: challenge fails (enter 111111)", "JCB 3DS: チャレンジ認証に失敗 (111111 を入力)"},
		{"tc_visa_3ds_auth_fails", "Visa 3DS: authentication fails", "Visa 3DS: 認証エラー"},
		{"tc_mc_3ds_auth_fails", "Mastercard 3DS: authentication fails", "Mastercard 3DS: 認証エラー"},
		{"tc_jcb_3ds_auth_fails", "JCB 3DS: authentication fails", "JCB 3DS: 認証エラー"},
		{"tc_decline_funds", "Decline: insufficient funds", "拒否: 残高不足"},
		{"tc_decline_limit", "Decline: exceeds card limit", "拒否: 利用限度額超過"},
		{"tc_decline_cvc", "Decline: bad CVC", "拒否: セキュリティコード誤り"},
		{"tc_decline_expired", "Decline: card expired", "拒否: 有効期限切れ"},
		{"tc_decline_unusable", "Decline: card cannot be used", "拒否: 利用できないカード"},
		{"tc_decline_invalid_en", "Decline: invalid card (EN docs)", "拒否: 無効なカード (英語版ドキュメント)"},
		{"tc_decline_invalid_ja", "Decline: invalid card (JA docs)", "拒否: 無効なカード (日本語版ドキュメント)"},
		{"sc_insufficient_funds", "Insufficient funds", "残高不足"},
		{"sc_exceeds_limit", "Exceeds limit", "利用限度額超過"},
		{"sc_bad_verification_value", "Bad verification value", "セキュリティコード誤り"},
		{"sc_card_expired", "Card expired", "有効期限切れ"},
		{"sc_card_declined", "Card declined", "カード拒否"},
		{"sc_invalid_number", "Invalid number", "無効なカード番号"},
		{"sc_fraudulent", "Suspected fraud", "不正利用の疑い"},
	}
}
