package ui

import (
	"fmt"
	"strings"
)

// tr translates UI strings. The English text is the key; other languages
// look it up in their table and fall back to English, so a missing
// translation shows English rather than nothing. Each Model builds its own
// table (no package-level state).
type tr struct {
	lang  string
	table map[string]string
}

func newTr(lang string) tr {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if strings.HasPrefix(lang, "ja") {
		return tr{lang: "ja", table: jaMessages()}
	}
	return tr{lang: "en"}
}

// S returns s in the model's language.
func (t tr) S(s string) string {
	if v, ok := t.table[s]; ok {
		return v
	}
	return s
}

// F formats the translated format string.
func (t tr) F(format string, args ...any) string { return fmt.Sprintf(t.S(format), args...) }

// jaMessages is the Japanese table. Strings from flows (outcome messages,
// validation errors) stay English: they are KOMOJU's and flows' words.
func jaMessages() map[string]string {
	return map[string]string{
		"Card number":                          "カード番号",
		"Expiry (MM/YY)":                       "有効期限 (MM/YY)",
		"CVC":                                  "セキュリティコード",
		"Name on card":                         "カード名義",
		"Convenience store":                    "コンビニ",
		"Phone":                                "電話番号",
		"Given name":                           "名",
		"Family name":                          "姓",
		"Given name (kana)":                    "名 (カナ)",
		"Family name (kana)":                   "姓 (カナ)",
		"(optional)":                           "(任意)",
		"optional":                             "任意",
		"Card":                                 "カード",
		"WAITING FOR PAYMENT":                  "お支払い待ち",
		"AUTHORIZED: CAPTURE PENDING":          "仮売上: 売上確定待ち",
		"CUSTOMER MUST FINISH PAYING":          "お客様の操作待ち",
		"CUSTOMER PAYS ON THEIR PHONE":         "お客様のスマホでお支払い中",
		"NOT PAID":                             "未決済",
		"UNKNOWN: CHECK BEFORE CHARGING AGAIN": "不明: 再請求の前に確認してください",
		"REFUNDED":                             "返金済み",
		"CANCELLED":                            "取消済み",
		"EXPIRED":                              "期限切れ",
		"FAILED":                               "失敗",
		"Link":                                 "リンク",
		"following the status live":            "状態を自動更新中",
		"Test data":                            "テストデータ",
		"pay now":                              "今すぐ支払う",
		"partial capture":                      "一部売上確定",
		"partial refund":                       "一部返金",
		"cancel payment":                       "決済取消",
		"bank refund request":                  "銀行返金依頼",
		"Bank refund request":                  "銀行振込による返金依頼",
		"webhook events":                       "Webhookイベント",
		"built-in test key":                    "内蔵テストキー",
		"esc cancels this step":                "escでこの処理を中止",
		"QR code of the payment page":          "支払いページのQRコード",
		"Capture how much?":                    "売上確定する金額は?",
		"Refund how much?":                     "返金する金額は?",
		"enter confirms · esc cancels":         "enterで確定 · escで取消",
		"RECEIPT":                              "領収書",
		"Thank you!":                           "ありがとうございました",
		"key":                                  "キー",
		"Receipt":                              "受付番号",
		"Conf. code":                           "確認番号",
		"sandbox: customer pays":               "サンドボックス: お客様の支払い",
		"Sandbox: the customer's page has the buttons; P simulates the customer here.": "サンドボックス: お客様用ページにボタンがあります。P でここから支払いを再現できます。",
		"Opened the page in the browser.":                                              "ブラウザでページを開きました。",
		"Opening the page in the browser…":                                             "ブラウザでページを開いています…",
		"--no-browser: the page was not opened. Show the QR code or the link.":         "--no-browser: ページは開いていません。QRコードかリンクを見せてください。",
		"Could not open a browser (%v): show the QR code or the link instead.":         "ブラウザを開けませんでした (%v): QRコードかリンクを見せてください。",
		"Checked with KOMOJU":                         "KOMOJUで確認しました",
		"Status changed to %s (%s, %s).":              "状態が %s になりました (%s, %s)。",
		"Capture %s of payment %s?":                   "決済 %[2]s の %[1]s を売上確定しますか?",
		"Cancel payment %s (%s will not be charged)?": "決済 %s を取り消しますか (%s は請求されません)?",
		"Refund %s of payment %s to the customer?":    "決済 %[2]s の %[1]s をお客様に返金しますか?",
		"at most %s":                      "最大 %s",
		"Sales today":                     "本日の売上",
		"No sales match.":                 "該当する売上はありません。",
		"Loading…":                        "読み込み中…",
		"sales":                           "件数",
		"captured":                        "売上",
		"refunded":                        "返金",
		"net":                             "純額",
		"by method":                       "支払い方法別",
		"by status":                       "状態別",
		"no method chosen":                "方法未選択",
		"Processing":                      "処理中",
		"cancelled":                       "中止",
		"try again":                       "再試行",
		"Scan to pay":                     "スキャンして支払い",
		"digits on the card":              "カードの数字",
		"3-4 digits":                      "3〜4桁",
		"as printed on the card":          "カードの表記どおり",
		"automatic (POS-YYYYMMDD-NNNN)":   "自動 (POS-YYYYMMDD-NNNN)",
		"Sample customer (valid details)": "サンプルのお客様 (有効な入力)",
		"No scenario (clear)":             "シナリオなし (解除)",
		"type to filter · ↑/↓ · enter fills the form · esc closes": "入力で絞り込み · ↑/↓ · enterで入力 · escで閉じる",
		"Komoju-Scenario: %s (this attempt will fail on purpose)":  "Komoju-Scenario: %s (この試行は意図的に失敗します)",
		"Account holder (katakana)":                                "口座名義 (カタカナ)",
		"Bank name":                                                "銀行名",
		"Branch number (3 digits)":                                 "支店番号 (3桁)",
		"Account type":                                             "口座種別",
		"Account number (7 digits)":                                "口座番号 (7桁)",
		"ordinary":                                                 "普通",
		"checking":                                                 "当座",
		"savings":                                                  "貯蓄",
		"KOMOJU sends the money to the customer's bank account.": "KOMOJUがお客様の銀行口座に返金します。",
		"Request a bank refund of %s for payment %s?":            "決済 %[2]s について %[1]s の返金を依頼しますか?",
		"Timeline":                             "経過",
		"created":                              "作成",
		"QR":                                   "QR",
		"Amount":                               "金額",
		"Order number":                         "注文番号",
		"Email":                                "メール",
		"Customer name":                        "お客様名",
		"Description":                          "説明",
		"Tax":                                  "税額",
		"Type the amount on the keypad":        "テンキーで金額を入力",
		"Payment method":                       "支払い方法",
		"Method 1: session":                    "方式1: セッション",
		"Method 2: direct":                     "方式2: 直接決済",
		"capture auto":                         "自動売上",
		"capture manual":                       "手動売上 (仮売上)",
		"Customer pays on their phone":         "お客様のスマホで支払う",
		"offsite":                              "外部",
		"async":                                "後払い",
		"Details":                              "入力",
		"Creating session":                     "セッション作成",
		"Paying":                               "支払い",
		"Creating payment":                     "決済作成",
		"Result":                               "結果",
		"PAID":                                 "支払い完了",
		"Payment":                              "決済",
		"History":                              "履歴",
		"quit":                                 "終了",
		"help":                                 "ヘルプ",
		"back":                                 "戻る",
		"continue":                             "次へ",
		"new sale":                             "新規売上",
		"history":                              "履歴",
		"clear":                                "クリア",
		"delete digit":                         "1桁削除",
		"next field":                           "次の項目",
		"toggle method 1/2":                    "方式切替",
		"toggle capture":                       "売上方式切替",
		"select":                               "選択",
		"test data":                            "テストデータ",
		"cancel":                               "取消",
		"capture":                              "売上確定",
		"refund":                               "返金",
		"refresh":                              "更新",
		"details":                              "詳細",
		"save receipt":                         "レシート保存",
		"print":                                "印刷",
		"open link":                            "リンクを開く",
		"yes":                                  "はい",
		"no":                                   "いいえ",
		"Scan for instructions":                "スキャンして支払い方法を表示",
		"Store":                                "コンビニ",
		"Deadline":                             "支払期限",
		"Receipt number":                       "受付番号",
		"Confirmation code":                    "確認番号",
		"Instructions":                         "支払い方法",
		"Status":                               "状態",
		"Method":                               "方法",
		"Payment id":                           "決済ID",
		"Session":                              "セッション",
		"Total":                                "合計",
		"Refunded":                             "返金済み",
		"Refundable":                           "返金可能",
		"Refunds":                              "返金",
		"Actions":                              "操作",
		"Quit while a payment is in progress?": "決済処理中です。終了しますか?",
		"Amount must be greater than zero":     "金額は0より大きくしてください",
		"Waiting for the customer":             "お客様の操作を待っています",
		"Time":                                 "時刻",
		"Order":                                "注文",
		"Filter":                               "絞り込み",
		"all":                                  "すべて",
		"export CSV":                           "CSV出力",
		"filter":                               "絞り込み",
		"Type the amount again to confirm (LIVE)":     "確認のため金額を再入力してください (本番)",
		"The amounts do not match. Nothing was sent.": "金額が一致しません。送信していません。",
	}
}
